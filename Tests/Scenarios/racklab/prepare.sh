# shellcheck shell=bash
# racklab, before systemd boots. Sourced by lib/init.sh (PID 1 of the sandbox), which
# provides: $state (STATE_DIR), $scenario_dir, log, die, assert_private.
# /etc, /opt, /srv are overlays here: removing files only hides them from the sandbox.

hostname racklab
assert_private /etc/hostname
echo racklab >/etc/hostname

for d in /etc /opt /srv; do
    [[ "$(findmnt -n -o FSTYPE --mountpoint "$d")" == overlay ]] || die "$d is not an overlay"
done
# populate.sh builds these from nothing: hide anything of the same name the host may have.
rm -rf -- /etc/racklab /opt/racklab /srv/racklab
