#!/usr/bin/env bash
# cli.sync: `kinsync sync`, `kinsync secret`, `kinsync outbox [list|retry]`
# and its deprecated alias `kinsync replay-failed` against the emulators of
# `kinsync serve`, the way an operator would run the connector against real endpoints.
#
# usage: sync.sh KINSYNC_BINARY REPO_ROOT
#
# Exit 0 when every check passes, 1 on the first failure (with the
# programs' stderr), 77 (ctest skip) only when curl is not installed.
set -u

kinsync=${1:?usage: sync.sh KINSYNC_BINARY REPO_ROOT}
root=${2:?usage: sync.sh KINSYNC_BINARY REPO_ROOT}
scenario=$root/scenarios/sync/webhook-order-and-its-duplicate-delivery-make-one-sales-order.json
wc_scenario=$root/scenarios/sync/woocommerce-order-and-refund-recorded-once.json
fixtures=$root/fixtures
# From the first scenario's given.epicor and given.bigcommerce, and the
# second one's given.woocommerce (served by a second instance).
epi_user=integration
epi_pass='Scn-Sync-Pa55!'
epi_key=scn-sync-epicor-key-51c2
bc_token=tok_scn_sync_8e1d
bc_secret=cs_scn_sync_hook_33f0
wc_key=ck_scn_sync
wc_secret=cs_scn_sync_wc_7a2b
wc_hook=whsec_cli_sync_51e0f3 # the connector registers hooks with it
secrets=("$epi_pass" "$epi_key" "$bc_token" "$bc_secret" "$wc_key"
    "$wc_secret" "$wc_hook")

. "$(dirname "$0")/common.sh"
json="Content-Type: application/json" # the only body type the admin API takes
cli_setup sync
# What most accounts have, so that files would come out 0644 unless
# kinsync makes them private.
umask 022

# A random 256-bit state key, hex (openssl when present, else urandom).
new_key() {
    if command -v openssl >/dev/null 2>&1; then
        openssl rand -hex 32
    else
        od -An -tx1 -N32 /dev/urandom | tr -d ' \n'
    fi
}

# ---- usage errors, before any server ------------------------------------

run nocfg sync
expect_rc 2 "sync without --config"
expect_in '--config' nocfg.err "sync without --config"
run bogus sync --config x.json --bogus
expect_rc 2 "sync --bogus"
expect_in '--bogus' bogus.err "sync --bogus"
run both sync --config x.json --once --watch
expect_rc 2 "--once --watch"
run help sync --help
expect_rc 0 "sync --help"
for word in --config --once --watch --log '$secret' key_env key_file \
    /webhooks/bigcommerce /webhooks/woocommerce every_s public_url; do
    expect_in "$word" help.out "sync --help"
done
run shelp secret --help
expect_rc 0 "secret --help"
expect_in stdin shelp.out "secret --help"
run onvalue secret set some.name extra --config x.json
expect_rc 2 "secret set with a value on the command line"
expect_in stdin onvalue.err "secret set with a value on the command line"
ok "usage errors exit 2 and name the problem; --help explains the options"

# ---- the emulators ------------------------------------------------------

# serve_start NAME ARGS...: `kinsync serve --fixtures DIR ARGS` in the
# background (common.sh's serve_in_background).
serve_start() {
    local name=$1
    shift
    serve_in_background "$name" --fixtures "$fixtures" "$@"
}
serve_start serve --scenario "$scenario"
serve_start wserve --scenario "$wc_scenario" --system woocommerce
epicor=$(url_of epicor serve)
bigcommerce=$(url_of bigcommerce serve)
admin=$(url_of admin serve)
woocommerce=$(url_of woocommerce wserve)
wadmin=$(url_of admin wserve)
[ -n "$epicor" ] && [ -n "$bigcommerce" ] && [ -n "$admin" ] &&
    [ -n "$woocommerce" ] && [ -n "$wadmin" ] || fail "ready file lacks a URL"
ok "serve runs epicor, bigcommerce and (a second one) woocommerce"

# ---- configuration errors -----------------------------------------------

cfg=$work/kinsync.json
# write_config EXTRA_TOP_LEVEL_MEMBERS: the configuration, every
# credential read from the state file.
write_config() {
    cat >"$cfg" <<EOF
{
  "state": "state.db",
  "epicor": {"server_url": "$epicor", "instance": "SaaS5333",
             "company": "EPIC06", "auth": "basic", "username": "$epi_user",
             "password": {"\$secret": "epicor.password"},
             "api_key": {"\$secret": "epicor.api_key"}},
  "bigcommerce": {"base_url": "$bigcommerce", "store_hash": "scn123",
                  "access_token": {"\$secret": "bigcommerce.token"},
                  "client_secret": {"\$secret": "bigcommerce.hook"}},
  "woocommerce": {"base_url": "$woocommerce",
                  "consumer_key": {"\$secret": "woocommerce.key"},
                  "consumer_secret": {"\$secret": "woocommerce.secret"},
                  "webhook_secret": {"\$secret": "woocommerce.hook"}},
  "flows": {"parts.bigcommerce": {"every_s": 600},
            "parts.woocommerce": {"every_s": 600},
            "customers.woocommerce": {"every_s": 600},
            "orders.bigcommerce": {"every_s": 600},
            "orders.woocommerce": {"every_s": 600},
            "refunds.woocommerce": {"every_s": 600}},
  "receiver": {"bind": "127.0.0.1", "port": 0, "register": true},
  "http": {"timeout_ms": 30000, "max_attempts": 4, "max_delay_ms": 5000}$1
}
EOF
}

write_config ', "colour": true'
run unknown sync --config "$cfg"
expect_rc 2 "unknown top-level key"
expect_in colour unknown.err "unknown top-level key"
sed 's/"store_hash": "scn123",//' "$cfg" >"$work/missing.json"
run missing sync --config "$work/missing.json"
expect_rc 2 "missing store_hash"
expect_in 'bigcommerce.store_hash' missing.err "missing store_hash"
echo '[1, 2]' >"$work/array.json"
run array sync --config "$work/array.json"
expect_rc 2 "a config that is not an object"
expect_in 'object' array.err "a config that is not an object"
sed 's/"every_s": 600}, *$/"every_s": 0},/' "$cfg" >"$work/cadence.json"
run cadence sync --config "$work/cadence.json"
expect_rc 2 "every_s 0"
expect_in 'every_s' cadence.err "every_s 0"
sed 's/"max_attempts": 4/"max_attempts": 0/' "$cfg" >"$work/attempts.json"
run attempts sync --config "$work/attempts.json"
expect_rc 2 "http.max_attempts 0"
expect_in 'http.max_attempts' attempts.err "http.max_attempts 0"
# The licence waits: bounded, each refused by name with its range.
sed 's/"company": "EPIC06",/"company": "EPIC06", "license_retries": 21, "license_retry_wait_ms": -5,/' \
    "$cfg" >"$work/licence.json"
grep -q license_retries "$work/licence.json" ||
    fail "test set-up: the licence keys were not written"
run licence sync --config "$work/licence.json"
expect_rc 2 "epicor.license_retries 21"
expect_in 'epicor.license_retries: must be a whole number 0..20' licence.err \
    "license_retries out of range"
expect_in 'epicor.license_retry_wait_ms: must be a whole number 0..300000' \
    licence.err "license_retry_wait_ms out of range"
sed "s/\"password\": {\"\\\$secret\": \"epicor.password\"}/\"password\": \"$epi_pass\", \"pasword\": 1/" \
    "$cfg" >"$work/plain.json"
grep -q -F "\"password\": \"$epi_pass\"" "$work/plain.json" ||
    fail "test set-up: the plain-text config was not written"
run plain sync --config "$work/plain.json"
expect_rc 2 "a misspelt key next to a plain-text password"
expect_in 'epicor.pasword: unknown key' plain.err "misspelt key"
expect_in 'epicor.password is kept in plain text' plain.err "plain-text warning"
grep -q -F -- "$epi_pass" "$work/plain.err" && fail "the warning shows the password"
sed 's/"max_attempts": 4/"max_attempts": 4, "ca_file": "no-such-ca.pem"/' "$cfg" \
    >"$work/cafile.json"
grep -q no-such-ca "$work/cafile.json" ||
    fail "test set-up: the ca_file config was not written"
run cafile sync --config "$work/cafile.json"
expect_rc 2 "an unreadable http.ca_file"
expect_in 'http.ca_file: cannot read' cafile.err "unreadable http.ca_file"
ok "unknown keys, missing fields, a non-object file, bad cadences: exit 2, named"
ok "a plain-text credential is warned about without being shown"

# The transport rule: plain http:// to a host that is not loopback carries
# credentials in clear text, so it is refused unless the section allows it.
write_config ''
sed 's|"server_url": "[^"]*"|"server_url": "http://erp.example.com"|; s|"base_url": "'"$woocommerce"'"|"base_url": "http://shop.example.com"|' \
    "$cfg" >"$work/http.json"
grep -q 'http://shop.example.com' "$work/http.json" ||
    fail "test set-up: the http:// config was not written"
run http sync --config "$work/http.json"
expect_rc 2 "plain http:// to a remote host"
expect_in 'epicor.server_url: plain http:// to erp.example.com' http.err \
    "epicor over plain http"
expect_in 'woocommerce.base_url: plain http:// to shop.example.com' http.err \
    "woocommerce over plain http"
expect_in 'allow_insecure_http' http.err "the override is named"
sed 's|"company": "EPIC06",|"company": "EPIC06", "allow_insecure_http": true,|; s|"consumer_key":|"allow_insecure_http": true, "consumer_key":|' \
    "$work/http.json" >"$work/http-allowed.json"
run httpok outbox --config "$work/http-allowed.json"
expect_rc 0 "plain http:// with allow_insecure_http"
[ "$(grep -c 'warning: .*plain http://' "$work/httpok.err")" = 2 ] ||
    fail "allow_insecure_http: not one warning per URL"
sed 's|"server_url": "[^"]*"|"server_url": "http://[::ffff:127.0.0.1]:9"|' \
    "$cfg" >"$work/http-loop.json"
run httploop outbox --config "$work/http-loop.json"
expect_rc 0 "plain http:// to loopback"
grep -q 'plain http' "$work/httploop.err" && fail "loopback http:// warned about"
ok "plain http:// to a remote host is refused unless allowed (then warned)"

write_config ''
unset KINSYNC_STATE_KEY
run nokey sync --config "$cfg" --once
expect_rc 1 "sync with \$secret references and no key"
expect_in 'openssl rand -hex 32' nokey.err "sync without a key"
printf '%s\n' "$epi_pass" |
    "$kinsync" secret set epicor.password --config "$cfg" \
        >"$work/setnokey.out" 2>"$work/setnokey.err"
rc=$?
expect_rc 1 "secret set without a key"
expect_in KINSYNC_STATE_KEY setnokey.err "secret set without a key"
ok "without a state key: exit 1, saying how to make one"

# ---- secrets ------------------------------------------------------------

KINSYNC_STATE_KEY=$(new_key)
export KINSYNC_STATE_KEY
run unset sync --config "$cfg" --once
expect_rc 1 "sync before the secrets are stored"
expect_in 'kinsync secret set' unset.err "sync before the secrets are stored"

set_secret() {
    printf '%s\n' "$2" | "$kinsync" secret set "$1" --config "$cfg" \
        >"$work/set.out" 2>"$work/set.err"
    [ $? = 0 ] || fail "secret set $1"
}
set_secret epicor.password "$epi_pass"
set_secret epicor.api_key "$epi_key"
set_secret bigcommerce.token "$bc_token"
set_secret bigcommerce.hook "$bc_secret"
set_secret woocommerce.key "$wc_key"
set_secret woocommerce.secret "$wc_secret"
set_secret woocommerce.hook "$wc_hook"
printf '\n' | "$kinsync" secret set empty.one --config "$cfg" \
    >"$work/empty.out" 2>"$work/empty.err"
rc=$?
expect_rc 1 "secret set with an empty value"
expect_in empty empty.err "secret set with an empty value"
for s in "${secrets[@]}"; do
    cat "$work"/state.db* | grep -q -a -F -- "$s" &&
        fail "a secret is in plain text in the state file"
done
ok "secret set stores each credential encrypted; an empty value is refused"

# ---- sync --once --------------------------------------------------------

log=$work/sync.log
run once1 sync --config "$cfg" --once --log "$log"
expect_rc 0 "first sync --once"
grep -q '^parts.bigcommerce .*created 3,' "$work/once1.out" ||
    fail "first run: parts.bigcommerce did not create 3"
grep -q '^parts.woocommerce .*created 3,' "$work/once1.out" ||
    fail "first run: parts.woocommerce did not create 3"
expect_in '^summary: 6 flows, 6 ok, 0 failed' once1.out "first run summary"
for state in "$admin/admin/state/bigcommerce" "$wadmin/admin/state/woocommerce"; do
    req GET "$state"
    for sku in WIDGET-100 WIDGET-200 GADGET-1; do
        case $body in
        *"\"sku\":\"$sku\""*) ;;
        *) fail "$state has no product $sku after the sync" ;;
        esac
    done
done
ok "sync --once creates the three products in BigCommerce and WooCommerce"

creates() {
    req GET "$admin/admin/journal/bigcommerce"
    printf '%s' "$body" | grep -o '"method":"POST","path":"/stores/scn123/v3/catalog/products"' | wc -l
}
before=$(creates)
run once2 sync --config "$cfg" --once --log "$log"
expect_rc 0 "second sync --once"
grep -q '^parts.bigcommerce .*read 0, created 0,' "$work/once2.out" ||
    fail "second run read or created something in BigCommerce"
grep -q '^parts.woocommerce .*read 0, created 0,' "$work/once2.out" ||
    fail "second run read or created something in WooCommerce"
[ "$(creates)" = "$before" ] || fail "the second run sent product creates"
ok "a second run creates nothing (summary and journal agree)"

grep -q 'requests, [0-9]* s' "$work/once1.err" &&
    fail "a progress line was drawn although stderr is not a terminal"
if command -v script >/dev/null 2>&1; then
    # script(1) gives the command a terminal as stderr; what it draws there
    # lands in the transcript, stdout in $work/tty.out.
    script -q -e -c "'$kinsync' sync --config '$cfg' --once >'$work/tty.out'" "$work/tty.typescript" >/dev/null 2>&1 </dev/null
    rc=$?
    expect_rc 0 "sync --once on a terminal"
    grep -q '\[parts.bigcommerce\] [0-9]* requests, [0-9]* s' "$work/tty.typescript" ||
        fail "no progress line on a terminal"
    ok "a progress line on a terminal, none otherwise"
else
    ok "a progress line only on a terminal (terminal half skipped: no script(1))"
fi

KINSYNC_STATE_KEY=$(new_key) run wrongkey sync --config "$cfg" --once
expect_rc 1 "sync with the wrong key"
expect_in 'the state key does not match this state file' wrongkey.err \
    "wrong key"
ok "a wrong key is exit 1 with a clear message"

# The key decrypts every secret: a key_file others may read is refused,
# unless key_file_mode_check is false (then one warning).
printf '%s\n' "$KINSYNC_STATE_KEY" >"$work/state.key"
chmod 644 "$work/state.key"
write_config ', "key_file": "state.key"'
run keyshared sync --config "$cfg" --once
expect_rc 1 "a world-readable key_file"
expect_in 'key_file .*state.key can be read by group or others (mode 0644)' \
    keyshared.err "a world-readable key_file"
expect_in 'chmod 600' keyshared.err "the fix is named"
expect_in key_file_mode_check keyshared.err "the override is named"
write_config ', "key_file": "state.key", "key_file_mode_check": false'
run keywarn sync --config "$cfg" --once
expect_rc 0 "a world-readable key_file with key_file_mode_check false"
[ "$(grep -c 'can be read by group or others' "$work/keywarn.err")" = 1 ] ||
    fail "key_file_mode_check false: not exactly one warning"
chmod 600 "$work/state.key"
write_config ', "key_file": "state.key"'
run keyprivate sync --config "$cfg" --once
expect_rc 0 "a private key_file"
grep -q 'group or others' "$work/keyprivate.err" && fail "a private key warned"
write_config ''
ok "a key_file others may read is refused; the override warns once"

# The state file and the log are private whatever the umask (the WAL and
# its index, gone after a clean close, are checked while --watch runs).
private() {
    local f mode
    for f in "$@"; do
        [ -f "$f" ] || fail "$f missing"
        mode=$(stat -c %a "$f")
        [ "$mode" = 600 ] || fail "$f has mode $mode, not 600 (umask $(umask))"
    done
}
private "$work/state.db" "$log"
ok "state file and log are created 0600"


# ---- --watch: a webhook order becomes a sales order ---------------------

# --watch prunes at start (then daily): with sqlite3 at hand, age what the
# runs so far recorded by a year, so that there is something to prune.
aged=
if command -v sqlite3 >/dev/null 2>&1; then
    sqlite3 "$work/state.db" "UPDATE audit SET at_ms = at_ms - 31536000000;
        UPDATE intents SET done_ms = done_ms - 31536000000 WHERE state = 2;" ||
        fail "sqlite3 could not age the state file"
    aged=1
fi
"$kinsync" sync --config "$cfg" --watch --log "$log" \
    >"$work/watch.out" 2>"$work/watch.err" </dev/null &
watch_pid=$!
pids+=("$watch_pid")
receiver=
for i in $(seq 100); do
    receiver=$(awk '$1 == "receiver" { print $2 }' "$work/watch.out")
    [ -n "$receiver" ] && grep -q watching "$work/watch.err" && break
    kill -0 "$watch_pid" 2>/dev/null || fail "sync --watch exited early"
    sleep 0.1
done
[ -n "$receiver" ] || fail "sync --watch printed no receiver URL in 10 s"

req POST "$receiver/webhooks/bigcommerce" \
    -H 'webhook-id: msg_forged' -H "webhook-timestamp: $(date +%s)" \
    -H 'webhook-signature: v1,Zm9yZ2Vk' \
    --data-binary '{"scope":"store/order/created","store_id":"1","data":{"type":"order","id":1}}'
[ "$status" = 401 ] || fail "a forged webhook got $status (want 401)"
head -c 1100000 /dev/zero | tr '\0' x >"$work/big.body"
req POST "$receiver/webhooks/bigcommerce" --data-binary @"$work/big.body"
[ "$status" = 413 ] || fail "an oversized webhook got $status (want 413)"
req POST "$receiver/webhooks/woocommerce" -H 'X-WC-Webhook-Topic: order.created' \
    -H 'X-WC-Webhook-Delivery-ID: 1' -H 'X-WC-Webhook-Signature: Zm9yZ2Vk' \
    --data-binary '{"id":1}'
[ "$status" = 401 ] || fail "a forged WooCommerce webhook got $status (want 401)"
ok "the receiver at $receiver refuses forged (401) and oversized (413) deliveries"

req POST "$admin/admin/act/bigcommerce" -H "$json" --data-binary '{"action":"place_order","args":{
    "customer":{"email":"orders@acme.example","first_name":"Ann","last_name":"Lee"},
    "billing_address":{"email":"orders@acme.example","first_name":"Ann","last_name":"Lee"},
    "shipping_cost":7.25,
    "products":[{"sku":"WIDGET-100","quantity":3,"price":12.5},
                {"sku":"GADGET-1","quantity":1,"price":149}]}}'
[ "$status" = 200 ] || fail "place_order: HTTP $status: $body"
order=$(printf '%s' "$body" | sed -n 's/^{"result":{"id":\([0-9][0-9]*\).*/\1/p')
[ -n "$order" ] || fail "place_order: no order id in $body"
# The flows' cadence is 600 s and both ran at start, so only the webhook
# (delivered by serve's 200 ms pump) can bring the order in this soon.
wait_for_sales_order "$admin" "BC-$order"
ok "an order placed in BigCommerce reaches Epicor as BC-$order through the webhook"

# BigCommerce sends the same event again: answered 200, no second order.
req POST "$admin/admin/act/bigcommerce" -H "$json" --data-binary '{"action":"redeliver_last","args":{}}'
[ "$status" = 200 ] || fail "redeliver_last: HTTP $status: $body"
req POST "$admin/admin/pump/bigcommerce"
req GET "$admin/admin/state/bigcommerce"
last=$(printf '%s' "$body" | grep -o '"status":[0-9]*' | tail -n 1)
[ "$last" = '"status":200' ] || fail "the duplicate delivery was answered $last"
req GET "$admin/admin/journal/epicor"
writes=$(printf '%s' "$body" | grep -o '"path":"[^"]*GetNewOrderHed"' | wc -l)
[ "$writes" = 1 ] || fail "$writes sales order writes after the duplicate (want 1)"
ok "a duplicate delivery is answered 200 and writes nothing"
private "$work/state.db" "$work/state.db-wal" "$work/state.db-shm"
ok "while sync --watch runs, its WAL and shared-memory files are 0600 too"
if [ -n "$aged" ]; then
    grep -Eq 'kinsync sync: pruned [1-9][0-9]* audit entr(y|ies) and [0-9]+ completed intents? older than 90 days' \
        "$work/watch.err" || fail "sync --watch did not prune at start"
    ok "sync --watch prunes audit entries and intents older than 90 days"
else
    ok "sync --watch prunes at start (not checked: no sqlite3 to age rows)"
fi

req POST "$wadmin/admin/act/woocommerce" -H "$json" --data-binary '{"action":"place_order","args":{
    "billing":{"email":"orders@acme.example","first_name":"Ann"},
    "line_items":[{"sku":"GADGET-1","quantity":2,"price":149}]}}'
[ "$status" = 200 ] || fail "woocommerce place_order: HTTP $status: $body"
worder=$(printf '%s' "$body" | sed -n 's/^{"result":{"id":\([0-9][0-9]*\).*/\1/p')
[ -n "$worder" ] || fail "woocommerce place_order: no order id in $body"
wait_for_sales_order "$admin" "WC-$worder"
req GET "$wadmin/admin/state/woocommerce"
case $body in
*"\"delivery_url\":\"$receiver/webhooks/woocommerce\""*) ;;
*) fail "woocommerce has no hook pointing at the receiver: $body" ;;
esac
ok "a WooCommerce order reaches Epicor as WC-$worder through the signed webhook"

kill -TERM "$watch_pid" || fail "cannot signal sync --watch"
for i in $(seq 150); do
    kill -0 "$watch_pid" 2>/dev/null || break
    sleep 0.1
done
kill -0 "$watch_pid" 2>/dev/null && fail "sync --watch still runs 15 s after SIGTERM"
wait "$watch_pid"
rc=$?
expect_rc 0 "sync --watch after SIGTERM"
expect_in '^summary: ' watch.out "--watch summary"
expect_in "^webhook.bigcommerce:$order .*created 1," watch.out "--watch import line"
expect_in 'refused' watch.err "--watch reports the refused deliveries"
ok "SIGTERM ends --watch with exit 0 and a summary"

# ---- outbox and replay ----------------------------------------------------

run outbox outbox --config "$cfg"
expect_rc 0 "outbox"
expect_in '^0 pending' outbox.out "outbox on an empty outbox"
run outboxl outbox list --config="$cfg"
expect_rc 0 "outbox list"
cmp -s "$work/outbox.out" "$work/outboxl.out" || fail "outbox list differs from outbox"
run replay outbox retry --config "$cfg"
expect_rc 0 "outbox retry on an empty outbox"
expect_in '0 still waiting' replay.out "outbox retry"
[ -s "$work/replay.err" ] && fail "outbox retry wrote to stderr"
run alias replay-failed --config "$cfg"
expect_rc 0 "replay-failed on an empty outbox"
expect_in '0 still waiting' alias.out "replay-failed"
[ "$(wc -l <"$work/alias.err")" = 1 ] || fail "replay-failed: not one line on stderr"
expect_in 'replay-failed.*deprecated.*kinsync outbox retry' alias.err \
    "replay-failed names its replacement"
run badaction outbox retyr --config "$cfg"
expect_rc 2 "outbox with an unknown action"
expect_in 'retyr' badaction.err "outbox with an unknown action"
run retryflow outbox retry --flow orders.bigcommerce --config "$cfg"
expect_rc 2 "outbox retry --flow"
expect_in '--flow' retryflow.err "outbox retry --flow"
run ohelp outbox --help
expect_rc 0 "outbox --help"
for word in list retry --config --flow --help replay-failed; do
    expect_in "$word" ohelp.out "outbox --help"
done
ok "outbox, outbox list and outbox retry on an empty outbox exit 0; replay-failed warns once and retries"

# An order with a SKU Epicor does not know waits in the outbox; once the
# part exists, outbox retry writes it.
req POST "$admin/admin/act/bigcommerce" -H "$json" --data-binary '{"action":"place_order","args":{
    "customer":{"email":"orders@acme.example","first_name":"Ann","last_name":"Lee"},
    "billing_address":{"email":"orders@acme.example","first_name":"Ann","last_name":"Lee"},
    "products":[{"sku":"WEB-GADGET","quantity":1,"price":149}]}}'
[ "$status" = 200 ] || fail "place_order WEB-GADGET: HTTP $status: $body"
border=$(printf '%s' "$body" | sed -n 's/^{"result":{"id":\([0-9][0-9]*\).*/\1/p')
[ -n "$border" ] || fail "place_order WEB-GADGET: no order id in $body"
run once3 sync --config "$cfg" --once
expect_rc 0 "sync --once with an order that goes to the outbox"
grep -q '^orders.bigcommerce .*failed 1,' "$work/once3.out" ||
    fail "orders.bigcommerce did not count the unmappable order as failed"
expect_in '^outbox: 1 pending' once3.out "the summary reports the outbox"
run outbox1 outbox --config "$cfg"
expect_rc 0 "outbox with one item"
grep -q "orders.bigcommerce.*BC-$border .*unknown SKU 'WEB-GADGET'" \
    "$work/outbox1.out" || fail "outbox does not list BC-$border and why"
expect_in '^1 pending' outbox1.out "outbox count"
run replay1 outbox retry --config "$cfg"
expect_rc 0 "outbox retry while the SKU is still unknown"
expect_in '0 resolved, 1 still waiting' replay1.out "outbox retry, SKU unknown"
req POST "$admin/admin/act/epicor" -H "$json" --data-binary \
    '{"action":"add_part","args":{"PartNum":"WEB-GADGET","PartDescription":"Web gadget","UnitPrice":149}}'
[ "$status" = 200 ] || fail "add_part: HTTP $status: $body"
run replay2 outbox retry --config="$cfg"
expect_rc 0 "outbox retry once the part exists"
expect_in '1 resolved, 0 still waiting' replay2.out "outbox retry, part added"
req GET "$admin/admin/state/epicor"
case $body in
*"\"PONum\":\"BC-$border\""*) ;;
*) fail "no Epicor sales order BC-$border after the replay" ;;
esac
ok "an unmappable order waits in the outbox, is listed, and outbox retry writes it once fixed"

# ---- retention: kinsync audit prune ---------------------------------------

sos() {
    req GET "$admin/admin/state/epicor"
    printf '%s' "$body" | grep -o '"PONum":"[^"]*"' | sort | uniq -c
}
sos_before=$(sos)
run prune0 audit prune --config "$cfg"
expect_rc 0 "audit prune with the default retention"
expect_in '^pruned 0 audit entries and 0 completed intents older than 90 days' \
    prune0.out "nothing is 90 days old"
run prune1 audit prune --config "$cfg" --older-than 0
expect_rc 0 "audit prune --older-than 0"
grep -Eq '^pruned [1-9][0-9]* audit entr(y|ies) and [1-9][0-9]* completed intents? older than 0 days' \
    "$work/prune1.out" || fail "audit prune --older-than 0 pruned nothing"
run prune2 audit prune --config "$cfg" --older-than 0
expect_in '^pruned 0 audit entries and 0 completed intents' prune2.out \
    "a second prune finds nothing"
run prunebad audit prune --config "$cfg" --older-than 3651
expect_rc 2 "--older-than 3651"
expect_in 'older-than' prunebad.err "--older-than 3651"
run prunenone audit --config "$cfg"
expect_rc 2 "audit without an action"
run afterprune sync --config "$cfg" --once
expect_rc 0 "sync --once after pruning every intent"
[ "$(sos)" = "$sos_before" ] ||
    fail "sales orders changed after pruning: $sos_before / $(sos)"
ok "audit prune deletes old entries and completed intents; nothing is written twice after"

run del secret delete bigcommerce.hook --config "$cfg"
expect_rc 0 "secret delete"
run del2 secret delete bigcommerce.hook --config "$cfg"
expect_rc 1 "secret delete of a missing name"
expect_in 'no secret' del2.err "secret delete of a missing name"
ok "secret delete removes a secret; a second delete is exit 1"

# ---- no secret anywhere it could leak -------------------------------------

[ -s "$log" ] || fail "the log file is empty"
grep -q 'X-Auth-Token: (redacted)' "$log" ||
    fail "the log file does not show redacted requests"
for s in "${secrets[@]}"; do
    for f in "$log" "$work"/*.out "$work"/*.err; do
        grep -q -F -- "$s" "$f" && fail "a secret appears in $(basename "$f")"
    done
done
ok "no secret appears in the log file or any output"
exit 0
