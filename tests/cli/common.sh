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

# fail MESSAGE: says what failed, shows what the commands of the test wrote
# (every $work/*.out, *.err and *.stderr), and ends the test.
fail() {
    local f
    echo "FAIL: $*" >&2
    for f in "$work"/*.err "$work"/*.out "$work"/*.stderr; do
        [ -f "$f" ] && sed "s|^|  $(basename "$f"): |" "$f" >&2
    done
    exit 1
}
ok() { echo "ok - $*"; }

# req METHOD URL [curl args...]: sets $status and $body.
req() {
    local method=$1 url=$2
    shift 2
    status=$(curl -s -S --max-time 20 -o "$work/body" -w '%{http_code}' \
        -X "$method" "$@" "$url") || fail "curl $method $url did not complete"
    body=$(cat "$work/body")
}

# serve_in_background NAME ARGS...: runs `kinsync serve ARGS` ($kinsync)
# in the background with its ready file in $work/NAME.ready, stdout and
# stderr in $work/NAME.stdout and .stderr; sets $last_pid and adds it to
# $pids; waits (at most 10 s) for the ready file.
serve_in_background() {
    local name=$1 i
    shift
    KINSYNC_SERVE_READY_FILE=$work/$name.ready \
        "$kinsync" serve "$@" >"$work/$name.stdout" 2>"$work/$name.stderr" &
    last_pid=$!
    pids+=("$last_pid")
    for i in $(seq 100); do
        [ -f "$work/$name.ready" ] && return 0
        kill -0 "$last_pid" 2>/dev/null || fail "$name: serve exited early"
        sleep 0.1
    done
    fail "$name: no ready file after 10 s"
}
# url_of FIELD NAME: the value of the ready file's FIELD line (a system,
# "admin" or "ca") of the server started as NAME.
url_of() { awk -v n="$1" '$1 == n { print $2 }' "$work/$2.ready"; }
