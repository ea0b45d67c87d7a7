"""A cache_dir that does not exist: read-only endpoints reject it with a 404 and create nothing."""

import time

import pytest

SPEECH_FILE = "/usr/share/pocketsphinx/test/data/librivox/sense_and_sensibility_01_austen_64kb-0880.wav"
PHOTO = "/usr/lib/python3/dist-packages/skimage/data/chelsea.png"

# Each read-only endpoint with the fields it needs besides cache_dir.
READ_ONLY_CALLS = [
    ("/search/text", {"query": "a cat", "search_all": True}),
    ("/search/image", {"image_path": PHOTO, "search_all": True}),
    ("/search/frame", {"media_path": "SHORT", "time_seconds": 1, "search_all": True}),
    ("/search/transcript", {"query": "young man", "search_all": True}),
    ("/transcriptions", {"media_paths": [SPEECH_FILE]}),
    ("/media/metadata", {"media_paths": [SPEECH_FILE]}),
    ("/analysis-data/load", {}),
    ("/analysis-data/load-for-media", {"media_paths": [SPEECH_FILE]}),
    ("/analysis-data/load-transcriptions", {}),
    ("/cache-paths", {"media_paths": [SPEECH_FILE]}),
    ("/export/transcript", {"media_path": SPEECH_FILE, "format": "txt"}),
    ("/thumbnails/scene", {"media_path": "SHORT", "start_time": 0, "end_time": 2}),
    ("/faces/clusters/faces", {}),
]


@pytest.fixture(scope="module")
def visual_model_ready(server):
    """Wait for the visual model, because visual searches return 503 before they open cache_dir."""
    deadline = time.time() + 60
    while server.get("/models/loaded").json()["visual"]["model_key"] is None:
        assert time.time() < deadline, "the visual model did not load within 60 s"
        time.sleep(0.2)


@pytest.mark.parametrize("path, fields", READ_ONLY_CALLS, ids=[call[0] for call in READ_ONLY_CALLS])
def test_missing_cache_dir_is_404(server, visual_model_ready, test_media_dir, tmp_path, path, fields):
    typo = tmp_path / "typo"
    missing = typo / "a" / "b"
    body = {name: str(test_media_dir / "short.mp4") if value == "SHORT" else value for name, value in fields.items()}
    body["cache_dir"] = str(missing)
    response = server.post(path, body)
    assert response.status_code == 404, response.text
    message = response.json()["message"]
    assert str(missing) in message
    assert "analyse" in message.lower()
    assert not typo.exists()


def test_face_clusters_get_missing_cache_dir(server, tmp_path):
    missing = tmp_path / "typo"
    response = server.get("/faces/clusters", params={"cache_dir": str(missing)})
    assert response.status_code == 404, response.text
    assert str(missing) in response.json()["message"]
    assert not missing.exists()


def test_file_as_cache_dir_is_400(server, tmp_path):
    not_folder = tmp_path / "file"
    not_folder.write_text("x")
    response = server.post("/analysis-data/load", {"cache_dir": str(not_folder)})
    assert response.status_code == 400, response.text
    assert str(not_folder) in response.json()["message"]


def test_analyze_uncreatable_cache_dir_is_400(server, test_media_dir):
    response = server.post("/analyze", {
        "media_paths": [str(test_media_dir / "cat.png")], "cache_dir": "/proc/jumper-cache"})
    assert response.status_code == 400, response.text
    assert "/proc/jumper-cache" in response.json()["message"]


def test_analyze_below_a_file_is_400(server, test_media_dir, tmp_path):
    not_folder = tmp_path / "file"
    not_folder.write_text("x")
    response = server.post("/analyze", {
        "media_paths": [str(test_media_dir / "cat.png")], "cache_dir": str(not_folder / "cache")})
    assert response.status_code == 400, response.text
    assert str(not_folder) in response.json()["message"]


def test_analyze_creates_missing_cache_dir(server, test_media_dir, tmp_path):
    from test_walking_skeleton import analyse_and_collect

    cache_dir = tmp_path / "new" / "deep" / "cache"
    _, events = analyse_and_collect(server, {
        "media_paths": [str(test_media_dir / "cat.png")], "cache_dir": str(cache_dir)})
    assert events[-1]["status"] == "completed", events[-1]
    assert cache_dir.is_dir()
    response = server.post("/analysis-data/load", {"cache_dir": str(cache_dir)})
    assert response.status_code == 200, response.text
    assert response.json()["loaded_media"] == 1
