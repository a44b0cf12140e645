#!/bin/bash
# Installs the .deb INSIDE the package sandbox (no Swift toolchain), checks what it installed, then removes and purges
# it and checks that no file of it is left.
#
#   deb-roundtrip.sh DEB
#
# Installed: /usr/bin/steward runs (`steward --help`, `steward version`); `man -w steward` finds the page and man
# renders it; the bash, zsh and fish completions are in Debian's paths (the bash one loads); steward.service is known
# to systemd, NOT enabled and not running, and is the unit `steward serve --install --dry-run` prints, but for the
# manifest path and the first comment. `dpkg -r`: every file the package installed is gone and the trees it touched
# (/usr /etc /opt /srv /var/lib outside dpkg's own database) list exactly what they listed before; `dpkg -P`: the
# same, and dpkg no longer knows the package.
# Prints what it checked; exit 0 when all passed, 1 with a message on the first failure.
set -euo pipefail
here=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
# shellcheck source=../lib/scenario.sh
. "$here/../lib/scenario.sh"
scenario_assert_sandbox package
fail() { printf 'deb-roundtrip: FAIL: %s\n' "$*" >&2; exit 1; }
ok() { printf 'deb-roundtrip: ok: %s\n' "$*"; }

(($# == 1)) || { echo "usage: deb-roundtrip.sh DEB" >&2; exit 2; }
deb=$1
[[ -f $deb ]] || fail "no such file: $deb"
[[ "$(dpkg-deb --field "$deb" Package)" == steward ]] || fail "$deb is not the steward package"
! dpkg-query -W steward >/dev/null 2>&1 || fail "steward is already known to dpkg here"
[[ -z "$(ls -A /opt/swift 2>/dev/null)" ]] || fail "/opt/swift is visible: this proves nothing"
tmp=$(mktemp -d)
trap 'rm -rf -- "$tmp"' EXIT

# Everything under the trees a package may touch, but dpkg's database and caches (man-db's index).
snapshot() {
    find /usr /etc /opt /srv /var/lib -xdev -path /var/lib/dpkg -prune -o -print 2>/dev/null | LC_ALL=C sort
}
snapshot >"$tmp/before"

dpkg -i "$deb" >"$tmp/install.log" 2>&1 || fail "dpkg -i failed: $(tail -n 20 "$tmp/install.log")"
dpkg-query -L steward | LC_ALL=C sort >"$tmp/files"
ok "dpkg -i: $(dpkg-query -W -f='${Package} ${Version} ${Architecture}' steward), $(wc -l <"$tmp/files") paths"

[[ "$(command -v steward)" == /usr/bin/steward ]] || fail "steward on PATH is $(command -v steward || echo nothing)"
steward --help >"$tmp/help" 2>&1 || fail "steward --help exited $?"
grep -q '^USAGE: steward' "$tmp/help" || fail "steward --help: $(head -c 300 "$tmp/help")"
grep -q 'audit' "$tmp/help" || fail "steward --help lists no audit"
ok "steward --help; $(steward version)"

[[ "$(man -w steward)" == /usr/share/man/man1/steward.1.gz ]] || fail "man -w steward: $(man -w steward 2>&1)"
MANWIDTH=100 MANPAGER=cat man steward 2>/dev/null >"$tmp/man" || fail "man steward failed"
if ! grep -q 'steward' "$tmp/man" || ! grep -q 'audit' "$tmp/man"; then fail "man steward: $(head -c 300 "$tmp/man")"; fi
ok "man -w steward: /usr/share/man/man1/steward.1.gz ($(wc -l <"$tmp/man") lines rendered)"

for path in /usr/share/bash-completion/completions/steward /usr/share/zsh/vendor-completions/_steward \
    /usr/share/fish/vendor_completions.d/steward.fish; do
    [[ -s $path ]] || fail "no completion file $path"
done
bash -c 'source /usr/share/bash-completion/completions/steward && complete -p steward' >/dev/null 2>&1 \
    || fail "the bash completion does not load"
head -n1 /usr/share/zsh/vendor-completions/_steward | grep -q '^#compdef steward' || fail "_steward is no zsh completion"
ok "completions: bash (loads), zsh, fish"

unit=/lib/systemd/system/steward.service
[[ -f $unit ]] || fail "no $unit"
systemctl cat steward.service >/dev/null 2>&1 || fail "systemd does not know steward.service"
state=$(systemctl is-enabled steward.service 2>/dev/null || true)
[[ $state == disabled ]] || fail "steward.service is $state, not disabled"
! systemctl is-active --quiet steward.service || fail "steward.service is running"
# The unit the package ships is the one the binary writes (Sources/StewardCore/Serve/ServeUnit.swift).
steward serve --install --dry-run --manifest /usr/share/doc/steward/steward.n1.yml >"$tmp/dry-run" 2>&1 \
    || fail "steward serve --install --dry-run failed: $(tail -c 500 "$tmp/dry-run")"
sed -n '/^\[Unit\]/,/^WantedBy=/p' "$tmp/dry-run" \
    | sed 's|^ExecStart=/usr/bin/steward serve --manifest /usr/share/doc/steward/steward.n1.yml$|ExecStart=/usr/bin/steward serve --manifest /etc/steward/steward.yml|' \
    >"$tmp/unit.written"
tail -n +2 "$unit" >"$tmp/unit.packaged"
diff -u "$tmp/unit.packaged" "$tmp/unit.written" >"$tmp/unit.diff" || fail "the packaged unit differs from what serve --install writes: $(cat "$tmp/unit.diff")"
ok "steward.service: known to systemd, disabled, inactive, the unit serve --install writes"

dpkg -r steward >"$tmp/remove.log" 2>&1 || fail "dpkg -r failed: $(tail -n 20 "$tmp/remove.log")"
left=()
while IFS= read -r path; do
    [[ $path == /. ]] && continue
    # dpkg lists /lib/...; on a merged-/usr system the snapshot saw them as /usr/lib/... (and /lib is a link).
    real=$(realpath -m -- "$path")
    [[ -e $path || -L $path ]] && ! grep -qxF -- "$real" "$tmp/before" && left+=("$path")
done <"$tmp/files"
((${#left[@]} == 0)) || fail "dpkg -r left: ${left[*]}"
snapshot >"$tmp/after-remove"
diff -u "$tmp/before" "$tmp/after-remove" >"$tmp/remove.diff" || fail "dpkg -r changed the trees: $(head -n 40 "$tmp/remove.diff")"
ok "dpkg -r: none of the package's files left, the trees as before"

dpkg -P steward >"$tmp/purge.log" 2>&1 || fail "dpkg -P failed: $(tail -n 20 "$tmp/purge.log")"
snapshot >"$tmp/after-purge"
diff -u "$tmp/before" "$tmp/after-purge" >"$tmp/purge.diff" || fail "dpkg -P changed the trees: $(head -n 40 "$tmp/purge.diff")"
! dpkg-query -W steward >/dev/null 2>&1 || fail "dpkg still knows steward: $(dpkg-query -W -f='${Status}' steward)"
shopt -s nullglob
info=(/var/lib/dpkg/info/steward.*)
((${#info[@]} == 0)) || fail "dpkg -P left ${info[*]}"
ok "dpkg -P: dpkg no longer knows steward, the trees as before"
