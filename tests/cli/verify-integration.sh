#!/bin/sh
# An "integration under test" for cli.verify, written against the
# documented kinsync verify environment only: it turns KINSYNC_URL_* and
# KINSYNC_<SYSTEM>_<KEY> into a `kinsync sync` configuration and runs the
# flow KINSYNC_JOB names (the storefront from KINSYNC_OPTIONS' target or
# source), once. Its state (the configuration and the state file) lives in
# KINSYNC_STATE_DIR, which lasts across the steps of one scenario and no
# longer, as a real integration's would.
# usage: verify-integration.sh KINSYNC_BINARY
set -eu
kinsync=$1
case ${KINSYNC_OPTIONS:-} in
*woocommerce*) store=woocommerce ;;
*) store=bigcommerce ;;
esac
case $KINSYNC_JOB in
sync.parts) flow=parts.$store ;;
sync.orders) flow=orders.$store ;;
sync.customers) flow=customers.woocommerce ;;
sync.refunds) flow=refunds.woocommerce ;;
*) echo "verify-integration: no flow for $KINSYNC_JOB" >&2; exit 3 ;;
esac
dir=$KINSYNC_STATE_DIR
bigcommerce= woocommerce=
if [ -n "${KINSYNC_URL_BIGCOMMERCE:-}" ]; then
    bigcommerce=",
  \"bigcommerce\": {\"base_url\": \"$KINSYNC_URL_BIGCOMMERCE\",
                  \"store_hash\": \"$KINSYNC_BIGCOMMERCE_STORE_HASH\",
                  \"access_token\": \"$KINSYNC_BIGCOMMERCE_ACCESS_TOKEN\"}"
fi
if [ -n "${KINSYNC_URL_WOOCOMMERCE:-}" ]; then
    woocommerce=",
  \"woocommerce\": {\"base_url\": \"$KINSYNC_URL_WOOCOMMERCE\",
                  \"consumer_key\": \"$KINSYNC_WOOCOMMERCE_CONSUMER_KEY\",
                  \"consumer_secret\": \"$KINSYNC_WOOCOMMERCE_CONSUMER_SECRET\"}"
fi
cat >"$dir/kinsync.json" <<JSON
{
  "state": "state.db",
  "epicor": {"server_url": "$KINSYNC_URL_EPICOR",
             "instance": "$KINSYNC_EPICOR_INSTANCE",
             "company": "$KINSYNC_EPICOR_COMPANY",
             "auth": "$KINSYNC_EPICOR_AUTH",
             "username": "$KINSYNC_EPICOR_USERNAME",
             "password": "$KINSYNC_EPICOR_PASSWORD",
             "api_key": "$KINSYNC_EPICOR_API_KEY"}$bigcommerce$woocommerce,
  "flows": ["$flow"]
}
JSON
exec "$kinsync" sync --once --config "$dir/kinsync.json"
