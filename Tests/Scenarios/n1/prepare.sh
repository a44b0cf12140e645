# shellcheck shell=bash
# N1, before systemd boots. Sourced by lib/init.sh (PID 1 of the sandbox), which
# provides: $state (STATE_DIR), $scenario_dir, log, die, assert_private.
# /etc, /usr, /opt, /var are overlays here, so removing files only hides them.

hostname n1
assert_private /etc/hostname
echo n1 >/etc/hostname

# /opt/calb: its own small filesystem, so populate.sh can fill it past 80%
# (the audit must flag it) without touching the host's disk.
assert_private /opt
mkdir -p /opt/calb
mount -t tmpfs -o size=64m,mode=0755,nosuid,nodev calb-data /opt/calb

# N1 has no nginx: hide the host's package (config, binary, units, logs).
for d in /etc /usr /var; do
    [[ "$(findmnt -n -o FSTYPE --mountpoint "$d")" == overlay ]] || die "$d is not an overlay"
done
shopt -s nullglob
rm -rf -- /etc/nginx /usr/sbin/nginx /usr/lib/systemd/system/nginx.service \
    /etc/init.d/nginx /etc/default/nginx /etc/logrotate.d/nginx /etc/ufw/applications.d/nginx \
    /etc/rc?.d/[SK][0-9][0-9]nginx /var/log/nginx /var/lib/nginx /usr/share/nginx
shopt -u nullglob
