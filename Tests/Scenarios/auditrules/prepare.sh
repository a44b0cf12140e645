# shellcheck shell=bash
# auditrules, before systemd boots. Sourced by lib/init.sh (PID 1 of the sandbox), which provides: $state,
# $scenario_dir, log, die, assert_private. /etc and /var are overlays: removing files only hides them here.

hostname auditrules
assert_private /etc/hostname
echo auditrules >/etc/hostname

command -v openssl >/dev/null || die "openssl missing: is the Debian package openssl installed?"
command -v redis-server >/dev/null || die "redis-server missing: is the Debian package redis-server installed?"
[[ -x /usr/sbin/nginx ]] || die "/usr/sbin/nginx missing: is the Debian package nginx installed?"
getent passwd postgres >/dev/null || die "no user postgres: is the Debian package postgresql installed?"

shopt -s nullglob
# The host's sites, certificates, clusters and cron jobs are not the sandbox's: populate.sh writes its own.
rm -rf -- /etc/nginx/sites-enabled/* /var/log/nginx/* /etc/letsencrypt /var/log/letsencrypt /etc/postgresql/* \
    /var/log/postgresql/* /var/lib/redis/* /var/log/redis/* /etc/cron.d/certbot /etc/logrotate.d/*
shopt -u nullglob

# The cluster populate.sh creates lives in memory; the host's data directory is hidden and never copied up.
assert_private /var/lib
mount -t tmpfs -o "size=256m,mode=0755,uid=$(id -u postgres),gid=$(id -g postgres),nosuid,nodev" \
    auditrules-pgdata /var/lib/postgresql

# The journal's filesystem as on a small VPS disk: 1 GiB. journald's default cap is 10 % of it (102 MiB), so the
# journal populate.sh writes (about 85 MiB, 8 % of it) stays, and logs.journal-unbounded's thresholds (64 MiB and
# 5 %) are met by journald's own files. tmpfs takes memory only for what is written.
mount -o remount,size=1g /var/log/journal
