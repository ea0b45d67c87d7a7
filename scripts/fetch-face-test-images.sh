#!/usr/bin/env bash
# Collects real face photos for the Faces tests into $TEST_MEDIA/faces/. Safe to run again.
#
# Sources (none committed to the repository):
# - the face-recognition 1.3.0 sdist (PyPI): obama.jpg, obama2.jpg, obama3.jpg, biden.jpg
# - python3-skimage (Debian): astronaut.png (Eileen Collins)
# - facedetect (Debian, downloaded and unpacked, not installed): grace_hopper_512x512.jpg
set -euo pipefail
repo=$(cd "$(dirname "$0")/.." && pwd)
cache=${JUMPER_CACHE_DIR:-$repo/.cache}
media=${JUMPER_TEST_MEDIA_DIR:-$cache/test-media}
pip=${JUMPER_PIP:-$cache/venv/bin/pip}
target="$media/faces"
wanted=(obama.jpg obama2.jpg obama3.jpg biden.jpg astronaut.png grace_hopper_512x512.jpg)

complete=true
for file in "${wanted[@]}"; do
    [[ -f "$target/$file" ]] || complete=false
done
if $complete; then
    echo "setup: face test images already in $target"
    exit 0
fi

downloads="$cache/downloads"
mkdir -p "$downloads" "$target"
staging=$(mktemp -d "$downloads/.faces.XXXXXX")
trap 'rm -rf "$staging"' EXIT

archive=face_recognition-1.3.0.tar.gz
if [[ ! -f "$downloads/$archive" ]]; then
    "$pip" download --quiet --disable-pip-version-check --no-deps --no-binary=:all: \
        -d "$downloads" face-recognition==1.3.0
fi
tar -xzf "$downloads/$archive" -C "$staging" --no-same-owner --strip-components=3 \
    face_recognition-1.3.0/tests/test_images/{obama,obama2,obama3,biden}.jpg

skimage_data=/usr/lib/python3/dist-packages/skimage/data
if [[ ! -f "$skimage_data/astronaut.png" ]]; then
    echo "setup: $skimage_data/astronaut.png is missing: install python3-skimage" >&2
    exit 1
fi
cp "$skimage_data/astronaut.png" "$staging/"

if ! ls "$downloads"/facedetect_*.deb >/dev/null 2>&1; then
    (cd "$downloads" && apt-get download facedetect >/dev/null)
fi
dpkg-deb -x "$(ls "$downloads"/facedetect_*.deb | head -n 1)" "$staging/facedetect"
cp "$staging/facedetect/usr/share/doc/facedetect/examples/grace_hopper_512x512.jpg" "$staging/"

for file in "${wanted[@]}"; do
    mv -f "$staging/$file" "$target/$file"
done
echo "setup: face test images installed in $target"
