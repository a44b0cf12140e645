#!/bin/bash
# Builds the Python venv that the marb scenario's app (app/main.py) runs from, ON THE HOST
# (the sandbox has no network): .ci/run calls it before the tests.
#
#   build-venv.sh VENV_DIR      e.g. .build-fixtures/marb-venv (relative to the current directory)
#
# The scenario (populate.sh) expects it at <repo>/.build-fixtures/marb-venv, which the sandbox
# sees at the same path. Uses Debian's /usr/bin/python3 (package python3-venv), so the venv's
# interpreter exists inside the sandbox too, and installs requirements.txt (fully pinned) from
# wheels only. Idempotent and quick when nothing changed: a venv whose stamp matches the hash of
# requirements.txt + the interpreter's version is kept as it is.
set -euo pipefail

here=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
[[ $# -eq 1 ]] || { echo "usage: build-venv.sh VENV_DIR" >&2; exit 2; }
venv=$(realpath -m -- "$1")
py=/usr/bin/python3
req=$here/requirements.txt
stamp=$venv/.marb-requirements.sha256

log() { printf 'marb build-venv: %s\n' "$*" >&2; }

[[ -x $py ]] || { log "error: $py missing (Debian package python3)"; exit 1; }
want=$( { cat "$req"; "$py" -c 'import sys; print(sys.version)'; } | sha256sum | cut -d' ' -f1)
if [[ -f $stamp && "$(<"$stamp")" == "$want" && -x $venv/bin/uvicorn && -x $venv/bin/python ]]; then
    log "$venv is up to date"
    exit 0
fi

t0=$SECONDS
log "building $venv"
rm -rf -- "$venv"
mkdir -p "$(dirname "$venv")"
# Readable by the sandbox's service user (marb), whatever the caller's umask.
umask 022
"$py" -m venv "$venv"
"$venv/bin/pip" install --quiet --disable-pip-version-check --no-input --only-binary=:all: -r "$req"
"$venv/bin/python" -c 'import fastapi, uvicorn, psycopg, redis, alembic, sqlalchemy' \
    || { log "error: the venv does not import fastapi, uvicorn, psycopg, redis"; exit 1; }
# Written last: an interrupted build is rebuilt next time.
echo "$want" >"$stamp"
log "built $venv in $((SECONDS - t0)) s"
