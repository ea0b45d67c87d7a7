"""Fixtures that start the real jumper server on a loopback port for API tests."""

import os
import shutil
import socket
import subprocess
import time
from pathlib import Path

import pytest
import requests

REPO = Path(__file__).resolve().parent.parent
PRO_KEY = "test-pro-key-0123456789"
BASIC_KEY = "test-basic-key-0123456789"


def free_port():
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


def required_dir(variable, default, hint):
    path = Path(os.environ.get(variable, default))
    if not path.is_dir():
        pytest.fail(f"{variable}={path} does not exist: {hint}")
    return path


class RunningServer:
    def __init__(self, base_url, process, log_path, data_dir):
        self.base_url = base_url
        self.api = base_url + "/api/v1"
        self.process = process
        self.log_path = log_path
        self.data_dir = data_dir

    def post(self, path, body, key=PRO_KEY, **kwargs):
        headers = {"X-License-Key": key} if key else {}
        return requests.post(self.api + path, json=body, headers=headers, timeout=120, **kwargs)

    def put(self, path, body, key=PRO_KEY, **kwargs):
        headers = {"X-License-Key": key} if key else {}
        return requests.put(self.api + path, json=body, headers=headers, timeout=120, **kwargs)

    def get(self, path, key=PRO_KEY, **kwargs):
        headers = {"X-License-Key": key} if key else {}
        return requests.get(self.api + path, headers=headers, timeout=60, **kwargs)

    def log(self):
        return Path(self.log_path).read_text(errors="replace")


@pytest.fixture(scope="session")
def models_dir():
    return required_dir("JUMPER_MODELS_DIR", REPO / ".cache/models", "run 'make models' first")


@pytest.fixture(scope="session")
def test_media_dir():
    return required_dir("JUMPER_TEST_MEDIA_DIR", REPO / ".cache/test-media", "run 'make test-media' first")


def start_server(data_dir, models_dir):
    """Start the release binary on a free port and wait until /health responds."""
    binary = REPO / ".build/release/jumper"
    if not binary.exists():
        pytest.fail(f"{binary} is missing: run 'make build' first")
    log_path = data_dir / "server.log"
    port = free_port()
    environment = dict(os.environ, JUMPER_LICENSE_KEYS=f"{PRO_KEY}:pro,{BASIC_KEY}:basic")
    with open(log_path, "w") as log:
        process = subprocess.Popen(
            [str(binary), "serve", "--port", str(port), "--data-dir", str(data_dir),
             "--models-dir", str(models_dir), "--log-level", "debug"],
            stdout=log, stderr=subprocess.STDOUT, env=environment,
        )
    running = RunningServer(f"http://127.0.0.1:{port}", process, log_path, data_dir)
    deadline = time.time() + 60
    while time.time() < deadline:
        if process.poll() is not None:
            pytest.fail(f"server exited with {process.returncode}:\n{running.log()}")
        try:
            if requests.get(running.api + "/health", timeout=1).status_code == 200:
                return running
        except requests.ConnectionError:
            time.sleep(0.1)
    process.kill()
    pytest.fail(f"server did not answer /health within 60 s:\n{running.log()}")


def stop_server(running):
    running.process.terminate()
    try:
        running.process.wait(timeout=10)
    except subprocess.TimeoutExpired:
        running.process.kill()
        pytest.fail("server did not stop within 10 s of SIGTERM")


@pytest.fixture(scope="session")
def server(tmp_path_factory, models_dir):
    running = start_server(tmp_path_factory.mktemp("data"), models_dir)
    yield running
    stop_server(running)


@pytest.fixture(scope="session")
def footage_dir(tmp_path_factory, test_media_dir):
    """A folder of good and bad media files, as a user would point the server at."""
    folder = tmp_path_factory.mktemp("footage")
    names = ["photos.mp4", "photos-rotated.mov", "photos.webm", "empty.mp4", "truncated.mp4",
             "not-video.mp4", "café 東京 🎬.mp4"]
    for name in names:
        source = test_media_dir / name
        if not source.exists():
            pytest.fail(f"test media {source} is missing: run 'make test-media'")
        shutil.copy(source, folder / name)
    return folder
