#!/bin/bash
# Times `steward check` on 100 checks against pytest-testinfra and a health_check.sh-style bash script doing the
# same 100 checks, all inside one marb sandbox (Tests/Scenarios/sandbox.sh, real systemd, PostgreSQL, Redis,
# nginx and the FastAPI app: Tests/Scenarios/marb/EXPECTED.md).
#
#   bench/check-bench.sh [path/to/steward]
#
# Default binary: the first of .build-release/release/steward, .build/release/steward, .build/debug/steward that
# has the `check` command.
#
# The three variants (same ids, same expectations; 29 service, 25 port, 25 file, 15 http, 1 postgres, 1 redis,
# 1 tcp, 2 command, 1 disk):
#   steward     steward check -f bench/marb-100.checks.yml --format json        (default --parallel 8)
#   testinfra   pytest -q -p no:cacheprovider bench/marb_100_test.py             (venv .build-fixtures/bench-venv)
#   bash        bash bench/marb-100.sh
# and two more rows:
#   exec-overhead   `true`: the cost of entering the sandbox, included in every row
#   steward-local   steward check -f bench/marb-local.checks.yml --parallel 1 --format json: the 79 local checks
#                   (service, port, file) of marb-100, one at a time
# Each runs through `sandbox.sh exec STATE -- ...`. With hyperfine: --warmup 2 --runs 10 (BENCH_WARMUP,
# BENCH_RUNS), JSON export; otherwise a bash loop timed with date +%s%N.
#
# Before timing, each variant must pass once (all 100 checks); otherwise the failing checks are printed and the
# script exits 1. The testinfra venv (pytest-testinfra, requests, psycopg[binary], redis, pinned below) is built on
# the host from PyPI, wheels only, with Debian's /usr/bin/python3 (so that it runs inside the sandbox too), and is
# kept while its stamp matches.
#
# Local-check figures (target: under 1.5 ms each on average), printed with what each one is:
#   A  mean durationMs of the service/port/file results of one 100-check JSON run. Checks run 8 at a time, so a
#      duration includes waiting for a worker; the shared snapshot (one `systemctl show` for all units, one socket
#      table) is gathered before any check starts and is in no check's durationMs.
#   B  steward-local wall time (hyperfine mean, less exec-overhead) / 79: the whole process (start, parse, snapshot,
#      79 checks one at a time, JSON output) per local check. This is the figure held against the target.
#   C  the report's own durationMs of one steward-local JSON run / 79 (in-process: snapshot + checks, without
#      process start and output).
#
# Environment: BENCH_RUNS (10), BENCH_WARMUP (2), BENCH_OUT (directory for results; default: a new mktemp -d).
# Results in BENCH_OUT: hyperfine.json (or times.tsv), steward.json and steward-local.json (one run each, after the
# timing), testinfra.txt, bash.txt, summary.txt.
# Exit status: 0 when the benchmark ran (targets met or not: see summary.txt); 1 when it could not run.
set -euo pipefail

repo=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
sandbox=$repo/Tests/Scenarios/sandbox.sh
runs=${BENCH_RUNS:-10}
warmup=${BENCH_WARMUP:-2}
venv_rel=.build-fixtures/bench-venv
venv=$repo/$venv_rel
checks_rel=bench/marb-100.checks.yml
local_rel=bench/marb-local.checks.yml
pytest_rel=bench/marb_100_test.py
bash_rel=bench/marb-100.sh
# pytest-testinfra and the clients the test file imports, with every dependency, pinned (PyPI, wheels only).
bench_requirements=(
    pytest-testinfra==10.2.2 pytest==9.2.0 iniconfig==2.3.1 packaging==26.3 pluggy==1.7.0 Pygments==2.21.0
    requests==2.34.2 certifi==2026.10.18 charset-normalizer==3.5.2 idna==3.20 urllib3==2.8.0
    "psycopg[binary]==3.2.13" psycopg-binary==3.2.13 typing_extensions==4.16.0
    redis==5.2.1 async-timeout==5.0.1
)

log() { printf 'check-bench: %s\n' "$*" >&2; }
die() { log "error: $*"; exit 1; }

cd "$repo"

# --- the steward binary ------------------------------------------------------------------------------------------
has_check() { "$1" check --help >/dev/null 2>&1; }
steward=${1:-}
if [[ -z "$steward" ]]; then
    for c in "$repo/.build-release/release/steward" "$repo/.build/release/steward" "$repo/.build/debug/steward"; do
        if [[ -x "$c" ]] && has_check "$c"; then steward=$c; break; fi
    done
    [[ -n "$steward" ]] || die "no steward binary with the check command in .build-release/release, .build/release or .build/debug; build it or pass a path"
fi
[[ -x "$steward" ]] || steward=$(command -v "$steward" 2>/dev/null || true)
[[ -n "$steward" && -x "$steward" ]] || die "not an executable: ${1:-}"
steward=$(realpath "$steward")
has_check "$steward" || die "$steward has no check command (an old build?)"
steward_shown=$steward
log "steward: $steward ($(date -r "$steward" '+%F %T'))"

for tool in python3 curl jq psql redis-cli ss; do
    command -v "$tool" >/dev/null || die "$tool is missing (the bash variant needs curl, jq, psql, redis-cli, ss)"
done

# --- the testinfra venv (host side: the sandbox has no network) ------------------------------------------------
py=/usr/bin/python3
[[ -x $py ]] || die "$py missing (Debian package python3, with python3-venv)"
stamp=$venv/.bench-requirements.sha256
want=$( { printf '%s\n' "${bench_requirements[@]}"; "$py" -c 'import sys; print(sys.version)'; } | sha256sum | cut -d' ' -f1)
if [[ -f $stamp && "$(<"$stamp")" == "$want" && -x $venv/bin/pytest ]]; then
    log "$venv_rel is up to date"
else
    log "building $venv_rel (pip, PyPI)"
    rm -rf -- "$venv"
    mkdir -p "$(dirname "$venv")"
    (
        umask 022
        "$py" -m venv "$venv"
        "$venv/bin/pip" install --quiet --disable-pip-version-check --no-input --only-binary=:all: "${bench_requirements[@]}"
    ) || die "could not build $venv_rel"
    "$venv/bin/python" -c 'import testinfra, pytest, requests, psycopg, redis' || die "$venv_rel does not import its packages"
    echo "$want" >"$stamp"
fi

# The marb app's own venv (populate.sh needs it).
bash "$repo/Tests/Scenarios/marb/build-venv.sh" "$repo/.build-fixtures/marb-venv" || die "could not build the marb venv"

# shellcheck source=bench/lib.sh
. "$repo/bench/lib.sh"
bench_boot marb check-bench

# --- every variant must pass once ---------------------------------------------------------------------------------
bad=0
set +e
in_sbx "$steward" check -f "$checks_rel" --format json >"$out/steward-verify.json" 2>"$out/steward-verify.stderr"
rc=$?
set -e
python3 - "$out/steward-verify.json" "$rc" <<'EOF' || bad=1
import json, sys
path, rc = sys.argv[1], int(sys.argv[2])
try:
    results = json.load(open(path))["results"]
except Exception as e:
    print("steward: no JSON report (exit %d): %s" % (rc, e)); sys.exit(1)
failed = [r for r in results if r["status"] != "pass"]
for r in failed:
    print("steward: %s %s: %s (expected %s, found %s)" % (r["status"], r["id"], r["message"], r["expected"], r["found"]))
if len(results) != 100:
    print("steward: %d results, expected 100" % len(results))
ok = rc == 0 and not failed and len(results) == 100
print("steward: %d/%d passed, exit %d" % (len(results) - len(failed), len(results), rc))
sys.exit(0 if ok else 1)
EOF
((bad == 0)) || sed -n '1,20p' "$out/steward-verify.stderr" >&2

set +e
in_sbx "$steward" check -f "$local_rel" --parallel 1 --format json >"$out/steward-local-verify.json" 2>/dev/null
rc=$?
set -e
python3 - "$out/steward-verify.json" "$out/steward-local-verify.json" "$rc" <<'EOF' || bad=1
import json, sys
full, loc, rc = sys.argv[1], sys.argv[2], int(sys.argv[3])
try:
    want = sorted(r["id"] for r in json.load(open(full))["results"] if r["kind"] in ("service", "port", "file"))
    got = json.load(open(loc))["results"]
except Exception as e:
    print("steward-local: no JSON report (exit %d): %s" % (rc, e)); sys.exit(1)
if sorted(r["id"] for r in got) != want:
    print("steward-local: bench/marb-local.checks.yml no longer holds exactly the service/port/file checks of marb-100")
    sys.exit(1)
failed = [r["id"] for r in got if r["status"] != "pass"]
print("steward-local: %d/%d passed, exit %d%s" % (len(got) - len(failed), len(got), rc, "" if not failed else ": failed " + ", ".join(failed)))
sys.exit(0 if rc == 0 and not failed else 1)
EOF

set +e
in_sbx env PYTHONDONTWRITEBYTECODE=1 "$venv_rel/bin/pytest" -q -p no:cacheprovider "$pytest_rel" >"$out/testinfra.txt" 2>&1
rc=$?
set -e
if ((rc == 0)); then
    echo "testinfra: $(tail -n 1 "$out/testinfra.txt")"
else
    bad=1
    echo "testinfra: exit $rc"
    grep -E '^(FAILED|ERROR)|passed|failed|error' "$out/testinfra.txt" | sed 's/^/testinfra: /' | tail -n 40
fi

set +e
in_sbx bash "$bash_rel" >"$out/bash.txt" 2>&1
rc=$?
set -e
if ((rc == 0)); then
    echo "bash: $(tail -n 1 "$out/bash.txt")"
else
    bad=1
    echo "bash: exit $rc"
    grep -E '✗|passed' "$out/bash.txt" | sed 's/^/bash: /'
fi
((bad == 0)) || die "not every variant passes all its checks in a healthy sandbox (details above; outputs in $out)"

# --- timing -------------------------------------------------------------------------------------------------------
q() { printf '%q' "$1"; }
exec_prefix="bash $(q "$sandbox") exec $(q "$state") --"
names=(exec-overhead steward testinfra bash steward-local)
cmds=(
    "$exec_prefix true"
    "$exec_prefix $(q "$steward") check -f $checks_rel --format json"
    "$exec_prefix env PYTHONDONTWRITEBYTECODE=1 $venv_rel/bin/pytest -q -p no:cacheprovider $pytest_rel"
    "$exec_prefix bash $bash_rel"
    "$exec_prefix $(q "$steward") check -f $local_rel --parallel 1 --format json"
)
# BENCH_BASELINE=/path/to/an/older/steward: the same 100 checks by that binary, in the same run.
if [[ -n "${BENCH_BASELINE:-}" ]]; then
    [[ -x "$BENCH_BASELINE" ]] || die "BENCH_BASELINE is not an executable: $BENCH_BASELINE"
    names+=(baseline)
    cmds+=("$exec_prefix $(q "$(realpath "$BENCH_BASELINE")") check -f $checks_rel --format json")
fi

if command -v hyperfine >/dev/null; then
    args=(--warmup "$warmup" --runs "$runs" --style basic --export-json "$out/hyperfine.json")
    for i in "${!names[@]}"; do
        args+=(--command-name "${names[$i]}" "${cmds[$i]}")
    done
    log "hyperfine: ${#names[@]} commands, --warmup $warmup --runs $runs"
    hyperfine "${args[@]}" >"$out/hyperfine.txt" 2>&1 || { cat "$out/hyperfine.txt" >&2; die "hyperfine failed (a variant failed a check while being timed?)"; }
    python3 - "$out/hyperfine.json" >"$out/times.tsv" <<'EOF'
import json, sys
for r in json.load(open(sys.argv[1]))["results"]:
    print("%s\t%.3f\t%.3f" % (r["command"], r["mean"] * 1000, r["min"] * 1000))
EOF
else
    log "hyperfine not found: timing with a bash loop"
    : >"$out/times.tsv"
    for i in "${!names[@]}"; do
        for ((k = 0; k < warmup; k++)); do bash -c "${cmds[$i]}" >/dev/null 2>&1 || die "${names[$i]} failed"; done
        total=0 min=
        for ((k = 0; k < runs; k++)); do
            t0=$(date +%s%N)
            bash -c "${cmds[$i]}" >/dev/null 2>&1 || die "${names[$i]} failed"
            dt=$(($(date +%s%N) - t0))
            total=$((total + dt))
            if [[ -z "$min" ]] || ((dt < min)); then min=$dt; fi
        done
        printf '%s\t%s\t%s\n' "${names[$i]}" \
            "$(awk -v t="$total" -v n="$runs" 'BEGIN { printf "%.3f", t / n / 1e6 }')" \
            "$(awk -v m="$min" 'BEGIN { printf "%.3f", m / 1e6 }')" >>"$out/times.tsv"
    done
fi

# One more JSON run of each steward file, warm, for the per-check durations.
in_sbx "$steward" check -f "$checks_rel" --format json >"$out/steward.json" || die "steward check failed after the timing"
in_sbx "$steward" check -f "$local_rel" --parallel 1 --format json >"$out/steward-local.json" \
    || die "steward check (local, --parallel 1) failed after the timing"

python3 - "$out/times.tsv" "$out/steward.json" "$out/steward-local.json" "$steward_shown" "$runs" "$warmup" \
    >"$out/summary.txt" <<'EOF'
import json, sys
from collections import defaultdict

times_path, full_path, local_path, binary, runs, warmup = sys.argv[1:7]
rows = [line.rstrip("\n").split("\t") for line in open(times_path) if line.strip()]
t = {name: (float(mean), float(mn)) for name, mean, mn in rows}
over = t["exec-overhead"][0]
LOCAL = ("service", "port", "file")

print("marb sandbox, 100 checks; %s runs each after %s warm-up; binary %s" % (runs, warmup, binary))
print("%-14s %10s %10s %16s" % ("command", "mean ms", "min ms", "mean-exec ms"))
for name, (mean, mn) in t.items():
    print("%-14s %10.1f %10.1f %16s" % (name, mean, mn, "" if name == "exec-overhead" else "%.1f" % (mean - over)))

s = t["steward"][0]
net_s = s - over
if "baseline" in t:
    print("baseline/steward: %.2fx (without the exec overhead: %.2fx)" % (t["baseline"][0] / s, (t["baseline"][0] - over) / net_s if net_s > 0 else float("nan")))
for other, target, label in (("testinfra", 10.0, ">= 10x"), ("bash", 1.0, "> 1x")):
    ratio = t[other][0] / s
    net = (t[other][0] - over) / net_s if net_s > 0 else float("nan")
    verdict = "met" if ratio >= target and net >= target else ("met with the exec overhead, not without"
                                                               if ratio >= target else "NOT met")
    print("ratio %s/steward: %.2fx (without the exec overhead: %.2fx); target %s: %s"
          % (other, ratio, net, label, verdict))

full = json.load(open(full_path))
res = full["results"]
print()
print("steward, one 100-check JSON run (--parallel 8): report durationMs %.1f" % full["durationMs"])
by_kind = defaultdict(list)
for r in res:
    by_kind[r["kind"]].append(r["durationMs"])
print("  %-9s %5s %10s %10s %10s" % ("kind", "count", "mean ms", "max ms", "sum ms"))
for kind, ds in sorted(by_kind.items(), key=lambda kv: -sum(kv[1])):
    print("  %-9s %5d %10.2f %10.2f %10.1f" % (kind, len(ds), sum(ds) / len(ds), max(ds), sum(ds)))
print("  slowest: " + ", ".join("%s %.1f" % (r["id"], r["durationMs"])
                                for r in sorted(res, key=lambda r: -r["durationMs"])[:6]))

local_res = [r for r in res if r["kind"] in LOCAL]
a = sum(r["durationMs"] for r in local_res) / len(local_res)
loc = json.load(open(local_path))
n = len(loc["results"])
b = (t["steward-local"][0] - over) / n
c = loc["durationMs"] / n
print()
print("local checks (service, port, file), target < 1.5 ms each on average:")
print("  A  mean per-check durationMs, 100-check run, --parallel 8 (%d local checks; includes waiting for a"
      % len(local_res))
print("     worker; excludes the shared snapshot):                               %7.3f ms" % a)
print("  B  wall time of the %d local checks alone, --parallel 1 (hyperfine mean %.1f ms - exec overhead"
      % (n, t["steward-local"][0]))
print("     %.1f ms) / %d: the whole steward process per check:                    %7.3f ms  -> target %s"
      % (over, n, b, "met" if b < 1.5 else "NOT met"))
print("  C  report durationMs of that run (in-process: snapshot + checks) %.1f ms / %d:          %7.3f ms"
      % (loc["durationMs"], n, c))
EOF
cat "$out/summary.txt"
log "results in $out"
