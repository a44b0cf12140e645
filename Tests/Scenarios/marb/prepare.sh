# shellcheck shell=bash
# marb, before systemd boots. Sourced by lib/init.sh (PID 1 of the sandbox), which
# provides: $state (STATE_DIR), $scenario_dir, log, die, assert_private.
# /etc, /usr, /var are overlays here: removing files only hides them from the sandbox.

hostname marb
assert_private /etc/hostname
echo marb >/etc/hostname

for d in /etc /var; do
    [[ "$(findmnt -n -o FSTYPE --mountpoint "$d")" == overlay ]] || die "$d is not an overlay"
done
getent passwd postgres >/dev/null || die "no user postgres: is the Debian package postgresql installed?"
getent passwd redis >/dev/null || die "no user redis: is the Debian package redis-server installed?"
[[ -x /usr/sbin/nginx ]] || die "/usr/sbin/nginx missing: is the Debian package nginx installed?"

shopt -s nullglob
# The host's PostgreSQL clusters (config, logs) and Redis data are not the sandbox's: hide them.
# populate.sh creates a fresh cluster 15/main (or whatever version is installed).
rm -rf -- /etc/postgresql/* /var/log/postgresql/* /var/lib/redis/* /var/log/redis/*
# nginx's default site (port 80 on every address): the sandbox serves only the marb site.
rm -f -- /etc/nginx/sites-enabled/* /var/log/nginx/*
shopt -u nullglob

# The cluster's data lives in memory: initdb and fsync cost nothing, the host's data directory
# (/var/lib/postgresql/<version>/main) is hidden and never copied up.
assert_private /var/lib
mount -t tmpfs -o "size=512m,mode=0755,uid=$(id -u postgres),gid=$(id -g postgres),nosuid,nodev" \
    marb-pgdata /var/lib/postgresql
