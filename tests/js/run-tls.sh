#!/bin/sh
# js.woocommerce.client-tls: starts `kinsync serve --tls --system
# woocommerce`, reads the WooCommerce URL and the CA file from its ready
# file, and runs run.sh (the official client, unpatched) against the
# https:// URL with NODE_EXTRA_CA_CERTS pointing at the CA. The client
# then authenticates with Basic, as it does over https.
# Usage: run-tls.sh KINSYNC SOURCE_DIR BUILD_DIR
# Exit: run.sh's status (77: skipped), 1 when serve does not come up.
kinsync=$1
src=$2
dir=$3
work=$(mktemp -d "${TMPDIR:-/tmp}/kinsync-js-tls.XXXXXX") || exit 1
pid=
cleanup() {
    if [ -n "$pid" ] && kill -0 "$pid" 2>/dev/null; then
        kill -TERM "$pid"
        wait "$pid"
    fi
    rm -rf "$work"
}
trap cleanup EXIT
trap 'exit 1' INT TERM HUP

KINSYNC_SERVE_READY_FILE=$work/ready "$kinsync" serve --tls \
    --system woocommerce --tls-ca-file "$work/ca.pem" \
    >"$work/stdout" 2>"$work/stderr" &
pid=$!
i=0
while [ ! -f "$work/ready" ]; do
    i=$((i + 1))
    if [ "$i" -gt 100 ] || ! kill -0 "$pid" 2>/dev/null; then
        echo "FAIL: kinsync serve --tls did not come up:" >&2
        cat "$work/stderr" >&2
        exit 1
    fi
    sleep 0.1
done
url=$(awk '$1 == "woocommerce" { print $2 }' "$work/ready")
ca=$(awk '$1 == "ca" { print $2 }' "$work/ready")
case $url in
https://*) ;;
*)
    echo "FAIL: the ready file announces \"$url\", not an https:// URL" >&2
    exit 1
    ;;
esac
[ "$ca" = "$work/ca.pem" ] && [ -s "$ca" ] || {
    echo "FAIL: the ready file's ca line \"$ca\" is not the CA file" >&2
    exit 1
}
# serve's default WooCommerce key (see kinsync serve --help).
KINSYNC_URL_WOOCOMMERCE=$url NODE_EXTRA_CA_CERTS=$ca \
    KINSYNC_WC_CONSUMER_KEY=ck_kinsync_test \
    KINSYNC_WC_CONSUMER_SECRET=cs_kinsync_test \
    sh "$src/run.sh" "$src" "$dir"
