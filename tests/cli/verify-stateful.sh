#!/bin/sh
# An integration under test for cli.verify that remembers the orders it
# imported, as many real ones do, and imports only those it does not
# remember (through verify-integration.sh). Two ways to remember:
#   state FILE-IGNORED  by order id, in $KINSYNC_STATE_DIR/imported
#                       (kinsync verify gives each scenario a fresh one)
#   fixed FILE          by store hash and order id, in FILE, a fixed path
#                       shared by every scenario (the store hashes the
#                       engine derives per scenario keep them apart)
# usage: verify-stateful.sh KINSYNC_BINARY state|fixed FILE
set -eu
kinsync=$1 mode=$2 fixed=$3
case $mode in
state) memory=$KINSYNC_STATE_DIR/imported prefix= ;;
fixed) memory=$fixed prefix=$KINSYNC_BIGCOMMERCE_STORE_HASH: ;;
*) echo "verify-stateful: no mode $mode" >&2; exit 3 ;;
esac
touch "$memory"
ids=$(curl -sf -H "X-Auth-Token: $KINSYNC_BIGCOMMERCE_ACCESS_TOKEN" \
    -H 'Accept: application/json' \
    "$KINSYNC_URL_BIGCOMMERCE/stores/$KINSYNC_BIGCOMMERCE_STORE_HASH/v2/orders" |
    grep -oE '"id": ?[0-9]+' | grep -oE '[0-9]+' || true)
new=
for id in $ids; do
    grep -qx "$prefix$id" "$memory" || new="$new $id"
done
[ -n "$new" ] || { echo "verify-stateful: nothing new"; exit 0; }
sh "$(dirname "$0")/verify-integration.sh" "$kinsync"
for id in $new; do echo "$prefix$id" >>"$memory"; done
echo "verify-stateful: imported$new"
