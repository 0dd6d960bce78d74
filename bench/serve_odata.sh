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
start_epicor "$ks"
curl -sf "${wrk_hdrs[@]}" "http://127.0.0.1:$port$ep_url" >"$run/page.json"
start_nginx "$ep_path" "$run/page.json" "application/json; odata.metadata=minimal" \
    "\$http_x_api_key:\$http_authorization" "$ep_key:Bearer $tok"

echo "Epicor Parts page: $(wc -c <"$run/page.json") bytes; $(load_note "$dur")"
echo
table_head
compare "Epicor, 1 token" 32 "$dur" "$ep_url"
compare "Epicor, 1 token" 1 "$dur" "$ep_url"
for _ in $(seq 9999); do
    echo "url = \"http://127.0.0.1:$port/SaaS5333/TokenResource.svc/\""
done >"$run/tokens.curl"
curl -s -d '' -H 'username: manager' -H 'password: manager' \
    -H 'Accept: application/json' -K "$run/tokens.curl" >/dev/null
total=$((total + 9999))
compare "Epicor, 10,000 tokens" 32 "$dur" "$ep_url"
compare "Epicor, 10,000 tokens" 1 "$dur" "$ep_url"
echo
rss_line "Epicor"
