#!/bin/bash
# Gives the compose sandbox's /opt/pulse a bare "origin" and the release tags the Compose deploy tests deploy. Runs
# INSIDE the sandbox as root, after populate.sh; the project keeps running main (its ingest restarting for want of
# the telemetry package's COPY line; migrations 001 and 002 applied by hand, no tracking table).
#
#   v1.1.0  (from main) ingest's Dockerfile copies telemetry/; 004_alert_rules.sql; the ui says 1.1.0:
#           a good deploy that applies two migrations (003, 004) and adopts 001 and 002
#   v1.2.0  (from v1.1.0) 005_notes.sql, and the ui's /health answers 500: its new image fails its health check
#   v1.3.0  (from v1.1.0) 005_channels.sql creates a table, then fails: a migration failing halfway
#   v1.4.0  (from v1.1.0) the ui says 1.4.0: a good release (the kill -9 test's)
set -euo pipefail
here=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
# shellcheck source=common.sh
. "$here/common.sh"
pulse_assert_sandbox
bare=/srv/git/pulse.git
work=$(mktemp -d)
chmod 0755 "$work"
chown "$PULSE_USER:$PULSE_USER" "$work"
trap 'rm -rf "$work"' EXIT

install -d -m 0755 -o "$PULSE_USER" -g "$PULSE_USER" /srv/git
pulse_as_user git init -q --bare "$bare"
pulse_as_user git -C "$bare" symbolic-ref HEAD refs/heads/main
pulse_as_user git -C "$PULSE_DIR" remote add origin "$bare"
pulse_as_user git -C "$PULSE_DIR" push -q origin main "$PULSE_TAG"
pulse_as_user git clone -q "$bare" "$work/pulse"
g() { pulse_as_user env GIT_AUTHOR_DATE=2024-07-01T10:00:00Z GIT_COMMITTER_DATE=2024-07-01T10:00:00Z git -C "$work/pulse" "$@"; }
w=$work/pulse
as() { pulse_as_user "$@"; }
version() { # VERSION: what the ui's /health says
    as sed -i "s/^VERSION = .*/VERSION = \"$1\"/" "$w/services/ui/health/__init__.py"
}
release() { # TAG MESSAGE
    g add -A
    g commit -q -m "$2"
    g tag -a "$1" -m "Release $1"
}

# v1.1.0
as sed -i 's|^COPY app /app/app$|COPY app /app/app\nCOPY telemetry /app/telemetry|' "$w/services/ingest/Dockerfile"
as tee "$w/db/migrations/004_alert_rules.sql" >/dev/null <<'SQL'
-- 004: per-tenant alert thresholds. Idempotent: safe to apply again.
CREATE TABLE IF NOT EXISTS alert_rules (
    id        bigserial PRIMARY KEY,
    tenant_id text NOT NULL REFERENCES tenants (tenant_id),
    metric    text NOT NULL,
    warning   double precision,
    critical  double precision
);
INSERT INTO alert_rules (tenant_id, metric, warning, critical) VALUES ('tenant-a', 'temperature', 70, 85);
SQL
version 1.1.0
release v1.1.0 "ingest: copy the telemetry package; alert rules (004)"

# v1.2.0: a migration that works, and a ui whose health answers 500.
as tee "$w/db/migrations/005_notes.sql" >/dev/null <<'SQL'
-- 005: operator notes on devices.
CREATE TABLE IF NOT EXISTS device_notes (device_id text NOT NULL REFERENCES devices (device_id), note text NOT NULL);
SQL
version 1.2.0
as sed -i 's|return {"status": "ok", "version": VERSION}|return {"status": "degraded", "version": VERSION}|' "$w/services/ui/health/__init__.py"
as sed -i 's|            self.send_json(200, status_payload())|            self.send_json(500, status_payload())|' "$w/services/ui/app/main.py"
release v1.2.0 "ui: degraded health (a bad release); device notes (005)"

# v1.3.0 (from v1.1.0): a migration that creates a table, then fails.
g checkout -q v1.1.0
as tee "$w/db/migrations/005_channels.sql" >/dev/null <<'SQL'
-- 005: notification channels.
CREATE TABLE notification_channels (id bigserial PRIMARY KEY, tenant_id text NOT NULL, kind text NOT NULL);
INSERT INTO notification_channels (tenant_id, kind) VALUES ('tenant-a', 'webhook');
ALTER TABLE notification_channels ADD COLUMN target text NOT NULL REFERENCES no_such_table (id);
SQL
version 1.3.0
release v1.3.0 "notification channels (005, broken)"

# v1.4.0 (from v1.1.0): a version bump.
g checkout -q v1.1.0
version 1.4.0
release v1.4.0 "ui 1.4.0"

g push -q origin v1.1.0 v1.2.0 v1.3.0 v1.4.0
echo "compose make-origin: $bare has main, $PULSE_TAG, v1.1.0, v1.2.0, v1.3.0, v1.4.0" >&2
