#!/usr/bin/env bash
# cli.serve-tls: `kinsync serve --tls` driven from the outside with curl:
# every announced URL is https://, the "ca FILE" line names the CA, curl
# verifies the emulators and the admin API against it (--cacert) and
# refuses them without it, --tls-name reaches a vendor host name through
# curl --resolve, and the option errors are one clear line each.
#
# usage: serve-tls.sh KINSYNC_BINARY REPO_ROOT
#
# Exit 0 when every check passes, 1 on the first failure, 77 (ctest skip)
# only when curl is not installed.
set -u

kinsync=${1:?usage: serve-tls.sh KINSYNC_BINARY REPO_ROOT}
root=${2:?usage: serve-tls.sh KINSYNC_BINARY REPO_ROOT}
. "$(dirname "$0")/common.sh"
cli_setup serve-tls
json="Content-Type: application/json"

# ---- option errors ------------------------------------------------------

usage_case() {
    local what=$1 want=$2 rc
    shift 2
    "$kinsync" serve "$@" >"$work/usage.out" 2>"$work/usage.err"
    rc=$?
    [ "$rc" = 2 ] || fail "$what: exited $rc (want 2)"
    [ "$(wc -l <"$work/usage.err")" = 1 ] || fail "$what: not one line"
    grep -q -- "$want" "$work/usage.err" || fail "$what: no \"$want\""
}
usage_case "--tls-name without --tls" "tls-name goes with --tls" \
    --tls-name shop.example.com
usage_case "--tls-ca-file without --tls" "tls-ca-file goes with --tls" \
    --tls-ca-file "$work/x.pem"
usage_case "a bad --tls-name" "neither an IP address nor a DNS host name" \
    --tls --tls-name "shop example"
rm -f "$work/usage.out" "$work/usage.err"
ok "option errors: one line each, exit 2"

# ---- serve --tls ----------------------------------------------------------

serve_in_background tls --tls --tls-name shop.example.com --system woocommerce \
    --system bigcommerce
wc_url=$(url_of woocommerce tls)
bc_url=$(url_of bigcommerce tls)
admin=$(url_of admin tls)
ca=$(url_of ca tls)
case "$wc_url $bc_url $admin" in
https://127.0.0.1:*" "https://127.0.0.1:*" "https://127.0.0.1:*) ;;
*) fail "not every URL is https: $wc_url $bc_url $admin" ;;
esac
[ -s "$ca" ] || fail "the ca line \"$ca\" names no file"
grep -q "BEGIN CERTIFICATE" "$ca" || fail "$ca holds no PEM certificate"
cmp -s "$work/tls.ready" "$work/tls.stdout" ||
    fail "stdout and the ready file differ"
ok "ready file: https:// URLs and \"ca $ca\""

req GET "$wc_url/wp-json/wc/v3/products" --cacert "$ca" \
    -u ck_kinsync_test:cs_kinsync_test
[ "$status" = 200 ] || fail "WooCommerce over https with Basic: $status $body"
req GET "$bc_url/stores/abc123/v3/catalog/products" --cacert "$ca" \
    -H "X-Auth-Token: km-bigcommerce-test-token"
[ "$status" = 200 ] || fail "BigCommerce over https: $status $body"
req GET "$admin/admin/systems" --cacert "$ca" -H "$json"
[ "$status" = 200 ] || fail "admin API over https: $status $body"
case $body in *'"url":"https://'*) ;; *) fail "admin lists $body" ;; esac
ok "curl --cacert verifies WooCommerce, BigCommerce and the admin API"

# Without the CA, curl must refuse the certificate (exit 60); plain HTTP
# gets no HTTP answer from a TLS port.
curl -s -o /dev/null --max-time 10 "$wc_url/wp-json/wc/v3/products"
rc=$?
[ "$rc" = 60 ] || fail "curl without --cacert exited $rc (want 60)"
plain=${wc_url/https:/http:}
code=$(curl -s -o /dev/null -w '%{http_code}' --max-time 10 \
    "$plain/wp-json/wc/v3/products")
[ "$code" = 000 ] || fail "plain http to the TLS port answered $code"
ok "without the CA: curl exit 60; plain HTTP: no answer"

# A client that hard-codes the vendor host: --resolve sends the name to
# loopback, and the certificate carries it (--tls-name).
port=${wc_url##*:}
req GET "https://shop.example.com:$port/wp-json/wc/v3/products" \
    --cacert "$ca" --resolve "shop.example.com:$port:127.0.0.1" \
    -u ck_kinsync_test:cs_kinsync_test
[ "$status" = 200 ] || fail "--tls-name host through --resolve: $status"
curl -s -o /dev/null --max-time 10 --cacert "$ca" \
    --resolve "other.example.com:$port:127.0.0.1" \
    "https://other.example.com:$port/wp-json/wc/v3/products"
rc=$?
[ "$rc" = 60 ] || fail "a name not in the certificate: curl exit $rc (want 60)"
ok "--tls-name shop.example.com matches through --resolve; other names do not"

# A reset restarts the emulator over HTTPS on the same URL.
req POST "$admin/admin/reset/woocommerce" --cacert "$ca" -H "$json"
[ "$status" = 200 ] || fail "reset: $status $body"
req GET "$wc_url/wp-json/wc/v3/products" --cacert "$ca" \
    -u ck_kinsync_test:cs_kinsync_test
[ "$status" = 200 ] || fail "after reset: $status $body"
ok "a reset keeps HTTPS"

kill -TERM "$last_pid"
wait "$last_pid" || fail "serve --tls did not stop cleanly"
[ -e "$ca" ] && fail "the default CA file $ca is still there after stop"
ok "the default CA file is removed at a clean stop"

# ---- --tls-ca-file --------------------------------------------------------

serve_in_background named --tls --tls-ca-file "$work/ca.pem" --system epicor
[ "$(url_of ca named)" = "$work/ca.pem" ] || fail "ca line: $(url_of ca named)"
[ "$(stat -c %a "$work/ca.pem")" = 644 ] || fail "the CA file is not 0644"
req GET "$(url_of epicor named)/SaaS5333/api/v2/odata/EPIC06/Erp.BO.PartSvc/Parts" \
    --cacert "$work/ca.pem" -u manager:manager \
    -H "x-api-key: km-epicor-test-key"
[ "$status" = 200 ] || fail "Epicor over https: $status $body"
kill -TERM "$last_pid"
wait "$last_pid" || fail "serve --tls --tls-ca-file did not stop cleanly"
[ -s "$work/ca.pem" ] || fail "--tls-ca-file FILE was removed at stop"
ok "--tls-ca-file: announced, 0644, Epicor verifies, kept after stop"
