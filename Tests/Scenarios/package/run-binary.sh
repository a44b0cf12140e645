#!/bin/bash
# Runs the packaged steward binary INSIDE the package sandbox, where /opt/swift is empty: `steward version`,
# `steward audit` and `steward check` must work without the toolchain.
#
#   run-binary.sh STEWARD [EXPECTED_COMMIT]
#
# STEWARD: the stripped, stamped binary (the package's /usr/bin/steward, e.g. extracted with dpkg-deb -x into the
# sandbox's share directory). EXPECTED_COMMIT: the commit scripts/package stamped; `steward version` must show it
# (omit for an unstamped binary: it must then say "built from source").
# Prints what it checked; exit 0 when all passed, 1 with a message on the first failure.
set -euo pipefail
here=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
# shellcheck source=../lib/scenario.sh
. "$here/../lib/scenario.sh"
scenario_assert_sandbox package
fail() { printf 'run-binary: FAIL: %s\n' "$*" >&2; exit 1; }
ok() { printf 'run-binary: ok: %s\n' "$*"; }

(($# >= 1 && $# <= 2)) || { echo "usage: run-binary.sh STEWARD [EXPECTED_COMMIT]" >&2; exit 2; }
steward=$1 commit=${2:-}
[[ -x $steward ]] || fail "not executable: $steward"
[[ -z $commit || $commit =~ ^[0-9a-f]{40}(-dirty)?$ ]] || fail "EXPECTED_COMMIT: not a commit: $commit"
[[ -z "$(ls -A /opt/swift 2>/dev/null)" ]] || fail "/opt/swift is visible: this proves nothing"
tmp=$(mktemp -d)
trap 'rm -rf -- "$tmp"' EXIT

# The loader finds every library the binary needs, and none of them is Swift's.
ldd "$steward" >"$tmp/ldd" || fail "ldd $steward failed"
! grep -q 'not found' "$tmp/ldd" || fail "missing libraries: $(grep 'not found' "$tmp/ldd" | tr '\n' ' ')"
! grep -qi swift "$tmp/ldd" || fail "links a Swift library dynamically: $(grep -i swift "$tmp/ldd" | tr '\n' ' ')"
ok "ldd: $(awk '{ print $1 }' "$tmp/ldd" | tr '\n' ' ')"

out=$("$steward" version) || fail "steward version exited $?"
if [[ -n $commit ]]; then
    [[ $out == "steward "*"(commit ${commit:0:12}"*", built "*")" ]] || fail "steward version: \"$out\" does not show commit ${commit:0:12}"
    "$steward" version --format json | python3 -c '
import json, sys
doc = json.load(sys.stdin)
assert doc["schema"] == "steward.version/1", doc
assert doc["commit"] == sys.argv[1], doc
assert len(doc["buildDate"]) == 20 and doc["buildDate"].endswith("Z"), doc
' "$commit" || fail "steward version --format json does not carry commit $commit and a build date"
else
    [[ $out == "steward "* ]] || fail "steward version: \"$out\""
fi
ok "$out"

# The audit: no configuration; exit 0-2 are findings (Nagios), 3 means it could not run.
status=0
"$steward" audit --format json >"$tmp/audit.json" 2>"$tmp/audit.err" || status=$?
((status <= 2)) || fail "steward audit exited $status: $(tail -c 600 "$tmp/audit.err")"
python3 - "$tmp/audit.json" <<'PY' || fail "steward audit's JSON does not describe the host"
import json, sys
report = json.load(open(sys.argv[1]))
units = {u["name"]: u for u in report["facts"]["units"]}
hello = units.get("hello@prod.service")
assert hello and hello["activeState"] == "active" and hello["user"] == "hello", hello
unknown = [p for p in report["probes"] if p["status"] == "unknown"]
assert not unknown, unknown
PY
ok "steward audit (exit $status): hello@prod.service found, no probe unknown, $(python3 -c 'import json,sys; print(len(json.load(open(sys.argv[1]))["findings"]))' "$tmp/audit.json") finding(s)"

# The checks: every kind that needs no other server, all passing.
status=0
"$steward" check -f "$here/checks.yml" --format json >"$tmp/check.json" 2>"$tmp/check.err" || status=$?
((status == 0)) || fail "steward check exited $status: $(head -c 1500 "$tmp/check.json") $(tail -c 600 "$tmp/check.err")"
python3 - "$tmp/check.json" <<'PY' || fail "steward check's JSON: not 8 passing checks"
import json, sys
doc = json.load(open(sys.argv[1]))
results = doc["results"] if isinstance(doc, dict) else doc
assert len(results) == 8, results
bad = [r for r in results if r.get("status") != "pass"]
assert not bad, bad
PY
ok "steward check: 8 checks passed"
