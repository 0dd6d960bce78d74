# Sourced by the cli.* scripts (bash): `cli_setup NAME` skips the test
# (exit 77) when curl is missing, makes the private directory $work, and
# arranges that every exit path kills the processes listed in $pids and
# removes $work.
cli_setup() {
    if ! command -v curl >/dev/null 2>&1; then
        echo "SKIP: curl is not installed"
        exit 77
    fi
    work=$(mktemp -d "${TMPDIR:-/tmp}/kinsync-cli-$1.XXXXXX") || exit 1
    pids=()
    trap cli_cleanup EXIT
    trap 'exit 1' INT TERM HUP
}

cli_cleanup() {
    local p
    for p in "${pids[@]}"; do
        if kill -0 "$p" 2>/dev/null; then
            kill -KILL "$p" 2>/dev/null
            wait "$p" 2>/dev/null
        fi
    done
    rm -rf "$work"
}
