#!/bin/sh
# Installs the official WooCommerce JS client into BUILD_DIR (once) and
# runs woocommerce_client.mjs. Exit 77 (ctest SKIP_RETURN_CODE) only when
# node/npm or the package cannot be had.
# Usage: run.sh SOURCE_DIR BUILD_DIR   (KINSYNC_URL_WOOCOMMERCE set)
src=$1
dir=$2
if ! command -v node >/dev/null 2>&1 || ! command -v npm >/dev/null 2>&1; then
    echo "SKIP: node or npm not found; the JS client test needs both"
    exit 77
fi
mkdir -p "$dir" || exit 1
cp "$src/package.json" "$src/woocommerce_client.mjs" "$dir/" || exit 1
if [ ! -d "$dir/node_modules/@woocommerce/woocommerce-rest-api" ] ||
    [ ! -d "$dir/node_modules/oauth-1.0a" ]; then
    # Bounded: a registry that does not answer must not hang the test run.
    if ! (cd "$dir" && timeout 300 npm install --no-audit --no-fund \
            --loglevel=error >npm-install.log 2>&1); then
        echo "SKIP: could not install @woocommerce/woocommerce-rest-api" \
             "(see $dir/npm-install.log)"
        exit 77
    fi
fi
cd "$dir" && exec node woocommerce_client.mjs
