#!/bin/sh
# Installs Ajv (pinned in package.json) into BUILD_DIR, once per version of
# package.json, and runs validate.mjs on the scenarios of REPO_ROOT and on
# the cases in SOURCE_DIR/valid and SOURCE_DIR/invalid. Exit 77 (ctest
# SKIP_RETURN_CODE) only when node/npm or the packages cannot be had.
# Usage: run.sh SOURCE_DIR BUILD_DIR [REPO_ROOT]   (default SOURCE_DIR/../..)
#        run.sh SOURCE_DIR BUILD_DIR REPO_ROOT responses KINSYNC
# The second form runs responses.mjs instead: the storefront emulators'
# response bodies over the whole scenario suite against shapes/.
src=$1
dir=$2
root=${3:-$src/../..}
if [ -z "$src" ] || [ -z "$dir" ]; then
    echo "usage: run.sh SOURCE_DIR BUILD_DIR [REPO_ROOT]" >&2
    exit 2
fi
if ! command -v node >/dev/null 2>&1 || ! command -v npm >/dev/null 2>&1; then
    echo "SKIP: node or npm not found; the schema test needs both"
    exit 77
fi
mkdir -p "$dir" || exit 1
# A changed package.json (new pins) means a fresh install.
if ! cmp -s "$src/package.json" "$dir/package.json" ||
   [ ! -d "$dir/node_modules/ajv" ] || [ ! -d "$dir/node_modules/ajv-formats" ]; then
    cp "$src/package.json" "$dir/" || exit 1
    # Bounded: a registry that does not answer must not hang the test run.
    if ! (cd "$dir" && timeout 300 npm install --no-audit --no-fund \
            --loglevel=error >npm-install.log 2>&1); then
        rm -f "$dir/package.json" # so the next run tries again
        echo "SKIP: could not install ajv and ajv-formats" \
             "(see $dir/npm-install.log)"
        exit 77
    fi
fi
# The script runs from BUILD_DIR so that its imports find node_modules.
if [ "$4" = responses ]; then
    cp "$src/responses.mjs" "$dir/" || exit 1
    exec node "$dir/responses.mjs" "$5" "$root" "$src/shapes" "$dir"
fi
cp "$src/validate.mjs" "$dir/" || exit 1
exec node "$dir/validate.mjs" "$root" "$src"
