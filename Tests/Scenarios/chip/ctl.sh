#!/bin/bash
# Changes the chip sandbox for a test; runs INSIDE the sandbox as root.
#
#   ctl.sh reset INSTANCE          back to v1.0.0 with its pristine database (stopped, checked out, copied, started)
#   ctl.sh health INSTANCE         the /health answer (version, schema)
#   ctl.sh migrations INSTANCE     the core migrations the database has, one per line
#   ctl.sh tables INSTANCE         the core tables, one per line
#   ctl.sh head INSTANCE           the commit checked out
#   ctl.sh header                  the X-Chip-Release header nginx adds for prod (empty when none)
#   ctl.sh dirty INSTANCE | clean INSTANCE     edit a tracked file / undo it
#   ctl.sh hook INSTANCE NAME BODY | unhook INSTANCE    an untracked .steward/hooks/NAME running BODY (bash)
#   ctl.sh load-start NAME | load-stop NAME    requests through nginx every 20 ms; stop prints "REQUESTS FAILED"
#   ctl.sh reset-shop              shop@www (blue-green) back to v1.0.0 in slot 9104 only, nginx pointed at it, the
#                                  pristine database, no other release, no cooldown timer
#   ctl.sh shop-health             shop@www's /health through nginx
set -euo pipefail
here=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
# shellcheck source=common.sh
. "$here/common.sh"
chip_assert_sandbox
as_chip() { setpriv --reuid=chip --regid=chip --init-groups -- "$@"; }
db() { echo "$CHIP_ROOT/data/$1.sqlite3"; }

case $1 in
reset)
    i=$2
    systemctl stop "broker_portal@$i.service"
    as_chip git -C "$CHIP_ROOT/$i" checkout -q --force --detach v1.0.0
    as_chip git -C "$CHIP_ROOT/$i" clean -q -fd -e .steward
    rm -rf "$CHIP_ROOT/$i/.steward"
    rm -f "$(db "$i")-wal" "$(db "$i")-shm"
    as_chip cp "$(db "$i").pristine" "$(db "$i")"
    [[ $i != prod ]] || { nginx -t -q && systemctl reload nginx.service; }
    systemctl reset-failed "broker_portal@$i.service" 2>/dev/null || true
    systemctl start "broker_portal@$i.service"
    scenario_wait_for 20 curl -fsS "http://127.0.0.1:${CHIP_PORT[$i]}/health"
    ;;
reset-shop)
    base=$CHIP_ROOT/releases/www first=v1.0.0-20260101T000000.000
    for p in "${SHOP_SLOTS[@]}"; do
        systemctl stop "shop-slot@$p.service" "steward-cooldown-shop-slot-$p.timer" "steward-cooldown-shop-slot-$p.service" 2>/dev/null || true
        systemctl reset-failed "shop-slot@$p.service" 2>/dev/null || true
    done
    systemctl disable --quiet "shop-slot@${SHOP_SLOTS[1]}.service"
    systemctl enable --quiet "shop-slot@${SHOP_SLOTS[0]}.service"
    find "$base/releases" -mindepth 1 -maxdepth 1 ! -name "$first" -exec rm -rf {} +
    if [[ ! -d $base/releases/$first ]]; then  # pruned by the deploys since (deploy.keep)
        as_chip mkdir "$base/releases/$first"
        as_chip git -C "$base/repo.git" archive --format=tar v1.0.0 | as_chip tar -xf - -C "$base/releases/$first"
        as_chip ln -sfn "$base/shared/media" "$base/releases/$first/media"
    fi
    rm -f "$base/slots/${SHOP_SLOTS[1]}" "$base"/.current-steward-* "$base"/slots/.slot-steward-*
    as_chip ln -sfn "releases/$first" "$base/current"
    as_chip ln -sfn "../releases/$first" "$base/slots/${SHOP_SLOTS[0]}"
    rm -f "$(db www)-wal" "$(db www)-shm"
    as_chip cp "$(db www).pristine" "$(db www)"
    printf 'upstream steward_shop_www {\n    server 127.0.0.1:%s;\n    keepalive 16;\n}\n' "${SHOP_SLOTS[0]}" >/etc/nginx/steward/shop-www.conf
    systemctl start "shop-slot@${SHOP_SLOTS[0]}.service"
    nginx -t -q && systemctl reload nginx.service
    scenario_wait_for 20 curl -fsS -H "Host: $SHOP_DOMAIN" http://127.0.0.1/health
    ;;
shop-health) curl -sS -H "Host: $SHOP_DOMAIN" http://127.0.0.1/health ;;
header) curl -sS -o /dev/null -D - -H 'Host: pravoo.in' http://127.0.0.1/ | tr -d '\r' | sed -n 's/^X-Chip-Release: //p' ;;
health) curl -sS "http://127.0.0.1:${CHIP_PORT[$2]}/health" ;;
migrations) sqlite3 -readonly "$(db "$2")" "SELECT name FROM django_migrations WHERE app = 'core' ORDER BY id" ;;
tables) sqlite3 -readonly "$(db "$2")" "SELECT name FROM sqlite_master WHERE type = 'table' AND name LIKE 'core_%' ORDER BY name" ;;
head) git -c safe.directory='*' -C "$CHIP_ROOT/$2" rev-parse HEAD ;;
dirty) echo "# hotfix typed on the server" | as_chip tee -a "$CHIP_ROOT/$2/chip_dashboard/core/views.py" >/dev/null ;;
clean) as_chip git -C "$CHIP_ROOT/$2" checkout -q -- chip_dashboard/core/views.py ;;
hook)
    as_chip mkdir -p "$CHIP_ROOT/$2/.steward/hooks"
    printf '#!/bin/bash\n%s\n' "$4" | as_chip tee "$CHIP_ROOT/$2/.steward/hooks/$3" >/dev/null
    chmod +x "$CHIP_ROOT/$2/.steward/hooks/$3"
    ;;
unhook) rm -rf "$CHIP_ROOT/$2/.steward" ;;
load-start) bash "$here/../lib/load.sh" start "$2" http://127.0.0.1/ -H 'Host: pravoo.in' ;;
load-stop) bash "$here/../lib/load.sh" stop "$2" ;;
*) echo "ctl.sh: unknown action $1" >&2; exit 2 ;;
esac
