#!/usr/bin/env bash
# Runs every benchmark in release mode and prints the results; BENCHMARKS.md records them.
set -euo pipefail
cd "$(dirname "$0")/.."

cache=${JUMPER_CACHE_DIR:-$PWD/.cache}
models=${JUMPER_MODELS_DIR:-$cache/models}
bench_media=$cache/bench-media
mkdir -p "$bench_media"

# Ten minutes of 1920x1080 30 fps H.264 with a keyframe every 2 s, made from the real photos
# with temporal noise so that every frame differs, as in camera footage.
video=$bench_media/ten-minutes-1080p30.mp4
if [[ ! -f $video ]]; then
    photos=/usr/lib/python3/dist-packages/skimage/data
    names=(chelsea.png coffee.png rocket.jpg motorcycle_left.png astronaut.png horse.png)
    inputs=()
    filters=""
    for index in "${!names[@]}"; do
        inputs+=(-loop 1 -t 100 -i "$photos/${names[$index]}")
        filters+="[$index]scale=1920:1080:force_original_aspect_ratio=decrease,pad=1920:1080:(ow-iw)/2:(oh-ih)/2,setsar=1,fps=30,format=yuv420p[v$index];"
    done
    filters+="[v0][v1][v2][v3][v4][v5]concat=n=6:v=1:a=0,noise=alls=12:allf=t[v]"
    ffmpeg -v error -y "${inputs[@]}" -filter_complex "$filters" \
        -map "[v]" -c:v libx264 -preset veryfast -g 60 -crf 23 "$video.tmp.mp4"
    mv "$video.tmp.mp4" "$video"
fi

swift build -c release --product jumper
swift build -c release --product AnalysisBenchmark
swift build -c release --product SearchBenchmark

echo "== visual analysis: $video (machine: $(nproc) cores, $(uname -m))"
.build/release/AnalysisBenchmark "$video" "$models"

echo "== text search over 360,000 frames: the index alone"
search_cache=$(.build/release/SearchBenchmark --keep --model-key label-bridge-384 | tee /dev/stderr \
    | sed -n 's/.* to \(\/tmp\/search-benchmark-[0-9]*\)$/\1/p')

echo "== server: POST /search/text, then GET /health with wrk (2 threads, 50 connections, 10 s)"
data_dir=$(mktemp -d)
port=16699
JUMPER_LICENSE_KEYS=bench:pro .build/release/jumper serve --port $port --data-dir "$data_dir" \
    --models-dir "$models" --log-level warning &
server=$!
trap 'kill $server 2>/dev/null || true; rm -rf "$data_dir"' EXIT
for _ in $(seq 50); do
    curl -sf "http://127.0.0.1:$port/api/v1/health" >/dev/null && break
    sleep 0.2
done
echo "== POST /search/text over the same 360,000 frames, images off"
"$cache/venv/bin/python" Benchmarks/search_http.py "http://127.0.0.1:$port" bench "$search_cache" 200
rm -rf "$search_cache"

wrk -t2 -c50 -d10s --latency "http://127.0.0.1:$port/api/v1/health"
