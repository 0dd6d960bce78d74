#!/usr/bin/env bash
# Many tenants, many workers: TENANTS connections, each a `kinsync serve`
# (an Epicor company of PARTS generated parts, a BigCommerce store holding
# ORDERS orders), in one configuration; the work is parts.bigcommerce
# (every part a product) and orders.bigcommerce (every order one sales
# order) of every connection. Runs, each on fresh emulators and a fresh
# state:
#   - sqlite, 1 worker (the reference): a SQLite state per connection;
#   - postgresql, W workers for each W of WORKERS: one throwaway
#     PostgreSQL cluster (tests/support/pg_cluster.sh), a schema per
#     connection; W `kinsync sync --watch` processes started together.
# Figures per run (a benchmark, not a test: nothing here asserts a time):
#   - wall: from the workers' start until every connection's parts and
#     orders runs have reported their work done (the workers' output lines,
#     so the measuring costs the emulators no request), checked afterwards
#     against the emulators' state (every part a product, every order one
#     sales order; a run that fails this check is reported FAILED);
#   - requests: every request the emulators' journals hold at that moment,
#     against the minimum: TENANTS x the requests of one `kinsync sync
#     --once` pass over one fresh tenant (the same flows, one pass each, no
#     worker beside it), measured first;
#   - the workers' CPU (user + system, from /proc, at that moment);
#   - db connections: the most client backends pg_stat_activity showed,
#     sampled every 0.5 s (the sampling psql itself not counted).
# Prints Markdown table rows (ratios against the sqlite run); exit 1 when
# a run did not do the work or timed out.
#
# usage: sync_tenants.sh KINSYNC [TENANTS [PARTS [ORDERS [WORKERS...]]]]
#        (defaults 10 500 50 1 2 4; the issue's size: 50 2000 200 1 2 4)
#   KS_BENCH_RUN_SECONDS  bound of each run (default 1800); past it the
#                         run is reported FAILED and the script goes on
#   KS_BENCH_LEASE_S      lease_s of the workers (default 15)
set -u

kinsync=${1:?usage: sync_tenants.sh KINSYNC [TENANTS [PARTS [ORDERS [WORKERS...]]]]}
tenants=${2:-10}
parts=${3:-500}
orders=${4:-50}
shift $(($# < 4 ? $# : 4))
[ $# -gt 0 ] || set -- 1 2 4
worker_counts=("$@")
bound_s=${KS_BENCH_RUN_SECONDS:-1800}
lease_s=${KS_BENCH_LEASE_S:-15}
here=$(cd "$(dirname "$0")" && pwd)
root=$(cd "$here/.." && pwd)
kinsync=$(cd "$(dirname "$kinsync")" && pwd)/$(basename "$kinsync")

die() { echo "sync_tenants: $*" >&2; exit 1; }
for c in curl python3 psql; do
    command -v "$c" >/dev/null || die "$c is missing (psql: Debian postgresql-client)"
done
run=$(mktemp -d "${TMPDIR:-/tmp}/ks-bench-tenants.XXXXXX")
pids=()
stop_pids() {
    local p
    for p in "${pids[@]}"; do kill "$p" 2>/dev/null; done
    for p in "${pids[@]}"; do wait "$p" 2>/dev/null; done
    pids=()
}
cleanup() {
    stop_pids
    bash "$root/tests/support/pg_cluster.sh" stop "$run/pg" 2>/dev/null
    rm -rf "$run"
}
trap cleanup EXIT
trap 'exit 1' INT TERM HUP
ms() { date +%s%3N; }
tlist=$(seq -f '%02g' 1 "$tenants")
KINSYNC_STATE_KEY=$(od -An -tx1 -N32 /dev/urandom | tr -d ' \n')
export KINSYNC_STATE_KEY

python3 "$here/sync_tenants_scenario.py" "$parts" "$orders" >"$run/sync-tenants-bench-tenant.json" ||
    die "cannot write the scenario"

# start_serves NAMES...: one `kinsync serve` per name, started together.
start_serves() {
    local s n
    rm -f "$run"/*.ready
    for s in "$@"; do
        KINSYNC_SERVE_READY_FILE=$run/$s.ready "$kinsync" serve \
            --fixtures "$root/fixtures" --scenario "$run/sync-tenants-bench-tenant.json" \
            >"$run/$s.serve.out" 2>&1 &
        pids+=("$!")
    done
    for _ in $(seq 600); do
        n=0
        for s in "$@"; do [ -f "$run/$s.ready" ] && n=$((n + 1)); done
        [ "$n" = $# ] && return 0
        sleep 0.1
    done
    die "$n of $# serve instances ready after 60 s"
}
url_of() { awk -v n="$1" '$1 == n { print $2 }' "$run/$2.ready"; }

conn() { # TENANT STATE
    cat <<EOF
    "t$1": {
      "state": "$2",
      "epicor": {"server_url": "$(url_of epicor "s$1")", "instance": "SaaS5333",
                 "company": "EPIC06", "auth": "basic", "username": "integration",
                 "password": "Bench-Sync-Pa55!", "api_key": "bench-sync-epicor-key"},
      "bigcommerce": {"base_url": "$(url_of bigcommerce "s$1")", "store_hash": "bench1",
                      "access_token": "tok_bench_sync", "client_secret": "cs_bench_sync"},
      "flows": ["parts.bigcommerce", "orders.bigcommerce"]
    }
EOF
}
# write_config FILE STATE_OF: STATE_OF is a function printing a tenant's state.
write_config() {
    local t sep=
    {
        printf '{\n  "lease_s": %s,\n' "$lease_s"
        printf '  "receiver": {"bind": "127.0.0.1", "port": 0, "register": false},\n'
        printf '  "http": {"timeout_ms": 60000},\n  "connections": {\n'
        for t in $tlist; do
            printf '%s' "$sep"
            conn "$t" "$($2 "$t")"
            sep=','
        done
        printf '  }\n}\n'
    } >"$1" 2>/dev/null
}

# journal_requests SERVE: the requests both emulators of SERVE answered.
journal_requests() {
    local sys n total=0
    for sys in epicor bigcommerce; do
        n=$(curl -s -S --max-time 120 "$(url_of admin "$1")/admin/journal/$sys" |
            python3 -c 'import json, sys; print(len(json.load(sys.stdin)))') ||
            die "cannot read the $sys journal of $1"
        total=$((total + n))
    done
    echo "$total"
}

# check_state SERVE: empty when every part is one product and every order
# one sales order in SERVE's emulators, else what is wrong.
check_state() {
    local a
    a=$(url_of admin "$1")
    curl -s -S --max-time 120 "$a/admin/state/bigcommerce" >"$run/bc.json"
    curl -s -S --max-time 120 "$a/admin/state/epicor" >"$run/ep.json"
    python3 - "$run" "$parts" "$orders" <<'PY'
import collections, json, sys
run, parts, orders = sys.argv[1], int(sys.argv[2]), int(sys.argv[3])
skus = collections.Counter(p.get("sku") for p in json.load(open(f"{run}/bc.json"))["products"])
heads = collections.Counter(o["PONum"] for o in
                            json.load(open(f"{run}/ep.json"))["companies"]["EPIC06"]["SalesOrders"])
bad = []
if len(skus) != parts or any(n != 1 for n in skus.values()):
    bad.append(f"{len(skus)} SKUs of {parts}, {sum(skus.values())} products")
if len(heads) != orders or any(n != 1 for n in heads.values()):
    bad.append(f"{len(heads)} PONums of {orders}, {sum(heads.values())} sales orders")
print("; ".join(bad))
PY
}

# ---- the minimum: one --once pass over one fresh tenant -------------------
start_serves s01
tlist_all=$tlist
tlist=01
sqlite_state() { echo "$run/min.$1.db"; }
write_config "$run/min.json" sqlite_state
tlist=$tlist_all
"$kinsync" sync --config "$run/min.json" >"$run/min.out" 2>"$run/min.err" </dev/null ||
    die "the --once pass failed: $(cat "$run/min.out" "$run/min.err")"
bad=$(check_state s01)
[ -z "$bad" ] || die "the --once pass left: $bad"
min_one=$(journal_requests s01)
min_all=$((min_one * tenants))
stop_pids
echo "sync_tenants: $tenants tenants x $parts parts, $orders orders; minimum $min_one requests a tenant (one --once pass), $min_all in all" >&2

# ---- PostgreSQL ------------------------------------------------------------
# Each worker holds three connections per tenant (its flows, its lease
# keeper, its receiver): room for the most workers, and the sampler.
maxw=1
for w in "${worker_counts[@]}"; do [ "$w" -gt "$maxw" ] && maxw=$w; done
KS_PG_MAX_CONNECTIONS=$((3 * tenants * maxw + 20)) \
    bash "$root/tests/support/pg_cluster.sh" start "$run/pg" 2>"$run/pg.err" ||
    die "no PostgreSQL cluster: $(cat "$run/pg.err")"
base=$(cat "$run/pg/uri")
schema_n=0
pg_state() { echo "$base&options=-csearch_path%3Dbench_${schema_n}_$1"; }

# done_tenants: how many connections have reported all their parts created
# and all their orders created in the workers' output lines so far.
done_tenants() {
    cat "$run"/w*.out 2>/dev/null | python3 -c '
import collections, re, sys
parts, orders = int(sys.argv[1]), int(sys.argv[2])
made = collections.Counter()
for line in sys.stdin:
    m = re.match(r"(t\d+)/(parts|orders)\.bigcommerce .*created (\d+),", line)
    if m:
        made[m.group(1), m.group(2)] += int(m.group(3))
print(sum(1 for (t, f), n in made.items()
          if f == "parts" and n >= parts and made[t, "orders"] >= orders))' "$parts" "$orders"
}

# stop_workers: SIGTERM to every worker (each finishes its flow), waited for.
stop_workers() {
    local p
    for p in "${wpids[@]}"; do kill -TERM "$p" 2>/dev/null; done
    for p in "${wpids[@]}"; do wait "$p" 2>/dev/null; done
    wpids=()
}

# one_run BACKEND WORKERS: sets r_wall (ms), r_req, r_maxc, r_check.
one_run() {
    local backend=$1 nw=$2 w t t0 dn c s bad serves=()
    r_maxc=0 r_req=0 r_check=
    for t in $tlist; do serves+=("s$t"); done
    start_serves "${serves[@]}"
    rm -f "$run"/w*.out "$run"/w*.err
    if [ "$backend" = sqlite ]; then
        rm -rf "$run/lite"
        mkdir -p "$run/lite"
        sqlite_state() { echo "$run/lite/state.$1.db"; }
        write_config "$run/cfg.json" sqlite_state
    else
        schema_n=$((schema_n + 1))
        s=
        for t in $tlist; do s="$s CREATE SCHEMA bench_${schema_n}_$t;"; done
        psql -q -v ON_ERROR_STOP=1 "$base" -c "$s" >/dev/null || die "cannot create the schemas"
        write_config "$run/cfg.json" pg_state
    fi
    t0=$(ms)
    wpids=()
    for w in $(seq "$nw"); do
        "$kinsync" sync --config "$run/cfg.json" --watch \
            >"$run/w$w.out" 2>"$run/w$w.err" </dev/null &
        wpids+=("$!")
        pids+=("$!")
    done
    while :; do
        if [ "$backend" = postgresql ]; then
            c=$(psql -qtA "$base" -c "SELECT count(*) - 1 FROM pg_stat_activity WHERE backend_type = 'client backend'")
            [ "${c:-0}" -gt "$r_maxc" ] && r_maxc=$c
        fi
        dn=$(done_tenants)
        [ "$dn" = "$tenants" ] && break
        if [ $(($(ms) - t0)) -gt $((bound_s * 1000)) ]; then
            r_check="FAILED: $dn of $tenants tenants done after ${bound_s} s"
            break
        fi
        sleep 0.5
    done
    r_wall=$(($(ms) - t0))
    r_cpu=0 # the workers' user + system time, clock ticks
    for w in "${wpids[@]}"; do
        r_cpu=$((r_cpu + $(awk '{ print $14 + $15 }' "/proc/$w/stat" 2>/dev/null || echo 0)))
    done
    for t in $tlist; do r_req=$((r_req + $(journal_requests "s$t"))); done
    stop_workers
    for t in $tlist; do
        bad=$(check_state "s$t")
        [ -z "$bad" ] || r_check="${r_check:+$r_check; }FAILED: t$t $bad"
    done
    r_check=${r_check:-ok}
    cp "$run"/w1.err "$run/last-w1.err" 2>/dev/null
    stop_pids
}

ratio() { awk -v a="$1" -v b="$2" 'BEGIN { printf "%.2f", a / b }'; }
echo "| backend | workers | wall s | × sqlite wall | workers' CPU s | requests | × minimum | max db connections | check |"
echo "|---|---:|---:|---:|---:|---:|---:|---:|---|"
ref_ms=
failed=0
row() { # BACKEND WORKERS
    one_run "$1" "$2"
    [ -n "$ref_ms" ] || ref_ms=$r_wall
    printf '| %s | %s | %s | %s | %s | %s | %s | %s | %s |\n' "$1" "$2" \
        "$(ratio "$r_wall" 1000)" "$(ratio "$r_wall" "$ref_ms")" \
        "$(ratio "$r_cpu" "$(getconf CLK_TCK)")" "$r_req" \
        "$(ratio "$r_req" "$min_all")" \
        "$([ "$1" = sqlite ] && echo - || echo "$r_maxc")" "$r_check"
    [ "$r_check" = ok ] || failed=1
}
row sqlite 1
for w in "${worker_counts[@]}"; do row postgresql "$w"; done
[ "$failed" = 0 ] || die "a run did not do the work (the check column)"
