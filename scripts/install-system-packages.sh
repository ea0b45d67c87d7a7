#!/usr/bin/env bash
# Installs the Debian packages the build, the server and the tests need, skipping what is present.
set -euo pipefail

packages=(
    libcivetweb-dev libavformat-dev libavcodec-dev libswscale-dev libswresample-dev libavutil-dev libavfilter-dev
    libsqlite3-dev libopenblas-dev liblapack-dev libdlib-dev libturbojpeg0-dev ffmpeg pkg-config
    python3-venv python3-skimage wrk
    cmake patchelf pocketsphinx-testdata asterisk-core-sounds-fr asterisk-core-sounds-fr-g722
    zlib1g-dev libpango1.0-dev libcairo2-dev fonts-noto-core fonts-noto-cjk poppler-utils unzip
)

missing=()
for package in "${packages[@]}"; do
    if ! dpkg-query -W -f='${Status}' "$package" 2>/dev/null | grep -q "install ok installed"; then
        missing+=("$package")
    fi
done

if [[ ${#missing[@]} -eq 0 ]]; then
    echo "setup: system packages already installed"
    exit 0
fi

echo "setup: installing ${missing[*]}"
sudo_prefix=()
if [[ $(id -u) -ne 0 ]]; then
    sudo_prefix=(sudo)
fi
"${sudo_prefix[@]}" apt-get update -qq
DEBIAN_FRONTEND=noninteractive "${sudo_prefix[@]}" apt-get install -y -qq --no-install-recommends "${missing[@]}"
