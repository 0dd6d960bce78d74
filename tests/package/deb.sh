#!/usr/bin/env bash
# package.deb: the Debian packages of this build tree, used as a user
# would. Builds them with cpack, extracts them with dpkg-deb -x into a
# scratch root, then: the extracted kinsync runs the extracted suite (and,
# from an empty folder, finds it alone); a C and a C++ program build
# against the extracted headers and library through pkg-config (shared
# and static) and through find_package(kinsync), and run.
# Usage: deb.sh BUILD_DIR SOURCE_DIR PREFIX LIBDIR SANITIZE CC CXX.
# Exit 77 (skip) without cpack, dpkg-deb, dpkg-shlibdeps or pkg-config, or
# in a sanitizer build (its programs need the sanitizer runtime loaded
# first).
set -euo pipefail
build=$1 src=$2 prefix=$3 libdir=$4 sanitize=$5 cc=$6 cxx=$7
for tool in cpack dpkg-deb dpkg-shlibdeps pkg-config "$cxx"; do
    command -v "$tool" >/dev/null || { echo "skip: no $tool"; exit 77; }
done
[ -z "$sanitize" ] || { echo "skip: sanitizer build ($sanitize)"; exit 77; }
case $libdir in /*) ;; *) libdir=$prefix/$libdir ;; esac

tmp=$(mktemp -d)
trap '[ -n "${KS_KEEP:-}" ] || rm -rf "$tmp"' EXIT
fail() { echo "FAIL: $*"; exit 1; }

echo "== cpack"
(cd "$build" && cpack -G DEB -B "$tmp/out" >"$tmp/cpack.log" 2>&1) ||
    { cat "$tmp/cpack.log"; fail "cpack"; }
mkdir -p "$tmp/root"
for name in kinsync libkinsync0 libkinsync-dev; do
    deb=$(ls "$tmp/out/${name}_"*.deb 2>/dev/null | head -n1)
    [ -n "$deb" ] || fail "no package $name in: $(ls "$tmp/out")"
    dpkg-deb -f "$deb" Package Version Depends
    dpkg-deb -x "$deb" "$tmp/root"
    eval "deb_${name//-/_}=\$deb"
done
# Dependencies are computed, not hand-written.
dpkg-deb -f "$deb_kinsync" Depends | grep libcurl >/dev/null ||
    fail "kinsync: no computed libcurl dependency"
dpkg-deb -f "$deb_libkinsync0" Depends | grep libsqlite3 >/dev/null ||
    fail "libkinsync0: no computed libsqlite3 dependency"
dpkg-deb -f "$deb_libkinsync0" Depends | grep libpq5 >/dev/null ||
    fail "libkinsync0: no computed libpq5 dependency (the PostgreSQL store)"
dpkg-deb -f "$deb_libkinsync_dev" Depends | grep 'libkinsync0 (= ' >/dev/null ||
    fail "libkinsync-dev: does not depend on its libkinsync0"

root=$tmp/root
echo "== files"
for f in "$prefix/bin/kinsync" "$prefix/share/kinsync/scenarios/scenario.schema.json" \
         "$prefix/share/kinsync/fixtures" "$prefix/share/man/man1/kinsync.1.gz" \
         "$prefix/share/bash-completion/completions/kinsync" \
         "$prefix/include/kinsync.h" "$prefix/include/kinsync/version.h" \
         "$libdir/libkinsync.a" "$libdir/libkinsync.so" \
         "$libdir/libkinsync.so.0" "$libdir/pkgconfig/kinsync.pc" \
         "$libdir/cmake/kinsync/kinsyncConfig.cmake"; do
    [ -e "$root$f" ] || fail "$f is not in the packages"
done
[ ! -e "$root$prefix/include/kinsync/testing.h" ] ||
    fail "the testing header is installed"
objdump -p "$root$libdir/libkinsync.so.0" | grep 'SONAME *libkinsync.so.0' >/dev/null ||
    fail "libkinsync.so.0 has no SONAME libkinsync.so.0"

echo "== the extracted kinsync runs the extracted suite"
kinsync=$root$prefix/bin/kinsync
data=$root$prefix/share/kinsync
mkdir "$tmp/empty"
(cd "$tmp/empty" && "$kinsync" check -q --junit "$tmp/suite.xml") ||
    fail "kinsync check from an empty folder"
n=$(find "$data/scenarios" -name '*.json' ! -name '*.schema.json' | wc -l)
ran=$(grep -o '<testcase ' "$tmp/suite.xml" | wc -l)
[ "$n" -gt 0 ] && [ "$ran" -eq "$n" ] ||
    fail "ran $ran scenarios, the package has $n"
grep -q "$data/scenarios/" "$tmp/suite.xml" ||
    fail "the report does not name the installed scenarios"
! grep -q "$src" "$tmp/suite.xml" || fail "the source tree was read"
"$kinsync" check -q "$data/scenarios/epicor" || fail "check DIR"
"$kinsync" help check | grep 'usage: kinsync check' >/dev/null || fail "help check"

echo "== pkg-config"
export PKG_CONFIG_PATH=$root$libdir/pkgconfig PKG_CONFIG_SYSROOT_DIR=$root
[ "$(pkg-config --variable=includedir kinsync)" = "$root$prefix/include" ] ||
    fail "includedir: $(pkg-config --variable=includedir kinsync)"
[ "$(pkg-config --variable=libdir kinsync)" = "$root$libdir" ] ||
    fail "libdir: $(pkg-config --variable=libdir kinsync)"
cflags="$(pkg-config --cflags kinsync)"
# pkgconf drops -I of a system folder (/usr/include) even under a sysroot.
case $prefix in /usr) cflags="$cflags -I$root/usr/include" ;; esac
export LD_LIBRARY_PATH=$root$libdir
"$cc" -std=c99 -Wall -Werror $cflags "$src/tests/package/consumer.c" \
    -o "$tmp/c_pc" $(pkg-config --libs kinsync)
"$tmp/c_pc" | grep '^c ' >/dev/null || fail "C program (pkg-config)"
ldd "$tmp/c_pc" | grep "=> $root$libdir/libkinsync.so.0" >/dev/null ||
    fail "C program did not load the extracted library: $(ldd "$tmp/c_pc")"
"$cxx" -std=c++17 -Wall -Werror $cflags "$src/tests/package/consumer.cpp" \
    -o "$tmp/cxx_pc" $(pkg-config --libs kinsync)
"$tmp/cxx_pc" | grep '^c++ ' >/dev/null || fail "C++ program (pkg-config)"
# libkinsync.a, with what kinsync.pc says it requires linked shared
# (Debian has no static libcurl for all of libcurl's own dependencies).
requires="$(pkg-config --print-requires kinsync | cut -d' ' -f1)
          $(pkg-config --print-requires-private kinsync | cut -d' ' -f1)"
"$cc" -std=c99 -Wall -Werror $cflags "$src/tests/package/consumer.c" \
    -o "$tmp/c_static" -L"$root$libdir" -Wl,-Bstatic -lkinsync \
    -Wl,-Bdynamic $(pkg-config --libs $requires) -pthread
! ldd "$tmp/c_static" | grep libkinsync >/dev/null || fail "static link used the .so"
"$tmp/c_static" | grep '^c ' >/dev/null || fail "C program (static)"

echo "== find_package"
mkdir "$tmp/consumer"
cp "$src/tests/package/consumer.c" "$src/tests/package/consumer.cpp" \
    "$tmp/consumer/"
cp "$src/tests/package/CMakeLists.consumer.txt" "$tmp/consumer/CMakeLists.txt"
env -u PKG_CONFIG_PATH -u PKG_CONFIG_SYSROOT_DIR \
    cmake -S "$tmp/consumer" -B "$tmp/consumer/build" \
    -DCMAKE_C_COMPILER="$cc" -DCMAKE_CXX_COMPILER="$cxx" \
    -DCMAKE_PREFIX_PATH="$root$prefix" -DCMAKE_FIND_PACKAGE_NO_PACKAGE_REGISTRY=ON \
    >"$tmp/consumer.log" 2>&1 || { cat "$tmp/consumer.log"; fail "configure"; }
cmake --build "$tmp/consumer/build" >>"$tmp/consumer.log" 2>&1 ||
    { cat "$tmp/consumer.log"; fail "build"; }
"$tmp/consumer/build/consumer_c" | grep '^c ' >/dev/null || fail "C program (CMake)"
"$tmp/consumer/build/consumer_cxx" | grep '^c++ ' >/dev/null ||
    fail "C++ program (CMake)"
echo "ok"
