#!/bin/bash
# Boots real systemd as PID 1 of fresh namespaces and builds a test scenario in it.
#
#   sandbox.sh start SCENARIO STATE_DIR   boot, populate (Tests/Scenarios/SCENARIO/), wait until ready
#   sandbox.sh exec STATE_DIR -- CMD ARGS...  run CMD inside (as root); exits with CMD's status
#   sandbox.sh shell STATE_DIR             interactive bash inside
#   sandbox.sh status STATE_DIR            exit 0 and print the PID if running, else exit 1
#   sandbox.sh stop STATE_DIR              kill everything, remove STATE_DIR; succeeds if already stopped
#
# Requirements: root, util-linux (unshare, nsenter), systemd at /lib/systemd/systemd,
# overlayfs and a cgroup2 hierarchy (/sys/fs/cgroup or /sys/fs/cgroup/unified).
#
# Isolation (see lib/init.sh): mount, pid, net, uts, ipc and cgroup namespaces; /etc /var
# /opt /home /root /usr /srv are overlays whose upper layers live in STATE_DIR/ovl, /run
# /tmp /dev are fresh, /sys is read-only, /etc/systemd/system holds only the scenario's
# units. The host sees none of it; `stop` removes it all.
#
# STATE_DIR layout: pid (systemd, host PID), unshare.pid, cgroup, scenario, boot.log
# (init.sh's log; systemd itself logs to the sandbox's journal), populate.log,
# share/ (visible inside at the same path: hand files to or from commands run inside),
# ovl/ (overlay upper layers).
#
# Environment: SANDBOX_BOOT_TIMEOUT (s, default 60), SANDBOX_KEEP_ON_FAILURE=1 (leave a
# sandbox whose boot or populate failed running, for debugging), SANDBOX_HOSTNAME (default
# "sandbox"; a scenario's prepare.sh may set its own: n1 uses "n1").
#
# Exit codes: 0 ok; 1 failure (message on stderr); 2 usage; 125 `exec`/`shell` on a
# sandbox that is not running; otherwise `exec` returns the command's own status.
set -euo pipefail

here=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
marker=.steward-sandbox

log() { printf 'sandbox: %s\n' "$*" >&2; }
die() { log "error: $*"; exit 1; }
usage() {
    sed -n '2,8p' "${BASH_SOURCE[0]}" | sed 's/^# \{0,1\}//' >&2
    exit 2
}

[[ $EUID -eq 0 ]] || die "must run as root"

abs_state() { realpath -m -- "$1"; }

# Start time of PID (clock ticks since boot): guards against a recycled PID.
starttime() { awk '{ sub(/^.*\) /, ""); print $20 }' "/proc/$1/stat" 2>/dev/null; }

# Host PID of the sandbox's systemd if it is alive, else nothing (and status 1).
sandbox_pid() {
    local state=$1 pid
    [[ -f "$state/pid" && -f "$state/pid.start" ]] || return 1
    pid=$(<"$state/pid")
    [[ "$pid" =~ ^[0-9]+$ && -d "/proc/$pid" ]] || return 1
    [[ "$(starttime "$pid")" == "$(<"$state/pid.start")" ]] || return 1
    [[ "$(awk '$1 == "State:" { print $2 }' "/proc/$pid/status" 2>/dev/null)" != Z ]] || return 1
    printf '%s\n' "$pid"
}

in_sandbox() { # PID CMD...: run CMD inside, from / (no cd wrapper: internal use)
    local pid=$1; shift
    nsenter -t "$pid" -a -- "$@"
}

# The cgroup2 hierarchy in which each sandbox gets its own subtree (its cgroup namespace root).
cgroup2_root() {
    local d
    for d in /sys/fs/cgroup /sys/fs/cgroup/unified; do
        if [[ "$(stat -f -c %T "$d" 2>/dev/null)" == cgroup2fs ]]; then
            printf '%s\n' "$d"
            return 0
        fi
    done
    return 1
}

# Remove a sandbox cgroup subtree once its processes are gone.
remove_cgroup() {
    local cg=$1 i
    [[ -n "$cg" && -d "$cg" ]] || return 0
    [[ "$(basename "$cg")" == steward-sandbox.* ]] || { log "not removing unexpected cgroup $cg"; return 0; }
    if [[ -f "$cg/cgroup.kill" ]]; then echo 1 >"$cg/cgroup.kill" 2>/dev/null || true; fi
    for ((i = 0; i < 50; i++)); do
        find "$cg" -depth -type d -exec rmdir {} + 2>/dev/null || true
        [[ -d "$cg" ]] || return 0
        sleep 0.1
    done
    log "warning: could not remove cgroup $cg"
}

# Wait until PID is gone or a zombie (its parent may be gone too).
wait_gone() {
    local pid=$1 tries=$2 i
    for ((i = 0; i < tries; i++)); do
        [[ -d "/proc/$pid" ]] || return 0
        [[ "$(awk '$1 == "State:" { print $2 }' "/proc/$pid/status" 2>/dev/null)" != Z ]] || return 0
        sleep 0.05
    done
    return 1
}

cmd_stop() {
    [[ $# -eq 1 ]] || usage
    local state pid upid=""
    state=$(abs_state "$1")
    [[ -e "$state" ]] || return 0
    if [[ ! -f "$state/$marker" ]]; then
        if [[ -d "$state" && -z "$(ls -A "$state")" ]]; then
            rmdir "$state"
            return 0
        fi
        die "$state is not a sandbox state directory (no $marker); not touching it"
    fi
    if pid=$(sandbox_pid "$state"); then
        # SIGKILL to PID 1 of a pid namespace ends every process in it.
        kill -KILL "$pid" 2>/dev/null || true
        wait_gone "$pid" 200 || log "warning: systemd (pid $pid) did not exit"
    fi
    if [[ -f "$state/unshare.pid" ]]; then
        upid=$(<"$state/unshare.pid")
        if [[ "$upid" =~ ^[0-9]+$ && -d "/proc/$upid" && "$(starttime "$upid")" == "$(cat "$state/unshare.start" 2>/dev/null)" ]]; then
            kill -KILL "$upid" 2>/dev/null || true
            wait_gone "$upid" 100 || true
        fi
    fi
    remove_cgroup "$(cat "$state/cgroup" 2>/dev/null || true)"
    rm -rf --one-file-system -- "$state"
}

dump_diagnostics() {
    local state=$1 pid
    log "---- diagnostics for $state ----"
    if pid=$(sandbox_pid "$state"); then
        {
            echo "## systemctl is-system-running"; in_sandbox "$pid" systemctl is-system-running || true
            echo "## systemctl list-jobs"; in_sandbox "$pid" systemctl list-jobs --no-pager || true
            echo "## systemctl --failed"; in_sandbox "$pid" systemctl --failed --no-pager || true
            echo "## systemctl status calb-* (if any)"; in_sandbox "$pid" systemctl status --no-pager -n 20 'calb-*' || true
            echo "## journalctl -n 60"; in_sandbox "$pid" journalctl --no-pager -n 60 || true
        } >&2 2>&1
    else
        log "systemd is not running"
    fi
    local f
    for f in boot.log populate.log; do
        [[ -s "$state/$f" ]] || continue
        log "---- tail $f ----"
        tail -n 40 "$state/$f" >&2
    done
}

fail_start() {
    local state=$1; shift
    log "error: $*"
    dump_diagnostics "$state"
    if [[ "${SANDBOX_KEEP_ON_FAILURE:-0}" == 1 ]]; then
        log "SANDBOX_KEEP_ON_FAILURE=1: leaving $state running; run: $0 stop $state"
    else
        cmd_stop "$state" || true
    fi
    exit 1
}

cmd_start() {
    [[ $# -eq 2 ]] || usage
    local scenario=$1 state scenario_dir t0 cgroot cg pid="" upid i status="" timeout
    state=$(abs_state "$2")
    scenario_dir=$here/$scenario
    [[ "$scenario" =~ ^[A-Za-z0-9_-]+$ && -f "$scenario_dir/populate.sh" ]] \
        || die "unknown scenario '$scenario' (no $scenario_dir/populate.sh)"
    timeout=${SANDBOX_BOOT_TIMEOUT:-60}
    t0=$(date +%s%N)

    # The overlay upper layers live in STATE_DIR: it cannot be inside a tree that is overlaid
    # or replaced inside the sandbox.
    case "$state/" in
        / | /etc/* | /var/* | /opt/* | /home/* | /root/* | /usr/* | /srv/* | /run/* | /dev/* | /proc/* | /sys/*)
            die "STATE_DIR $state must not be under /etc /var /opt /home /root /usr /srv /run /dev /proc /sys (use e.g. mktemp -d)" ;;
    esac
    if [[ -e "$state" ]]; then
        if sandbox_pid "$state" >/dev/null; then
            die "a sandbox is already running in $state (stop it first)"
        elif [[ -f "$state/$marker" ]]; then
            log "cleaning up a stopped sandbox in $state"
            cmd_stop "$state"
        elif [[ -n "$(ls -A "$state")" ]]; then
            die "$state exists, is not empty and is not a sandbox state directory"
        fi
    fi
    command -v unshare >/dev/null || die "util-linux unshare missing"
    command -v nsenter >/dev/null || die "util-linux nsenter missing"
    [[ -x /lib/systemd/systemd ]] || die "/lib/systemd/systemd missing"
    cgroot=$(cgroup2_root) || die "no cgroup2 hierarchy found"

    mkdir -p "$state/share"
    : >"$state/$marker"
    # Interrupted while starting: do not leave a half-built sandbox behind.
    trap 'fail_start "$state" "interrupted"' INT TERM
    echo "$scenario" >"$state/scenario"
    readlink /proc/self/ns/mnt >"$state/host-mntns"
    install -m 0755 "$here/lib/init.sh" "$state/init.sh"
    cg=$cgroot/steward-sandbox.$(date +%s%N).$$
    mkdir "$cg"
    echo "$cg" >"$state/cgroup"

    # The sandbox must not hold the caller's stdout/stderr: callers wait for EOF on them.
    (
        echo "$BASHPID" >"$cg/cgroup.procs"
        # Nor any other descriptor the caller passed down (a pipe it reads to EOF, a lock).
        for fd in /proc/"$BASHPID"/fd/*; do
            fd=${fd##*/}
            if ((fd > 2)); then exec {fd}>&-; fi
        done
        exec setsid unshare --pid --mount --net --uts --ipc --cgroup --mount-proc \
            --propagation private --kill-child=SIGKILL -- \
            /bin/bash "$state/init.sh" "$state" "$scenario_dir"
    ) </dev/null >>"$state/boot.log" 2>&1 &
    upid=$!

    # systemd's host PID: the process in the sandbox's cgroup that is PID 1 of its namespace.
    for ((i = 0; i < 100; i++)); do
        local procs p
        procs=$(find "$cg" -name cgroup.procs -exec cat {} + 2>/dev/null || true)
        for p in $procs; do
            if [[ "$(awk '$1 == "NSpid:" { print $NF }' "/proc/$p/status" 2>/dev/null)" == 1 ]]; then
                pid=$p
                break 2
            fi
        done
        kill -0 "$upid" 2>/dev/null || break
        sleep 0.05
    done
    [[ -n "$pid" ]] || fail_start "$state" "the sandbox did not start"
    echo "$pid" >"$state/pid"
    starttime "$pid" >"$state/pid.start"
    echo "$upid" >"$state/unshare.pid"
    starttime "$upid" >"$state/unshare.start" || true

    # Boot: wait for systemd to finish its start-up jobs.
    local deadline=$((SECONDS + timeout))
    while :; do
        sandbox_pid "$state" >/dev/null || fail_start "$state" "systemd died during boot"
        status=$(in_sandbox "$pid" systemctl is-system-running 2>/dev/null || true)
        case "$status" in
            running) break ;;
            degraded)
                log "warning: system is degraded; failed units:"
                in_sandbox "$pid" systemctl --failed --no-pager --plain >&2 || true
                break ;;
        esac
        ((SECONDS < deadline)) || fail_start "$state" "systemd did not reach running within ${timeout}s (state: ${status:-unknown})"
        sleep 0.1
    done
    local t_boot
    t_boot=$(date +%s%N)

    # Populate, inside.
    if ! in_sandbox "$pid" /bin/bash "$scenario_dir/populate.sh" >"$state/populate.log" 2>&1; then
        fail_start "$state" "populating scenario $scenario failed"
    fi
    trap - INT TERM
    local t1
    t1=$(date +%s%N)
    log "$scenario up in $(((t1 - t0) / 1000000)) ms (boot $(((t_boot - t0) / 1000000)) ms, populate $(((t1 - t_boot) / 1000000)) ms); systemd pid $pid; state $state"
}

cmd_exec() {
    [[ $# -ge 1 ]] || usage
    local state pid
    state=$(abs_state "$1"); shift
    [[ "${1:-}" == -- ]] && shift
    [[ $# -ge 1 ]] || usage
    pid=$(sandbox_pid "$state") || { log "error: no sandbox running in $state"; exit 125; }
    # Keep the caller's working directory when it exists inside (/work does; /tmp/... does not).
    # shellcheck disable=SC2016 # expanded by the inner sh
    exec nsenter -t "$pid" -a -- /bin/sh -c 'cd "$1" 2>/dev/null || cd /; shift; exec "$@"' sandbox-exec "$PWD" "$@"
}

cmd_shell() {
    [[ $# -eq 1 ]] || usage
    cmd_exec "$1" -- /bin/bash -l
}

cmd_status() {
    [[ $# -eq 1 ]] || usage
    local state pid
    state=$(abs_state "$1")
    pid=$(sandbox_pid "$state") || { echo stopped; exit 1; }
    printf 'running pid=%s scenario=%s\n' "$pid" "$(cat "$state/scenario" 2>/dev/null)"
}

[[ $# -ge 1 ]] || usage
sub=$1; shift
case "$sub" in
    start) cmd_start "$@" ;;
    exec) cmd_exec "$@" ;;
    shell) cmd_shell "$@" ;;
    status) cmd_status "$@" ;;
    stop) cmd_stop "$@" ;;
    -h | --help | help) usage ;;
    *) usage ;;
esac
