#!/usr/bin/env bash
# cli.sync-workers-kill: many tenants, several `kinsync sync --watch`
# workers on one PostgreSQL (the ctest fixture "pg"), and SIGKILLs at
# random moments. 20 connections (each a `kinsync serve` with an Epicor
# and a BigCommerce emulator, each a schema of its own in one database)
# in one configuration; two workers, then three. Webhook orders are placed
# while a random worker is SIGKILLed at a random moment (mid-flow, mid
# webhook import) and started again, at least 20 times. Checked:
#   - lease takeover: the holder of a flow's lease, killed mid-flow, is
#     replaced by another worker within 4/3 lease_s (the holder's lease
#     expires, and the others look every third of it) plus 5 s for this
#     script's own polling and a worker busy with another tenant's flow
#     on a loaded machine (the time measured is printed);
#   - a delivery answered 200 by a worker killed before it was imported is
#     still imported, once;
#   - at the end: every order placed is exactly one Epicor sales order with
#     one line (nothing doubled, nothing lost), each product created once
#     in each store, no outbox item, no webhook delivery waiting, no
#     pending intent.
# The random moments come from a seeded RNG: the seed is printed, and
# KS_TEST_SEED=N repeats a run. KS_KILL_TENANTS and KS_KILL_ROUNDS shrink
# or grow the run (defaults 20 and 24).
#
# usage: sync-workers-kill.sh KINSYNC_BINARY REPO_ROOT
set -u

kinsync=${1:?usage: sync-workers-kill.sh KINSYNC_BINARY REPO_ROOT}
root=${2:?usage: sync-workers-kill.sh KINSYNC_BINARY REPO_ROOT}
scenario=$root/scenarios/sync/webhook-order-and-its-duplicate-delivery-make-one-sales-order.json
tenants=${KS_KILL_TENANTS:-20}
rounds=${KS_KILL_ROUNDS:-24}
lease_s=5

. "$(dirname "$0")/common.sh"
json="Content-Type: application/json"
cli_setup sync-workers-kill
seed=${KS_TEST_SEED:-$(($(date +%s%N) % 32768))}
RANDOM=$seed
echo "random seed $seed (KS_TEST_SEED=$seed repeats the run's choices)"
eval "$(declare -f fail | sed '1s/^fail/cli_fail/')"
fail() {
    echo "random seed $seed; kills: ${kill_log:-none}" >&2
    cli_fail "$@"
}
kill_log=

uri_file=${KS_TEST_PG_URI_FILE:?the PostgreSQL fixture is not set up}
command -v psql >/dev/null || fail "psql (Debian postgresql-client) is missing"
command -v python3 >/dev/null || fail "python3 is missing"
base=$(cat "$uri_file")
prefix=cli_kill_$$_$RANDOM
tlist=$(seq -f '%02g' 1 "$tenants")
sql=
for t in $tlist; do sql="$sql CREATE SCHEMA ${prefix}_$t;"; done
psql -q -v ON_ERROR_STOP=1 "$base" -c "$sql" >/dev/null ||
    fail "cannot create the schemas ${prefix}_*"
drop_schemas() {
    local t s=
    for t in $tlist; do s="$s DROP SCHEMA IF EXISTS ${prefix}_$t CASCADE;"; done
    psql -q "$base" -c "$s" >/dev/null 2>&1
}
trap 'cli_cleanup; drop_schemas' EXIT

# ---- one `kinsync serve` per tenant, started together ----------------------
for t in $tlist; do
    KINSYNC_SERVE_READY_FILE=$work/s$t.ready "$kinsync" serve \
        --fixtures "$root/fixtures" --scenario "$scenario" \
        >"$work/s$t.stdout" 2>"$work/s$t.stderr" &
    pids+=("$!")
done
for i in $(seq 300); do
    n=0
    for t in $tlist; do [ -f "$work/s$t.ready" ] && n=$((n + 1)); done
    [ "$n" = "$tenants" ] && break
    sleep 0.1
done
[ "$n" = "$tenants" ] || fail "$n of $tenants serve instances ready after 30 s"
admin_of() { url_of admin "s$1"; }
# Every sales order write is slow, so kills land mid-import; tenant 01's
# parts reads are slower still, so its parts flow is always mid-run.
for t in $tlist; do
    req POST "$(admin_of "$t")/admin/faults/epicor" -H "$json" \
        --data-binary '{"route":"POST /*/Erp.BO.SalesOrderSvc/MasterUpdate","delay_ms":300}'
    [ "$status" = 200 ] || fail "adding a delay fault to tenant $t: HTTP $status"
done
req POST "$(admin_of 01)/admin/faults/epicor" -H "$json" \
    --data-binary '{"route":"GET /*/Erp.BO.PartSvc/Parts","delay_ms":3000}'
[ "$status" = 200 ] || fail "adding the parts delay to tenant 01: HTTP $status"

# ---- the configuration: 20 connections, a schema each ----------------------
# Worker 1 listens on a fixed port and registers the hooks there, so the
# platforms reach it again after each restart; the others take any port.
# (Below the kernel's ephemeral range, so no outgoing connection holds it.)
lo=$(awk '{ print $1 }' /proc/sys/net/ipv4/ip_local_port_range 2>/dev/null)
lo=${lo:-32768}
for i in $(seq 50); do
    rport=$((10000 + RANDOM % (lo - 10000)))
    (: >"/dev/tcp/127.0.0.1/$rport") 2>/dev/null || break # nothing listens
done
conn() { # TENANT
    cat <<EOF2
    "t$1": {
      "state": "$base&options=-csearch_path%3D${prefix}_$1",
      "epicor": {"server_url": "$(url_of epicor "s$1")", "instance": "SaaS5333",
                 "company": "EPIC06", "auth": "basic", "username": "integration",
                 "password": "Scn-Sync-Pa55!", "api_key": "scn-sync-epicor-key-51c2"},
      "bigcommerce": {"base_url": "$(url_of bigcommerce "s$1")", "store_hash": "scn123",
                      "access_token": "tok_scn_sync_8e1d",
                      "client_secret": "cs_scn_sync_hook_33f0"},
      "flows": {"parts.bigcommerce": {"every_s": 2},
                "orders.bigcommerce": {"every_s": 3}}
    }
EOF2
}
write_config() { # FILE PORT REGISTER
    {
        printf '{\n  "lease_s": %s,\n' "$lease_s"
        printf '  "receiver": {"bind": "127.0.0.1", "port": %s, "register": %s},\n' "$2" "$3"
        printf '  "http": {"timeout_ms": 30000, "max_attempts": 3},\n'
        printf '  "connections": {\n'
        local t sep=
        for t in $tlist; do
            printf '%s' "$sep"
            conn "$t"
            sep=','
        done
        printf '  }\n}\n'
    } >"$1"
}
write_config "$work/w1.json" "$rport" true
write_config "$work/w2.json" 0 false
cp "$work/w2.json" "$work/w3.json"
KINSYNC_STATE_KEY=$(od -An -tx1 -N32 /dev/urandom | tr -d ' \n')
export KINSYNC_STATE_KEY

# start_worker SLOT: sync --watch in the background (output appended to
# $work/wSLOT.out/.err); sets $pid_SLOT and $name_SLOT (the worker's id).
start_worker() {
    local i n before
    before=$(grep -c '^kinsync sync: worker ' "$work/w$1.err" 2>/dev/null)
    "$kinsync" sync --config "$work/w$1.json" --watch \
        >>"$work/w$1.out" 2>>"$work/w$1.err" </dev/null &
    eval "pid_$1=$!"
    pids+=("$!")
    for i in $(seq 300); do
        n=$(grep -c watching "$work/w$1.err" 2>/dev/null)
        [ "${n:-0}" -gt "${before:-0}" ] && break
        kill -0 "$(eval echo "\$pid_$1")" 2>/dev/null ||
            fail "worker $1 exited at start: $(grep -v 'kept in plain text' "$work/w$1.err" | tail -3)"
        sleep 0.1
    done
    [ "${n:-0}" -gt "${before:-0}" ] || fail "worker $1 did not start in 30 s"
    eval "name_$1=\$(sed -n 's/^kinsync sync: worker \([^,]*\),.*/\1/p' \"\$work/w$1.err\" | tail -n 1)"
}
kill_worker() { # SLOT
    local p
    p=$(eval echo "\$pid_$1")
    kill -KILL "$p" 2>/dev/null
    wait "$p" 2>/dev/null
}
ms() { date +%s%3N; }

# so_count ADMIN PONUM: how many sales orders of that PONum the Epicor
# emulator behind ADMIN holds.
so_count() {
    curl -s -S --max-time 20 "$1/admin/state/epicor" | python3 -c '
import json, sys
co = json.load(sys.stdin)["companies"]["EPIC06"]
print(sum(o["PONum"] == sys.argv[1] for o in co["SalesOrders"]))' "$2"
}
placed=() # TENANT:ORDER of every order placed
place() { # TENANT
    bc_place_order "$(admin_of "$1")" "o$1@kill.example" WIDGET-100 1 12.5
    placed+=("$1:$order")
}

start_worker 1
start_worker 2
ok "$tenants serve instances, $tenants connections (a schema each), two workers"

# ---- lease takeover after the holder is killed mid-flow --------------------
holder=
for i in $(seq 150); do
    run lease workers --config "$work/w1.json" --connection t01
    holder=$(awk '$1 == "parts.bigcommerce" && $NF == "live" { print $2 }' "$work/lease.out")
    [ -n "$holder" ] && break
    sleep 0.1
done
[ -n "$holder" ] || fail "no live lease on t01/parts.bigcommerce in 15 s"
if [ "$holder" = "$name_1" ]; then slot=1; else slot=2; fi
[ "$holder" = "$(eval echo "\$name_$slot")" ] || fail "lease holder $holder is no worker of the test"
kill_worker "$slot"
t0=$(ms)
kill_log="takeover:w$slot"
taken=
for i in $(seq 200); do
    run lease workers --config "$work/w1.json" --connection t01
    taken=$(awk -v h="$holder" '$1 == "parts.bigcommerce" && $NF == "live" && $2 != h { print $2 }' "$work/lease.out")
    [ -n "$taken" ] && break
    sleep 0.1
done
elapsed=$(($(ms) - t0))
[ -n "$taken" ] || fail "no worker took t01/parts.bigcommerce over in 20 s after its holder was killed"
[ "$elapsed" -le $((lease_s * 4000 / 3 + 5000)) ] ||
    fail "takeover of t01/parts.bigcommerce after ${elapsed} ms (4/3 lease_s $lease_s + 5 s for the polling)"
ok "lease takeover: $taken runs t01/parts.bigcommerce ${elapsed} ms after its holder was SIGKILLed (lease_s $lease_s)"
start_worker "$slot"

# ---- a delivery answered 200, then its receiver killed before the import ---
# The orders poll of tenant 02 fails meanwhile (its list route answers
# 503), so only the queued delivery can bring the order in.
adm=$(admin_of 02)
req POST "$adm/admin/faults/bigcommerce" -H "$json" \
    --data-binary '{"route":"GET /stores/*/v2/orders","status":503}'
[ "$status" = 200 ] || fail "adding the orders list fault to tenant 02: HTTP $status"
req POST "$adm/admin/faults/epicor" -H "$json" \
    --data-binary '{"route":"POST /*/Erp.BO.SalesOrderSvc/GetNewOrderHed","delay_ms":2500}'
[ "$status" = 200 ] || fail "adding the import delay to tenant 02: HTTP $status"
place 02
hooked=$order
for i in $(seq 100); do
    req GET "$adm/admin/state/bigcommerce"
    case $body in *'"status":200'*) break ;; esac
    sleep 0.05
done
case $body in *'"status":200'*) ;; *) fail "the delivery of order $hooked was not answered 200" ;; esac
kill_worker 1
grep -q "webhook.bigcommerce:$hooked .*created 1," "$work"/w*.out &&
    fail "test set-up: order $hooked was imported before the kill"
kill_log="$kill_log delivery:w1"
start_worker 1
for i in $(seq 300); do
    [ "$(so_count "$adm" "BC-$hooked")" = 1 ] && break
    sleep 0.1
done
[ "$(so_count "$adm" "BC-$hooked")" = 1 ] || fail "order $hooked is not one sales order 30 s after the kill"
# The sales order is in Epicor before the importing worker prints its line.
for i in $(seq 100); do
    grep -q "webhook.bigcommerce:$hooked .*created 1," "$work"/w*.out && break
    sleep 0.1
done
grep -q "webhook.bigcommerce:$hooked .*created 1," "$work"/w*.out ||
    fail "order $hooked did not come in through the queued delivery"
req DELETE "$adm/admin/faults/bigcommerce"
ok "order $hooked: delivery answered 200, worker 1 SIGKILLed before the import; another import from the queue"

# ---- rounds of orders and random SIGKILLs ---------------------------------
nkills=2
workers=2
for r in $(seq "$rounds"); do
    if [ "$r" = $((rounds / 2 + 1)) ]; then
        start_worker 3
        workers=3
        ok "a third worker joins"
    fi
    for _ in $(seq $((1 + RANDOM % 2))); do
        place "$(printf '%02d' $((1 + RANDOM % tenants)))"
    done
    sleep "0.$((RANDOM % 10))"
    slot=$((1 + RANDOM % workers))
    kill_worker "$slot"
    nkills=$((nkills + 1))
    kill_log="$kill_log r$r:w$slot"
    sleep "0.$((RANDOM % 5))"
    start_worker "$slot"
done
ok "$nkills SIGKILLs over ${#placed[@]} webhook orders (slots: $kill_log)"

# ---- quiescence, then nothing doubled, nothing lost, nothing left ---------
req DELETE "$adm/admin/faults/epicor"
for p in "${placed[@]}"; do
    wait_for_sales_order "$(admin_of "${p%%:*}")" "BC-${p#*:}"
done
left=
for i in $(seq 150); do
    run final workers --config "$work/w1.json"
    left=$(grep -c 'webhook deliveries waiting: [1-9]' "$work/final.out")
    sql=
    for t in $tlist; do
        sql="$sql SELECT count(*) FROM ${prefix}_$t.intents WHERE state = 1 UNION ALL"
    done
    pending=$(psql -qtA "$base" -c "SELECT sum(count) FROM (${sql% UNION ALL}) p") ||
        fail "cannot count the pending intents"
    [ "$left" = 0 ] && [ "$pending" = 0 ] && break
    sleep 0.2
done
[ "$left" = 0 ] || fail "webhook deliveries still waiting after 30 s ($left connections)"
[ "$pending" = 0 ] || fail "$pending intents still pending after 30 s"
for w in 1 2 3; do
    p=$(eval echo "\$pid_$w")
    kill -TERM "$p"
    wait "$p"
    rc=$?
    [ "$rc" = 0 ] || fail "worker $w exited $rc after SIGTERM"
done
for t in $tlist; do
    run outbox outbox --config "$work/w1.json" --connection "t$t"
    expect_rc 0 "outbox --connection t$t"
    expect_in '^0 pending' outbox.out "the outbox of t$t"
    req GET "$(admin_of "$t")/admin/state/epicor"
    printf '%s' "$body" >"$work/epicor$t.json"
    req GET "$(admin_of "$t")/admin/state/bigcommerce"
    printf '%s' "$body" >"$work/bc$t.json"
done
printf '%s\n' "${placed[@]}" >"$work/placed.txt"
python3 - "$work" $tlist >"$work/check.stderr" 2>&1 <<'PY' || fail "exactly-once check: $(cat "$work/check.stderr")"
import collections, json, sys
work, tenants = sys.argv[1], sys.argv[2:]
placed = collections.defaultdict(list)
for line in open(f"{work}/placed.txt"):
    t, o = line.strip().split(":")
    placed[t].append(f"BC-{o}")
bad = []
for t in tenants:
    co = json.load(open(f"{work}/epicor{t}.json"))["companies"]["EPIC06"]
    heads = collections.Counter(o["PONum"] for o in co["SalesOrders"])
    lines = collections.Counter(d["OrderNum"] for d in co["OrderDtls"])
    nums = {o["PONum"]: o["OrderNum"] for o in co["SalesOrders"]}
    for po in placed[t]:
        if heads[po] != 1:
            bad.append(f"t{t}: {heads[po]} sales orders {po} (want 1)")
        elif lines[nums[po]] != 1:
            bad.append(f"t{t}: {po} has {lines[nums[po]]} lines (want 1)")
    extra = set(heads) - set(placed[t])
    if extra:
        bad.append(f"t{t}: sales orders nobody placed: {sorted(extra)}")
    skus = collections.Counter(p.get("sku") for p in json.load(open(f"{work}/bc{t}.json"))["products"])
    if len(skus) != 3 or any(n != 1 for n in skus.values()):
        bad.append(f"t{t}: products by SKU {dict(skus)} (want 3, each once)")
if bad:
    sys.exit("\n".join(bad))
PY
ok "${#placed[@]} orders, each exactly one sales order of one line; 3 products per store; outbox, queue and intents empty"
exit 0
