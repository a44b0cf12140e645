#!/bin/bash
# Figures for issue 5 ("steward deploy"): Steward's own overhead on a no-op deploy (same requirements, no pending
# migrations, no build step) beyond the app's restart and health time, with the per-step timings.
#
#   bench/deploy-bench.sh [path/to/steward]          (default: .build-release/release/steward)
#
# In the chip sandbox (Tests/Scenarios/chip): broker_portal@prod (Django under gunicorn, SQLite, nginx) is deployed
# BENCH_RUNS times alternately to v1.0.1 and v1.0.0, which differ only in VERSION: the requirements' hash is
# unchanged and no migration is pending, so every deploy is a no-op but for the checkout and the restart. The
# scenario's manifest is used without its collectstatic build step. Each deploy's wall time is taken around the
# command (date +%s%N inside the sandbox); its steps' times come from `steward releases --format json`.
#   overhead = wall time - restart step - health step (the app's restart and its time to answer its checks)
# For comparison, the same no-op by hand as the seeds' runbooks do it: git fetch, git checkout, systemctl restart,
# then curl /health until it answers 200 (no lock, no record, no migration check, no rollback).
#
# Environment: BENCH_RUNS (10), BENCH_OUT (results directory; default a new mktemp -d). Results there: runs.tsv,
# steps.tsv, summary.txt and table.md. Exit status: 0 when it ran (target met or not: see summary.txt), 1 when not.
set -euo pipefail

repo=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
sandbox=$repo/Tests/Scenarios/sandbox.sh
runs=${BENCH_RUNS:-10}
steward=$(realpath -m "${1:-$repo/.build-release/release/steward}")

log() { printf 'deploy-bench: %s\n' "$*" >&2; }
die() { log "error: $*"; exit 1; }
[[ -x $steward ]] || die "no steward binary at $steward (swift build -c release --scratch-path .build-release --product steward)"
# shellcheck source=lib.sh
. "$repo/bench/lib.sh"
bench_boot chip deploy-bench

manifest=/run/deploy-bench.yml
in_sbx bash -c "grep -v -e '^        build:' -e 'collectstatic' $(printf '%q' "$repo/Tests/Scenarios/chip/steward.yml") >$manifest"
common=(--manifest "$manifest" --state /var/tmp/bench/state.db --store /var/tmp/bench/store)
ms_now() { echo $(($(date +%s%N) / 1000000)); }

log "warm-up: one deploy of v1.0.1 (and a check that it is a no-op)"
in_sbx "$steward" deploy broker_portal@prod --ref v1.0.1 "${common[@]}" >"$out/warmup.txt" || die "the warm-up deploy failed: $(cat "$out/warmup.txt")"
grep -q "no pending django migrations" "$out/warmup.txt" || die "the warm-up deploy was not a no-op: $(cat "$out/warmup.txt")"

printf 'run\tref\twall_ms\n' >"$out/runs.tsv"
for ((i = 1; i <= runs; i++)); do
    ref=$([[ $((i % 2)) == 1 ]] && echo v1.0.0 || echo v1.0.1)
    t0=$(ms_now)
    in_sbx "$steward" deploy broker_portal@prod --ref "$ref" "${common[@]}" >"$out/run-$i.txt" || die "deploy $i failed: $(cat "$out/run-$i.txt")"
    printf '%s\t%s\t%s\n' "$i" "$ref" "$(($(ms_now) - t0))" >>"$out/runs.tsv"
done
in_sbx "$steward" releases broker_portal@prod --format json --limit "$runs" --state /var/tmp/bench/state.db >"$out/releases.json"

log "by hand: git fetch + checkout + systemctl restart + curl until 200"
hand=$(cat <<'SH'
set -e
cd /srv/chip/prod
for i in $(seq "$1"); do
    ref=$([ $((i % 2)) = 1 ] && echo v1.0.0 || echo v1.0.1)
    t0=$(date +%s%N)
    runuser -u chip -- git fetch -q --tags origin
    runuser -u chip -- git checkout -q --detach "$ref"
    systemctl reset-failed broker_portal@prod.service  # as steward does: 10 restarts in a row hit StartLimitBurst
    systemctl restart broker_portal@prod.service
    until curl -fsS -o /dev/null http://127.0.0.1:8001/health 2>/dev/null; do sleep 0.1; done
    echo $((($(date +%s%N) - t0) / 1000000))
done
SH
)
in_sbx bash -c "$hand" hand "$runs" >"$out/hand.txt"

python3 - "$out" "$runs" <<'PY'
import json, statistics, sys
out, runs = sys.argv[1], int(sys.argv[2])
walls = [int(l.split("\t")[2]) for l in open(f"{out}/runs.tsv").read().splitlines()[1:]]
records = json.load(open(f"{out}/releases.json"))[:runs]
steps = {}
for r in records:
    for s in r["steps"]:
        steps.setdefault(s["name"], []).append(s["durationMs"])
restart_health = [sum(s["durationMs"] for s in r["steps"] if s["name"] in ("restart", "health")) for r in reversed(records)]
overheads = [w - rh for w, rh in zip(walls, restart_health)]
hand = [int(x) for x in open(f"{out}/hand.txt").read().split()]
def ms(v): return f"{statistics.mean(v) / 1000:.2f} s ± {statistics.pstdev(v) / 1000:.2f}"
lines = ["| measurement (no-op deploy of broker_portal@prod, %d runs) | mean ± stddev |" % runs, "|---|---|",
         f"| `steward deploy` wall time | {ms(walls)} |",
         f"| of which restart + health (the app's own time) | {ms(restart_health)} |",
         f"| **Steward's overhead** (wall - restart - health; target ≤ 2 s) | **{ms(overheads)}** |",
         f"| by hand: git fetch + checkout + restart + curl until 200 | {ms(hand)} |"]
lines += ["", "| step | mean | max |", "|---|---|---|"]
order = ["preflight", "lock", "pre-deploy", "fetch", "dependencies", "migrate", "build", "restart", "health", "post-deploy"]
with open(f"{out}/steps.tsv", "w") as f:
    for name in order:
        v = steps.get(name, [])
        if not v: continue
        f.write(f"{name}\t{statistics.mean(v):.0f}\t{max(v)}\n")
        lines.append(f"| {name} | {statistics.mean(v):.0f} ms | {max(v)} ms |")
met = statistics.mean(overheads) <= 2000
summary = "\n".join(lines) + f"\n\ntarget (overhead ≤ 2 s): {'met' if met else 'NOT met'}\n"
open(f"{out}/table.md", "w").write("\n".join(lines) + "\n")
open(f"{out}/summary.txt", "w").write(summary)
print(summary)
PY
log "results in $out"
