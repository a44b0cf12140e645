#!/bin/bash
# marb scenario: changes the running sandbox for tests. Runs INSIDE the sandbox, as root:
#
#   Tests/Scenarios/sandbox.sh exec STATE -- bash <repo>/Tests/Scenarios/marb/ctl.sh ACTION [ARG]
#
#   stop-postgres        systemctl stop postgresql (and so postgresql@<ver>-main); returns once
#                        5432 is closed and the health endpoint answers 503
#   start-postgres       systemctl start postgresql; returns once the health endpoint answers 200
#                        (or 503 only because of something else that is down)
#   stop-redis           systemctl stop redis-server; 6379 closed, health 503
#   start-redis          systemctl start redis-server; PING answers, health back (as above)
#   backlog N            RPUSH N more task messages on the `celery` list; prints the new length
#   clear-backlog        back to the 5 baseline messages; prints the length (5)
#   nginx-upstream PORT  rewrite proxy_pass to 127.0.0.1:PORT, nginx -t, reload; returns once
#                        nginx answers with the new upstream (502 for a port nothing serves;
#                        PORT 8000 restores it)
#   cert valid|expiring|expired
#                        serve that certificate (365 days / 5 days + 1 h / expired yesterday),
#                        reload nginx; returns once port 443 serves it
#   health               GET https://marb.example.org/api/v1/health (127.0.0.1:443); prints the
#                        HTTP status on line 1 and the body on line 2; exit 0 for 200, 1 for any
#                        other status, 2 for no answer
#
# Progress and errors go to stderr; exit 1 when the effect did not show within the timeout
# (20 s), 2 on usage errors.
set -euo pipefail

here=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
# shellcheck source=common.sh
. "$here/common.sh"

log() { printf 'marb-ctl: %s\n' "$*" >&2; }
die() { log "error: $*"; exit 1; }
usage() { awk 'NR > 1 && /^#/ { sub(/^# ?/, ""); print; next } NR > 1 { exit }' "${BASH_SOURCE[0]}" >&2; exit 2; }
timeout=20

marb_assert_sandbox
[[ $# -ge 1 ]] || usage
action=$1; shift

tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT

await() { # WHAT CMD...: wait for CMD, or fail with WHAT and the current health
    local what=$1; shift
    marb_wait_for "$timeout" "$@" && return 0
    log "health now: HTTP $(marb_health_status "$tmp/h") $(cat "$tmp/h" 2>/dev/null)"
    die "timed out after ${timeout}s waiting for: $what"
}
closed() { ! marb_listening "$1"; }
health_is() { [[ "$(marb_health_status "$tmp/h")" == "$1" ]]; }
# The health JSON says KEY is connected (whatever else is down).
health_says_connected() { marb_health_status "$tmp/h" >/dev/null; grep -q "\"$1\":\"connected\"" "$tmp/h"; }
health_says_down() { marb_health_status "$tmp/h" >/dev/null; grep -q "\"$1\":\"disconnected" "$tmp/h"; }
need_arg() { [[ $# -eq 1 ]] || usage; }
no_arg() { [[ $# -eq 0 ]] || usage; }

case "$action" in
    stop-postgres)
        no_arg "$@"
        systemctl stop postgresql.service
        await "port 5432 closed" closed 5432
        await "health 503 with database disconnected" eval 'health_is 503 && health_says_down database'
        ;;
    start-postgres)
        no_arg "$@"
        systemctl start postgresql.service
        await "port 5432 open" marb_listening 5432
        await "health reporting database connected" health_says_connected database
        ;;
    stop-redis)
        no_arg "$@"
        systemctl stop redis-server.service
        await "port 6379 closed" closed 6379
        await "health 503 with redis disconnected" eval 'health_is 503 && health_says_down redis'
        ;;
    start-redis)
        no_arg "$@"
        systemctl start redis-server.service
        await "redis answering PING" marb_redis ping
        await "health reporting redis connected" health_says_connected redis
        ;;
    backlog)
        need_arg "$@"
        [[ "$1" =~ ^[0-9]+$ ]] || usage
        n=$1 done_=0
        start=$(marb_redis llen "$MARB_QUEUE")
        while ((done_ < n)); do # batches of up to 1000 per RPUSH
            items=()
            while ((${#items[@]} < 1000 && done_ < n)); do
                done_=$((done_ + 1))
                marb_task_message m $((start + done_))
                items+=("$m")
            done
            marb_redis rpush "$MARB_QUEUE" "${items[@]}" >/dev/null
        done
        marb_redis llen "$MARB_QUEUE"
        ;;
    clear-backlog)
        no_arg "$@"
        marb_reset_queue
        marb_redis llen "$MARB_QUEUE"
        ;;
    nginx-upstream)
        need_arg "$@"
        if ! [[ "$1" =~ ^[0-9]+$ ]] || (($1 < 1 || $1 > 65535)); then usage; fi
        port=$1
        sed -i --follow-symlinks -E "s|proxy_pass http://127\.0\.0\.1:[0-9]+;|proxy_pass http://127.0.0.1:$port;|" "$MARB_SITE"
        grep -q "proxy_pass http://127.0.0.1:$port;" "$MARB_SITE" || die "no proxy_pass line rewritten in $MARB_SITE"
        nginx -t -q || die "nginx -t failed"
        systemctl reload nginx.service
        # The app answers 200 or 503; through any other upstream nginx answers something else
        # (502 when nothing listens there).
        app_answers() { local s; s=$(marb_health_status); [[ $s == 200 || $s == 503 ]]; }
        if [[ $port == "$MARB_PORT" ]]; then
            await "nginx proxying to the app again" app_answers
        else
            await "nginx proxying to 127.0.0.1:$port" eval '! app_answers'
        fi
        log "upstream 127.0.0.1:$port: health answers HTTP $(marb_health_status)"
        ;;
    cert)
        need_arg "$@"
        case "$1" in valid | expiring | expired) ;; *) usage ;; esac
        src=$MARB_SSL_DIR/$MARB_DOMAIN.$1.crt
        [[ -f $src ]] || die "$src missing"
        install -m 0644 "$src" "$MARB_CERT"
        nginx -t -q || die "nginx -t failed"
        systemctl reload nginx.service
        want=$(openssl x509 -in "$src" -noout -fingerprint -sha256)
        served() {
            [[ "$(openssl s_client -connect 127.0.0.1:443 -servername "$MARB_DOMAIN" </dev/null 2>/dev/null \
                | openssl x509 -noout -fingerprint -sha256 2>/dev/null)" == "$want" ]]
        }
        await "nginx serving the $1 certificate" served
        log "serving $1: $(openssl x509 -in "$src" -noout -enddate)"
        ;;
    health)
        no_arg "$@"
        status=$(marb_health_status "$tmp/h")
        echo "$status"
        cat "$tmp/h" 2>/dev/null || true
        echo
        [[ $status == 200 ]] && exit 0
        [[ $status == 000 ]] && exit 2
        exit 1
        ;;
    -h | --help | help) usage ;;
    *) usage ;;
esac
