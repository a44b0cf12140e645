# shellcheck shell=bash disable=SC2034
# marb scenario: names shared by populate.sh and ctl.sh (sourced; runs INSIDE the sandbox).
# The passwords are test-only constants: they exist only in throwaway sandboxes.

MARB_INSTANCE=prod
MARB_PORT=8000
MARB_DB_NAME=marb
MARB_DB_USER=marb
MARB_DB_PASSWORD=marb-db-test-only-5f3a
MARB_REDIS_PASSWORD=marb-redis-test-only-9c1e
MARB_DOMAIN=marb.example.org
MARB_ENV_FILE=/etc/marb/$MARB_INSTANCE.env
MARB_SITE=/etc/nginx/sites-available/marb
MARB_SSL_DIR=/etc/nginx/ssl
MARB_CERT=$MARB_SSL_DIR/$MARB_DOMAIN.crt   # the certificate nginx serves
MARB_KEY=$MARB_SSL_DIR/$MARB_DOMAIN.key
MARB_QUEUE=celery
MARB_QUEUE_BASELINE=5
MARB_HEALTH_URL=https://$MARB_DOMAIN/api/v1/health

export PATH=/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin
export LC_ALL=C.UTF-8
export SYSTEMD_PAGER='' SYSTEMD_COLORS=0
# redis-cli reads the password from here (no "using a password on the command line" warning).
export REDISCLI_AUTH=$MARB_REDIS_PASSWORD

# shellcheck source=../lib/scenario.sh
. "$(dirname "${BASH_SOURCE[0]}")/../lib/scenario.sh"
marb_assert_sandbox() { scenario_assert_sandbox marb; }
marb_wait_for() { scenario_wait_for "$@"; } # MAX CMD...

marb_listening() { [[ -n "$(ss -Hlnt "sport = :$1")" ]]; }

# HTTP status of GET URL through nginx (SNI and Host marb.example.org on 127.0.0.1), 000 if none;
# the body goes to file $2 if given.
marb_http_status() { # URL [BODY_FILE]
    curl -sk --max-time 5 --resolve "$MARB_DOMAIN:443:127.0.0.1" --resolve "$MARB_DOMAIN:80:127.0.0.1" \
        -o "${2:-/dev/null}" -w '%{http_code}' "$1" 2>/dev/null || true
}

marb_health_status() { marb_http_status "$MARB_HEALTH_URL" "$@"; }

marb_redis() { redis-cli -h 127.0.0.1 -p 6379 --no-auth-warning "$@"; }

# The Debian cluster of the installed PostgreSQL major version (highest one).
marb_pg_version() {
    local v
    v=$(find /usr/lib/postgresql -mindepth 3 -maxdepth 3 -path '*/bin/postgres' 2>/dev/null \
        | awk -F/ '{ print $5 }' | sort -n | tail -n1)
    [[ -n "$v" ]] || { echo "marb: no PostgreSQL server under /usr/lib/postgresql (package postgresql)" >&2; return 1; }
    printf '%s\n' "$v"
}

# A Celery-style task message (what a Celery producer pushes on the `celery` list), number N,
# into variable VAR (no subshell: backlog builds thousands).
marb_task_message() { # VAR N
    printf -v "$1" '{"headers":{"task":"app.tasks.process_claim","id":"00000000-0000-4000-8000-%012d","retries":0},"body":{"claim_id":%d},"content-type":"application/json"}' "$2" "$2"
}

# The baseline queue: exactly MARB_QUEUE_BASELINE messages (1..N) on the list.
marb_reset_queue() {
    local items=() i m
    for ((i = 1; i <= MARB_QUEUE_BASELINE; i++)); do marb_task_message m "$i"; items+=("$m"); done
    marb_redis del "$MARB_QUEUE" >/dev/null
    marb_redis rpush "$MARB_QUEUE" "${items[@]}" >/dev/null
}
