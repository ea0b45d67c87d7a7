"""POST /models/load selecting the speech model, on a server of its own because it changes the active model."""

import time

import pytest

from conftest import start_server, stop_server
from test_walking_skeleton import analyse_and_collect

SPEECH_FILE = "/usr/share/pocketsphinx/test/data/librivox/sense_and_sensibility_01_austen_64kb-0880.wav"


@pytest.fixture(scope="module")
def own_server(tmp_path_factory, models_dir):
    if not (models_dir / "whisper-tiny-en").is_dir():
        pytest.fail(f"{models_dir}/whisper-tiny-en is missing: run 'make models' first")
    running = start_server(tmp_path_factory.mktemp("models-data"), models_dir)
    yield running
    stop_server(running)


def active_speech(server):
    available = server.get("/models/available").json()["speech"]
    return [model["model_key"] for model in available if model["active"]]


def wait_for_speech_model(server, key):
    deadline = time.time() + 60
    while True:
        speech = server.get("/models/loaded").json()["speech"]
        if speech["model_key"] == key and not speech["is_loading"]:
            return
        assert time.time() < deadline, f"speech model {key} did not load within 60 s: {speech}"
        time.sleep(0.2)


def test_empty_body_names_fields(own_server):
    response = own_server.post("/models/load", {})
    assert response.status_code == 400, response.text
    message = response.json()["message"]
    assert "visual_model" in message
    assert "speech_model" in message


def test_unknown_speech_model_lists_keys(own_server):
    response = own_server.post("/models/load", {"speech_model": "no-such-model"})
    assert response.status_code == 400, response.text
    assert "whisper-tiny-en" in response.json()["message"]
    assert active_speech(own_server) == ["whisper-base"]


def test_bad_speech_key_with_visual_is_400(own_server):
    response = own_server.post("/models/load", {"visual_model": "label-bridge-384", "speech_model": "nope"})
    assert response.status_code == 400, response.text
    assert "'nope'" in response.json()["message"]


def test_speech_model_becomes_active(own_server, tmp_path):
    response = own_server.post("/models/load", {"speech_model": "whisper-tiny-en"})
    assert response.status_code == 202, response.text
    message = response.json()["message"]
    assert "whisper-tiny-en" in message
    assert "label-bridge-384" not in message
    wait_for_speech_model(own_server, "whisper-tiny-en")
    assert active_speech(own_server) == ["whisper-tiny-en"]

    # a later /analyze without speech_model transcribes with the active model
    cache_dir = tmp_path / "cache"
    _, events = analyse_and_collect(own_server, {"media_paths": [SPEECH_FILE], "cache_dir": str(cache_dir)})
    assert events[-1]["status"] == "completed", events[-1]
    response = own_server.post("/transcriptions", {"cache_dir": str(cache_dir), "media_paths": [SPEECH_FILE]})
    assert response.status_code == 200, response.text
    assert response.json()["transcriptions"][0]["model_key"] == "whisper-tiny-en"


def test_speech_alias_selects_default(own_server):
    response = own_server.post("/models/load", {"speech_model": "mlx-large-v3-turbo"})
    assert response.status_code == 202, response.text
    assert "whisper-base" in response.json()["message"]
    wait_for_speech_model(own_server, "whisper-base")
    assert active_speech(own_server) == ["whisper-base"]
