#!/bin/bash
# A request loop against an app while a deploy runs: how many requests failed (status other than 200).
# Runs INSIDE a sandbox.
#
#   load.sh start NAME URL [CURL_ARGS...]   one GET every 20 ms until stopped
#   load.sh stop NAME                       stops it and prints "REQUESTS FAILED"
set -euo pipefail
here=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
# shellcheck source=scenario.sh
. "$here/scenario.sh"
scenario_assert_sandbox load
out=/run/steward-load-$2
case $1 in
start)
    url=$3
    shift 3
    rm -f "$out".*
    (
        n=0 failed=0
        while [[ ! -e $out.stop ]]; do
            code=$(curl -s -o /dev/null -w '%{http_code}' --max-time 5 "$@" "$url" || true)
            n=$((n + 1))
            [[ $code == 200 ]] || failed=$((failed + 1))
            echo "$n $failed" >"$out.count"
            sleep 0.02
        done
        touch "$out.done"
    ) >/dev/null 2>&1 &
    scenario_wait_for 5 test -s "$out.count"
    ;;
stop)
    touch "$out.stop"
    scenario_wait_for 10 test -e "$out.done"
    cat "$out.count"
    ;;
*) echo "load.sh: unknown action $1" >&2; exit 2 ;;
esac
