#!/bin/bash
# Figures for issue 4 ("Backups proven by restoring them"): the time and memory `steward backup` and `steward backup
# verify` take, against what an operator would run by hand, on a 1 GB SQLite database that its app keeps writing
# (racklab sandbox) and on a PostgreSQL database of a few hundred MB (marb sandbox). One run prints every figure.
#
#   bench/backup-bench.sh [path/to/steward]          (default: .build-release/release/steward)
#
# SQLite, in the racklab sandbox (Tests/Scenarios/racklab/EXPECTED.md): racklab@prod commits a row every 5 ms into
# /srv/racklab/prod/racklab.db (WAL mode); `ctl.sh grow` first brings the file to BENCH_SQLITE_MB MiB. The writer keeps
# running during every row except the two marked "paused", as it would on a real host.
#   sqlite3-naive     sqlite3 DB ".backup OUT", once, under `timeout BENCH_NAIVE_TIMEOUT`: the CLI copies 100 pages
#                     per step and holds no read transaction between steps, so every commit of the writer restarts it;
#                     it is expected not to finish (BENCH_NAIVE_TIMEOUT=0 skips it)
#   sqlite3-snapshot  the same .backup after BEGIN and a SELECT: one read transaction for the whole copy, as steward
#                     holds one (GRDB's backup in a single step); the baseline that finishes under a writer
#   cp                cp DB OUT: unsafe (no consistent state, the WAL left out, no fsync), for reference only
#   steward           steward backup racklab@prod (the database only: manifest below); store emptied before each run,
#                     catalog (state database) kept
#   verify            steward backup verify --latest racklab@prod: checksum, restore into a scratch file,
#                     PRAGMA integrity_check, row counts compared
#   verify-quick      the same with --quick (PRAGMA quick_check)
#   sqlite3-paused    sqlite3 DB ".backup OUT" with the writer paused (ctl.sh pause-writer)
#   steward-paused    steward backup with the writer paused
# PostgreSQL, in the marb sandbox, after adding table bench_events (BENCH_PG_ROWS rows, owned by marb):
#   pg_dump           pg_dump -Fc -h 127.0.0.1 -U marb -d marb -f OUT (PGPASSWORD from /etc/marb/prod.env)
#   pg-steward        steward backup marb@prod (the database only): pg_dump -Fc from an exported snapshot, plus the
#                     row counts of that snapshot on a second connection
#   pg-verify         steward backup verify --latest marb@prod: pg_restore into a scratch database, row counts
#
# Everything runs inside the sandbox: hyperfine itself (a host binary under /usr, visible inside), BENCH_RUNS runs per
# row, no warm-up (each run takes seconds; the data is in the page cache after it is written), outputs deleted by
# --prepare before each run. Without hyperfine, a bash loop timed with date +%s%N around `sandbox.sh exec` (which
# adds ~20 ms per run). Peak RSS: one extra run of each steward command under GNU time -v (the largest of steward and
# the processes it waits for), else steward's own VmHWM polled from /proc. Those runs come first and must succeed:
# they check each command before it is timed.
#
# Environment: BENCH_RUNS (3), BENCH_SQLITE_MB (1000), BENCH_PG_ROWS (3000000), BENCH_NAIVE_TIMEOUT (s, 30),
# BENCH_OUT (results directory; default a new mktemp -d). Results there: times.tsv (name, mean, stddev, min, max in
# seconds, runs), facts.tsv, hyperfine JSON and text per row, the outputs of the checked runs, summary.txt and
# table.md (the Markdown table for README.md).
# Exit status: 0 when the benchmark ran (targets met or not: see summary.txt); 1 when it could not run; 2 when it ran
# but a `steward backup verify` failed (its message is in the figures; that row is not timed).
set -euo pipefail

repo=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
sandbox=$repo/Tests/Scenarios/sandbox.sh
racklab_ctl=$repo/Tests/Scenarios/racklab/ctl.sh
runs=${BENCH_RUNS:-3}
grow_mb=${BENCH_SQLITE_MB:-1000}
pg_rows=${BENCH_PG_ROWS:-3000000}
naive_timeout=${BENCH_NAIVE_TIMEOUT:-30}
db=/srv/racklab/prod/racklab.db
# Inside the sandboxes: steward's catalog is kept from run to run (as on a real host, where it grows); the store is
# emptied before each timed backup so that every run writes a full new file into an empty directory.
bench_state=/var/tmp/bench-state/state.db
bench_store=/var/tmp/bench-store

log() { printf 'backup-bench: %s\n' "$*" >&2; }
die() { log "error: $*"; exit 1; }
q() { printf '%q' "$1"; }

cd "$repo"

# --- the steward binary and the tools ---------------------------------------------------------------------------
steward=${1:-$repo/.build-release/release/steward}
[[ -x "$steward" ]] || steward=$(command -v "$steward" 2>/dev/null || true)
[[ -n "$steward" && -x "$steward" ]] \
    || die "not an executable: ${1:-.build-release/release/steward} (swift build -c release --scratch-path .build-release --product steward)"
steward=$(realpath "$steward")
"$steward" backup verify --help >/dev/null 2>&1 || die "$steward has no \`backup verify\` command (an old build?)"
# bench_boot may point $steward at a copy inside the sandbox it boots: each boot starts again from this path.
steward_given=$steward
log "steward: $steward ($(date -r "$steward" '+%F %T'))"

for tool in python3 sqlite3 pg_dump pg_restore psql timeout; do
    command -v "$tool" >/dev/null || die "$tool is missing"
done
hyperfine=$(command -v hyperfine || true)
[[ -n $hyperfine ]] || log "hyperfine not found: timing with a bash loop"
((runs >= 1)) || die "BENCH_RUNS must be at least 1"

# The marb app runs from this venv (its populate.sh fails without it); built on the host, as check-bench.sh does.
bash "$repo/Tests/Scenarios/marb/build-venv.sh" "$repo/.build-fixtures/marb-venv" || die "could not build the marb venv"

# shellcheck source=bench/lib.sh
. "$repo/bench/lib.sh"

# --- helpers ------------------------------------------------------------------------------------------------------
fact() { printf '%s\t%s\n' "$1" "$2" >>"$out/facts.tsv"; } # KEY VALUE, for the summary

# measure NAME PREPARE COMMAND: times the shell line COMMAND inside the sandbox, PREPARE (untimed) before each run;
# appends "NAME mean stddev min max runs" (seconds, tab-separated) to times.tsv. measure_env (VAR=value words) is
# added to COMMAND's environment only, so a password never shows in a command line.
measure_env=()
measure() {
    local name=$1 prepare=$2 cmd=$3 k t0 times=()
    log "timing $name, $runs runs: $cmd"
    if [[ -n $hyperfine ]]; then
        in_sbx env "${measure_env[@]}" "$hyperfine" --runs "$runs" --style basic --prepare "$prepare" \
            --export-json "$share/$name.json" --command-name "$name" "$cmd" >"$out/$name.hyperfine.txt" 2>&1 \
            || { cat "$out/$name.hyperfine.txt" >&2; die "hyperfine failed on $name"; }
        cp "$share/$name.json" "$out/$name.json"
        python3 - "$out/$name.json" >>"$out/times.tsv" <<'EOF'
import json, statistics, sys
r = json.load(open(sys.argv[1]))["results"][0]
t = r["times"]
sd = statistics.stdev(t) if len(t) > 1 else 0.0
print("%s\t%.4f\t%.4f\t%.4f\t%.4f\t%d" % (r["command"], statistics.mean(t), sd, min(t), max(t), len(t)))
EOF
    else
        for ((k = 0; k < runs; k++)); do
            in_sbx sh -c "$prepare" || die "$name: the preparation failed: $prepare"
            t0=$(date +%s%N)
            in_sbx env "${measure_env[@]}" sh -c "$cmd" >/dev/null 2>&1 || die "$name failed: $cmd"
            times+=("$(($(date +%s%N) - t0))")
        done
        python3 - "$name" "${times[@]}" >>"$out/times.tsv" <<'EOF'
import statistics, sys
t = [int(x) / 1e9 for x in sys.argv[2:]]
sd = statistics.stdev(t) if len(t) > 1 else 0.0
print("%s\t%.4f\t%.4f\t%.4f\t%.4f\t%d" % (sys.argv[1], statistics.mean(t), sd, min(t), max(t), len(t)))
EOF
    fi
    tail -n 1 "$out/times.tsv" \
        | awk -F'\t' '{ printf "backup-bench:   %s: %.2f s ± %.2f (min %.2f, max %.2f)\n", $1, $2, $3, $4, $5 }' >&2
}

# rss_run NAME CMD...: runs CMD inside once, stdout to $out/NAME.out and stderr to $out/NAME.err; sets rss (peak RSS
# in KiB, or n/a) and returns CMD's exit status.
rss_run() {
    local name=$1 rc=0
    shift
    rss=
    if in_sbx test -x /usr/bin/time; then
        in_sbx /usr/bin/time -v -o "$share/$name.time" "$@" >"$out/$name.out" 2>"$out/$name.err" || rc=$?
        rss=$(awk -F': *' '/Maximum resident set size/ { print $2 }' "$share/$name.time" 2>/dev/null || true)
    else
        # No GNU time: the command's own high-water mark, read from /proc every 20 ms while it runs (the last
        # reading before it exits; the processes it starts are not counted).
        # shellcheck disable=SC2016 # expanded by the inner bash
        in_sbx bash -c 'hwm_file=$1; shift; "$@" & pid=$!; hwm=
            while kill -0 "$pid" 2>/dev/null; do
                v=$(awk "/^VmHWM:/ { print \$2 }" "/proc/$pid/status" 2>/dev/null) && [[ -n $v ]] && hwm=$v
                sleep 0.02
            done
            wait "$pid"; rc=$?; echo "$hwm" >"$hwm_file"; exit "$rc"' _ "$share/$name.hwm" "$@" \
            >"$out/$name.out" 2>"$out/$name.err" || rc=$?
        rss=$(cat "$share/$name.hwm" 2>/dev/null || true)
    fi
    [[ -n $rss ]] || rss=n/a
    return "$rc"
}

# checked_run NAME CMD...: rss_run that must succeed; records NAME_rss, and keeps the JSON steward printed.
checked_run() {
    local name=$1
    shift
    log "checked run with peak RSS: $name"
    rss_run "$name" "$@" || {
        sed -n '1,30p' "$out/$name.err" "$out/$name.out" >&2
        die "$name failed: $*"
    }
    fact "${name}_rss_kib" "$rss"
}

# The facts of one `steward backup --format json` output (one source expected) and of one verify output.
backup_facts() { # PREFIX JSON_FILE
    python3 - "$@" >>"$out/facts.tsv" <<'EOF'
import json, sys
prefix, path = sys.argv[1:3]
results = json.load(open(path))
if len(results) != 1 or not results[0].get("backup"):
    sys.exit("expected one backed-up source, got: %s" % json.dumps(results)[:500])
b = results[0]["backup"]
print("%s_source\t%s" % (prefix, results[0]["source"]))
print("%s_bytes\t%d" % (prefix, b["sizeBytes"]))
print("%s_internal_ms\t%d" % (prefix, b["durationMs"]))
tables = (b.get("contents") or {}).get("tables") or {}
print("%s_rows\t%d" % (prefix, sum(tables.values())))
EOF
}
# The facts of one `steward backup verify --format json` output: its time and message, or PREFIX_error with the
# message of a failed verification (status 1).
verify_facts() { # PREFIX JSON_FILE
    python3 - "$@" >>"$out/facts.tsv" <<'EOF'
import json, sys
prefix, path = sys.argv[1:3]
v = json.load(open(path))["verifications"]  # steward.verify/1
if len(v) == 1 and v[0]["passed"] is True:
    print("%s_internal_ms\t%s" % (prefix, v[0]["durationMs"]))
    print("%s_message\t%s" % (prefix, v[0]["message"]))
else:
    print("%s_error\t%s" % (prefix, " / ".join(r["message"] for r in v) or "no verification"))
    sys.exit(1)
EOF
}

# try_verify NAME PREFIX CMD...: the checked run of a `steward backup verify`. A failed verification is a finding,
# not a reason to stop: its exact message goes into the summary (PREFIX_error), the row is not timed (status 1) and
# the script ends with status 2 once every figure is printed.
verify_failed=0
try_verify() {
    local name=$1 prefix=$2 rc=0 msg
    shift 2
    log "checked run with peak RSS: $name"
    rss_run "$name" "$@" || rc=$?
    # (verify_facts first: it records the message of a failed verification, which exits 2)
    if verify_facts "$prefix" "$out/$name.out" 2>/dev/null && ((rc == 0)); then
        fact "${name}_rss_kib" "$rss"
        return 0
    fi
    verify_failed=1
    if ! grep -q "^${prefix}_error"$'\t' "$out/facts.tsv"; then # no JSON verdict: steward itself failed
        msg=$(head -c 400 "$out/$name.err" | tr '\n\t' '  ')
        fact "${prefix}_error" "steward exited with status $rc without a verdict: $msg"
    fi
    log "  FAILED: $(grep "^${prefix}_error" "$out/facts.tsv" | cut -f2-)"
    log "  (exact output: $out/$name.out and $out/$name.err); not timing $name"
    return 1
}

# ================================================================================================================
# 1. SQLite: racklab
# ================================================================================================================
bench_boot racklab backup-bench
BENCH_OUT=$out # the marb sandbox's boot (below) writes its results into the same directory
share=$state/share
: >"$out/times.tsv"
: >"$out/facts.tsv"
racklab() { in_sbx bash "$racklab_ctl" "$@"; }
rows_now() { local r; r=$(racklab rows) && echo "${r%% *}"; } # count(results)

log "growing $db to $grow_mb MiB (ctl.sh grow pauses the writer meanwhile)"
t0=$SECONDS
size=$(racklab grow "$grow_mb" | tail -n 1)
log "  $size bytes after $((SECONDS - t0)) s"
fact sqlite_db_bytes_start "$size"
fact sqlite_grow_s "$((SECONDS - t0))"

manifest=$share/racklab.steward.yml
cat >"$manifest" <<'EOF'
version: 1
apps:
  racklab:
    env_file: /etc/racklab/{instance}.env
    instances: {prod: {}}
    backup: {config: false}
EOF
opts=(--manifest "$manifest" --state "$bench_state" --store "$bench_store")
opts_line="--manifest $(q "$manifest") --state $bench_state --store $bench_store"
sq=$(q "$steward")

# The writer's pace over the rows timed with it running.
rows0=$(rows_now)
t_rows0=$(date +%s%N)

if ((naive_timeout > 0)); then
    log "sqlite3-naive: sqlite3 .backup with the writer running, at most $naive_timeout s"
    naive_rc=0
    t0=$(date +%s%N)
    in_sbx timeout "$naive_timeout" sqlite3 "$db" ".backup /var/tmp/bench-naive.sqlite3" || naive_rc=$?
    fact naive_s "$(awk -v d="$(($(date +%s%N) - t0))" 'BEGIN { printf "%.2f", d / 1e9 }')"
    fact naive_rc "$naive_rc"
    fact naive_timeout_s "$naive_timeout"
    fact naive_bytes "$(in_sbx stat -c %s /var/tmp/bench-naive.sqlite3 2>/dev/null || echo 0)"
    in_sbx rm -f /var/tmp/bench-naive.sqlite3 /var/tmp/bench-naive.sqlite3-journal
    log "  exit status $naive_rc (124: still copying when the timeout ended it)"
fi

checked_run sqlite-backup "$steward" backup racklab@prod --format json "${opts[@]}"
backup_facts sqlite_backup "$out/sqlite-backup.out" || die "unexpected steward backup output (in $out/sqlite-backup.out)"
sqlite_verify_ok=1
try_verify sqlite-verify sqlite_verify "$steward" backup verify --latest racklab@prod --format json "${opts[@]}" \
    || sqlite_verify_ok=0
try_verify sqlite-verify-quick sqlite_verify_quick "$steward" backup verify --latest racklab@prod --quick \
    --format json "${opts[@]}" || sqlite_verify_ok=0

measure sqlite3-snapshot "rm -f /var/tmp/bench.sqlite3 /var/tmp/bench.sqlite3-journal" \
    "sqlite3 $db 'BEGIN' 'SELECT count(*) FROM sqlite_schema' '.backup /var/tmp/bench.sqlite3' 'COMMIT'"
in_sbx rm -f /var/tmp/bench.sqlite3
measure cp "rm -f /var/tmp/bench-cp.db" "cp $db /var/tmp/bench-cp.db"
in_sbx rm -f /var/tmp/bench-cp.db
measure steward "rm -rf $bench_store" "$sq backup racklab@prod $opts_line"
# The last timed backup is the newest in the catalog and its file is still there: verify proves that one.
if ((sqlite_verify_ok)); then
    measure verify true "$sq backup verify --latest racklab@prod $opts_line"
    measure verify-quick true "$sq backup verify --latest racklab@prod --quick $opts_line"
fi

rows1=$(rows_now)
fact writer_rows_per_s "$(awk -v n="$((rows1 - rows0))" -v d="$(($(date +%s%N) - t_rows0))" 'BEGIN { printf "%.0f", n / (d / 1e9) }')"
# The writer must still be writing: root's sqlite3 and steward must not have locked it out of its database.
in_sbx bash -c "sleep 0.5; [[ \$(stat -c %U $db-wal $db-shm | sort -u) == racklab ]]" \
    || die "the -wal or -shm file of $db no longer belongs to racklab"
(($(rows_now) > rows1)) || die "the racklab writer stopped writing during the runs"

racklab pause-writer
measure sqlite3-paused "rm -f /var/tmp/bench.sqlite3 /var/tmp/bench.sqlite3-journal" \
    "sqlite3 $db '.backup /var/tmp/bench.sqlite3'"
in_sbx rm -f /var/tmp/bench.sqlite3
measure steward-paused "rm -rf $bench_store" "$sq backup racklab@prod $opts_line"
racklab resume-writer
fact sqlite_db_bytes_end "$(in_sbx stat -c %s "$db")"

log "stopping the racklab sandbox"
bash "$sandbox" stop "$state" || log "warning: could not stop the sandbox in $state"

# ================================================================================================================
# 2. PostgreSQL: marb
# ================================================================================================================
steward=$steward_given
bench_boot marb backup-bench
share=$state/share
sq=$(q "$steward")

url=$(in_sbx sed -n 's/^DATABASE_URL=//p' /etc/marb/prod.env)
[[ $url =~ ^postgres(ql)?://marb:([^@]+)@ ]] || die "no marb password in DATABASE_URL of /etc/marb/prod.env"
pg_password=${BASH_REMATCH[2]}
as_marb_sql() { in_sbx env PGPASSWORD="$pg_password" psql -X -q -At -v ON_ERROR_STOP=1 -h 127.0.0.1 -U marb -d marb -c "$1"; }

# The scenario keeps the cluster on a 512 MiB tmpfs (marb/prepare.sh): too small for the bulk table, the WAL its
# creation writes and verify's scratch copy of it. Grown inside the sandbox's own mount namespace only.
in_sbx mount -o remount,size=4g /var/lib/postgresql

log "creating bench_events ($pg_rows rows) as marb"
t0=$SECONDS
as_marb_sql "CREATE TABLE bench_events AS SELECT g AS id, md5(g::text) AS a, repeat(md5(g::text), 4) AS b, now() AS at
             FROM generate_series(1, $pg_rows) g"
# VACUUM sets the hint bits now, so that the first timed dump does not write them; CHECKPOINT (superuser) flushes
# the load, so that no checkpoint of it lands in a timed run.
as_marb_sql "VACUUM ANALYZE bench_events"
in_sbx setpriv --reuid=postgres --regid=postgres --init-groups -- psql -X -q -c CHECKPOINT
fact pg_load_s "$((SECONDS - t0))"
fact pg_db_bytes "$(as_marb_sql "SELECT pg_database_size('marb')")"
fact pg_table_bytes "$(as_marb_sql "SELECT pg_total_relation_size('bench_events')")"
fact pg_version "$(as_marb_sql 'SHOW server_version')"
log "  marb database: $(as_marb_sql "SELECT pg_size_pretty(pg_database_size('marb'))") after $((SECONDS - t0)) s"

manifest=$share/marb.steward.yml
cat >"$manifest" <<'EOF'
version: 1
apps:
  marb:
    env_file: /etc/marb/{instance}.env
    instances: {prod: {}}
    backup: {config: false}
EOF
opts=(--manifest "$manifest" --state "$bench_state" --store "$bench_store")
opts_line="--manifest $(q "$manifest") --state $bench_state --store $bench_store"

checked_run pg-backup "$steward" backup marb@prod --format json "${opts[@]}"
backup_facts pg_backup "$out/pg-backup.out" || die "unexpected steward backup output (in $out/pg-backup.out)"
pg_verify_ok=1
try_verify pg-verify pg_verify "$steward" backup verify --latest marb@prod --format json "${opts[@]}" || pg_verify_ok=0

measure_env=("PGPASSWORD=$pg_password")
measure pg_dump "rm -f /var/tmp/bench.pgdump" "pg_dump -Fc -h 127.0.0.1 -U marb -d marb -f /var/tmp/bench.pgdump"
measure_env=()
fact pg_dump_bytes "$(in_sbx stat -c %s /var/tmp/bench.pgdump)"
in_sbx rm -f /var/tmp/bench.pgdump
measure pg-steward "rm -rf $bench_store" "$sq backup marb@prod $opts_line"
if ((pg_verify_ok)); then
    measure pg-verify true "$sq backup verify --latest marb@prod $opts_line"
fi

# ================================================================================================================
# 3. the figures
# ================================================================================================================
python3 - "$out/times.tsv" "$out/facts.tsv" "$steward_given" "$runs" "$out/table.md" >"$out/summary.txt" <<'EOF'
import sys

times_path, facts_path, binary, runs, table_path = sys.argv[1:6]
t = {}
for line in open(times_path):
    name, mean, sd, mn, mx, n = line.rstrip("\n").split("\t")
    t[name] = dict(mean=float(mean), sd=float(sd), min=float(mn), max=float(mx), n=int(n))
f = dict(line.rstrip("\n").split("\t", 1) for line in open(facts_path) if "\t" in line)

def mib(key):
    return "%.0f MiB" % (int(f[key]) / 2**20) if key in f else "n/a"
def secs(name, failed=None):
    r = t.get(name)
    if r:
        return "%.2f s ± %.2f" % (r["mean"], r["sd"])
    if failed and failed + "_error" in f:
        return "FAILED: " + f[failed + "_error"]
    return "n/a"
def rss(key):
    v = f.get(key + "_rss_kib", "n/a")
    return "%.0f MiB" % (int(v) / 1024) if v.isdigit() else v
def ratio(a, b):
    return t[a]["mean"] / t[b]["mean"] if a in t and b in t and t[b]["mean"] > 0 else None
def spread(a, b):  # one stddev of ratio(a, b), from the two rows' relative stddevs: how far noise alone moves it
    r = ratio(a, b)
    return None if r is None else r * ((t[a]["sd"] / t[a]["mean"]) ** 2 + (t[b]["sd"] / t[b]["mean"]) ** 2) ** 0.5
def verdict(value, target, sd=0.0):
    if value is None:
        return "n/a"
    return ("met" if value <= target else "NOT met") + (" (within one stddev)" if abs(value - target) < sd else "")

if "naive_rc" not in f:
    naive = "skipped"
elif f["naive_rc"] == "124":
    naive = "did not finish in %s s (%s written: the writer's commits restart it)" % (f["naive_timeout_s"], mib("naive_bytes"))
elif f["naive_rc"] == "0":
    naive = "finished in %s s" % f["naive_s"]
else:
    naive = "failed (exit %s) after %s s" % (f["naive_rc"], f["naive_s"])

r_live, sd_live = ratio("steward", "sqlite3-snapshot"), spread("steward", "sqlite3-snapshot")
r_paused, sd_paused = ratio("steward-paused", "sqlite3-paused"), spread("steward-paused", "sqlite3-paused")
r_verify, sd_verify = ratio("verify", "steward"), spread("verify", "steward")
pg_over = pg_spread = None
if "pg-steward" in t and "pg_dump" in t:
    pg_over = (ratio("pg-steward", "pg_dump") - 1) * 100
    pg_spread = spread("pg-steward", "pg_dump") * 100
def fmt_ratio(a, b, sign="x"):
    r = ratio(a, b)
    return "n/a" if r is None else "%.2f%s ± %.2f" % (r, sign, spread(a, b))
pg_over_text = "n/a" if pg_over is None else "%+.1f %% ± %.1f" % (pg_over, pg_spread)

out = []
p = out.append
p("binary %s; %s runs per row (hyperfine mean ± stddev, or a timed loop)" % (binary, runs))
p("")
p("SQLite, racklab sandbox: %s database (%s at the end), WAL mode; the writer commits ~%s rows/s during every row"
  % (mib("sqlite_db_bytes_start"), mib("sqlite_db_bytes_end"), f.get("writer_rows_per_s", "?")))
p("except the two 'writer paused' ones")
rows = [
    ("sqlite3-naive", "sqlite3 .backup, writer running", naive),
    ("sqlite3-snapshot", "sqlite3 .backup in one read transaction, writer running", secs("sqlite3-snapshot")),
    ("cp", "cp (unsafe; reference)", secs("cp")),
    ("steward", "steward backup, writer running", secs("steward")),
    ("verify", "steward backup verify (integrity_check)", secs("verify", "sqlite_verify")),
    ("verify-quick", "steward backup verify --quick (quick_check)", secs("verify-quick", "sqlite_verify_quick")),
    ("sqlite3-paused", "sqlite3 .backup, writer paused", secs("sqlite3-paused")),
    ("steward-paused", "steward backup, writer paused", secs("steward-paused")),
]
for _, label, value in rows:
    p("  %-58s %s" % (label, value))
p("  steward's own durationMs: backup %s, file %s, %s rows; verify %s; verify --quick %s"
  % (f.get("sqlite_backup_internal_ms"), mib("sqlite_backup_bytes"), f.get("sqlite_backup_rows"),
     f.get("sqlite_verify_internal_ms", "n/a"), f.get("sqlite_verify_quick_internal_ms", "n/a")))
if "sqlite_verify_message" in f:
    p("  verify said: %s" % f["sqlite_verify_message"])
p("  peak RSS: steward backup %s, verify %s, verify --quick %s"
  % (rss("sqlite-backup"), rss("sqlite-verify"), rss("sqlite-verify-quick")))
p("  ratios (± one stddev from the rows' spread):")
p("  steward backup / sqlite3 .backup, writer running: %s (target <= 1.5x: %s)"
  % (fmt_ratio("steward", "sqlite3-snapshot"), verdict(r_live, 1.5, sd_live)))
p("  steward backup / sqlite3 .backup, writer paused:  %s (target <= 1.5x: %s)"
  % (fmt_ratio("steward-paused", "sqlite3-paused"), verdict(r_paused, 1.5, sd_paused)))
p("  verify / steward backup:                          %s (target <= 2x: %s)"
  % (fmt_ratio("verify", "steward"), verdict(r_verify, 2.0, sd_verify)))
p("  verify --quick / steward backup:                  %s" % fmt_ratio("verify-quick", "steward"))
p("  steward backup / cp:                              %s" % fmt_ratio("steward", "cp"))
p("")
p("PostgreSQL %s, marb sandbox (cluster on tmpfs): database %s (bench_events %s); dump %s, steward's file %s"
  % (f.get("pg_version"), mib("pg_db_bytes"), mib("pg_table_bytes"), mib("pg_dump_bytes"), mib("pg_backup_bytes")))
p("  %-58s %s" % ("pg_dump -Fc", secs("pg_dump")))
p("  %-58s %s" % ("steward backup", secs("pg-steward")))
p("  %-58s %s" % ("steward backup verify", secs("pg-verify", "pg_verify")))
p("  steward's own durationMs: backup %s (%s rows counted); verify %s"
  % (f.get("pg_backup_internal_ms"), f.get("pg_backup_rows"), f.get("pg_verify_internal_ms", "n/a")))
if "pg_verify_message" in f:
    p("  verify said: %s" % f["pg_verify_message"])
p("  peak RSS: steward backup %s, verify %s" % (rss("pg-backup"), rss("pg-verify")))
p("  overhead of steward backup over pg_dump: %s (target <= 10 %%: %s)" % (pg_over_text, verdict(pg_over, 10.0, pg_spread)))
print("\n".join(out))

cell = lambda text: text.replace("|", "\\|")
md = []
m = md.append
m("| measurement | mean ± stddev (%s runs) | peak RSS | target |" % runs)
m("|---|---|---|---|")
m("| **SQLite, %s, writer running** | | | |" % mib("sqlite_db_bytes_start"))
m("| `sqlite3 .backup` | %s | | |" % naive)
m("| `sqlite3 .backup` in one read transaction | %s | | |" % secs("sqlite3-snapshot"))
m("| `cp` (unsafe, reference) | %s | | |" % secs("cp"))
m("| `steward backup` | %s | %s | |" % (secs("steward"), rss("sqlite-backup")))
m("| `steward backup verify` (integrity_check) | %s | %s | |" % (cell(secs("verify", "sqlite_verify")), rss("sqlite-verify")))
m("| `steward backup verify --quick` | %s | %s | |"
  % (cell(secs("verify-quick", "sqlite_verify_quick")), rss("sqlite-verify-quick")))
m("| steward backup / sqlite3 .backup | %s | | ≤ 1.5×: %s |" % (fmt_ratio("steward", "sqlite3-snapshot", "×"), verdict(r_live, 1.5, sd_live)))
m("| verify / steward backup | %s | | ≤ 2×: %s |" % (fmt_ratio("verify", "steward", "×"), verdict(r_verify, 2.0, sd_verify)))
m("| verify --quick / steward backup | %s | | |" % fmt_ratio("verify-quick", "steward", "×"))
m("| **SQLite, writer paused** | | | |")
m("| `sqlite3 .backup` | %s | | |" % secs("sqlite3-paused"))
m("| `steward backup` | %s | | |" % secs("steward-paused"))
m("| steward backup / sqlite3 .backup | %s | | ≤ 1.5×: %s |"
  % (fmt_ratio("steward-paused", "sqlite3-paused", "×"), verdict(r_paused, 1.5, sd_paused)))
m("| **PostgreSQL, %s database** | | | |" % mib("pg_db_bytes"))
m("| `pg_dump -Fc` | %s | | |" % secs("pg_dump"))
m("| `steward backup` | %s | %s | |" % (secs("pg-steward"), rss("pg-backup")))
m("| steward backup over pg_dump | %s | | ≤ 10 %%: %s |" % (pg_over_text, verdict(pg_over, 10.0, pg_spread)))
m("| `steward backup verify` (pg_restore into a scratch database) | %s | %s | |"
  % (cell(secs("pg-verify", "pg_verify")), rss("pg-verify")))
open(table_path, "w").write("\n".join(md) + "\n")
EOF
cat "$out/summary.txt"
echo
cat "$out/table.md"
log "results in $out"
((verify_failed == 0)) || { log "a steward backup verify failed (above): exit 2"; exit 2; }
