#!/usr/bin/env bash
# Benchmarks the speech engine and the transcript index in release mode.
#
# Prints the real-time factor of each speech model, with audio decoding included, on $THREADS
# threads (default 2). It also prints each model's word error rate on the LibriVox clips, and on the
# French prompts for multilingual models. Then it prints transcript search latency over $HOURS hours
# of generated transcripts (default 1000).
# With --compare-prebuilt it runs the speech part a second time on the prebuilt libwhisper from the
# pywhispercpp 1.5.1 wheel (through LD_LIBRARY_PATH) to compare it with the local build.
#
# Usage: Benchmarks/speech-benchmarks.sh [speech|search|all] [--compare-prebuilt]
set -euo pipefail
cd "$(dirname "$0")/.."

mode=${1:-all}
compare=${2:-}
cache=${JUMPER_CACHE_DIR:-$PWD/.cache}
export JUMPER_CACHE_DIR=$cache
models_dir=${JUMPER_MODELS_DIR:-$cache/models}
threads=${THREADS:-2}
hours=${HOURS:-1000}
work="$cache/benchmarks/speech"
mkdir -p "$work"

swift build -c release --product SpeechBenchmarks > /dev/null
binary=.build/release/SpeechBenchmarks
models=""
for key in whisper-tiny-en whisper-base whisper-small; do
    if [[ -f "$models_dir/$key/manifest.json" ]]; then
        models+="${models:+,}$key"
    fi
done

echo "machine: $(nproc) processors, $(grep -m1 'model name' /proc/cpuinfo | cut -d: -f2 | xargs), load $(cut -d' ' -f1-3 /proc/loadavg)"
if [[ "$mode" == speech || "$mode" == all ]]; then
    echo "== local whisper.cpp build ($cache/whisper.cpp/lib)"
    "$binary" speech --models-dir "$models_dir" --models "$models" --threads "$threads" --work-dir "$work"
    if [[ "$compare" == --compare-prebuilt ]]; then
        wheel=$(compgen -G "$cache/downloads/speech/pywhispercpp-1.5.1-*manylinux*.whl" | head -n 1 || true)
        if [[ -z "$wheel" ]]; then
            "$cache/venv/bin/pip" download -q --no-deps --only-binary=:all: -d "$cache/downloads/speech" pywhispercpp==1.5.1
            wheel=$(compgen -G "$cache/downloads/speech/pywhispercpp-1.5.1-*manylinux*.whl" | head -n 1)
        fi
        prebuilt="$work/prebuilt"
        rm -rf "$prebuilt"
        "$cache/venv/bin/python" -m zipfile -e "$wheel" "$prebuilt"
        echo "== prebuilt wheel libwhisper.so.1 (pywhispercpp 1.5.1)"
        LD_LIBRARY_PATH="$prebuilt" "$binary" speech --models-dir "$models_dir" --models "$models" --threads "$threads" --work-dir "$work"
    fi
fi
if [[ "$mode" == search || "$mode" == all ]]; then
    "$binary" search --hours "$hours" --work-dir "$work"
fi
