#!/usr/bin/env bash
# package.headertest: each public header compiles alone, first thing in a
# translation unit, as C99 with -pedantic -Werror and as C++17 (extern "C",
# no C-only constructs), and KS_VERSION_* agree with the project version.
# Usage: headers.sh CC CXX VERSION INCLUDE_DIR GENERATED_INCLUDE_DIR.
# Exit 77 (skip) without a C++ compiler.
set -uo pipefail
cc=$1 cxx=$2 version=$3 inc=$4 gen=$5
if [ -z "$cxx" ] || ! command -v "$cxx" >/dev/null; then
    echo "skip: no C++ compiler"
    exit 77
fi
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT

headers=(kinsync.h)
for h in "$inc"/kinsync/*.h "$gen"/kinsync/*.h; do
    headers+=("kinsync/$(basename "$h")")
done
case " ${headers[*]} " in
*" kinsync/version.h "*) ;;
*) echo "FAIL: kinsync/version.h is not generated"; exit 1 ;;
esac

failures=0
for h in "${headers[@]}"; do
    printf '#include <%s>\n#include <%s> /* guarded */\nint ks_headertest;\n' \
        "$h" "$h" >"$tmp/t.c"
    cp "$tmp/t.c" "$tmp/t.cpp"
    if ! "$cc" -std=c99 -pedantic -Wall -Wextra -Werror -fsyntax-only \
         -I"$inc" -I"$gen" "$tmp/t.c"; then
        echo "FAIL: $h as C99"
        failures=$((failures + 1))
    fi
    if ! "$cxx" -std=c++17 -pedantic -Wall -Wextra -Werror -fsyntax-only \
         -I"$inc" -I"$gen" "$tmp/t.cpp"; then
        echo "FAIL: $h as C++17"
        failures=$((failures + 1))
    fi
done

# The declarations have C linkage in C++ (a mangled ks_version would not
# link against the library), and the version macros match the project.
IFS=. read -r major minor patch <<<"$version"
cat >"$tmp/v.cpp" <<CPP
#include <kinsync.h>
#include <cstring>
static_assert(KS_VERSION_MAJOR == $major && KS_VERSION_MINOR == $minor &&
              KS_VERSION_PATCH == $patch, "KS_VERSION_* != $version");
static_assert(KS_VERSION_NUM == (($major << 16) | ($minor << 8) | $patch),
              "KS_VERSION_NUM");
const char *(*ks_headertest_fn)(void) = ks_version;
int main() { return std::strcmp(KS_VERSION, "$version") != 0; }
CPP
if ! "$cxx" -std=c++17 -Werror -c -I"$inc" -I"$gen" "$tmp/v.cpp" \
     -o "$tmp/v.o"; then
    echo "FAIL: the version macros"
    failures=$((failures + 1))
elif nm "$tmp/v.o" | grep -q '_Z[0-9]*ks_version'; then
    echo "FAIL: ks_version has C++ linkage"
    failures=$((failures + 1))
fi
echo "${#headers[@]} headers, $failures failures"
[ $failures -eq 0 ]
