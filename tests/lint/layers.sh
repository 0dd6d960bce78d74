#!/usr/bin/env bash
# lint.layers: ci/layers passes on this tree and fails, naming the rule, on
# copies of it with one violation planted each: a connector-internal include
# in mocks/, an emulator linked into the production command, an emulator
# header included by it, and an aborting allocator in the library.
# Usage: layers.sh REPO_ROOT
set -euo pipefail
repo=$(cd "$1" && pwd)
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
failures=0

copy_tree() { # $1: destination
    mkdir -p "$1"
    (cd "$repo" && git ls-files -z --cached --others --exclude-standard |
        xargs -0 tar -cf - 2>/dev/null) | tar -xf - -C "$1"
}

# expect_violation NAME MESSAGE-PART COMMAND...: plants with COMMAND (run
# inside a fresh copy) and expects ci/layers to fail saying MESSAGE-PART.
expect_violation() {
    local name=$1 want=$2 dir="$work/$1" out
    shift 2
    copy_tree "$dir"
    (cd "$dir" && "$@")
    if out=$(bash "$repo/ci/layers" "$dir" 2>&1); then
        echo "FAIL $name: ci/layers passed a tree with the violation"
        failures=$((failures + 1))
    elif ! grep -qF -- "$want" <<<"$out"; then
        echo "FAIL $name: ci/layers failed without saying \"$want\":"
        echo "$out"
        failures=$((failures + 1))
    else
        echo "ok   $name"
    fi
}

if out=$(bash "$repo/ci/layers" "$repo" 2>&1); then
    echo "ok   the tree keeps its layers"
else
    echo "FAIL the tree itself breaks a layer rule:"
    echo "$out"
    failures=$((failures + 1))
fi
expect_violation mocks-includes-connector-internal \
    'includes the connector-internal "core/internal.h"' \
    sed -i '1i #include "core/internal.h"' mocks/src/common/journal.c
expect_violation production-links-an-emulator \
    'kh_ops -> km_common' \
    sh -c 'echo "target_link_libraries(kh_ops PUBLIC km_common)" >> ops/CMakeLists.txt'
expect_violation production-includes-an-emulator \
    'includes an emulator, engine or host header' \
    sed -i '1i #include <kinmock/server.h>' ops/src/log.c
expect_violation library-aborts-on-oom \
    'calls an aborting kx_x* allocator' \
    sh -c 'echo "void *f(void); void *f(void) { return kx_xmalloc(1); }" >> connector/src/core/error.c'
expect_violation support-includes-above \
    'support/ includes a header of a layer above it' \
    sed -i '1i #include <kinsync/error.h>' support/src/buf.c
[ "$failures" -eq 0 ]
