"""POST /media/metadata and HDR thumbnails through the real server."""

import base64
import subprocess

import numpy

from test_walking_skeleton import analyse_and_collect

PHOTOS = "/usr/lib/python3/dist-packages/skimage/data"


def test_metadata_reports_hdr_and_frame_rate(server, test_media_dir):
    paths = [str(test_media_dir / name) for name in ("hdr-pq.mp4", "vfr.mp4", "interlaced.ts", "empty.mp4")]
    response = server.post("/media/metadata", {"media_paths": paths})
    assert response.status_code == 200, response.text
    body = response.json()
    pq, vfr, interlaced = body["metadata"]
    assert pq["hdr_transfer"] == "smpte2084"
    assert pq["pixel_format"] == "yuv420p10le"
    assert pq["bit_depth"] == 10
    assert pq["variable_frame_rate"] is False
    assert vfr["variable_frame_rate"] is True
    assert vfr["hdr_transfer"] is None
    assert interlaced["interlaced"] is True
    assert interlaced["video_codec"] == "mpeg2video"
    assert [error["media_path"] for error in body["errors"]] == [paths[3]]


def test_metadata_reports_analysed_kinds(server, test_media_dir, tmp_path):
    video = str(test_media_dir / "short.mp4")
    _, events = analyse_and_collect(server, {"media_paths": [video], "cache_dir": str(tmp_path), "speech": False})
    assert events[-1]["status"] == "completed", events[-1]
    response = server.post("/media/metadata", {"media_paths": [video], "cache_dir": str(tmp_path)})
    assert response.status_code == 200, response.text
    meta = response.json()["metadata"][0]
    assert meta["analyzed"] == {"visual": True, "speech": False, "faces": False}


def decode_rgb(data, width, height):
    """Decode an image (bytes or a path) to RGB24 at width x height with the ffmpeg CLI."""
    source = ["-i", "-"] if isinstance(data, bytes) else ["-i", str(data)]
    result = subprocess.run(
        ["ffmpeg", "-v", "error", *source, "-vf", f"scale={width}:{height}", "-f", "rawvideo", "-pix_fmt", "rgb24", "-"],
        input=data if isinstance(data, bytes) else None, capture_output=True, check=True)
    return numpy.frombuffer(result.stdout, dtype=numpy.uint8).astype(float)


def test_hdr_thumbnail_is_tone_mapped(server, test_media_dir, tmp_path):
    response = server.post("/thumbnails", {"cache_dir": str(tmp_path), "max_size": 640, "requests": [
        {"media_path": str(test_media_dir / "hdr-pq.mp4"), "time_seconds": 1}]})
    assert response.status_code == 200, response.text
    thumbnail = base64.b64decode(response.json()["thumbnails"][0]["thumbnail"])
    sdr = decode_rgb(PHOTOS + "/coffee.png", 640, 360)
    mapped = decode_rgb(thumbnail, 640, 360)
    # Without tone mapping the PQ picture differs from the SDR photo by about 34 levels.
    assert numpy.abs(mapped - sdr).mean() < 16
