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
install -m 0644 "$here/units/broker_portal@.service" "$here/units/portal@.service" "$here/units/chip_dashboard.service" \
    "$here/units/shop-slot@.service" /etc/systemd/system/
wants=/etc/systemd/system/multi-user.target.wants
mkdir -p "$wants"
for i in prod test; do ln -sfn /etc/systemd/system/broker_portal@.service "$wants/broker_portal@$i.service"; done
ln -sfn /etc/systemd/system/portal@.service "$wants/portal@stage.service"
ln -sfn /etc/systemd/system/chip_dashboard.service "$wants/chip_dashboard.service"
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
setup_instance() { # NAME CODE_DIR: env file, migrated database with two rows (and a pristine copy), static files
    local i=$1 code=$2
    (
        umask 077
        cat >"/etc/chip/$i.env" <<ENV
PORT=${CHIP_PORT[$i]}
SECRET_KEY=$CHIP_SECRET_KEY
DATABASE_PATH=$CHIP_ROOT/data/$i.sqlite3
STATIC_ROOT=$CHIP_ROOT/static/$i
ENV
    )
    local env=(env SECRET_KEY="$CHIP_SECRET_KEY" DATABASE_PATH="$CHIP_ROOT/data/$i.sqlite3" STATIC_ROOT="$CHIP_ROOT/static/$i")
    (cd "$code/chip_dashboard" && as_chip "${env[@]}" "$CHIP_VENV/bin/python" manage.py migrate --noinput -v 0 \
        && as_chip "${env[@]}" "$CHIP_VENV/bin/python" manage.py collectstatic --noinput -v 0)
    as_chip sqlite3 "$CHIP_ROOT/data/$i.sqlite3" "INSERT INTO core_chip (name, created) VALUES ('NE555', datetime('now')), ('LM317', datetime('now'));"
    as_chip cp "$CHIP_ROOT/data/$i.sqlite3" "$CHIP_ROOT/data/$i.sqlite3.pristine"  # what ctl.sh reset puts back
}
for i in prod test; do
    as_chip git clone -q "$CHIP_ORIGIN" "$CHIP_ROOT/$i"
    as_chip git -C "$CHIP_ROOT/$i" checkout -q --detach v1.0.0
    setup_instance "$i" "$CHIP_ROOT/$i"
done
# releases_base BASE: the releases layout (repo.git, releases/<ref>-<time>/, shared/, current), its first release
# (v1.0.0) made by hand, as an operator adopting the strategy leaves it. Sets $first.
releases_base() {
    local base=$1
    first=$base/releases/v1.0.0-20260101T000000.000
    install -d -m 0755 -o chip -g chip "$CHIP_ROOT/releases" "$base" "$base/releases" "$base/shared" "$base/shared/media" "$first"
    as_chip git clone -q --bare "$CHIP_ORIGIN" "$base/repo.git"
    as_chip git -C "$base/repo.git" archive --format=tar --output="$base/first.tar" v1.0.0
    as_chip tar -xf "$base/first.tar" -C "$first"
    rm -f "$base/first.tar"
    as_chip ln -sfn "$base/shared/media" "$first/media"
    as_chip ln -sfn releases/v1.0.0-20260101T000000.000 "$base/current"
}
# portal@stage: the releases strategy.
base=$CHIP_ROOT/releases/stage
releases_base "$base"
setup_instance stage "$base/current"
unset PORT SECRET_KEY DATABASE_PATH STATIC_ROOT
# shop@www: the same project deployed blue-green (issue 14). As an operator adopting the strategy leaves it: release
# v1.0.0 in slot 9104 (slots/9104 -> ../releases/…), shop-slot@9104 running, Steward's upstream file naming it and
# the site proxying to that upstream; slot 9204 idle.
base=$CHIP_ROOT/releases/www
releases_base "$base"
install -d -m 0755 -o chip -g chip "$base/slots"
as_chip ln -sfn ../releases/v1.0.0-20260101T000000.000 "$base/slots/${SHOP_SLOTS[0]}"
install -d -m 0755 /etc/shop
(
    umask 077
    printf 'SECRET_KEY=%s\nDATABASE_PATH=%s\nSTATIC_ROOT=%s\n' "$CHIP_SECRET_KEY" "$CHIP_ROOT/data/www.sqlite3" "$CHIP_ROOT/static/www" >/etc/shop/www.env
)
(cd "$first/chip_dashboard" && as_chip env SECRET_KEY="$CHIP_SECRET_KEY" DATABASE_PATH="$CHIP_ROOT/data/www.sqlite3" STATIC_ROOT="$CHIP_ROOT/static/www" \
    "$CHIP_VENV/bin/python" manage.py migrate --noinput -v 0)
as_chip cp "$CHIP_ROOT/data/www.sqlite3" "$CHIP_ROOT/data/www.sqlite3.pristine"  # what ctl.sh reset-shop puts back
install -d -m 0755 /etc/nginx/steward
cat >/etc/nginx/steward/shop-www.conf <<UPSTREAM
upstream steward_shop_www {
    server 127.0.0.1:${SHOP_SLOTS[0]};
    keepalive 16;
}
UPSTREAM
# chip_dashboard.service, the seed's own unit shape (no instance name, no PORT): a checkout at v1.0.0 with a copy of
# a migrated database, its port only in a gunicorn config file, served by nginx as live.pravoo.in.
as_chip git clone -q "$CHIP_ORIGIN" "$CHIP_ROOT/live"
as_chip git -C "$CHIP_ROOT/live" checkout -q --detach v1.0.0
as_chip cp "$CHIP_ROOT/data/prod.sqlite3.pristine" "$CHIP_ROOT/data/live.sqlite3"
# Its own /etc directory: a file in /etc/chip would read as one more instance of the templates (EnvironmentFile=/etc/chip/%i.env).
install -d -m 0755 /etc/chip_dashboard
(
    umask 077
    printf 'SECRET_KEY=%s\nDATABASE_PATH=%s\n' "$CHIP_SECRET_KEY" "$CHIP_ROOT/data/live.sqlite3" >/etc/chip_dashboard/env
)
printf 'bind = "0.0.0.0:%s"\n' "$CHIP_LIVE_PORT" >/etc/chip_dashboard/gunicorn.conf.py
chmod 0644 /etc/chip_dashboard/gunicorn.conf.py

log "nginx"
rm -f /etc/nginx/sites-enabled/default
# The site config is the repository's (deploy/nginx.conf): a release that changes it gets nginx -t and a reload.
ln -sfn "$CHIP_ROOT/prod/deploy/nginx.conf" /etc/nginx/sites-enabled/django
cat >/etc/nginx/sites-enabled/chip_dashboard <<SITE
# chip_dashboard.service (seed 004's broker_portal.service) behind nginx under a public name.
server {
    listen 127.0.0.1:80;
    server_name $CHIP_LIVE_DOMAIN;
    location / {
        proxy_pass http://127.0.0.1:$CHIP_LIVE_PORT;
        proxy_set_header Host \$host;
        proxy_set_header X-Forwarded-For \$proxy_add_x_forwarded_for;
        proxy_set_header X-Forwarded-Proto \$scheme;
    }
}
SITE
# shop@www through Steward's upstream file, with upstream keep-alive (HTTP/1.1, no Connection header).
cat >/etc/nginx/sites-enabled/shop <<SITE
include /etc/nginx/steward/shop-www.conf;
server {
    listen 127.0.0.1:80;
    server_name $SHOP_DOMAIN;
    location / {
        proxy_pass http://steward_shop_www;
        proxy_http_version 1.1;
        proxy_set_header Connection "";
        proxy_set_header Host \$host;
    }
}
SITE
nginx -t -q || die "nginx -t failed"

log "start"
systemctl enable --quiet "shop-slot@${SHOP_SLOTS[0]}.service"  # the serving slot starts at boot
systemctl start broker_portal@prod.service broker_portal@test.service portal@stage.service chip_dashboard.service \
    "shop-slot@${SHOP_SLOTS[0]}.service" nginx.service
for i in prod test stage; do
    scenario_wait_for 30 curl -fsS "http://127.0.0.1:${CHIP_PORT[$i]}/health" || {
        journalctl -u "broker_portal@$i" -n 30 --no-pager >&2
        die "broker_portal@$i is not healthy"
    }
done
scenario_wait_for 10 curl -fsS -H 'Host: pravoo.in' http://127.0.0.1/health || die "nginx does not reach broker_portal@prod"
scenario_wait_for 30 curl -fsS -H "Host: $SHOP_DOMAIN" http://127.0.0.1/health || {
    journalctl -u "shop-slot@${SHOP_SLOTS[0]}" -n 30 --no-pager >&2
    die "nginx does not reach shop@www's slot ${SHOP_SLOTS[0]}"
}
scenario_wait_for 30 curl -fsS -H "Host: $CHIP_LIVE_DOMAIN" http://127.0.0.1/health || {
    journalctl -u chip_dashboard -n 30 --no-pager >&2
    die "nginx does not reach chip_dashboard.service as $CHIP_LIVE_DOMAIN"
}
log "ready: $(curl -fsS http://127.0.0.1:8001/health)"
