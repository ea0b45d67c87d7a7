"""Premiere Pro (FCP7 XML) export through the real server, read back with OpenTimelineIO."""

import subprocess
import urllib.parse
import xml.etree.ElementTree as ElementTree

import opentimelineio as otio
import pytest

PHOTO_DIR = "/usr/lib/python3/dist-packages/skimage/data"
NTSC_30 = 30000 / 1001


def make_video(path, rate, seconds, extra=()):
    """A video of two real photos (cut halfway) with a 440 Hz stereo tone, at `rate` fps."""
    subprocess.run(
        ["ffmpeg", "-v", "error", "-y",
         "-loop", "1", "-t", str(seconds / 2), "-i", f"{PHOTO_DIR}/chelsea.png",
         "-loop", "1", "-t", str(seconds / 2), "-i", f"{PHOTO_DIR}/coffee.png",
         "-f", "lavfi", "-i", f"sine=frequency=440:sample_rate=48000:duration={seconds}",
         "-filter_complex",
         "[0:v]scale=640:360:force_original_aspect_ratio=decrease,pad=640:360:(ow-iw)/2:(oh-ih)/2,setsar=1[a];"
         "[1:v]scale=640:360:force_original_aspect_ratio=decrease,pad=640:360:(ow-iw)/2:(oh-ih)/2,setsar=1[b];"
         f"[a][b]concat=n=2:v=1:a=0,fps={rate},format=yuv420p[v];[2:a]aformat=channel_layouts=stereo[s]",
         "-map", "[v]", "-map", "[s]", "-c:v", "libx264", "-preset", "ultrafast", "-g", "25",
         "-c:a", "aac", "-t", str(seconds), *extra, str(path)],
        check=True)


@pytest.fixture(scope="module")
def footage(tmp_path_factory):
    """Sources in a folder whose name has spaces, accents and CJK: 25 fps, 25 fps with start
    timecode 01:00:00:00, and 29.97 fps."""
    folder = tmp_path_factory.mktemp("premiere") / "Été 東京 rushes"
    folder.mkdir()
    plain = folder / "interview 25fps.mp4"
    make_video(plain, 25, 10)
    timecoded = folder / "caméra B 01h.mov"
    make_video(timecoded, 25, 8, ["-timecode", "01:00:00:00"])
    ntsc = folder / "b-roll 29.97.mp4"
    make_video(ntsc, "30000/1001", 6)
    return {"plain": plain, "timecoded": timecoded, "ntsc": ntsc}


# (media, start, end, seconds of start timecode)
CLIPS = [("plain", 1.0, 3.52, 0.0), ("timecoded", 2.04, 4.0, 3600.0), ("ntsc", 0.5, 2.0, 0.0),
         ("plain", 6.0, 7.0, 0.0)]


def clip_body(footage):
    return [{"media_path": str(footage[media]), "start": start, "end": end, "name": f"clip {index + 1}"}
            for index, (media, start, end, _) in enumerate(CLIPS)]


@pytest.fixture(scope="module")
def exported(server, footage, tmp_path_factory):
    path = tmp_path_factory.mktemp("xml") / "sequence 29.97.xml"
    response = server.post("/export/premiere-xml", {
        "clips": clip_body(footage), "sequence_name": "Interview – cut 1", "frame_rate": 29.97,
        "output_path": str(path)})
    assert response.status_code == 200, response.text
    return path, response.json()


def test_response_counts_clips(exported):
    path, payload = exported
    assert payload["output_path"] == str(path)
    assert payload["clip_count"] == 4
    assert abs(payload["frame_rate"] - NTSC_30) < 1e-9


def test_ntsc_sequence_rate(exported):
    path, _ = exported
    root = ElementTree.parse(path).getroot()
    assert root.tag == "xmeml"
    assert root.get("version") == "4"
    sequence = root.find("sequence")
    assert sequence.findtext("name") == "Interview – cut 1"
    assert sequence.findtext("rate/timebase") == "30"
    assert sequence.findtext("rate/ntsc") == "TRUE"
    for clipitem in root.iter("clipitem"):
        assert clipitem.findtext("rate/timebase") == "30"
        assert clipitem.findtext("rate/ntsc") == "TRUE"


def test_otio_reads_every_clip(exported, footage):
    path, _ = exported
    timeline = otio.adapters.read_from_file(str(path), adapter_name="fcp_xml")
    video = [track for track in timeline.tracks if track.kind == otio.schema.TrackKind.Video]
    assert len(video) == 1
    clips = list(video[0].find_clips())
    assert len(clips) == len(CLIPS)
    frame = 1 / NTSC_30
    timeline_position = 0.0
    for clip, (media, start, end, timecode_seconds) in zip(clips, CLIPS):
        source = clip.source_range
        assert abs(source.start_time.rate - NTSC_30) < 1e-6
        # On the 29.97 grid: in is a whole sequence frame within half a frame of the request.
        in_frames = (source.start_time.to_seconds() - timecode_seconds) * NTSC_30
        assert abs(in_frames - round(in_frames)) < 1e-6
        assert abs(source.start_time.to_seconds() - (timecode_seconds + start)) <= frame / 2 + 1e-9
        assert abs(source.duration.to_seconds() - (end - start)) <= frame + 1e-9
        placed = clip.range_in_parent()
        assert abs(placed.start_time.to_seconds() - timeline_position) < 1e-9
        timeline_position += placed.duration.to_seconds()
        assert clip.media_reference.target_url.startswith("file://localhost/")
        assert urllib.parse.unquote(urllib.parse.urlparse(clip.media_reference.target_url).path) == str(footage[media])
    assert clips[0].name == "clip 1"


def test_source_timecode_kept_in_file(exported):
    path, _ = exported
    timeline = otio.adapters.read_from_file(str(path), adapter_name="fcp_xml")
    clips = list(timeline.video_tracks()[0].find_clips())
    available = clips[1].media_reference.available_range
    assert available.start_time.to_seconds() == pytest.approx(3600.0)
    assert available.start_time.rate == 25
    assert clips[0].media_reference.available_range.start_time.to_seconds() == 0
    # The timeline itself starts at zero, not at the source timecode.
    assert clips[1].range_in_parent().start_time.to_seconds() < 10
    root = ElementTree.parse(path).getroot()
    timecoded = [file for file in root.iter("file") if file.findtext("name") == "caméra B 01h.mov"]
    assert timecoded[0].findtext("timecode/string") == "01:00:00:00"
    assert timecoded[0].findtext("timecode/frame") == "90000"


def test_media_urls_percent_encoded(exported, footage):
    path, _ = exported
    root = ElementTree.parse(path).getroot()
    urls = {file.findtext("name"): file.findtext("pathurl") for file in root.iter("file") if file.find("pathurl") is not None}
    assert len(urls) == 3
    expected = "file://localhost" + urllib.parse.quote(str(footage["timecoded"]), safe="/")
    assert urls["caméra B 01h.mov"] == expected
    assert "%20" in expected
    assert "%C3%A9" in expected
    assert "%E6%9D%B1" in expected
    for url in urls.values():
        assert " " not in url
        assert url.isascii()


def test_file_rates_and_durations(exported):
    path, _ = exported
    timeline = otio.adapters.read_from_file(str(path), adapter_name="fcp_xml")
    clips = list(timeline.video_tracks()[0].find_clips())
    assert clips[0].media_reference.available_range.duration.rate == 25
    assert clips[0].media_reference.available_range.duration.to_seconds() == pytest.approx(10.0, abs=0.05)
    assert clips[2].media_reference.available_range.duration.rate == pytest.approx(NTSC_30)
    assert clips[2].media_reference.available_range.duration.to_seconds() == pytest.approx(6.0, abs=0.05)


def test_audio_clips_linked(exported):
    path, _ = exported
    root = ElementTree.parse(path).getroot()
    video_items = root.findall("sequence/media/video/track/clipitem")
    audio_items = root.findall("sequence/media/audio/track/clipitem")
    assert len(video_items) == len(audio_items) == len(CLIPS)
    ids = {item.get("id") for item in video_items + audio_items}
    for video_item, audio_item in zip(video_items, audio_items):
        assert video_item.findtext("start") == audio_item.findtext("start")
        assert video_item.findtext("in") == audio_item.findtext("in")
        for item in (video_item, audio_item):
            links = {link.findtext("mediatype"): link.findtext("linkclipref") for link in item.findall("link")}
            assert links == {"video": video_item.get("id"), "audio": audio_item.get("id")}
            assert set(links.values()) <= ids
    timeline = otio.adapters.read_from_file(str(path), adapter_name="fcp_xml")
    audio = timeline.audio_tracks()
    assert len(audio) == 1
    assert len(list(audio[0].find_clips())) == len(CLIPS)


def test_default_rate_is_first_clip(server, footage):
    response = server.post("/export/premiere-xml", {"clips": clip_body(footage)[:2], "sequence_name": "s"})
    assert response.status_code == 200, response.text
    payload = response.json()
    assert payload["frame_rate"] == 25
    timeline = otio.adapters.read_from_string(payload["xml"], adapter_name="fcp_xml")
    clips = list(timeline.video_tracks()[0].find_clips())
    assert clips[0].source_range.start_time.rate == 25
    assert clips[0].source_range.start_time.value == 25
    assert clips[0].source_range.duration.value == 63
    assert clips[1].range_in_parent().start_time.value == 63


def test_output_path_conflict(server, footage, exported):
    path, _ = exported
    response = server.post("/export/premiere-xml", {"clips": clip_body(footage), "output_path": str(path)})
    assert response.status_code == 409, response.text


@pytest.mark.parametrize("clip,fragment", [
    ({"start": 3, "end": 2}, "clips[0].end"),
    ({"start": "soon"}, "clips[0].start"),
    ({"media_path": "relative.mp4"}, "relative.mp4"),
    ({"media_path": "/nonexistent/clip.mp4"}, "/nonexistent/clip.mp4"),
    ({"start": 60, "end": 70}, "clips[0]"),
])
def test_invalid_clip_rejected(server, footage, clip, fragment):
    body = {"media_path": str(footage["plain"]), "start": 1, "end": 2, **clip}
    response = server.post("/export/premiere-xml", {"clips": [body]})
    assert response.status_code == 400, response.text
    assert fragment in response.json()["message"]


def test_invalid_frame_rate_rejected(server, footage):
    response = server.post("/export/premiere-xml", {"clips": clip_body(footage), "frame_rate": -5})
    assert response.status_code == 400, response.text
    assert "frame_rate" in response.json()["message"]


@pytest.mark.parametrize("frame_rate,timebase,ntsc", [(23.976, "24", "TRUE"), (59.94, "60", "TRUE"), (25, "25", "FALSE"),
                                                      (30, "30", "FALSE")])
def test_requested_rates_map_to_timebase(server, footage, frame_rate, timebase, ntsc):
    response = server.post("/export/premiere-xml", {"clips": clip_body(footage)[:1], "frame_rate": frame_rate})
    assert response.status_code == 200, response.text
    sequence = ElementTree.fromstring(response.json()["xml"]).find("sequence")
    assert sequence.findtext("rate/timebase") == timebase
    assert sequence.findtext("rate/ntsc") == ntsc
    timeline = otio.adapters.read_from_string(response.json()["xml"], adapter_name="fcp_xml")
    clip = list(timeline.video_tracks()[0].find_clips())[0]
    # Clip 1 runs from 1.0 s to 3.52 s: its in point is the sequence frame nearest 1.0 s.
    rate = int(timebase) * 1000 / 1001 if ntsc == "TRUE" else int(timebase)
    assert clip.source_range.start_time.value == round(1.0 * rate)
    assert clip.source_range.duration.value == round(3.52 * rate) - round(1.0 * rate)
