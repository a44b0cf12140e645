#!/bin/bash
# servebench, after systemd is up: runs INSIDE the sandbox as root (sandbox.sh start runs it).
# The targets of bench/serve-bench.sh's checks, all on loopback:
#   bench-web@8101..8104   web.py (Python standard library, quiet): HTTP and TCP targets
#   bench-web@8199         the same, stopped by the benchmark to time the alert
#   nginx                  one site on 127.0.0.1:8180 (nginx-site.conf)
#   bench-idle@1..10       `sleep infinity`: targets of service checks
set -euo pipefail

here=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
# shellcheck source=../lib/scenario.sh
. "$here/../lib/scenario.sh"

log() { printf 'servebench-populate: %s %s\n' "$EPOCHREALTIME" "$*" >&2; }
die() { log "FATAL: $*"; exit 1; }

scenario_assert_sandbox servebench
for tool in /usr/bin/python3 nginx curl; do
    command -v "$tool" >/dev/null || die "$tool missing: is it installed on the host?"
done

web_ports=(8101 8102 8103 8104 8199)
units=()
for p in "${web_ports[@]}"; do units+=("bench-web@$p.service"); done
for i in {1..10}; do units+=("bench-idle@$i.service"); done

log "units, web.py, nginx site"
install -d -m 0755 /usr/local/lib/serve-bench
install -m 0755 "$here/web.py" /usr/local/lib/serve-bench/web.py
install -m 0644 "$here/units/bench-web@.service" "$here/units/bench-idle@.service" /etc/systemd/system/
wants=/etc/systemd/system/multi-user.target.wants
mkdir -p "$wants"
for u in "${units[@]}"; do ln -sfn "/etc/systemd/system/${u%%@*}@.service" "$wants/$u"; done
ln -sfn /lib/systemd/system/nginx.service "$wants/nginx.service"
rm -f /etc/nginx/sites-enabled/*
install -m 0644 "$here/nginx-site.conf" /etc/nginx/sites-available/serve-bench
ln -sfn ../sites-available/serve-bench /etc/nginx/sites-enabled/serve-bench
nginx -t -q || die "nginx -t failed"
systemctl daemon-reload

log "start"
systemctl start nginx.service "${units[@]}"
for p in "${web_ports[@]}" 8180; do
    scenario_wait_for 20 curl -sf "http://127.0.0.1:$p/" || die "nothing answers on 127.0.0.1:$p"
done
for u in nginx.service "${units[@]}"; do
    [[ "$(systemctl is-active "$u")" == active ]] || die "$u is not active"
done
log "ready"
