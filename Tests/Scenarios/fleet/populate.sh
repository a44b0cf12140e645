#!/bin/bash
# fleet, after systemd is up: runs INSIDE the sandbox as root (sandbox.sh start runs it).
# One host of a fleet that a controller reaches over SSH (FleetSandboxTests boots several, each in its own network
# namespace, and joins each to the controller's by a veth pair): OpenSSH's sshd with host keys of its own (the
# overlay's /etc would otherwise share the machine's), root login by key only; one app, hello@prod (Python's
# http.server on 127.0.0.1:8300 as user hello) whose env file holds a secret the fleet's output must never show; and
# /etc/steward/steward.yml with its checks. The test installs the controller's public key and Steward's binary
# arrives over SSH.
set -euo pipefail

here=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
# shellcheck source=../lib/scenario.sh
. "$here/../lib/scenario.sh"
scenario_assert_sandbox fleet

log() { printf 'fleet-populate: %s %s\n' "$EPOCHREALTIME" "$*" >&2; }
die() { log "FATAL: $*"; exit 1; }
for tool in python3 sshd ssh-keygen; do command -v "$tool" >/dev/null || die "$tool missing on the host (openssh-server)"; done

log "app"
useradd --system --user-group --no-create-home --home-dir /srv/hello --shell /usr/sbin/nologin hello
install -d -m 0755 -o hello -g hello /srv/hello /srv/git
# The app's releases, deployed by tag: v1 runs, v2 to v4 wait in its origin (a bare repository on the host). Fixed
# dates make them the same commits on every host, as clones of one remote would be (a promotion from one host to
# another checks that). break-release.sh makes a host's copy of a tag fail its health check.
as_hello() { setpriv --reuid=hello --regid=hello --init-groups -- env HOME=/srv/hello GIT_CONFIG_NOSYSTEM=1 \
    GIT_AUTHOR_NAME="Hello Dev" GIT_AUTHOR_EMAIL=dev@hello.example GIT_COMMITTER_NAME="Hello Dev" \
    GIT_COMMITTER_EMAIL=dev@hello.example "$@"; }
as_hello git init -q --bare -b main /srv/git/hello.git
as_hello git clone -q /srv/git/hello.git /srv/hello/prod 2>/dev/null
export GIT_AUTHOR_DATE="2026-11-01T10:00:00Z" GIT_COMMITTER_DATE="2026-11-01T10:00:00Z"
for v in v1 v2 v3 v4; do
    as_hello mkdir -p /srv/hello/prod/public
    as_hello sh -c "echo ok >/srv/hello/prod/public/health.txt && echo $v >/srv/hello/prod/public/version.txt"
    as_hello git -C /srv/hello/prod add -A
    as_hello git -C /srv/hello/prod commit -q -m "release $v"
    as_hello git -C /srv/hello/prod tag -a "$v" -m "release $v"
done
as_hello git -C /srv/hello/prod push -q origin main --tags
unset GIT_AUTHOR_DATE GIT_COMMITTER_DATE
as_hello git -C /srv/hello/prod checkout -q v1
install -d -m 0755 /etc/hello
install -m 0600 /dev/null /etc/hello/prod.env
printf 'PORT=8300\nSECRET_KEY=%s\n' "$(cat "$here/secret-canary")" >/etc/hello/prod.env
install -m 0644 "$here/../package/units/hello@.service" /etc/systemd/system/hello@.service
install -d -m 0755 /etc/steward
install -m 0600 "$here/steward.yml" /etc/steward/steward.yml

log "sshd"
rm -f /etc/ssh/ssh_host_*
ssh-keygen -A >/dev/null
install -d -m 0755 /etc/ssh/sshd_config.d
printf 'PermitRootLogin prohibit-password\nPasswordAuthentication no\nKbdInteractiveAuthentication no\nUseDNS no\n' \
    >/etc/ssh/sshd_config.d/steward-fleet.conf
install -d -m 0755 /run/sshd
sshd -t || die "sshd -t failed"
install -d -m 0700 /root/.ssh
# Root's shell startup files as Debian ships them: sshd runs every command through root's shell, which reads
# ~/.bashrc, and the overlaid /root would otherwise be the development machine's (whose pyenv init adds ~0.2 s to
# every command a fleet run sends, a figure of that machine and not of a server's).
install -m 0644 /usr/share/base-files/dot.bashrc /root/.bashrc
install -m 0644 /usr/share/base-files/dot.profile /root/.profile
rm -rf /var/lib/steward

systemctl daemon-reload
systemctl start hello@prod.service ssh.service
scenario_wait_for 20 bash -c 'exec 3<>/dev/tcp/127.0.0.1/8300' || die "hello@prod does not listen on 127.0.0.1:8300"
scenario_wait_for 20 bash -c 'exec 3<>/dev/tcp/127.0.0.1/22' || die "sshd does not listen on port 22"

log "ready"
