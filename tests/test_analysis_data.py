"""The analysis-data load endpoints on a folder that mixes video, image and audio-only media."""

import shutil
import subprocess

import pytest

from test_walking_skeleton import analyse_and_collect

SPEECH_FILE = "/usr/share/pocketsphinx/test/data/librivox/sense_and_sensibility_01_austen_64kb-0880.wav"
PHOTO = "/usr/lib/python3/dist-packages/skimage/data/chelsea.png"


@pytest.fixture(scope="module")
def mixed_media(tmp_path_factory):
    """A video with speech, a still image, and two audio-only files of the same sentence."""
    folder = tmp_path_factory.mktemp("mixed media")
    video = folder / "talk.mp4"
    subprocess.run(
        ["ffmpeg", "-v", "error", "-y", "-loop", "1", "-framerate", "5", "-i", PHOTO, "-i", SPEECH_FILE,
         "-map", "0:v", "-map", "1:a", "-c:v", "libx264", "-preset", "ultrafast", "-pix_fmt", "yuv420p",
         "-vf", "scale=320:-2", "-c:a", "aac", "-shortest", str(video)],
        check=True)
    shutil.copy(PHOTO, folder / "still.png")
    shutil.copy(SPEECH_FILE, folder / "voice.wav")
    subprocess.run(["ffmpeg", "-v", "error", "-y", "-i", SPEECH_FILE, str(folder / "voice.mp3")], check=True)
    return folder


@pytest.fixture(scope="module")
def mixed_cache(server, mixed_media, tmp_path_factory):
    cache_dir = tmp_path_factory.mktemp("mixed-cache")
    _, events = analyse_and_collect(server, {
        "media_paths": [str(mixed_media)], "cache_dir": str(cache_dir), "speech_model": "whisper-tiny-en"})
    assert events[-1]["status"] == "completed", events[-1]
    return cache_dir


def entries_by_name(body):
    return {entry["video_path"].rsplit("/", 1)[-1]: entry for entry in body["media"]}


def test_load_lists_audio_only_media(server, mixed_cache, mixed_media):
    response = server.post("/analysis-data/load", {"cache_dir": str(mixed_cache)})
    assert response.status_code == 200, response.text
    body = response.json()
    entries = entries_by_name(body)
    assert set(entries) == {"talk.mp4", "still.png", "voice.wav", "voice.mp3"}
    assert body["loaded_media"] == 4
    assert body["transcriptions"] == 3
    assert body["frames"] > 0
    assert body["missing"] == []
    assert body["failures"] == []
    assert entries["voice.wav"]["video_path"] == str(mixed_media / "voice.wav")
    assert entries["voice.wav"]["hash_str"]


@pytest.mark.parametrize("name, visual, speech", [
    ("talk.mp4", True, True),
    ("still.png", True, False),
    ("voice.wav", False, True),
    ("voice.mp3", False, True),
])
def test_load_flags_each_kind(server, mixed_cache, name, visual, speech):
    body = server.post("/analysis-data/load", {"cache_dir": str(mixed_cache)}).json()
    entry = entries_by_name(body)[name]
    assert entry["visual"] is visual
    assert entry["speech"] is speech
    assert entry["faces"] is False


def test_load_counts_match_load_transcriptions(server, mixed_cache):
    loaded = server.post("/analysis-data/load", {"cache_dir": str(mixed_cache)}).json()
    transcripts = server.post("/analysis-data/load-transcriptions", {"cache_dir": str(mixed_cache)}).json()
    assert loaded["transcriptions"] == transcripts["transcriptions"]


def test_load_for_media_reports_audio_only(server, mixed_cache, mixed_media, tmp_path):
    unanalysed = tmp_path / "new.wav"
    shutil.copy(SPEECH_FILE, unanalysed)
    with open(unanalysed, "ab") as extra:
        extra.write(b"\0" * 64)
    paths = [str(mixed_media / "voice.wav"), str(mixed_media / "talk.mp4"), str(unanalysed)]
    response = server.post("/analysis-data/load-for-media", {"cache_dir": str(mixed_cache), "media_paths": paths})
    assert response.status_code == 200, response.text
    body = response.json()
    assert body["missing"] == [str(unanalysed)]
    assert body["loaded_media"] == 2
    assert body["transcriptions"] == 2
    entries = entries_by_name(body)
    assert entries["voice.wav"]["visual"] is False
    assert entries["voice.wav"]["speech"] is True
    assert entries["talk.mp4"]["visual"] is True
    assert entries["talk.mp4"]["speech"] is True


@pytest.fixture(scope="module")
def damaged_cache(server, mixed_cache, mixed_media, tmp_path_factory):
    """A copy of the mixed cache whose voice.wav transcript is overwritten with garbage."""
    cache_dir = tmp_path_factory.mktemp("damaged") / "cache"
    shutil.copytree(mixed_cache, cache_dir)
    paths = server.post("/cache-paths", {"cache_dir": str(cache_dir), "media_paths": [str(mixed_media / "voice.wav")]})
    speech_file = paths.json()["cache_paths"][0]["files"]["speech"]
    assert speech_file, paths.text
    with open(speech_file, "w") as damaged:
        damaged.write("garbage\n")
    return cache_dir, speech_file


def test_search_skips_damaged_transcript(server, damaged_cache, mixed_media):
    cache_dir, speech_file = damaged_cache
    response = server.post("/search/transcript", {"query": "young man", "cache_dir": str(cache_dir), "search_all": True})
    assert response.status_code == 200, response.text
    found = {match["video_path"].rsplit("/", 1)[-1] for match in response.json()["matches"]}
    assert found == {"talk.mp4", "voice.mp3"}
    assert "damaged transcript skipped" in server.log()
    assert speech_file in server.log()


def test_load_lists_damaged_transcript(server, damaged_cache):
    cache_dir, speech_file = damaged_cache
    body = server.post("/analysis-data/load", {"cache_dir": str(cache_dir)}).json()
    assert body["transcriptions"] == 2
    assert set(entries_by_name(body)) == {"talk.mp4", "still.png", "voice.mp3"}
    assert len(body["failures"]) == 1
    assert speech_file in body["failures"][0]["error"]
    assert speech_file.split("/")[-2] == body["failures"][0]["hash_str"]


def test_load_transcriptions_lists_damaged(server, damaged_cache):
    cache_dir, speech_file = damaged_cache
    body = server.post("/analysis-data/load-transcriptions", {"cache_dir": str(cache_dir)}).json()
    assert body["transcriptions"] == 2
    assert len(body["failures"]) == 1
    assert speech_file in body["failures"][0]["error"]


def test_transcriptions_report_damaged_file(server, damaged_cache, mixed_media):
    cache_dir, speech_file = damaged_cache
    paths = [str(mixed_media / "voice.wav"), str(mixed_media / "voice.mp3")]
    response = server.post("/transcriptions", {"cache_dir": str(cache_dir), "media_paths": paths})
    assert response.status_code == 200, response.text
    body = response.json()
    assert [item["video_path"] for item in body["transcriptions"]] == [paths[1]]
    assert body["missing"] == []
    assert body["failures"][0]["video_path"] == paths[0]
    assert speech_file in body["failures"][0]["error"]
    assert "force" in body["failures"][0]["error"]


def test_export_damaged_transcript_is_409(server, damaged_cache, mixed_media):
    cache_dir, speech_file = damaged_cache
    response = server.post("/export/transcript", {
        "cache_dir": str(cache_dir), "media_path": str(mixed_media / "voice.wav"), "format": "txt"})
    assert response.status_code == 409, response.text
    message = response.json()["message"]
    assert speech_file in message
    assert "force" in message


def test_force_reanalysis_repairs_transcript(server, damaged_cache, mixed_media):
    cache_dir, _ = damaged_cache
    voice = str(mixed_media / "voice.wav")
    _, events = analyse_and_collect(server, {
        "media_paths": [voice], "cache_dir": str(cache_dir), "speech_model": "whisper-tiny-en", "force": True})
    assert events[-1]["status"] == "completed", events[-1]
    response = server.post("/transcriptions", {"cache_dir": str(cache_dir), "media_paths": [voice]})
    assert response.status_code == 200, response.text
    assert len(response.json()["transcriptions"]) == 1
    body = server.post("/analysis-data/load", {"cache_dir": str(cache_dir)}).json()
    assert body["failures"] == []
    assert body["transcriptions"] == 3
