# shellcheck shell=bash
# package, before systemd boots. Sourced by lib/init.sh (PID 1 of the sandbox), which provides: $state,
# $scenario_dir, log, die, assert_private. A user's box has no Swift toolchain: /opt/swift becomes an empty,
# read-only directory, so a binary that still needed libswiftCore.so or Foundation from it could not start here.

hostname package
assert_private /etc/hostname
echo package >/etc/hostname

[[ "$(findmnt -n -o FSTYPE --mountpoint /opt)" == overlay ]] || die "/opt is not an overlay"
if [[ -d /opt/swift ]]; then
    mount -t tmpfs -o ro,size=4k,mode=0755,nosuid,nodev no-swift-toolchain /opt/swift
fi
