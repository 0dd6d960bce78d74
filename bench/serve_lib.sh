# Shared by bench/serve_*.sh (sourced, not run): start `kinsync serve` on a
# scenario, serve one page's bytes from nginx with the same credential
# check, and measure both with wrk over 127.0.0.1 in interleaved rounds.
# A benchmark, not a test. Needs wrk, nginx and curl (ci/bench installs
# them). Every wrk run is bounded by -d; the servers are killed on exit.
#   KS_BENCH_PORT    kinsync's first port (default 18180); nginx: +10
#   KS_BENCH_ROUNDS  nginx/kinsync pairs per figure (default 3)

port=${KS_BENCH_PORT:-18180}
nport=$((port + 10))
rounds=${KS_BENCH_ROUNDS:-3}
run=$(mktemp -d)
ks_pid= ng_pid=
total=0     # requests kinsync answered in measured runs
wrk_hdrs=() # -H arguments of the page's request

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
    echo "serve bench: nothing listens on port $1" >&2
    exit 1
}

# start_kinsync KINSYNC SCENARIO: serves the scenario's one system on $port.
start_kinsync() {
    "$1" serve --scenario "$2" --port-base "$port" >"$run/serve.log" 2>&1 &
    ks_pid=$!
    wait_port "$port"
}

stop_kinsync() {
    kill "$ks_pid" 2>/dev/null || true
    wait "$ks_pid" 2>/dev/null || true
    ks_pid=
}

# start_nginx PATH BODY_FILE CONTENT_TYPE VARIABLES VALUE: nginx answers
# GET PATH with BODY_FILE when the nginx VARIABLES (e.g.
# "$http_x_auth_token") read VALUE, else 401; the peer benchmark's setup.
start_nginx() {
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
    map "$4" \$auth_ok {
        default 0;
        "$5" 1;
    }
    server {
        listen 127.0.0.1:$nport;
        location = $1 {
            types { }
            default_type "$3";
            if (\$auth_ok = 0) { return 401; }
            alias $2;
        }
    }
}
CONF
    nginx -p "$run" -c "$run/nginx.conf" 2>"$run/nginx.log" &
    ng_pid=$!
    wait_port "$nport"
}

stop_nginx() {
    kill "$ng_pid" 2>/dev/null || true
    wait "$ng_pid" 2>/dev/null || true
    ng_pid=
}

# wrk_run PORT CONNECTIONS SECONDS URL_PATH -> "req/s p99_ms requests non2xx"
wrk_run() {
    wrk -t1 -c"$2" -d"$3s" --latency --timeout 5s "${wrk_hdrs[@]}" \
        "http://127.0.0.1:$1$4" | awk '
        function ms(v) { if (v ~ /us$/) return v / 1000; if (v ~ /ms$/) return v + 0;
                         if (v ~ /s$/) return v * 1000; return v }
        /Requests\/sec:/ { rps = $2 }
        /^ +99%/ { p99 = ms($2) }
        /requests in/ { n = $1 }
        /Non-2xx/ { bad = $NF }
        END { printf "%.0f %.3f %d %d\n", rps, p99, n, bad + 0 }'
}

# cpu_ticks PID: user + system CPU of a process so far, in clock ticks.
cpu_ticks() {
    awk '{ print $14 + $15 }' "/proc/$1/stat"
}

# us_per_request TICKS REQUESTS: CPU microseconds per answered request.
us_per_request() {
    awk -v t="$1" -v n="$2" -v hz="$(getconf CLK_TCK)" \
        'BEGIN { printf "%.0f", n ? t * 1e6 / hz / n : 0 }'
}

# compare LABEL CONNECTIONS SECONDS URL_PATH: $rounds interleaved pairs
# (nginx then kinsync, each after a 2 s warm-up), one Markdown row of
# medians and the range of the per-round ratios, and each server's CPU
# per request (its user + system time over the measured run; unlike
# req/s it does not move with what else the machine runs, so on a
# loaded machine compare these).
compare() {
    local r ratios=() k_list=() n_list=() kp_list=() np_list=() kc_list=() nc_list=()
    local t0 n_n
    for ((r = 0; r < rounds; r++)); do
        wrk_run "$nport" "$2" 2 "$4" >/dev/null
        t0=$(cpu_ticks "$ng_pid")
        read -r n_rps n_p99 n_n n_bad <<<"$(wrk_run "$nport" "$2" "$3" "$4")"
        nc_list+=("$(us_per_request $(($(cpu_ticks "$ng_pid") - t0)) "$n_n")")
        wrk_run "$port" "$2" 2 "$4" >/dev/null
        t0=$(cpu_ticks "$ks_pid")
        read -r k_rps k_p99 k_n k_bad <<<"$(wrk_run "$port" "$2" "$3" "$4")"
        kc_list+=("$(us_per_request $(($(cpu_ticks "$ks_pid") - t0)) "$k_n")")
        total=$((total + k_n))
        [ "$n_bad$k_bad" = 00 ] ||
            echo "serve bench: non-2xx answers (nginx $n_bad, kinsync $k_bad)" >&2
        k_list+=("$k_rps") n_list+=("$n_rps") kp_list+=("$k_p99") np_list+=("$n_p99")
        ratios+=("$(awk -v k="$k_rps" -v n="$n_rps" 'BEGIN { printf "%.3f", n ? k / n : 0 }')")
    done
    med() { printf '%s\n' "$@" | sort -g | awk '{ v[NR] = $1 } END { print v[int((NR + 1) / 2)] }'; }
    printf '| %s | %d | %.0f | %.2f ms | %.0f | %.2f ms | %s (%s–%s) | %s µs | %s µs |\n' "$1" "$2" \
        "$(med "${k_list[@]}")" "$(med "${kp_list[@]}")" "$(med "${n_list[@]}")" \
        "$(med "${np_list[@]}")" "$(med "${ratios[@]}")" \
        "$(printf '%s\n' "${ratios[@]}" | sort -g | head -1)" \
        "$(printf '%s\n' "${ratios[@]}" | sort -g | tail -1)" \
        "$(med "${kc_list[@]}")" "$(med "${nc_list[@]}")"
}

# The Epicor page of serve_odata.sh and serve_rss.sh.
ep_key=km-epicor-test-key
ep_path="/SaaS5333/api/v2/odata/EPIC06/Erp.BO.PartSvc/Parts"
ep_url="$ep_path?\$top=100&\$skip=0"

epicor_token() {
    curl -sf -X POST -H 'username: manager' -H 'password: manager' \
        -H 'Accept: application/json' \
        "http://127.0.0.1:$port/SaaS5333/TokenResource.svc/" |
        grep -o '"AccessToken":"[^"]*"' | cut -d'"' -f4
}

# start_epicor KINSYNC: serve-parts100.json served, a token issued, the
# page's headers in wrk_hdrs; $tok holds the token.
start_epicor() {
    start_kinsync "$1" "$here/serve-parts100.json"
    tok=$(epicor_token)
    wrk_hdrs=(-H "Authorization: Bearer $tok" -H "x-api-key: $ep_key")
}

table_head() {
    echo "| page | connections | kinsync req/s | kinsync p99 | nginx req/s | nginx p99 | × nginx, median (range) | kinsync CPU/request | nginx CPU/request |"
    echo "|---|---:|---:|---:|---:|---:|---:|---:|---:|"
}

rss_line() { # LABEL
    local rss hwm
    rss=$(awk '/VmRSS/ { print $2 }' "/proc/$ks_pid/status")
    hwm=$(awk '/VmHWM/ { print $2 }' "/proc/$ks_pid/status")
    echo "$1: kinsync serve RSS $((rss / 1024)) MiB, peak $((hwm / 1024)) MiB after $total requests (warm-ups not counted)"
}

load_note() {
    echo "$1 s a run after 2 s warm-up, $rounds interleaved nginx/kinsync rounds; load average $(cut -d' ' -f1-3 /proc/loadavg), $(nproc) cores"
}
