# shellcheck shell=bash
# Helpers shared by the scenarios' scripts that run INSIDE a sandbox (sourced by their common.sh).

# Never run a scenario's scripts on the real host: they create users, units and files, and stop
# services. Exits unless PID 1 is the sandbox's systemd.
scenario_assert_sandbox() { # NAME
    grep -qx 'container=steward-sandbox' < <(tr '\0' '\n' </proc/1/environ) || {
        echo "$1: not inside a steward sandbox (PID 1 has no container=steward-sandbox)" >&2
        exit 1
    }
}

# Poll CMD until it succeeds or MAX seconds pass (status 1 then).
scenario_wait_for() { # MAX CMD...
    local max=$1; shift
    local deadline=$((SECONDS + max))
    until "$@" >/dev/null 2>&1; do
        ((SECONDS < deadline)) || return 1
        sleep 0.1
    done
}
