#!/usr/bin/env bash
# kinsync serve against nginx on one Epicor OData page (100 Part rows,
# token + API-key check, journal on with default settings), over loopback
# with wrk. Prints Markdown rows: req/s, p99 and the ratio to nginx serving
# the same bytes as a static file with the same header check, at 32 and 1
# connections; then the same after 10,000 tokens issued; then the server's
# RSS after every request of the run. A benchmark, not a test.
#   bench/serve_odata.sh KINSYNC_BINARY [SECONDS_PER_RUN]
# Needs wrk, nginx and curl (ci/bench installs them). Uses 127.0.0.1 only.
set -euo pipefail
ks=${1:?usage: serve_odata.sh KINSYNC_BINARY [SECONDS]}
dur=${2:-10}
here=$(cd "$(dirname "$0")" && pwd)
port=${KS_BENCH_PORT:-18180}      # kinsync: port, admin port + 1
nport=$((port + 10))              # nginx
key=km-epicor-test-key
qs='$top=100&$skip=0'
path="/SaaS5333/api/v2/odata/EPIC06/Erp.BO.PartSvc/Parts"
run=$(mktemp -d)
ks_pid= ng_pid=
total=0

cleanup() {
    [ -z "$ks_pid" ] || kill "$ks_pid" 2>/dev/null || true
    [ -z "$ng_pid" ] || kill "$ng_pid" 2>/dev/null || true
    wait 2>/dev/null || true
    rm -rf "$run"
}
trap cleanup EXIT

wait_port() { # PORT
    for _ in $(seq 100); do
        curl -s -o /dev/null "http://127.0.0.1:$1/" && return 0
        sleep 0.05
    done
    echo "serve_odata: nothing listens on port $1" >&2
    exit 1
}

token() {
    curl -sf -X POST -H 'username: manager' -H 'password: manager' \
        -H 'Accept: application/json' \
        "http://127.0.0.1:$port/SaaS5333/TokenResource.svc/" |
        grep -o '"AccessToken":"[^"]*"' | cut -d'"' -f4
}

# wrk_run PORT CONNECTIONS -> "req/s p99_ms requests non2xx"
wrk_run() {
    local out
    wrk -t1 -c"$2" -d2s -H "Authorization: Bearer $tok" -H "x-api-key: $key" \
        "http://127.0.0.1:$1$path?$qs" >/dev/null
    out=$(wrk -t1 -c"$2" -d"${dur}s" --latency \
        -H "Authorization: Bearer $tok" -H "x-api-key: $key" \
        "http://127.0.0.1:$1$path?$qs")
    echo "$out" | awk '
        function ms(v) { if (v ~ /us$/) return v / 1000; if (v ~ /ms$/) return v + 0;
                         if (v ~ /s$/) return v * 1000; return v }
        /Requests\/sec:/ { rps = $2 }
        /^ +99%/ { p99 = ms($2) }
        /requests in/ { n = $1 }
        /Non-2xx/ { bad = $NF }
        END { printf "%.0f %.3f %d %d\n", rps, p99, n, bad + 0 }'
}

# compare LABEL CONNECTIONS: one nginx run and one kinsync run, one row
compare() {
    local n k
    read -r n_rps n_p99 _ n_bad <<<"$(wrk_run "$nport" "$2")"
    read -r k_rps k_p99 k_n k_bad <<<"$(wrk_run "$port" "$2")"
    total=$((total + k_n))
    [ "$n_bad$k_bad" = 00 ] || echo "serve_odata: non-2xx answers (nginx $n_bad, kinsync $k_bad)" >&2
    awk -v l="$1" -v c="$2" -v nr="$n_rps" -v np="$n_p99" -v kr="$k_rps" -v kp="$k_p99" 'BEGIN {
        printf "| %s | %d | %d | %.2f ms | %d | %.2f ms | %.3f |\n", l, c, kr, kp, nr, np, kr / nr }'
}

"$ks" serve --scenario "$here/serve-parts100.json" --system epicor \
    --port-base "$port" >"$run/serve.log" 2>&1 &
ks_pid=$!
wait_port "$port"
tok=$(token)
curl -sf -H "Authorization: Bearer $tok" -H "x-api-key: $key" \
    "http://127.0.0.1:$port$path?$qs" >"$run/page.json"

# nginx: the same bytes, the same header check (as the peer benchmark)
mkdir -p "$run/ng"
cat >"$run/nginx.conf" <<CONF
daemon off;
master_process off;
worker_processes 1;
pid $run/nginx.pid;
error_log $run/nginx-error.log warn;
events { worker_connections 1024; }
http {
    access_log off;
    sendfile on;
    tcp_nopush on;
    tcp_nodelay on;
    keepalive_requests 1000000;
    open_file_cache max=16 inactive=60s;
    client_body_temp_path $run/ng; proxy_temp_path $run/ng;
    fastcgi_temp_path $run/ng; uwsgi_temp_path $run/ng; scgi_temp_path $run/ng;
    map_hash_bucket_size 1024;
    map "\$http_x_api_key:\$http_authorization" \$auth_ok {
        default 0;
        "$key:Bearer $tok" 1;
    }
    server {
        listen 127.0.0.1:$nport;
        location = $path {
            types { }
            default_type "application/json; odata.metadata=minimal";
            if (\$auth_ok = 0) { return 401; }
            alias $run/page.json;
        }
    }
}
CONF
nginx -p "$run" -c "$run/nginx.conf" 2>"$run/nginx.log" &
ng_pid=$!
wait_port "$nport"

echo "page: $(wc -c <"$run/page.json") bytes; $dur s a run after 2 s warm-up; load average $(cut -d' ' -f1-3 /proc/loadavg)"
echo
echo "| tokens issued | connections | kinsync req/s | kinsync p99 | nginx req/s | nginx p99 | × nginx |"
echo "|---|---:|---:|---:|---:|---:|---:|"
compare 1 32
compare 1 1
for i in $(seq 9999); do
    echo "url = \"http://127.0.0.1:$port/SaaS5333/TokenResource.svc/\""
done >"$run/tokens.curl"
curl -s -d '' -H 'username: manager' -H 'password: manager' \
    -H 'Accept: application/json' -K "$run/tokens.curl" >/dev/null
total=$((total + 9999))
compare 10000 32
compare 10000 1
echo
rss=$(awk '/VmRSS/ { print $2 }' "/proc/$ks_pid/status")
hwm=$(awk '/VmHWM/ { print $2 }' "/proc/$ks_pid/status")
echo "kinsync serve after $total requests (warm-ups not counted): RSS $((rss / 1024)) MiB, peak $((hwm / 1024)) MiB"
