"""Transcript export through the real server: txt, csv, srt, vtt, docx and pdf, read back."""

import base64
import csv
import io
import json
import re
import subprocess
from pathlib import Path

import docx
import pytest
from PIL import Image

from test_walking_skeleton import analyse_and_collect

LIBRIVOX = "/usr/share/pocketsphinx/test/data/librivox"
PHOTO_DIR = "/usr/lib/python3/dist-packages/skimage/data"
# "he was not an ill disposed young man", spoken after 2 s of silence.
SPEECH_FILE = f"{LIBRIVOX}/sense_and_sensibility_01_austen_64kb-0880.wav"

ENGLISH = "The quarterly results were better than expected."
JAPANESE = "四半期の業績は予想を上回りました。"
ARABIC = "كانت النتائج الفصلية أفضل من المتوقع"
# The emoji is in none of the main fonts: the PDF falls back to a symbol font (Noto Sans Symbols 2).
QUOTED = 'He said "hello, world" twice 🎬'
# Segments as a speech model might store them: the third starts before the second and the
# fourth ends at its start, so the export has to sort and repair times.
MULTILINGUAL_SEGMENTS = [
    (1.0, 3.5, ENGLISH),
    (5.0, 7.0, ARABIC),
    (3.5, 5.2, JAPANESE),
    (8.0, 8.0, QUOTED),
    (9.0, 9.5, "   "),
]
EXPECTED_TEXTS = [ENGLISH, JAPANESE, ARABIC, QUOTED]


def make_video(path, photo, audio_args):
    subprocess.run(
        ["ffmpeg", "-v", "error", "-y", "-loop", "1", "-framerate", "5", "-i", f"{PHOTO_DIR}/{photo}",
         *audio_args, "-map", "0:v", "-map", "[a]", "-c:v", "libx264", "-preset", "ultrafast",
         "-pix_fmt", "yuv420p", "-vf", "scale=320:-2", "-c:a", "aac", "-shortest", str(path)],
        check=True)


@pytest.fixture(scope="module")
def transcribed(server, tmp_path_factory):
    """Two analysed videos: one with real speech, one whose speech.json is replaced by chosen
    English, Japanese and Arabic segments."""
    folder = tmp_path_factory.mktemp("export media")
    speech = folder / "interview clip.mp4"
    make_video(speech, "chelsea.png",
               ["-f", "lavfi", "-t", "2", "-i", "anullsrc=r=16000:cl=mono", "-i", SPEECH_FILE,
                "-filter_complex", "[1][2]concat=n=2:v=0:a=1[a]"])
    multilingual = folder / "réunion 会議 اجتماع.mp4"
    make_video(multilingual, "coffee.png",
               ["-f", "lavfi", "-t", "10", "-i", "anullsrc=r=16000:cl=mono", "-filter_complex", "[1]anull[a]"])
    untranscribed = folder / "not analysed.mp4"
    make_video(untranscribed, "rocket.jpg",
               ["-f", "lavfi", "-t", "2", "-i", "anullsrc=r=16000:cl=mono", "-filter_complex", "[1]anull[a]"])

    cache_dir = tmp_path_factory.mktemp("export-cache")
    _, events = analyse_and_collect(server, {
        "media_paths": [str(speech), str(multilingual)], "cache_dir": str(cache_dir),
        "speech_model": "whisper-base"})
    assert events[-1]["status"] == "completed", events[-1]

    response = server.post("/cache-paths", {"cache_dir": str(cache_dir), "media_paths": [str(multilingual)]})
    speech_json = Path(response.json()["cache_paths"][0]["files"]["speech"])
    assert speech_json.is_file(), response.text
    stored = json.loads(open(speech_json, encoding="utf-8").read())
    stored["segments"] = [
        {"id": index, "start": start, "end": end, "text": text, "words": []}
        for index, (start, end, text) in enumerate(MULTILINGUAL_SEGMENTS)
    ]
    with open(speech_json, "w", encoding="utf-8") as file:
        json.dump(stored, file, ensure_ascii=False)
    return {"cache_dir": cache_dir, "speech": speech, "multilingual": multilingual,
            "untranscribed": untranscribed}


def export(server, transcribed, media, format, **extra):
    body = {"cache_dir": str(transcribed["cache_dir"]), "media_path": str(transcribed[media]),
            "format": format, **extra}
    return server.post("/export/transcript", body)


def exported_bytes(server, transcribed, media, format, **extra):
    response = export(server, transcribed, media, format, **extra)
    assert response.status_code == 200, response.text
    payload = response.json()
    assert payload["filename"].endswith("." + format)
    return base64.b64decode(payload["content"]), payload


SRT_CUE = re.compile(
    r"(\d+)\n(\d\d):(\d\d):(\d\d),(\d{3}) --> (\d\d):(\d\d):(\d\d),(\d{3})\n(.+?)\n\n", re.S)
VTT_CUE = re.compile(
    r"(\d\d):(\d\d):(\d\d)\.(\d{3}) --> (\d\d):(\d\d):(\d\d)\.(\d{3})\n(.+?)\n\n", re.S)


def seconds(hours, minutes, secs, millis):
    return int(hours) * 3600 + int(minutes) * 60 + int(secs) + int(millis) / 1000


def test_srt_cues_sorted_and_repaired(server, transcribed):
    content, payload = exported_bytes(server, transcribed, "multilingual", "srt")
    assert payload["mime_type"] == "application/x-subrip"
    text = content.decode("utf-8")
    cues = SRT_CUE.findall(text)
    assert "".join(match.group(0) for match in SRT_CUE.finditer(text)) == text
    assert [int(cue[0]) for cue in cues] == [1, 2, 3, 4]
    assert [cue[9] for cue in cues] == EXPECTED_TEXTS
    starts = [seconds(*cue[1:5]) for cue in cues]
    ends = [seconds(*cue[5:9]) for cue in cues]
    assert starts == [1.0, 3.5, 5.0, 8.0]
    assert starts == sorted(starts)
    for start, end in zip(starts, ends):
        assert end > start
    # The Japanese cue ran to 5.2 s, past the Arabic start: it is cut back so cues never overlap.
    assert ends[1] == 5.0
    assert ends[3] == 8.001


def test_vtt_header_and_cues(server, transcribed):
    content, payload = exported_bytes(server, transcribed, "multilingual", "vtt")
    assert payload["mime_type"].startswith("text/vtt")
    text = content.decode("utf-8")
    assert text.startswith("WEBVTT\n\n")
    cues = VTT_CUE.findall(text[len("WEBVTT\n\n"):])
    assert [cue[8] for cue in cues] == [ENGLISH, JAPANESE, ARABIC, QUOTED]
    starts = [seconds(*cue[0:4]) for cue in cues]
    ends = [seconds(*cue[4:8]) for cue in cues]
    assert starts == sorted(starts)
    assert all(end > start for start, end in zip(starts, ends))


def test_txt_with_and_without_timestamps(server, transcribed):
    content, payload = exported_bytes(server, transcribed, "multilingual", "txt")
    assert payload["filename"] == "réunion 会議 اجتماع.txt"
    lines = content.decode("utf-8").splitlines()
    assert lines[0] == f"[00:00:01.000 - 00:00:03.500] {ENGLISH}"
    assert lines[2] == f"[00:00:05.000 - 00:00:07.000] {ARABIC}"
    plain, _ = exported_bytes(server, transcribed, "multilingual", "txt", include_timestamps=False)
    assert plain.decode("utf-8").splitlines() == EXPECTED_TEXTS


def test_csv_quoting_round_trip(server, transcribed):
    content, payload = exported_bytes(server, transcribed, "multilingual", "csv")
    assert payload["mime_type"].startswith("text/csv")
    assert content.startswith(b"\xef\xbb\xbf")
    assert b"\r\n" in content
    rows = list(csv.reader(io.StringIO(content.decode("utf-8-sig"), newline="")))
    assert rows[0] == ["start", "end", "text"]
    assert [row[2] for row in rows[1:]] == EXPECTED_TEXTS
    assert rows[1][:2] == ["00:00:01.000", "00:00:03.500"]
    assert '"He said ""hello, world"" twice 🎬"' in content.decode("utf-8-sig")
    plain, _ = exported_bytes(server, transcribed, "multilingual", "csv", include_timestamps=False)
    plain_rows = list(csv.reader(io.StringIO(plain.decode("utf-8-sig"), newline="")))
    assert plain_rows == [["text"]] + [[text] for text in EXPECTED_TEXTS]


def test_docx_opens_with_python_docx(server, transcribed):
    content, payload = exported_bytes(server, transcribed, "multilingual", "docx")
    assert payload["mime_type"] == "application/vnd.openxmlformats-officedocument.wordprocessingml.document"
    document = docx.Document(io.BytesIO(content))
    paragraphs = [paragraph.text for paragraph in document.paragraphs]
    assert paragraphs[0] == "réunion 会議 اجتماع.mp4"
    assert paragraphs[1:] == [
        f"[00:00:01.000 - 00:00:03.500] {ENGLISH}",
        f"[00:00:03.500 - 00:00:05.000] {JAPANESE}",
        f"[00:00:05.000 - 00:00:07.000] {ARABIC}",
        f"[00:00:08.000 - 00:00:08.001] {QUOTED}",
    ]
    arabic = document.paragraphs[3]._p
    assert arabic.pPr is not None
    assert arabic.pPr.find(docx.oxml.ns.qn("w:bidi")) is not None
    english = document.paragraphs[1]._p
    assert english.pPr is None
    assert document.core_properties.title == "réunion 会議 اجتماع.mp4"


def test_docx_without_timestamps(server, transcribed):
    content, _ = exported_bytes(server, transcribed, "multilingual", "docx", include_timestamps=False)
    document = docx.Document(io.BytesIO(content))
    assert [paragraph.text for paragraph in document.paragraphs][1:] == EXPECTED_TEXTS


@pytest.fixture(scope="module")
def pdf_file(server, transcribed, tmp_path_factory):
    path = tmp_path_factory.mktemp("pdf") / "multilingual transcript.pdf"
    response = export(server, transcribed, "multilingual", "pdf", output_path=str(path))
    assert response.status_code == 200, response.text
    assert response.json()["mime_type"] == "application/pdf"
    return path


def test_pdf_text_extracts_exactly(pdf_file):
    text = subprocess.run(["pdftotext", "-enc", "UTF-8", str(pdf_file), "-"],
                          capture_output=True, text=True, check=True).stdout
    # pdftotext wraps right-to-left runs in the embedding controls U+202B and U+202C.
    text = text.replace("\u202b", "").replace("\u202c", "")
    lines = [line.strip() for line in text.splitlines() if line.strip()]
    assert lines[0] == "réunion 会議 اجتماع.mp4"
    for expected in (ENGLISH, JAPANESE, ARABIC, QUOTED, "00:00:01.000 - 00:00:03.500"):
        assert expected in lines, lines


def test_pdf_arabic_aligned_right(pdf_file):
    layout = subprocess.run(["pdftotext", "-bbox", str(pdf_file), "-"],
                            capture_output=True, text=True, check=True).stdout
    words = re.findall(r'<word xMin="([\d.]+)" yMin="([\d.]+)" xMax="([\d.]+)" yMax="[\d.]+">([^<]*)</word>', layout)
    words = [(xmin, xmax, text) for xmin, ymin, xmax, text in words if float(ymin) > 100]  # below the title
    arabic_words = [word for word in words if "\u0600" <= word[2][:1] <= "\u06ff"]
    english_words = [word for word in words if word[2] in ENGLISH.split()]
    # A4 is 595.3 points wide with 56.7-point margins: text runs from x 56.7 to 538.6.
    assert max(float(word[1]) for word in arabic_words) > 530
    assert min(float(word[0]) for word in arabic_words) > 300
    assert min(float(word[0]) for word in english_words) < 60


def test_pdf_fonts_embedded(pdf_file):
    output = subprocess.run(["pdffonts", str(pdf_file)], capture_output=True, text=True, check=True).stdout
    rows = output.splitlines()[2:]
    assert rows, output
    names = " ".join(row.split()[0] for row in rows)
    assert "NotoSans" in names, output
    assert "CJK" in names, output
    assert "Arabic" in names, output
    for row in rows:
        # Columns: name, type words, encoding, then emb, sub, uni as yes/no.
        flags = row.split()[-5:-2]
        assert flags == ["yes", "yes", "yes"], row


def test_pdf_page_renders_ink(pdf_file, tmp_path):
    subprocess.run(["pdftoppm", "-png", "-r", "50", "-f", "1", "-l", "1", str(pdf_file), str(tmp_path / "page")],
                   check=True)
    pages = sorted(tmp_path.glob("page*.png"))
    assert len(pages) == 1
    image = Image.open(pages[0]).convert("L")
    # A4 at 50 dpi is 413.4 by 584.7 pixels.
    assert image.size[0] in (413, 414)
    assert image.size[1] in (584, 585)
    histogram = image.histogram()
    dark = sum(histogram[:128])
    assert dark > 500, dark
    assert image.getextrema()[0] < 60


def test_real_transcript_as_srt(server, transcribed):
    content, _ = exported_bytes(server, transcribed, "speech", "srt")
    cues = SRT_CUE.findall(content.decode("utf-8"))
    assert cues, content
    text = " ".join(cue[9] for cue in cues).lower()
    for word in ("ill", "disposed", "young", "man"):
        assert word in text, text
    assert abs(seconds(*cues[0][1:5]) - 2.0) < 1.0, cues[0]
    for cue in cues:
        assert seconds(*cue[5:9]) > seconds(*cue[1:5])


def test_output_path_conflicts_and_overwrite(server, transcribed, tmp_path):
    target = tmp_path / "out.txt"
    first = export(server, transcribed, "multilingual", "txt", output_path=str(target))
    assert first.status_code == 200, first.text
    assert first.json()["output_path"] == str(target)
    assert target.read_text(encoding="utf-8").splitlines()[0].endswith(ENGLISH)

    again = export(server, transcribed, "multilingual", "txt", output_path=str(target), include_timestamps=False)
    assert again.status_code == 409, again.text
    assert str(target) in again.json()["message"]
    assert target.read_text(encoding="utf-8").startswith("[")

    replaced = export(server, transcribed, "multilingual", "txt", output_path=str(target),
                      include_timestamps=False, overwrite=True)
    assert replaced.status_code == 200, replaced.text
    assert target.read_text(encoding="utf-8").splitlines() == EXPECTED_TEXTS
    assert [path.name for path in tmp_path.iterdir()] == ["out.txt"]


def test_output_path_in_data_folder_rejected(server, transcribed):
    target = server.data_dir / "transcript.txt"
    response = export(server, transcribed, "multilingual", "txt", output_path=str(target))
    assert response.status_code == 400, response.text
    assert "data folder" in response.json()["message"]
    assert not target.exists()


@pytest.mark.parametrize("field,value,fragment", [
    ("format", "odt", "'odt'"),
    ("output_path", "relative/out.txt", "relative/out.txt"),
    ("output_path", "/nonexistent-folder-for-export/out.txt", "does not exist"),
])
def test_invalid_fields_rejected(server, transcribed, field, value, fragment):
    body = {"cache_dir": str(transcribed["cache_dir"]), "media_path": str(transcribed["multilingual"]),
            "format": "txt", field: value}
    response = server.post("/export/transcript", body)
    assert response.status_code == 400, response.text
    assert fragment in response.json()["message"]
    assert response.json()["error"]


def test_unknown_media_and_missing_transcript(server, transcribed, tmp_path):
    missing = server.post("/export/transcript", {
        "cache_dir": str(transcribed["cache_dir"]), "media_path": str(tmp_path / "gone.mp4"), "format": "txt"})
    assert missing.status_code == 404, missing.text
    assert "gone.mp4" in missing.json()["message"]
    untranscribed = export(server, transcribed, "untranscribed", "srt")
    assert untranscribed.status_code == 404, untranscribed.text
    assert "no transcript" in untranscribed.json()["message"]


def test_parallel_pdf_exports_agree(server, transcribed):
    """Pango and Cairo render on the server's worker threads: concurrent exports give the same text."""
    from concurrent.futures import ThreadPoolExecutor

    def render(_):
        content, _ = exported_bytes(server, transcribed, "multilingual", "pdf", include_timestamps=False)
        return subprocess.run(["pdftotext", "-enc", "UTF-8", "-", "-"], input=content,
                              capture_output=True, check=True).stdout.decode("utf-8")

    with ThreadPoolExecutor(max_workers=4) as pool:
        texts = list(pool.map(render, range(8)))
    assert len(set(texts)) == 1
    assert JAPANESE in texts[0]
