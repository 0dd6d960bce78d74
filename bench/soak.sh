#!/usr/bin/env bash
# bench/soak.sh KINSYNC BENCH_SOAK [SECONDS]: the soak benchmark (see
# bench/README.md). For `kinsync serve` (BigCommerce emulator, default
# limits) and for the webhook receiver (default limits, in a child of
# bench_soak): a quiet reference run, then SECONDS (default 30) of
# legitimate requests under hostile traffic (1,000 slow connections, a
# forged / invalid-UTF-8 flood, oversized and never-ending chunked
# bodies). Prints Markdown table rows; asserts nothing. Loopback only.
set -euo pipefail
kinsync=${1:?usage: soak.sh KINSYNC BENCH_SOAK [SECONDS]}
soak=${2:?usage: soak.sh KINSYNC BENCH_SOAK [SECONDS]}
seconds=${3:-30}
here=$(cd "$(dirname "$0")" && pwd)
work=$(mktemp -d "${TMPDIR:-/tmp}/kinsync-soak.XXXXXX")
serve_pid=
cleanup() {
    [ -n "$serve_pid" ] && kill -TERM "$serve_pid" 2>/dev/null &&
        wait "$serve_pid" 2>/dev/null
    rm -rf "$work"
}
trap cleanup EXIT

# start_serve [OPTION...]: a fresh `kinsync serve` of soak-serve.json;
# sets serve_pid and port.
start_serve() {
    rm -f "$work/ready"
    KINSYNC_SERVE_READY_FILE=$work/ready "$kinsync" serve "$@" \
        --scenario "$here/soak-serve.json" --system bigcommerce >/dev/null 2>"$work/serve.err" &
    serve_pid=$!
    for _ in $(seq 100); do
        [ -f "$work/ready" ] && break
        sleep 0.1
    done
    [ -f "$work/ready" ] || { cat "$work/serve.err" >&2; exit 1; }
    port=$(awk '$1 == "bigcommerce" { print $2 }' "$work/ready" |
        sed 's/.*://')
}
stop_serve() {
    kill -TERM "$serve_pid"
    wait "$serve_pid" || true
    serve_pid=
}

echo "| target | time | legitimate sent | answered 2xx | p50 ms | p90 ms |" \
     "p99 ms | max ms | hostile requests | peak RSS MiB |"
echo "|---|---:|---:|---:|---:|---:|---:|---:|---:|---:|"
quiet=$(( seconds < 10 ? seconds : 10 ))
start_serve
SOAK_QUIET=1 "$soak" serve "$quiet" "$port" "$serve_pid"
stop_serve
start_serve
"$soak" serve "$seconds" "$port" "$serve_pid"
stop_serve
# A thread per connection: past --connection-limit (256) a connection is
# closed at once, so 1,000 slow ones starve the defaults; room for them:
start_serve --connection-limit 2048
SOAK_LABEL="serve --connection-limit 2048" \
    "$soak" serve "$seconds" "$port" "$serve_pid"
stop_serve
SOAK_QUIET=1 "$soak" receiver "$quiet"
"$soak" receiver "$seconds"
