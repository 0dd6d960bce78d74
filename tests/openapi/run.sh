#!/bin/sh
# Installs swagger-parser (pinned in package.json) into BUILD_DIR once per
# version of package.json, starts `kinsync serve --system epicor` on an
# ephemeral loopback port, fetches every service's OpenAPI documents and
# validates them with validate.mjs; stops the server it started. Exit 77
# (ctest SKIP_RETURN_CODE) only when node/npm/curl or the package cannot
# be had.
# Usage: run.sh SOURCE_DIR BUILD_DIR KINSYNC
src=$1
dir=$2
kinsync=$3
if [ -z "$src" ] || [ -z "$dir" ] || [ -z "$kinsync" ]; then
    echo "usage: run.sh SOURCE_DIR BUILD_DIR KINSYNC" >&2
    exit 2
fi
for tool in node npm curl; do
    if ! command -v $tool >/dev/null 2>&1; then
        echo "SKIP: $tool not found"
        exit 77
    fi
done
mkdir -p "$dir" || exit 1
if ! cmp -s "$src/package.json" "$dir/package.json" ||
   [ ! -d "$dir/node_modules/@apidevtools/swagger-parser" ]; then
    cp "$src/package.json" "$dir/" || exit 1
    if ! (cd "$dir" && timeout 300 npm install --no-audit --no-fund \
            --loglevel=error >npm-install.log 2>&1); then
        rm -f "$dir/package.json"
        echo "SKIP: could not install swagger-parser (see $dir/npm-install.log)"
        exit 77
    fi
fi
cp "$src/validate.mjs" "$dir/" || exit 1
work=$(mktemp -d) || exit 1
KINSYNC_SERVE_READY_FILE=$work/ready "$kinsync" serve --system epicor \
    >"$work/serve.out" 2>&1 &
pid=$!
trap 'kill $pid 2>/dev/null; wait $pid 2>/dev/null; rm -rf "$work"' EXIT
i=0
while [ ! -s "$work/ready" ] && [ $i -lt 100 ]; do
    sleep 0.1
    i=$((i + 1))
done
url=$(awk '$1 == "epicor" { print $2 }' "$work/ready")
if [ -z "$url" ]; then
    echo "FAIL: kinsync serve did not announce epicor in 10 s" >&2
    cat "$work/serve.out" >&2
    exit 1
fi
node "$dir/validate.mjs" "$url/SaaS5333"
