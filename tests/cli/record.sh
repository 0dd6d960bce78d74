#!/usr/bin/env bash
# cli.record: the whole record -> replay loop with `kinsync serve` standing
# in for the real systems. `kinsync record` proxies a `kinsync sync --once`
# run to Epicor, BigCommerce and WooCommerce emulators; the HAR must hold
# no credential and no original personal value (e-mail addresses, names),
# in bodies and in URLs (searches, filters by name, OData $filter);
# `kinsync replay --mode strict` of that HAR must then answer a second
# sync, on a fresh state, with the same results and nothing unmatched.
#
# usage: record.sh KINSYNC_BINARY REPO_ROOT
set -u

kinsync=${1:?usage: record.sh KINSYNC_BINARY REPO_ROOT}
root=${2:?usage: record.sh KINSYNC_BINARY REPO_ROOT}
scenario=$root/scenarios/sync/webhook-order-and-its-duplicate-delivery-make-one-sales-order.json
wc_scenario=$root/scenarios/sync/woocommerce-order-and-refund-recorded-once.json
fixtures=$root/fixtures
epi_user=integration
epi_pass='Scn-Sync-Pa55!'
epi_key=scn-sync-epicor-key-51c2
bc_token=tok_scn_sync_8e1d
bc_secret=cs_scn_sync_hook_33f0
wc_key=ck_scn_sync
wc_secret=cs_scn_sync_wc_7a2b
wc_hook=whsec_cli_record_51e0f3
secrets=("$epi_pass" "$epi_key" "$bc_token" "$bc_secret" "$wc_key"
    "$wc_secret" "$wc_hook")

. "$(dirname "$0")/common.sh"
cli_setup record

# start NAME COMMAND ARGS...: kinsync COMMAND in the background with the
# ready file $work/NAME.ready (waited for at most 10 s); its pid in $last.
start() {
    local name=$1 i
    shift
    KINSYNC_SERVE_READY_FILE=$work/$name.ready "$kinsync" "$@" \
        >"$work/$name.out" 2>"$work/$name.err" &
    last=$!
    pids+=("$last")
    for i in $(seq 100); do
        [ -s "$work/$name.ready" ] && return 0
        kill -0 "$last" 2>/dev/null || fail "$name: exited early"
        sleep 0.1
    done
    fail "$name: no ready file after 10 s"
}
# stop PID: SIGTERM, at most 10 s, exit status 0.
stop() {
    local i rc
    kill -TERM "$1"
    for i in $(seq 100); do kill -0 "$1" 2>/dev/null || break; sleep 0.1; done
    wait "$1"
    rc=$?
    [ "$rc" = 0 ] || fail "pid $1 exited $rc after SIGTERM"
}
url_of() { awk -v n="$1" '$1 == n { print $2 }' "$work/$2.ready"; }

# write_config FILE STATE EPICOR BIGCOMMERCE WOOCOMMERCE
write_config() {
    cat >"$1" <<EOF2
{
  "state": "$2",
  "epicor": {"server_url": "$3", "instance": "SaaS5333",
             "company": "EPIC06", "auth": "basic", "username": "$epi_user",
             "password": {"\$secret": "epicor.password"},
             "api_key": {"\$secret": "epicor.api_key"}},
  "bigcommerce": {"base_url": "$4", "store_hash": "scn123",
                  "access_token": {"\$secret": "bigcommerce.token"},
                  "client_secret": {"\$secret": "bigcommerce.hook"}},
  "woocommerce": {"base_url": "$5",
                  "consumer_key": {"\$secret": "woocommerce.key"},
                  "consumer_secret": {"\$secret": "woocommerce.secret"},
                  "webhook_secret": {"\$secret": "woocommerce.hook"}},
  "flows": {"parts.bigcommerce": {"every_s": 600},
            "parts.woocommerce": {"every_s": 600},
            "customers.woocommerce": {"every_s": 600},
            "orders.bigcommerce": {"every_s": 600},
            "orders.woocommerce": {"every_s": 600},
            "refunds.woocommerce": {"every_s": 600}},
  "http": {"timeout_ms": 30000, "max_attempts": 4, "max_delay_ms": 5000}
}
EOF2
}
# secrets_into CONFIG: every credential stored in CONFIG's state file.
secrets_into() {
    local pair
    for pair in "epicor.password=$epi_pass" "epicor.api_key=$epi_key" \
        "bigcommerce.token=$bc_token" "bigcommerce.hook=$bc_secret" \
        "woocommerce.key=$wc_key" "woocommerce.secret=$wc_secret" \
        "woocommerce.hook=$wc_hook"; do
        printf '%s\n' "${pair#*=}" | "$kinsync" secret set "${pair%%=*}" \
            --config "$1" >"$work/set.out" 2>"$work/set.err" ||
            fail "secret set ${pair%%=*}"
    done
}
# flows FILE: the per-flow result lines of a sync --once output, without
# timings.
flows() { grep -E '^[a-z]+\.[a-z]+ ' "$1" | sed 's/, [0-9.]* m\?s$//'; }

KINSYNC_STATE_KEY=$(od -An -tx1 -N32 /dev/urandom | tr -d ' \n')
export KINSYNC_STATE_KEY

# ---- the "real" systems, and the recording proxy in front of them --------
start serve serve --fixtures "$fixtures" --scenario "$scenario"
serve=$last
start wserve serve --fixtures "$fixtures" --scenario "$wc_scenario" \
    --system woocommerce
admin=$(url_of admin serve)
wadmin=$(url_of admin wserve)
# Personal data for the run: an order placed in each storefront by
# customers whose address and names must not reach the HAR.
json="Content-Type: application/json"
req POST "$admin/admin/act/bigcommerce" -H "$json" --data-binary '{"action":"place_order","args":{
    "customer":{"email":"annika.rec@acme.example","first_name":"Annika","last_name":"Lindqvist"},
    "billing_address":{"email":"annika.rec@acme.example","first_name":"Annika","last_name":"Lindqvist"},
    "shipping_cost":7.25,
    "products":[{"sku":"WIDGET-100","quantity":3,"price":12.5}]}}'
[ "$status" = 200 ] || fail "place_order: HTTP $status: $body"
req POST "$wadmin/admin/act/woocommerce" -H "$json" --data-binary '{"action":"place_order","args":{
    "billing":{"email":"margarethe.rec@acme.example","first_name":"Margarethe","last_name":"Oberholzer"},
    "line_items":[{"sku":"GADGET-1","quantity":2,"price":149}]}}'
[ "$status" = 200 ] || fail "woocommerce place_order: HTTP $status: $body"
personal="annika.rec@acme.example
margarethe.rec@acme.example
Annika
Lindqvist
Margarethe
Oberholzer"

# start_recorder NAME HAR: `kinsync record` in front of the three systems.
start_recorder() {
    start "$1" record --out "$2" \
        --system epicor --target "$(url_of epicor serve)" \
        --system bigcommerce --target "$(url_of bigcommerce serve)" \
        --system woocommerce --target "$(url_of woocommerce wserve)"
}

har=$work/sync.har
start_recorder record "$har"
recorder=$last
write_config "$work/rec.json" rec.db "$(url_of epicor record)" \
    "$(url_of bigcommerce record)" "$(url_of woocommerce record)"
secrets_into "$work/rec.json"
"$kinsync" sync --config "$work/rec.json" --once >"$work/sync1.out" \
    2>"$work/sync1.err" || fail "the recorded sync failed"
grep -q '^summary: 6 flows, 6 ok, 0 failed' "$work/sync1.out" ||
    fail "the recorded sync did not run all six flows"
stop "$recorder"
grep -q 'epicor: [1-9][0-9]* recorded, 0 failed' "$work/record.err" ||
    fail "record's summary lacks the Epicor exchanges"
ok "record proxies a sync --once to three systems and says what it recorded"

# ---- what the HAR may not hold ---------------------------------------------
[ "$(stat -c %a "$har")" = 600 ] || fail "the HAR is not private (0600)"
python3 -c 'import json,sys; h=json.load(open(sys.argv[1])); assert len(h["log"]["entries"]) > 10' "$har" 2>/dev/null ||
    { command -v python3 >/dev/null && fail "the HAR is not a HAR 1.2 log with entries"; }
for s in "${secrets[@]}"; do
    grep -q -F -- "$s" "$har" && fail "a credential is in the HAR: $s"
    b64=$(printf '%s' "$epi_user:$epi_pass" | base64)
    grep -q -F -- "$b64" "$har" && fail "the Basic credential is in the HAR"
done
grep -q 'kinsync-redacted' "$har" || fail "no credential placeholder in the HAR"
while IFS= read -r email; do
    [ -n "$email" ] || continue
    grep -q -i -F -- "$email" "$har" &&
        fail "a personal value is in the HAR: $(grep -o -i ".\{0,80\}$email.\{0,20\}" "$har" | head -3)"
    # The same address percent-encoded in a URL.
    grep -q -i -F -- "${email/@/%40}" "$har" && fail "a personal value is in a URL: $email"
done <<<"$personal"
grep -q '@example.invalid' "$har" || fail "no pseudonymised address in the HAR"
ok "the HAR holds no credential and no original e-mail address"

# ---- personal values in URLs ------------------------------------------------
# Searches by name, BigCommerce's name filters and an Epicor OData filter
# on a name: the values are pseudonymised with the same keyed hash as the
# bodies, so a search for a customer equals that customer's pseudonym in
# the orders list recorded beside it.
uhar=$work/urls.har
start_recorder urec "$uhar"
urec=$last
wc_auth="consumer_key=$wc_key&consumer_secret=$wc_secret"
req GET "$(url_of woocommerce urec)/wp-json/wc/v3/orders?$wc_auth"
[ "$status" = 200 ] || fail "woocommerce orders through the proxy: HTTP $status"
req GET "$(url_of woocommerce urec)/wp-json/wc/v3/customers?search=Margarethe%20Oberholzer&$wc_auth"
req GET "$(url_of bigcommerce urec)/stores/scn123/v3/customers?name:like=Lindqvist&email:in=annika.rec%40acme.example"
req GET "$(url_of epicor urec)/SaaS5333/api/v2/odata/EPIC06/Erp.BO.CustomerSvc/Customers?%24filter=Name%20eq%20%27Annika%20Lindqvist%27%20and%20startswith(City%2C%27Lindqvist%27)%20and%20CustID%20eq%20%27ACME%27"
stop "$urec"
while IFS= read -r value; do
    grep -q -i -F -- "$value" "$uhar" &&
        fail "a personal value is in a recorded URL: $(grep -o -i ".\{0,80\}$value.\{0,20\}" "$uhar" | head -3)"
done <<<"$personal"
python3 - "$uhar" <<'PY' || fail "the pseudonyms in URLs are not those of the bodies"
import json, sys, urllib.parse
e = json.load(open(sys.argv[1]))["log"]["entries"]
def query(i):
    return dict(urllib.parse.parse_qsl(urllib.parse.urlsplit(e[i]["request"]["url"]).query))
billing = json.loads(e[0]["response"]["content"]["text"])[0]["billing"]
search = query(1)["search"]
assert search == billing["first_name"] + " " + billing["last_name"], (search, billing)
assert search != "Margarethe Oberholzer"
assert query(2)["name:like"] not in ("Lindqvist", ""), query(2)
assert query(2)["email:in"].endswith("@example.invalid"), query(2)
f = query(3)["$filter"]
assert "CustID eq 'ACME'" in f, f            # a key, not personal: kept
assert f.startswith("Name eq '") and "startswith(City,'" in f, f
PY
ok "names in query values and OData filters are pseudonymised like the bodies"

# ---- replay: a second sync, on a fresh state, against the recording ------
start replay replay --mode strict "$har"
replay=$last
write_config "$work/rep.json" rep.db "$(url_of epicor replay)" \
    "$(url_of bigcommerce replay)" "$(url_of woocommerce replay)"
secrets_into "$work/rep.json"
"$kinsync" sync --config "$work/rep.json" --once >"$work/sync2.out" \
    2>"$work/sync2.err" || fail "the replayed sync failed"
stop "$replay"
flows "$work/sync1.out" >"$work/flows1"
flows "$work/sync2.out" >"$work/flows2"
[ -s "$work/flows1" ] || fail "no flow lines in the recorded sync"
diff -u "$work/flows1" "$work/flows2" >"$work/flows.diff" ||
    fail "the replayed sync differs: $(cat "$work/flows.diff")"
grep -q ' 0 not in the recording' "$work/replay.err" ||
    fail "strict replay left requests unmatched"
grep -q 'not in the recording:' "$work/replay.err" &&
    fail "strict replay refused a request"
ok "strict replay gives a second sync the same results, nothing unmatched"

# ---- the recording becomes a scenario ---------------------------------------
# from-har seeds the emulators from what the recorded responses showed,
# runs the sync jobs of the recorded routes and passes only when every
# route got as many requests as recorded and the written records are there.
"$kinsync" scenario from-har "$har" --out "$work/fromhar" --name "recorded sync once" \
    >"$work/fromhar.out" 2>"$work/fromhar.err" ||
    fail "from-har of the recorded sync: $(cat "$work/fromhar.out" "$work/fromhar.err")"
grep -q '^pass: the emulators reproduce the recording' "$work/fromhar.out" ||
    fail "from-har did not say it passed"
written=$work/fromhar/recorded-sync-once.json
for s in "${secrets[@]}"; do
    grep -r -q -F -- "$s" "$work/fromhar" && fail "a recorded credential is in the scenario: $s"
done
for job in sync.parts sync.customers sync.orders; do
    grep -q "\"job\":[[:space:]]*\"$job\"" "$written" || fail "no $job step in the scenario"
done
"$kinsync" check "$written" >"$work/fromhar-check.out" 2>&1 ||
    fail "kinsync check of the written scenario: $(cat "$work/fromhar-check.out")"
ok "from-har makes a scenario of the recorded sync that kinsync check passes"

# ---- replay of the journal's mask ------------------------------------------
# A check --har recording holds the journal's "(redacted)" where the client
# sent its WooCommerce keys in the query; replay must take any key there,
# as it does for record's placeholder (it answered 404 before).
"$kinsync" check --har "$work" "$root/scenarios/woocommerce/query-auth-keys-never-logged.json" \
    >"$work/qcheck.out" 2>&1 || fail "the query-auth recording run failed"
qhar=$work/query-auth-keys-never-logged.har
grep -q 'consumer_key=(redacted)' "$qhar" || fail "the recording lacks the journal's mask"
start qreplay replay --mode strict "$qhar"
qreplay=$last
req GET "$(url_of woocommerce qreplay)/wp-json/wc/v3/products?per_page=100&page=1&consumer_key=ck_other&consumer_secret=cs_other"
[ "$status" = 200 ] || fail "replay refused a request whose keys the journal masked: HTTP $status: $body"
stop "$qreplay"
ok "replay matches the journal's (redacted) in a query to any value"

# ---- usage errors -----------------------------------------------------------
"$kinsync" record --out x.har >/dev/null 2>"$work/u1.err"
[ $? = 2 ] || fail "record without a system: not exit 2"
"$kinsync" record --system epicor --out x.har >/dev/null 2>"$work/u2.err"
[ $? = 2 ] && grep -q 'has no --target' "$work/u2.err" || fail "a system without a target"
"$kinsync" record --system epicor --target https://erp.example.com/x --out x.har \
    >/dev/null 2>"$work/u3.err"
[ $? = 2 ] && grep -q 'bad --target' "$work/u3.err" || fail "a target with a path"
"$kinsync" record --help | grep -q 'EMailAddress' || fail "--help lacks the field list"
ok "usage errors: exit 2, naming the option"
echo "cli.record: all checks passed"
