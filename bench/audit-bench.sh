#!/bin/bash
# Times `steward audit` against the manual N1 inspection and Ansible's fact gathering, all
# inside one N1 sandbox (Tests/Scenarios/sandbox.sh, real systemd as PID 1).
#
#   bench/audit-bench.sh [path/to/steward]
#
# Default binary: .build/release/steward, else .build/debug/steward. Any executable works as
# a stand-in (e.g. /bin/true) to try the script before steward builds.
#
# Measured, each through `sandbox.sh exec STATE_DIR -- ...`:
#   exec-overhead   `true`: the cost of entering the sandbox, included in every row below
#   steward         steward audit --format json
#   manual          bash bench/n1-manual.sh (the seed's runbook commands)
#   ansible         ansible localhost -m setup (only when `ansible` is installed)
# With hyperfine: --warmup 2 --runs 10, -i (non-zero exits are expected: findings), JSON
# export; otherwise a bash loop timed with date +%s%N.
#
# BENCH_BASELINE=/path/to/an/older/steward adds a row "baseline" (the same audit by that binary), so a change
# is compared with the build before it in the same run.
# Environment: BENCH_RUNS (10), BENCH_WARMUP (2), BENCH_OUT (directory for results;
# default: a new mktemp -d). Results: BENCH_OUT/hyperfine.json (or times.tsv),
# BENCH_OUT/steward-audit.json (one audit's output), BENCH_OUT/summary.txt.
# Exit status: 0 when the benchmark ran (whatever steward's audit found, exit 0, 1 or 2);
# 1 when it could not run (no binary, sandbox failed, steward exited with another status).
set -euo pipefail

repo=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
sandbox=$repo/Tests/Scenarios/sandbox.sh
manual=$repo/bench/n1-manual.sh
runs=${BENCH_RUNS:-10}
warmup=${BENCH_WARMUP:-2}

log() { printf 'audit-bench: %s\n' "$*" >&2; }
die() { log "error: $*"; exit 1; }

steward=${1:-}
if [[ -z "$steward" ]]; then
    for c in "$repo/.build/release/steward" "$repo/.build/debug/steward"; do
        if [[ -x "$c" ]]; then steward=$c; break; fi
    done
    [[ -n "$steward" ]] || die "no steward binary in .build/release or .build/debug; build it or pass a path"
fi
[[ -x "$steward" ]] || steward=$(command -v "$steward" 2>/dev/null || true)
[[ -n "$steward" && -x "$steward" ]] || die "not an executable: ${1:-}"
steward=$(realpath "$steward")
steward_shown=$steward

# shellcheck source=bench/lib.sh
. "$repo/bench/lib.sh"
bench_boot n1 audit-bench

# One checked run: steward must work (exit 0-2) for the timings to mean anything.
set +e
in_sbx "$steward" audit --format json >"$out/steward-audit.json" 2>"$out/steward-audit.stderr"
rc=$?
set -e
log "steward audit exit status: $rc ($(wc -c <"$out/steward-audit.json") bytes of output)"
if ((rc > 2)); then
    sed -n '1,20p' "$out/steward-audit.stderr" >&2
    die "steward audit failed with exit status $rc"
fi

q() { printf '%q' "$1"; }
names=(exec-overhead steward manual)
cmds=(
    "bash $(q "$sandbox") exec $(q "$state") -- true"
    "bash $(q "$sandbox") exec $(q "$state") -- $(q "$steward") audit --format json"
    "bash $(q "$sandbox") exec $(q "$state") -- bash $(q "$manual")"
)
if [[ -n "${BENCH_BASELINE:-}" ]]; then
    [[ -x "$BENCH_BASELINE" ]] || die "BENCH_BASELINE is not an executable: $BENCH_BASELINE"
    names+=(baseline)
    cmds+=("bash $(q "$sandbox") exec $(q "$state") -- $(q "$(realpath "$BENCH_BASELINE")") audit --format json")
fi
if in_sbx sh -c 'command -v ansible' >/dev/null 2>&1; then
    names+=(ansible)
    cmds+=("bash $(q "$sandbox") exec $(q "$state") -- env ANSIBLE_LOCALHOST_WARNING=False ANSIBLE_INVENTORY_UNPARSED_WARNING=False ansible localhost -m setup")
else
    log "ansible is not installed: skipping it"
fi

if command -v hyperfine >/dev/null; then
    args=(--warmup "$warmup" --runs "$runs" -i --style basic --export-json "$out/hyperfine.json")
    for i in "${!names[@]}"; do
        args+=(--command-name "${names[$i]}" "${cmds[$i]}")
    done
    hyperfine "${args[@]}" >"$out/hyperfine.txt" 2>&1 || { cat "$out/hyperfine.txt" >&2; die "hyperfine failed"; }
    python3 - "$out/hyperfine.json" >"$out/times.tsv" <<'EOF'
import json, sys
for r in json.load(open(sys.argv[1]))["results"]:
    print("%s\t%.3f\t%.3f" % (r["command"], r["mean"] * 1000, r["min"] * 1000))
EOF
else
    log "hyperfine not found: timing with a bash loop"
    : >"$out/times.tsv"
    for i in "${!names[@]}"; do
        for ((k = 0; k < warmup; k++)); do bash -c "${cmds[$i]}" >/dev/null 2>&1 || true; done
        total=0 min=
        for ((k = 0; k < runs; k++)); do
            t0=$(date +%s%N)
            bash -c "${cmds[$i]}" >/dev/null 2>&1 || true
            dt=$(($(date +%s%N) - t0))
            total=$((total + dt))
            if [[ -z "$min" ]] || ((dt < min)); then min=$dt; fi
        done
        printf '%s\t%s\t%s\n' "${names[$i]}" \
            "$(awk -v t="$total" -v n="$runs" 'BEGIN { printf "%.3f", t / n / 1e6 }')" \
            "$(awk -v m="$min" 'BEGIN { printf "%.3f", m / 1e6 }')" >>"$out/times.tsv"
    done
fi

python3 - "$out/times.tsv" "$steward_shown" "$runs" >"$out/summary.txt" <<'EOF'
import sys
rows = [line.rstrip("\n").split("\t") for line in open(sys.argv[1]) if line.strip()]
t = {name: (float(mean), float(mn)) for name, mean, mn in rows}
print("N1 sandbox, %s runs each, binary %s" % (sys.argv[3], sys.argv[2]))
print("%-14s %12s %12s %14s" % ("command", "mean ms", "min ms", "mean-exec ms"))
over = t.get("exec-overhead", (0.0, 0.0))[0]
for name, (mean, mn) in t.items():
    print("%-14s %12.1f %12.1f %14.1f" % (name, mean, mn, mean - over if name != "exec-overhead" else 0.0))
s = t.get("steward")
if s:
    for other in ("baseline", "manual", "ansible"):
        if other in t:
            ratio = "%.2fx" % (t[other][0] / s[0]) if s[0] > 0 else "n/a"
            net_s = s[0] - over
            net = "%.2fx" % ((t[other][0] - over) / net_s) if net_s > 1.0 else "n/a (steward within the exec overhead)"
            print("ratio %s/steward: %s (without the exec overhead: %s)" % (other, ratio, net))
EOF
cat "$out/summary.txt"
log "results in $out"
