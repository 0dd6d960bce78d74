#!/usr/bin/env bash
# The token sweep side by side: two `kinsync serve` on serve-parts100.json,
# one that issued 1 token and one that issued 10,000, both given the same
# number of requests first (so their journals hold alike), then the
# Epicor page at 32 connections on each in turn, KS_BENCH_ROUNDS times.
# Unlike serve_odata.sh's sweep (one server, 10,000 tokens after the
# 1-token runs), the order and the journal's fill weigh on both alike.
# Prints one line per run: req/s, p99 and CPU per page of each. A
# benchmark, not a test; needs wrk and curl.
#   bench/serve_tokens.sh KINSYNC [SECONDS]
#   KS_BENCH_PORT (default 18180; the second server +100), KS_BENCH_ROUNDS (3)
set -euo pipefail
kinsync=$1
dur=${2:-4}
here=$(cd "$(dirname "$0")" && pwd)
# shellcheck source=bench/serve_lib.sh
. "$here/serve_lib.sh" # wait_port, epicor_token, $run and its cleanup
pa=$port
pb=$((pa + 100))
pids=()
stop_both() {
    for p in "${pids[@]}"; do kill "$p" 2>/dev/null || true; done
    cleanup
}
trap stop_both EXIT

start() { # PORT
    "$kinsync" serve --scenario "$here/serve-parts100.json" --port-base "$1" \
        >"$run/serve-$1.log" 2>&1 &
    pids+=($!)
    wait_port "$1"
}
token() { port=$1 epicor_token; }
many() { # PORT PATH: 9,999 POSTs
    for _ in $(seq 9999); do
        echo "url = \"http://127.0.0.1:$1$2\""
        echo 'output = "/dev/null"' # -o covers the first URL only
    done >"$run/many.curl"
    curl -s -d '' -H 'username: manager' -H 'password: manager' \
        -H 'Accept: application/json' -K "$run/many.curl"
}
page() { echo "http://127.0.0.1:$1/SaaS5333/api/v2/odata/EPIC06/Erp.BO.PartSvc/Parts?\$top=100&\$skip=0"; }
measure() { # PORT TOKEN PID LABEL
    local t0 t1 out n
    t0=$(awk '{ print $14 + $15 }' "/proc/$3/stat")
    out=$(wrk -t1 -c32 -d"${dur}s" --latency -H "Authorization: Bearer $2" \
        -H "x-api-key: km-epicor-test-key" "$(page "$1")")
    t1=$(awk '{ print $14 + $15 }' "/proc/$3/stat")
    n=$(awk '/requests in/ { print $1 }' <<<"$out")
    printf '%-13s %8s req/s  p99 %-8s %s µs a page\n' "$4" \
        "$(awk '/Requests\/sec/ { print $2 }' <<<"$out")" \
        "$(awk '/^ +99%/ { print $2 }' <<<"$out")" \
        "$(awk -v t=$((t1 - t0)) -v n="$n" -v hz="$(getconf CLK_TCK)" \
            'BEGIN { printf "%.1f", n ? t * 1e6 / hz / n : 0 }')"
}

start "$pa"
a=${pids[-1]}
start "$pb"
b=${pids[-1]}
ta=$(token "$pa")
tb=$(token "$pb")
many "$pb" /SaaS5333/TokenResource.svc/          # 9,999 more tokens
many "$pa" /SaaS5333/api/v2/odata/EPIC06/Nothing # as many other requests
for p in "$pa:$ta" "$pb:$tb"; do # warm-up
    wrk -t1 -c32 -d2s -H "Authorization: Bearer ${p#*:}" \
        -H "x-api-key: km-epicor-test-key" "$(page "${p%%:*}")" >/dev/null
done
echo "Epicor page at 32 connections, $dur s runs, $rounds rounds; load average $(cut -d' ' -f1-3 /proc/loadavg), $(nproc) cores"
for ((r = 0; r < rounds; r++)); do
    measure "$pa" "$ta" "$a" "1 token"
    measure "$pb" "$tb" "$b" "10,000 tokens"
done
