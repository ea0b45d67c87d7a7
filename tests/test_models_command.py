"""The `jumper models install` command on a real (tiny, randomly initialised) CLIP checkpoint."""

import json
import subprocess

from conftest import REPO

TINY_CLIP = REPO / "Tests/InferenceTests/Fixtures/tiny-clip"


def test_install_copies_checkpoint_with_manifest(tmp_path):
    models = tmp_path / "models"
    result = subprocess.run(
        [str(REPO / ".build/release/jumper"), "models", "install", "clip-vit-b-32",
         "--from", str(TINY_CLIP), "--models-dir", str(models)],
        capture_output=True, text=True, timeout=120)
    assert result.returncode == 0, result.stderr
    manifest = json.loads((models / "clip-vit-b-32" / "manifest.json").read_text())
    names = {entry["name"] for entry in manifest["files"]}
    assert {"config.json", "model.safetensors"} <= names
    assert "installed clip-vit-b-32" in result.stdout


def test_install_rejects_missing_folder(tmp_path):
    result = subprocess.run(
        [str(REPO / ".build/release/jumper"), "models", "install", "clip-vit-b-32",
         "--from", str(tmp_path / "nothing"), "--models-dir", str(tmp_path / "models")],
        capture_output=True, text=True, timeout=60)
    assert result.returncode == 1
    assert "config.json" in result.stderr
    assert not (tmp_path / "models" / "clip-vit-b-32").exists()


def test_unknown_model_key_is_rejected(tmp_path):
    result = subprocess.run(
        [str(REPO / ".build/release/jumper"), "models", "install", "resnet-9000",
         "--from", str(TINY_CLIP), "--models-dir", str(tmp_path)],
        capture_output=True, text=True, timeout=60)
    assert result.returncode == 1
    assert "clip-vit-b-32" in result.stderr


def test_installed_clip_loads_and_searches(tmp_path, models_dir, test_media_dir):
    """A user-installed CLIP checkpoint becomes the active model and never mixes with other models' vectors."""
    import time

    from conftest import start_server, stop_server
    from test_walking_skeleton import analyse_and_collect

    models = tmp_path / "models"
    models.mkdir()
    for name in ("label-bridge-384", "whisper-base"):
        (models / name).symlink_to(models_dir / name)
    subprocess.run(
        [str(REPO / ".build/release/jumper"), "models", "install", "clip-vit-b-32",
         "--from", str(TINY_CLIP), "--models-dir", str(models)], check=True, capture_output=True)
    data = tmp_path / "data"
    data.mkdir()
    server = start_server(data, models)
    try:
        available = server.get("/models/available").json()["visual"]
        clip = next(model for model in available if model["model_key"] == "clip-vit-b-32")
        assert clip["downloaded"] is True

        response = server.post("/models/load", {"visual_model": "clip-vit-b-32"})
        assert response.status_code == 202, response.text
        deadline = time.time() + 60
        while server.get("/models/loaded").json()["visual"]["model_key"] != "clip-vit-b-32":
            assert time.time() < deadline, "CLIP did not load within 60 s"
            time.sleep(0.2)

        cache = tmp_path / "cache"
        video = test_media_dir / "short.mp4"
        _, events = analyse_and_collect(server, {
            "media_paths": [str(video)], "cache_dir": str(cache), "speech": False})
        assert events[-1]["status"] == "completed", events[-1]
        response = server.post("/search/text", {"query": "a cat", "cache_dir": str(cache), "search_all": True})
        assert response.status_code == 200, response.text
        assert response.json()["model_key"] == "clip-vit-b-32"
        assert response.json()["matches"][0]["frame_idx"] == "0"
        # The same cache searched with the label bridge finds nothing: its vectors are CLIP's.
        response = server.post("/search/text", {
            "query": "a cat", "cache_dir": str(cache), "search_all": True, "visual_model": "label-bridge-384"})
        assert response.status_code in (200, 503), response.text
        if response.status_code == 200:
            assert response.json()["matches"] == []
    finally:
        stop_server(server)
