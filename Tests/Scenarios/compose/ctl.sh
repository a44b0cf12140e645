#!/bin/bash
# compose scenario: looks at the running sandbox for tests. Runs INSIDE the sandbox,
# as root:
#
#   Tests/Scenarios/sandbox.sh exec STATE -- bash <repo>/Tests/Scenarios/compose/ctl.sh ACTION [ARG]
#
#   ps                   docker-compose ps of /opt/pulse (as user pulse, from the project)
#   psql SQL             run SQL with psql inside the postgres container, as iot on iotcloud;
#                        prints psql's -At output (exit 1 on an SQL error)
#   health               GET http://127.0.0.1:8080/health (the ui); prints the HTTP status on
#                        line 1 and the body on line 2; exit 0 for 200, 1 for any other status,
#                        2 for no answer
#   logs SERVICE [N]     the last N (default 50) lines of docker logs of SERVICE's container
#                        (ui, ingest, postgres), stdout and stderr together
#   state SERVICE        the container's .State as docker inspect prints it (JSON), plus
#                        "RestartCount N" on a second line
#
# Errors go to stderr; exit 2 on usage errors.
set -euo pipefail

here=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
# shellcheck source=common.sh
. "$here/common.sh"

log() { printf 'compose-ctl: %s\n' "$*" >&2; }
die() { log "error: $*"; exit 1; }
usage() { awk 'NR > 1 && /^#/ { sub(/^# ?/, ""); print; next } NR > 1 { exit }' "${BASH_SOURCE[0]}" >&2; exit 2; }

pulse_assert_sandbox
[[ $# -ge 1 ]] || usage
action=$1; shift

need_arg() { [[ $# -eq 1 ]] || usage; }
no_arg() { [[ $# -eq 0 ]] || usage; }
container_of() { # SERVICE: its container's name
    case "$1" in
        ui) echo "$PULSE_UI" ;;
        ingest) echo "$PULSE_INGEST" ;;
        postgres) echo "$PULSE_POSTGRES" ;;
        *) usage ;;
    esac
}

case "$action" in
    ps)
        no_arg "$@"
        pulse_compose ps
        ;;
    psql)
        need_arg "$@"
        pulse_psql "$1" || exit 1
        ;;
    health)
        no_arg "$@"
        tmp=$(mktemp)
        trap 'rm -f "$tmp"' EXIT
        status=$(pulse_http_status "$PULSE_HEALTH_URL" "$tmp")
        echo "$status"
        cat "$tmp"
        echo
        [[ $status == 200 ]] && exit 0
        [[ $status == 000 ]] && exit 2
        exit 1
        ;;
    logs)
        [[ $# -eq 1 || $# -eq 2 ]] || usage
        [[ "${2:-50}" =~ ^[0-9]+$ ]] || usage
        c=$(container_of "$1")
        docker logs --tail "${2:-50}" "$c" 2>&1
        ;;
    state)
        need_arg "$@"
        c=$(container_of "$1")
        docker inspect -f '{{json .State}}' "$c"
        echo "RestartCount $(pulse_restart_count "$c")"
        ;;
    -h | --help | help) usage ;;
    *) usage ;;
esac
