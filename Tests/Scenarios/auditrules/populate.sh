#!/bin/bash
# auditrules, after systemd is up: runs INSIDE the sandbox as root (sandbox.sh start runs it).
# One host with what issue 16's audit rules look for, each made with the real tool: nginx serving a self-signed
# certificate that expires in 5 days on a site with no port-80 redirect and a Let's Encrypt lineage (from a local
# CA) that expires in 15 days, names one server_name of two, has no renewal timer and whose last renewal failed;
# an app (notes@prod, Restart=no) whose env file has a short JWT_SECRET_KEY, CORS_ORIGINS=*, REQUIRE_AUTH=false,
# ALLOWED_HOSTS=* and SESSION_COOKIE_SECURE=False, a SQLite database in rollback mode and a 101 MiB log nothing
# rotates; Redis on 0.0.0.0:6390 without a password, which the app uses; PostgreSQL listening on every address
# (listen_addresses = '*') with a TCP trust line in its pg_hba.conf; notes@archive, whose SQLite database is 2.5 GiB,
# and notes@queue, whose database has a 1.2 GiB -wal (both sparse: the size is what the rules read; the headers are
# sqlite3's own); and about 85 MiB of journald's own files on the journal's 1 GiB filesystem, no SystemMaxUse=.
set -euo pipefail

here=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
# shellcheck source=../lib/scenario.sh
. "$here/../lib/scenario.sh"
scenario_assert_sandbox auditrules

log() { printf 'auditrules-populate: %s %s\n' "$EPOCHREALTIME" "$*" >&2; }
die() { log "FATAL: $*"; exit 1; }
for tool in openssl sqlite3 redis-server nginx pg_createcluster; do command -v "$tool" >/dev/null || die "$tool missing on the host"; done

tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT

log "units"
install -m 0644 "$here/units/notes@.service" /etc/systemd/system/notes@.service
# Redis and certbot as their Debian packages install them: package units, not the admin's.
for u in notes-redis.service certbot.service certbot.timer; do
    install -m 0644 "$here/units/$u" "/usr/lib/systemd/system/$u"
done
mkdir -p /etc/systemd/system/multi-user.target.wants
for i in prod archive queue; do
    ln -sfn /etc/systemd/system/notes@.service "/etc/systemd/system/multi-user.target.wants/notes@$i.service"
done
systemctl daemon-reload

# PostgreSQL once the units are loaded (nothing reloads systemd while it starts), in the background (initdb is the
# slowest step): a fresh Debian cluster on port 5432 listening on every address of the sandbox's own network
# namespace (listen_addresses = '*'), with the scenario's pg_hba.conf.
pgv=15
[[ -x /usr/lib/postgresql/$pgv/bin/postgres ]] || die "no PostgreSQL $pgv server (package postgresql-$pgv)"
[[ "$(findmnt -n -o FSTYPE --mountpoint /var/lib/postgresql)" == tmpfs ]] || die "/var/lib/postgresql is not the sandbox's tmpfs"
pg_setup() {
    pg_createcluster "$pgv" main --port 5432 -- --auth-local=peer --auth-host=scram-sha-256 >/dev/null
    printf "# every address: what db.postgres-public-bind looks for\nlisten_addresses = '*'\n" >"/etc/postgresql/$pgv/main/conf.d/listen.conf"
    cat >"/etc/postgresql/$pgv/main/pg_hba.conf" <<'HBA'
local   all   postgres                peer
host    all   all      127.0.0.1/32   scram-sha-256
host    all   all      0.0.0.0/0      trust
HBA
    chown postgres:postgres "/etc/postgresql/$pgv/main/conf.d/listen.conf" "/etc/postgresql/$pgv/main/pg_hba.conf"
    chmod 0640 "/etc/postgresql/$pgv/main/pg_hba.conf"
    systemctl start "postgresql@$pgv-main.service"
    scenario_wait_for 30 pg_isready -q -h 127.0.0.1 -p 5432 || {
        systemctl status --no-pager -n 20 "postgresql@$pgv-main.service"
        return 1
    }
}
log "postgresql $pgv/main (background)"
pg_setup >"$tmp/pg.log" 2>&1 &
pg_pid=$!

log "app, env file, database, log"
useradd --system --user-group --no-create-home --home-dir /opt/notes --shell /usr/sbin/nologin notes
install -d -m 0755 -o notes -g notes /opt/notes /opt/notes/prod /opt/notes/prod/app /opt/notes/prod/logs
echo ok >/opt/notes/prod/app/health
install -d -m 0755 /etc/notes
(
    umask 077
    cat >/etc/notes/prod.env <<ENV
PORT=8601
ENVIRONMENT=production
DJANGO_SETTINGS_MODULE=notes.settings
DATABASE_URL=sqlite:////opt/notes/prod/notes.db
REDIS_URL=redis://127.0.0.1:6390/0
JWT_SECRET_KEY=notes-jwt-test-only-4d2
CORS_ORIGINS=*
REQUIRE_AUTH=false
ALLOWED_HOSTS=*
SESSION_COOKIE_SECURE=False
USE_SQLITE=1
ENV
)
sqlite3 /opt/notes/prod/notes.db 'PRAGMA journal_mode=DELETE; CREATE TABLE notes(id INTEGER PRIMARY KEY, body TEXT); INSERT INTO notes(body) VALUES ("first");' >/dev/null
chown notes:notes /opt/notes/prod/notes.db
# A sparse file: 101 MiB by its size, nothing on disk.
truncate -s 101M /opt/notes/prod/logs/app.log
chown notes:notes /opt/notes/prod/logs/app.log

log "notes@archive: a 2.5 GiB database; notes@queue: a 1.2 GiB -wal that no checkpoint empties"
for i in archive queue; do
    install -d -m 0755 -o notes -g notes "/opt/notes/$i" "/opt/notes/$i/app"
    echo ok >"/opt/notes/$i/app/health"
done
printf 'PORT=8602\nDATABASE_URL=sqlite:////opt/notes/archive/archive.db\n' >/etc/notes/archive.env
printf 'PORT=8603\nDATABASE_URL=sqlite:////opt/notes/queue/queue.db\n' >/etc/notes/queue.env
chmod 0600 /etc/notes/archive.env /etc/notes/queue.env
# WAL mode, as seed 002 asks: only the size is wrong. SQLite reads a file longer than its header's page count.
sqlite3 /opt/notes/archive/archive.db 'PRAGMA journal_mode=WAL; CREATE TABLE results(id INTEGER PRIMARY KEY, body TEXT); INSERT INTO results(body) VALUES ("r1");' >/dev/null
truncate -s 2560M /opt/notes/archive/archive.db
# A real -wal (sqlite3's header and frames, copied while its connection was open: closing the last connection
# checkpoints and removes it), then grown sparse as a reader that never ends lets it grow.
sqlite3 /opt/notes/queue/queue.db >/dev/null <<SQL
PRAGMA journal_mode=WAL;
PRAGMA wal_autocheckpoint=0;
CREATE TABLE jobs(id INTEGER PRIMARY KEY, body TEXT);
INSERT INTO jobs(body) VALUES ('j1'), ('j2');
.shell cp /opt/notes/queue/queue.db-wal $tmp/queue.db-wal
SQL
[[ -s $tmp/queue.db-wal ]] || die "no -wal was copied"
cp "$tmp/queue.db-wal" /opt/notes/queue/queue.db-wal
truncate -s 1200M /opt/notes/queue/queue.db-wal
chown notes:notes /opt/notes/archive/archive.db /opt/notes/queue/queue.db /opt/notes/queue/queue.db-wal

log "certificates"
install -d -m 0755 /etc/nginx/ssl
openssl req -x509 -newkey ec -pkeyopt ec_paramgen_curve:prime256v1 -nodes -days 5 -subj /CN=notes.example.org \
    -addext subjectAltName=DNS:notes.example.org -keyout /etc/nginx/ssl/notes.key -out /etc/nginx/ssl/notes.crt 2>"$tmp/log" \
    || { cat "$tmp/log" >&2; die "self-signed certificate"; }
live=/etc/letsencrypt/live/shop.example.org
install -d -m 0755 /etc/letsencrypt /etc/letsencrypt/live "$live" /etc/letsencrypt/renewal /var/log/letsencrypt
openssl req -x509 -newkey ec -pkeyopt ec_paramgen_curve:prime256v1 -nodes -days 3650 -subj "/CN=Sandbox CA" \
    -keyout "$tmp/ca.key" -out "$tmp/ca.crt" 2>"$tmp/log" || { cat "$tmp/log" >&2; die "CA"; }
openssl req -new -newkey ec -pkeyopt ec_paramgen_curve:prime256v1 -nodes -subj /CN=shop.example.org \
    -keyout "$live/privkey.pem" -out "$tmp/shop.csr" 2>"$tmp/log" || { cat "$tmp/log" >&2; die "CSR"; }
printf 'subjectAltName=DNS:shop.example.org\n' >"$tmp/ext"
openssl x509 -req -in "$tmp/shop.csr" -CA "$tmp/ca.crt" -CAkey "$tmp/ca.key" -CAcreateserial -days 15 \
    -extfile "$tmp/ext" -out "$tmp/shop.crt" 2>"$tmp/log" || { cat "$tmp/log" >&2; die "leaf"; }
cat "$tmp/shop.crt" "$tmp/ca.crt" >"$live/fullchain.pem"
printf 'version = 2.1.0\narchive_dir = /etc/letsencrypt/archive/shop.example.org\n' >/etc/letsencrypt/renewal/shop.example.org.conf
cat >/var/log/letsencrypt/letsencrypt.log <<'LOG'
2026-11-30 03:12:01,100:DEBUG:certbot._internal.main:certbot version: 2.1.0
2026-11-30 03:12:04,511:ERROR:certbot._internal.renewal:Failed to renew certificate shop.example.org with error: Could not bind TCP port 80 because it is already in use by another process on this system (such as a web server).
2026-11-30 03:12:04,600:ERROR:certbot._internal.renewal:All renewals failed. The following certificates could not be renewed:
  /etc/letsencrypt/live/shop.example.org/fullchain.pem (failure)
LOG

log "nginx"
install -m 0644 "$here/nginx-sites.conf" /etc/nginx/sites-enabled/auditrules
nginx -t -q || die "nginx -t failed"
systemctl restart nginx

log "journal: about 85 MiB of journald's own files (base64 of random bytes: zstd keeps 4/5 of it)"
head -c 80M /dev/urandom | base64 -w 30000 | systemd-cat -t auditrules-filler -p info
journalctl --sync
journal_bytes=$(find /var/log/journal \( -name '*.journal' -o -name '*.journal~' \) -printf '%s\n' | awk '{ s += $1 } END { print s + 0 }')
journal_fs=$(df -B1 --output=size /var/log/journal | tail -n1 | tr -d ' ')
log "journal: $journal_bytes bytes of $journal_fs"
((journal_bytes >= 64 << 20 && journal_bytes * 100 >= journal_fs * 5)) \
    || die "the journal holds $journal_bytes bytes of $journal_fs: below logs.journal-unbounded's thresholds"

log "waiting for postgresql"
wait "$pg_pid" || { cat "$tmp/pg.log" >&2; die "setting up PostgreSQL failed"; }

log "start"
systemctl start notes-redis.service notes@prod.service notes@archive.service notes@queue.service
scenario_wait_for 15 sh -c 'redis-cli -p 6390 ping | grep -qx PONG' || die "redis did not answer on 6390"
for port in 8601 8602 8603; do
    scenario_wait_for 15 curl -fsS "http://127.0.0.1:$port/health" || die "notes did not answer on $port"
done
ss -Hltn 'sport = :5432' | grep -q '0.0.0.0:5432' || die "postgresql does not listen on 0.0.0.0:5432"
scenario_wait_for 15 sh -c 'curl -sk --resolve notes.example.org:443:127.0.0.1 https://notes.example.org/health | grep -qx ok' \
    || die "nginx did not serve notes.example.org"
[[ "$(systemctl is-enabled certbot.timer)" == disabled ]] || die "certbot.timer is enabled"
[[ "$(sqlite3 /opt/notes/prod/notes.db 'PRAGMA journal_mode;')" == delete ]] || die "notes.db is in WAL mode"
log "ready"
