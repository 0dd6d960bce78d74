#!/usr/bin/env bash
# kinsync serve against nginx on a BigCommerce products page (100
# generated products, X-Auth-Token check) and a WooCommerce orders page
# (100 orders, Basic auth with a consumer key), journal on with default
# settings, as bench/serve_odata.sh does for Epicor (bench/serve_lib.sh).
# The BigCommerce scenario sets a quota no run reaches, so the figures
# measure serving rather than the plan's rate limit. A benchmark, not a
# test.
#   bench/serve_storefronts.sh KINSYNC_BINARY [SECONDS_PER_RUN]
set -euo pipefail
ks=${1:?usage: serve_storefronts.sh KINSYNC_BINARY [SECONDS]}
dur=${2:-10}
here=$(cd "$(dirname "$0")" && pwd)
# shellcheck source=bench/serve_lib.sh
. "$here/serve_lib.sh"

echo "$(load_note "$dur")"
echo
table_head

# BigCommerce: the scenario's generated products.
bc_path=/stores/bench1/v3/catalog/products
bc_tok=tok_bench_5c1d
start_kinsync "$ks" "$here/serve-bc-products100.json"
wrk_hdrs=(-H "X-Auth-Token: $bc_tok")
curl -sf "${wrk_hdrs[@]}" "http://127.0.0.1:$port$bc_path?limit=100" >"$run/bc-page.json"
start_nginx "$bc_path" "$run/bc-page.json" application/json \
    "\$http_x_auth_token" "$bc_tok"
compare "BigCommerce products ($(wc -c <"$run/bc-page.json") B)" 32 "$dur" "$bc_path?limit=100"
compare "BigCommerce products ($(wc -c <"$run/bc-page.json") B)" 1 "$dur" "$bc_path?limit=100"
bc_rss=$(rss_line "BigCommerce")
stop_nginx
stop_kinsync

# WooCommerce: Basic auth with the scenario's consumer key.
wc_path=/wp-json/wc/v3/orders
wc_auth="Basic $(printf '%s' ck_bench:cs_bench_secret | base64)"
total=0
start_kinsync "$ks" "$here/serve-woo-orders100.json"
wrk_hdrs=(-H "Authorization: $wc_auth")
curl -sf "${wrk_hdrs[@]}" "http://127.0.0.1:$port$wc_path?per_page=100" >"$run/wc-page.json"
start_nginx "$wc_path" "$run/wc-page.json" application/json \
    "\$http_authorization" "$wc_auth"
compare "WooCommerce orders ($(wc -c <"$run/wc-page.json") B)" 32 "$dur" "$wc_path?per_page=100"
compare "WooCommerce orders ($(wc -c <"$run/wc-page.json") B)" 1 "$dur" "$wc_path?per_page=100"
echo
echo "$bc_rss"
rss_line "WooCommerce"
