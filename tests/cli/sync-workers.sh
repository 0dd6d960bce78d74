#!/usr/bin/env bash
# cli.sync-workers: two `kinsync sync --watch` workers sharing one state
# in a real PostgreSQL (the ctest fixture "pg": tests/support/pg_cluster.sh
# started it; its admin URI is in the file $KS_TEST_PG_URI_FILE).
# Worker A holds the lease on parts.bigcommerce while Epicor is slow (a
# delay fault), so B does not run it; a BigCommerce order delivered to A's
# receiver is answered 200; A is then SIGKILLed before it could import it.
# B imports the delivery from the durable queue (once) and takes the flow
# over after A's lease expired; `kinsync workers` shows A stale.
#
# usage: sync-workers.sh KINSYNC_BINARY REPO_ROOT
set -u

kinsync=${1:?usage: sync-workers.sh KINSYNC_BINARY REPO_ROOT}
root=${2:?usage: sync-workers.sh KINSYNC_BINARY REPO_ROOT}
scenario=$root/scenarios/sync/webhook-order-and-its-duplicate-delivery-make-one-sales-order.json

. "$(dirname "$0")/common.sh"
json="Content-Type: application/json"
cli_setup sync-workers

# metric FILE NAME_AND_LABELS: the value in a scrape (empty when absent).
metric() {
    awk -v k="$2" 'substr($0, 1, length(k) + 1) == k " " { print $2 }' "$1"
}
# start_worker NAME CONFIG: sync --watch in the background; sets $pid_NAME,
# $metrics_NAME (its /metrics URL).
start_worker() {
    local i m
    "$kinsync" sync --config "$2" --watch --metrics-port 0 \
        >"$work/$1.out" 2>"$work/$1.err" </dev/null &
    eval "pid_$1=$!"
    pids+=("$!")
    for i in $(seq 100); do
        m=$(awk '$1 == "metrics" { print $2 }' "$work/$1.out")
        [ -n "$m" ] && grep -q watching "$work/$1.err" && break
        sleep 0.1
    done
    [ -n "$m" ] || fail "worker $1 did not start in 10 s"
    eval "metrics_$1=$m"
}

uri_file=${KS_TEST_PG_URI_FILE:?the PostgreSQL fixture is not set up}
command -v psql >/dev/null || fail "psql (Debian postgresql-client) is missing"
base=$(cat "$uri_file")
schema=cli_workers_$$_$RANDOM
psql -q -v ON_ERROR_STOP=1 "$base" -c "CREATE SCHEMA $schema" >/dev/null ||
    fail "cannot create the schema $schema"
state="$base&options=-csearch_path%3D$schema"
drop_schema() { psql -q "$base" -c "DROP SCHEMA IF EXISTS $schema CASCADE" >/dev/null 2>&1; }
trap 'cli_cleanup; drop_schema' EXIT

serve_in_background serve --fixtures "$root/fixtures" --scenario "$scenario"
epicor=$(url_of epicor serve)
bigcommerce=$(url_of bigcommerce serve)
admin=$(url_of admin serve)
write_config() { # FILE REGISTER
    cat >"$1" <<EOF
{
  "state": "$state",
  "lease_s": 5,
  "epicor": {"server_url": "$epicor", "instance": "SaaS5333",
             "company": "EPIC06", "auth": "basic", "username": "integration",
             "password": {"\$secret": "epicor.password"},
             "api_key": {"\$secret": "epicor.api_key"}},
  "bigcommerce": {"base_url": "$bigcommerce", "store_hash": "scn123",
                  "access_token": {"\$secret": "bigcommerce.token"},
                  "client_secret": {"\$secret": "bigcommerce.hook"}},
  "flows": {"parts.bigcommerce": {"every_s": 1},
            "orders.bigcommerce": {"every_s": 600}},
  "receiver": {"bind": "127.0.0.1", "port": 0, "register": $2},
  "http": {"timeout_ms": 30000, "max_attempts": 2}
}
EOF
}
write_config "$work/a.json" true
write_config "$work/b.json" false
KINSYNC_STATE_KEY=$(od -An -tx1 -N32 /dev/urandom | tr -d ' \n')
export KINSYNC_STATE_KEY
for pair in 'epicor.password=Scn-Sync-Pa55!' epicor.api_key=scn-sync-epicor-key-51c2 \
    bigcommerce.token=tok_scn_sync_8e1d bigcommerce.hook=cs_scn_sync_hook_33f0; do
    printf '%s\n' "${pair#*=}" | "$kinsync" secret set "${pair%%=*}" \
        --config "$work/a.json" >/dev/null 2>"$work/set.err" ||
        fail "secret set ${pair%%=*}"
done

# Epicor answers every parts read 4 s late: A's first flow holds its lease.
req POST "$admin/admin/faults/epicor" -H "$json" \
    --data-binary '{"route":"GET /*/Erp.BO.PartSvc/Parts","delay_ms":4000}'
[ "$status" = 200 ] || fail "adding the delay fault: HTTP $status: $body"
start_worker a "$work/a.json"
worker_a=$(sed -n 's/^kinsync sync: worker \([^,]*\),.*/\1/p' "$work/a.err")
[ -n "$worker_a" ] || fail "worker a did not name itself"
for i in $(seq 50); do
    run w1 workers --config "$work/a.json"
    grep -q "^  parts.bigcommerce  *$worker_a .* live$" "$work/w1.out" && break
    sleep 0.1
done
grep -q "^  parts.bigcommerce  *$worker_a .* live$" "$work/w1.out" ||
    fail "no live lease of worker a on parts.bigcommerce"
ok "worker a holds the lease on parts.bigcommerce while its flow runs"

start_worker b "$work/b.json"
sleep 1
curl -s -S --max-time 20 -o "$work/b1.metrics" "$metrics_b" || fail "scrape b"
[ -z "$(metric "$work/b1.metrics" 'kinsync_flow_runs_total{connection="default",flow="parts.bigcommerce"}')" ] ||
    fail "worker b ran parts.bigcommerce while a held its lease"
[ -n "$(metric "$work/b1.metrics" 'kinsync_flow_runs_total{connection="default",flow="orders.bigcommerce"}')" ] ||
    fail "worker b did not run orders.bigcommerce (no lease held on it)"
ok "worker b skips the flow a holds, and runs the others"

# The order is delivered to a's receiver (a registered the hook), while a
# is stuck in its flow: answered 200, committed, not imported yet.
bc_place_order "$admin" orders@acme.example WIDGET-100 2 12.5
for i in $(seq 100); do
    req GET "$admin/admin/state/bigcommerce"
    case $body in *'"status":200'*) break ;; esac
    sleep 0.1
done
case $body in *'"status":200'*) ;; *) fail "the delivery to worker a was not answered 200" ;; esac
grep -q "webhook.bigcommerce:$order" "$work/a.out" &&
    fail "test set-up: worker a imported the order before the kill"
kill -KILL "$pid_a"
wait "$pid_a" 2>/dev/null
req DELETE "$admin/admin/faults/epicor"
ok "a delivery answered 200 by worker a, then worker a SIGKILLed mid-flow"

wait_for_sales_order "$admin" "BC-$order"
# The sales order is in Epicor before b finishes the import and prints it.
for i in $(seq 100); do
    grep -q "webhook.bigcommerce:$order .*created 1," "$work/b.out" && break
    sleep 0.1
done
grep -q "webhook.bigcommerce:$order .*created 1," "$work/b.out" ||
    fail "worker b did not import the order from the queue"
ok "worker b imports the delivery worker a committed"

for i in $(seq 300); do
    curl -s -S --max-time 20 -o "$work/b2.metrics" "$metrics_b" || fail "scrape b"
    [ -n "$(metric "$work/b2.metrics" 'kinsync_flow_runs_total{connection="default",flow="parts.bigcommerce"}')" ] && break
    sleep 0.1
done
[ -n "$(metric "$work/b2.metrics" 'kinsync_flow_runs_total{connection="default",flow="parts.bigcommerce"}')" ] ||
    fail "worker b never took parts.bigcommerce over"
[ "$(metric "$work/b2.metrics" 'kinsync_webhook_queue_pending{connection="default"}')" = 0 ] ||
    fail "worker b's /metrics does not show the webhook queue empty"
run w2 workers --config "$work/b.json"
grep -q "^  $worker_a .* stale$" "$work/w2.out" ||
    fail "kinsync workers does not show worker a stale"
ok "worker b takes the flow over after a's lease expired; a is listed stale"

# Exactly once: one sales order for the order, three products.
req GET "$admin/admin/journal/epicor"
writes=$(printf '%s' "$body" | grep -o '"path":"[^"]*GetNewOrderHed"' | wc -l)
[ "$writes" = 1 ] || fail "$writes sales order writes (want 1)"
req GET "$admin/admin/journal/bigcommerce"
creates=$(printf '%s' "$body" | grep -o '"method":"POST","path":"/stores/scn123/v3/catalog/products"' | wc -l)
[ "$creates" = 3 ] || fail "$creates product creates (want 3)"
ok "nothing written twice: 1 sales order, 3 products"

kill -TERM "$pid_b"
wait "$pid_b"
rc=$?
[ "$rc" = 0 ] || fail "worker b exited $rc after SIGTERM"
exit 0
