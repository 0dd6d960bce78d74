#!/bin/sh
# An "integration under test" for cli.verify, written against the
# documented kinsync verify environment only: it turns KINSYNC_URL_* and
# KINSYNC_<SYSTEM>_<KEY> into a `kinsync sync` configuration and runs the
# flow KINSYNC_JOB names (the storefront from KINSYNC_OPTIONS' target or
# source), once. Its state (the configuration and the state file) lives in
# KINSYNC_STATE_DIR, which lasts across the steps of one scenario and no
# longer, as a real integration's would. Started by integration.start
# (KINSYNC_RECEIVER_PORT set), it runs `kinsync sync --watch` with no flow,
# only its webhook receiver on that port, until SIGTERM; for oee.events
# with an "oee" section (the events pattern: Epicor's job events at
# /webhooks/epicor, checked against KINSYNC_OEE_EVENT_SECRET, plants
# mapped to the scopes the OEE side lists).
# With --no-verify it trusts every BigCommerce delivery instead of checking
# its signature: it "verifies" a header every delivery carries
# (User-Agent), as an integration that checks a static header would.
# usage: verify-integration.sh KINSYNC_BINARY [--no-verify]
set -eu
kinsync=$1
noverify=${2:-}
case ${KINSYNC_OPTIONS:-} in
*woocommerce*) store=woocommerce ;;
*) store=bigcommerce ;;
esac
case $KINSYNC_JOB in
oee.events) flow= ;;
sync.parts) flow=parts.$store ;;
sync.orders) flow=orders.$store ;;
sync.customers) flow=customers.woocommerce ;;
sync.refunds) flow=refunds.woocommerce ;;
sync.vendors) flow=vendors.adobe ;;
sync.purchase_orders) flow=purchase_orders.adobe ;;
sync.ap_invoices) flow=ap_invoices.adobe ;;
sync.requisitions) flow=requisitions.epicor ;;
*) echo "verify-integration: no flow for $KINSYNC_JOB" >&2; exit 3 ;;
esac
dir=$KINSYNC_STATE_DIR
bigcommerce= woocommerce= adobe= hooks= licence=
if [ -n "${KINSYNC_URL_BIGCOMMERCE:-}" ]; then
    if [ "$noverify" = --no-verify ]; then
        hooks=",
                  \"webhook_header_name\": \"User-Agent\",
                  \"webhook_header_value\": \"kinsync-bigcommerce-emulator\""
    elif [ -n "${KINSYNC_BIGCOMMERCE_CLIENT_SECRET:-}" ]; then
        hooks=",
                  \"client_secret\": \"$KINSYNC_BIGCOMMERCE_CLIENT_SECRET\""
    fi
    bigcommerce=",
  \"bigcommerce\": {\"base_url\": \"$KINSYNC_URL_BIGCOMMERCE\",
                  \"store_hash\": \"$KINSYNC_BIGCOMMERCE_STORE_HASH\",
                  \"access_token\": \"$KINSYNC_BIGCOMMERCE_ACCESS_TOKEN\"$hooks}"
fi
hooks=
if [ -n "${KINSYNC_WOOCOMMERCE_WEBHOOK_SECRET:-}" ]; then
    hooks=",
                  \"webhook_secret\": \"$KINSYNC_WOOCOMMERCE_WEBHOOK_SECRET\""
fi
if [ -n "${KINSYNC_URL_WOOCOMMERCE:-}" ]; then
    woocommerce=",
  \"woocommerce\": {\"base_url\": \"$KINSYNC_URL_WOOCOMMERCE\",
                  \"consumer_key\": \"$KINSYNC_WOOCOMMERCE_CONSUMER_KEY\",
                  \"consumer_secret\": \"$KINSYNC_WOOCOMMERCE_CONSUMER_SECRET\"$hooks}"
fi
if [ -n "${KINSYNC_URL_ADOBE:-}" ]; then
    adobe=",
  \"adobe\": {\"base_url\": \"$KINSYNC_URL_ADOBE\", \"auth\": \"oauth1\",
            \"consumer_key\": \"$KINSYNC_ADOBE_CONSUMER_KEY\",
            \"consumer_secret\": \"$KINSYNC_ADOBE_CONSUMER_SECRET\",
            \"access_token\": \"$KINSYNC_ADOBE_ACCESS_TOKEN\",
            \"access_token_secret\": \"$KINSYNC_ADOBE_ACCESS_TOKEN_SECRET\"}"
fi
if [ -n "${KINSYNC_EPICOR_LICENSE_RETRIES:-}" ]; then
    licence=",
             \"license_retries\": $KINSYNC_EPICOR_LICENSE_RETRIES,
             \"license_retry_wait_ms\": ${KINSYNC_EPICOR_LICENSE_RETRY_WAIT_MS:-1000}"
fi
oee=
if [ "$KINSYNC_JOB" = oee.events ]; then
    # The plants' scopes as the OEE side declares them (each scope names
    # its Epicor plant), and Epicor's job events at /webhooks/epicor with
    # the event secret.
    plants=$(curl -fsS -H "Authorization: Bearer $KINSYNC_OEE_API_KEY" \
        "$KINSYNC_URL_OEE/api/v1/scopes" |
        grep -o '"id":"[^"]*","plant":"[^"]*"' |
        sed 's/"id":\("[^"]*"\),"plant":\("[^"]*"\)/\2: \1/' | paste -sd, -)
    oee=",
  \"oee\": {\"pattern\": \"events\", \"base_url\": \"$KINSYNC_URL_OEE\",
          \"api_key\": \"$KINSYNC_OEE_API_KEY\", \"plants\": {$plants},
          \"events\": {\"secret\": \"$KINSYNC_OEE_EVENT_SECRET\"}}"
fi
flows="\"$flow\""
mode=--once
if [ -n "${KINSYNC_RECEIVER_PORT:-}" ]; then
    # Only the receiver: the orders come as webhooks, and a poll at start
    # could import an order whose delivery is forged.
    flows= mode=--watch
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
             "api_key": "$KINSYNC_EPICOR_API_KEY"$licence}$bigcommerce$woocommerce$adobe$oee,
  "receiver": {"port": ${KINSYNC_RECEIVER_PORT:-0}, "register": false},
  "flows": [$flows]
}
JSON
exec "$kinsync" sync $mode --config "$dir/kinsync.json"
