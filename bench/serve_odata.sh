#!/usr/bin/env bash
# kinsync serve against nginx on one Epicor OData page (100 Part rows,
# token + API-key check, journal on with default settings), over loopback
# with wrk (bench/serve_lib.sh). Prints Markdown rows: req/s, p99 and the
# ratio to nginx serving the same bytes as a static file with the same
# header check, at 32 and 1 connections; then the same after 10,000 tokens
# issued; then the server's RSS. A benchmark, not a test.
#   bench/serve_odata.sh KINSYNC_BINARY [SECONDS_PER_RUN]
set -euo pipefail
ks=${1:?usage: serve_odata.sh KINSYNC_BINARY [SECONDS]}
dur=${2:-10}
here=$(cd "$(dirname "$0")" && pwd)
# shellcheck source=bench/serve_lib.sh
. "$here/serve_lib.sh"
key=km-epicor-test-key
path="/SaaS5333/api/v2/odata/EPIC06/Erp.BO.PartSvc/Parts"
url="$path?\$top=100&\$skip=0"

token() {
    curl -sf -X POST -H 'username: manager' -H 'password: manager' \
        -H 'Accept: application/json' \
        "http://127.0.0.1:$port/SaaS5333/TokenResource.svc/" |
        grep -o '"AccessToken":"[^"]*"' | cut -d'"' -f4
}

start_kinsync "$ks" "$here/serve-parts100.json"
tok=$(token)
wrk_hdrs=(-H "Authorization: Bearer $tok" -H "x-api-key: $key")
curl -sf "${wrk_hdrs[@]}" "http://127.0.0.1:$port$url" >"$run/page.json"
start_nginx "$path" "$run/page.json" "application/json; odata.metadata=minimal" \
    "\$http_x_api_key:\$http_authorization" "$key:Bearer $tok"

echo "Epicor Parts page: $(wc -c <"$run/page.json") bytes; $(load_note "$dur")"
echo
table_head
compare "Epicor, 1 token" 32 "$dur" "$url"
compare "Epicor, 1 token" 1 "$dur" "$url"
for _ in $(seq 9999); do
    echo "url = \"http://127.0.0.1:$port/SaaS5333/TokenResource.svc/\""
done >"$run/tokens.curl"
curl -s -d '' -H 'username: manager' -H 'password: manager' \
    -H 'Accept: application/json' -K "$run/tokens.curl" >/dev/null
total=$((total + 9999))
compare "Epicor, 10,000 tokens" 32 "$dur" "$url"
compare "Epicor, 10,000 tokens" 1 "$dur" "$url"
echo
rss_line "Epicor"
