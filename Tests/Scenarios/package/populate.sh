#!/bin/bash
# package, after systemd is up: runs INSIDE the sandbox as root (sandbox.sh start runs it).
# A host for the packaged binary with no Swift toolchain (prepare.sh hides /opt/swift): one app, hello@prod (Python's
# http.server on 127.0.0.1:8300 as user hello), its env file, a SQLite database in WAL mode and a self-signed
# certificate, so that `steward audit` and `steward check -f checks.yml` have something real to look at.
set -euo pipefail

here=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
# shellcheck source=../lib/scenario.sh
. "$here/../lib/scenario.sh"
scenario_assert_sandbox package

log() { printf 'package-populate: %s %s\n' "$EPOCHREALTIME" "$*" >&2; }
die() { log "FATAL: $*"; exit 1; }
for tool in python3 sqlite3 openssl dpkg; do command -v "$tool" >/dev/null || die "$tool missing on the host"; done

log "no toolchain"
[[ -z "$(ls -A /opt/swift 2>/dev/null)" ]] || die "/opt/swift is not empty: prepare.sh did not hide it"
! command -v swift >/dev/null || die "swift is on PATH: $(command -v swift)"
! ldconfig -p | grep -q libswiftCore || die "ldconfig still finds libswiftCore"

log "app"
useradd --system --user-group --no-create-home --home-dir /srv/hello --shell /usr/sbin/nologin hello
install -d -m 0755 -o hello -g hello /srv/hello /srv/hello/prod /srv/hello/prod/public
echo ok >/srv/hello/prod/public/health.txt
chown hello:hello /srv/hello/prod/public/health.txt
install -d -m 0755 /etc/hello
install -m 0600 /dev/null /etc/hello/prod.env
echo PORT=8300 >/etc/hello/prod.env
sqlite3 /srv/hello/prod/app.db 'PRAGMA journal_mode=WAL; CREATE TABLE notes(id INTEGER PRIMARY KEY, body TEXT); INSERT INTO notes(body) VALUES (1);' >/dev/null
chown hello:hello /srv/hello/prod/app.db
openssl req -x509 -newkey rsa:2048 -nodes -subj /CN=hello.test -days 90 \
    -keyout /srv/hello/prod/key.pem -out /srv/hello/prod/cert.pem 2>/dev/null
chmod 0600 /srv/hello/prod/key.pem

log "units"
install -m 0644 "$here/units/hello@.service" /etc/systemd/system/hello@.service
mkdir -p /etc/systemd/system/multi-user.target.wants
ln -sfn /etc/systemd/system/hello@.service /etc/systemd/system/multi-user.target.wants/hello@prod.service
systemctl daemon-reload
systemctl start hello@prod.service
scenario_wait_for 20 bash -c 'exec 3<>/dev/tcp/127.0.0.1/8300' || die "hello@prod does not listen on 127.0.0.1:8300"

log "ready"
