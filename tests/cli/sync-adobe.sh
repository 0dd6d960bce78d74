#!/usr/bin/env bash
# cli.sync-adobe: `kinsync sync` with an "adobe" section against the Epicor
# and Adobe Commerce emulators of `kinsync serve`: the section's check
# (unknown keys, auth and deployment that do not fit, missing credentials),
# then the four Adobe flows from the operator's side (vendors to
# companies, the approved PO to one order, the AP invoice to one invoice,
# a placed Adobe order to one Epicor requisition) and a second run that
# writes nothing.
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
