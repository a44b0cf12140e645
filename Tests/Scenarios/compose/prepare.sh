# shellcheck shell=bash
# compose, before systemd boots. Sourced by lib/init.sh (PID 1 of the sandbox), which provides:
# $state (STATE_DIR), $scenario_dir, log, die, assert_private.
# /etc and /var are overlays here: removing files only hides them from the sandbox.

hostname pulse
assert_private /etc/hostname
echo pulse >/etc/hostname

[[ -x /usr/sbin/dockerd && -x /usr/bin/containerd ]] \
    || die "dockerd/containerd missing: is the Debian package docker.io installed?"
command -v docker-compose >/dev/null || die "docker-compose missing: is the Debian package docker-compose installed?"
[[ -x /usr/lib/postgresql/15/bin/postgres ]] \
    || die "/usr/lib/postgresql/15/bin/postgres missing (package postgresql-15): steward/postgres:15 is made from it"

# Docker's and containerd's state live in memory, on their own tmpfs: overlay2's layers need a
# filesystem that is not itself an overlay (the sandbox's /var is one), and the host's images,
# containers and containerd metadata (if it has any) stay hidden.
assert_private /var/lib
mkdir -p /var/lib/docker /var/lib/containerd
mount -t tmpfs -o mode=0710,size=2g pulse-docker /var/lib/docker
mount -t tmpfs -o mode=0711,size=256m pulse-containerd /var/lib/containerd
# Only the sandbox's daemon settings (drop-in from populate.sh), never the host's.
assert_private /etc/docker
rm -f -- /etc/docker/daemon.json
