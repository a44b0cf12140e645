#!/bin/bash
# Figures for issue 14 (zero-downtime deploys): the restart strategy and blue-green side by side, in one run on one
# host: the chip sandbox (Tests/Scenarios/chip: Django under gunicorn, SQLite, nginx in front of both).
#
#   bench/bluegreen-bench.sh [path/to/steward]      (default: .build/release/steward, else .build/debug/steward)
#
# restart:    broker_portal@prod (in place; nginx proxies pravoo.in to its one gunicorn), deployed BENCH_DEPLOYS times
#             alternately to v1.0.1 and v1.0.0 (only VERSION differs: no migration, no pip), under load.
# blue-green: shop@www (two slots behind nginx's upstream file, shop.pravoo.in), the same releases the same number
#             of times, under the same load. Its manifest entry is the scenario's, with no keep_warm (the old slot
#             stops after each drain, as a user without a grace period has it); neither runs collectstatic.
# Load: Tests/Scenarios/lib/keepalive-load.py, BENCH_CLIENTS (8) keep-alive clients through nginx, as fast as they
# go, from the first deploy's start to the last one's end; before each strategy, 5 s of the same load alone (the
# steady state its p99 is compared with).
# Printed (and in BENCH_OUT/summary.txt): per strategy, failed requests of all, requests/s, p50 and p99 during the
# deploys and steady, the median deploy wall time, and for blue-green the median switch step.
# Environment: BENCH_DEPLOYS (10), BENCH_CLIENTS (8), BENCH_OUT (results directory; default a new mktemp -d).
# Exit status: 0 when it ran, 1 when it could not.
set -euo pipefail

repo=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
sandbox=$repo/Tests/Scenarios/sandbox.sh
deploys=${BENCH_DEPLOYS:-10}
clients=${BENCH_CLIENTS:-8}

log() { printf 'bluegreen-bench: %s\n' "$*" >&2; }
die() { log "error: $*"; exit 1; }

steward=${1:-}
if [[ -z $steward ]]; then
    for c in "$repo/.build/release/steward" "$repo/.build/debug/steward"; do
        if [[ -x $c ]]; then steward=$c; break; fi
    done
fi
[[ -n $steward && -x $steward ]] || die "no steward binary: build it or pass a path"
steward=$(realpath "$steward")
# shellcheck source=lib.sh
. "$repo/bench/lib.sh"
bench_boot chip bluegreen-bench

manifest=/run/bluegreen-bench.yml
# Without the collectstatic build step (shop has none): both strategies deploy the same work.
in_sbx bash -c "grep -v -e '^        build:' -e 'collectstatic' $(printf '%q' "$repo/Tests/Scenarios/chip/steward.yml") | sed -e 's/, keep_warm: 20s//' >$manifest"
common=(--manifest "$manifest" --state /var/tmp/bench/state.db --store /var/tmp/bench/store)
loader=$repo/Tests/Scenarios/lib/keepalive-load.py
ms_now() { echo $(($(date +%s%N) / 1000000)); }

# load NAME HOST start|stop: the keep-alive clients through nginx; stop prints their JSON.
load() {
    local name=$1 host=$2
    case $3 in
    start) in_sbx bash -c "rm -f /run/bench-$name.*; setsid python3 $loader http://127.0.0.1/health $host $clients /run/bench-$name.stop /run/bench-$name.json </dev/null >/run/bench-$name.log 2>&1 &" ;;
    stop)
        in_sbx touch "/run/bench-$name.stop"
        for _ in $(seq 300); do in_sbx test -s "/run/bench-$name.json" && break; sleep 0.1; done
        in_sbx cat "/run/bench-$name.json"
        ;;
    esac
}

field() { python3 -c "import json,sys; print(json.load(open(sys.argv[1]))[sys.argv[2]])" "$1" "$2"; }
median() { sort -n | awk '{a[NR]=$1} END {print (NR % 2) ? a[(NR+1)/2] : int((a[NR/2] + a[NR/2+1]) / 2)}'; }

run_strategy() { # NAME TARGET HOST
    local name=$1 target=$2 host=$3 i ref start end
    log "$name: $target, 5 s of load alone, then $deploys deploys under load"
    load "$name-steady" "$host" start
    sleep 5
    load "$name-steady" "$host" stop >"$out/$name-steady.json"
    : >"$out/$name-walls.txt"
    load "$name" "$host" start
    for i in $(seq "$deploys"); do
        ref=$([[ $((i % 2)) == 1 ]] && echo v1.0.1 || echo v1.0.0)
        start=$(ms_now)
        in_sbx "$steward" deploy "$target" --ref "$ref" "${common[@]}" >>"$out/$name-deploys.txt" 2>&1 \
            || die "$name: the deploy of $ref failed (see $out/$name-deploys.txt)"
        end=$(ms_now)
        echo $((end - start)) >>"$out/$name-walls.txt"
    done
    load "$name" "$host" stop >"$out/$name.json"
    in_sbx "$steward" releases "$target" --format json --state /var/tmp/bench/state.db >"$out/$name-releases.json"
}

run_strategy restart broker_portal@prod pravoo.in
run_strategy blue-green shop@www shop.pravoo.in

switch_ms=$(python3 -c "
import json, sys
d = json.load(open(sys.argv[1]))
v = sorted(s['durationMs'] for r in d['releases'] for s in r.get('steps', []) if s['name'] == 'switch')
print(v[len(v) // 2] if v else '-')" "$out/blue-green-releases.json")

{
    echo "bluegreen-bench: $deploys deploys per strategy (v1.0.0 <-> v1.0.1) under $clients keep-alive clients through nginx; $(basename "$steward")"
    echo
    echo "| strategy | failed requests | requests/s | p50 | p99 during deploys | p99 steady | deploy wall time (median) | switch (median) |"
    echo "|---|---|---|---|---|---|---|---|"
    for name in restart blue-green; do
        j=$out/$name.json s=$out/$name-steady.json
        echo "| $name | $(field "$j" failed) of $(field "$j" requests) | $(field "$j" rps) | $(field "$j" p50_ms) ms | $(field "$j" p99_ms) ms | $(field "$s" p99_ms) ms | $(median <"$out/$name-walls.txt") ms | $([[ $name == blue-green ]] && echo "$switch_ms ms" || echo "-") |"
    done
} | tee "$out/summary.txt"
log "results in $out"
