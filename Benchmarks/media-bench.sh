#!/usr/bin/env bash
# Times FrameSampler against the ffmpeg CLI on 60 s clips: 1920x1080 30 fps H.264 with a keyframe
# every 2 s and with x264's default maximum interval of 250 frames, 3840x2160 10-bit HEVC, and
# 1920x1080 ProRes 422. Each run prints
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

# 60 s of 3840x2160 30 fps 10-bit HEVC with a keyframe every 2 s, as phones and mirrorless
# cameras record it (x265 ultrafast, so making it takes minutes rather than an hour).
hevc_clip="$work_dir/hevc-4k-10bit.mp4"
if [[ ! -f "$hevc_clip" ]]; then
    ffmpeg -hide_banner -loglevel error -nostdin -y \
        -f lavfi -i "testsrc2=size=3840x2160:rate=30:duration=60" \
        -c:v libx265 -preset ultrafast -pix_fmt yuv420p10le \
        -x265-params "log-level=error:keyint=60:min-keyint=60" -tag:v hvc1 "$hevc_clip.partial.mp4"
    mv "$hevc_clip.partial.mp4" "$hevc_clip"
fi

# 60 s of 1920x1080 30 fps ProRes 422 (10-bit 4:2:2, every frame a keyframe), an editing codec.
prores_clip="$work_dir/prores-1080p.mov"
if [[ ! -f "$prores_clip" ]]; then
    ffmpeg -hide_banner -loglevel error -nostdin -y \
        -f lavfi -i "testsrc2=size=1920x1080:rate=30:duration=60" \
        -c:v prores_ks -profile:v 2 -pix_fmt yuv422p10le "$prores_clip.partial.mov"
    mv "$prores_clip.partial.mov" "$prores_clip"
fi

if ! build_output=$(swift build -c release --product MediaBenchmark 2>&1); then
    echo "$build_output" >&2
    echo "error: building MediaBenchmark failed" >&2
    exit 1
fi
benchmark=.build/release/MediaBenchmark

run_cli() {
    python3 - "$1" <<'PYTHON'
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
}

# The H.264 clips in all four sampler modes; the 4K HEVC and ProRes clips in the default mode.
# Each clip's sampler and CLI runs follow each other, so their ratio is taken under one load.
for clip in "$work_dir/gop2s.mp4" "$work_dir/gop250.mp4"; do
    "$benchmark" "$clip"
    "$benchmark" --no-skip "$clip"
    "$benchmark" --no-seek "$clip"
    "$benchmark" --no-seek --no-skip "$clip"
    run_cli "$clip"
done
for clip in "$hevc_clip" "$prores_clip"; do
    "$benchmark" "$clip"
    run_cli "$clip"
done
