#!/bin/bash
# racklab scenario: changes the running sandbox for tests. Runs INSIDE the sandbox, as root:
#
#   Tests/Scenarios/sandbox.sh exec STATE -- bash <repo>/Tests/Scenarios/racklab/ctl.sh ACTION [ARG]
#
#   pause-writer       create /srv/racklab/prod/writer.paused; returns once no more rows commit
#                      (a transaction in flight finishes first)
#   resume-writer      remove it; returns once rows commit again (at once if the app is stopped)
#   rows               print "COUNT N": count(results) and totals.n, one snapshot (sqlite3, read-only)
#   schema V           set meta.schema_version to V ([A-Za-z0-9._-]+); returns once /health answers
#                      503 (V is not 2) or 200 (V is 2) (at once if the app is stopped)
#   health             GET http://127.0.0.1:8300/health; prints the HTTP status (000: no answer),
#                      the body on stderr; exit 0 for 200, 1 for any other status, 2 for no answer
#   grow MB            with the writer paused, add rows of ~1 KB (count and totals.n together)
#                      until the database holds MB MiB, checkpoint the WAL into the file, resume the
#                      writer (unless it was paused before); prints the file's size in bytes
#   media-digest [DIR] print the digest of DIR (default /srv/racklab/prod/media) without *.tmp
#                      and cache/: what a backup of the media keeps (see EXPECTED.md)
#   restart            systemctl restart racklab@prod; returns once /health answers 200 healthy
#
# Progress and errors go to stderr; exit 1 when the effect did not show within the timeout
# (20 s), 2 on usage errors.
set -euo pipefail

here=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
# shellcheck source=common.sh
. "$here/common.sh"

log() { printf 'racklab-ctl: %s\n' "$*" >&2; }
die() { log "error: $*"; exit 1; }
usage() { awk 'NR > 1 && /^#/ { sub(/^# ?/, ""); print; next } NR > 1 { exit }' "${BASH_SOURCE[0]}" >&2; exit 2; }
timeout=20

racklab_assert_sandbox
[[ $# -ge 1 ]] || usage
action=$1; shift

tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT

await() { # WHAT CMD...: wait for CMD, or fail with WHAT and the current health
    local what=$1; shift
    racklab_wait_for "$timeout" "$@" && return 0
    log "health now: HTTP $(racklab_health_status "$tmp/h") $(cat "$tmp/h" 2>/dev/null)"
    die "timed out after ${timeout}s waiting for: $what"
}
health_is() { [[ "$(racklab_health_status)" == "$1" ]]; }
app_active() { systemctl -q is-active "$RACKLAB_UNIT"; }
# Rows counted twice, 0.1 s apart: the same (paused) or more (writing).
rows_steady() { local a; a=$(racklab_rows) && sleep 0.1 && [[ "$(racklab_rows)" == "$a" ]]; }
rows_growing() { local a b; read -r a _ < <(racklab_rows) && sleep 0.1 && read -r b _ < <(racklab_rows) && ((b > a)); }
need_arg() { [[ $# -eq 1 ]] || usage; }
no_arg() { [[ $# -eq 0 ]] || usage; }

pause() {
    as_racklab touch "$RACKLAB_PAUSE_FILE"
    sleep 0.05 # the writer checks the file once it holds the write lock: at most one commit follows
    await "writer paused (rows steady)" rows_steady
}

resume() {
    rm -f "$RACKLAB_PAUSE_FILE"
    if app_active; then await "writer writing again (rows growing)" rows_growing; fi
}

case "$action" in
    pause-writer)
        no_arg "$@"
        pause
        log "writer paused at $(racklab_rows)"
        ;;
    resume-writer)
        no_arg "$@"
        resume
        ;;
    rows)
        no_arg "$@"
        racklab_rows
        ;;
    schema)
        need_arg "$@"
        [[ "$1" =~ ^[A-Za-z0-9._-]+$ ]] || usage
        racklab_sqlite "INSERT INTO meta (key, value) VALUES ('schema_version', '$1')
                        ON CONFLICT (key) DO UPDATE SET value = excluded.value;"
        want=503
        [[ "$1" == "$RACKLAB_SCHEMA" ]] && want=200
        if app_active; then await "health $want with schema_version $1" health_is "$want"; fi
        ;;
    health)
        no_arg "$@"
        status=$(racklab_health_status "$tmp/h")
        echo "$status"
        cat "$tmp/h" >&2 2>/dev/null && echo >&2
        [[ $status == 200 ]] && exit 0
        [[ $status == 000 ]] && exit 2
        exit 1
        ;;
    grow)
        need_arg "$@"
        if ! [[ "$1" =~ ^[0-9]+$ ]] || (($1 < 1)); then usage; fi
        target=$(($1 * 1024 * 1024))
        if [[ ! -e "$RACKLAB_PAUSE_FILE" ]]; then
            trap 'rm -f "$RACKLAB_PAUSE_FILE"; rm -rf "$tmp"' EXIT # never leave it paused by accident
            pause
            resume_after=1
        fi
        size() { racklab_sqlite -readonly 'SELECT page_count * page_size FROM pragma_page_count(), pragma_page_size();'; }
        while :; do
            cur=$(size)
            ((cur < target)) || break
            # A row takes ~1.4 KB of pages: each batch stays just under what is missing, and at
            # most 5000 rows (~7 MB) go in one transaction.
            k=$(((target - cur) / 1400 + 1))
            ((k <= 5000)) || k=5000
            racklab_sqlite "BEGIN IMMEDIATE;
                INSERT INTO results (test, status, payload, created_at)
                    WITH RECURSIVE c(i) AS (SELECT 1 UNION ALL SELECT i + 1 FROM c WHERE i < $k)
                    SELECT 'bulk_import', 'passed', '{\"blob\":\"' || hex(randomblob(500)) || '\"}',
                           strftime('%Y-%m-%dT%H:%M:%fZ', 'now') FROM c;
                UPDATE totals SET n = n + $k WHERE id = 1;
                COMMIT;"
        done
        # Everything into the database file itself, so its size is what was asked for.
        racklab_sqlite 'PRAGMA wal_checkpoint(TRUNCATE);' >/dev/null
        if [[ -n "${resume_after:-}" ]]; then resume; fi
        log "database $((cur / 1024 / 1024)) MiB, rows: $(racklab_rows)"
        stat -c %s "$RACKLAB_DB"
        ;;
    media-digest)
        [[ $# -le 1 ]] || usage
        racklab_media_digest "$@"
        ;;
    restart)
        no_arg "$@"
        systemctl restart "$RACKLAB_UNIT"
        await "health 200 healthy" racklab_healthy
        ;;
    -h | --help | help) usage ;;
    *) usage ;;
esac
