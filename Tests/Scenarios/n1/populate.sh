#!/bin/bash
# N1, after systemd is up: runs INSIDE the sandbox as root (sandbox.sh start runs it).
# Builds the host described by shared/seeds/000_0d7910a6f79da397.txt; see EXPECTED.md.
set -euo pipefail

here=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
export PATH=/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin
export LC_ALL=C.UTF-8
export SYSTEMD_PAGER='' SYSTEMD_COLORS=0

log() { printf 'n1-populate: %s %s\n' "$EPOCHREALTIME" "$*" >&2; }
die() { log "FATAL: $*"; exit 1; }

# Never run this on the real host: it creates users, units and files.
grep -qx 'container=steward-sandbox' < <(tr '\0' '\n' </proc/1/environ) \
    || die "not inside a steward sandbox (PID 1 has no container=steward-sandbox)"
[[ "$(findmnt -n -o FSTYPE --mountpoint /opt/calb)" == tmpfs ]] || die "/opt/calb is not the sandbox's tmpfs"

# Poll CMD until it succeeds or MAX seconds pass.
wait_for() { # WHAT MAX CMD...
    local what=$1 max=$2; shift 2
    local deadline=$((SECONDS + max))
    until "$@" >/dev/null 2>&1; do
        ((SECONDS < deadline)) || { log "timed out after ${max}s waiting for: $what"; return 1; }
        sleep 0.1
    done
}

tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT

# ---------------------------------------------------------------------------
# 1. user and group calb
# ---------------------------------------------------------------------------
log "user calb"
useradd --system --user-group --create-home --home-dir /home/calb --shell /bin/bash \
    --comment "CALB SizingTool service" calb
chmod 0750 /home/calb

# ---------------------------------------------------------------------------
# 2. env files: PORT only, and test reuses prod's port (a conflict the audit flags)
# ---------------------------------------------------------------------------
install -d -m 0755 -o root -g root /etc/calb-sizingtool
for inst in prod test; do
    printf 'PORT=8511\n' >"/etc/calb-sizingtool/$inst.env"
    chown root:root "/etc/calb-sizingtool/$inst.env"
    chmod 0600 "/etc/calb-sizingtool/$inst.env"
done

# ---------------------------------------------------------------------------
# 3. ngrok: config (v2 `region:` under version 3, no tunnels), agent stand-in, units.
#    Started first: its failed starts (Restart=always, RestartSec=1) run meanwhile.
# ---------------------------------------------------------------------------
log "ngrok"
install -d -m 0755 -o calb -g calb /home/calb/.config /home/calb/.config/ngrok
cat >/home/calb/.config/ngrok/ngrok.yml <<'EOF'
version: "3"
region: us
agent:
  authtoken: FAKE_NGROK_TOKEN_123
EOF
chown calb:calb /home/calb/.config/ngrok/ngrok.yml
chmod 0600 /home/calb/.config/ngrok/ngrok.yml
install -m 0755 -o root -g root "$here/ngrok-standin" /usr/local/bin/ngrok
# The first 3 starts fail with the seed's configuration errors (see ngrok-standin).
install -d -m 0755 -o calb -g calb /run/ngrok-standin
echo 3 >/run/ngrok-standin/fail_first

install -m 0644 "$here/units/calb-sizingtool@.service" "$here/units/calb-ngrok@.service" /etc/systemd/system/
systemctl daemon-reload
systemctl enable -q calb-sizingtool@prod.service calb-ngrok@prod.service
systemctl start calb-ngrok@prod.service

# ---------------------------------------------------------------------------
# 4. the checkouts /opt/calb/{prod,test}/CALB_SIZINGTOOL (same commit), as calb
# ---------------------------------------------------------------------------
log "checkouts"
install -d -m 0775 -o calb -g calb /opt/calb /opt/calb/prod /opt/calb/test
# A copy calb can read, whatever the permissions of the source tree.
cp -r "$here/repo" "$tmp/src"
cp "$here/fake_streamlit.py" "$here/build-checkouts.sh" "$tmp/src/"
chmod -R a+rX "$tmp"
head=$(setpriv --reuid=calb --regid=calb --init-groups \
    env -i HOME=/home/calb PATH="$PATH" LC_ALL=C.UTF-8 TMPDIR=/tmp \
    bash "$tmp/src/build-checkouts.sh" "$tmp/src")
[[ "$head" =~ ^[0-9a-f]{40}$ ]] || die "build-checkouts.sh failed"

log "start app"
systemctl start calb-sizingtool@prod.service

# ---------------------------------------------------------------------------
# 5. sshd brute-force noise from documentation addresses, and a few benign lines
# ---------------------------------------------------------------------------
log "sshd noise"
sshd_log() { # PRIORITY MESSAGE
    logger -t sshd -p "$1" -- "$2"
}
sshd_log auth.info "Server listening on 0.0.0.0 port 22."
sshd_log auth.info "Server listening on :: port 22."
sshd_log auth.info "Accepted publickey for root from 192.0.2.10 port 50122 ssh2: ED25519 SHA256:Qm9vZ3VzRmFrZUtleUZvclRlc3RzT25seQ"
sshd_log authpriv.info "pam_unix(sshd:session): session opened for user root(uid=0) by (uid=0)"
n=0
attack() { # IP USER COUNT
    local ip=$1 user=$2 count=$3 i port
    for ((i = 0; i < count; i++)); do
        n=$((n + 1)); port=$((40000 + (n * 7919) % 25000))
        if [[ $user == root ]]; then
            sshd_log authpriv.notice "pam_unix(sshd:auth): authentication failure; logname= uid=0 euid=0 tty=ssh ruser= rhost=$ip  user=root"
            sshd_log authpriv.info "Failed password for root from $ip port $port ssh2"
            sshd_log authpriv.info "Connection closed by authenticating user root $ip port $port [preauth]"
        else
            sshd_log authpriv.info "Invalid user $user from $ip port $port"
            sshd_log authpriv.info "Failed password for invalid user $user from $ip port $port ssh2"
            sshd_log authpriv.info "Connection closed by invalid user $user $ip port $port [preauth]"
        fi
    done
}
attack 203.0.113.7 root 12
attack 198.51.100.23 admin 8
attack 203.0.113.45 ubuntu 5
attack 198.51.100.77 root 5
sshd_log authpriv.info "pam_unix(sshd:session): session closed for user root"
failed_expected=30

# ---------------------------------------------------------------------------
# 6. wait for the final state: app on 8511 with its tracebacks logged, ngrok
#    running on 4040 after its failed starts, the sshd lines in the journal
# ---------------------------------------------------------------------------
log "waiting"
listening() { [[ -n "$(ss -Hlnt "sport = :$1")" ]]; }
tracebacks_logged() {
    (($(journalctl -q -u calb-sizingtool@prod.service -o cat | grep -c 'StreamlitValueAssignmentNotAllowedError: Values for the widget') >= 3))
}
ngrok_settled() {
    (($(cat /run/ngrok-standin/starts 2>/dev/null || echo 0) > 3)) &&
        [[ "$(systemctl is-active calb-ngrok@prod.service)" == active ]] && listening 4040
}
sshd_logged() { (($(journalctl -q -t sshd -o cat | grep -c 'Failed password') >= failed_expected)); }

wait_for "calb-sizingtool@prod listening on 8511" 30 listening 8511
wait_for "tracebacks in the journal of calb-sizingtool@prod" 30 tracebacks_logged
wait_for "sshd lines in the journal" 30 sshd_logged
wait_for "calb-ngrok@prod running after its failed starts" 30 ngrok_settled
# The operator's manual restart once things looked fine: NRestarts back to 0, as on N1.
systemctl reset-failed calb-ngrok@prod.service
systemctl restart calb-ngrok@prod.service
wait_for "calb-ngrok@prod listening on 4040" 30 listening 4040

# ---------------------------------------------------------------------------
# 7. /opt/calb past 80% full: an old release backup
# ---------------------------------------------------------------------------
log "filler"
install -d -m 0775 -o calb -g calb /opt/calb/backups
read -r size used < <(df -B1 --output=size,used /opt/calb | tail -n1)
fill=$((size * 85 / 100 - used))
((fill > 0)) || die "/opt/calb is already over 85% before the filler"
backup=/opt/calb/backups/CALB_SIZINGTOOL_prod_20251220.tar.gz
fallocate -l "$fill" "$backup"
chown calb:calb "$backup"
chmod 0664 "$backup"
pct=$(df --output=pcent /opt/calb | tail -n1 | tr -dc 0-9)
((pct >= 82 && pct <= 88)) || die "/opt/calb is ${pct}% used, wanted 82-88%"

# ---------------------------------------------------------------------------
# 8. check the result
# ---------------------------------------------------------------------------
check() { # WHAT EXPECTED ACTUAL
    [[ "$2" == "$3" ]] || die "$1: expected '$2', got '$3'"
}
show() { systemctl show -P "$2" "$1"; }
check "calb-sizingtool@prod ActiveState" active "$(show calb-sizingtool@prod.service ActiveState)"
check "calb-sizingtool@prod UnitFileState" enabled "$(show calb-sizingtool@prod.service UnitFileState)"
check "calb-sizingtool@prod NRestarts" 0 "$(show calb-sizingtool@prod.service NRestarts)"
check "calb-sizingtool@test ActiveState" inactive "$(show calb-sizingtool@test.service ActiveState)"
check "calb-sizingtool@test UnitFileState" disabled "$(show calb-sizingtool@test.service UnitFileState)"
check "calb-ngrok@prod ActiveState" active "$(show calb-ngrok@prod.service ActiveState)"
check "calb-ngrok@prod NRestarts" 0 "$(show calb-ngrok@prod.service NRestarts)"
check "calb-ngrok@test ActiveState" inactive "$(show calb-ngrok@test.service ActiveState)"
check "calb-ngrok@test UnitFileState" disabled "$(show calb-ngrok@test.service UnitFileState)"
check "test HEAD" "$head" "$(git -c safe.directory='*' -C /opt/calb/test/CALB_SIZINGTOOL rev-parse HEAD)"
check "prod HEAD" "$head" "$(git -c safe.directory='*' -C /opt/calb/prod/CALB_SIZINGTOOL rev-parse HEAD)"

log "ready: prod on :8511, ngrok on 127.0.0.1:4040, /opt/calb ${pct}% used, HEAD ${head:0:7} on refactor/streamlit-structure-v1"
