#!/bin/bash
# Builds a scenario's Python venv ON THE HOST (the sandboxes have no network), from a fully pinned requirements file,
# wheels only, with Debian's /usr/bin/python3 (package python3-venv), so the interpreter exists inside the sandbox
# too. Idempotent and quick when nothing changed: a venv whose stamp matches the hash of the requirements and the
# interpreter's version is kept as it is.
#
#   lib/build-venv.sh NAME REQUIREMENTS VENV_DIR MODULE...     e.g. chip .../requirements.txt .build-fixtures/chip-venv django
set -euo pipefail
[[ $# -ge 4 ]] || { echo "usage: build-venv.sh NAME REQUIREMENTS VENV_DIR MODULE..." >&2; exit 2; }
name=$1 req=$2
venv=$(realpath -m -- "$3")
shift 3
py=/usr/bin/python3
stamp=$venv/.$name-requirements.sha256

log() { printf '%s build-venv: %s\n' "$name" "$*" >&2; }

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
# Readable by the sandboxes' service users, whatever the caller's umask.
umask 022
"$py" -m venv "$venv"
"$venv/bin/pip" install --quiet --disable-pip-version-check --no-input --only-binary=:all: -r "$req"
imports=$(IFS=,; echo "$*")
"$venv/bin/python" -c "import $imports" || { log "error: the venv does not import $imports"; exit 1; }
# Written last: an interrupted build is rebuilt next time.
echo "$want" >"$stamp"
log "built $venv in $((SECONDS - t0)) s"
