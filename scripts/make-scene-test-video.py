#!/usr/bin/env python3
"""Make a video with known shot boundaries from the skimage photos, and its ground truth.

Usage: scripts/make-scene-test-video.py OUTPUT.mp4 [SEED]

Writes OUTPUT.mp4 (640x360, 30 fps H.264, keyframe every 2 s, camera-like temporal noise) and
OUTPUT.json: {"fps", "duration", "cuts": [seconds], "gradual": [seconds], "flashes": [seconds],
"motion": [[start, end]]}. A cut's time is the first frame of the new shot. A gradual
transition's time is the middle of the fade or dissolve. Flashes (three white frames) and
motion (fast pans and zooms) are events that must not be reported as boundaries.

Shot lengths are whole frames but rarely whole seconds, so most cuts fall between the
one-per-second samples. SEED picks different shot lengths and photo crops.
"""

import json
import os
import random
import subprocess
import sys

PHOTO_DIR = os.environ.get("SKIMAGE_DATA_DIR", "/usr/lib/python3/dist-packages/skimage/data")
PHOTOS = ["chelsea.png", "coffee.png", "rocket.jpg", "motorcycle_left.png", "astronaut.png", "horse.png",
          "coins.png", "camera.png", "hubble_deep_field.jpg", "ihc.png", "brick.png", "grass.png"]
FPS = 30
WIDTH, HEIGHT = 640, 360


def shot_filter(kind, photo_index, frames, rng):
    """Return the filter chain that turns input photo_index into a shot of `frames` frames."""
    fit = f"scale={WIDTH}:{HEIGHT}:force_original_aspect_ratio=increase,crop={WIDTH}:{HEIGHT}"
    if kind == "pan":
        # A third of the frame width per 10 frames: a whip pan across a 3x enlarged photo.
        speed = rng.choice([18, 22, 26])
        chain = (f"scale={WIDTH * 3}:{HEIGHT * 3}:force_original_aspect_ratio=increase,"
                 f"crop={WIDTH}:{HEIGHT}:x='min(iw-{WIDTH},n*{speed})':y='ih/3'")
    elif kind == "zoom":
        chain = f"{fit},zoompan=z='1+0.012*on':x='iw/2-iw/zoom/2':y='ih/2-ih/zoom/2':d=1:s={WIDTH}x{HEIGHT}:fps={FPS}"
    else:
        # A random crop of a slightly enlarged photo, so two shots of one photo differ.
        scale = rng.uniform(1.0, 1.6)
        chain = (f"scale={int(WIDTH * scale)}:{int(HEIGHT * scale)}:force_original_aspect_ratio=increase,"
                 f"crop={WIDTH}:{HEIGHT}:x='(iw-{WIDTH})*{rng.random():.2f}':y='(ih-{HEIGHT})*{rng.random():.2f}'")
    if kind == "flash":
        chain += f",drawbox=x=0:y=0:w=iw:h=ih:color=white:t=fill:enable='between(n,{frames // 2},{frames // 2 + 2})'"
    return (f"[{photo_index}:v]{chain},setsar=1,fps={FPS},format=yuv420p,"
            f"trim=end_frame={frames},setpts=PTS-STARTPTS,settb=1/{FPS}[shot{photo_index}]")


def main():
    if len(sys.argv) not in (2, 3):
        print(__doc__, file=sys.stderr)
        sys.exit(2)
    output = sys.argv[1]
    rng = random.Random(int(sys.argv[2]) if len(sys.argv) == 3 else 1)

    # (shot kind, join to the next shot): 'cut', 'dissolve' or 'fadeblack'.
    plan = [("still", "cut"), ("still", "cut"), ("flash", "cut"), ("pan", "cut"), ("still", "dissolve"),
            ("still", "cut"), ("zoom", "cut"), ("still", "fadeblack"), ("still", "cut"), ("still", "cut"),
            ("flash", "cut"), ("still", "cut"), ("pan", "cut"), ("still", "dissolve"), ("still", "cut"),
            ("still", "cut"), ("zoom", "cut"), ("still", "cut"), ("still", "fadeblack"), ("still", "cut"),
            ("still", "cut"), ("still", None)]
    inputs, filters = [], []
    lengths = []
    for index, (kind, _) in enumerate(plan):
        frames = rng.randint(50, 110)
        lengths.append(frames)
        photo = PHOTOS[(index * 5) % len(PHOTOS)]
        inputs += ["-loop", "1", "-framerate", str(FPS), "-t", f"{frames / FPS + 1:.3f}",
                   "-i", os.path.join(PHOTO_DIR, photo)]
        filters.append(shot_filter(kind, index, frames, rng))

    truth = {"fps": FPS, "cuts": [], "gradual": [], "flashes": [], "motion": []}
    current, current_length = "shot0", lengths[0] / FPS
    transition = 1.0
    for index, (kind, join) in enumerate(plan):
        start = current_length - lengths[index] / FPS if index else 0.0
        if kind == "flash":
            truth["flashes"].append(round(start + (lengths[index] // 2) / FPS, 4))
        if kind in ("pan", "zoom"):
            truth["motion"].append([round(start, 4), round(start + lengths[index] / FPS, 4)])
        if join is None:
            break
        following = f"shot{index + 1}"
        joined = f"joined{index + 1}"
        following_length = lengths[index + 1] / FPS
        if join == "cut":
            filters.append(f"[{current}][{following}]concat=n=2:v=1:a=0,settb=1/{FPS}[{joined}]")
            truth["cuts"].append(round(current_length, 4))
            current_length += following_length
        else:
            offset = current_length - transition
            filters.append(f"[{current}][{following}]xfade=transition={join.replace('dissolve', 'fade')}:"
                           f"duration={transition}:offset={offset:.4f},settb=1/{FPS}[{joined}]")
            truth["gradual"].append(round(offset + transition / 2, 4))
            current_length += following_length - transition
        current = joined
    filters.append(f"[{current}]noise=alls=10:allf=t,format=yuv420p[video]")
    truth["duration"] = round(current_length, 4)

    partial = output + ".partial.mp4"
    subprocess.run(["ffmpeg", "-hide_banner", "-loglevel", "error", "-nostdin", "-y", *inputs,
                    "-filter_complex", ";".join(filters), "-map", "[video]", "-c:v", "libx264",
                    "-preset", "veryfast", "-crf", "23", "-g", "60", "-pix_fmt", "yuv420p", partial],
                   check=True)
    with open(output.rsplit(".", 1)[0] + ".json", "w") as handle:
        json.dump(truth, handle, indent=1)
    os.replace(partial, output)


if __name__ == "__main__":
    main()
