"""Speech through the real server: transcription in /analyze, transcripts and transcript search."""

import subprocess
import threading

import pytest
import socketio

from test_walking_skeleton import analyse_and_collect

LIBRIVOX = "/usr/share/pocketsphinx/test/data/librivox"
PHOTO = "/usr/lib/python3/dist-packages/skimage/data/chelsea.png"
# "he was not an ill disposed young man", spoken after 20 s of silence.
SPEECH_FILE = f"{LIBRIVOX}/sense_and_sensibility_01_austen_64kb-0880.wav"
LEADING_SILENCE = 20.0


@pytest.fixture(scope="module")
def speech_video(tmp_path_factory):
    """A video of a still photo whose sound is 20 s of silence, then a LibriVox sentence."""
    folder = tmp_path_factory.mktemp("speech media")
    video = folder / "interview clip.mp4"
    subprocess.run(
        ["ffmpeg", "-v", "error", "-y", "-loop", "1", "-framerate", "5", "-i", PHOTO,
         "-f", "lavfi", "-t", str(LEADING_SILENCE), "-i", "anullsrc=r=16000:cl=mono", "-i", SPEECH_FILE,
         "-filter_complex", "[1][2]concat=n=2:v=0:a=1[a]", "-map", "0:v", "-map", "[a]",
         "-c:v", "libx264", "-preset", "ultrafast", "-pix_fmt", "yuv420p", "-vf", "scale=640:-2",
         "-c:a", "aac", "-shortest", str(video)],
        check=True)
    silent = folder / "silent.mp4"
    subprocess.run(
        ["ffmpeg", "-v", "error", "-y", "-loop", "1", "-framerate", "5", "-i", PHOTO,
         "-f", "lavfi", "-t", "8", "-i", "anullsrc=r=16000:cl=mono", "-map", "0:v", "-map", "1:a",
         "-c:v", "libx264", "-preset", "ultrafast", "-pix_fmt", "yuv420p", "-vf", "scale=640:-2",
         "-c:a", "aac", "-shortest", str(silent)],
        check=True)
    return video, silent


@pytest.fixture(scope="module")
def transcribed(server, speech_video, tmp_path_factory):
    video, silent = speech_video
    cache_dir = tmp_path_factory.mktemp("speech-cache")
    _, events = analyse_and_collect(server, {
        "media_paths": [str(video), str(silent)], "cache_dir": str(cache_dir),
        "speech_model": "whisper-base"})
    return cache_dir, events


def test_analysis_transcribes_with_progress(transcribed):
    _, events = transcribed
    assert events[-1]["status"] == "completed", events[-1]
    for result in events[-1]["results"]:
        assert result["analyses"]["speech"] == "completed", result
    transcribing = [event for event in events if event["stage"] == "transcribing"]
    assert transcribing
    assert all(event["type"] == "audio" for event in transcribing)


def test_transcript_words_and_times(server, transcribed, speech_video):
    cache_dir, _ = transcribed
    video, _ = speech_video
    response = server.post("/transcriptions", {"cache_dir": str(cache_dir), "media_paths": [str(video)]})
    assert response.status_code == 200, response.text
    transcript = response.json()["transcriptions"][0]
    assert transcript["language"] == "en"
    assert transcript["model_key"] == "whisper-base"
    text = " ".join(segment["text"] for segment in transcript["segments"]).lower()
    for word in ("ill", "disposed", "young", "man"):
        assert word in text, text
    words = [word for segment in transcript["segments"] for word in segment["words"]]
    assert abs(words[0]["start"] - LEADING_SILENCE) < 1.0, words[0]
    starts = [word["start"] for word in words]
    assert starts == sorted(starts)
    assert all(word["end"] >= word["start"] for word in words)


def test_silence_gives_no_segments(server, transcribed, speech_video):
    cache_dir, _ = transcribed
    _, silent = speech_video
    response = server.post("/transcriptions", {"cache_dir": str(cache_dir), "media_paths": [str(silent)]})
    assert response.json()["transcriptions"][0]["segments"] == []


def test_transcript_search_finds_phrase(server, transcribed, speech_video):
    cache_dir, _ = transcribed
    video, _ = speech_video
    response = server.post("/search/transcript", {
        "query": '"YOUNG MAN"', "cache_dir": str(cache_dir), "search_all": True})
    assert response.status_code == 200, response.text
    match = response.json()["matches"][0]
    assert match["video_path"] == str(video)
    start, end = match["highlights"][0]
    assert match["text"][start:end].lower() == "young man"
    assert match["start"] >= LEADING_SILENCE - 1


def test_transcript_search_without_hits(server, transcribed):
    cache_dir, _ = transcribed
    response = server.post("/search/transcript", {
        "query": "quarterly results", "cache_dir": str(cache_dir), "search_all": True})
    assert response.status_code == 200
    assert response.json()["matches"] == []


def test_load_transcriptions_counts(server, transcribed, speech_video):
    cache_dir, _ = transcribed
    response = server.post("/analysis-data/load-transcriptions", {"cache_dir": str(cache_dir)})
    assert response.status_code == 200, response.text
    assert response.json()["transcriptions"] == 2


def test_unknown_speech_model_is_400(server, speech_video, tmp_path):
    video, _ = speech_video
    response = server.post("/analyze", {
        "media_paths": [str(video)], "cache_dir": str(tmp_path), "speech_model": "nope"})
    assert response.status_code == 400
    assert "whisper-base" in response.json()["message"]


def test_cancel_during_speech_reports_saved_visual(server, speech_video, tmp_path, test_media_dir):
    video, _ = speech_video
    never_started = test_media_dir / "photos.webm"
    events = []
    finished = threading.Event()
    cancel_statuses = []
    client = socketio.Client(reconnection=False)

    @client.on("progress")
    def on_progress(payload):
        events.append(payload)
        if payload["stage"] == "transcribing" and not cancel_statuses:
            cancel_statuses.append(server.post("/analyze/cancel", {"task_id": payload["task_id"]}).status_code)
        if payload["status"] in ("completed", "failed", "cancelled"):
            finished.set()

    client.connect(server.base_url, wait_timeout=10)
    response = server.post("/analyze", {
        "media_paths": [str(video), str(never_started)], "cache_dir": str(tmp_path / "cache"),
        "speech_model": "whisper-base"})
    assert response.status_code == 202, response.text
    client.emit("join", {"task_id": response.json()["task_id"]})
    assert finished.wait(300), f"no final event; got {events[-3:]}"
    client.disconnect()

    assert cancel_statuses == [200]
    final = events[-1]
    assert final["status"] == "cancelled"
    interrupted, skipped = final["results"]
    assert interrupted["status"] == "cancelled"
    assert interrupted["analyses"]["visual"] == "completed"
    assert interrupted["analyses"]["speech"] == "cancelled"
    assert "visual analysis was saved" in interrupted["error"]
    assert skipped["status"] == "cancelled"
    assert skipped["hash_str"] is None
