#!/usr/bin/env bash
# Times FrameSampler against the ffmpeg CLI on 60 s of 1920x1080 30 fps H.264. One clip has a
# keyframe every 2 s, the other x264's default maximum interval of 250 frames. Each run prints
# seconds of footage per second of wall time and per second of CPU time; the CPU figure is the
# steadier one on a machine shared with other work.
#
# Usage: Benchmarks/media-bench.sh [WORKDIR]   (WORKDIR keeps the generated files; default
# /tmp/jumper-media-bench)
set -euo pipefail
cd "$(dirname "$0")/.."
work_dir="${1:-/tmp/jumper-media-bench}"
mkdir -p "$work_dir"

make_clip() {
    local path="$1"
    shift
    if [[ ! -f "$path" ]]; then
        # testsrc2 moves in every frame, so every frame costs real decoding work; veryfast keeps
        # B-frames and CABAC as camera and export files have them.
        ffmpeg -hide_banner -loglevel error -nostdin -y \
            -f lavfi -i "testsrc2=size=1920x1080:rate=30:duration=60" \
            -c:v libx264 -preset veryfast -crf 23 -pix_fmt yuv420p "$@" "$path.partial.mp4"
        mv "$path.partial.mp4" "$path"
    fi
}
make_clip "$work_dir/gop2s.mp4" -g 60 -keyint_min 60
make_clip "$work_dir/gop250.mp4"

if ! build_output=$(swift build -c release --product MediaBenchmark 2>&1); then
    echo "$build_output" >&2
    echo "error: building MediaBenchmark failed" >&2
    exit 1
fi
benchmark=.build/release/MediaBenchmark

for clip in "$work_dir/gop2s.mp4" "$work_dir/gop250.mp4"; do
    "$benchmark" "$clip"
    "$benchmark" --no-skip "$clip"
    "$benchmark" --no-seek "$clip"
    "$benchmark" --no-seek --no-skip "$clip"
    python3 - "$clip" <<'PYTHON'
import resource, subprocess, sys, time

clip = sys.argv[1]
start = time.monotonic()
subprocess.run(
    ["ffmpeg", "-hide_banner", "-loglevel", "error", "-nostdin", "-threads", "2", "-i", clip,
     "-vf", "fps=1,scale=-2:256", "-f", "rawvideo", "-pix_fmt", "rgb24", "-y", "/dev/null"],
    check=True,
)
wall = time.monotonic() - start
usage = resource.getrusage(resource.RUSAGE_CHILDREN)
cpu = usage.ru_utime + usage.ru_stime
print(f"ffmpeg CLI {clip}: wall {wall:.2f} s = {60 / wall:.1f} s of footage per s, "
      f"CPU {cpu:.2f} s = {60 / cpu:.1f} s of footage per CPU s")
PYTHON
done
