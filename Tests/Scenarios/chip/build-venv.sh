#!/bin/bash
# Builds the Python packages the chip scenario's Django app runs with, ON THE HOST (the sandbox has no network):
# .ci/run calls it before the tests.
#
#   build-venv.sh VENV_DIR      e.g. .build-fixtures/chip-venv (relative to the current directory)
#
# Inside the sandbox, populate.sh creates the app's own venv (/srv/chip/venv, owned by the app user) whose
# site-packages reach this one's through a .pth file: Django and gunicorn are then installed as far as pip can
# tell, so a deploy's `pip install -r requirements.txt` works offline.
set -euo pipefail
here=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
[[ $# -eq 1 ]] || { echo "usage: build-venv.sh VENV_DIR" >&2; exit 2; }
exec bash "$here/../lib/build-venv.sh" chip "$here/requirements.txt" "$1" django gunicorn
