#!/bin/sh
# An "integration under test" for cli.verify, written against the
# documented kinsync verify environment only: it turns KINSYNC_URL_* and
# KINSYNC_<SYSTEM>_<KEY> into a `kinsync sync` configuration and runs the
# flow KINSYNC_JOB names, once. Its state (the configuration and the
# state file) lives in KINSYNC_STATE_DIR, which lasts across the steps of
# one scenario and no longer, as a real integration's would.
# usage: verify-integration.sh KINSYNC_BINARY
set -eu
kinsync=$1
case $KINSYNC_JOB in
sync.parts) flow=parts.bigcommerce ;;
sync.orders) flow=orders.bigcommerce ;;
*) echo "verify-integration: no flow for $KINSYNC_JOB" >&2; exit 3 ;;
esac
dir=$KINSYNC_STATE_DIR
cat >"$dir/kinsync.json" <<JSON
{
  "state": "state.db",
  "epicor": {"server_url": "$KINSYNC_URL_EPICOR",
             "instance": "$KINSYNC_EPICOR_INSTANCE",
             "company": "$KINSYNC_EPICOR_COMPANY",
             "auth": "$KINSYNC_EPICOR_AUTH",
             "username": "$KINSYNC_EPICOR_USERNAME",
             "password": "$KINSYNC_EPICOR_PASSWORD",
             "api_key": "$KINSYNC_EPICOR_API_KEY"},
  "bigcommerce": {"base_url": "$KINSYNC_URL_BIGCOMMERCE",
                  "store_hash": "$KINSYNC_BIGCOMMERCE_STORE_HASH",
                  "access_token": "$KINSYNC_BIGCOMMERCE_ACCESS_TOKEN"},
  "flows": ["$flow"]
}
JSON
exec "$kinsync" sync --once --config "$dir/kinsync.json"
