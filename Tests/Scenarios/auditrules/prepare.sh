# shellcheck shell=bash
# auditrules, before systemd boots. Sourced by lib/init.sh (PID 1 of the sandbox), which provides: $state,
# $scenario_dir, log, die, assert_private. /etc and /var are overlays: removing files only hides them here.

hostname auditrules
assert_private /etc/hostname
echo auditrules >/etc/hostname

command -v openssl >/dev/null || die "openssl missing: is the Debian package openssl installed?"
command -v redis-server >/dev/null || die "redis-server missing: is the Debian package redis-server installed?"
[[ -x /usr/sbin/nginx ]] || die "/usr/sbin/nginx missing: is the Debian package nginx installed?"

shopt -s nullglob
# The host's sites, certificates, clusters and cron jobs are not the sandbox's: populate.sh writes its own.
rm -rf -- /etc/nginx/sites-enabled/* /var/log/nginx/* /etc/letsencrypt /var/log/letsencrypt /etc/postgresql/* \
    /var/lib/redis/* /var/log/redis/* /etc/cron.d/certbot /etc/logrotate.d/*
shopt -u nullglob
