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

# victim_manifest_head TITLE PORT: the start of a servebench manifest (serve-bench.sh, serve-profile.sh): checks every
# 30 s, the API on PORT, and the check `http victim` (bench-web@8199) whose rule posts to the webhook receiver on
# 127.0.0.1:9099; the caller appends its own checks.
victim_manifest_head() {
    printf '# %s\n' "$1"
    cat <<EOF
version: 1
check_defaults: {interval: 30s, timeout: 5s}
serve:
  port: $2
  alerts:
    allow_private: [127.0.0.1]
    channels:
      hook: {webhook: "http://127.0.0.1:9099/hook"}
    rules:
      - name: victim
        match: {checks: ["http victim"]}
        for_runs: 1
        channels: [hook]
checks:
  - {name: http victim, http: {url: "http://127.0.0.1:8199/", status: 200}}
EOF
}
