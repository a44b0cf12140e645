# shellcheck shell=bash disable=SC2034
# compose scenario: names shared by populate.sh and ctl.sh (sourced; runs INSIDE the sandbox).
# The credentials are the seed's own defaults (planted: an audit must flag them); they exist only
# in throwaway sandboxes.

PULSE_DIR=/opt/pulse                  # the Compose project (a git checkout owned by pulse)
PULSE_PROJECT=pulse                   # docker-compose's project name (the directory's name)
PULSE_USER=pulse
PULSE_UID=1001
PULSE_COMPOSE_FILE=$PULSE_DIR/docker-compose.yml
PULSE_ENV_FILE=$PULSE_DIR/.env
PULSE_UI_PORT=8080                    # published on 127.0.0.1 only
PULSE_PG_PORT=5432                    # published on every address (planted)
PULSE_HEALTH_URL=http://127.0.0.1:$PULSE_UI_PORT/health
PULSE_HEALTH_BODY='{"status":"ok","version":"1.0.0"}'
PULSE_DB_USER=iot
PULSE_DB_PASSWORD=iot_dev
PULSE_DB_NAME=iotcloud
PULSE_ADMIN_PASSWORD=admin_dev
PULSE_TAG=v1.0.0                      # the first commit; HEAD (main) is one commit later
# docker-compose 1.29 names containers PROJECT_SERVICE_N.
PULSE_UI=${PULSE_PROJECT}_ui_1
PULSE_INGEST=${PULSE_PROJECT}_ingest_1
PULSE_POSTGRES=${PULSE_PROJECT}_postgres_1
# Base images made from the host's files by populate.sh (no registry is reachable).
PULSE_PYTHON_IMAGE=steward/python:3.11
PULSE_POSTGRES_IMAGE=steward/postgres:15

export PATH=/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin
export LC_ALL=C.UTF-8
export SYSTEMD_PAGER='' SYSTEMD_COLORS=0

# shellcheck source=../lib/scenario.sh
. "$(dirname "${BASH_SOURCE[0]}")/../lib/scenario.sh"
pulse_assert_sandbox() { scenario_assert_sandbox compose; }
pulse_wait_for() { scenario_wait_for "$@"; } # MAX CMD...

# CMD as user pulse (member of group docker), with its own HOME: how its operator runs things.
# (setpriv, not runuser or su: no PAM session lines in the journal)
pulse_as_user() {
    setpriv --reuid="$PULSE_USER" --regid="$PULSE_USER" --init-groups -- \
        env HOME="/home/$PULSE_USER" USER="$PULSE_USER" LOGNAME="$PULSE_USER" "$@"
}

# docker-compose in the project directory, as pulse (what the seed's runbook does).
pulse_compose() { (cd "$PULSE_DIR" && pulse_as_user docker-compose "$@"); }

# psql inside the postgres container, as the app's user on its database (the local socket
# trusts it): `-At` output.
pulse_psql() { # SQL
    docker exec -i "$PULSE_POSTGRES" psql -X -At -v ON_ERROR_STOP=1 -U "$PULSE_DB_USER" -d "$PULSE_DB_NAME" -c "$1"
}

# A container's health status (healthy, unhealthy, starting), or nothing without a healthcheck.
pulse_health() { docker inspect -f '{{if .State.Health}}{{.State.Health.Status}}{{end}}' "$1" 2>/dev/null; }
pulse_restart_count() { docker inspect -f '{{.RestartCount}}' "$1" 2>/dev/null; }
pulse_is_healthy() { [[ "$(pulse_health "$1")" == healthy ]]; }

# HTTP status of GET URL, 000 if none; the body goes to file $2 if given.
pulse_http_status() { # URL [BODY_FILE]
    curl -s --max-time 5 -o "${2:-/dev/null}" -w '%{http_code}' "$1" 2>/dev/null || true
}
