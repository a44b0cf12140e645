#!/bin/bash
# Benchmarks `steward serve` (issue 12) in one run, inside a servebench sandbox (Tests/Scenarios/sandbox.sh, real
# systemd; the targets: Tests/Scenarios/servebench/populate.sh), and prints every figure beside its target:
#
#   bench/serve-bench.sh [path/to/steward]
#
# Default binary: the first of .build-release/release/steward, .build/release/steward, .build/debug/steward that
# has the hidden `serve bench-history` command.
#
# Needs root, python3 and these Debian packages, installed with apt-get when missing: monit, wrk, nginx, curl,
# sqlite3.
#
# 1. Daemon cost: three daemons run side by side, each as a systemd unit, for SERVE_BENCH_MINUTES after one
#    30-second warm-up cycle (not counted):
#      steward      `steward serve --install` (steward.service as installed for production), 500 checks every 30 s:
#                   250 HTTP (web.py x4, nginx, and the alert's victim), 150 TCP, 100 systemd service
#      steward-http `steward serve` of 500 HTTP checks every 30 s, the same as monit's (systemd-run, same unit
#                   settings, port 8471, its own history)
#      monit        Debian's monit, `set daemon 30`, 500 `check host ... if failed port P protocol http`
#    From /proc: VmRSS at the end and its mean and highest from 5 min on (sampled every 15 s), VmHWM (peak), CPU = (utime + stime) / wall time over the measured window, and
#    since the process started. Targets (steward): RSS <= 32 MiB, CPU <= 5 % of one core.
# 2. API latency: wrk at an offered 1,000 requests/s (bench/serve-bench-pace.lua paces it: wrk has no rate
#    option), 2 threads, 20 connections, SERVE_BENCH_WRK_SECONDS each, against /api/v1/checks and /api/v1/status
#    (read token from `steward serve token add`) and /healthz, while the 500 checks keep running. p99 from wrk's
#    own latency histogram (done() callback). Target p99 <= 5 ms.
# 3. History: `steward serve bench-history` records SERVE_BENCH_HISTORY_CHECKS checks every 30 s for 365
#    simulated days through the real HistoryStore (clock injected, maintained every 5 simulated minutes like the
#    daemon: rollups, retention, size cap), in a root-only directory on the sandbox's tmpfs /run; then times one-year daily and hourly
#    series of one check (5 runs each, median and worst). Targets: <= 1 MiB per check per year, query <= 50 ms.
# 4. Alert delay: the check `http victim` (30 s) has a rule (for_runs: 1) whose webhook channel posts to
#    bench/serve-bench-webhook.py on 127.0.0.1:9099. bench-web@8199 is stopped; the figure is the webhook's
#    arrival time less the time just before the stop. Target: <= interval + 2 s. Prints "n/a (no alert
#    delivered)" when nothing arrives within SERVE_BENCH_ALERT_TIMEOUT (daemons without the alert engine).
#
# Environment: SERVE_BENCH_MINUTES (30), SERVE_BENCH_WRK_SECONDS (30), SERVE_BENCH_HISTORY_CHECKS (3; each simulated year of one check takes about 10 s
# on the 2-core development machine),
# SERVE_BENCH_HISTORY_DAYS (365), SERVE_BENCH_ALERT_TIMEOUT (70 s), BENCH_OUT (results directory; default a new
# mktemp -d), SERVE_BENCH_PERF (a file: `perf record -g` of steward.service for the first 120 s of the measured window,
# for scripts/link-order). Results in BENCH_OUT: summary.txt (the table), samples.tsv (RSS and CPU every 15 s), wrk-*.txt,
# history.json, webhook.log, the generated manifests and monitrc.
# Exit status: 0 when the benchmark ran (targets met or not: see the table); 1 when it could not run.
set -euo pipefail

repo=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
sandbox=$repo/Tests/Scenarios/sandbox.sh
minutes=${SERVE_BENCH_MINUTES:-30}
wrk_seconds=${SERVE_BENCH_WRK_SECONDS:-30}
history_checks=${SERVE_BENCH_HISTORY_CHECKS:-3}
history_days=${SERVE_BENCH_HISTORY_DAYS:-365}
alert_timeout=${SERVE_BENCH_ALERT_TIMEOUT:-70}
warmup=30
rate=1000

log() { printf 'serve-bench: %s\n' "$*" >&2; }
die() { log "error: $*"; exit 1; }

[[ $EUID -eq 0 ]] || die "must run as root (the sandbox)"
[[ "$minutes" =~ ^[0-9]+([.][0-9]+)?$ ]] || die "SERVE_BENCH_MINUTES must be a number of minutes"
cd "$repo"

# --- packages ---------------------------------------------------------------------------------------------------
missing=()
for pair in monit:monit wrk:wrk nginx:nginx curl:curl sqlite3:sqlite3; do
    command -v "${pair%%:*}" >/dev/null || missing+=("${pair#*:}")
done
if ((${#missing[@]})); then
    log "installing ${missing[*]} (apt-get)"
    # A fresh machine has no package lists yet ("Unable to locate package"): read them once, then try again.
    DEBIAN_FRONTEND=noninteractive apt-get install -y --no-install-recommends "${missing[@]}" >&2 \
        || { apt-get update -qq >&2 && DEBIAN_FRONTEND=noninteractive apt-get install -y --no-install-recommends "${missing[@]}" >&2; } \
        || die "apt-get install ${missing[*]} failed"
fi
[[ -x /usr/bin/python3 ]] || die "/usr/bin/python3 missing (Debian package python3)"

# --- the steward binary ------------------------------------------------------------------------------------------
has_bench() { "$1" serve bench-history --help >/dev/null 2>&1; }
steward=${1:-}
if [[ -z "$steward" ]]; then
    for c in "$repo/.build-release/release/steward" "$repo/.build/release/steward" "$repo/.build/debug/steward"; do
        if [[ -x "$c" ]] && has_bench "$c"; then steward=$c; break; fi
    done
    [[ -n "$steward" ]] || die "no steward binary with 'serve bench-history' in .build-release/release, .build/release or .build/debug; build it or pass a path"
fi
[[ -x "$steward" ]] || steward=$(command -v "$steward" 2>/dev/null || true)
[[ -n "$steward" && -x "$steward" ]] || die "not an executable: ${1:-}"
steward=$(realpath "$steward")
has_bench "$steward" || die "$steward has no 'serve bench-history' command (an old build?)"
steward_shown=$steward
log "steward: $steward ($(date -r "$steward" '+%F %T'))"

# shellcheck source=bench/lib.sh
. "$repo/bench/lib.sh"
bench_boot servebench serve-bench

# --- configuration: two manifests, a monitrc ---------------------------------------------------------------------
web_ports=(8101 8102 8103 8104 8180)
gen=$out/config
mkdir -p "$gen"
{
    victim_manifest_head "serve-bench: 500 checks every 30 s (250 http, 150 tcp, 100 service), generated by bench/serve-bench.sh." 8470
    for ((i = 1; i <= 249; i++)); do
        printf '  - {name: http %03d, http: {url: "http://127.0.0.1:%s/c%03d", status: 200}}\n' "$i" "${web_ports[i % 5]}" "$i"
    done
    for ((i = 1; i <= 150; i++)); do
        printf '  - {name: tcp %03d, tcp: {host: 127.0.0.1, port: %s}}\n' "$i" "${web_ports[i % 5]}"
    done
    svc=(nginx.service bench-web@8101.service bench-web@8102.service bench-web@8103.service bench-web@8104.service)
    for n in {1..10}; do svc+=("bench-idle@$n.service"); done
    for ((i = 1; i <= 100; i++)); do
        printf '  - {name: service %03d, service: %s}\n' "$i" "${svc[i % ${#svc[@]}]}"
    done
} >"$gen/steward.yml"
{
    cat <<'EOF'
# serve-bench: the 500 HTTP checks of monitrc, for steward serve, generated by bench/serve-bench.sh.
version: 1
check_defaults: {interval: 30s, timeout: 5s}
serve:
  port: 8471
  history: {path: /var/lib/steward-http/history.db}
checks:
EOF
    for ((i = 1; i <= 500; i++)); do
        printf '  - {name: h%03d, http: {url: "http://127.0.0.1:%s/h%03d", status: 200}}\n' "$i" "${web_ports[i % 5]}" "$i"
    done
} >"$gen/steward-http.yml"
{
    cat <<'EOF'
# serve-bench: 500 HTTP checks every 30 s, generated by bench/serve-bench.sh.
set daemon 30
set logfile /var/log/monit-bench.log
set pidfile /run/monit-bench/pid
set idfile /run/monit-bench/id
set statefile /run/monit-bench/state
set httpd unixsocket /run/monit-bench/sock
    allow bench:bench
EOF
    for ((i = 1; i <= 500; i++)); do
        printf 'check host h%03d with address 127.0.0.1\n    if failed port %s protocol http request "/h%03d" with timeout 5 seconds then alert\n' \
            "$i" "${web_ports[i % 5]}" "$i"
    done
} >"$gen/monitrc"
cp "$gen"/* "$state/share/"

in_sbx "$steward" manifest check "$state/share/steward.yml" >&2 || die "the generated manifest does not check"
in_sbx "$steward" manifest check "$state/share/steward-http.yml" >&2 || die "the generated HTTP manifest does not check"

# --- start: webhook receiver, the three daemons ------------------------------------------------------------------
in_sbx bash -c "$(printf '%q ' \
    install -D -m 0644 "$state/share/steward.yml" /etc/steward/steward.yml) && $(printf '%q ' \
    install -D -m 0644 "$state/share/steward-http.yml" /etc/steward/steward-http.yml) && $(printf '%q ' \
    install -D -m 0600 "$state/share/monitrc" /etc/monit-bench/monitrc) && install -d -m 0700 /run/monit-bench /var/lib/steward-http" \
    || die "could not install the configuration"
in_sbx systemd-run --quiet --unit=bench-webhook /usr/bin/python3 "$repo/bench/serve-bench-webhook.py" 9099 /run/bench-webhook.log \
    || die "could not start the webhook receiver"
in_sbx monit -t -c /etc/monit-bench/monitrc >/dev/null || die "monit -t rejects the generated monitrc"

log "starting steward.service (steward serve --install), steward-http and monit"
in_sbx "$steward" serve --install --manifest /etc/steward/steward.yml >&2 || die "steward serve --install failed"
# steward-http runs its own copy of the binary: two daemons mapping one file share its pages, and neither could then
# give back the code pages only its start-up used (MemoryTrim); on a real host there is one daemon.
mkdir -p "$state/share/steward-http-bin"
cp "$steward" "$state/share/steward-http-bin/steward"
in_sbx systemd-run --quiet --unit=steward-http -p Type=notify -p NotifyAccess=main -p WatchdogSec=30s -p KillMode=mixed \
    -p UMask=0077 -p Environment=MALLOC_ARENA_MAX=2 \
    "$state/share/steward-http-bin/steward" serve --manifest /etc/steward/steward-http.yml --state /var/lib/steward-http/state.db \
    || die "could not start steward-http"
in_sbx systemd-run --quiet --unit=monit-bench monit -I -c /etc/monit-bench/monitrc || die "could not start monit"
units=(steward.service steward-http.service monit-bench.service)
names=(steward steward-http monit)

# One line per daemon: name pid ticks(utime+stime) vmrss_kb vmhwm_kb uptime_s starttime_ticks
sample() {
    # shellcheck disable=SC2016 # expanded inside
    in_sbx bash -c '
        read -r up _ </proc/uptime
        while (($#)); do
            name=$1 unit=$2; shift 2
            pid=$(systemctl show -p MainPID --value "$unit")
            [[ "$pid" != 0 && -r /proc/$pid/stat ]] || { echo "$name - - - - $up -"; continue; }
            read -r -a st < <(sed "s/^.*) //" "/proc/$pid/stat")
            rss=$(awk "\$1 == \"VmRSS:\" { print \$2 }" "/proc/$pid/status")
            hwm=$(awk "\$1 == \"VmHWM:\" { print \$2 }" "/proc/$pid/status")
            echo "$name $pid $((st[11] + st[12])) $rss $hwm $up ${st[19]}"
        done' sample steward steward.service steward-http steward-http.service monit monit-bench.service
}

for ((i = 0; i < 100; i++)); do
    in_sbx curl -sf -o /dev/null http://127.0.0.1:8471/healthz && break
    sleep 0.1
done
log "warm-up: ${warmup} s (one cycle of every check)"
sleep "$warmup"
perf_pid=
if [[ -n ${SERVE_BENCH_PERF:-} ]]; then
    command -v perf >/dev/null || die "SERVE_BENCH_PERF needs perf (Debian: linux-perf)"
    log "profiling steward.service for 120 s into $SERVE_BENCH_PERF"
    # shellcheck disable=SC2016 # expanded inside
    in_sbx bash -c 'exec perf record -q -g -F 49000 -e cpu-clock -p "$(systemctl show -p MainPID --value steward.service)" -o "$1" -- sleep 120' \
        perf "$state/share/perf.data" >"$out/perf.log" 2>&1 &
    perf_pid=$!
fi
sample >"$out/sample-start.txt"
{ printf 'elapsed_s'; for n in "${names[@]}"; do printf '\t%s_rss_kib\t%s_ticks' "$n" "$n"; done; echo; } >"$out/samples.tsv"
window=$(awk -v m="$minutes" 'BEGIN { printf "%d", m * 60 }')
log "measuring for $minutes min ($window s)"
t_start=$SECONDS
while :; do
    elapsed=$((SECONDS - t_start))
    sample | awk -v e="$elapsed" '{ r = r "\t" $4 "\t" $3 } END { print e r }' >>"$out/samples.tsv"
    ((elapsed < window)) || break
    sleep "$((window - elapsed < 15 ? window - elapsed : 15))"
done
sample >"$out/sample-end.txt"
if [[ -n $perf_pid ]]; then
    wait "$perf_pid" || die "perf record failed: $(tail -n 5 "$out/perf.log")"
    cp "$state/share/perf.data" "$SERVE_BENCH_PERF"
fi
t_end_epoch=$(date +%s)
# Where steward's memory is: anonymous (heap, stacks) or file-backed (its binary and libraries), and its threads.
# shellcheck disable=SC2016 # expanded inside
in_sbx bash -c 'pid=$(systemctl show -p MainPID --value steward.service)
    awk "/^(RssAnon|RssFile|Threads):/ { printf \"%s %s \", \$1, \$2 }" /proc/$pid/status' >"$out/steward-memory.txt" 2>/dev/null || true
# And by mapping (/proc/PID/smaps): the binary's code (r-xp), its constants (r--p) and its writable segment (rw-p:
# constants the dynamic loader relocates, ICU's data, and what the process wrote there), and every anonymous page
# (heap, stacks) elsewhere, in KiB.
# shellcheck disable=SC2016 # expanded inside
in_sbx bash -c 'pid=$(systemctl show -p MainPID --value steward.service); exe=$(readlink /proc/$pid/exe)
    awk -v exe="$exe" "/^[0-9a-f]+-[0-9a-f]+ / { key = (\$6 == exe) ? \$2 : \"other\"; next }
        /^Rss:/ { rss[key] += \$2 } /^Anonymous:/ { anon[key] += \$2 }
        END { printf \"%d %d %d %d %d\", rss[\"r-xp\"], rss[\"r--p\"], rss[\"rw-p\"] - anon[\"rw-p\"], anon[\"rw-p\"], anon[\"other\"] }" /proc/$pid/smaps' \
    >"$out/steward-mappings.txt" 2>/dev/null || true

# Did they really check? steward: the live state of its 500 checks, and results in its history; monit: its summary.
token=$(in_sbx "$steward" serve token add bench --scope read --manifest /etc/steward/steward.yml | grep -m1 '^stw_') \
    || die "steward serve token add failed"
sleep 1.2 # the daemon reads the token file once a second
api() { in_sbx curl -sf -H "Authorization: Bearer $token" "http://127.0.0.1:$1$2"; }
api 8470 /api/v1/status >"$out/status.json" || die "GET /api/v1/status failed"
api 8471 /api/v1/status >"$out/status-http.json" || die "GET /api/v1/status (steward-http) failed"
in_sbx monit -c /etc/monit-bench/monitrc summary -B >"$out/monit-summary.txt" 2>&1 || true
in_sbx sqlite3 -readonly /var/lib/steward/history.db "SELECT count(*) FROM sample" >"$out/history-rows.txt" 2>/dev/null || echo '?' >"$out/history-rows.txt"
in_sbx sqlite3 -readonly /var/lib/steward-http/history.db "SELECT count(*) FROM sample" >"$out/history-rows-http.txt" 2>/dev/null || echo '?' >"$out/history-rows-http.txt"

log "stopping steward-http and monit (their figures are taken)"
in_sbx systemctl stop steward-http.service monit-bench.service || log "warning: could not stop steward-http or monit"

# --- 2. API latency with wrk at 1,000 requests/s -----------------------------------------------------------------
: >"$out/wrk.tsv"
for path in /api/v1/checks /api/v1/status /healthz; do
    f=$out/wrk-$(tr -c 'a-z0-9\n' '-' <<<"${path#/}" | head -c 40).txt
    log "wrk: GET $path at $rate req/s for $wrk_seconds s"
    hdr=()
    [[ "$path" == /api/* ]] && hdr=(-H "Authorization: Bearer $token")
    in_sbx env RATE=$rate WRK_THREADS=2 wrk -t2 -c20 -d"${wrk_seconds}s" --latency --timeout 5s -s "$repo/bench/serve-bench-pace.lua" \
        "${hdr[@]}" "http://127.0.0.1:8470$path" >"$f" 2>&1 || { cat "$f" >&2; die "wrk failed on $path"; }
    line=$(grep -m1 '^SERVE_BENCH_WRK ' "$f") || { cat "$f" >&2; die "wrk printed no result line for $path"; }
    printf '%s\t%s\n' "$path" "${line#SERVE_BENCH_WRK }" >>"$out/wrk.tsv"
done
bytes_checks=$(api 8470 /api/v1/checks | wc -c)

# --- 4. failure -> webhook ----------------------------------------------------------------------------------------
log "alert: stopping bench-web@8199 (the check 'http victim'); waiting up to $alert_timeout s for the webhook"
in_sbx bash -c ': >/run/bench-webhook.log'
t_fail=$(date +%s.%N)
in_sbx systemctl stop bench-web@8199.service || die "could not stop bench-web@8199"
date +%s.%N >"$out/victim-stopped.txt"
alert=""
deadline=$((SECONDS + alert_timeout))
while ((SECONDS < deadline)); do
    alert=$(in_sbx head -n 1 /run/bench-webhook.log 2>/dev/null || true)
    [[ -n "$alert" ]] && break
    sleep 0.2
done
in_sbx cat /run/bench-webhook.log >"$out/webhook.log" 2>/dev/null || true
# The victim's runs around the stop (from the history: times in ms, status 0 pass, 1 fail), to tell the schedule's
# share of the delay from the rest.
sleep 1.5 # the writer commits once a second
in_sbx sqlite3 -readonly /var/lib/steward/history.db "SELECT s.at, s.status FROM sample s JOIN check_key k ON k.id = s.check_id
    WHERE k.name = 'host/http victim' ORDER BY s.at DESC LIMIT 4" >"$out/victim-runs.txt" 2>/dev/null || true
victim_state=$(api 8470 /api/v1/status | python3 -c 'import json,sys
d = json.load(sys.stdin)
print(next((c["state"] + " (" + (c.get("message") or "") + ")" for c in d["checks"] if c["id"] == "http victim"), "?"))' 2>/dev/null || echo '?')

# --- 3. history: a simulated year ---------------------------------------------------------------------------------
log "history: $history_checks checks x $history_days simulated days (steward serve bench-history)"
in_sbx install -d -m 0700 /run/serve-bench-history || die "could not make /run/serve-bench-history"
in_sbx "$steward" serve bench-history --checks "$history_checks" --days "$history_days" --path /run/serve-bench-history/history.db \
    --format json >"$out/history.json" 2>"$out/history.stderr" || { cat "$out/history.stderr" >&2; die "bench-history failed"; }
in_sbx rm -rf /run/serve-bench-history

# --- the table ----------------------------------------------------------------------------------------------------
ticks=$(in_sbx getconf CLK_TCK)
load=$(cut -d' ' -f1-3 /proc/loadavg)
python3 - "$out" "$ticks" "$minutes" "$wrk_seconds" "$rate" "$t_fail" "$alert" "$alert_timeout" "$steward_shown" \
    "$bytes_checks" "$victim_state" "$load" "$(nproc)" >"$out/summary.txt" <<'EOF'
import json, statistics, sys

out, clk, minutes, wrk_s, rate, t_fail, alert, alert_timeout, binary, bytes_checks, victim, load, cpus = sys.argv[1:14]
clk = int(clk)

def samples(path):
    rows = {}
    for line in open(path):
        f = line.split()
        rows[f[0]] = f
    return rows

a, b = samples(out + "/sample-start.txt"), samples(out + "/sample-end.txt")
names = ["steward", "steward-http", "monit"]

def verdict(ok):
    return "met" if ok else "MISSED"

def fig(name):
    s, e = a[name], b[name]
    if e[1] == "-" or s[1] != e[1]:
        return None
    ticks0, ticks1 = int(s[2]), int(e[2])
    wall = float(e[5]) - float(s[5])
    since = float(e[5]) - int(e[6]) / clk
    return {"rss": int(e[3]) / 1024, "hwm": int(e[4]) / 1024,
            "cpu": 100 * (ticks1 - ticks0) / clk / wall, "cpu_all": 100 * ticks1 / clk / since, "wall": wall}

F = {n: fig(n) for n in names}
status = json.load(open(out + "/status.json"))
status_http = json.load(open(out + "/status-http.json"))
def passing(doc):
    c = doc["checks"]
    return "%d/%d pass" % (sum(1 for x in c if x["state"] == "pass"), len(c))
monit_lines = [l for l in open(out + "/monit-summary.txt") if "Remote Host" in l]
monit_ok = "%d/%d OK" % (sum(1 for l in monit_lines if " OK " in l), len(monit_lines))
rows = open(out + "/history-rows.txt").read().strip(), open(out + "/history-rows-http.txt").read().strip()

P = print
P("serve-bench: steward serve (issue 12); binary %s" % binary)
P("sandbox: servebench (real systemd), %s CPUs, load average at the end %s" % (cpus, load))
P()
w = F["steward"]["wall"] if F["steward"] else float(minutes) * 60
P("1. Daemons, %.1f min measured after a 30 s warm-up; every check every 30 s" % (w / 60))
P("   steward      = steward.service, 500 checks: 250 HTTP, 150 TCP, 100 systemd service")
P("   steward-http = steward serve, the 500 HTTP checks monit runs;  monit = Debian monit 5.33, 500 HTTP checks")
P("   %-34s %14s %14s %14s   %-10s %s" % ("measure", "steward", "steward-http", "monit", "target", "steward"))
def row(label, key, fmt, target=None, ok=None):
    vals = [(fmt % F[n][key]) if F[n] else "n/a" for n in names]
    P("   %-34s %14s %14s %14s   %-10s %s" % (label, vals[0], vals[1], vals[2], target or "", "" if ok is None else verdict(ok)))
if F["steward"]:
    row("RSS at the end (VmRSS)", "rss", "%.1f MiB", "<= 32 MiB", F["steward"]["rss"] <= 32)
    # The RSS sampled every 15 s after the first 5 minutes (start-up and the first trims behind): where the end's
    # figure sits between two trims.
    window = []
    for line in list(open(out + "/samples.tsv"))[1:]:
        f = line.split("\t")
        if float(f[0]) >= 300:
            window.append([int(f[1 + 2 * i]) / 1024 if f[1 + 2 * i] not in ("-", "") else None for i in range(3)])
    if window:
        cols = [[w[i] for w in window if w[i] is not None] for i in range(3)]
        fmt = lambda c, agg: ("%.1f MiB" % agg(c)) if c else "n/a"
        P("   %-34s %14s %14s %14s" % ("RSS from 5 min on: mean", *(fmt(c, statistics.mean) for c in cols)))
        P("   %-34s %14s %14s %14s" % ("RSS from 5 min on: highest", *(fmt(c, max) for c in cols)))
    row("peak RSS (VmHWM, at start-up)", "hwm", "%.1f MiB")
    row("CPU, measured window", "cpu", "%.2f %%", "<= 5 %", F["steward"]["cpu"] <= 5)
    row("CPU, since the process started", "cpu_all", "%.2f %%")
else:
    P("   steward.service was not running at the end (restarted or failed): no figure")
mem = open(out + "/steward-memory.txt").read().split()
if len(mem) >= 6:
    P("   steward's RSS at the end: %.1f MiB anonymous, %.1f MiB file-backed; %s threads"
      % (int(mem[1]) / 1024, int(mem[3]) / 1024, mem[5]))
maps = open(out + "/steward-mappings.txt").read().split()
if len(maps) == 5:
    text, const, clean, written, anon = (int(x) / 1024 for x in maps)
    P("   by mapping: code %.1f MiB, read-only data %.1f, writable segment %.1f clean + %.1f written; anonymous elsewhere (heap, stacks, libraries' written data) %.1f"
      % (text, const, clean, written, anon))
P("   %-34s %14s %14s %14s" % ("checks at the end", passing(status), passing(status_http), monit_ok))
P("   %-34s %14s %14s %14s" % ("results in the history (raw rows)", rows[0], rows[1], "-"))
P()
P("2. API latency, wrk at an offered %s req/s (paced), 2 threads, 20 connections, %s s each; 500 checks running" % (rate, wrk_s))
P("   %-16s %9s %9s %9s %9s %9s %9s %7s   %-10s %s" % ("GET", "achieved", "p50", "p90", "p99", "p99.9", "max", "errors", "target", "p99"))
for line in open(out + "/wrk.tsv"):
    path, rest = line.rstrip("\n").split("\t")
    kv = dict(x.split("=") for x in rest.split())
    ms = lambda k: "%.2f ms" % (int(kv[k]) / 1000)
    achieved = int(kv["requests"]) / (int(kv["duration_us"]) / 1e6)
    errors = int(kv["errors"])
    p99 = int(kv["p99_us"]) / 1000
    P("   %-16s %7.0f/s %9s %9s %9s %9s %9s %7d   %-10s %s" % (path, achieved, ms("p50_us"), ms("p90_us"), ms("p99_us"),
      ms("p999_us"), ms("max_us"), errors, "<= 5 ms", verdict(p99 <= 5 and errors == 0 and achieved >= 0.95 * int(rate))))
P("   (/api/v1/checks answers %s bytes: 500 checks)" % bytes_checks.strip())
P()
h = json.load(open(out + "/history.json"))
mib = lambda x: x / 1048576
per = mib(h["sqliteBytes"]) / h["checks"]
per_file = mib(h["fileBytes"]) / h["checks"]
P("3. History after %d simulated days: %d checks, one result every %g s each (%d results, simulated in %.0f s)"
  % (h["days"], h["checks"], h["intervalSeconds"], h["samples"], h["simulateSeconds"]))
P("   rows kept: raw %(raw)d, 5-minute %(5m)d, hourly %(1h)d, daily %(1d)d" % h["rows"])
P("   %-58s %12s   %-10s %s" % ("measure", "figure", "target", ""))
P("   %-58s %8.3f MiB   %-10s %s" % ("size per check (SQLite pages, %.2f MiB of them free)" % mib(h["freeBytes"]), per, "<= 1 MiB", verdict(per <= 1)))
P("   %-58s %8.3f MiB" % ("file on disk per check (database + WAL)", per_file))
for q in h["queries"]:
    med, worst = statistics.median(q["runsMs"]), max(q["runsMs"])
    P("   %-58s %9.2f ms   %-10s %s" % ("one-year %s series (%d points), median of %d (worst %.2f ms)"
      % ({"1d": "daily", "1h": "hourly"}[q["resolution"]], q["points"], len(q["runsMs"]), worst), med, "<= 50 ms", verdict(worst <= 50)))
P()
P("4. Failure to webhook: check 'http victim' (every 30 s, rule for_runs: 1), bench-web@8199 stopped")
if alert:
    delay = float(alert.split()[0]) - float(t_fail)
    P("   delay %.2f s   target <= 32 s (interval + 2 s)   %s" % (delay, verdict(delay <= 32)))
    # Where the time went: the stop itself, the victim's last passing and first failing runs (history), the delivery.
    try:
        stopped = float(open(out + "/victim-stopped.txt").read()) - float(t_fail)
        runs = sorted((int(a) / 1000 - float(t_fail), int(st)) for a, st in
                      (l.split("|") for l in open(out + "/victim-runs.txt").read().split()))
        P("   after the stop began: stopped at +%.2f s; the victim's runs %s; webhook at +%.2f s"
          % (stopped, ", ".join("%+.2f s %s" % (t, "fail" if st == 1 else "pass") for t, st in runs), delay))
    except (OSError, ValueError):
        pass
else:
    P("   n/a (no alert delivered within %s s; the check's state then: %s)" % (alert_timeout, victim))
EOF
cat "$out/summary.txt"
log "results in $out"
