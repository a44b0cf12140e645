#!/bin/bash
# chip, after systemd is up: runs INSIDE the sandbox as root (sandbox.sh start runs it).
# Builds the chip_dashboard shape of shared/seeds/004_f54d990479d0f749.txt for the deploy tests: a Django
# project under gunicorn (broker_portal@prod and @test), SQLite, nginx in front, and git checkouts of a bare
# "origin" with release tags (make-origin.sh). Both instances run v1.0.0 with their migrations applied.
set -euo pipefail

here=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
# shellcheck source=common.sh
. "$here/common.sh"

log() { printf 'chip-populate: %s %s\n' "$EPOCHREALTIME" "$*" >&2; }
die() { log "FATAL: $*"; exit 1; }

chip_assert_sandbox
repo=$(cd "$here/../../.." && pwd -P)
fixture=$repo/.build-fixtures/chip-venv
[[ -x $fixture/bin/python ]] \
    || die "no venv at $fixture: build it on the host first: bash Tests/Scenarios/chip/build-venv.sh .build-fixtures/chip-venv"

log "units"
install -m 0644 "$here/units/broker_portal@.service" /etc/systemd/system/broker_portal@.service
wants=/etc/systemd/system/multi-user.target.wants
mkdir -p "$wants"
for i in prod test; do ln -sfn /etc/systemd/system/broker_portal@.service "$wants/broker_portal@$i.service"; done
ln -sfn /lib/systemd/system/nginx.service "$wants/nginx.service"
systemctl daemon-reload

log "user chip, venv, origin"
useradd --system --user-group --create-home --home-dir /home/chip --shell /bin/bash --comment "chip_dashboard" chip
as_chip() { setpriv --reuid=chip --regid=chip --init-groups -- "$@"; }
install -d -m 0755 -o chip -g chip "$CHIP_ROOT" "$CHIP_ROOT/data" "$CHIP_ROOT/static" /srv/git
# The app's own venv, seeing the fixture's packages through a .pth file (the sandbox has no network).
as_chip /usr/bin/python3 -m venv "$CHIP_VENV"
site=$(as_chip "$CHIP_VENV/bin/python" -c 'import sysconfig; print(sysconfig.get_paths()["purelib"])')
fixture_site=$("$fixture/bin/python" -c 'import sysconfig; print(sysconfig.get_paths()["purelib"])')
echo "$fixture_site" | as_chip tee "$site/chip-fixture.pth" >/dev/null
as_chip "$CHIP_VENV/bin/python" -c 'import django, gunicorn' || die "the venv does not import django and gunicorn"
as_chip env HOME=/home/chip bash "$here/make-origin.sh" "$CHIP_ORIGIN"

log "checkouts, env files, databases"
install -d -m 0755 /etc/chip
for i in prod test; do
    as_chip git clone -q "$CHIP_ORIGIN" "$CHIP_ROOT/$i"
    as_chip git -C "$CHIP_ROOT/$i" checkout -q --detach v1.0.0
    (
        umask 077
        cat >"/etc/chip/$i.env" <<ENV
PORT=${CHIP_PORT[$i]}
SECRET_KEY=$CHIP_SECRET_KEY
DATABASE_PATH=$CHIP_ROOT/data/$i.sqlite3
STATIC_ROOT=$CHIP_ROOT/static/$i
ENV
    )
    set -a; . "/etc/chip/$i.env"; set +a
    (cd "$CHIP_ROOT/$i/chip_dashboard" && as_chip env SECRET_KEY="$SECRET_KEY" DATABASE_PATH="$DATABASE_PATH" STATIC_ROOT="$STATIC_ROOT" \
        "$CHIP_VENV/bin/python" manage.py migrate --noinput -v 0 \
        && as_chip env SECRET_KEY="$SECRET_KEY" DATABASE_PATH="$DATABASE_PATH" STATIC_ROOT="$STATIC_ROOT" \
        "$CHIP_VENV/bin/python" manage.py collectstatic --noinput -v 0)
    as_chip sqlite3 "$DATABASE_PATH" "INSERT INTO core_chip (name, created) VALUES ('NE555', datetime('now')), ('LM317', datetime('now'));"
    as_chip cp "$DATABASE_PATH" "$DATABASE_PATH.pristine"  # what ctl.sh reset puts back
done
unset PORT SECRET_KEY DATABASE_PATH STATIC_ROOT

log "nginx"
rm -f /etc/nginx/sites-enabled/default
install -m 0644 "$here/nginx-site.conf" /etc/nginx/sites-available/django
ln -sfn ../sites-available/django /etc/nginx/sites-enabled/django
nginx -t -q || die "nginx -t failed"

log "start"
systemctl start broker_portal@prod.service broker_portal@test.service nginx.service
for i in prod test; do
    scenario_wait_for 30 curl -fsS "http://127.0.0.1:${CHIP_PORT[$i]}/health" || {
        journalctl -u "broker_portal@$i" -n 30 --no-pager >&2
        die "broker_portal@$i is not healthy"
    }
done
scenario_wait_for 10 curl -fsS -H 'Host: pravoo.in' http://127.0.0.1/health || die "nginx does not reach broker_portal@prod"
log "ready: $(curl -fsS http://127.0.0.1:8001/health)"
