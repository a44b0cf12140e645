#!/bin/bash
# racklab, after systemd is up: runs INSIDE the sandbox as root (sandbox.sh start runs it).
# Builds the RackLab-RTP shape of shared/seeds/002_67a6d3fced6942ee.txt for backup tests: an HTTP
# API (Python standard library) on SQLite in WAL mode under racklab@prod, which keeps writing, and
# a media directory. See EXPECTED.md; ctl.sh changes it for tests.
set -euo pipefail

here=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
# shellcheck source=common.sh
. "$here/common.sh"

log() { printf 'racklab-populate: %s %s\n' "$EPOCHREALTIME" "$*" >&2; }
die() { log "FATAL: $*"; exit 1; }

racklab_assert_sandbox
for tool in /usr/bin/python3 sqlite3 curl; do
    command -v "$tool" >/dev/null || die "$tool missing: is it installed on the host?"
done

# ---------------------------------------------------------------------------
# 1. the unit, installed and enabled with one daemon-reload (the links `systemctl enable` makes)
# ---------------------------------------------------------------------------
log "unit"
install -m 0644 "$here/units/racklab@.service" /etc/systemd/system/racklab@.service
wants=/etc/systemd/system/multi-user.target.wants
mkdir -p "$wants"
ln -sfn /etc/systemd/system/racklab@.service "$wants/$RACKLAB_UNIT"
systemctl daemon-reload

# ---------------------------------------------------------------------------
# 2. user racklab, the app, its env file and its data directory
# ---------------------------------------------------------------------------
log "user racklab, app, env file, data directory"
useradd --system --user-group --no-create-home --home-dir /srv/racklab --shell /usr/sbin/nologin \
    --comment "RackLab-RTP application" racklab
install -d -m 0755 -o racklab -g racklab /opt/racklab "/opt/racklab/$RACKLAB_INSTANCE" \
    "/opt/racklab/$RACKLAB_INSTANCE/app"
install -m 0644 -o racklab -g racklab "$here/app/server.py" "$RACKLAB_APP"
install -d -m 0755 -o root -g root /etc/racklab
(
    umask 077
    cat >"$RACKLAB_ENV_FILE" <<EOF
PORT=$RACKLAB_PORT
DATABASE_URL=sqlite:///$RACKLAB_DB
AUTH_TOKEN=$RACKLAB_AUTH_TOKEN
WRITE_INTERVAL_MS=$RACKLAB_WRITE_INTERVAL_MS
EXPECTED_SCHEMA=$RACKLAB_SCHEMA
EOF
)
chown root:racklab "$RACKLAB_ENV_FILE"
chmod 0640 "$RACKLAB_ENV_FILE"
install -d -m 0755 -o root -g root /srv/racklab
install -d -m 0750 -o racklab -g racklab "$RACKLAB_DATA"

# ---------------------------------------------------------------------------
# 3. start the app (it creates and seeds the database), then write the media meanwhile
# ---------------------------------------------------------------------------
log "start $RACKLAB_UNIT"
systemctl start --no-block "$RACKLAB_UNIT"

log "media"
# The script comes on stdin: racklab need not be able to read the checkout.
(umask 027 && as_racklab /usr/bin/python3 - "$RACKLAB_MEDIA" <"$here/make-media.py")

# ---------------------------------------------------------------------------
# 4. wait for the final state: healthy
# ---------------------------------------------------------------------------
log "waiting for $RACKLAB_HEALTH_URL"
if ! racklab_wait_for 30 racklab_healthy; then
    log "health: HTTP $(racklab_health_status /dev/stderr)"
    systemctl status --no-pager -n 20 "$RACKLAB_UNIT" >&2 || true
    journalctl --no-pager -n 20 -u "$RACKLAB_UNIT" >&2 || true
    die "$RACKLAB_HEALTH_URL did not answer 200 healthy within 30 s"
fi

# ---------------------------------------------------------------------------
# 5. check the result
# ---------------------------------------------------------------------------
check() { # WHAT EXPECTED ACTUAL
    [[ "$2" == "$3" ]] || die "$1: expected '$2', got '$3'"
}
check "$RACKLAB_UNIT ActiveState" active "$(systemctl show -P ActiveState "$RACKLAB_UNIT")"
check "$RACKLAB_UNIT UnitFileState" enabled "$(systemctl show -P UnitFileState "$RACKLAB_UNIT")"
check "$RACKLAB_UNIT NRestarts" 0 "$(systemctl show -P NRestarts "$RACKLAB_UNIT")"
check "app user" racklab "$(ps -o user= -p "$(systemctl show -P MainPID "$RACKLAB_UNIT")")"
check "listeners" "127.0.0.1:$RACKLAB_PORT" "$(ss -Hltn | awk '{ print $4 }' | sort | xargs)"
check "env file" "root racklab 640" "$(stat -c '%U %G %a' "$RACKLAB_ENV_FILE")"
check "data directory" "racklab racklab 750" "$(stat -c '%U %G %a' "$RACKLAB_DATA")"
check "database owner" racklab "$(stat -c %U "$RACKLAB_DB")"
check "journal mode" wal "$(racklab_sqlite -readonly 'PRAGMA journal_mode;')"
check "schema_version" "$RACKLAB_SCHEMA" "$(racklab_sqlite -readonly "SELECT value FROM meta WHERE key = 'schema_version';")"
read -r count n < <(racklab_rows)
check "count(results) = totals.n" "$count" "$n"
((count >= RACKLAB_SEED_ROWS)) || die "only $count results rows (seeded $RACKLAB_SEED_ROWS)"
sleep 0.2
read -r count2 _ < <(racklab_rows)
((count2 > count)) || die "the writer is not writing ($count rows, 0.2 s later $count2)"
check "media files kept by a backup" 60 "$(find "$RACKLAB_MEDIA" -type f ! -name '*.tmp' ! -path "$RACKLAB_MEDIA/cache/*" | wc -l)"
check "media *.tmp files" 4 "$(find "$RACKLAB_MEDIA" -type f -name '*.tmp' | wc -l)"
check "media cache/ files" 10 "$(find "$RACKLAB_MEDIA/cache" -type f | wc -l)"
check "media owners" racklab "$(find "$RACKLAB_MEDIA" -printf '%u\n' | sort -u | xargs)"
check "media digest" "$RACKLAB_MEDIA_DIGEST" "$(racklab_media_digest "$RACKLAB_MEDIA")"
# (captured first: `journalctl | grep -q` would fail on SIGPIPE under pipefail)
started() { grep -q 'racklab: serving' <<<"$(journalctl -q -u "$RACKLAB_UNIT")"; }
racklab_wait_for 5 started || die "no start line in the journal of $RACKLAB_UNIT"
! grep -qF "$RACKLAB_AUTH_TOKEN" <<<"$(journalctl -q)" || die "the auth token is in the journal"

log "ready: $RACKLAB_UNIT on 127.0.0.1:$RACKLAB_PORT, $RACKLAB_DB ($count2 rows and growing), media $RACKLAB_MEDIA_DIGEST"
