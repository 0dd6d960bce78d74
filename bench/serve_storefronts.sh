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

# page LABEL SCENARIO PATH QUERY NGINX_VARIABLES HEADER_NAME HEADER_VALUE:
# kinsync on the scenario and nginx on the page it answers, compared at
# 32 and 1 connections; then the RSS line.
page() {
    total=0
    start_kinsync "$ks" "$here/$2"
    wrk_hdrs=(-H "$6: $7")
    curl -sf "${wrk_hdrs[@]}" "http://127.0.0.1:$port$3?$4" >"$run/page.json"
    start_nginx "$3" "$run/page.json" application/json "$5" "$7"
    compare "$1 ($(wc -c <"$run/page.json") B)" 32 "$dur" "$3?$4"
    compare "$1 ($(wc -c <"$run/page.json") B)" 1 "$dur" "$3?$4"
    rss+=("$(rss_line "$1")")
    stop_nginx
    stop_kinsync
}

rss=()
page "BigCommerce products" serve-bc-products100.json \
    /stores/bench1/v3/catalog/products limit=100 \
    '$http_x_auth_token' X-Auth-Token tok_bench_5c1d
page "WooCommerce orders" serve-woo-orders100.json \
    /wp-json/wc/v3/orders per_page=100 '$http_authorization' Authorization \
    "Basic $(printf '%s' ck_bench:cs_bench_secret | base64)"
echo
printf '%s\n' "${rss[@]}"
