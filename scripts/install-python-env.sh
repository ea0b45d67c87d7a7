#!/usr/bin/env bash
# Creates the project's virtual environment in .cache/venv and installs the pinned test clients.
set -euo pipefail
cd "$(dirname "$0")/.."

venv=.cache/venv
requirements=scripts/requirements-test.txt
stamp="$venv/.requirements.sha256"

if [[ ! -x "$venv/bin/python" ]]; then
    # Debian's interpreter, not whatever python3 comes first on PATH, so the venv matches the OS.
    /usr/bin/python3 -m venv "$venv"
fi

wanted=$(sha256sum "$requirements" | cut -d' ' -f1)
if [[ -f "$stamp" && "$(cat "$stamp")" == "$wanted" ]]; then
    echo "setup: python environment up to date"
    exit 0
fi

"$venv/bin/pip" install -q --disable-pip-version-check -r "$requirements"
echo "$wanted" > "$stamp"
