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
