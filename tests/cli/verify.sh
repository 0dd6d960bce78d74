#!/usr/bin/env bash
# cli.verify: `kinsync verify` grades integrations on the conformance
# scenarios: a working one (tests/cli/verify-integration.sh, which drives
# `kinsync sync` from the documented environment) passes, one that does
# nothing fails with the expectations it missed, usage errors exit 2.
#
# usage: verify.sh KINSYNC_BINARY REPO_ROOT
set -u

kinsync=${1:?usage: verify.sh KINSYNC_BINARY REPO_ROOT}
root=${2:?usage: verify.sh KINSYNC_BINARY REPO_ROOT}
work=$(mktemp -d "${TMPDIR:-/tmp}/kinsync-cli-verify.XXXXXX") || exit 1
export TMPDIR=$work # the integration's state goes here too
trap 'rm -rf "$work"' EXIT
fail() {
    echo "FAIL: $*"
    [ -f "$work/out" ] && sed 's/^/  | /' "$work/out" | tail -60
    exit 1
}
suite=$root/scenarios/conformance

# A working integration passes every conformance scenario.
NO_COLOR=1 "$kinsync" verify --junit "$work/junit.xml" "$suite" -- \
    sh "$root/tests/cli/verify-integration.sh" "$kinsync" >"$work/out" 2>&1
status=$?
[ "$status" -eq 0 ] || fail "the working integration: exit $status"
n=$(ls "$suite"/*.json | wc -l)
grep -q "$n of $n scenarios passed" "$work/out" || fail "not all $n passed"
grep -q "tests=\"$n\" failures=\"0\"" "$work/junit.xml" || fail "JUnit counts"

# One that does nothing fails, saying what was expected and found.
NO_COLOR=1 "$kinsync" verify "$suite" -- true >"$work/out" 2>&1
status=$?
[ "$status" -eq 1 ] || fail "the idle integration: exit $status, expected 1"
grep -q '^FAIL .*parts-reach-bigcommerce-with-prices-and-stock' "$work/out" ||
    fail "no FAIL row for the parts scenario"
grep -q 'bigcommerce state /products: expected 3 entries, found 0' "$work/out" ||
    fail "no explanation of the missing products"
grep -q '0 of' "$work/out" || fail "the idle integration passed something"

# What a failing integration printed is shown, its credentials masked.
cat >"$work/leaky.sh" <<'LEAK'
echo "connecting with $KINSYNC_EPICOR_PASSWORD"
exit 3
LEAK
NO_COLOR=1 "$kinsync" verify "$suite/unavailable-epicor-is-retried.json" -- \
    sh "$work/leaky.sh" >"$work/out" 2>&1
[ $? -eq 1 ] || fail "the leaky integration: not exit 1"
grep -q 'connecting with \*\*\*' "$work/out" || fail "its output is not shown"
grep -q 'Scn-Sync-Pa55' "$work/out" && fail "its output shows the password"

# A scenario without an integration step is skipped in verify mode.
NO_COLOR=1 "$kinsync" verify "$root/scenarios/epicor/basic-auth-reads-parts.json" \
    "$suite/unavailable-epicor-is-retried.json" -- \
    sh "$root/tests/cli/verify-integration.sh" "$kinsync" >"$work/out" 2>&1
status=$?
[ "$status" -eq 0 ] || fail "mixed files: exit $status"
grep -q '1 scenario without an integration step skipped' "$work/out" ||
    fail "the skip is not reported"
grep -q '1 of 1 scenarios passed' "$work/out" || fail "mixed files: summary"

# Usage: the command is required.
"$kinsync" verify "$suite" >"$work/out" 2>&1
[ $? -eq 2 ] || fail "verify without a command: not exit 2"
grep -q 'command after --' "$work/out" || fail "no usage message"
"$kinsync" verify --help >"$work/out" 2>&1 || fail "verify --help"
grep -q 'KINSYNC_JOB' "$work/out" || fail "--help does not document KINSYNC_JOB"
echo "cli.verify: all checks passed"
