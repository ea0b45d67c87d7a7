"""End to end: analyse a folder of real footage over the API and find moments by text."""

import base64
import threading

import pytest
import socketio

from conftest import BASIC_KEY, PRO_KEY

GOOD_FILES = ["photos.mp4", "photos-rotated.mov", "photos.webm", "café 東京 🎬.mp4"]
BAD_FILES = ["empty.mp4", "truncated.mp4", "not-video.mp4"]
# Each photo fills five seconds, in this order, so its scene is [5 * i, 5 * i + 5).
SCENES = {"a cat": 0, "a cup of coffee": 5, "a rocket": 10, "a motorcycle": 15}


def analyse_and_collect(server, body, transports=None):
    """Start an analysis, follow it over Socket.IO and return (task_id, every progress event)."""
    return start_and_collect(server, "/analyze", body, transports)


def start_and_collect(server, path, body, transports=None):
    """POST a request that starts a task, follow the task over Socket.IO and return
    (task_id, every progress event)."""
    events = []
    finished = threading.Event()
    client = socketio.Client(reconnection=False)

    @client.on("progress")
    def on_progress(payload):
        events.append(payload)
        if payload["status"] in ("completed", "failed", "cancelled"):
            finished.set()

    client.connect(server.base_url, transports=transports or ["polling", "websocket"], wait_timeout=10)
    response = server.post(path, body)
    assert response.status_code == 202, response.text
    task_id = response.json()["task_id"]
    client.emit("join", {"task_id": task_id})
    assert finished.wait(600), f"no final event; got {events[-3:]}"
    client.disconnect()
    return task_id, events


@pytest.fixture(scope="module")
def analysed(server, footage_dir, tmp_path_factory):
    cache_dir = tmp_path_factory.mktemp("cache")
    task_id, events = analyse_and_collect(
        server, {"media_paths": [str(footage_dir)], "cache_dir": str(cache_dir)})
    return cache_dir, task_id, events


def test_analysis_reports_progress_to_completion(analysed):
    _, task_id, events = analysed
    final = events[-1]
    assert final["status"] == "completed"
    assert final["task_id"] == task_id
    assert final["overall_progress"] == 100
    running = [event for event in events if event["status"] == "running"]
    assert len(running) >= 3
    overall = [event["overall_progress"] for event in running]
    assert overall == sorted(overall)
    assert {"embedding", "saving"} <= {event["stage"] for event in running}
    assert sum(1 for event in events if event["status"] != "running") == 1


def test_bad_files_fail_alone(analysed, footage_dir):
    _, _, events = analysed
    results = {entry["media_path"]: entry for entry in events[-1]["results"]}
    for name in GOOD_FILES:
        entry = results[str(footage_dir / name)]
        assert entry["status"] in ("completed", "skipped"), entry
        assert entry["analyses"]["speech"] in ("completed", "skipped", "not_applicable")
    # The accented name is a byte-identical copy of photos.mp4: one hash, analysed once.
    copies = [results[str(footage_dir / name)] for name in ("photos.mp4", "café 東京 🎬.mp4")]
    assert copies[0]["hash_str"] == copies[1]["hash_str"]
    assert sorted(copy["status"] for copy in copies) == ["completed", "skipped"]
    for name in BAD_FILES:
        entry = results[str(footage_dir / name)]
        assert entry["status"] == "failed", entry
        assert name in entry["error"]


@pytest.mark.parametrize("name", GOOD_FILES)
@pytest.mark.parametrize("query", list(SCENES))
def test_text_search_finds_the_right_scene(server, analysed, footage_dir, name, query):
    cache_dir, _, _ = analysed
    response = server.post("/search/text", {
        "query": query, "cache_dir": str(cache_dir), "media_paths": [str(footage_dir / name)],
        "max_results": 5})
    assert response.status_code == 200, response.text
    first = response.json()["matches"][0]
    start = SCENES[query]
    assert start <= int(first["frame_idx"]) < start + 5, (query, first["frame_idx"])
    assert first["video_path"] == str(footage_dir / name)
    assert first["timestamp"] == f"00:00:{int(first['frame_idx']):02d}.000"
    assert base64.b64decode(first["image"])[:2] == b"\xff\xd8"


def test_search_match_has_contract_fields(server, analysed, footage_dir):
    cache_dir, _, _ = analysed
    response = server.post("/search/text", {
        "query": "a rocket", "cache_dir": str(cache_dir),
        "media_paths": [str(footage_dir / "photos.mp4")], "include_scores": True})
    matches = response.json()["matches"]
    assert set(matches[0]) >= {"frame_idx", "timestamp", "image", "scene_start_timestamp",
                               "scene_end_timestamp", "original_index", "hash_str", "video_path",
                               "score"}
    assert matches[0]["scene_start_timestamp"] == "00:00:10.000"
    assert matches[0]["scene_end_timestamp"] == "00:00:15.000"
    scene_starts = [match["scene_start_timestamp"] for match in matches]
    assert len(scene_starts) == len(set(scene_starts)), "one match per scene"
    scores = [match["score"] for match in matches]
    assert scores == sorted(scores, reverse=True)


def test_search_all_covers_every_encoding(server, analysed):
    cache_dir, _, _ = analysed
    response = server.post("/search/text", {
        "query": "a cat", "cache_dir": str(cache_dir), "search_all": True, "max_results": 50})
    matches = response.json()["matches"]
    # Three distinct contents: the MP4 (and its byte-identical copy), the MOV and the WebM.
    cat_matches = matches[:3]
    assert len({match["hash_str"] for match in cat_matches}) == 3
    assert all(0 <= int(match["frame_idx"]) < 5 for match in cat_matches)


def test_reanalysis_skips_analysed_files(server, analysed, footage_dir):
    cache_dir, _, _ = analysed
    _, events = analyse_and_collect(server, {
        "media_paths": [str(footage_dir / "photos.mp4")], "cache_dir": str(cache_dir)})
    assert events[-1]["results"][0]["status"] == "skipped"


def test_late_joiner_gets_final_event(server, analysed):
    _, task_id, _ = analysed
    received = []
    done = threading.Event()
    client = socketio.Client(reconnection=False)

    @client.on("progress")
    def on_progress(payload):
        received.append(payload)
        done.set()

    client.connect(server.base_url, transports=["websocket"], wait_timeout=10)
    client.emit("join", task_id)
    assert done.wait(10)
    client.disconnect()
    assert received[0]["task_id"] == task_id
    assert received[0]["status"] == "completed"


def test_task_endpoint_returns_final_event(server, analysed):
    _, task_id, _ = analysed
    response = server.get(f"/tasks/{task_id}")
    assert response.status_code == 200
    assert response.json()["status"] == "completed"


def test_missing_key_is_401(server):
    response = server.post("/search/text", {"query": "a cat", "cache_dir": "/tmp"}, key=None)
    assert response.status_code == 401
    assert response.json() == {
        "error": "Authentication required",
        "message": "Provide license_key in request body or X-License-Key header"}


def test_basic_key_is_403(server):
    response = server.post("/search/text", {"query": "a cat", "cache_dir": "/tmp"}, key=BASIC_KEY)
    assert response.status_code == 403
    assert response.json() == {
        "error": "Jumper Pro license required",
        "message": "The public API requires a Jumper Pro license"}


def test_unknown_key_is_403(server):
    response = server.post("/search/text", {"query": "a cat", "cache_dir": "/tmp"}, key="nope")
    assert response.status_code == 403
    assert response.json()["error"] == "Invalid license key"


def test_key_in_body_is_accepted(server, analysed):
    cache_dir, _, _ = analysed
    response = server.post("/search/text", {
        "query": "a cat", "cache_dir": str(cache_dir), "license_key": PRO_KEY}, key=None)
    assert response.status_code == 200, response.text


def test_key_header_whitespace_is_ignored(server):
    assert server.get("/models/loaded", key=f"{PRO_KEY} ").status_code == 200


def test_relative_path_is_400(server):
    response = server.post("/analyze", {"media_paths": ["footage/a.mp4"], "cache_dir": "/tmp/c"})
    assert response.status_code == 400
    assert "footage/a.mp4" in response.json()["message"]
    response = server.post("/search/text", {"query": "a cat", "cache_dir": "cache"})
    assert response.status_code == 400
    assert "cache_dir" in response.json()["message"]


def test_health_needs_no_key(server):
    response = server.get("/health", key=None)
    assert response.status_code == 200
    assert response.json() == {"status": "ok"}


def test_metadata_reports_display_size(server, footage_dir):
    paths = [str(footage_dir / "photos-rotated.mov"), str(footage_dir / "empty.mp4")]
    response = server.post("/media/metadata", {"media_paths": paths})
    assert response.status_code == 200, response.text
    body = response.json()
    meta = body["metadata"][0]
    assert (meta["width"], meta["height"]) == (1280, 720)
    assert meta["rotation"] in (90, 270)
    assert meta["media_type"] == "video"
    assert abs(meta["duration"] - 30) < 0.5
    assert body["errors"][0]["media_path"] == paths[1]


def test_unknown_endpoint_is_404(server):
    response = server.get("/no-such-endpoint")
    assert response.status_code == 404
    assert set(response.json()) >= {"error", "message"}


def test_oversized_body_is_413(server):
    response = server.post("/search/text", {"query": "x" * (70 * 1024 * 1024), "cache_dir": "/tmp"})
    assert response.status_code == 413


def test_invalid_json_is_400(server):
    import requests
    response = requests.post(server.api + "/search/text", data=b"{not json",
                             headers={"X-License-Key": PRO_KEY, "Content-Type": "application/json"})
    assert response.status_code == 400
    assert "JSON" in response.json()["message"]


def test_server_log_never_contains_keys(server, analysed):
    log = server.log()
    assert PRO_KEY not in log
    assert BASIC_KEY not in log
