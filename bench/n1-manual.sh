#!/bin/bash
# The manual inspection of N1 that the seed's runbook lists (shared/seeds/000_0d7910a6f79da397.txt,
# sections 4, 5, 7, 8 and 9), as one script: what an operator types to get the facts that
# `steward audit` gathers. Run it on the host (or inside the N1 sandbox); output goes to stdout.
# Commands that find nothing (grep without a match, a unit that is not running) are not
# errors here, so the script always exits 0.
set -uo pipefail
export SYSTEMD_PAGER='' SYSTEMD_COLORS=0

units=(calb-sizingtool@prod calb-sizingtool@test calb-ngrok@prod calb-ngrok@test)

# Service status and properties.
for u in "${units[@]}"; do
    systemctl status "$u" --no-pager
done
systemctl show "${units[@]}" --no-pager
systemctl cat calb-sizingtool@.service calb-ngrok@.service --no-pager

# Logs: last 300 lines of both prod units, then a 24-hour scan.
journalctl -u calb-sizingtool@prod -n 300 --no-pager
journalctl -u calb-ngrok@prod -n 300 --no-pager
journalctl --since "24 hours ago" --no-pager | grep -Ei "Failed|error|traceback|OOM|killed"

# Ports and processes.
ss -lntp
ss -lntp | grep -E "8511|4040|streamlit|ngrok"
ps aux
# shellcheck disable=SC2009 # the seed's own command
ps aux | grep -E "streamlit|app.py|ngrok"
curl -sI --max-time 2 http://127.0.0.1:8511

# Git state of both checkouts (as root on calb's repositories).
for env in test prod; do
    dir=/opt/calb/$env/CALB_SIZINGTOOL
    git -c safe.directory='*' -C "$dir" status -sb
    git -c safe.directory='*' -C "$dir" log -n5 --oneline --decorate
done

# Env files, values masked.
ls -lah /etc/calb-sizingtool/
for f in /etc/calb-sizingtool/*.env; do
    echo "# $f"
    grep -E "^[A-Za-z_][A-Za-z0-9_]*=" "$f" | sed 's/=.*$/=***MASKED***/'
done

# Host: disk and memory (section 2).
df -h / /opt/calb
free -h
exit 0
