#!/usr/bin/env bash
# Measures scene-boundary detection on videos with known boundaries. It prints precision, recall
# and F1 of hard cuts at the exact frame, and the recall of fades and dissolves within 1 s. It
# counts false boundaries at flashes, pans and zooms, and times the frame-by-frame pass against
# the one-per-second sampling in CPU seconds.
#
# Usage: Benchmarks/scene-bench.sh [WORKDIR] [SEED...]   (default /tmp/jumper-scene-bench, seeds
# 1 2 3 7 8 9; each seed makes a different 55-60 s video with scripts/make-scene-test-video.py)
set -euo pipefail
cd "$(dirname "$0")/.."
work_dir="${1:-/tmp/jumper-scene-bench}"
shift || true
seeds=("$@")
if [[ ${#seeds[@]} -eq 0 ]]; then
    seeds=(1 2 3 7 8 9)
fi
mkdir -p "$work_dir"

videos=()
for seed in "${seeds[@]}"; do
    video="$work_dir/scenes-$seed.mp4"
    if [[ ! -f "$video" ]]; then
        python3 scripts/make-scene-test-video.py "$video" "$seed"
    fi
    videos+=("$video")
done

if ! build_output=$(swift build -c release --product SceneBenchmark 2>&1); then
    echo "$build_output" >&2
    echo "error: building SceneBenchmark failed" >&2
    exit 1
fi
.build/release/SceneBenchmark "${videos[@]}"
