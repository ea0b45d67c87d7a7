"""Thumbnails, image and frame search, and cache paths through the real server."""

import base64
import subprocess

import pytest

from test_walking_skeleton import analyse_and_collect

PHOTOS = "/usr/lib/python3/dist-packages/skimage/data"


@pytest.fixture(scope="module")
def analysed_mp4(server, test_media_dir, tmp_path_factory):
    cache_dir = tmp_path_factory.mktemp("media-cache")
    video = test_media_dir / "photos.mp4"
    _, events = analyse_and_collect(server, {"media_paths": [str(video)], "cache_dir": str(cache_dir)})
    assert events[-1]["status"] == "completed", events[-1]
    return cache_dir, video


def jpeg_size(data):
    """Return (width, height) of a JPEG by asking ffprobe."""
    probe = subprocess.run(
        ["ffprobe", "-v", "error", "-select_streams", "v:0", "-show_entries", "stream=width,height",
         "-of", "csv=p=0", "-"], input=data, capture_output=True, check=True)
    width, height = probe.stdout.decode().strip().split(",")
    return int(width), int(height)


def test_thumbnails_keep_order_and_fail_alone(server, analysed_mp4, test_media_dir):
    cache_dir, video = analysed_mp4
    response = server.post("/thumbnails", {"cache_dir": str(cache_dir), "requests": [
        {"media_path": str(video), "time_seconds": 12},
        {"media_path": str(test_media_dir / "empty.mp4"), "time_seconds": 0},
        {"media_path": str(test_media_dir / "photos-rotated.mov"), "time_seconds": "00:00:02"},
    ]})
    assert response.status_code == 200, response.text
    items = response.json()["thumbnails"]
    assert len(items) == 3
    assert jpeg_size(base64.b64decode(items[0]["thumbnail"])) == (480, 270)
    assert items[1]["thumbnail"] is None
    assert "empty.mp4" in items[1]["error"]
    assert jpeg_size(base64.b64decode(items[2]["thumbnail"])) == (480, 270)


def test_scene_thumbnails_one_per_second(server, analysed_mp4):
    cache_dir, video = analysed_mp4
    response = server.post("/thumbnails/scene", {
        "cache_dir": str(cache_dir), "media_path": str(video), "start_time": 10, "end_time": "00:00:15"})
    assert response.status_code == 200, response.text
    scene = response.json()["scene_thumbnails"]
    assert [timestamp for _, timestamp in scene] == [f"00:00:{second}.000" for second in range(10, 15)]
    assert base64.b64decode(scene[0][0])[:2] == b"\xff\xd8"


def test_scene_thumbnails_from_file_without_analysis(server, tmp_path, test_media_dir):
    response = server.post("/thumbnails/scene", {
        "cache_dir": str(tmp_path), "media_path": str(test_media_dir / "photos.webm"),
        "start_time": 0.5, "end_time": 5, "max_size": 200})
    assert response.status_code == 200, response.text
    scene = response.json()["scene_thumbnails"]
    assert [timestamp for _, timestamp in scene] == [f"00:00:0{second}.000" for second in range(1, 5)]
    assert max(jpeg_size(base64.b64decode(scene[0][0]))) == 200


def test_scene_thumbnails_from_file_stop_at_the_end(server, tmp_path, test_media_dir):
    response = server.post("/thumbnails/scene", {
        "cache_dir": str(tmp_path), "media_path": str(test_media_dir / "photos.webm"),
        "start_time": 25, "end_time": 100000})
    # photos.webm is 30 s long, so the range ends with its last whole second.
    assert response.status_code == 200, response.text
    assert [timestamp for _, timestamp in response.json()["scene_thumbnails"]] == [
        f"00:00:{second}.000" for second in range(25, 30)]


def test_scene_thumbnails_from_file_reject_long_range(server, tmp_path):
    video = tmp_path / "long.mp4"
    subprocess.run(["ffmpeg", "-loglevel", "error", "-f", "lavfi", "-i", "color=c=blue:s=64x36:r=1:d=700",
                    "-c:v", "libx264", str(video)], check=True)
    response = server.post("/thumbnails/scene", {
        "cache_dir": str(tmp_path), "media_path": str(video), "start_time": 0, "end_time": 650})
    assert response.status_code == 400
    assert "at most 600 seconds" in response.json()["message"]


def test_image_search_finds_the_cat(server, analysed_mp4):
    cache_dir, video = analysed_mp4
    image = base64.b64encode(open(f"{PHOTOS}/chelsea.png", "rb").read()).decode()
    response = server.post("/search/image", {
        "image": image, "cache_dir": str(cache_dir), "media_paths": [str(video)]})
    assert response.status_code == 200, response.text
    assert 0 <= int(response.json()["matches"][0]["frame_idx"]) < 5


def test_image_search_by_path(server, analysed_mp4):
    cache_dir, video = analysed_mp4
    response = server.post("/search/image", {
        "image_path": f"{PHOTOS}/rocket.jpg", "cache_dir": str(cache_dir), "search_all": True})
    assert response.status_code == 200, response.text
    assert 10 <= int(response.json()["matches"][0]["frame_idx"]) < 15


def test_image_search_rejects_garbage(server, analysed_mp4):
    cache_dir, _ = analysed_mp4
    response = server.post("/search/image", {
        "image": base64.b64encode(b"not a picture").decode(), "cache_dir": str(cache_dir)})
    assert response.status_code == 400
    assert "image" in response.json()["message"]


def test_frame_search_returns_same_scene(server, analysed_mp4):
    cache_dir, video = analysed_mp4
    response = server.post("/search/frame", {
        "media_path": str(video), "time_seconds": 17, "cache_dir": str(cache_dir),
        "media_paths": [str(video)]})
    assert response.status_code == 200, response.text
    assert 15 <= int(response.json()["matches"][0]["frame_idx"]) < 20


def test_cache_paths_name_analysis_files(server, analysed_mp4, test_media_dir):
    cache_dir, video = analysed_mp4
    response = server.post("/cache-paths", {
        "cache_dir": str(cache_dir), "media_paths": [str(video), str(test_media_dir / "photos.webm")]})
    assert response.status_code == 200, response.text
    entries = response.json()["cache_paths"]
    assert entries[0]["files"]["visual"].startswith(str(cache_dir))
    assert entries[0]["hash_str"] in entries[0]["files"]["visual"]
    assert entries[1]["files"]["visual"] is None


def test_load_for_media_reports_missing(server, analysed_mp4, test_media_dir):
    cache_dir, video = analysed_mp4
    missing = str(test_media_dir / "photos.webm")
    response = server.post("/analysis-data/load-for-media", {
        "cache_dir": str(cache_dir), "media_paths": [str(video), missing]})
    assert response.status_code == 200, response.text
    body = response.json()
    assert body["missing"] == [missing]
    assert body["frames"] >= 30
    assert any(entry["hash_str"] and entry["visual"] for entry in body["media"])


def test_models_loaded_reports_visual(server):
    body = server.get("/models/loaded").json()
    assert body["visual"]["model_key"] == "label-bridge-384"
    assert body["visual"]["is_loading"] is False
    assert body["speech"]["model_key"] in (None, "whisper-base")


def test_unknown_visual_model_lists_keys(server):
    response = server.post("/models/load", {"visual_model": "no-such-model"})
    assert response.status_code == 400
    assert "label-bridge-384" in response.json()["message"]


def test_jumper_alias_maps_to_default(server, analysed_mp4):
    cache_dir, video = analysed_mp4
    response = server.post("/search/text", {
        "query": "a cat", "cache_dir": str(cache_dir), "visual_model": "v2-medium-256"})
    assert response.status_code == 200, response.text
    assert response.json()["model_key"] == "label-bridge-384"


def test_huge_time_is_rejected_not_fatal(server, analysed_mp4):
    cache_dir, video = analysed_mp4
    response = server.post("/thumbnails", {"cache_dir": str(cache_dir), "requests": [
        {"media_path": str(video), "time_seconds": 1e13}]})
    assert response.status_code == 200
    assert response.json()["thumbnails"][0]["thumbnail"] is None
    response = server.post("/search/frame", {
        "media_path": str(video), "time_seconds": 1e15, "cache_dir": str(cache_dir)})
    assert response.status_code == 400
    assert server.get("/health", key=None).status_code == 200


def test_scene_thumbnails_end_is_exclusive(server, analysed_mp4):
    cache_dir, video = analysed_mp4
    response = server.post("/thumbnails/scene", {
        "cache_dir": str(cache_dir), "media_path": str(video), "start_time": "00:00:10.000",
        "end_time": "00:00:15.000"})
    assert len(response.json()["scene_thumbnails"]) == 5


def test_analyze_with_unknown_language_is_400(server, analysed_mp4, tmp_path):
    _, video = analysed_mp4
    response = server.post("/analyze", {
        "media_paths": [str(video)], "cache_dir": str(tmp_path), "language": "xx"})
    assert response.status_code == 400
    assert "'xx'" in response.json()["message"]


def test_analyze_with_missing_model_is_400(server, analysed_mp4, tmp_path):
    _, video = analysed_mp4
    response = server.post("/analyze", {
        "media_paths": [str(video)], "cache_dir": str(tmp_path), "visual_model": "clip-vit-b-32"})
    assert response.status_code == 400
    assert "jumper models install" in response.json()["message"]
    assert server.get("/models/loaded").json()["visual"]["model_key"] == "label-bridge-384"


def test_analyze_with_file_as_cache_dir_is_400(server, analysed_mp4):
    _, video = analysed_mp4
    response = server.post("/analyze", {"media_paths": [str(video)], "cache_dir": str(video)})
    assert response.status_code == 400
    assert "cache_dir" in response.json()["message"]


def test_search_scope_may_name_a_folder(server, analysed_mp4):
    cache_dir, video = analysed_mp4
    response = server.post("/search/text", {
        "query": "a rocket", "cache_dir": str(cache_dir), "media_paths": [str(video.parent)]})
    assert response.status_code == 200, response.text
    assert 10 <= int(response.json()["matches"][0]["frame_idx"]) < 15


# MARK: times counted from the first presented frame

import re  # noqa: E402

import colour_media  # noqa: E402


@pytest.fixture(scope="module")
def colour_folder(tmp_path_factory):
    return colour_media.make(tmp_path_factory.mktemp("colour-media"))


def thumbnail_items(server, tmp_path, path, times):
    response = server.post("/thumbnails", {"cache_dir": str(tmp_path), "max_size": 160, "requests": [
        {"media_path": str(path), "time_seconds": time} for time in times]})
    assert response.status_code == 200, response.text
    return response.json()["thumbnails"]


@pytest.mark.parametrize("name,first_colour,seconds", colour_media.KINDS)
def test_thumbnail_time_counts_from_first_frame(server, tmp_path, colour_folder, name, first_colour, seconds):
    times = [0, 0.5, 1, 2.5, 3, 3.96, 4, 5.5, seconds - 0.02]
    items = thumbnail_items(server, tmp_path, colour_folder / name, times)
    for time, item in zip(times, items):
        assert item.get("error") is None, (time, item)
        colour = colour_media.frame_colour(base64.b64decode(item["thumbnail"]))
        assert colour == first_colour + int(time), f"{name} at {time} s shows colour {colour}"


@pytest.mark.parametrize("name,first_colour,seconds", colour_media.KINDS)
def test_thumbnail_past_end_names_duration(server, tmp_path, colour_folder, name, first_colour, seconds):
    items = thumbnail_items(server, tmp_path, colour_folder / name, [seconds, 100])
    for item in items:
        assert item["thumbnail"] is None
        duration = re.search(r"the video is ([0-9.]+) s long", item["error"])
        assert duration, item["error"]
        assert float(duration.group(1)) == pytest.approx(seconds, abs=0.05)
        assert "corrupt" not in item["error"]


def test_thumbnail_of_transport_stream_with_one_keyframe(server, tmp_path, colour_folder):
    times = [0.5, 2, 3.5, 5, 7.5]
    items = thumbnail_items(server, tmp_path, colour_folder / "onekey.mts", times)
    for time, item in zip(times, items):
        assert item.get("error") is None, (time, item)
        assert colour_media.frame_colour(base64.b64decode(item["thumbnail"])) == int(time)


def test_thumbnail_of_still_ignores_time(server, tmp_path, colour_folder):
    items = thumbnail_items(server, tmp_path, colour_folder / "still.jpg", [0, 3, 100])
    for item in items:
        assert colour_media.frame_colour(base64.b64decode(item["thumbnail"])) == 0
