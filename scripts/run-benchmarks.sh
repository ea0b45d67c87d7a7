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

# Two minutes of 1920x1080 30 fps H.264 with people in five of its six 20 s scenes (two
# people, three people, a medium shot, a wide shot with small faces, a full-length portrait,
# then a cat), made from the face test photos with temporal noise so every frame differs.
people_video=$bench_media/people-2min-1080p30.mp4
if [[ ! -f $people_video ]]; then
    faces=${JUMPER_TEST_MEDIA_DIR:-$cache/test-media}/faces
    skimage=/usr/lib/python3/dist-packages/skimage/data
    fit="scale=1920:1080:force_original_aspect_ratio=decrease,pad=1920:1080:(ow-iw)/2:(oh-ih)/2,setsar=1"
    scenes="[0]scale=-2:1080[a0];[1]crop=iw:iw:0:0,scale=-2:1080[b0];[a0][b0]hstack,$fit,fps=30,format=yuv420p[v0];"
    scenes+="[2]scale=-2:640[a1];[3]scale=-2:640[b1];[4]scale=-2:640[c1];[a1][b1][c1]hstack=inputs=3,$fit,fps=30,format=yuv420p[v1];"
    scenes+="[5]scale=-2:900,pad=1920:1080:600:90,setsar=1,fps=30,format=yuv420p[v2];"
    scenes+="[6]scale=-2:420[a3];[7]crop=iw:iw:0:0,scale=-2:600[b3];[a3]pad=iw:600:0:180[a3p];[a3p][b3]hstack,pad=1920:1080:500:240,setsar=1,fps=30,format=yuv420p[v3];"
    scenes+="[8]$fit,fps=30,format=yuv420p[v4];[9]$fit,fps=30,format=yuv420p[v5];"
    scenes+="[v0][v1][v2][v3][v4][v5]concat=n=6:v=1:a=0,noise=alls=12:allf=t[v]"
    ffmpeg -v error -y \
        -loop 1 -t 20 -i "$faces/obama2.jpg" -loop 1 -t 20 -i "$faces/biden.jpg" \
        -loop 1 -t 20 -i "$faces/grace_hopper_512x512.jpg" -loop 1 -t 20 -i "$faces/astronaut.png" \
        -loop 1 -t 20 -i "$faces/obama.jpg" -loop 1 -t 20 -i "$faces/astronaut.png" \
        -loop 1 -t 20 -i "$faces/grace_hopper_512x512.jpg" -loop 1 -t 20 -i "$faces/biden.jpg" \
        -loop 1 -t 20 -i "$faces/obama3.jpg" -loop 1 -t 20 -i "$skimage/chelsea.png" \
        -filter_complex "$scenes" -map "[v]" -c:v libx264 -preset veryfast -g 60 -crf 23 "$people_video.tmp.mp4"
    mv "$people_video.tmp.mp4" "$people_video"
fi

swift build -c release --product jumper
swift build -c release --product AnalysisBenchmark
swift build -c release --product SearchBenchmark
swift build -c release --product FaceAnalysisBenchmark

echo "== face analysis: $people_video (machine: $(nproc) cores, $(uname -m))"
.build/release/FaceAnalysisBenchmark "$people_video" "$models"

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
