"""Faces through the real server: face analysis in /analyze, the face-cluster API and people_filter.

scripts/make-face-test-media.sh makes the videos with the ffmpeg CLI from real photos. They
show Obama in three different photos (one as a rotated phone clip), Biden, Grace Hopper and
Eileen Collins, and a scene with Hopper and Biden side by side in every frame.
"""

import base64
import shutil
import subprocess
from pathlib import Path

import pytest

from conftest import REPO
from test_walking_skeleton import start_and_collect

VIDEOS = ["obama-biden.mp4", "obama2-hopper.mp4", "phone-obama3.mov", "hopper-biden.mp4", "collins.mp4"]
PEOPLE = ["Obama", "Biden", "Hopper", "Collins"]


def person_in(face):
    """Return who the layout of the test videos puts at this face's frame and position."""
    video = Path(face["video_path"]).name
    frame = int(face["frame_idx"])
    x, _, width, _ = face["bbox"]
    if video == "obama-biden.mp4":
        return "Obama" if frame < 6 else "Biden"
    if video == "obama2-hopper.mp4":
        return "Obama" if frame < 6 else "Hopper"
    if video == "phone-obama3.mov":
        return "Obama"
    if video == "hopper-biden.mp4":
        return "Hopper" if x + width / 2 < 640 else "Biden"
    return "Collins"


def all_faces(server, cache_dir, collection="default"):
    response = server.post("/faces/clusters/faces", {
        "cache_dir": str(cache_dir), "cluster_job_name": collection, "limit": 2000})
    assert response.status_code == 200, response.text
    return response.json()["faces"]


def clusters_of(server, cache_dir, collection="default"):
    response = server.get(f"/faces/clusters?cache_dir={cache_dir}&cluster_job_name={collection}")
    assert response.status_code == 200, response.text
    return response.json()


def people_by_cluster(faces):
    """Map each cluster id to the set of people its faces show."""
    result = {}
    for face in faces:
        if face["cluster_id"] is not None:
            result.setdefault(face["cluster_id"], set()).add(person_in(face))
    return result


def cluster_of_person(faces, person):
    clusters = {face["cluster_id"] for face in faces if face["cluster_id"] and person_in(face) == person}
    assert len(clusters) == 1, f"{person} is in clusters {clusters}"
    return clusters.pop()


@pytest.fixture(scope="module")
def face_videos(test_media_dir, tmp_path_factory):
    made = test_media_dir / "face-videos"
    subprocess.run([str(REPO / "scripts/make-face-test-media.sh"), str(test_media_dir / "faces"), str(made)],
                   check=True)
    folder = tmp_path_factory.mktemp("face footage")
    for name in VIDEOS:
        shutil.copy(made / name, folder / name)
    return folder


@pytest.fixture(scope="module")
def analysed(server, face_videos, tmp_path_factory):
    cache_dir = tmp_path_factory.mktemp("faces-cache")
    _, events = start_and_collect(server, "/analyze", {
        "media_paths": [str(face_videos)], "cache_dir": str(cache_dir), "faces": True, "speech": False})
    return cache_dir, events


def test_analysis_finds_faces_with_progress(analysed):
    _, events = analysed
    final = events[-1]
    assert final["status"] == "completed", final
    assert len(final["results"]) == len(VIDEOS)
    for result in final["results"]:
        assert result["analyses"]["faces"] == "completed", result
    face_events = [event for event in events if event["type"] == "faces" and event["status"] == "running"]
    stages = {event["stage"] for event in face_events}
    assert "faces" in stages
    assert "clustering" in stages
    for event in face_events:
        assert 0 <= event["progress"] <= 100
    overall = [event["overall_progress"] for event in events]
    assert overall == sorted(overall)


def test_each_person_forms_one_cluster(server, analysed):
    cache_dir, _ = analysed
    faces = all_faces(server, cache_dir)
    clustered = [face for face in faces if face["cluster_id"] is not None]
    for cluster_id, people in people_by_cluster(faces).items():
        assert len(people) == 1, f"cluster {cluster_id} mixes {people}"
    for person in PEOPLE:
        cluster_of_person(faces, person)
        count = sum(1 for face in clustered if person_in(face) == person)
        assert count >= 6, f"{person} has only {count} clustered faces"
    assert len(people_by_cluster(faces)) == len(PEOPLE)


def test_obama_cluster_spans_three_photos(server, analysed):
    cache_dir, _ = analysed
    faces = all_faces(server, cache_dir)
    obama = cluster_of_person(faces, "Obama")
    videos = {Path(face["video_path"]).name for face in faces if face["cluster_id"] == obama}
    assert videos == {"obama-biden.mp4", "obama2-hopper.mp4", "phone-obama3.mov"}
    summary = next(c for c in clusters_of(server, cache_dir)["clusters"] if c["cluster_id"] == obama)
    assert summary["face_count"] == 18
    assert summary["media_count"] == 3
    assert base64.b64decode(summary["thumbnail"])[:2] == b"\xff\xd8"


def test_two_people_of_one_frame_differ(server, analysed):
    cache_dir, _ = analysed
    faces = [face for face in all_faces(server, cache_dir) if Path(face["video_path"]).name == "hopper-biden.mp4"]
    by_frame = {}
    for face in faces:
        by_frame.setdefault(face["frame_idx"], []).append(face)
    assert len(by_frame) == 6
    for frame, pair in by_frame.items():
        assert len(pair) == 2, f"frame {frame} has {len(pair)} faces"
        assert pair[0]["cluster_id"] is not None
        assert pair[1]["cluster_id"] is not None
        assert pair[0]["cluster_id"] != pair[1]["cluster_id"], f"frame {frame}"


def test_phone_clip_boxes_are_in_displayed_pixels(server, analysed, face_videos):
    cache_dir, _ = analysed
    faces = [face for face in all_faces(server, cache_dir) if Path(face["video_path"]).name == "phone-obama3.mov"]
    assert len(faces) == 6
    for face in faces:
        x, y, width, height = face["bbox"]
        assert x + width <= 720, face["bbox"]
        assert y + height <= 1280, face["bbox"]
        # the face is in the upper half of the upright portrait frame
        assert y + height / 2 < 640, face["bbox"]
    response = server.post("/media/metadata", {
        "media_paths": [str(face_videos / "phone-obama3.mov")], "cache_dir": str(cache_dir)})
    assert response.json()["metadata"][0]["analyzed"]["faces"] is True


def test_face_pages_and_limits(server, analysed):
    cache_dir, _ = analysed
    body = {"cache_dir": str(cache_dir), "cluster_job_name": "default"}
    everything = server.post("/faces/clusters/faces", {**body, "limit": 2000}).json()
    first = server.post("/faces/clusters/faces", {**body, "limit": 5, "offset": 0}).json()
    second = server.post("/faces/clusters/faces", {**body, "limit": 5, "offset": 5}).json()
    assert first["total"] == everything["total"]
    assert [face["face_id"] for face in first["faces"] + second["faces"]] == \
        [face["face_id"] for face in everything["faces"][:10]]
    assert server.post("/faces/clusters/faces", body).json()["limit"] == 500

    too_many = server.post("/faces/clusters/faces", {**body, "limit": 2001})
    assert too_many.status_code == 400
    assert "limit" in too_many.json()["message"]

    cluster = clusters_of(server, cache_dir)["clusters"][0]
    wins = server.post("/faces/clusters/faces", {
        **body, "cluster_id": "no-such-cluster", "cluster_ids": [cluster["cluster_id"]]})
    assert wins.status_code == 200, wins.text
    assert wins.json()["total"] == cluster["face_count"]
    assert {face["cluster_id"] for face in wins.json()["faces"]} == {cluster["cluster_id"]}


def test_samples_are_crops_of_each_cluster(server, analysed):
    cache_dir, _ = analysed
    response = server.post("/faces/clusters/samples", {
        "cache_dir": str(cache_dir), "cluster_job_name": "default", "samples_per_cluster": 3})
    assert response.status_code == 200, response.text
    samples = response.json()["samples"]
    assert len(samples) == len(PEOPLE)
    for cluster_id, faces in samples.items():
        assert len(faces) == 3
        for face in faces:
            assert face["cluster_id"] == cluster_id
            assert base64.b64decode(face["image"])[:2] == b"\xff\xd8"


def test_unknown_names_are_404(server, analysed):
    cache_dir, _ = analysed
    missing = server.get(f"/faces/clusters?cache_dir={cache_dir}&cluster_job_name=nobody-here")
    assert missing.status_code == 404
    assert "nobody-here" in missing.json()["message"]
    cluster = server.post("/faces/clusters/faces", {
        "cache_dir": str(cache_dir), "cluster_job_name": "default", "cluster_id": "999999"})
    assert cluster.status_code == 404
    assert "999999" in cluster.json()["message"]
    rename = server.put("/faces/clusters/names", {
        "cache_dir": str(cache_dir), "assignments": [{"cluster_id": "999999", "name": "X"}]})
    assert rename.status_code == 404
    person = server.post("/search/text", {
        "query": "a person", "cache_dir": str(cache_dir), "search_all": True,
        "people_filter": [{"cluster_job_name": "default", "person_name": "Nobody Known"}]})
    assert person.status_code == 404
    assert "Nobody Known" in person.json()["message"]


def test_bad_fields_are_400(server, analysed):
    cache_dir, _ = analysed
    eps = server.post("/faces/recluster", {"cache_dir": str(cache_dir), "eps": -1})
    assert eps.status_code == 400
    assert "eps" in eps.json()["message"]
    mode = server.post("/search/text", {
        "query": "a person", "cache_dir": str(cache_dir), "people_mode": "some",
        "people_filter": [{"cluster_job_name": "default", "cluster_id": "1"}]})
    assert mode.status_code == 400
    assert "people_mode" in mode.json()["message"]
    name = server.get(f"/faces/clusters?cache_dir={cache_dir}&cluster_job_name=../escape")
    assert name.status_code == 400
    assert "cluster_job_name" in name.json()["message"]


@pytest.fixture(scope="module")
def named(server, analysed):
    cache_dir, _ = analysed
    faces = all_faces(server, cache_dir)
    assignments = [{"cluster_id": cluster_of_person(faces, person), "name": person} for person in PEOPLE]
    response = server.put("/faces/clusters/names", {
        "cache_dir": str(cache_dir), "cluster_job_name": "default", "assignments": assignments})
    assert response.status_code == 200, response.text
    assert response.json()["updated"] == len(PEOPLE)
    return cache_dir


def test_names_survive_recluster(server, named):
    cache_dir = named
    task_id, events = start_and_collect(server, "/faces/recluster", {
        "cache_dir": str(cache_dir), "cluster_job_name": "default", "eps": 0.48, "min_samples": 5})
    assert events[-1]["status"] == "completed", events[-1]
    assert all(event["type"] == "recluster" for event in events)
    assert server.get(f"/tasks/{task_id}").json()["status"] == "completed"

    clusters = clusters_of(server, cache_dir)["clusters"]
    names = {cluster["cluster_id"]: cluster["name"] for cluster in clusters}
    for cluster_id, people in people_by_cluster(all_faces(server, cache_dir)).items():
        assert len(people) == 1
        assert names[cluster_id] == people.pop()


def test_people_filter_on_a_name(server, named):
    cache_dir = named
    faces = all_faces(server, cache_dir)
    frames_of = {}
    for face in faces:
        if face["cluster_id"] is not None:
            frames_of.setdefault(person_in(face), set()).add((face["hash_str"], face["frame_idx"]))

    def search(people, mode="all"):
        response = server.post("/search/text", {
            "query": "a person", "cache_dir": str(cache_dir), "search_all": True, "max_results": 200,
            "include_images": False, "per_scene": False, "people_mode": mode,
            "people_filter": [{"cluster_job_name": "default", "person_name": name} for name in people]})
        assert response.status_code == 200, response.text
        return response.json()["matches"]

    biden = search(["biden"])
    assert {(match["hash_str"], match["frame_idx"]) for match in biden} == frames_of["Biden"]
    # original_index is the position in the same search without the people filter
    unfiltered = server.post("/search/text", {
        "query": "a person", "cache_dir": str(cache_dir), "search_all": True, "max_results": 200,
        "include_images": False, "per_scene": False}).json()["matches"]
    position = {(match["hash_str"], match["frame_idx"]): index for index, match in enumerate(unfiltered)}
    for match in biden:
        assert match["original_index"] == position[(match["hash_str"], match["frame_idx"])]

    both = search(["Biden", "Hopper"])
    assert {Path(match["video_path"]).name for match in both} == {"hopper-biden.mp4"}
    either = search(["Biden", "Hopper"], mode="any")
    assert {(m["hash_str"], m["frame_idx"]) for m in either} == frames_of["Biden"] | frames_of["Hopper"]


def test_people_filter_in_frame_and_image_search(server, named, face_videos, test_media_dir):
    cache_dir = named
    hopper_frames = {(face["hash_str"], face["frame_idx"]) for face in all_faces(server, cache_dir)
                     if face["cluster_id"] is not None and person_in(face) == "Hopper"}
    people = [{"cluster_job_name": "default", "person_name": "Hopper"}]
    common = {"cache_dir": str(cache_dir), "search_all": True, "max_results": 200, "include_images": False,
              "per_scene": False, "people_filter": people}
    frame = server.post("/search/frame", {**common, "media_path": str(face_videos / "obama-biden.mp4"),
                                          "time_seconds": 2})
    assert frame.status_code == 200, frame.text
    assert {(m["hash_str"], m["frame_idx"]) for m in frame.json()["matches"]} == hopper_frames
    image = server.post("/search/image", {
        **common, "image_path": str(test_media_dir / "faces" / "grace_hopper_512x512.jpg")})
    assert image.status_code == 200, image.text
    assert {(m["hash_str"], m["frame_idx"]) for m in image.json()["matches"]} == hopper_frames


def test_models_report_the_face_model(server, analysed):
    loaded = server.get("/models/loaded").json()
    assert loaded["faces"]["model_key"] == "dlib-resnet-128"
    available = server.get("/models/available").json()["faces"]
    assert available[0]["model_key"] == "dlib-resnet-128"
    assert available[0]["downloaded"] is True
    assert available[0]["embedding_dim"] == 128


def test_load_and_cache_paths_report_faces(server, analysed, face_videos):
    cache_dir, _ = analysed
    loaded = server.post("/analysis-data/load", {"cache_dir": str(cache_dir)}).json()
    total = server.post("/faces/clusters/faces", {"cache_dir": str(cache_dir), "limit": 1}).json()["total"]
    assert loaded["faces"] == total
    assert all(media["faces"] for media in loaded["media"])
    paths = server.post("/cache-paths", {
        "cache_dir": str(cache_dir), "media_paths": [str(face_videos / "collins.mp4")]}).json()
    faces_file = paths["cache_paths"][0]["files"]["faces"]
    assert faces_file is not None
    assert Path(faces_file).is_file()


@pytest.fixture(scope="module")
def edits(server, analysed, face_videos):
    """A second collection of the same footage, for edits; it reuses the stored faces."""
    cache_dir, _ = analysed
    face_files = sorted(cache_dir.glob("*/faces.jsonl"))
    before = [path.stat().st_mtime_ns for path in face_files]
    _, events = start_and_collect(server, "/analyze", {
        "media_paths": [str(face_videos)], "cache_dir": str(cache_dir), "faces": True, "speech": False,
        "cluster_job_name": "edits"})
    assert events[-1]["status"] == "completed", events[-1]
    return cache_dir, face_files, before


def test_second_collection_reuses_stored_faces(server, edits):
    cache_dir, face_files, before = edits
    assert len(face_files) == len(VIDEOS)
    assert [path.stat().st_mtime_ns for path in face_files] == before
    assert len(all_faces(server, cache_dir, "edits")) == len(all_faces(server, cache_dir))


def test_merge_joins_two_clusters(server, edits):
    cache_dir = edits[0]
    faces = all_faces(server, cache_dir, "edits")
    obama = cluster_of_person(faces, "Obama")
    collins = cluster_of_person(faces, "Collins")
    response = server.post("/faces/clusters/modify", {
        "cache_dir": str(cache_dir), "cluster_job_name": "edits",
        "merges": [{"cluster_ids": [collins], "target_cluster_id": obama}]})
    assert response.status_code == 200, response.text
    assert response.json()["merged"] == 1
    assert [cluster["cluster_id"] for cluster in response.json()["clusters"]] == [obama]
    after = all_faces(server, cache_dir, "edits")
    assert {person_in(face) for face in after if face["cluster_id"] == obama} == {"Obama", "Collins"}
    assert collins not in {face["cluster_id"] for face in after}


def test_move_to_new_and_existing_cluster(server, edits):
    cache_dir = edits[0]
    faces = all_faces(server, cache_dir, "edits")
    hopper = cluster_of_person(faces, "Hopper")
    biden_faces = [face["face_id"] for face in faces if person_in(face) == "Biden" and face["cluster_id"]]
    hopper_alone = [face["face_id"] for face in faces
                    if person_in(face) == "Hopper" and Path(face["video_path"]).name == "obama2-hopper.mp4"]

    to_new = server.post("/faces/clusters/modify", {
        "cache_dir": str(cache_dir), "cluster_job_name": "edits",
        "moves": [{"face_ids": biden_faces[:2], "target_cluster_id": None}]})
    assert to_new.status_code == 200, to_new.text
    assert to_new.json()["moved"] == 2
    after = {face["face_id"]: face for face in all_faces(server, cache_dir, "edits")}
    new_cluster = after[biden_faces[0]]["cluster_id"]
    assert new_cluster == after[biden_faces[1]]["cluster_id"]
    assert [face_id for face_id, face in after.items() if face["cluster_id"] == new_cluster] == biden_faces[:2]

    to_existing = server.post("/faces/clusters/modify", {
        "cache_dir": str(cache_dir), "cluster_job_name": "edits",
        "moves": [{"face_ids": [biden_faces[2]], "target_cluster_id": hopper}]})
    assert to_existing.status_code == 200, to_existing.text
    after = {face["face_id"]: face for face in all_faces(server, cache_dir, "edits")}
    assert after[biden_faces[2]]["cluster_id"] == hopper
    assert all(after[face_id]["cluster_id"] == hopper for face_id in hopper_alone)

    unknown = server.post("/faces/clusters/modify", {
        "cache_dir": str(cache_dir), "cluster_job_name": "edits",
        "moves": [{"face_ids": ["no-such-face"], "target_cluster_id": hopper}]})
    assert unknown.status_code == 404
    assert "no-such-face" in unknown.json()["message"]


def test_recluster_can_clear_names(server, named):
    cache_dir = named
    _, events = start_and_collect(server, "/faces/recluster", {
        "cache_dir": str(cache_dir), "cluster_job_name": "default", "auto_detect_params": True,
        "clear_names": True})
    assert events[-1]["status"] == "completed", events[-1]
    assert "eps" in events[-1]["message"]
    clusters = clusters_of(server, cache_dir)["clusters"]
    assert all(cluster["name"] is None for cluster in clusters)
    for cluster_id, people in people_by_cluster(all_faces(server, cache_dir)).items():
        assert len(people) == 1, f"cluster {cluster_id} mixes {people} after automatic parameters"


def test_photo_faces_and_bad_file_fail_alone(server, test_media_dir, tmp_path_factory):
    folder = tmp_path_factory.mktemp("photo footage")
    photo = folder / "hopper.jpg"
    shutil.copy(test_media_dir / "faces" / "grace_hopper_512x512.jpg", photo)
    broken = folder / "broken.mp4"
    broken.write_bytes(b"not a video at all")
    cache_dir = tmp_path_factory.mktemp("photo-cache")
    _, events = start_and_collect(server, "/analyze", {
        "media_paths": [str(photo), str(broken)], "cache_dir": str(cache_dir), "faces": True,
        "speech": False, "cluster_job_name": "photos"})
    final = events[-1]
    assert final["status"] == "completed", final
    results = {Path(result["media_path"]).name: result for result in final["results"]}
    assert results["hopper.jpg"]["analyses"]["faces"] == "completed"
    assert results["broken.mp4"]["status"] == "failed"
    assert results["broken.mp4"]["error"]

    faces = all_faces(server, cache_dir, "photos")
    assert len(faces) == 1
    assert faces[0]["frame_idx"] == "0"
    x, y, width, height = faces[0]["bbox"]
    assert 0 <= x
    assert x + width <= 512
    assert 0 <= y
    assert y + height <= 512
    # one face is too few for a cluster of min_samples 5
    assert faces[0]["cluster_id"] is None
    assert clusters_of(server, cache_dir, "photos")["unclustered_faces"] == 1
