"""Clip export through the real server, checked with ffprobe."""

import json
import subprocess
from pathlib import Path

import pytest

PHOTO_DIR = "/usr/lib/python3/dist-packages/skimage/data"
FRAME = 1 / 25


def make_video(path, seconds, gop, extra_output=(), filters=""):
    """Two real photos (cut halfway) at 25 fps, 640x360, H.264 with a keyframe every `gop`
    frames and no scene-cut keyframes, plus a 440 Hz stereo AAC tone."""
    subprocess.run(
        ["ffmpeg", "-v", "error", "-y",
         "-loop", "1", "-t", str(seconds / 2), "-i", f"{PHOTO_DIR}/chelsea.png",
         "-loop", "1", "-t", str(seconds / 2), "-i", f"{PHOTO_DIR}/coffee.png",
         "-f", "lavfi", "-i", f"sine=frequency=440:sample_rate=48000:duration={seconds}",
         "-filter_complex",
         "[0:v]scale=640:360:force_original_aspect_ratio=decrease,pad=640:360:(ow-iw)/2:(oh-ih)/2,setsar=1[a];"
         "[1:v]scale=640:360:force_original_aspect_ratio=decrease,pad=640:360:(ow-iw)/2:(oh-ih)/2,setsar=1[b];"
         f"[a][b]concat=n=2:v=1:a=0,fps=25,format=yuv420p{filters}[v];[2:a]aformat=channel_layouts=stereo[s]",
         "-map", "[v]", "-map", "[s]", "-c:v", "libx264", "-preset", "veryfast", "-g", str(gop),
         "-keyint_min", str(gop), "-sc_threshold", "0", "-c:a", "aac", "-t", str(seconds), *extra_output, str(path)],
        check=True)


def probe(path):
    output = subprocess.run(
        ["ffprobe", "-v", "error", "-show_streams", "-show_format", "-of", "json", str(path)],
        capture_output=True, text=True, check=True).stdout
    return json.loads(output)


def frame_times(path):
    output = subprocess.run(
        ["ffprobe", "-v", "error", "-select_streams", "v:0", "-show_entries", "frame=pts_time",
         "-of", "csv=p=0", str(path)], capture_output=True, text=True, check=True).stdout
    return [float(line.strip().strip(",")) for line in output.splitlines() if line.strip()]


def keyframe_times(path):
    output = subprocess.run(
        ["ffprobe", "-v", "error", "-select_streams", "v:0", "-skip_frame", "nokey", "-show_entries",
         "frame=pts_time", "-of", "csv=p=0", str(path)], capture_output=True, text=True, check=True).stdout
    return [float(line.strip().strip(",")) for line in output.splitlines() if line.strip()]


def stream(info, kind):
    return next(item for item in info["streams"] if item["codec_type"] == kind)


def rotation(info):
    for side_data in stream(info, "video").get("side_data_list", []):
        if "rotation" in side_data:
            return side_data["rotation"]
    return 0


@pytest.fixture(scope="module")
def footage(tmp_path_factory):
    """A 12 s source with a keyframe every 2 s in a folder named with spaces, accents and CJK,
    and a rotated copy (display matrix of a phone held upright)."""
    folder = tmp_path_factory.mktemp("clips") / "Été 東京 footage"
    folder.mkdir()
    source = folder / "interview take 1.mp4"
    make_video(source, 12, 50)
    unrotated = folder / "unrotated.mov"
    make_video(unrotated, 6, 50, filters=",transpose=2")
    rotated = folder / "phone clip.mov"
    subprocess.run(["ffmpeg", "-v", "error", "-y", "-i", str(unrotated), "-map", "0", "-c", "copy",
                    "-metadata:s:v:0", "rotate=270", str(rotated)], check=True)
    unrotated.unlink()
    assert rotation(probe(rotated)) == -90
    output = tmp_path_factory.mktemp("clip output") / "Sortie 出力"
    output.mkdir()
    return {"source": source, "rotated": rotated, "output": output}


def export(server, footage, clips, **extra):
    body = {"clips": clips, "output_dir": str(footage["output"]), **extra}
    return server.post("/export/clips", body)


def test_reencode_is_frame_accurate(server, footage):
    response = export(server, footage, [{"media_path": str(footage["source"]), "start": 3.0, "end": 5.0,
                                         "name": "answer: one?"}])
    assert response.status_code == 200, response.text
    payload = response.json()
    assert payload["errors"] == []
    clip = payload["clips"][0]
    path = Path(clip["output_path"])
    assert path.parent == footage["output"]
    assert path.name == "answer_ one_.mp4"
    assert clip["start_seconds"] == pytest.approx(3.0)
    assert clip["end_seconds"] == pytest.approx(5.0)
    info = probe(path)
    video = stream(info, "video")
    audio = stream(info, "audio")
    assert video["codec_name"] == "h264"
    assert video["pix_fmt"] == "yuv420p"
    assert audio["codec_name"] == "aac"
    assert audio["channels"] == 2
    times = frame_times(path)
    assert times[0] == pytest.approx(0.0, abs=1e-3)
    assert len(times) == 50
    assert float(video["duration"]) == pytest.approx(2.0, abs=FRAME)
    assert float(audio["duration"]) == pytest.approx(2.0, abs=0.05)
    # Frame 3 s of the source is not a keyframe, so a copy could not start there.
    assert 3.0 not in keyframe_times(footage["source"])


def test_copy_starts_at_previous_keyframe(server, footage):
    response = export(server, footage, [{"media_path": str(footage["source"]), "start": 3.0, "end": 5.0}],
                      mode="copy")
    assert response.status_code == 200, response.text
    clip = response.json()["clips"][0]
    assert clip["start_seconds"] == pytest.approx(2.0)
    assert clip["start"] == "00:00:02.000"
    assert clip["snapped_to_keyframe"] is True
    assert clip["requested_start_seconds"] == pytest.approx(3.0)
    path = Path(clip["output_path"])
    assert path.name == "interview take 1 3.000-5.000.mp4"
    info = probe(path)
    video = stream(info, "video")
    assert stream(info, "audio")["codec_name"] == "aac"
    # Copied, not re-encoded: the source's x264 settings are still in the stream.
    assert video["codec_name"] == "h264"
    times = frame_times(path)
    assert times[0] == pytest.approx(0.0, abs=1e-3)
    assert keyframe_times(path)[0] == pytest.approx(0.0, abs=1e-3)
    # Every frame up to the end is there; B-frame references may add a few frames after it.
    video_duration = float(video["duration"])
    assert 3.0 - 1e-3 <= video_duration <= 3.0 + 4 * FRAME
    assert clip["end_seconds"] - clip["start_seconds"] == pytest.approx(video_duration, abs=FRAME)
    assert len(times) == round(video_duration / FRAME)
    decode = subprocess.run(["ffmpeg", "-v", "error", "-i", str(path), "-f", "null", "-"],
                            capture_output=True, text=True, check=True)
    assert decode.stderr == ""


def test_copy_on_keyframe_not_snapped(server, footage):
    response = export(server, footage, [{"media_path": str(footage["source"]), "start": 4.0, "end": 6.0}],
                      mode="copy")
    clip = response.json()["clips"][0]
    assert clip["start_seconds"] == pytest.approx(4.0)
    assert clip["snapped_to_keyframe"] is False


def test_handles_clamped_to_file(server, footage):
    response = export(server, footage, [{"media_path": str(footage["source"]), "start": 0.5, "end": 11.0}],
                      handles=2)
    assert response.status_code == 200, response.text
    clip = response.json()["clips"][0]
    assert clip["requested_start_seconds"] == 0
    assert clip["requested_end_seconds"] == pytest.approx(12.0, abs=0.05)
    info = probe(clip["output_path"])
    assert float(stream(info, "video")["duration"]) == pytest.approx(12.0, abs=2 * FRAME)

    inner = export(server, footage, [{"media_path": str(footage["source"]), "start": 5, "end": 6}], handles=1.5)
    clip = inner.json()["clips"][0]
    # 3.5 s and 7.5 s lie exactly between two 25 fps frames: both cuts take the later frame.
    assert clip["start_seconds"] == pytest.approx(3.52)
    assert clip["end_seconds"] == pytest.approx(7.52)
    assert len(frame_times(clip["output_path"])) == 100


@pytest.mark.parametrize("mode", ["copy", "reencode"])
def test_rotation_kept(server, footage, mode):
    response = export(server, footage, [{"media_path": str(footage["rotated"]), "start": 1, "end": 3}], mode=mode)
    assert response.status_code == 200, response.text
    clip = response.json()["clips"][0]
    info = probe(clip["output_path"])
    assert rotation(info) == -90
    video = stream(info, "video")
    assert (video["width"], video["height"]) == (360, 640)
    assert any(item["codec_type"] == "audio" for item in info["streams"])
    assert Path(clip["output_path"]).suffix == (".mov" if mode == "copy" else ".mp4")


def test_existing_name_gets_suffix(server, footage):
    clip = {"media_path": str(footage["source"]), "start": 1, "end": 2, "name": "same name"}
    first = export(server, footage, [clip, clip], mode="copy").json()["clips"]
    names = [Path(item["output_path"]).name for item in first]
    assert names == ["same name.mp4", "same name (2).mp4"]
    (footage["output"] / "same name (3).mp4").write_bytes(b"keep me")
    again = export(server, footage, [clip], mode="copy").json()["clips"]
    assert Path(again[0]["output_path"]).name == "same name (4).mp4"
    assert (footage["output"] / "same name (3).mp4").read_bytes() == b"keep me"


@pytest.mark.parametrize("name,expected", [
    ("CON", "CON_.mp4"),
    ("a/b\\c:d*e?f\"g<h>i|j", "a_b_c_d_e_f_g_h_i_j.mp4"),
    ("trailing dots. . .", "trailing dots.mp4"),
    ("café 東京 مرحبا", "café 東京 مرحبا.mp4"),
])
def test_output_names_safe(server, footage, name, expected):
    response = export(server, footage, [{"media_path": str(footage["source"]), "start": 1, "end": 1.5, "name": name}],
                      mode="copy")
    assert Path(response.json()["clips"][0]["output_path"]).name == expected


def test_clip_errors_do_not_fail_batch(server, footage, tmp_path):
    clips = [
        {"media_path": str(tmp_path / "missing.mp4"), "start": 0, "end": 1},
        {"media_path": str(footage["source"]), "start": 30, "end": 40},
        {"media_path": str(footage["source"]), "start": 1, "end": 2, "name": "good one"},
    ]
    response = export(server, footage, clips, mode="copy")
    assert response.status_code == 200, response.text
    payload = response.json()
    assert [clip["index"] for clip in payload["clips"]] == [2]
    assert [error["index"] for error in payload["errors"]] == [0, 1]
    assert "missing.mp4" in payload["errors"][0]["error"]
    assert "30" in payload["errors"][1]["error"]
    leftovers = [path.name for path in footage["output"].iterdir() if "missing" in path.name]
    assert leftovers == []


@pytest.mark.parametrize("extra,fragment", [
    ({"mode": "fast"}, "'fast'"),
    ({"handles": -1}, "handles"),
    ({"output_dir": "relative/dir"}, "relative/dir"),
    ({"output_dir": "/nonexistent-export-folder"}, "/nonexistent-export-folder"),
    ({"clips": []}, "clips"),
    ({"clips": [{"media_path": "/a.mp4", "start": 2, "end": 1}]}, "clips[0].end"),
])
def test_invalid_request_rejected(server, footage, extra, fragment):
    body = {"clips": [{"media_path": str(footage["source"]), "start": 1, "end": 2}],
            "output_dir": str(footage["output"]), **extra}
    response = server.post("/export/clips", body)
    assert response.status_code == 400, response.text
    assert fragment in response.json()["message"]


def test_output_dir_in_data_folder_rejected(server, footage):
    response = export(server, footage, [{"media_path": str(footage["source"]), "start": 1, "end": 2}],
                      output_dir=str(server.data_dir))
    assert response.status_code == 400, response.text
    assert "data folder" in response.json()["message"]


def test_reencode_converts_to_420(server, footage, tmp_path):
    """A 4:4:4 source goes through libswscale to the 4:2:0 that H.264 players expect."""
    source = tmp_path / "full chroma.mp4"
    make_video(source, 4, 25, extra_output=["-pix_fmt", "yuv444p"])
    assert stream(probe(source), "video")["pix_fmt"] == "yuv444p"
    response = export(server, footage, [{"media_path": str(source), "start": 1, "end": 2}])
    clip = response.json()["clips"][0]
    video = stream(probe(clip["output_path"]), "video")
    assert video["pix_fmt"] == "yuv420p"
    assert (video["width"], video["height"]) == (640, 360)
    assert len(frame_times(clip["output_path"])) == 25


@pytest.mark.parametrize("mode", ["copy", "reencode"])
def test_start_timecode_moves_with_clip(server, footage, tmp_path, mode):
    source = tmp_path / "camera A.mov"
    make_video(source, 6, 50, extra_output=["-timecode", "01:00:00:00"])
    response = export(server, footage, [{"media_path": str(source), "start": 2, "end": 3, "name": f"tc {mode}"}],
                      mode=mode)
    clip = response.json()["clips"][0]
    assert clip["start_timecode"] == "01:00:02:00"
    info = probe(clip["output_path"])
    timecodes = [item.get("tags", {}).get("timecode") for item in info["streams"]]
    assert "01:00:02:00" in timecodes, info["streams"]
    assert "01:00:00:00" not in timecodes


def test_clip_without_timecode_has_none(server, footage):
    response = export(server, footage, [{"media_path": str(footage["source"]), "start": 1, "end": 2}], mode="copy")
    clip = response.json()["clips"][0]
    assert clip["start_timecode"] is None
    info = probe(clip["output_path"])
    assert all("timecode" not in item.get("tags", {}) for item in info["streams"])


def beep_start(path):
    """Return the time in seconds where the first sound after silence starts."""
    output = subprocess.run(["ffmpeg", "-i", str(path), "-af", "silencedetect=n=-30dB:d=0.1", "-f", "null", "-"],
                            capture_output=True, text=True, check=True).stderr
    return float(output.split("silence_end: ")[1].split()[0])


@pytest.fixture(scope="module")
def delayed_audio(tmp_path_factory):
    """Video from 0 s and audio that starts 0.5 s later, with a 1 kHz beep at 3.0 s of the file."""
    path = tmp_path_factory.mktemp("delayed") / "late audio.mp4"
    subprocess.run(
        ["ffmpeg", "-v", "error", "-y", "-loop", "1", "-framerate", "25", "-t", "6", "-i", f"{PHOTO_DIR}/chelsea.png",
         "-itsoffset", "0.5", "-f", "lavfi", "-i", "aevalsrc='if(between(t,2.5,2.7),sin(2*PI*1000*t),0)':s=48000:d=5.5",
         "-map", "0:v", "-map", "1:a", "-vf", "scale=320:-2,format=yuv420p", "-c:v", "libx264", "-preset", "veryfast",
         "-g", "50", "-keyint_min", "50", "-sc_threshold", "0", "-c:a", "aac", str(path)],
        check=True)
    assert beep_start(path) == pytest.approx(3.0, abs=0.02)
    return path


@pytest.mark.parametrize("mode", ["copy", "reencode"])
def test_audio_stays_in_sync(server, footage, delayed_audio, mode):
    response = export(server, footage, [{"media_path": str(delayed_audio), "start": 2, "end": 4,
                                         "name": f"sync {mode}"}], mode=mode)
    clip = response.json()["clips"][0]
    assert clip["start_seconds"] == pytest.approx(2.0)
    # The beep at 3.0 s of the source is 1.0 s into a clip that starts at 2.0 s.
    assert beep_start(clip["output_path"]) == pytest.approx(1.0, abs=0.03)


# Times counted from the first presented frame, in containers whose timestamps start above zero.

import colour_media  # noqa: E402


@pytest.fixture(scope="module")
def colour_folder(tmp_path_factory):
    return colour_media.make(tmp_path_factory.mktemp("colour-media"))


def export_colour_clip(server, tmp_path, path, mode, start=3, end=5):
    response = server.post("/export/clips", {
        "clips": [{"media_path": str(path), "start": start, "end": end}], "output_dir": str(tmp_path), "mode": mode})
    assert response.status_code == 200, response.text
    payload = response.json()
    assert payload["errors"] == [], payload["errors"]
    return payload["clips"][0]


@pytest.mark.parametrize("name,first_colour,seconds", colour_media.KINDS)
def test_reencode_counts_from_first_frame(server, tmp_path, colour_folder, name, first_colour, seconds):
    clip = export_colour_clip(server, tmp_path, colour_folder / name, "reencode")
    # MPEG-PS stores a PTS on only some frames, and FFmpeg's guesses for the others can be a
    # frame off, so the cut may move by one frame there.
    tolerance = FRAME + 1e-3 if name.endswith(".mpg") else 1e-3
    assert clip["start_seconds"] == pytest.approx(3, abs=tolerance)
    assert clip["end_seconds"] == pytest.approx(5, abs=tolerance)
    path = Path(clip["output_path"])
    assert colour_media.frame_colour(path) == first_colour + 3
    assert colour_media.frame_colour(path, last=True) == first_colour + 4
    assert colour_media.video_frame_count(path) * FRAME == pytest.approx(2, abs=FRAME + 1e-3)


@pytest.mark.parametrize("name,first_colour,seconds", colour_media.KINDS)
def test_copy_counts_from_first_frame(server, tmp_path, colour_folder, name, first_colour, seconds):
    clip = export_colour_clip(server, tmp_path, colour_folder / name, "copy")
    start, end = clip["start_seconds"], clip["end_seconds"]
    # The keyframe before 3 s: 2 s for H.264 with a keyframe every 2 s, 2.88 s for MPEG-2.
    assert 1.9 < start <= 3
    assert end >= 5 - 1e-3
    assert clip["snapped_to_keyframe"] == (start < 3 - 5e-4)
    path = Path(clip["output_path"])
    assert colour_media.frame_colour(path) == first_colour + int(start + 1e-3)
    assert colour_media.video_frame_count(path) * FRAME == pytest.approx(end - start, abs=0.1)


def test_copy_from_only_keyframe_of_transport_stream(server, tmp_path, colour_folder):
    clip = export_colour_clip(server, tmp_path, colour_folder / "onekey.mts", "copy")
    assert clip["start_seconds"] == pytest.approx(0, abs=1e-3)
    assert clip["end_seconds"] >= 5 - 1e-3
    assert clip["snapped_to_keyframe"] is True
    assert colour_media.frame_colour(Path(clip["output_path"])) == 0


def test_reencode_from_only_keyframe_of_transport_stream(server, tmp_path, colour_folder):
    clip = export_colour_clip(server, tmp_path, colour_folder / "onekey.mts", "reencode")
    assert clip["start_seconds"] == pytest.approx(3, abs=1e-3)
    assert colour_media.frame_colour(Path(clip["output_path"])) == 3
    assert colour_media.frame_colour(Path(clip["output_path"]), last=True) == 4


@pytest.mark.parametrize("mode", ["copy", "reencode"])
def test_still_image_cannot_be_cut(server, tmp_path, colour_folder, mode):
    response = server.post("/export/clips", {
        "clips": [{"media_path": str(colour_folder / "still.jpg"), "start": 0, "end": 1}],
        "output_dir": str(tmp_path), "mode": mode})
    assert response.status_code == 200, response.text
    assert response.json()["clips"] == []
    assert "stills cannot be cut into clips" in response.json()["errors"][0]["error"]
