#!/bin/bash
# Builds the Python packages the chip scenario's Django app runs with, ON THE HOST (the sandbox has no network):
# .ci/run calls it before the tests.
#
#   build-venv.sh VENV_DIR      e.g. .build-fixtures/chip-venv (relative to the current directory)
#
# Inside the sandbox, populate.sh creates the app's own venv (/srv/chip/venv, owned by the app user) whose
# site-packages reach this one's through a .pth file: Django and gunicorn are then installed as far as pip can
# tell, so a deploy's `pip install -r requirements.txt` works offline. Idempotent: a venv whose stamp matches the
# hash of requirements.txt + the interpreter's version is kept.
set -euo pipefail

here=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
[[ $# -eq 1 ]] || { echo "usage: build-venv.sh VENV_DIR" >&2; exit 2; }
venv=$(realpath -m -- "$1")
py=/usr/bin/python3
req=$here/requirements.txt
stamp=$venv/.chip-requirements.sha256

log() { printf 'chip build-venv: %s\n' "$*" >&2; }

[[ -x $py ]] || { log "error: $py missing (Debian package python3)"; exit 1; }
want=$( { cat "$req"; "$py" -c 'import sys; print(sys.version)'; } | sha256sum | cut -d' ' -f1)
if [[ -f $stamp && "$(<"$stamp")" == "$want" && -x $venv/bin/python ]]; then
    log "$venv is up to date"
    exit 0
fi
t0=$SECONDS
log "building $venv"
rm -rf -- "$venv"
mkdir -p "$(dirname "$venv")"
umask 022
"$py" -m venv "$venv"
"$venv/bin/pip" install --quiet --disable-pip-version-check --no-input --only-binary=:all: -r "$req"
"$venv/bin/python" -c 'import django, gunicorn' || { log "error: the venv does not import django, gunicorn"; exit 1; }
echo "$want" >"$stamp"
log "built $venv in $((SECONDS - t0)) s"
