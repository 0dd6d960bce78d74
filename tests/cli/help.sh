#!/usr/bin/env bash
# cli.help: `kinsync help COMMAND` is `kinsync COMMAND --help` (same text,
# same status) for every command; an unknown topic is a usage error; and
# NO_COLOR turns colour off only when set and not empty (no-color.org).
# Usage: help.sh KINSYNC REPO_ROOT.
set -uo pipefail
kinsync=$1 root=$2
status=0
fail() { echo "FAIL: $*"; status=1; }

for cmd in check verify serve record replay diff scenario sync secret outbox workers; do
    want=$("$kinsync" "$cmd" --help 2>&1); want_rc=$?
    got=$("$kinsync" help "$cmd" 2>&1); got_rc=$?
    [ "$got" = "$want" ] && [ "$got_rc" = "$want_rc" ] && [ -n "$got" ] ||
        fail "kinsync help $cmd differs from kinsync $cmd --help"
done
"$kinsync" help | grep '^usage: kinsync' >/dev/null || fail "kinsync help"
"$kinsync" help help | grep '^usage: kinsync' >/dev/null ||
    fail "kinsync help help"
"$kinsync" help nosuch >/dev/null 2>&1
[ $? -eq 2 ] || fail "kinsync help nosuch: status not 2"
"$kinsync" help check serve >/dev/null 2>&1
[ $? -eq 2 ] || fail "kinsync help with two topics: status not 2"

# Colour needs a terminal: script(1) gives the program one.
if command -v script >/dev/null; then
    scenario=$root/scenarios/epicor/basic-auth-reads-parts.json
    colour() { # NO_COLOR setting ("unset" for none) -> colour or plain
        local out
        if [ "$1" = unset ]; then
            out=$(env -u NO_COLOR script -qec "$kinsync check $scenario" /dev/null)
        else
            out=$(NO_COLOR=$1 script -qec "$kinsync check $scenario" /dev/null)
        fi
        # SGR sequences (ESC [ ... m) are colour; the progress line's
        # ESC [ K is not.
        if grep -q $'\033\\[[0-9;]*m' <<<"$out"; then echo colour; else echo plain; fi
    }
    [ "$(colour unset)" = colour ] || fail "no colour on a terminal"
    [ "$(colour '')" = colour ] || fail "NO_COLOR= (empty) turned colour off"
    [ "$(colour 1)" = plain ] || fail "NO_COLOR=1 left colour on"
else
    echo "note: no script(1), colour not checked"
fi
exit $status
