#!/bin/bash
# Turns the marb sandbox's /opt/marb/prod into a git checkout of a bare "origin" with Alembic migrations and
# release tags, for the deploy tests (seed 001 deploys with git pull, alembic upgrade head, restart). Runs INSIDE
# the sandbox as root; the app keeps running v2.0.0, whose schema (claims) Alembic then calls 0001.
#
#   v2.0.0  the running app + alembic (0001: claims)
#   v2.1.0  0002: claims.denial_reason
#   v2.2.0  (from v2.1.0) 0003 creates remits, then 0004 fails: a migration failing halfway
#   v2.3.0  (from v2.1.0) 0003 creates remits, and /api/v1/health answers 500: a bad release
#   v2.4.0  (from v2.3.0) the health mended; v2.5.0 (from v2.4.0) a version bump: blue-green's forward deploys
#   v3.0.0  (from v2.1.0) db/migrations/000_devices.sql, 001_alerts.sql: numbered SQL migrations (seed 003)
#   v3.1.0  (from v3.0.0) 002_firmware.sql creates a table, then fails
#   v3.2.0  (from v3.0.0) 000_devices.sql edited after it was applied
#   v3.3.0  (from v3.0.0) 002_whoami.sql records current_user (the role psql connects as)
#   v3.4.0  (from v3.0.0) 002_escape.sql has a psql meta-command (\!, runs a program): refused before psql starts
set -euo pipefail
here=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
# shellcheck source=common.sh
. "$here/common.sh"
marb_assert_sandbox
as_marb() { setpriv --reuid=marb --regid=marb --init-groups -- env HOME=/home/marb "$@"; }
venv=$(cd "$here/../../.." && pwd -P)/.build-fixtures/marb-venv
code=/opt/marb/$MARB_INSTANCE
bare=/srv/git/marb.git
work=$(mktemp -d)
chmod 0755 "$work"
trap 'rm -rf "$work"' EXIT

install -d -m 0755 -o marb -g marb /srv/git
as_marb git init -q --bare "$bare"
as_marb git -C "$bare" symbolic-ref HEAD refs/heads/main
cp -a "$code/app" "$work/"
cp -a "$here/deploy/alembic.ini" "$here/deploy/migrations" "$work/"
printf '__pycache__/\n*.pyc\n' >"$work/.gitignore"
chown -R marb:marb "$work"
g() { as_marb git -C "$work" "$@"; }
g init -q -b main
g config user.name "mARB Dev"
g config user.email dev@marb.example.org
release() { # TAG MESSAGE
    sed -i "s/^VERSION = \".*\"/VERSION = \"${1#v}\"/" "$work/app/main.py"
    g add -A && g commit -q -m "$2" && g tag -a "$1" -m "release $1"
}
release v2.0.0 "mARB 2.0.0 with alembic"
as_marb cp "$here/deploy/0002_denial_reason.py" "$work/migrations/versions/"
release v2.1.0 "2.1.0: denial reasons"
g checkout -q -b failing v2.1.0
as_marb cp "$here/deploy/0003_remits.py" "$here/deploy/0004_backfill.py" "$work/migrations/versions/"
release v2.2.0 "2.2.0: remits (backfill broken)"
g checkout -q -b bad v2.1.0
as_marb cp "$here/deploy/0003_remits.py" "$work/migrations/versions/"
sed -i 's/^def health():/def health():\n    return JSONResponse({"status": "unhealthy", "error": "remits service unreachable"}, status_code=500)\n\n\ndef _health():/' "$work/app/main.py"
release v2.3.0 "2.3.0: remits (health broken)"
# The line after the broken release, its health mended (blue-green keeps 0003 when v2.3.0 fails its health gate).
g checkout -q v2.1.0 -- app/main.py
release v2.4.0 "2.4.0: remits, health mended"
release v2.5.0 "2.5.0"
# Numbered SQL migrations (seed 003's db/migrations, applied with psql), for a manifest with migrations: sql.
g checkout -q -b sql v2.1.0
as_marb mkdir -p "$work/db/migrations"
printf 'CREATE TABLE devices (id serial PRIMARY KEY, serial text NOT NULL UNIQUE);\n' | as_marb tee "$work/db/migrations/000_devices.sql" >/dev/null
printf 'CREATE TABLE alerts (id serial PRIMARY KEY, device_id integer NOT NULL REFERENCES devices(id));\n' | as_marb tee "$work/db/migrations/001_alerts.sql" >/dev/null
release v3.0.0 "3.0.0: devices and alerts (SQL migrations)"
printf 'CREATE TABLE firmware (id serial PRIMARY KEY);\nINSERT INTO firmware_images SELECT 1;\n' | as_marb tee "$work/db/migrations/002_firmware.sql" >/dev/null
release v3.1.0 "3.1.0: firmware (broken migration)"
g checkout -q -b sql-edited v3.0.0
printf 'CREATE TABLE devices (id serial PRIMARY KEY, serial text NOT NULL UNIQUE, site text);\n' | as_marb tee "$work/db/migrations/000_devices.sql" >/dev/null
release v3.2.0 "3.2.0: an applied migration edited"
g checkout -q -b sql-whoami v3.0.0
# Who runs the migrations: the role psql connects as.
printf 'CREATE TABLE steward_whoami AS SELECT current_user::text AS role;\n' | as_marb tee "$work/db/migrations/002_whoami.sql" >/dev/null
release v3.3.0 "3.3.0: who runs the SQL migrations"
g checkout -q -b sql-escape v3.0.0
# A meta-command in a migration: psql's \! runs a program (as whoever runs psql), \set ON_ERROR_STOP off and the like
# would take the file out of Steward's transaction. Refused before psql starts.
printf 'CREATE TABLE escaped (id integer);\n\\! id -u > /tmp/steward-psql-uid\n' | as_marb tee "$work/db/migrations/002_escape.sql" >/dev/null
release v3.4.0 "3.4.0: a migration with a psql meta-command"
g checkout -q main
g push -q --tags "$bare" main

# The running code becomes a checkout of v2.0.0, its database stamped at 0001.
rm -rf "$code"
as_marb git clone -q "$bare" "$code"
as_marb git -C "$code" checkout -q --detach v2.0.0
(set -a; . "$MARB_ENV_FILE"; set +a; cd "$code" && as_marb env DATABASE_URL="$DATABASE_URL" "$venv/bin/alembic" stamp 0001 >/dev/null)
systemctl restart "marb@$MARB_INSTANCE.service"
marb_wait_for 30 bash -c '[[ $(curl -s -o /dev/null -w "%{http_code}" http://127.0.0.1:8000/api/v1/health) == 200 ]]'
