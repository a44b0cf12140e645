# Shared by the benchmark scripts (sourced): boot a sandbox scenario for the run, make the steward binary
# visible inside it, and always stop it on exit.
# Expects: $sandbox (path of sandbox.sh), $steward (the binary), log() and die(). Sets: $out, $state, in_sbx().

in_sbx() { bash "$sandbox" exec "$state" -- "$@"; }

# bench_boot SCENARIO NAME: results go to $BENCH_OUT or a new /tmp/NAME.XXXXXX; the sandbox to /tmp/NAME-sandbox.XXXXXX.
bench_boot() {
    local scenario=$1 name=$2 r
    out=${BENCH_OUT:-$(mktemp -d "/tmp/$name.XXXXXX")}
    mkdir -p "$out"
    out=$(realpath "$out")
    state=$(mktemp -d "/tmp/$name-sandbox.XXXXXX")
    trap 'bash "$sandbox" stop "$state" || log "warning: could not stop the sandbox in $state"' EXIT
    trap 'exit 130' INT TERM

    log "booting the $scenario sandbox in $state"
    bash "$sandbox" start "$scenario" "$state"

    # The binary must be reachable inside: /tmp is private there, STATE_DIR/share is not.
    if ! in_sbx test -x "$steward"; then
        log "$steward is not visible inside the sandbox; copying it (and its resource bundles) to $state/share"
        mkdir -p "$state/share/bin"
        cp "$steward" "$state/share/bin/"
        for r in "$(dirname "$steward")"/*.resources; do
            [[ -e "$r" ]] && cp -r "$r" "$state/share/bin/"
        done
        steward=$state/share/bin/$(basename "$steward")
    fi
}
