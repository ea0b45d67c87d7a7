"""Test files whose picture is one flat colour per second, in containers whose timestamps start
above zero. The colour of a frame identifies the second of the source it shows."""

import subprocess

COLOURS = [("red", (255, 0, 0)), ("green", (0, 128, 0)), ("blue", (0, 0, 255)), ("yellow", (255, 255, 0)),
           ("cyan", (0, 255, 255)), ("magenta", (255, 0, 255)), ("white", (255, 255, 255)), ("black", (0, 0, 0))]

# File name, colour index of the first presented frame, length in seconds from that frame.
# plain.ts starts at 1.48 s, camera.mts at 11.4 s, program.mpg (MPEG-PS) at 0.54 s, offset.mkv at
# 10 s and offset.mp4 at 5 s (an empty edit). editlist.mp4 is source.mp4 copied from 1 s, so its
# edit list starts inside a group of pictures.
KINDS = [("plain.ts", 0, 8), ("camera.mts", 0, 8), ("program.mpg", 0, 8), ("offset.mkv", 0, 8),
         ("offset.mp4", 0, 8), ("editlist.mp4", 1, 7)]


def make(folder):
    """Write the files of KINDS, a one-colour still.jpg and onekey.mts into `folder`."""
    graph = "".join(f"color=c={name}:s=160x120:r=25:d=1[c{index}];" for index, (name, _) in enumerate(COLOURS))
    graph += "".join(f"[c{index}]" for index in range(len(COLOURS)))
    graph += f"concat=n={len(COLOURS)}:v=1:a=0,format=yuv420p[v]"
    sources = ["-filter_complex", graph, "-f", "lavfi", "-i", "sine=frequency=440:duration=8"]
    mapping = ["-map", "[v]", "-map", "0:a"]
    # A keyframe every 2 s, so copying from an odd second starts at the second before.
    h264 = ["-c:v", "libx264", "-preset", "veryfast", "-g", "50", "-keyint_min", "50", "-sc_threshold", "0"]
    jobs = [
        sources + mapping + h264 + ["-c:a", "aac", "-f", "mpegts", f"{folder}/plain.ts"],
        sources + mapping + h264 + ["-c:a", "aac", "-output_ts_offset", "10", "-f", "mpegts", f"{folder}/camera.mts"],
        sources + mapping + ["-c:v", "mpeg2video", "-q:v", "4", "-c:a", "mp2", f"{folder}/program.mpg"],
        sources + mapping + h264 + ["-c:a", "aac", "-output_ts_offset", "10", f"{folder}/offset.mkv"],
        sources + mapping + h264 + ["-c:a", "aac", f"{folder}/source.mp4"],
        ["-i", f"{folder}/source.mp4", "-c", "copy", "-output_ts_offset", "5", f"{folder}/offset.mp4"],
        ["-ss", "1", "-i", f"{folder}/source.mp4", "-c", "copy", f"{folder}/editlist.mp4"],
        sources + ["-map", "[v]", "-frames:v", "1", f"{folder}/still.jpg"],
        # Camera-style MPEG-TS whose only keyframe is the first frame (x264's default interval
        # of 250 frames is longer than the file).
        sources + mapping + ["-c:v", "libx264", "-preset", "veryfast", "-sc_threshold", "0", "-c:a", "aac",
                             "-output_ts_offset", "10", "-f", "mpegts", f"{folder}/onekey.mts"],
    ]
    for job in jobs:
        subprocess.run(["ffmpeg", "-hide_banner", "-loglevel", "error", "-nostdin", "-y", *job], check=True)
    return folder


def colour_index(rgb_bytes):
    """Return the index in COLOURS nearest to the mean colour of packed RGB24 pixels."""
    count = len(rgb_bytes) // 3
    mean = [sum(rgb_bytes[channel::3]) / count for channel in range(3)]
    distances = [sum((m - c) ** 2 for m, c in zip(mean, rgb)) for _, rgb in COLOURS]
    return distances.index(min(distances))


def frame_colour(path_or_data, last=False):
    """Decode the first (or last) frame of a file, or of JPEG bytes, with the ffmpeg CLI and
    return its colour index. Frames are passed through as stored, because copied MPEG-PS
    packets have a PTS on only some frames and the CLI would otherwise drop frames."""
    is_data = isinstance(path_or_data, bytes)
    source = "-" if is_data else str(path_or_data)
    selection = ["-update", "1"] if last else ["-frames:v", "1"]
    result = subprocess.run(
        ["ffmpeg", "-hide_banner", "-loglevel", "error", "-nostdin", "-i", source, "-fps_mode", "passthrough",
         *selection, "-s", "16x12", "-f", "rawvideo", "-pix_fmt", "rgb24", "-y", "-"],
        input=path_or_data if is_data else None, capture_output=True, check=True)
    return colour_index(result.stdout[-16 * 12 * 3:])


def video_frame_count(path):
    """Return the number of video frames ffprobe decodes."""
    output = subprocess.run(
        ["ffprobe", "-v", "error", "-count_frames", "-select_streams", "v:0", "-show_entries",
         "stream=nb_read_frames", "-of", "csv=p=0", str(path)], capture_output=True, text=True, check=True).stdout
    # MPEG-TS lists the stream once per program as well, so the first number is taken.
    return next(int(line.strip(", ")) for line in output.splitlines() if line.strip(", ").isdigit())
