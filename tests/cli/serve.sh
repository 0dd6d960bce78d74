#!/usr/bin/env bash
# cli.serve: `kinsync serve` driven from the outside with curl, the way a
# vendor's integration would use it.
#
# usage: serve.sh KINSYNC_BINARY REPO_ROOT
#
# Exit 0 when every check passes, 1 on the first failure (with the
# server's stderr), 77 (ctest skip) only when curl is not installed.
set -u

kinsync=${1:?usage: serve.sh KINSYNC_BINARY REPO_ROOT}
root=${2:?usage: serve.sh KINSYNC_BINARY REPO_ROOT}
scenario=$root/scenarios/epicor/plain-curl-with-documented-headers.json
fixtures=$root/fixtures
# From that scenario's given.epicor.
user=integration
pass='Scn-Epicor-Pa55!'
apikey=scn-epicor-apikey-7f3c91

. "$(dirname "$0")/common.sh"
json="Content-Type: application/json" # the only body type the admin API takes
cli_setup serve

expect_status() {
    [ "$status" = "$1" ] || fail "$2: expected HTTP $1, got $status: $body"
}
expect_body() {
    case $body in
    *"$1"*) ;;
    *) fail "$2: expected the body to contain $1, got: $body" ;;
    esac
}
expect_no_body() {
    case $body in
    *"$1"*) fail "$2: the body must not contain $1, got: $body" ;;
    esac
}
# json_number KEY: the first "KEY":<digits> in $body.
json_number() {
    printf '%s' "$body" | sed -n "s/.*\"$1\":\([0-9][0-9]*\).*/\1/p" |
        head -n 1
}

# stop PID: SIGTERM, then the exit status must be 0 within 15 s.
stop() {
    local p=$1 i rc
    kill -TERM "$p" || fail "cannot signal $p"
    for i in $(seq 150); do
        kill -0 "$p" 2>/dev/null || break
        sleep 0.1
    done
    kill -0 "$p" 2>/dev/null && fail "serve still running 15 s after SIGTERM"
    wait "$p"
    rc=$?
    [ "$rc" = 0 ] || fail "serve exited $rc after SIGTERM (want 0)"
}

# ---- command-line errors ---------------------------------------------

"$kinsync" serve --bogus >"$work/bogus.out" 2>"$work/bogus.err"
rc=$?
[ "$rc" = 2 ] || fail "--bogus exited $rc (want 2)"
grep -q -- '--bogus' "$work/bogus.err" || fail "--bogus: no message naming it"
ok "an unknown option exits 2 and names it"

"$kinsync" serve --bind 0.0.0.0 >"$work/bind.out" 2>"$work/bind.err"
rc=$?
[ "$rc" = 2 ] || fail "--bind 0.0.0.0 exited $rc (want 2)"
grep -q 'loopback' "$work/bind.err" || fail "--bind 0.0.0.0: no reason given"
grep -q -- '--allow-remote' "$work/bind.err" ||
    fail "--bind 0.0.0.0: the message does not mention --allow-remote"
ok "a non-loopback --bind is refused without --allow-remote"

"$kinsync" serve --port-base 70000 >/dev/null 2>"$work/port.err"
rc=$?
[ "$rc" = 2 ] || fail "--port-base 70000 exited $rc (want 2)"
"$kinsync" serve --admin-port=70000 >/dev/null 2>"$work/port.err"
rc=$?
[ "$rc" = 2 ] || fail "--admin-port=70000 exited $rc (want 2)"
grep -q -- '--admin-port "70000"' "$work/port.err" ||
    fail "--admin-port=70000: the option and value are not named"
"$kinsync" serve --system nosuch >/dev/null 2>"$work/sys.err"
rc=$?
[ "$rc" = 2 ] || fail "--system nosuch exited $rc (want 2)"
grep -q 'nosuch' "$work/sys.err" || fail "--system nosuch: not named"
ok "a bad port and an unknown system exit 2"

"$kinsync" serve --help >"$work/help.out" 2>&1 || fail "--help did not exit 0"
for word in --scenario --system --port-base --admin-port --bind \
    --allow-remote --fixtures /admin/systems /admin/clock/advance \
    /admin/journal /admin/faults /admin/state /admin/act /admin/pump \
    /admin/reset KINSYNC_SERVE_READY_FILE; do
    grep -q -- "$word" "$work/help.out" || fail "--help does not explain $word"
done
ok "--help explains every option and admin route"

out=$("$kinsync" serve --describe=bigcommerce 2>&1) ||
    fail "--describe=bigcommerce exited $?: $out"
case $out in
*inactivity_days*"store_hash"*|*"store_hash"*inactivity_days*) ;;
*) fail "--describe bigcommerce lacks its keys: $out" ;;
esac
out=$("$kinsync" serve --json --describe woocommerce 2>&1) ||
    fail "--describe woocommerce --json exited $?: $out"
case $out in
*'"additionalProperties"'*'false'*) ;;
*) fail "--describe --json is not the closed JSON Schema: $out" ;;
esac
"$kinsync" serve --describe nosuch >/dev/null 2>"$work/err"
[ $? -eq 2 ] && grep -q 'unknown system "nosuch"' "$work/err" ||
    fail "--describe of an unknown system must exit 2 and name it"
"$kinsync" serve --json >/dev/null 2>&1
[ $? -eq 2 ] || fail "--json without --describe must exit 2"
ok "--describe lists a system's declared keys, as text or JSON Schema"

# ---- one Epicor emulator from a scenario ------------------------------

serve_in_background epi --scenario "$scenario" --fixtures "$fixtures"
epi_pid=$last_pid
epicor=$(url_of epicor epi)
admin=$(url_of admin epi)
[ -n "$epicor" ] && [ -n "$admin" ] || fail "ready file lacks epicor/admin"
cmp -s "$work/epi.ready" "$work/epi.stdout" ||
    fail "stdout and the ready file differ"
ok "ready file and stdout announce $epicor and $admin"

req GET "$admin/admin/systems"
expect_status 200 "systems"
expect_body "{\"name\":\"epicor\",\"url\":\"$epicor\"}" "systems"
ok "GET /admin/systems lists the emulator"

req POST "$epicor/SaaS5333/TokenResource.svc/" -H "username: $user" \
    -H "password: $pass" -H 'Accept: application/json'
expect_status 200 "token"
token=$(printf '%s' "$body" |
    sed -n 's/.*"AccessToken":"\([^"]*\)".*/\1/p')
[ -n "$token" ] || fail "no AccessToken in $body"
parts=$epicor/SaaS5333/api/v2/odata/EPIC06/Erp.BO.PartSvc/Parts
req GET "$parts" -H "Authorization: Bearer $token" -H "x-api-key: $apikey"
expect_status 200 "parts"
expect_body WIDGET-100 "parts"
ok "TokenResource + Bearer + x-api-key reads Parts"

req GET "$admin/admin/journal/epicor"
expect_status 200 "journal"
expect_body '"path":"/SaaS5333/api/v2/odata/EPIC06/Erp.BO.PartSvc/Parts"' \
    "journal"
expect_body '"Authorization":"(redacted)"' "journal"
expect_no_body "$token" "journal"
expect_no_body "$apikey" "journal"
expect_no_body "$pass" "journal"
last=$(printf '%s' "$body" | grep -o '"seq":[0-9]*' | tail -n 1 | cut -d: -f2)
[ "$last" = 2 ] || fail "journal: expected 2 entries, last seq is '$last'"
req GET "$admin/admin/journal/epicor?since=1"
expect_body '"seq":2' "journal since=1"
expect_no_body '"seq":1,' "journal since=1"
req GET "$admin/admin/journal/epicor?since=x"
expect_status 400 "journal since=x"
ok "the journal shows the calls with Authorization redacted; since= filters"

rule='{"route":"GET /*/Erp.BO.PartSvc/Parts","status":503}'
req POST "$admin/admin/faults/epicor" -H "$json" --data-binary "$rule"
expect_status 200 "add fault"
req GET "$parts" -H "Authorization: Bearer $token" -H "x-api-key: $apikey"
expect_status 503 "parts under fault"
req GET "$admin/admin/faults/epicor"
expect_body '"fired":[1]' "fired counts"
req DELETE "$admin/admin/faults/epicor"
expect_status 200 "clear faults"
req GET "$parts" -H "Authorization: Bearer $token" -H "x-api-key: $apikey"
expect_status 200 "parts after clearing faults"
req POST "$admin/admin/faults/epicor" -H "$json" --data-binary '{"bogus_key":1}'
expect_status 400 "bad fault rule"
expect_body '"error":' "bad fault rule"
expect_body bogus_key "bad fault rule"
ok "a 503 fault set through the admin API fires, counts and clears"

req GET "$admin/admin/clock"
expect_status 200 "clock"
before=$(json_number now_ms)
expect_body '"iso":"' "clock"
step=3700000 # past the token's 3600 s lifetime
req POST "$admin/admin/clock/advance" -H "$json" --data-binary "{\"ms\":$step}"
expect_status 200 "advance"
after=$(json_number now_ms)
[ -n "$before" ] && [ -n "$after" ] || fail "clock: no now_ms"
[ $((after - before)) -ge $step ] ||
    fail "clock moved $((after - before)) ms, want >= $step"
req GET "$parts" -H "Authorization: Bearer $token" -H "x-api-key: $apikey"
expect_status 401 "parts with a token the advanced clock expired"
req POST "$admin/admin/clock/advance" -H "$json" --data-binary '{"ms":-5}'
expect_status 400 "negative advance"
ok "advancing the clock by $step ms moves now_ms and expires the token"

req POST "$admin/admin/act/epicor" -H "$json" --data-binary \
    '{"action":"change_part","args":{"part_num":"WIDGET-100","fields":{"PartDescription":"Set by the admin API"}}}'
expect_status 200 "act change_part"
expect_body '"result":{' "act change_part"
req GET "$admin/admin/state/epicor"
expect_status 200 "state"
expect_body 'Set by the admin API' "state after act"
req POST "$admin/admin/act/epicor" -H "$json" --data-binary '{"action":"no_such_action"}'
expect_status 400 "unknown action"
expect_body no_such_action "unknown action"
req POST "$admin/admin/pump/epicor"
expect_status 200 "pump"
expect_body '"delivered":0' "pump"
ok "act changes the state, the snapshot shows it, pump answers"

req POST "$admin/admin/reset/epicor"
expect_status 200 "reset"
expect_body "\"url\":\"$epicor\"" "reset keeps the URL"
req GET "$admin/admin/journal/epicor"
expect_status 200 "journal after reset"
[ "$body" = "[]" ] || fail "journal after reset is not empty: $body"
req GET "$admin/admin/state/epicor"
expect_no_body 'Set by the admin API' "state after reset"
req POST "$epicor/SaaS5333/TokenResource.svc/" -H "username: $user" \
    -H "password: $pass" -H 'Accept: application/json'
expect_status 200 "token after reset, same URL"
ok "reset empties the journal and the state on the same URL"

bad='{"companies":{"EPIC06":{"parts":{"$fixture":"../scenarios/x.json"}}}}'
req POST "$admin/admin/reset/epicor" -H "$json" --data-binary "$bad"
expect_status 400 "reset with a .. fixture path"
req POST "$admin/admin/reset/epicor" -H "$json" --data-binary '{"no_such_key":1}'
expect_status 400 "reset with a bad configuration"
expect_body no_such_key "reset with a bad configuration"
req GET "$admin/admin/journal/epicor"
expect_body '"path":"/SaaS5333/TokenResource.svc/"' \
    "a refused reset leaves the emulator as it was"
ok "reset refuses '..' fixture paths and bad configurations"

req GET "$admin/admin/journal/nosuch"
expect_status 404 "unknown system"
expect_body '"error":' "unknown system"
req GET "$admin/admin/nothing-here"
expect_status 404 "unknown route"
ok "unknown systems and routes are 404 with an error"

# A web page the developer visits must not steer the admin API: through
# DNS rebinding (its own name as Host), a cross-site request (its Origin)
# or a body the browser sends without asking (text/plain, a form).
aport=${admin##*:}
req GET "$admin/admin/clock"
before_ms=$(json_number now_ms)
req POST "$admin/admin/clock/advance" -H "Host: rebind.example:$aport" \
    -H "$json" --data-binary '{"ms":86400000}'
expect_status 403 "a foreign Host"
expect_body 'loopback' "a foreign Host"
req GET "$admin/admin/state/epicor" -H 'Host: 127.0.0.1.rebind.example'
expect_status 403 "a Host that only starts like loopback"
req POST "$admin/admin/clock/advance" -H 'Origin: https://evil.example' \
    -H "$json" --data-binary '{"ms":86400000}'
expect_status 403 "a cross-site Origin"
expect_body 'cross-site' "a cross-site Origin"
req POST "$admin/admin/reset/epicor" -H 'Origin: null'
expect_status 403 "Origin null (a sandboxed page)"
req POST "$admin/admin/pump/epicor" -H 'Sec-Fetch-Site: cross-site'
expect_status 403 "Sec-Fetch-Site: cross-site"
req POST "$admin/admin/clock/advance" -H 'Content-Type: text/plain' \
    --data-binary '{"ms":86400000}'
expect_status 415 "a text/plain body"
expect_body 'application/json' "a text/plain body"
req POST "$admin/admin/clock/advance" --data-binary '{"ms":86400000}'
expect_status 415 "a form body (curl's default type)"
req GET "$admin/admin/clock"
after_ms=$(json_number now_ms)
[ $((after_ms - before_ms)) -lt 3600000 ] ||
    fail "a refused request moved the clock ($before_ms -> $after_ms)"
for host in "localhost:$aport" "[::1]:$aport" "127.0.0.2" localhost; do
    req GET "$admin/admin/clock" -H "Host: $host"
    expect_status 200 "Host $host"
done
req POST "$admin/admin/pump/epicor" -H 'Origin: http://localhost:3000'
expect_status 200 "a loopback Origin"
req POST "$admin/admin/clock/advance" \
    -H 'Content-Type: application/json; charset=utf-8' --data-binary '{"ms":0}'
expect_status 200 "application/json with a charset"
ok "the admin API refuses foreign Hosts, cross-site Origins and non-JSON bodies"

port=${epicor##*:}
"$kinsync" serve --system epicor --port-base "$port" >/dev/null \
    2>"$work/inuse.err"
rc=$?
[ "$rc" = 1 ] || fail "serve on a port in use exited $rc (want 1)"
grep -q "$port" "$work/inuse.err" || fail "port in use: port not named"
ok "a port in use exits 1 and names it"

# An IPv4-mapped loopback address binds as the IPv4 address it carries.
serve_in_background mapped --system epicor --bind ::ffff:127.0.0.1
mapped_url=$(url_of epicor mapped)
case $mapped_url in
http://127.0.0.1:*) ;;
*) fail "--bind ::ffff:127.0.0.1 announced $mapped_url" ;;
esac
status=$(curl -s -o /dev/null -w '%{http_code}' "$mapped_url/SaaS5333/api/v1/")
[ "$status" = 401 ] || fail "the IPv4-mapped bind does not answer: $status"
stop "$last_pid"
ok "--bind ::ffff:127.0.0.1 listens on 127.0.0.1"

stop "$epi_pid"
[ -f "$work/epi.ready" ] && fail "the ready file is still there after stop"
ok "SIGTERM stops serve with exit status 0"

# ---- the admin token ----------------------------------------------------

"$kinsync" serve --admin-token '' >/dev/null 2>"$work/tok.err"
[ $? = 2 ] || fail "--admin-token '' must exit 2"
serve_in_background gentok --system static --admin-token generate
gentok_pid=$last_pid
gadmin=$(url_of admin gentok)
gtoken=$(sed -n 's/^admin [^ ]* token=\([0-9a-f]*\)$/\1/p' "$work/gentok.ready")
[ ${#gtoken} = 64 ] || fail "--admin-token generate: no 64-hex token on the admin line"
cmp -s "$work/gentok.ready" "$work/gentok.stdout" ||
    fail "--admin-token generate: stdout and the ready file differ"
[ "$(stat -c %a "$work/gentok.ready")" = 600 ] ||
    fail "the ready file holding the token is not 0600"
req GET "$gadmin/admin/systems"
expect_status 401 "no token"
expect_body 'Bearer' "no token"
req GET "$gadmin/admin/systems" -H "Authorization: Bearer ${gtoken%?}0"
[ "${gtoken: -1}" = 0 ] || expect_status 401 "a wrong token"
req GET "$gadmin/admin/systems" -H "Authorization: Bearer $gtoken"
expect_status 200 "the generated token"
stop "$gentok_pid"
serve_in_background settok --system static --admin-token s3cret-admin-token
settok_pid=$last_pid
sadmin=$(url_of admin settok)
grep -q s3cret "$work/settok.stdout" && fail "a given token is printed"
req POST "$sadmin/admin/pump/static" -H 'Authorization: Bearer s3cret'
expect_status 401 "a prefix of the token"
req POST "$sadmin/admin/pump/static" -H 'Authorization: Bearer s3cret-admin-token'
expect_status 200 "the given token"
stop "$settok_pid"
ok "--admin-token: generated (on the admin line, ready file 0600) or given; 401 without it"

# ---- the default systems and their documented credentials -------------

serve_in_background defaults
defaults_pid=$last_pid
for name in epicor bigcommerce woocommerce admin; do
    [ -n "$(url_of $name defaults)" ] || fail "defaults: no $name line"
done
req POST "$(url_of epicor defaults)/SaaS5333/TokenResource.svc/" \
    -H 'username: manager' -H 'password: manager'
expect_status 200 "epicor manager/manager"
req GET "$(url_of bigcommerce defaults)/stores/abc123/v3/catalog/products" \
    -H 'X-Auth-Token: km-bigcommerce-test-token'
expect_status 200 "bigcommerce default token"
req GET "$(url_of woocommerce defaults)/wp-json/wc/v3/products" \
    -u ck_kinsync_test:cs_kinsync_test
expect_status 200 "woocommerce default key"
req GET "$(url_of woocommerce defaults)/wp-json/wc/v3/products" \
    -u ck_kinsync_test:wrong
expect_status 401 "woocommerce wrong secret"
stop "$defaults_pid"
ok "without options: epicor, bigcommerce and woocommerce with the documented credentials"

# ---- webhooks flow without anyone pumping -----------------------------

# BigCommerce posts its order webhook to the static emulator (echo mode),
# whose journal then shows it; only serve's own 200 ms tick delivers it.
serve_in_background hooks --system static --system bigcommerce --fixtures "$fixtures" \
    --record "$work/hooks.har"
hooks_pid=$last_pid
static=$(url_of static hooks)
admin=$(url_of admin hooks)
req POST "$admin/admin/reset/static" -H "$json" --data-binary '{"echo":true}'
expect_status 200 "reset static"
cfg='{"access_tokens":["tok_cli_serve"],
      "products":{"$fixture":"bigcommerce/products/three.json"},
      "hooks":[{"scope":"store/order/created",
                "destination":"'$static'/hook","is_active":true}]}'
req POST "$admin/admin/reset/bigcommerce" -H "$json" --data-binary "$cfg"
expect_status 200 "reset bigcommerce with fixtures and a hook"
req GET "$admin/admin/state/bigcommerce"
expect_body BOLT-M8 "bigcommerce state from the fixture"
req POST "$admin/admin/act/bigcommerce" -H "$json" --data-binary \
    '{"action":"place_order","args":{"customer":{"email":"a@example.com","first_name":"A","last_name":"B"},"products":[{"sku":"BOLT-M8","quantity":2,"price":0.35}]}}'
expect_status 200 "place_order"
delivered=
for i in $(seq 50); do
    req GET "$admin/admin/journal/static"
    case $body in
    *'"path":"/hook"'*'store/order/created'*)
        delivered=yes
        break
        ;;
    esac
    sleep 0.1
done
[ -n "$delivered" ] || fail "no webhook reached the receiver within 5 s"
ok "a placed order's webhook is delivered by serve's own pump"

# A hook pointing at an address webhooks may not reach is refused when
# sent, before any connection: 0.0.0.0 (Linux would connect it to this
# host, so nothing leaves the machine even if the check were missing). The
# destination is https on 443, the only form the platform's own rule lets
# a hook be created with for a host that is not loopback.
hooks_seen() {
    req GET "$admin/admin/journal/static"
    printf '%s' "$body" | grep -o '"path":"/hook"' | wc -l
}
seen=$(hooks_seen)
cfg='{"access_tokens":["tok_cli_serve"],
      "products":{"$fixture":"bigcommerce/products/three.json"},
      "webhook":{"allow_private_destinations":true},
      "hooks":[{"scope":"store/order/created",
                "destination":"https://0.0.0.0/hook","is_active":true}]}'
req POST "$admin/admin/reset/bigcommerce" -H "$json" --data-binary "$cfg"
expect_status 200 "reset bigcommerce with a hook to 0.0.0.0"
req POST "$admin/admin/act/bigcommerce" -H "$json" --data-binary \
    '{"action":"place_order","args":{"customer":{"email":"a@example.com","first_name":"A","last_name":"B"},"products":[{"sku":"BOLT-M8","quantity":1,"price":0.35}]}}'
expect_status 200 "place_order (refused hook)"
req POST "$admin/admin/pump/bigcommerce"
expect_status 200 "pump (refused hook)"
req GET "$admin/admin/state/bigcommerce"
expect_body 'webhook destination 0.0.0.0 refused' "the refused delivery's reason"
[ "$(hooks_seen)" = "$seen" ] ||
    fail "the receiver got a delivery meant for 0.0.0.0"
ok "a webhook to a refused address is not sent, and says why"

req GET "$(url_of bigcommerce hooks)/stores/abc123/v3/catalog/products" \
    -H 'X-Auth-Token: tok_cli_serve'
expect_status 200 "a catalog read with the configured token"
req GET "$admin/admin/har"
expect_status 200 "GET /admin/har"
expect_body '"version":"1.2"' "the HAR log version"
stop "$hooks_pid"
ok "the webhook instance stops with exit status 0"
[ -s "$work/hooks.har" ] || fail "--record wrote no HAR at the stop"
grep -q '/stores/abc123/v3/catalog/products' "$work/hooks.har" ||
    fail "the HAR lacks the catalog read"
grep -q 'tok_cli_serve' "$work/hooks.har" && fail "the HAR shows the token"
grep -q '"url":[[:space:]]*"http://127.0.0.1:[0-9]*/hook"' "$work/hooks.har" ||
    fail "the HAR lacks the webhook delivery to the static emulator"
ok "--record writes the traffic as HAR at the stop, secrets redacted"
exit 0
