#!/usr/bin/env bash
# cli.crash: random SIGKILLs over a real `kinsync sync --once` against
# `kinsync serve` (Epicor, BigCommerce and WooCommerce in one process),
# then one clean run, then counts from the emulators' admin state:
# 0 duplicates, 0 lost, 0 items needing a person.
#
# The workload: a catalogue of $nparts parts (each to BigCommerce and
# WooCommerce, with stock), $ncust Epicor customers (to WooCommerce), and
# orders on both storefronts of 2 to 4 lines each, some by buyers Epicor
# does not know yet (the import creates them). Before every run more
# orders are placed, part prices change and a customer is added, so
# every kill lands in a run with work to do. Each run is killed after a
# random 10 ms..W, where W starts at 900 ms and follows how long runs take
# on this build and machine: it shrinks by a third after a run that had
# ended before its kill and grows by a tenth after one that had not.
#
# usage: crash.sh KINSYNC_BINARY REPO_ROOT [KILLS]
#
# Exit 0 when every check passes, 1 on the first failure, 77 (ctest skip)
# when curl or jq is not installed. Bounded: KILLS runs of at most 0.9 s,
# one clean run.
set -u

kinsync=${1:?usage: crash.sh KINSYNC_BINARY REPO_ROOT [KILLS]}
root=${2:?usage: crash.sh KINSYNC_BINARY REPO_ROOT [KILLS]}
kills=${3:-30}
nparts=120
ncust=20
. "$(dirname "$0")/common.sh"
if ! command -v jq >/dev/null 2>&1; then
    echo "SKIP: jq is not installed"
    exit 77
fi
json="Content-Type: application/json"
cli_setup crash
RANDOM=$$ # a different kill pattern each run; printed below when one fails
seed=$RANDOM

# ---- the emulators, with a generated catalogue --------------------------

jq -n --argjson np "$nparts" --argjson nc "$ncust" '{
  name: "crash", description: "cli.crash", tags: ["sync"],
  given: {
    epicor: {
      users: [{username: "integration", password: "Crash-Pa55!"}],
      api_keys: [{key: "crash-epicor-key-0001"}],
      start_order_num: 5000,
      companies: {EPIC06: {
        parts: [range(1; $np + 1) | {
          PartNum: ("P-\(. + 1000)"), PartDescription: "Part \(.)",
          UnitPrice: (. + 0.25),
          PartWhses: [{Plant: "MfgSys", WarehouseCode: "MAIN", OnHandQty: .},
                      {Plant: "MfgSys", WarehouseCode: "EAST", OnHandQty: 2}]}],
        customers: [range(1; $nc + 1) | {
          CustNum: (. + 100), CustID: "C\(.)", Name: "Customer \(.)",
          EMailAddress: "c\(.)@buyers.example"}]}}},
    bigcommerce: {store_hash: "crash1", access_tokens: ["tok_crash"],
                  client_secret: "cs_crash",
                  rate_limit: {quota: 1000000, window_ms: 30000}},
    woocommerce: {keys: [{consumer_key: "ck_crash",
                          consumer_secret: "cs_crash_wc",
                          permissions: "read_write"}]}},
  when: [], then: {}}' >"$work/crash.json" || fail "writing the scenario"

KINSYNC_SERVE_READY_FILE=$work/serve.ready \
    "$kinsync" serve --scenario "$work/crash.json" --fixtures "$root/fixtures" \
    >"$work/serve.out" 2>"$work/serve.err" &
pids+=("$!")
for i in $(seq 100); do
    [ -f "$work/serve.ready" ] && break
    kill -0 "${pids[0]}" 2>/dev/null || fail "serve exited early"
    sleep 0.1
done
[ -f "$work/serve.ready" ] || fail "serve: no ready file after 10 s"
url_of() { awk -v n="$1" '$1 == n { print $2 }' "$work/serve.ready"; }
admin=$(url_of admin)
[ -n "$admin" ] && [ -n "$(url_of woocommerce)" ] || fail "ready file lacks a URL"

cfg=$work/kinsync.json
cat >"$cfg" <<EOF
{
  "state": "state.db",
  "epicor": {"server_url": "$(url_of epicor)", "instance": "SaaS5333",
             "company": "EPIC06", "auth": "basic", "username": "integration",
             "password": "Crash-Pa55!", "api_key": "crash-epicor-key-0001"},
  "bigcommerce": {"base_url": "$(url_of bigcommerce)", "store_hash": "crash1",
                  "access_token": "tok_crash", "client_secret": "cs_crash"},
  "woocommerce": {"base_url": "$(url_of woocommerce)",
                  "consumer_key": "ck_crash", "consumer_secret": "cs_crash_wc"},
  "flows": {"parts.bigcommerce": {"every_s": 600},
            "parts.woocommerce": {"every_s": 600},
            "customers.woocommerce": {"every_s": 600},
            "orders.bigcommerce": {"every_s": 600},
            "orders.woocommerce": {"every_s": 600}},
  "http": {"timeout_ms": 30000, "max_attempts": 4, "max_delay_ms": 2000}
}
EOF

# ---- the orders ---------------------------------------------------------

# lines_json N: N order lines of distinct random parts, priced as Epicor
# prices them ("price" is the unit price; the emulators total the lines).
lines_json() {
    local n=$1 k p out=""
    local used=" "
    for ((k = 0; k < n; k++)); do
        p=$((RANDOM % nparts + 1))
        case $used in *" $p "*) k=$((k - 1)) && continue ;; esac
        used="$used$p "
        out="$out${out:+,}{\"sku\":\"P-$((p + 1000))\",\"quantity\":$((RANDOM % 5 + 1)),\"price\":$p.25}"
    done
    printf '[%s]' "$out"
}
placed=0
# place_orders: one order on each storefront; the buyer is a known Epicor
# customer or, one time in three, a new one.
place_orders() {
    local n=$((RANDOM % 3 + 2)) email
    email="c$((RANDOM % ncust + 1))@buyers.example"
    [ $((RANDOM % 3)) = 0 ] && email="new$placed@shop.example"
    req POST "$admin/admin/act/bigcommerce" -H "$json" --data-binary \
        "{\"action\":\"place_order\",\"args\":{\"billing_address\":{\"email\":\"$email\",\"first_name\":\"B\",\"last_name\":\"$placed\"},\"products\":$(lines_json $n)}}"
    [ "$status" = 200 ] || fail "bigcommerce place_order: HTTP $status: $body"
    req POST "$admin/admin/act/woocommerce" -H "$json" --data-binary \
        "{\"action\":\"place_order\",\"args\":{\"billing\":{\"email\":\"w$email\",\"first_name\":\"W\"},\"line_items\":$(lines_json $n)}}"
    [ "$status" = 200 ] || fail "woocommerce place_order: HTTP $status: $body"
    placed=$((placed + 1))
}
# change_price: a random part's price moves (a product update to carry).
change_price() {
    local p=$((RANDOM % nparts + 1))
    req POST "$admin/admin/act/epicor" -H "$json" --data-binary \
        "{\"action\":\"change_part\",\"args\":{\"part_num\":\"P-$((p + 1000))\",\"fields\":{\"UnitPrice\":$p.75}}}"
    [ "$status" = 200 ] || fail "change_part: HTTP $status: $body"
}
for i in $(seq 8); do place_orders; done

# ---- kill, kill, kill ---------------------------------------------------

killed=0
finished=0
window=900 # ms: the latest a kill may come (see the top of the file)
in_flow=(0 0 0 0 0) # kills per flow in progress (the flows' order of a run)
for k in $(seq "$kills"); do
    for i in 1 2 3; do
        place_orders
        change_price
    done
    req POST "$admin/admin/act/epicor" -H "$json" --data-binary \
        "{\"action\":\"add_customer\",\"args\":{\"CustID\":\"K$k\",\"Name\":\"Kunde $k\",\"EMailAddress\":\"k$k@buyers.example\"}}"
    [ "$status" = 200 ] || fail "add_customer: HTTP $status: $body"
    "$kinsync" sync --config "$cfg" --once >"$work/run.stdout" 2>"$work/run.stderr" </dev/null &
    pid=$!
    pids+=("$pid")
    sleep "$(printf '0.%03d' $((RANDOM % (window - 9) + 10)))"
    if kill -KILL "$pid" 2>/dev/null; then
        killed=$((killed + 1))
        window=$((window * 11 / 10 > 900 ? 900 : window * 11 / 10))
        wait "$pid" 2>/dev/null
        # each flow prints its line when it ends
        i=$(grep -c ' read [0-9]' "$work/run.stdout")
        [ "$i" -lt 5 ] && in_flow[i]=$((in_flow[i] + 1))
    else
        finished=$((finished + 1))
        window=$((window * 2 / 3 < 20 ? 20 : window * 2 / 3))
    fi
    wait "$pid" 2>/dev/null
done
[ "$killed" -ge $((kills / 3)) ] ||
    fail "only $killed of $kills runs were still running at their kill (seed $seed)"
ok "$kills runs SIGKILLed at random moments: $killed killed while running, $finished had ended"
ok "kills per flow in progress (parts.bigcommerce, parts.woocommerce, customers, orders.bigcommerce, orders.woocommerce): ${in_flow[*]}"

# ---- the clean run ------------------------------------------------------

"$kinsync" sync --config "$cfg" --once >"$work/final.out" 2>"$work/final.err" </dev/null ||
    fail "the clean run after the kills exited $? (seed $seed)"
grep -q '^summary: 5 flows, 5 ok, 0 failed' "$work/final.out" ||
    fail "the clean run did not run the five flows cleanly (seed $seed)"
# The customers flow runs before the order flows, so the buyers the clean
# run's order imports created in Epicor go to WooCommerce in the next run
# (which has nothing else to do).
"$kinsync" sync --config "$cfg" --once >"$work/next.out" 2>"$work/next.err" </dev/null ||
    fail "the run after the clean run exited $? (seed $seed)"
grep -q '^orders.*created [1-9]' "$work/next.out" &&
    fail "the run after the clean run imported orders (seed $seed)"
"$kinsync" outbox --config "$cfg" >"$work/outbox.out" 2>"$work/outbox.err" ||
    fail "kinsync outbox exited $?"
grep -q '^0 pending' "$work/outbox.out" ||
    fail "items wait in the outbox for a person (seed $seed)"
ok "the clean run ends every flow; 0 items in the outbox"

# ---- the counts ---------------------------------------------------------

req GET "$admin/admin/state/epicor"
printf '%s' "$body" >"$work/epicor.json"
req GET "$admin/admin/state/bigcommerce"
printf '%s' "$body" >"$work/bc.json"
req GET "$admin/admin/state/woocommerce"
printf '%s' "$body" >"$work/wc.json"

# bad_orders STATE PREFIX LINES: the web orders of a storefront's state
# that are not exactly one sales order (PONum PREFIX-id) with exactly
# their lines, each POLine once.
bad_orders() {
    jq -r --slurpfile e "$work/epicor.json" --arg pre "$2" --arg lines "$3" '
  ($e[0].companies.EPIC06.SalesOrders) as $so |
  .orders[] | ("\($pre)-\(.id)") as $ref | (.[$lines] | length) as $n |
  [$so[] | select(.PONum == $ref)] as $m |
  if ($m | length) != 1 then "\($ref): \($m | length) sales orders"
  elif ($m[0].OrderDtls | length) != $n then
    "\($ref): \($m[0].OrderDtls | length) lines, not \($n)"
  elif ([$m[0].OrderDtls[].POLine] | unique | length) != $n then
    "\($ref): a line written twice"
  else empty end' "$1"
}
bad_orders "$work/bc.json" BC products >"$work/bad-bc.txt" || fail "jq on the BigCommerce state"
bad_orders "$work/wc.json" WC line_items >"$work/bad-wc.txt" || fail "jq on the WooCommerce state"
[ -s "$work/bad-bc.txt" ] && fail "BigCommerce orders: $(head -3 "$work/bad-bc.txt") (seed $seed)"
[ -s "$work/bad-wc.txt" ] && fail "WooCommerce orders: $(head -3 "$work/bad-wc.txt") (seed $seed)"
orders=$(jq '[.companies.EPIC06.SalesOrders[]] | length' "$work/epicor.json")
[ "$orders" = $((placed * 2)) ] ||
    fail "$orders sales orders for $((placed * 2)) web orders (seed $seed)"
lines=$(jq '[.companies.EPIC06.SalesOrders[].OrderDtls[]] | length' "$work/epicor.json")
ok "$((placed * 2)) web orders are $orders sales orders with their $lines lines: 0 duplicated, 0 lost, 0 half-written"

# Buyers: each e-mail is one Epicor customer.
dup=$(jq -r '[.companies.EPIC06.Customers[].EMailAddress] | group_by(.) |
  map(select(length > 1) | .[0]) | join(" ")' "$work/epicor.json")
[ -z "$dup" ] || fail "Epicor customers created twice: $dup (seed $seed)"
ok "every buyer is one Epicor customer"

# Catalogue: each part is one product on each storefront, at Epicor's
# current price, and with Epicor's stock unless a web order took some (the
# storefronts reduce stock on an order; Epicor's on-hand moves only when
# the warehouse ships).
jq '[.orders[].products[].sku]' "$work/bc.json" >"$work/ordered.json"
jq '[.orders[].line_items[].sku]' "$work/wc.json" >"$work/wordered.json"
# bad_parts STATE PRICE STOCK: the parts that are not exactly one product
# of the storefront's state at Epicor's price (field PRICE) and, unless
# sold there or on the other storefront, with Epicor's stock (STOCK).
bad_parts() {
    jq -r --slurpfile e "$work/epicor.json" --slurpfile o "$work/ordered.json" \
        --slurpfile w "$work/wordered.json" --arg price "$2" --arg stock "$3" '
  ($e[0].companies.EPIC06.Parts) as $parts | . as $st | ($o[0] + $w[0]) as $sold |
  $parts[] | .PartNum as $pn |
  [$st.products[] | select(.sku == $pn)] as $m |
  if ($m | length) != 1 then "\($pn): \($m | length) products"
  elif (($m[0][$price] | tonumber) * 100 | round) != (.UnitPrice * 100 | round)
  then "\($pn): price \($m[0][$price]), Epicor \(.UnitPrice)"
  elif ($sold | index($pn)) == null and
       $m[0][$stock] != ((.PartWhses // []) | map(.OnHandQty) | add)
  then "\($pn): stock \($m[0][$stock])"
  else empty end' "$1"
}
bad_parts "$work/bc.json" price inventory_level >"$work/bad-parts-bc.txt" ||
    fail "jq on the BigCommerce products"
bad_parts "$work/wc.json" regular_price stock_quantity >"$work/bad-parts-wc.txt" ||
    fail "jq on the WooCommerce products"
[ -s "$work/bad-parts-bc.txt" ] && fail "BigCommerce products: $(head -3 "$work/bad-parts-bc.txt") (seed $seed)"
[ -s "$work/bad-parts-wc.txt" ] && fail "WooCommerce products: $(head -3 "$work/bad-parts-wc.txt") (seed $seed)"
[ "$(jq '.products | length' "$work/bc.json")" = "$nparts" ] || fail "BigCommerce has products beyond the parts"
[ "$(jq '.products | length' "$work/wc.json")" = "$nparts" ] || fail "WooCommerce has products beyond the parts"
ok "each of the $nparts parts is one product on each storefront, at its price, with its stock"

# Customers: each Epicor customer with an e-mail is one WooCommerce customer.
missing=$(jq -r --slurpfile w "$work/wc.json" '
  [$w[0].customers[].email] as $have |
  [.companies.EPIC06.Customers[] | .EMailAddress | select(. != "") |
   . as $m | select(([$have[] | select(. == $m)] | length) != 1)] | join(" ")' \
    "$work/epicor.json")
[ -z "$missing" ] || fail "WooCommerce customers not exactly once: $missing (seed $seed)"
ok "each Epicor customer is one WooCommerce customer"
