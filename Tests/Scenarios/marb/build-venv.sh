#!/bin/bash
# Builds the Python venv that the marb scenario's app (app/main.py) runs from, ON THE HOST (the sandbox has no
# network): .ci/run calls it before the tests.
#
#   build-venv.sh VENV_DIR      e.g. .build-fixtures/marb-venv (relative to the current directory)
#
# The scenario (populate.sh) expects it at <repo>/.build-fixtures/marb-venv, which the sandbox sees at the same path.
set -euo pipefail
here=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
[[ $# -eq 1 ]] || { echo "usage: build-venv.sh VENV_DIR" >&2; exit 2; }
exec bash "$here/../lib/build-venv.sh" marb "$here/requirements.txt" "$1" fastapi uvicorn psycopg redis alembic sqlalchemy
