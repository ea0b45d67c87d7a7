"""Watch folders and their service through the real server: settle, exclusions, renames,
vanishing folders, restarts, large trees and waiting for a client's task."""

import json
import os
import shutil
import subprocess
import time
from pathlib import Path

import pytest
import requests

from conftest import PRO_KEY, start_server, stop_server

# Short periods keep the tests quick; the defaults (5 s settle, 60 s rescan) suit real use.
SETTLE_SECONDS = 2
RESCAN_SECONDS = 2


def start_watch_server(data_dir, models_dir, **settings):
    """Start a server whose watch-folder service uses the short test periods."""
    variables = {"JUMPER_WATCH_SETTLE_SECONDS": str(SETTLE_SECONDS),
                 "JUMPER_WATCH_RESCAN_SECONDS": str(RESCAN_SECONDS)}
    variables.update({f"JUMPER_WATCH_{name.upper()}": str(value) for name, value in settings.items()})
    saved = {name: os.environ.get(name) for name in variables}
    os.environ.update(variables)
    try:
        return start_server(data_dir, models_dir)
    finally:
        for name, value in saved.items():
            if value is None:
                os.environ.pop(name, None)
            else:
                os.environ[name] = value


@pytest.fixture(scope="module")
def watch_server(tmp_path_factory, models_dir):
    running = start_watch_server(tmp_path_factory.mktemp("watch-data"), models_dir)
    response = running.post("/watch-folders/service/start", {})
    assert response.status_code == 200, response.text
    yield running
    stop_server(running)


@pytest.fixture
def folders(tmp_path):
    """A watched folder and a cache folder, both empty."""
    watched = tmp_path / "watched"
    cache = tmp_path / "cache"
    watched.mkdir()
    cache.mkdir()
    return watched, cache


def add_folder(server, watched, cache, **options):
    body = {"path": str(watched), "cache_dir": str(cache), "speech": False, **options}
    response = server.post("/watch-folders", body)
    assert response.status_code == 201, response.text
    return response.json()


def call(server, method, path, body=None):
    """Send any method with the Pro key; conftest's helpers cover GET and POST only."""
    return requests.request(method, server.api + path, json=body, headers={"X-License-Key": PRO_KEY}, timeout=60)


def delete_folder(server, folder_id):
    response = call(server, "DELETE", f"/watch-folders/{folder_id}")
    assert response.status_code == 200, response.text
    return response.json()


def status(server):
    response = server.get("/watch-folders/service/status")
    assert response.status_code == 200, response.text
    return response.json()


def folder_stats(server, folder_id):
    return status(server)["folder_stats"][str(folder_id)]


def wait_for(check, timeout=120, interval=0.25, description="condition"):
    """Poll `check` until it returns a truthy value; fail with the last value after `timeout`."""
    deadline = time.time() + timeout
    value = None
    while time.time() < deadline:
        value = check()
        if value:
            return value
        time.sleep(interval)
    pytest.fail(f"timed out after {timeout} s waiting for {description}; last value {value!r}")


def analysed_hashes(cache):
    """Content hashes that have analysis in a cache folder."""
    return sorted(entry.name for entry in cache.iterdir() if (entry / "manifest.json").exists())


def make_image_variants(source, folder, count):
    """Write `count` PNGs of distinct content made from a real photo with the ffmpeg CLI."""
    paths = []
    for index in range(count):
        path = folder / f"variant-{index}.png"
        subprocess.run(["ffmpeg", "-hide_banner", "-loglevel", "error", "-nostdin", "-y", "-i", str(source),
                        "-vf", f"scale={160 + 40 * index}:-2", str(path)], check=True)
        paths.append(path)
    return paths


# MARK: - Folders


def test_folder_defaults_and_listing(watch_server, folders):
    watched, cache = folders
    response = watch_server.post("/watch-folders", {"path": str(watched) + "/", "cache_dir": str(cache)})
    assert response.status_code == 201, response.text
    folder = response.json()
    assert folder["path"] == str(watched)
    assert folder["cache_dir"] == str(cache)
    expected = {"recursive": True, "visual": True, "speech": True, "faces": False,
                "cluster_job_name": "default", "visual_model": None, "speech_model": None,
                "excluded_extensions": [], "excluded_filename_globs": [], "enabled": True}
    for field, value in expected.items():
        assert folder[field] == value, field
    assert isinstance(folder["id"], int)
    assert folder["created_at"].endswith("Z")
    listed = watch_server.get("/watch-folders").json()["watch_folders"]
    assert folder in listed
    assert delete_folder(watch_server, folder["id"]) == {"deleted": folder["id"]}


@pytest.mark.parametrize("body, field", [
    ({"cache_dir": "/tmp"}, "path"),
    ({"path": "/no/such/folder", "cache_dir": "/tmp"}, "path"),
    ({"path": "relative/folder", "cache_dir": "/tmp"}, "path"),
    ({"path": "/etc/hostname", "cache_dir": "/tmp"}, "path"),
    ({"path": "WATCHED"}, "cache_dir"),
    ({"path": "WATCHED", "cache_dir": "cache"}, "cache_dir"),
    ({"path": "WATCHED", "cache_dir": "/tmp", "recursive": "yes"}, "recursive"),
    ({"path": "WATCHED", "cache_dir": "/tmp", "excluded_extensions": ".xml"}, "excluded_extensions"),
    ({"path": "WATCHED", "cache_dir": "/tmp", "excluded_extensions": [3]}, "excluded_extensions[0]"),
    ({"path": "WATCHED", "cache_dir": "/tmp", "excluded_filename_globs": ["ok*", "a/b*"]},
     "excluded_filename_globs[1]"),
    ({"path": "WATCHED", "cache_dir": "/tmp", "visual_model": "no-such-model"}, "no-such-model"),
    ({"path": "WATCHED", "cache_dir": "/tmp", "speech_model": "whisper-small"}, "whisper-small"),
    ({"path": "WATCHED", "cache_dir": "/tmp", "language": "zz"}, "language"),
])
def test_invalid_folder_names_field(watch_server, folders, body, field):
    watched, _ = folders
    body = {name: (str(watched) if value == "WATCHED" else value) for name, value in body.items()}
    response = watch_server.post("/watch-folders", body)
    assert response.status_code == 400, response.text
    assert response.json()["error"]
    assert field in response.json()["message"]


def test_update_is_partial(watch_server, folders, tmp_path):
    watched, cache = folders
    folder = add_folder(watch_server, watched, cache, excluded_extensions=[".xml"])
    response = call(watch_server, "PUT", f"/watch-folders/{folder['id']}", {"faces": True, "cluster_job_name": "crew"})
    assert response.status_code == 200, response.text
    updated = response.json()
    assert updated["faces"] is True
    assert updated["cluster_job_name"] == "crew"
    assert updated["excluded_extensions"] == [".xml"]
    assert updated["speech"] is False
    assert updated["created_at"] == folder["created_at"]

    response = call(watch_server, "PUT", f"/watch-folders/{folder['id']}", {"path": str(tmp_path / "missing")})
    assert response.status_code == 400
    assert "path" in response.json()["message"]
    assert delete_folder(watch_server, folder["id"]) == {"deleted": folder["id"]}


def test_other_spelling_of_same_path_is_conflict(watch_server, folders):
    watched, cache = folders
    folder = add_folder(watch_server, watched, cache)
    other_spelling = f"{watched.parent}/../{watched.parent.name}/{watched.name}/"
    response = watch_server.post("/watch-folders", {"path": other_spelling, "cache_dir": str(cache)})
    assert response.status_code == 409, response.text
    delete_folder(watch_server, folder["id"])


def test_unknown_id_is_404(watch_server):
    for method, path in [("PUT", "/watch-folders/999999"), ("DELETE", "/watch-folders/999999"),
                         ("PUT", "/watch-folders/abc")]:
        response = call(watch_server, method, path, {"faces": True})
        assert response.status_code == 404, (method, path, response.text)
        assert "999999" in response.json()["message"] or "abc" in response.json()["message"]


def test_same_path_twice_is_conflict(watch_server, folders):
    watched, cache = folders
    folder = add_folder(watch_server, watched, cache)
    response = watch_server.post("/watch-folders", {"path": str(watched), "cache_dir": str(cache)})
    assert response.status_code == 409, response.text
    assert str(folder["id"]) in response.json()["message"]
    delete_folder(watch_server, folder["id"])


def test_status_has_contract_fields(watch_server):
    body = status(watch_server)
    for field in ["state", "current_folder", "current_file", "files_pending",
                  "files_processed_this_session", "last_error", "paused_until", "folder_stats"]:
        assert field in body, field
    assert body["state"] in ("running", "waiting")


# MARK: - Discovery and analysis


def test_slow_copy_analysed_once_after_it_ends(watch_server, folders, test_media_dir):
    watched, cache = folders
    folder = add_folder(watch_server, watched, cache)
    source = (test_media_dir / "photos.mp4").read_bytes()
    target = watched / "arriving.mp4"

    # Write the video in 16 chunks over about 6 s, each gap shorter than the settle period.
    chunks = [source[index:index + len(source) // 16 + 1] for index in range(0, len(source), len(source) // 16 + 1)]
    seen_during_copy = []
    with open(target, "wb") as output:
        for chunk in chunks:
            output.write(chunk)
            output.flush()
            time.sleep(0.4)
            seen_during_copy.append(folder_stats(watch_server, folder["id"]))
    copy_ended = time.time()

    assert all(stats["files_analyzed"] == 0 for stats in seen_during_copy)
    assert all(stats["files_queued"] == 0 for stats in seen_during_copy)
    assert any(stats["files_settling"] == 1 for stats in seen_during_copy)
    assert analysed_hashes(cache) == []

    wait_for(lambda: folder_stats(watch_server, folder["id"])["files_analyzed"] == 1, description="the analysis")
    hashes = analysed_hashes(cache)
    assert len(hashes) == 1, "a half-copied file would leave a second hash"
    assert hashes[0].endswith(f"-{len(source)}")
    manifest = json.loads((cache / hashes[0] / "manifest.json").read_text())
    assert manifest["last_source_path"] == str(target)
    analysis_written = (cache / hashes[0] / "visual.jvis").stat().st_mtime
    assert analysis_written >= copy_ended + SETTLE_SECONDS - 0.5

    # Two more rescans must not analyse it again.
    time.sleep(2 * RESCAN_SECONDS + 1)
    stats = folder_stats(watch_server, folder["id"])
    assert stats["files_analyzed"] == 1
    assert stats["files_failed"] == 0
    assert stats["files_seen"] == 1
    assert stats["last_scan"] is not None
    delete_folder(watch_server, folder["id"])


def test_excluded_files_skipped(watch_server, folders, test_media_dir):
    watched, cache = folders
    folder = add_folder(watch_server, watched, cache, excluded_extensions=["MOV", ".xml"],
                        excluded_filename_globs=["*_proxy.*"])
    (watched / "proxies").mkdir()
    shutil.copy(test_media_dir / "photos-rotated.mov", watched / "rotated.mov")
    shutil.copy(test_media_dir / "short.mp4", watched / "proxies" / "clip_proxy.mp4")
    shutil.copy(test_media_dir / "short.mp4", watched / ".hidden.mp4")
    shutil.copy(test_media_dir / "short.mp4", watched / "download.mp4.part")
    shutil.copy(test_media_dir / "short.mp4", watched / "download.mp4.crdownload")
    (watched / "clip.XML").write_text("<xml/>")
    (watched / "notes.txt").write_text("not media")
    # The one file to take sits in a folder whose name matches a glob: globs see names only.
    (watched / "x_proxy.d").mkdir()
    accepted_file = watched / "x_proxy.d" / "cat.png"
    shutil.copy(test_media_dir / "cat.png", accepted_file)

    wait_for(lambda: folder_stats(watch_server, folder["id"])["files_analyzed"] == 1, description="the one taken file")
    time.sleep(SETTLE_SECONDS + RESCAN_SECONDS)
    stats = folder_stats(watch_server, folder["id"])
    assert stats["files_seen"] == 1
    assert stats["files_analyzed"] == 1
    hashes = analysed_hashes(cache)
    assert len(hashes) == 1
    manifest = json.loads((cache / hashes[0] / "manifest.json").read_text())
    assert manifest["source_paths"] == [str(accepted_file)]
    delete_folder(watch_server, folder["id"])


def test_renamed_file_not_analysed_again(watch_server, folders, test_media_dir):
    watched, cache = folders
    folder = add_folder(watch_server, watched, cache)
    shutil.copy(test_media_dir / "cat.png", watched / "cat.png")
    wait_for(lambda: folder_stats(watch_server, folder["id"])["files_analyzed"] == 1, description="the first analysis")
    before = status(watch_server)["files_processed_this_session"]

    (watched / "moved").mkdir()
    os.rename(watched / "cat.png", watched / "moved" / "renamed cat.png")
    wait_for(lambda: folder_stats(watch_server, folder["id"])["files_skipped"] == 1, description="the renamed file")
    stats = folder_stats(watch_server, folder["id"])
    assert stats["files_analyzed"] == 1
    assert status(watch_server)["files_processed_this_session"] == before + 1
    (only_hash,) = analysed_hashes(cache)
    manifest = json.loads((cache / only_hash / "manifest.json").read_text())
    assert manifest["last_source_path"] == str(watched / "moved" / "renamed cat.png")
    delete_folder(watch_server, folder["id"])


def test_vanished_folder_pauses_and_resumes(watch_server, folders, test_media_dir, tmp_path):
    watched, cache = folders
    folder = add_folder(watch_server, watched, cache)
    shutil.copy(test_media_dir / "cat.png", watched / "cat.png")
    wait_for(lambda: folder_stats(watch_server, folder["id"])["files_analyzed"] == 1, description="the first analysis")
    analysed_before = analysed_hashes(cache)

    away = tmp_path / "unmounted"
    os.rename(watched, away)
    stats = wait_for(lambda: (lambda s: s if s["state"] == "paused" else None)(folder_stats(watch_server, folder["id"])),
                     timeout=30, description="the folder to pause")
    assert str(watched) in stats["last_error"]
    assert str(watched) in status(watch_server)["last_error"]
    assert analysed_hashes(cache) == analysed_before, "nothing is deleted"
    listed = [entry["id"] for entry in watch_server.get("/watch-folders").json()["watch_folders"]]
    assert folder["id"] in listed

    shutil.copy(test_media_dir / "short.mp4", away / "new while away.mp4")
    os.rename(away, watched)
    wait_for(lambda: folder_stats(watch_server, folder["id"])["state"] == "watching", timeout=30, description="resume")
    wait_for(lambda: folder_stats(watch_server, folder["id"])["files_analyzed"] == 2, description="the new file")
    time.sleep(SETTLE_SECONDS + RESCAN_SECONDS)
    stats = folder_stats(watch_server, folder["id"])
    assert stats["files_analyzed"] == 2, "the file analysed before the folder vanished is not analysed again"
    assert stats["last_error"] is None
    assert len(analysed_hashes(cache)) == 2
    delete_folder(watch_server, folder["id"])


def test_missing_cache_dir_holds_files(watch_server, folders, test_media_dir):
    watched, cache = folders
    folder = add_folder(watch_server, watched, cache)
    cache.rmdir()
    shutil.copy(test_media_dir / "cat.png", watched / "cat.png")
    stats = wait_for(lambda: (lambda s: s if s["last_error"] else None)(folder_stats(watch_server, folder["id"])),
                     timeout=30, description="the cache_dir error")
    assert str(cache) in stats["last_error"]
    assert stats["files_failed"] == 0
    assert stats["files_analyzed"] == 0
    assert not cache.exists(), "the service must not create a missing cache_dir"

    cache.mkdir()
    wait_for(lambda: folder_stats(watch_server, folder["id"])["files_analyzed"] == 1, description="the analysis")
    assert folder_stats(watch_server, folder["id"])["last_error"] is None
    delete_folder(watch_server, folder["id"])


def test_service_waits_for_client_task(watch_server, folders, test_media_dir, tmp_path):
    watched, cache = folders
    folder = add_folder(watch_server, watched, cache)
    client_cache = tmp_path / "client-cache"
    videos = [str(test_media_dir / name) for name in ("photos.mp4", "photos.webm", "photos-rotated.mov")]
    response = watch_server.post("/analyze", {"media_paths": videos, "cache_dir": str(client_cache),
                                              "speech": True, "force": True})
    assert response.status_code == 202, response.text
    task_id = response.json()["task_id"]
    shutil.copy(test_media_dir / "cat.png", watched / "cat.png")

    states = []
    # The time just before the last poll that still found the client's task running.
    last_running = time.time()
    while True:
        polled = time.time()
        if watch_server.get(f"/tasks/{task_id}").json()["status"] != "running":
            break
        last_running = polled
        states.append(status(watch_server)["state"])
        time.sleep(0.25)
    final = watch_server.get(f"/tasks/{task_id}").json()
    assert final["status"] == "completed", final["message"]
    assert "waiting" in states

    wait_for(lambda: folder_stats(watch_server, folder["id"])["files_analyzed"] == 1, description="the analysis after the client's task")
    (only_hash,) = analysed_hashes(cache)
    assert (cache / only_hash / "visual.jvis").stat().st_mtime >= last_running, "analysed while the client's task ran"
    delete_folder(watch_server, folder["id"])


def test_client_task_interrupts_service_task(watch_server, folders, test_media_dir, tmp_path):
    """A client's /analyze stops the service's task as it stops any running task. The files the
    service did not finish are analysed afterwards, each exactly once."""
    watched, cache = folders
    for name in ("photos.mp4", "photos.webm", "photos-rotated.mov"):
        shutil.copy(test_media_dir / name, watched / name)
    folder = add_folder(watch_server, watched, cache, speech=True)
    service_task = wait_for(lambda: status(watch_server)["current_task_id"], description="the service's task")

    response = watch_server.post("/analyze", {"media_paths": [str(test_media_dir / "cat.png")],
                                              "cache_dir": str(tmp_path / "client-cache")})
    assert response.status_code == 202, response.text
    client_task = response.json()["task_id"]
    wait_for(lambda: watch_server.get(f"/tasks/{client_task}").json()["status"] != "running", description="the client's task")
    assert watch_server.get(f"/tasks/{client_task}").json()["status"] == "completed"
    assert watch_server.get(f"/tasks/{service_task}").json()["status"] == "cancelled"

    wait_for(lambda: folder_stats(watch_server, folder["id"])["files_analyzed"] == 3, timeout=300, description="all three files")
    stats = folder_stats(watch_server, folder["id"])
    assert stats["files_skipped"] == 0, "a file finished before the cancel is not analysed again"
    assert stats["files_failed"] == 0
    assert len(analysed_hashes(cache)) == 3
    delete_folder(watch_server, folder["id"])


# MARK: - Restarts and large trees


def test_restart_restores_folders_and_state(tmp_path, models_dir, test_media_dir):
    data_dir = tmp_path / "data"
    data_dir.mkdir()
    watched, cache = tmp_path / "watched", tmp_path / "cache"
    watched.mkdir()
    shutil.copy(test_media_dir / "cat.png", watched / "cat.png")

    first = start_watch_server(data_dir, models_dir)
    try:
        folder = add_folder(first, watched, cache, excluded_filename_globs=["*_proxy.*"])
        assert first.post("/watch-folders/service/start", {}).json()["state"] == "running"
        wait_for(lambda: folder_stats(first, folder["id"])["files_analyzed"] == 1, description="the first analysis")
    finally:
        stop_server(first)

    second = start_watch_server(data_dir, models_dir)
    try:
        assert second.get("/watch-folders").json()["watch_folders"] == [folder]
        assert status(second)["state"] == "running"
        time.sleep(SETTLE_SECONDS + RESCAN_SECONDS + 1)
        body = status(second)
        assert body["files_processed_this_session"] == 0, "a file analysed before the restart is not analysed again"
        assert body["folder_stats"][str(folder["id"])]["files_analyzed"] == 1
        assert body["folder_stats"][str(folder["id"])]["files_seen"] == 1
        assert second.post("/watch-folders/service/stop", {}).json()["state"] in ("stopping", "stopped")
        wait_for(lambda: status(second)["state"] == "stopped", timeout=30, description="the stop")
    finally:
        stop_server(second)

    third = start_watch_server(data_dir, models_dir)
    try:
        assert status(third)["state"] == "stopped"
        assert [entry["id"] for entry in third.get("/watch-folders").json()["watch_folders"]] == [folder["id"]]
    finally:
        stop_server(third)


def test_large_tree_with_watch_limit(tmp_path, models_dir, test_media_dir):
    """10,000 small non-media files in 100 folders plus three images, with fewer inotify watches
    allowed than there are folders, so changes in unwatched folders are found by rescans."""
    data_dir = tmp_path / "data"
    data_dir.mkdir()
    watched, cache = tmp_path / "watched", tmp_path / "cache"
    for folder_index in range(100):
        folder = watched / f"day-{folder_index:03d}"
        folder.mkdir(parents=True)
        for file_index in range(100):
            (folder / f"log-{file_index}.txt").write_bytes(b"x")
    staging = tmp_path / "staging"
    staging.mkdir()
    media = make_image_variants(test_media_dir / "cat.png", staging, 4)
    for path in media[:3]:
        shutil.copy(path, watched / "day-099" / path.name)

    server = start_watch_server(data_dir, models_dir, max_inotify_watches=10)
    try:
        started = time.time()
        folder = add_folder(server, watched, cache)
        server.post("/watch-folders/service/start", {})
        wait_for(lambda: folder_stats(server, folder["id"])["files_analyzed"] == 3, timeout=180, description="three images")
        elapsed = time.time() - started
        stats = folder_stats(server, folder["id"])
        assert stats["files_seen"] == 3
        assert stats["watch_mode"] == "rescan"
        print(f"10,003 files in 101 folders: three images analysed {elapsed:.1f} s after the folder was added")
        assert elapsed < SETTLE_SECONDS + 60

        # A file added to a folder without a watch is found by the periodic rescan.
        shutil.copy(media[3], watched / "day-000" / "late.png")
        wait_for(lambda: folder_stats(server, folder["id"])["files_analyzed"] == 4, timeout=60, description="the late file")
        assert "inotify watch limit reached" in server.log()
        durations = sorted(int(line.split("duration.ms=")[1].split()[0]) for line in server.log().splitlines()
                           if "watch folder scanned" in line and "files.skipped=10000" in line)
        assert durations, "the server logs each scan at debug level"
        print(f"listing 10,000 text files and the images in 101 folders: median {durations[len(durations) // 2]} ms, "
              f"max {durations[-1]} ms over {len(durations)} scans")
        assert durations[len(durations) // 2] < 2000
    finally:
        stop_server(server)


def test_missing_model_pauses_only_its_folder(tmp_path, models_dir, test_media_dir):
    # A private models folder lets the test remove a model after its folder was accepted.
    private_models = tmp_path / "models"
    private_models.mkdir()
    for model in models_dir.iterdir():
        (private_models / model.name).symlink_to(model)
    data_dir = tmp_path / "data"
    data_dir.mkdir()
    server = start_watch_server(data_dir, private_models, pause_seconds=3)
    try:
        folders = {}
        tone = tmp_path / "tone.m4a"
        subprocess.run(["ffmpeg", "-loglevel", "error", "-f", "lavfi", "-i", "sine=duration=3",
                        "-c:a", "aac", str(tone)], check=True)
        setups = {"tiny": (tone, {"visual": False, "speech": True, "speech_model": "whisper-tiny-en"}),
                  "default": (test_media_dir / "photos.mp4", {"speech": False})}
        for name, (media, options) in setups.items():
            watched = tmp_path / name
            watched.mkdir()
            shutil.copy(media, watched / media.name)
            folders[name] = add_folder(server, watched, tmp_path / f"{name}-cache", **options)
        (private_models / "whisper-tiny-en").unlink()
        server.post("/watch-folders/service/start", {})

        wait_for(lambda: folder_stats(server, folders["default"]["id"])["files_analyzed"] == 1,
                 description="the folder with an installed model")
        body = wait_for(lambda: (lambda b: b if b["state"] == "paused" else None)(status(server)),
                        timeout=30, description="the service to pause")
        assert body["paused_until"] is not None
        assert "whisper-tiny-en" in body["last_error"]
        stats = body["folder_stats"][str(folders["tiny"]["id"])]
        assert stats["state"] == "paused"
        assert stats["files_failed"] == 0, "files wait for the model instead of failing"
        assert "whisper-tiny-en" in stats["last_error"]

        response = call(server, "PUT", f"/watch-folders/{folders['tiny']['id']}", {"speech_model": None})
        assert response.status_code == 200, response.text
        wait_for(lambda: folder_stats(server, folders["tiny"]["id"])["files_analyzed"] == 1, timeout=120,
                 description="the analysis after the model was changed")
    finally:
        stop_server(server)
