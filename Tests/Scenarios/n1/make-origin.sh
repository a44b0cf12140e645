#!/bin/bash
# For the deploy tests on N1 (seed 000): gives both checkouts a reachable origin (a bare clone of prod's
# repository in /srv/git, instead of github.com), tags the refactor branch's head as release v20260110-1, and
# starts calb-sizingtool@test on its own port (8512; the seed's test reused prod's). Runs INSIDE the sandbox as
# root. The working-tree drift of both checkouts (requirements.txt) is left as it is.
set -euo pipefail
grep -qx 'container=steward-sandbox' < <(tr '\0' '\n' </proc/1/environ) || { echo "not in a sandbox" >&2; exit 1; }
as_calb() { setpriv --reuid=calb --regid=calb --init-groups -- env HOME=/home/calb GIT_CONFIG_NOSYSTEM=1 "$@"; }
bare=/srv/git/calb.git
install -d -m 0755 -o calb -g calb /srv/git
as_calb git clone -q --bare /opt/calb/prod/CALB_SIZINGTOOL "$bare"
as_calb git -C "$bare" -c user.name="CALB Dev" -c user.email=dev@calb-ess.example \
    tag -a v20260110-1 -m "release 2026-01-10" refactor/streamlit-structure-v1
for i in prod test; do
    as_calb git -C "/opt/calb/$i/CALB_SIZINGTOOL" remote set-url origin "$bare"
done
printf 'PORT=8512\n' >/etc/calb-sizingtool/test.env
systemctl start calb-sizingtool@test.service
for _ in $(seq 100); do
    curl -fsS http://127.0.0.1:8512/_stcore/health >/dev/null 2>&1 && exit 0
    sleep 0.1
done
echo "calb-sizingtool@test did not become healthy" >&2
exit 1
