#!/bin/bash
# Times `steward audit --hosts` over real SSH against Ansible (and pyinfra) on the same test hosts, in one run
# (issue 13), and prints every figure beside its target:
#
#   bench/fleet-bench.sh [path/to/steward]
#
# Default binary: .build-static/x86_64-unknown-linux-gnu/release/steward, else .build-release/release/steward, else
# .build/release/steward. Needs root, iproute2, OpenSSH (client, and the server the hosts run), python3 with venv;
# ansible-core and pyinfra come from PyPI into a venv (FLEET_BENCH_CACHE/venv, made once and reused).
#
# The hosts: FLEET_BENCH_HOSTS fleet sandboxes (Tests/Scenarios/sandbox.sh start fleet: real systemd as PID 1,
# Debian's sshd with host keys of its own, root login by key, the app hello@prod on 127.0.0.1:8300,
# /etc/steward/steward.yml), as FleetSandboxTests makes them: each in its own network namespace, joined by a veth
# pair to a namespace of this run's own (stwfbench-TAG: host N is 10.232.N.2, its peer 10.232.N.1) where every
# controller command runs (`ip netns exec`). A fresh ed25519 key (in a private temporary directory, removed at the
# end) is root's authorized key on each host; an ssh_config (User root, that key, IdentitiesOnly, a known_hosts of
# its own) and an inventory (hN: {ssh: 10.232.N.2, groups: [web]}) are what steward, ansible and pyinfra all use.
# Host keys are recorded with `steward hosts trust all --yes`, or with ssh-keyscan (each fingerprint compared with
# the host's own) when the binary has no `hosts trust`.
#
# Measured (wall time of each run; medians, min and max of FLEET_BENCH_RUNS runs after one warm-up run that is not
# counted, except the first run (once) and ansible's per-command playbook and pyinfra (FLEET_BENCH_SLOW_RUNS runs,
# no warm-up); controller rows are timed by a loop inside the namespace, so `ip netns exec` is not in them):
#   local audit        `steward audit` on h1 itself, timed by a loop inside the host (no nsenter in the figure),
#                      with the binary the first fleet run copied there
#   ssh true           `ssh h1 true` over the master connection: the transport's floor
#   hosts h1           `steward audit --hosts h1`, master connection reused; its median less the local audit's is
#                      the per-host overhead. Target: <= 30 ms
#   first run          `steward audit --hosts all`, once, on hosts that have no Steward yet and no master
#                      connection: includes copying the binary to each host
#   fleet audit        `steward audit --hosts all` (default --parallel-hosts, 8), second run on: binary reused,
#                      master connections reused (steward's ssh uses ControlPersist=60s, so a run within a minute of
#                      the last rides the same connections; the master's pid is checked before and after)
#   fleet audit wide   the same with --parallel-hosts FLEET_BENCH_HOSTS (when that is not 8)
#   new masters        the same with every master closed (`ssh -O exit`, untimed) before each run
#   ansible            ansible-playbook (ansible-core), forks = FLEET_BENCH_HOSTS, pipelining on, gather_facts
#                      false, interpreter /usr/bin/python3 (no discovery), strict host keys, its own ControlPersist
#                      (60 s, its default) so its runs reuse connections too: one task per command of the manual
#                      inspection (bench/n1-manual.sh mapped to the fleet host: hello@prod, :8300/health.txt), command
#                      or shell, changed_when/failed_when false. Target: fleet audit >= 5x faster
#   ansible raw        the same list as one `raw` task (for reference: not what an operator writes)
#   pyinfra            pyinfra (paramiko, no master connections), one server.shell per command; "not run (reason)"
#                      when it does not install or run
# plus, as information, a start of the controller (`steward version`) and the time to SHA-256 the binary (each side
# caches its own digest: /var/cache/steward/self-sha256).
#
# Environment: FLEET_BENCH_HOSTS (10), FLEET_BENCH_RUNS (5), FLEET_BENCH_SLOW_RUNS (3: runs of ansible's per-command
# playbook and of pyinfra, the slow rows), FLEET_BENCH_BOOT_PARALLEL (5 sandboxes booted at once),
# FLEET_BENCH_CACHE (/var/cache/steward-bench: the venv), FLEET_BENCH_PYTHON (/usr/bin/python3, makes the venv),
# FLEET_BENCH_PYINFRA (1; 0 skips it), BENCH_OUT (results directory; default a new mktemp -d /tmp/fleet-bench.XXXXXX).
# Results in BENCH_OUT: summary.txt (the table), times.tsv (every run: row, run, microseconds, exit status,
# warmup|timed), raw/ (each run's output), fleet-audit.json (one warm run's steward.fleet/1), the inventory,
# ssh_config, playbooks, pyinfra files and the manual command list. Everything is removed at the end (sandboxes,
# namespace, master connections, the key) but BENCH_OUT and the venv.
# Takes about 9 minutes on the 2-core development machine with 10 hosts (ansible's per-command playbook takes about
# 50 s a run).
# Exit status: 0 when the benchmark ran (targets met or not: see the table); 1 when it could not run.
set -euo pipefail

repo=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
sandbox=$repo/Tests/Scenarios/sandbox.sh
nhosts=${FLEET_BENCH_HOSTS:-10}
runs=${FLEET_BENCH_RUNS:-5}
slow_runs=${FLEET_BENCH_SLOW_RUNS:-3}
boot_parallel=${FLEET_BENCH_BOOT_PARALLEL:-5}
cache=${FLEET_BENCH_CACHE:-/var/cache/steward-bench}
python=${FLEET_BENCH_PYTHON:-/usr/bin/python3}
want_pyinfra=${FLEET_BENCH_PYINFRA:-1}
steward_default_parallel=8
control_dir=/run/steward/ssh

log() { printf 'fleet-bench: %s\n' "$*" >&2; }
die() { log "error: $*"; exit 1; }

[[ $EUID -eq 0 ]] || die "must run as root (sandboxes, network namespaces)"
[[ "$nhosts" =~ ^[0-9]+$ && nhosts -ge 1 && nhosts -le 250 ]] || die "FLEET_BENCH_HOSTS must be 1-250"
((nhosts >= 10)) || log "warning: $nhosts hosts (the issue asks for at least 10)"
[[ "$runs" =~ ^[0-9]+$ && runs -ge 1 ]] || die "FLEET_BENCH_RUNS must be a positive number"
[[ "$slow_runs" =~ ^[0-9]+$ && slow_runs -ge 1 ]] || die "FLEET_BENCH_SLOW_RUNS must be a positive number"
[[ "$boot_parallel" =~ ^[0-9]+$ && boot_parallel -ge 1 ]] || die "FLEET_BENCH_BOOT_PARALLEL must be a positive number"
for tool in ip ssh ssh-keygen ssh-keyscan sha256sum; do
    command -v "$tool" >/dev/null || die "$tool missing (iproute2, openssh-client)"
done
[[ -x "$python" ]] || die "$python missing (FLEET_BENCH_PYTHON)"

# --- the steward binary ------------------------------------------------------------------------------------------
steward=${1:-}
if [[ -z "$steward" ]]; then
    for c in "$repo/.build-static/x86_64-unknown-linux-gnu/release/steward" "$repo/.build-release/release/steward" \
        "$repo/.build/release/steward"; do
        if [[ -x "$c" ]]; then steward=$c; break; fi
    done
    [[ -n "$steward" ]] || die "no steward binary in .build-static, .build-release or .build; build it or pass a path"
fi
[[ -x "$steward" ]] || die "not an executable: $steward"
steward=$(realpath "$steward")
"$steward" audit --help 2>/dev/null | grep -q -- '--hosts' || die "$steward has no audit --hosts (too old for the fleet)"

# --- results, work directory, names -----------------------------------------------------------------------------
out=${BENCH_OUT:-$(mktemp -d /tmp/fleet-bench.XXXXXX)}
mkdir -p "$out/raw"
out=$(realpath "$out")
: >"$out/times.tsv"
work=$(mktemp -d /tmp/fleet-bench-work.XXXXXX) # 0700: the private key, ssh_config, known_hosts
tag=$(od -An -N3 -tx1 /dev/urandom | tr -d ' \n')
ns=stwfbench-$tag
states=()
for ((i = 1; i <= nhosts; i++)); do states+=("$(mktemp -d "/tmp/fleet-bench-h$i.XXXXXX")"); done
addr() { printf '10.232.%d.2' "$1"; }
# Steward's control socket for host N: the first 32 hex digits of the SHA-256 of "steward-ssh/1", the destination,
# the port (none), the ssh_config file and the known_hosts file (none), one per line (SSHControlPath).
ctl_path() { printf '%s/%s' "$control_dir" "$(printf 'steward-ssh/1\n%s\n\n%s\n' "$(addr "$1")" "$work/ssh_config" | sha256sum | cut -c1-32)"; }

cleanup() {
    set +e
    if ip netns list 2>/dev/null | grep -qw -- "$ns"; then
        # steward's master connections (closed cleanly, so no socket is left in $control_dir), then what is left
        # in this run's namespace (ansible's masters): processes this script started, by pid.
        for ((i = 1; i <= nhosts; i++)); do
            ip netns exec "$ns" ssh -F "$work/ssh_config" -o ControlPath="$(ctl_path "$i")" -O exit "$(addr "$i")" >/dev/null 2>&1
        done
        local pids
        pids=$(ip netns pids "$ns" 2>/dev/null)
        # shellcheck disable=SC2086 # a list of pids
        [[ -z "$pids" ]] || kill $pids 2>/dev/null
        ip netns del "$ns" || log "warning: could not delete the network namespace $ns"
    fi
    for s in "${states[@]}"; do
        bash "$sandbox" stop "$s" || log "warning: could not stop the sandbox in $s"
    done
    rm -rf -- "$work"
}
trap cleanup EXIT
trap 'exit 130' INT TERM

# --- the hosts ----------------------------------------------------------------------------------------------------
log "booting $nhosts fleet sandboxes ($boot_parallel at once); results in $out"
t_boot=$SECONDS
for ((i = 1; i <= nhosts; i += boot_parallel)); do
    pids=()
    for ((j = i; j < i + boot_parallel && j <= nhosts; j++)); do
        bash "$sandbox" start fleet "${states[j - 1]}" >"$out/raw/boot-h$j.log" 2>&1 &
        pids+=($!)
    done
    for ((k = 0; k < ${#pids[@]}; k++)); do
        wait "${pids[k]}" || { tail -n 30 "$out/raw/boot-h$((i + k)).log" >&2; die "sandbox h$((i + k)) did not boot"; }
    done
done
log "hosts up in $((SECONDS - t_boot)) s"

ip netns add "$ns"
ip -n "$ns" link set lo up
ssh-keygen -q -t ed25519 -N '' -C fleet-bench -f "$work/id"
for ((i = 1; i <= nhosts; i++)); do
    s=${states[i - 1]}
    pid=$(<"$s/pid")
    veth=fb$i-$tag
    ip link add "$veth" netns "$ns" type veth peer name eth0 netns "$pid"
    ip -n "$ns" addr add "10.232.$i.1/30" dev "$veth"
    ip -n "$ns" link set "$veth" up
    bash "$sandbox" exec "$s" -- ip addr add "10.232.$i.2/30" dev eth0
    bash "$sandbox" exec "$s" -- ip link set eth0 up
    cp "$work/id.pub" "$s/share/id.pub"
    bash "$sandbox" exec "$s" -- install -m 0600 "$s/share/id.pub" /root/.ssh/authorized_keys
done

cat >"$work/ssh_config" <<EOF
Host *
  User root
  IdentityFile $work/id
  IdentitiesOnly yes
  UserKnownHostsFile $work/known_hosts
  GlobalKnownHostsFile /dev/null
EOF
{
    echo "version: 1"
    echo "hosts:"
    for ((i = 1; i <= nhosts; i++)); do echo "  h$i: {ssh: $(addr "$i"), groups: [web]}"; done
} >"$work/inventory.yml"
chmod 0600 "$work/inventory.yml" "$work/ssh_config"
inv=$work/inventory.yml
cfg=$work/ssh_config
fleet_args=(--inventory "$inv" --ssh-config "$cfg")
in_ns() { ip netns exec "$ns" "$@"; }

# Host keys: recorded only after each is compared with the host's own.
if "$steward" hosts trust --help 2>/dev/null | grep -q -- '--yes'; then
    trust_how="steward hosts trust all --yes"
    in_ns "$steward" hosts trust all --yes "${fleet_args[@]}" >"$out/raw/hosts-trust.txt" 2>&1 \
        || { cat "$out/raw/hosts-trust.txt" >&2; die "steward hosts trust failed"; }
else
    trust_how="ssh-keyscan (this binary has no hosts trust), each fingerprint compared with the host's own"
    : >"$work/known_hosts"
    for ((i = 1; i <= nhosts; i++)); do
        in_ns ssh-keyscan -T 5 -t ed25519 "$(addr "$i")" 2>/dev/null >"$work/scan"
        own=$(bash "$sandbox" exec "${states[i - 1]}" -- ssh-keygen -l -f /etc/ssh/ssh_host_ed25519_key.pub | awk '{ print $2 }')
        seen=$(ssh-keygen -l -f "$work/scan" | awk '{ print $2 }')
        [[ -n "$own" && "$own" == "$seen" ]] || die "h$i: scanned key ${seen:-none} is not the host's own ${own:-none}"
        cat "$work/scan" >>"$work/known_hosts"
    done
fi
in_ns ssh -F "$cfg" -o BatchMode=yes -o StrictHostKeyChecking=yes "$(addr 1)" true \
    || die "ssh to h1 failed (strict host keys, key login)"

# --- timing ---------------------------------------------------------------------------------------------------------
# time-runs.sh NAME WARMUP RUNS PREFIX BEFORE CMD...: runs CMD WARMUP + RUNS times (BEFORE, a shell snippet, first
# and untimed, when not empty), each run's output in PREFIX.N.out/.err; prints NAME, run, microseconds, exit status,
# warmup|timed. Runs where it is started: inside the namespace or inside a host, so entering them is not timed.
cat >"$work/time-runs.sh" <<'EOF'
name=$1 warmup=$2 runs=$3 prefix=$4 before=$5
shift 5
for ((i = 1; i <= warmup + runs; i++)); do
    if [[ -n "$before" ]]; then bash -c "$before" >/dev/null 2>&1 || true; fi
    t0=${EPOCHREALTIME//[!0-9]/}
    "$@" >"$prefix.$i.out" 2>"$prefix.$i.err"
    rc=$?
    t1=${EPOCHREALTIME//[!0-9]/}
    kind=timed
    ((i <= warmup)) && kind=warmup
    printf '%s\t%d\t%d\t%d\t%s\n' "$name" "$i" "$((t1 - t0))" "$rc" "$kind"
done
EOF

# Prints the timed runs' median (s) of NAME from times.tsv.
median_of() {
    awk -F'\t' -v n="$1" '$1 == n && $5 == "timed" { print $3 }' "$out/times.tsv" | sort -n \
        | awk '{ a[NR] = $1 } END { if (NR == 0) print "n/a"; else printf "%.3f", (NR % 2 ? a[(NR + 1) / 2] : (a[NR / 2] + a[NR / 2 + 1]) / 2) / 1e6 }'
}

# check_rc NAME MAX: every run's exit status must be at most MAX (steward: 0-2 are findings, 3 is a failure).
check_rc() {
    local bad
    bad=$(awk -F'\t' -v n="$1" -v m="$2" '$1 == n && $4 > m { print $2; exit }' "$out/times.tsv")
    [[ -z "$bad" ]] && return 0
    tail -n 20 "$out/raw/$1.$bad.out" "$out/raw/$1.$bad.err" >&2 || true
    die "$1: run $bad exited with status $(awk -F'\t' -v n="$1" -v r="$bad" '$1 == n && $2 == r { print $4 }' "$out/times.tsv")"
}

# ctl NAME WARMUP MAX_RC BEFORE CMD...: times CMD on the controller, inside the namespace.
ctl() {
    local name=$1 warmup=$2 max_rc=$3 before=$4
    shift 4
    in_ns bash "$work/time-runs.sh" "$name" "$warmup" "$runs_now" "$out/raw/$name" "$before" "$@" >>"$out/times.tsv"
    check_rc "$name" "$max_rc"
    log "$name: median $(median_of "$name") s"
}

# Master connection pids as `ssh -O check` reports them, one per host ("-" where none).
masters() {
    local i p
    for ((i = 1; i <= nhosts; i++)); do
        p=$(in_ns ssh -F "$cfg" -o ControlPath="$(ctl_path "$i")" -O check "$(addr "$i")" 2>&1 | sed -n 's/.*(pid=\([0-9]*\)).*/\1/p' || true)
        printf '%s ' "${p:--}"
    done
}
close_masters=$(for ((i = 1; i <= nhosts; i++)); do printf 'ssh -F %q -o ControlPath=%q -O exit %q; ' "$cfg" "$(ctl_path "$i")" "$(addr "$i")"; done; echo "sleep 0.2")

# --- steward ----------------------------------------------------------------------------------------------------------
# No master from an earlier run may be reused by the first run (a dead socket is fine: ssh replaces it).
in_ns bash -c "$close_masters" >/dev/null 2>&1 || true

log "first run: steward audit --hosts all (copies steward to each host)"
runs_now=1 ctl first-run 0 2 "" "$steward" audit --hosts all "${fleet_args[@]}"
copied=$(grep -c '^== h[0-9]* .*Steward copied ==$' "$out/raw/first-run.1.out" || true)
[[ "$copied" == "$nhosts" ]] || die "first run: Steward copied to $copied of $nhosts hosts (see $out/raw/first-run.1.out)"
local_sha=$(sha256sum "$steward" | cut -c1-64)
there=$(bash "$sandbox" exec "${states[0]}" -- sha256sum /var/lib/steward/bin/steward | cut -c1-64)
[[ "$there" == "$local_sha" ]] || die "h1's copy of steward differs from $steward"

# One checked warm run: every host answered, with the copy it has.
set +e
in_ns "$steward" audit --hosts all --format json "${fleet_args[@]}" >"$out/fleet-audit.json" 2>"$out/raw/fleet-audit-json.err"
rc=$?
set -e
((rc <= 2)) || { tail -n 20 "$out/raw/fleet-audit-json.err" >&2; die "steward audit --hosts all --format json: exit $rc"; }
"$python" - "$out/fleet-audit.json" "$nhosts" <<'EOF' || die "the fleet's JSON document is not what was expected"
import json, sys
d = json.load(open(sys.argv[1]))
hosts = d["hosts"]
assert d["schema"] == "steward.fleet/1", d["schema"]
assert sorted(hosts) == sorted("h%d" % i for i in range(1, int(sys.argv[2]) + 1)), sorted(hosts)
for name, h in hosts.items():
    assert h["exit_code"] <= 2 and "result" in h and h["binary"] == "reused", (name, {k: v for k, v in h.items() if k != "result"})
    assert h["result"]["inventory"][0]["unit"] == "hello@prod.service", name
EOF

runs_now=$runs
log "local audit inside h1 (timed there)"
share=${states[0]}/share
mkdir -p "$share/raw"
cp "$work/time-runs.sh" "$share/time-runs.sh"
bash "$sandbox" exec "${states[0]}" -- bash "$share/time-runs.sh" local-audit 1 "$runs" "$share/raw/local-audit" "" \
    /var/lib/steward/bin/steward audit >>"$out/times.tsv"
cp "$share"/raw/* "$out/raw/"
check_rc local-audit 2
log "local-audit: median $(median_of local-audit) s"

ctl ssh-true 1 0 "" ssh -F "$cfg" -o ControlPath="$control_dir/%C" -o ControlMaster=auto -o ControlPersist=60s "$(addr 1)" true
ctl hosts-h1 1 2 "" "$steward" audit --hosts h1 "${fleet_args[@]}"
ctl start 1 0 "" "$steward" version
before_pids=$(masters)
ctl fleet 1 2 "" "$steward" audit --hosts all "${fleet_args[@]}"
after_pids=$(masters)
if ((nhosts != steward_default_parallel)); then
    ctl fleet-wide 1 2 "" "$steward" audit --hosts all --parallel-hosts "$nhosts" "${fleet_args[@]}"
fi
ctl fleet-new-masters 1 2 "$close_masters" "$steward" audit --hosts all "${fleet_args[@]}"
alive=$(masters)

# What the controller pays on every run before it reaches a host: hashing its own binary.
ctl self-sha256 1 0 "" sha256sum "$steward"

# --- the manual inspection: the seed's runbook (bench/n1-manual.sh) on a fleet host -------------------------------
cat >"$out/manual-commands.txt" <<'EOF'
systemctl status hello@prod --no-pager
systemctl show hello@prod --no-pager
systemctl cat hello@.service --no-pager
journalctl -u hello@prod -n 300 --no-pager
journalctl --since "24 hours ago" --no-pager | grep -Ei "Failed|error|traceback|OOM|killed"
ss -lntp
ss -lntp | grep -E "8300|http.server"
ps aux
ps aux | grep -E "http.server|hello"
curl -sI --max-time 2 http://127.0.0.1:8300/health.txt
git -c safe.directory='*' -C /srv/hello/prod status -sb
git -c safe.directory='*' -C /srv/hello/prod log -n5 --oneline --decorate
ls -lah /etc/hello/
grep -E "^[A-Za-z_][A-Za-z0-9_]*=" /etc/hello/prod.env | sed 's/=.*$/=***MASKED***/'
df -h / /srv/hello
free -h
EOF
ncmd=$(grep -c . "$out/manual-commands.txt")

# --- ansible ------------------------------------------------------------------------------------------------------------
venv=$cache/venv
if [[ ! -x "$venv/bin/ansible-playbook" ]]; then
    log "installing ansible-core into $venv (pip)"
    mkdir -p "$cache"
    [[ -x "$venv/bin/pip" ]] || "$python" -m venv "$venv" || die "$python -m venv $venv failed (python3-venv?)"
    "$venv/bin/pip" install -q ansible-core >"$out/raw/pip-ansible.log" 2>&1 \
        || { tail -n 20 "$out/raw/pip-ansible.log" >&2; die "pip install ansible-core failed"; }
fi
ansible_version=$("$venv/bin/ansible-playbook" --version | head -n1)

mkdir -p "$work/ansible-home" "$work/ansible-tmp" "$work/ansible-cp"
{
    echo "[fleet]"
    for ((i = 1; i <= nhosts; i++)); do echo "h$i ansible_host=$(addr "$i")"; done
    echo
    echo "[fleet:vars]"
    echo "ansible_user=root"
    echo "ansible_python_interpreter=/usr/bin/python3"
    echo "ansible_ssh_common_args='-F $cfg -o StrictHostKeyChecking=yes'"
} >"$work/ansible-inventory.ini"
cat >"$work/ansible.cfg" <<EOF
[defaults]
inventory = $work/ansible-inventory.ini
forks = $nhosts
host_key_checking = True
gathering = explicit
retry_files_enabled = False
[ssh_connection]
pipelining = True
control_path_dir = $work/ansible-cp
EOF
# Playbooks as JSON (which YAML reads): no quoting of the commands by hand.
"$python" - "$out/manual-commands.txt" "$out" <<'EOF'
import json, sys
cmds = [l.rstrip("\n") for l in open(sys.argv[1]) if l.strip()]
def task(c):
    module = "ansible.builtin.shell" if "|" in c else "ansible.builtin.command"
    return {"name": c, module: c, "changed_when": False, "failed_when": False}
per = [{"name": "manual inspection, one task per command", "hosts": "fleet", "gather_facts": False,
        "tasks": [task(c) for c in cmds]}]
raw = [{"name": "manual inspection, one raw task", "hosts": "fleet", "gather_facts": False,
        "tasks": [{"name": "the whole list", "ansible.builtin.raw": "\n".join(cmds) + "\nexit 0",
                   "changed_when": False, "failed_when": False}]}]
json.dump(per, open(sys.argv[2] + "/playbook-per-command.yml", "w"), indent=1)
json.dump(raw, open(sys.argv[2] + "/playbook-raw.yml", "w"), indent=1)
with open(sys.argv[2] + "/manual.sh", "w") as f:
    f.write("#!/bin/bash\n# bench/n1-manual.sh's commands for a fleet host (hello@prod, :8300)\n" + "\n".join(cmds) + "\nexit 0\n")
with open(sys.argv[2] + "/pyinfra-deploy.py", "w") as f:
    f.write("from pyinfra.operations import server\n\nCOMMANDS = %s\n\nfor c in COMMANDS:\n"
            "    server.shell(name=c, commands=[c], _ignore_errors=True)\n" % json.dumps(cmds, indent=4))
EOF
export ANSIBLE_CONFIG=$work/ansible.cfg ANSIBLE_HOME=$work/ansible-home ANSIBLE_LOCAL_TEMP=$work/ansible-tmp \
    ANSIBLE_NOCOLOR=1 ANSIBLE_FORCE_COLOR=0

# recap_ok NAME TASKS: every host of the warm-up run's recap: ok=TASKS, unreachable=0, failed=0.
recap_ok() {
    local n
    n=$(grep -cE "^h[0-9]+ +: ok=$2 +changed=0 +unreachable=0 +failed=0 " "$out/raw/$1.1.out" || true)
    [[ "$n" == "$nhosts" ]] || { tail -n 30 "$out/raw/$1.1.out" >&2; die "$1: $n of $nhosts hosts ran all $2 task(s)"; }
}
log "ansible ($ansible_version): $ncmd tasks, forks $nhosts"
# The raw playbook first: its warm-up opens ansible's master connections, which the per-command playbook (no
# warm-up: one run of it takes most of a minute) then reuses like the rest.
ctl ansible-raw 1 0 "" "$venv/bin/ansible-playbook" "$out/playbook-raw.yml"
recap_ok ansible-raw 1
runs_now=$slow_runs ctl ansible 0 0 "" "$venv/bin/ansible-playbook" "$out/playbook-per-command.yml"
recap_ok ansible "$ncmd"

# --- pyinfra ------------------------------------------------------------------------------------------------------------
pyinfra_note=""
if [[ "$want_pyinfra" != 1 ]]; then
    pyinfra_note="not run (FLEET_BENCH_PYINFRA=$want_pyinfra)"
elif [[ ! -x "$venv/bin/pyinfra" ]] && ! "$venv/bin/pip" install -q pyinfra >"$out/raw/pip-pyinfra.log" 2>&1; then
    pyinfra_note="not run (pip install pyinfra failed: $(tail -n1 "$out/raw/pip-pyinfra.log" | cut -c1-100))"
else
    pyinfra_version=$("$venv/bin/pyinfra" --version 2>&1 | head -n1)
    # The same user, key and known_hosts as ssh_config gives ssh (pyinfra connects with paramiko, not ssh).
    {
        echo "hosts = ["
        for ((i = 1; i <= nhosts; i++)); do
            echo "    (\"h$i\", {\"ssh_hostname\": \"$(addr "$i")\", \"ssh_user\": \"root\", \"ssh_key\": \"$work/id\","
            echo "            \"ssh_known_hosts_file\": \"$work/known_hosts\", \"ssh_strict_host_key_checking\": \"yes\","
            echo "            \"ssh_allow_agent\": False, \"ssh_look_for_keys\": False}),"
        done
        echo "]"
    } >"$work/pyinfra-inventory.py"
    pyinfra_args=(-y --parallel "$nhosts" "$work/pyinfra-inventory.py" "$out/pyinfra-deploy.py")
    "$venv/bin/pyinfra" --help >"$out/raw/pyinfra-help.txt" 2>&1 || true
    grep -q -- '-y, --yes' "$out/raw/pyinfra-help.txt" || pyinfra_args=("${pyinfra_args[@]:1}")
    set +e
    log "pyinfra ($pyinfra_version): $ncmd server.shell operations"
    in_ns bash "$work/time-runs.sh" pyinfra 0 "$slow_runs" "$out/raw/pyinfra" "" "$venv/bin/pyinfra" "${pyinfra_args[@]}" \
        >"$work/pyinfra-times.tsv"
    set -e
    # Every command ran on every host (the two git commands fail there: no checkout; errors are ignored).
    if ! grep -qaE "Grand total +$((ncmd * nhosts)) " "$out/raw/pyinfra.1.out" "$out/raw/pyinfra.1.err"; then
        pyinfra_note="not run (its first run did not run $ncmd operations on $nhosts hosts: see raw/pyinfra.1.err)"
    elif awk -F'\t' '$4 != 0 { bad = 1 } END { exit !bad }' "$work/pyinfra-times.tsv"; then
        reason=$(grep -hiE 'error|could not|failed' "$out/raw/pyinfra.1.out" "$out/raw/pyinfra.1.err" | tail -n1 | cut -c1-100 || true)
        pyinfra_note="not run (pyinfra exited non-zero: ${reason:-see raw/pyinfra.1.*})"
    else
        cat "$work/pyinfra-times.tsv" >>"$out/times.tsv"
        log "pyinfra: median $(median_of pyinfra) s"
    fi
fi
[[ -z "$pyinfra_note" ]] || log "pyinfra: $pyinfra_note"

# --- the table ------------------------------------------------------------------------------------------------------------
cp "$inv" "$cfg" "$work/ansible-inventory.ini" "$work/ansible.cfg" "$out/"
[[ -f "$work/pyinfra-inventory.py" ]] && cp "$work/pyinfra-inventory.py" "$out/"
{
    echo "binary	$steward ($("$steward" version 2>/dev/null | head -n1); $(($(stat -c %s "$steward") / 1048576)) MiB; sha256 ${local_sha:0:16}…)"
    echo "hosts	$nhosts fleet sandboxes (real systemd, Debian sshd), one veth each; controller: $(nproc) cores, $(ssh -V 2>&1)"
    echo "trust	$trust_how"
    same=0 renewed=0
    read -ra b <<<"$before_pids"
    read -ra a <<<"$after_pids"
    read -ra n <<<"$alive"
    for ((i = 0; i < nhosts; i++)); do
        if [[ "${b[i]}" != - && "${b[i]}" == "${a[i]}" ]]; then same=$((same + 1)); fi
        if [[ "${n[i]}" != - && "${n[i]}" != "${a[i]}" ]]; then renewed=$((renewed + 1)); fi
    done
    echo "masters	ControlPersist=60s: the same master pid before and after the warm runs on $same/$nhosts hosts; a new one after the new-master runs on $renewed/$nhosts"
    echo "ansible	$ansible_version"
    echo "pyinfra	${pyinfra_note:-${pyinfra_version:-}}"
    echo "ncmd	$ncmd"
} >"$work/meta.tsv"
"$python" - "$out/times.tsv" "$work/meta.tsv" "$nhosts" "$runs" "$steward_default_parallel" >"$out/summary.txt" <<'EOF'
import statistics, sys
times, meta_path, nhosts, runs, default_parallel = sys.argv[1], sys.argv[2], int(sys.argv[3]), int(sys.argv[4]), int(sys.argv[5])
meta = dict(l.rstrip("\n").split("\t", 1) for l in open(meta_path) if "\t" in l)
t = {}
for line in open(times):
    name, run, us, rc, kind = line.rstrip("\n").split("\t")
    if kind == "timed":
        t.setdefault(name, []).append(int(us) / 1e6)
ncmd = meta["ncmd"]
rows = [
    ("local-audit", "local audit, on h1 itself (steward audit)"),
    ("ssh-true", "ssh h1 true, master reused"),
    ("hosts-h1", "steward audit --hosts h1, master reused"),
    ("first-run", "steward audit --hosts all, first run (copies steward)"),
    ("fleet", "steward audit --hosts all, second run on, master reused (parallel %d)" % default_parallel),
    ("fleet-wide", "steward audit --hosts all --parallel-hosts %d, master reused" % nhosts),
    ("fleet-new-masters", "steward audit --hosts all, new master each run"),
    ("ansible", "ansible-playbook, %s tasks (one per command)" % ncmd),
    ("ansible-raw", "ansible-playbook, 1 raw task (the whole list)"),
    ("pyinfra", "pyinfra, %s server.shell operations" % ncmd),
    ("start", "(info) steward version on the controller: a start of it"),
    ("self-sha256", "(info) sha256sum of the steward binary (cached by each side, not in any row)"),
]
fleet = statistics.median(t["fleet"]) if t.get("fleet") else None
print("fleet-bench: steward audit --hosts over SSH vs Ansible/pyinfra on %d hosts; medians of the runs shown"
      " (after 1 warm-up run not counted, but for the first run, ansible's per-command playbook and pyinfra)" % nhosts)
for k in ("binary", "hosts", "trust", "masters", "ansible", "pyinfra"):
    print("  %-8s %s" % (k + ":", meta.get(k, "")))
print()
print("%-70s %4s %9s %9s %9s %9s" % ("row", "runs", "median s", "min s", "max s", "x fleet"))
for name, label in rows:
    v = t.get(name)
    if not v:
        if name == "pyinfra":
            print("%-70s %s" % (label, meta.get("pyinfra", "not run")))
        continue
    m = statistics.median(v)
    ratio = "%.2f" % (m / fleet) if fleet else "n/a"
    print("%-70s %4d %9.3f %9.3f %9.3f %9s" % (label, len(v), m, min(v), max(v), ratio))
print()
print("targets")
def verdict(ok): return "met" if ok else "MISSED"
if fleet and t.get("ansible"):
    a = statistics.median(t["ansible"])
    print("  fleet audit >= 5x faster than Ansible (per-command playbook): %.3f s / %.3f s = %.2fx   %s"
          % (a, fleet, a / fleet, verdict(a / fleet >= 5)))
    if t.get("ansible-raw"):
        r = statistics.median(t["ansible-raw"])
        print("    (for reference, the 1-raw-task playbook: %.3f s / %.3f s = %.2fx, %s)" % (r, fleet, r / fleet, verdict(r / fleet >= 5)))
    if t.get("pyinfra"):
        p = statistics.median(t["pyinfra"])
        print("    (for reference, pyinfra: %.3f s / %.3f s = %.2fx)" % (p, fleet, p / fleet))
if t.get("hosts-h1") and t.get("local-audit"):
    h, l = statistics.median(t["hosts-h1"]), statistics.median(t["local-audit"])
    d = (h - l) * 1000
    print("  per-host overhead, second run (audit --hosts h1 - local audit): %.3f s - %.3f s = %.0f ms <= 30 ms   %s"
          % (h, l, d, verdict(d <= 30)))
    print("    (the fastest runs of each: %.3f s - %.3f s = %.0f ms; a busy machine moves the medians most)"
          % (min(t["hosts-h1"]), min(t["local-audit"]), (min(t["hosts-h1"]) - min(t["local-audit"])) * 1000))
    if t.get("start") and t.get("ssh-true"):
        print("    (for reference, medians: a start of the controller %.0f ms; `ssh h1 true` over the master %.0f ms, whose"
              " start of the ssh client Steward's sessions skip: they open the session on the master's socket)"
              % (statistics.median(t["start"]) * 1000, statistics.median(t["ssh-true"]) * 1000))
if fleet:
    print("  fleet audit throughput: %.1f hosts/s (%d hosts in %.3f s)" % (nhosts / fleet, nhosts, fleet))
EOF
cat "$out/summary.txt"
log "results in $out"
