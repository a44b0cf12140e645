# shellcheck shell=bash
# The chip scenario's names, for populate.sh, ctl.sh and the tests.
here=${here:-$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)}
# shellcheck source=../lib/scenario.sh
. "$here/../lib/scenario.sh"

CHIP_ORIGIN=/srv/git/chip.git
CHIP_ROOT=/srv/chip
CHIP_VENV=/srv/chip/venv
CHIP_SECRET_KEY=chip-secret-key-test-only-5e1a
declare -A CHIP_PORT=([prod]=8001 [test]=8002 [stage]=8003)
# chip_dashboard.service (the seed's non-template unit): its port is only in /etc/chip_dashboard/gunicorn.conf.py.
CHIP_LIVE_PORT=8004
CHIP_LIVE_DOMAIN=live.pravoo.in
# shop@www (blue-green): its two slots' ports and the name nginx serves it under.
SHOP_SLOTS=(9104 9204)
SHOP_DOMAIN=shop.pravoo.in

chip_assert_sandbox() { scenario_assert_sandbox chip; }
