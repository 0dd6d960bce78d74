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

# For the scripts that drive `kinsync` commands (sync*.sh):
# run NAME ARGS...: runs kinsync ARGS with stdout/stderr in $work/NAME.out
# and .err; sets $rc.
run() {
    local name=$1
    shift
    "$kinsync" "$@" >"$work/$name.out" 2>"$work/$name.err" </dev/null
    rc=$?
}
expect_rc() { [ "$rc" = "$1" ] || fail "$2: exit status $rc (want $1)"; }
expect_in() { grep -q -- "$1" "$work/$2" || fail "$3: $2 lacks '$1'"; }

# has_sales_order ADMIN PONUM: 0 when the Epicor emulator behind the admin
# URL ADMIN has a sales order with that PONum.
has_sales_order() {
    req GET "$1/admin/state/epicor"
    case $body in *"\"PONum\":\"$2\""*) return 0 ;; esac
    return 1
}
# wait_for_sales_order ADMIN PONUM: waits at most 30 s for that order.
wait_for_sales_order() {
    local i
    for i in $(seq 300); do
        has_sales_order "$1" "$2" && return 0
        sleep 0.1
    done
    fail "no Epicor sales order $2 30 s after the order"
}
# bc_place_order ADMIN EMAIL SKU QUANTITY PRICE: an order placed in the
# BigCommerce emulator behind ADMIN (it sends the webhooks); sets $order.
bc_place_order() {
    req POST "$1/admin/act/bigcommerce" -H "Content-Type: application/json" \
        --data-binary '{"action":"place_order","args":{
        "customer":{"email":"'"$2"'","first_name":"Ann","last_name":"Lee"},
        "billing_address":{"email":"'"$2"'","first_name":"Ann","last_name":"Lee"},
        "products":[{"sku":"'"$3"'","quantity":'"$4"',"price":'"$5"'}]}}'
    [ "$status" = 200 ] || fail "place_order: HTTP $status: $body"
    order=$(printf '%s' "$body" | sed -n 's/^{"result":{"id":\([0-9][0-9]*\).*/\1/p')
    [ -n "$order" ] || fail "place_order: no order id in $body"
}

# For the scripts that scrape `sync --watch --metrics-port` (sync-*.sh):
# scrape: GET $metrics into $work/metrics; metric NAME_AND_LABELS: its
# value there (empty when absent).
scrape() {
    curl -s -S --max-time 20 -o "$work/metrics" "$metrics" ||
        fail "cannot scrape $metrics"
}
metric() {
    awk -v k="$1" 'substr($0, 1, length(k) + 1) == k " " { print $2 }' \
        "$work/metrics"
}
