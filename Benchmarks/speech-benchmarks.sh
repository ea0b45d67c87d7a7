#!/usr/bin/env bash
# Benchmarks the speech engine and the transcript index in release mode.
#
# Prints the real-time factor of each speech model, with audio decoding included, on $THREADS
# threads (default 2). It also prints each model's word error rate on the LibriVox clips, and on the
# French prompts for multilingual models. Then it prints transcript search latency over $HOURS hours
# of generated transcripts (default 1000).
# With --compare-builds it runs the speech part a second time on the other whisper.cpp variant
# (prebuilt wheel libraries or local build, see scripts/fetch-speech-models.sh), installed beside
# the first and swapped in through LD_LIBRARY_PATH, so the two are measured back to back.
#
# Usage: Benchmarks/speech-benchmarks.sh [speech|search|all] [--compare-builds]
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
    installed=$(cat "$cache/whisper.cpp/VARIANT" 2> /dev/null || echo source)
    echo "== whisper.cpp $installed ($cache/whisper.cpp/lib)"
    "$binary" speech --models-dir "$models_dir" --models "$models" --threads "$threads" --work-dir "$work"
    if [[ "$compare" == --compare-builds ]]; then
        other=prebuilt
        [[ $installed == prebuilt ]] && other=source
        other_prefix="$work/whisper.cpp-$other"
        JUMPER_WHISPER_BUILD=$other JUMPER_WHISPER_PREFIX="$other_prefix" JUMPER_WHISPER_ONLY=1 \
            scripts/fetch-speech-models.sh
        echo "== whisper.cpp $(cat "$other_prefix/VARIANT") ($other_prefix/lib)"
        LD_LIBRARY_PATH="$other_prefix/lib" "$binary" speech --models-dir "$models_dir" --models "$models" --threads "$threads" --work-dir "$work"
    fi
fi
if [[ "$mode" == search || "$mode" == all ]]; then
    "$binary" search --hours "$hours" --work-dir "$work"
fi
