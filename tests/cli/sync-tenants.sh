#!/usr/bin/env bash
# cli.sync-tenants: one configuration with two connections ("acme" and
# "beta": two Epicor companies, two BigCommerce stores, each a `kinsync
# serve` of its own), addressed by name in every command; their states,
# secrets, outboxes and webhook routes kept apart; /metrics of `sync
# --watch` per connection and flow, scraped with curl before and after a
# webhook order; `kinsync workers` on SQLite states.
#
# usage: sync-tenants.sh KINSYNC_BINARY REPO_ROOT
#
# Exit 0 when every check passes, 1 on the first failure (with the
# programs' output), 77 (ctest skip) only when curl is not installed.
set -u

kinsync=${1:?usage: sync-tenants.sh KINSYNC_BINARY REPO_ROOT}
root=${2:?usage: sync-tenants.sh KINSYNC_BINARY REPO_ROOT}
scenario=$root/scenarios/sync/webhook-order-and-its-duplicate-delivery-make-one-sales-order.json
fixtures=$root/fixtures
# From the scenario's given.epicor and given.bigcommerce (both servers).
epi_pass='Scn-Sync-Pa55!'
epi_key=scn-sync-epicor-key-51c2
bc_token=tok_scn_sync_8e1d
bc_secret=cs_scn_sync_hook_33f0

. "$(dirname "$0")/common.sh"
json="Content-Type: application/json"
cli_setup sync-tenants

for name in acme beta; do
    serve_in_background "$name" --fixtures "$fixtures" --scenario "$scenario"
done
cfg=$work/kinsync.json
conn() { # NAME: one connection's object
    cat <<EOF2
    "$1": {
      "epicor": {"server_url": "$(url_of epicor "$1")", "instance": "SaaS5333",
                 "company": "EPIC06", "auth": "basic", "username": "integration",
                 "password": {"\$secret": "epicor.password"},
                 "api_key": {"\$secret": "epicor.api_key"}},
      "bigcommerce": {"base_url": "$(url_of bigcommerce "$1")", "store_hash": "scn123",
                      "access_token": {"\$secret": "bigcommerce.token"},
                      "client_secret": {"\$secret": "bigcommerce.hook"}},
      "flows": {"parts.bigcommerce": {"every_s": 600},
                "orders.bigcommerce": {"every_s": 600}}
    }
EOF2
}
cat >"$cfg" <<EOF
{
  "state": "state.db",
  "lease_s": 30,
  "receiver": {"bind": "127.0.0.1", "port": 0, "register": true},
  "connections": {
$(conn acme),
$(conn beta)
  }
}
EOF

# ---- configuration errors name the JSON pointer --------------------------

sed 's/"lease_s": 30,/"lease_s": 30, "bigcommerce": {},/' "$cfg" >"$work/top.json"
run top sync --config "$work/top.json"
expect_rc 2 "a storefront section beside connections"
expect_in '/bigcommerce: belongs to a connection' top.err "section beside connections"
sed '0,/"store_hash": "scn123",/s//"store_hash": "scn123", "colour": 1,/' "$cfg" \
    >"$work/unknown.json"
run unknown sync --config "$work/unknown.json"
expect_rc 2 "an unknown key in a connection"
expect_in '/connections/acme/bigcommerce/colour: unknown key' unknown.err \
    "unknown key in a connection"
sed 's/"beta": {/"beta": {"state": "state.acme.db",/' "$cfg" >"$work/shared.json"
run shared sync --config "$work/shared.json"
expect_rc 2 "two connections on one state"
expect_in '/connections/beta: uses the state .*state.acme.db of /connections/acme' \
    shared.err "two connections on one state"
ok "configuration errors name the JSON pointer"

# ---- secrets, per connection ----------------------------------------------

KINSYNC_STATE_KEY=$(od -An -tx1 -N32 /dev/urandom | tr -d ' \n')
export KINSYNC_STATE_KEY
printf 'x\n' | "$kinsync" secret set epicor.password --config "$cfg" \
    >"$work/noname.out" 2>"$work/noname.err"
rc=$?
expect_rc 2 "secret set without --connection"
expect_in 'several connections: name one with --connection; known: acme beta' \
    noname.err "secret set without --connection"
run badname outbox --config "$cfg" --connection gamma
expect_rc 2 "an unknown connection"
expect_in 'no connection "gamma"' badname.err "an unknown connection"
for c in acme beta; do
    for pair in "epicor.password=$epi_pass" "epicor.api_key=$epi_key" \
        "bigcommerce.token=$bc_token" "bigcommerce.hook=$bc_secret"; do
        printf '%s\n' "${pair#*=}" | "$kinsync" secret set "${pair%%=*}" \
            --config "$cfg" --connection "$c" >"$work/set.out" 2>"$work/set.err" ||
            fail "secret set ${pair%%=*} --connection $c"
    done
    expect_in "state.$c.db" set.out "secret set names the connection's state"
done
ok "secrets are stored per connection, each in its own state"

# ---- sync --once over both, and one by name --------------------------------

run once sync --config "$cfg" --once
expect_rc 0 "sync --once over two connections"
for c in acme beta; do
    grep -q "^$c/parts.bigcommerce .*created 3," "$work/once.out" ||
        fail "$c/parts.bigcommerce did not create 3"
    [ -f "$work/state.$c.db" ] || fail "no state file for $c"
done
expect_in '^summary: 4 flows, 4 ok, 0 failed' once.out "two connections' summary"
run onlybeta sync --config "$cfg" --once --connection beta
expect_rc 0 "sync --once --connection beta"
grep -q '^acme/' "$work/onlybeta.out" && fail "--connection beta ran acme"
expect_in '^beta/parts.bigcommerce .*read 0, created 0,' onlybeta.out \
    "beta's second run (its own cursor)"
run outbox outbox --config "$cfg" --connection acme
expect_rc 0 "outbox --connection acme"
expect_in '^0 pending' outbox.out "outbox --connection acme"
run prune audit prune --config "$cfg"
expect_rc 0 "audit prune over both connections"
expect_in '^acme: pruned' prune.out "audit prune names acme"
expect_in '^beta: pruned' prune.out "audit prune names beta"
ok "sync --once runs each connection's flows on its own cursors; --connection picks one"

# ---- --watch: routes per connection, /metrics, workers ---------------------

"$kinsync" sync --config "$cfg" --watch --metrics-port 0 \
    >"$work/watch.out" 2>"$work/watch.err" </dev/null &
watch_pid=$!
pids+=("$watch_pid")
receiver= metrics=
for i in $(seq 100); do
    receiver=$(awk '$1 == "receiver" { print $2 }' "$work/watch.out")
    metrics=$(awk '$1 == "metrics" { print $2 }' "$work/watch.out")
    [ -n "$receiver" ] && [ -n "$metrics" ] && grep -q watching "$work/watch.err" && break
    kill -0 "$watch_pid" 2>/dev/null || fail "sync --watch exited early"
    sleep 0.1
done
[ -n "$metrics" ] || fail "sync --watch printed no metrics URL in 10 s"
case $metrics in http://127.0.0.1:*/metrics) ;; *) fail "metrics on $metrics, not loopback" ;; esac
# both connections run their flows at start
for i in $(seq 100); do
    scrape
    [ "$(metric 'kinsync_flow_runs_total{connection="beta",flow="orders.bigcommerce"}')" = 1 ] && break
    sleep 0.1
done
[ "$(metric 'kinsync_flow_runs_total{connection="acme",flow="parts.bigcommerce"}')" = 1 ] ||
    fail "no run of acme/parts.bigcommerce in /metrics"
[ "$(metric 'kinsync_flow_failures_total{connection="acme",flow="parts.bigcommerce"}')" = 0 ] ||
    fail "a failure of acme/parts.bigcommerce in /metrics"
[ -n "$(metric 'kinsync_flow_last_success_timestamp_seconds{connection="beta",flow="orders.bigcommerce"}')" ] ||
    fail "no last success time of beta/orders.bigcommerce"
[ "$(metric 'kinsync_outbox_pending{connection="acme",flow="orders.bigcommerce"}')" = 0 ] ||
    fail "no outbox size of acme/orders.bigcommerce"
grep -q '^# TYPE kinsync_flow_runs_total counter$' "$work/metrics" ||
    fail "no TYPE line for kinsync_flow_runs_total"
ok "/metrics reports each connection's flow runs, failures, success time and outbox"

req POST "$receiver/webhooks/acme/bigcommerce" \
    -H 'webhook-id: msg_forged' -H "webhook-timestamp: $(date +%s)" \
    -H 'webhook-signature: v1,Zm9yZ2Vk' \
    --data-binary '{"scope":"store/order/created","store_id":"1","data":{"type":"order","id":1}}'
[ "$status" = 401 ] || fail "a forged delivery to acme got $status (want 401)"
req POST "$receiver/webhooks/bigcommerce" --data-binary '{}'
[ "$status" = 404 ] || fail "the single-tenant path answered $status (want 404)"

beta_admin=$(url_of admin beta)
bc_place_order "$beta_admin" orders@beta.example WIDGET-100 1 12.5
wait_for_sales_order "$beta_admin" "BC-$order"
has_sales_order "$(url_of admin acme)" "BC-$order" &&
    fail "beta's order reached acme's Epicor"
scrape
[ "$(metric 'kinsync_webhook_deliveries_total{connection="beta",result="accepted"}')" -ge 1 ] 2>/dev/null ||
    fail "beta's accepted delivery not in /metrics"
[ "$(metric 'kinsync_webhook_auth_failures_total{connection="acme"}')" = 1 ] ||
    fail "acme's forged delivery not counted as an authentication failure"
[ "$(metric 'kinsync_webhook_auth_failures_total{connection="beta"}')" = 0 ] ||
    fail "an authentication failure counted for beta"
[ "$(metric 'kinsync_flow_runs_total{connection="beta",flow="webhook.bigcommerce"}')" -ge 1 ] 2>/dev/null ||
    fail "the webhook import of beta is not in /metrics"
[ "$(metric 'kinsync_flow_records_total{connection="beta",flow="webhook.bigcommerce",outcome="created"}')" = 1 ] ||
    fail "the webhook import of beta did not count one record created"
ok "a webhook order reaches only its own connection's Epicor; /metrics counts it"

run workers workers --config "$cfg"
expect_rc 0 "kinsync workers"
worker=$(sed -n 's/^kinsync sync: worker \([^,]*\),.*/\1/p' "$work/watch.err")
[ -n "$worker" ] || fail "the watching worker did not say its name"
[ "$(grep -c "^  $worker .* live\$" "$work/workers.out")" = 2 ] ||
    fail "kinsync workers does not list the watching worker live in both SQLite states"
ok "kinsync workers lists each connection and the live worker on its SQLite state"

kill -TERM "$watch_pid" || fail "cannot signal sync --watch"
for i in $(seq 150); do
    kill -0 "$watch_pid" 2>/dev/null || break
    sleep 0.1
done
wait "$watch_pid"
rc=$?
expect_rc 0 "sync --watch after SIGTERM"
expect_in "^total beta/webhook.bigcommerce" watch.out "--watch totals per connection"
ok "SIGTERM ends --watch with totals per connection"
exit 0
