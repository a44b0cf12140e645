#!/bin/bash
# PID 1 of a Steward test sandbox, before systemd takes over.
#
# Started by sandbox.sh as
#   unshare --pid --fork --mount --net --uts --ipc --cgroup --mount-proc \
#           --propagation private -- bash STATE_DIR/init.sh STATE_DIR SCENARIO_DIR
# It runs in fresh mount/pid/net/uts/ipc/cgroup namespaces but on the HOST's
# filesystem, so it first puts every place that systemd, journald or the
# scenario write to on a private mount, then execs systemd so that systemd
# stays PID 1.
#
#   /etc /var /opt /home /root /usr /srv  overlayfs, upper layer in STATE_DIR/ovl
#   /run /tmp                            fresh tmpfs
#   /dev                                 fresh tmpfs with a few device nodes,
#                                        own devpts, /dev/console = /dev/null
#   /sys                                 fresh read-only sysfs + cgroup2 (cgroup namespace)
#   /proc/sys, /proc/sysrq-trigger       read-only
#   /etc/systemd/system                  tmpfs: only the scenario's units (plus masks)
#   /var/log/journal                     tmpfs: the sandbox's own persistent journal
#   STATE_DIR/share                      bind-mounted at the same path inside
#
# Nothing here writes to a path before checking it is on a private mount.
set -euo pipefail

state=${1:?usage: init.sh STATE_DIR SCENARIO_DIR}
scenario_dir=${2:?usage: init.sh STATE_DIR SCENARIO_DIR}
export PATH=/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin

log() { printf 'sandbox-init: %s %s\n' "$EPOCHREALTIME" "$*" >&2; }
die() { log "FATAL: $*"; exit 1; }

[[ $$ -eq 1 ]] || die "must run as PID 1 of a new pid namespace (got pid $$)"
# sandbox.sh records the host's mount namespace: every mount below would leak into it.
[[ "$(readlink /proc/self/ns/mnt)" != "$(cat "$state/host-mntns")" ]] || die "still in the host mount namespace"

# Refuse to write anywhere that is not on a mount made here (i.e. still on the host's /).
assert_private() {
    local p=$1 target
    while [[ ! -e "$p" ]]; do p=$(dirname "$p"); done
    target=$(findmnt -n -o TARGET --target "$p" | tail -n1)
    [[ -n "$target" && "$target" != "/" ]] || die "refusing to write to $1: not on a private mount"
}

# STATE_DIR stays reachable through fd 9 even once a mount below hides its path.
exec 9<"$state"
S=/proc/self/fd/9
# So does the checkout these scripts (and the binary under test) live in: a clone under /tmp would
# otherwise vanish under the fresh /tmp below.
repo=$(cd "$scenario_dir/../../.." && pwd -P)
exec 8<"$repo"

mount --make-rprivate /

log "mounting overlays"
# --- overlays: writes to these trees go to STATE_DIR/ovl/NAME/upper ----------
for d in etc var opt home root usr srv; do
    [[ -d "/$d" ]] || continue
    mkdir -p "$S/ovl/$d/upper" "$S/ovl/$d/work"
    upper=$(readlink -f "$S/ovl/$d/upper")
    work=$(readlink -f "$S/ovl/$d/work")
    mount -t overlay "sandbox-$d" -o "lowerdir=/$d,upperdir=$upper,workdir=$work" "/$d"
    [[ "$(findmnt -n -o FSTYPE --mountpoint "/$d")" == overlay ]] || die "overlay on /$d missing"
done

log "overlays done"
# --- /run: fresh tmpfs (systemd's and journald's sockets live here) -----------
mount -t tmpfs -o mode=0755,nosuid,nodev,size=256m tmpfs /run

# --- /tmp: private --------------------------------------------------------------
mount -t tmpfs -o mode=1777,nosuid,nodev,size=512m tmpfs /tmp
if [[ ! -d "$scenario_dir" ]]; then
    mkdir -p "$repo"
    mount --no-canonicalize --bind /proc/self/fd/8 "$repo"
    mount -o remount,bind,ro "$repo"
fi
exec 8<&-

log "making /dev"
# --- /dev: private, so journald's /dev/log symlink and ptys stay inside -------
mkdir -p /run/.sandbox-dev
mount -t tmpfs -o mode=0755,nosuid,size=4m tmpfs /run/.sandbox-dev
(
    cd /run/.sandbox-dev
    mknod -m 0666 null c 1 3
    mknod -m 0666 zero c 1 5
    mknod -m 0666 full c 1 7
    mknod -m 0666 random c 1 8
    mknod -m 0666 urandom c 1 9
    mknod -m 0666 tty c 5 0
    ln -s /proc/self/fd fd
    ln -s /proc/self/fd/0 stdin
    ln -s /proc/self/fd/1 stdout
    ln -s /proc/self/fd/2 stderr
    ln -s pts/ptmx ptmx
    mkdir -m 0755 pts
    mkdir -m 1777 shm
    mkdir -m 0755 mqueue
    touch console
)
mount --move /run/.sandbox-dev /dev
rmdir /run/.sandbox-dev
mount -t devpts -o newinstance,ptmxmode=0666,mode=0620,gid=5,nosuid,noexec devpts /dev/pts
mount -t tmpfs -o mode=1777,nosuid,nodev,size=64m tmpfs /dev/shm
mount -t mqueue -o nosuid,nodev,noexec mqueue /dev/mqueue
# systemd only uses a console that is a tty; with none it falls back to /dev/null itself.
mount --bind /dev/null /dev/console

log "sys"
# --- /sys: fresh read-only sysfs of this net namespace + our own cgroup2 ------
mount -t sysfs -o ro,nosuid,nodev,noexec sysfs /sys
# In the cgroup namespace this shows the sandbox's own cgroup as the root.
mount -t cgroup2 -o nosuid,nodev,noexec cgroup2 /sys/fs/cgroup

# --- /proc: keep kernel-wide knobs out of reach ------------------------------
for p in /proc/sys /proc/sysrq-trigger; do
    [[ -e "$p" ]] || continue
    mount --bind "$p" "$p"
    mount -o remount,bind,ro "$p"
done

# --- network and name ---------------------------------------------------------
ip link set lo up
hostname "${SANDBOX_HOSTNAME:-sandbox}"
assert_private /etc/hostname
hostname >/etc/hostname

log "systemd configuration"
# --- systemd configuration -----------------------------------------------------
# Only the scenario's units: the host's enabled services do not start here.
mount -t tmpfs -o mode=0755,nosuid,nodev,size=8m tmpfs /etc/systemd/system
mkdir -p /etc/systemd/system/multi-user.target.wants
# Units that would touch the (shared) kernel, clock, consoles or devices, or
# only slow the boot down inside a namespace.
masked=(
    systemd-udevd.service systemd-udevd-control.socket systemd-udevd-kernel.socket
    systemd-udev-trigger.service systemd-udev-settle.service systemd-hwdb-update.service
    systemd-modules-load.service kmod-static-nodes.service modprobe@.service
    systemd-sysctl.service systemd-binfmt.service
    proc-sys-fs-binfmt_misc.automount proc-sys-fs-binfmt_misc.mount
    sys-kernel-debug.mount sys-kernel-tracing.mount sys-kernel-config.mount
    sys-fs-fuse-connections.mount dev-hugepages.mount
    systemd-remount-fs.service systemd-fsck-root.service
    systemd-timesyncd.service systemd-time-wait-sync.service
    systemd-firstboot.service systemd-repart.service systemd-machine-id-commit.service
    systemd-pcrphase.service systemd-pcrphase-sysinit.service systemd-random-seed.service
    systemd-ask-password-console.path systemd-ask-password-wall.path
    console-getty.service getty.target getty@.service serial-getty@.service container-getty@.service
    e2scrub_reap.service e2scrub_all.timer fstrim.timer apt-daily.timer apt-daily-upgrade.timer
    man-db.timer dpkg-db-backup.timer logrotate.timer systemd-tmpfiles-clean.timer
)
links=("${masked[@]/#//etc/systemd/system/}")
# No generators: they read the host's fstab, init.d scripts, /etc/postgresql, ttys.
assert_private /etc/systemd
mkdir -p /etc/systemd/system-generators /etc/tmpfiles.d
for g in /lib/systemd/system-generators/*; do
    links+=("/etc/systemd/system-generators/${g##*/}")
done
# /tmp is already fresh: keep systemd-tmpfiles from "cleaning" it (and what is mounted in it).
links+=(/etc/tmpfiles.d/tmp.conf)
# One process for all the links (a fork costs several ms here).
/usr/bin/python3 -c '
import os, sys
for p in sys.argv[1:]:
    if os.path.lexists(p):
        os.unlink(p)
    os.symlink("/dev/null", p)
' "${links[@]}"
# A fresh persistent journal that only this sandbox writes.
assert_private /var/log
mkdir -p /var/log/journal
mount -t tmpfs -o mode=2755,nosuid,nodev,size=256m tmpfs /var/log/journal
chgrp systemd-journal /var/log/journal 2>/dev/null || true

# --- STATE_DIR/share: visible inside at its host path (files for/from tests) ----
if [[ ! -d "$state/share" ]]; then
    assert_private "$state/share"
    mkdir -p "$state/share"
fi
# --no-canonicalize: libmount would resolve /proc/self/fd/9 by its text, i.e. inside the new /tmp.
mount --no-canonicalize --bind "$S/share" "$state/share"

log "scenario prepare"
# --- scenario-specific mounts (before boot) ----------------------------------------
if [[ -f "$scenario_dir/prepare.sh" ]]; then
    # shellcheck source=/dev/null
    . "$scenario_dir/prepare.sh"
fi

exec 9<&-
log "booting systemd"
# systemd reads `container` to know it is not on bare metal (no kernel cmdline, no VTs).
exec env -i \
    PATH=/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin \
    container=steward-sandbox \
    LANG=C.UTF-8 \
    /lib/systemd/systemd --system --show-status=yes
