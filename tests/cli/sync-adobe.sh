#!/usr/bin/env bash
# cli.sync-adobe: `kinsync sync` with an "adobe" section against the Epicor
# and Adobe Commerce emulators of `kinsync serve`: the section's check
# (unknown keys, auth and deployment that do not fit, missing credentials),
# then the four Adobe flows from the operator's side (vendors to
# companies, the approved PO to one order, the AP invoice to one invoice,
# a placed Adobe order to one Epicor requisition), a second run that
# writes nothing, and `sync --watch` with the Adobe webhook route: an
# order placed in the emulator, whose required order-placement hook calls
# the receiver, is one Epicor requisition through the hook (the poll is
# not due again), the hook answered {"op":"success"}; unsigned or
# tampered deliveries are refused 401 and make nothing.
#
# usage: sync-adobe.sh KINSYNC_BINARY REPO_ROOT
#
# Exit 0 when every check passes, 1 on the first failure (with the
# programs' stderr), 77 (ctest skip) only when curl is not installed.
set -u

kinsync=${1:?usage: sync-adobe.sh KINSYNC_BINARY REPO_ROOT}
root=${2:?usage: sync-adobe.sh KINSYNC_BINARY REPO_ROOT}
scenario=$root/scenarios/adobe/ap-invoice-before-its-po-waits-in-the-outbox-and-is-written-once-after-the-po-syncs.json
# From the scenario's given.epicor and given.adobe.
epi_pass='Scn-Adobe-Epi-Pa55!'
epi_key=scn-adobe-epicor-key-4d1e
ck=ck_scn_adobe
cs=cs_scn_adobe_secret
at=at_scn_adobe_token
ats=ats_scn_adobe_secret

. "$(dirname "$0")/common.sh"
json="Content-Type: application/json"
cli_setup sync-adobe

act() { # SYSTEM JSON: one action through the admin API
    req POST "$admin/admin/act/$1" -H "$json" --data "$2"
    [ "$status" = 200 ] || fail "act $1: HTTP $status: $body"
}

serve_in_background serve --fixtures "$root/fixtures" --scenario "$scenario"
epicor=$(url_of epicor serve)
adobe=$(url_of adobe serve)
admin=$(url_of admin serve)
[ -n "$epicor" ] && [ -n "$adobe" ] && [ -n "$admin" ] ||
    fail "the ready file lacks a URL"
ok "serve runs epicor and adobe"

cfg=$work/kinsync.json
# write_config ADOBE_MEMBERS: every credential from the state file.
write_config() {
    cat >"$cfg" <<CFG
{
  "state": "state.db",
  "epicor": {"server_url": "$epicor", "instance": "SaaS5333",
             "company": "EPIC06", "auth": "token", "username": "integration",
             "password": {"\$secret": "epicor.password"},
             "api_key": {"\$secret": "epicor.api_key"}},
  "adobe": {"base_url": "$adobe", $1},
  "flows": ["vendors.adobe", "purchase_orders.adobe", "ap_invoices.adobe",
            "requisitions.epicor"]
}
CFG
}
oauth='"consumer_key": "'$ck'",
           "consumer_secret": {"$secret": "adobe.cs"},
           "access_token": {"$secret": "adobe.at"},
           "access_token_secret": {"$secret": "adobe.ats"}'

# ---- the section's check -------------------------------------------------

write_config '"auth": "ims", "colour": 1'
run bad sync --config "$cfg" --once
expect_rc 2 "a bad adobe section"
expect_in '/adobe/colour: unknown key' bad.err "unknown key"
expect_in '/adobe/auth: Adobe Commerce as a Cloud Service (saas) takes IMS' \
    bad.err "ims on paas"
expect_in '/adobe/client_id: missing (required by auth "ims")' bad.err \
    "ims credentials"
write_config '"deployment": "saas", "auth": "ims", "client_id": "c",
           "client_secret": {"$secret": "bad name!"}, "org_id": "o"'
run saas sync --config "$cfg" --once
expect_rc 2 "saas without a tenant, a bad secret name"
expect_in '/adobe/tenant_id: missing (required by deployment saas)' saas.err \
    "saas tenant"
expect_in '/adobe/client_secret: secret name "bad name!" must be' saas.err "secret name"
sed "s|\"base_url\": \"$adobe\"|\"base_url\": \"http://shop.example.com\"|" \
    "$cfg" >"$work/http.json"
run http sync --config "$work/http.json" --once
expect_in '/adobe/base_url: plain http:// to shop.example.com' http.err \
    "adobe over plain http"
write_config "$oauth"
sed 's/"requisitions.epicor"/"requisitions.adobe"/' "$cfg" >"$work/flow.json"
run flow sync --config "$work/flow.json" --once
expect_rc 2 "an unknown flow"
expect_in 'flows.requisitions.adobe: unknown flow' flow.err "unknown flow"
ok "the adobe section: unknown keys, auth/deployment, secrets, http://, flows"

# ---- the flows ------------------------------------------------------------

KINSYNC_STATE_KEY=$(od -An -tx1 -N32 /dev/urandom | tr -d ' \n')
export KINSYNC_STATE_KEY
secret() { # NAME VALUE
    printf '%s\n' "$2" | "$kinsync" secret set "$1" --config "$cfg" \
        >"$work/secret.out" 2>"$work/secret.err" || fail "secret set $1"
}
secret epicor.password "$epi_pass"
secret epicor.api_key "$epi_key"
secret adobe.cs "$cs"
secret adobe.at "$at"
secret adobe.ats "$ats"

act epicor '{"action": "enter_ap_invoice", "args": {"vendor_num": 2,
  "invoice_num": "BM-881", "ref_po_num": 7010, "lines": [{"description":
  "Widgets", "qty": 20, "unit_cost": 1.25, "po_num": 7010, "po_line": 1,
  "part_num": "WIDGET-100", "gl_account": "5100|00|100"}]}}'
act adobe '{"action": "place_order", "args": {"customer_email":
  "buyer@acme.example", "items": [{"sku": "WIDGET-100", "qty": 4}]}}'
run first sync --config "$cfg" --once
expect_rc 0 "the first run"
for flow in vendors.adobe purchase_orders.adobe ap_invoices.adobe \
    requisitions.epicor; do
    expect_in "^$flow " first.out "the first run's $flow line"
done
for flow in vendors.adobe purchase_orders.adobe ap_invoices.adobe \
    requisitions.epicor; do
    grep -E "^$flow .*created [1-9]" "$work/first.out" >/dev/null ||
        fail "the first run's $flow created nothing"
done
grep -F -e "$cs" -e "$ats" -e "$epi_pass" "$work/first.out" "$work/first.err" &&
    fail "a credential was printed"
# The flows run in the table's order, so the invoice found its PO's order
# in the same run. A second run reads the same day again and writes
# nothing.
run second sync --config "$cfg" --once
expect_rc 0 "the second run"
grep -E 'created [1-9]|updated [1-9]' "$work/second.out" &&
    fail "the second run wrote something"
req GET "$admin/admin/state/adobe"
orders=$(printf '%s' "$body" | grep -o '"increment_id":"PO-7010"' | wc -l)
[ "$orders" = 1 ] || fail "Adobe has $orders orders PO-7010"
case $body in
*'"attribute_code":"epicor_invoice","value":"AP-2-BM-881"'*) ;;
*) fail "the Adobe invoice lacks its Epicor reference" ;;
esac
companies=$(printf '%s' "$body" | grep -o '"company_name":' | wc -l)
[ "$companies" = 2 ] || fail "Adobe has $companies vendor companies, not 2"
req GET "$admin/admin/state/epicor"
case $body in
*'"CommentText":"Adobe order 000000001"'*) ;;
*) fail "no Epicor requisition for the Adobe order" ;;
esac
ok "vendors, PO, AP invoice and requisition each written once; a second run writes nothing"

# ---- --watch: the Adobe order-placement hook ------------------------------

# A second `kinsync serve` of the same scenario with the integration token
# taken as a Bearer, so that curl can subscribe hooks, and a state of its
# own: a requisition there can only come from this part.
sed 's/^    "adobe": {$/    "adobe": {"enable_integration_as_bearer": true,/' \
    "$scenario" >"$work/${scenario##*/}"
grep -q enable_integration_as_bearer "$work/${scenario##*/}" ||
    fail "the hooked scenario was not written as meant"
serve_in_background hooked --fixtures "$root/fixtures" \
    --scenario "$work/${scenario##*/}"
epicor=$(url_of epicor hooked)
adobe=$(url_of adobe hooked)
admin=$(url_of admin hooked)
# The emulator makes its signing key pair once a hook is subscribed: an
# invoice-save hook (no invoice is saved here) brings it out before the
# receiver, whose URL the order hook needs, is started.
subscribe() { # METHOD URL REQUIRED
    req POST "$adobe/rest/V1/webhooks/subscribe" -H "$json" \
        -H "Authorization: Bearer $at" --data '{"webhook": {"webhook_method":
  "'"$1"'", "webhook_type": "before", "url": "'"$2"'", "timeout": 5000,
  "required": '"$3"'}}'
    [ "$status" = 200 ] || fail "subscribing $1: HTTP $status: $body"
}
subscribe observer.sales_order_invoice_save http://127.0.0.1:9/unused false
req GET "$admin/admin/state/adobe"
pem=$(printf '%s' "$body" |
    sed -n 's/.*"webhook_public_key":"\([^"]*\)".*/\1/p')
[ -n "$pem" ] || fail "the adobe emulator shows no webhook public key"
printf '%b' "$pem" >"$work/adobe-hook.pem"
# Only the requisitions poll, not due again for 10 minutes after its first
# round: the requisition must come through the hook.
cfg=$work/watch.json
cat >"$cfg" <<CFG
{
  "state": "watch-state.db",
  "receiver": {"bind": "127.0.0.1", "port": 0},
  "epicor": {"server_url": "$epicor", "instance": "SaaS5333",
             "company": "EPIC06", "auth": "token", "username": "integration",
             "password": {"\$secret": "epicor.password"},
             "api_key": {"\$secret": "epicor.api_key"}},
  "adobe": {"base_url": "$adobe", $oauth,
            "webhook_public_key_file": "adobe-hook.pem"},
  "flows": {"requisitions.epicor": {"every_s": 600}}
}
CFG
secret epicor.password "$epi_pass"
secret epicor.api_key "$epi_key"
secret adobe.cs "$cs"
secret adobe.at "$at"
secret adobe.ats "$ats"
sed 's/"webhook_public_key_file": "adobe-hook.pem"/&, "webhook_secret": "s"/' \
    "$cfg" >"$work/both.json"
run both sync --config "$work/both.json" --once
expect_rc 2 "both webhook keys"
expect_in '/adobe/webhook_secret: give webhook_public_key_file' both.err \
    "both webhook keys"
watch_in_background --config "$cfg"

hook='{"eventName":"observer.sales_order_place_before","data":{"order":{"increment_id":"000000777","items":[{"sku":"WIDGET-100","qty_ordered":1}]}}}'
req POST "$receiver/webhooks/adobe" -H "$json" --data "$hook"
[ "$status" = 401 ] || fail "an unsigned Adobe hook: HTTP $status (want 401)"
req POST "$receiver/webhooks/adobe" -H "$json" \
    -H "x-adobe-commerce-webhook-signature: $(printf '%s' "$hook" | base64 -w0)" \
    --data "$hook"
[ "$status" = 401 ] || fail "a forged signature: HTTP $status (want 401)"
req POST "$receiver/webhooks/nobody/adobe" -H "$json" --data "$hook"
[ "$status" = 404 ] || fail "an Adobe hook on an unknown route: HTTP $status"

subscribe observer.sales_order_place "$receiver/webhooks/adobe" true
act adobe '{"action": "place_order", "args": {"customer_email":
  "buyer@acme.example", "items": [{"sku": "WIDGET-100", "qty": 2}]}}'
case $body in
*'"placed":false'*) fail "the required hook aborted the order: $body" ;;
esac
inc=$(printf '%s' "$body" | sed -n 's/.*"increment_id":"\([0-9]*\)".*/\1/p')
[ -n "$inc" ] || fail "place_order gave no increment_id: $body"
# requisitions COMMENT: how many ReqHead rows carry that CommentText, by
# OData (the snapshot lists each table twice: entity set and fixture key).
requisitions() {
    req GET "$epicor/SaaS5333/api/v2/odata/EPIC06/Erp.BO.ReqSvc/Reqs?\$filter=CommentText%20eq%20'${1// /%20}'&\$select=ReqNum" \
        -u "integration:$epi_pass" -H "x-api-key: $epi_key"
    [ "$status" = 200 ] || fail "reading the requisitions: HTTP $status: $body"
    printf '%s' "$body" | grep -o '"ReqNum":' | wc -l
}
reqs=0
for i in $(seq 300); do
    reqs=$(requisitions "Adobe order $inc")
    [ "$reqs" -ge 1 ] && break
    sleep 0.1
done
[ "$reqs" = 1 ] || fail "Adobe order $inc is $reqs Epicor requisitions, not 1"
req GET "$admin/admin/state/adobe"
case $body in
*'"outcome":"success"'*) ;;
*) fail "the emulator did not read the receiver's answer as success: $body" ;;
esac
grep -q "^webhook.adobe:$inc " "$work/watch.out" ||
    fail "sync --watch printed no webhook.adobe:$inc line"
printf '%s' "$body" | grep -q '"increment_id":"000000777"' &&
    fail "the refused delivery's order exists"
kill -TERM "$watch_pid" || fail "cannot signal sync --watch"
wait "$watch_pid"
reqs=$(requisitions "Adobe order $inc")
[ "$reqs" = 1 ] || fail "after --watch stopped, $reqs requisitions for $inc"
reqs=$(requisitions "Adobe order 000000777")
[ "$reqs" = 0 ] || fail "a refused delivery became a requisition"
ok "--watch: the Adobe order-placement hook is one requisition, answered {\"op\":\"success\"}; unsigned and tampered hooks are refused"
