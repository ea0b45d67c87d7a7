"""POST /media/metadata through the real server: extension fields and analysed flags."""

from test_walking_skeleton import analyse_and_collect


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
