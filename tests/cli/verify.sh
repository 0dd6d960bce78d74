#!/usr/bin/env bash
# cli.verify: `kinsync verify` grades integrations on the conformance
# scenarios: a working one (tests/cli/verify-integration.sh, which drives
# `kinsync sync` from the documented environment) passes, one that does
# nothing fails with the expectations it missed, integrations that leak a
# credential (in a URL, to another platform, on stderr) fail naming the
# rule, a stateful one works across scenarios, the output is kept, the
# JSON grade names the suite's digest, usage errors exit 2.
#
# Integrations started in the background (integration.start) get webhooks:
# the working one verifies them, one that accepts every delivery
# (accept_every_webhook.c) fails the forged-webhook scenarios naming the
# rules, one that never listens or exits at once is told so.
#
# usage: verify.sh KINSYNC_BINARY REPO_ROOT ACCEPT_EVERY_WEBHOOK_BINARY
set -u

kinsync=${1:?usage: verify.sh KINSYNC_BINARY REPO_ROOT ACCEPT_EVERY_WEBHOOK}
root=${2:?usage: verify.sh KINSYNC_BINARY REPO_ROOT ACCEPT_EVERY_WEBHOOK}
accept_all=${3:?usage: verify.sh KINSYNC_BINARY REPO_ROOT ACCEPT_EVERY_WEBHOOK}
work=$(mktemp -d "${TMPDIR:-/tmp}/kinsync-cli-verify.XXXXXX") || exit 1
export TMPDIR=$work # the scenarios' scratch directories go here too
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
# Its output, though it exited 0, is in the JUnit report, masked.
grep -q '<system-out>== /when/0 stdout (integration: exited with status 0' \
    "$work/junit.xml" && grep -q '^orders.bigcommerce  *read 1' "$work/junit.xml" ||
    fail "the integration's stdout is not in <system-out>"
grep -q '<system-err>== /when/0 stderr' "$work/junit.xml" &&
    grep -q 'is kept in plain text' "$work/junit.xml" ||
    fail "the integration's stderr is not in <system-err>"
# ... and the scratch directories are gone.
ls -d "$work"/kinsync-*-?????? >/dev/null 2>&1 && fail "scratch dirs left"

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

# Leaking integrations fail, each naming the rule it broke, never
# showing the credential. They do nothing else, so the parts scenario
# also misses its products; the leak must be named all the same.
parts=$suite/parts-reach-bigcommerce-with-prices-and-stock.json
epicor_parts='$KINSYNC_URL_EPICOR/$KINSYNC_EPICOR_INSTANCE/api/v2/odata/$KINSYNC_EPICOR_COMPANY/Erp.BO.PartSvc/Parts'
leak() { # NAME RULE SCRIPT: the script leaks; verify must say RULE
    printf '%s\n' "$3" >"$work/$1.sh"
    NO_COLOR=1 "$kinsync" verify "$parts" -- sh "$work/$1.sh" >"$work/out" 2>&1
    [ $? -eq 1 ] || fail "$1: not exit 1"
    grep -qF "$2" "$work/out" || fail "$1: the rule \"$2\" is not named"
    grep -qE 'scn-sync-epicor-key-51c2|tok_scn_sync_8e1d|Scn-Sync-Pa55' \
        "$work/out" && fail "$1: the report shows the credential"
    return 0
}
leak key-in-query 'no credential in a request URL (credential check' \
    "curl -s -o /dev/null -u \"\$KINSYNC_EPICOR_USERNAME:\$KINSYNC_EPICOR_PASSWORD\" \"$epicor_parts?api-key=\$KINSYNC_EPICOR_API_KEY\""
grep -q 'carried /given/connector/epicor/api_key\|carried /given/epicor/api_keys/0/key' \
    "$work/out" || fail "key-in-query: where the key was configured is not said"
leak token-in-path 'no credential in a request URL (credential check' \
    'curl -s -o /dev/null "$KINSYNC_URL_BIGCOMMERCE/stores/$KINSYNC_BIGCOMMERCE_STORE_HASH/v3/catalog/products/$KINSYNC_BIGCOMMERCE_ACCESS_TOKEN"'
leak token-to-epicor "a platform's credential goes to that platform only" \
    "curl -s -o /dev/null -H \"x-api-key: \$KINSYNC_EPICOR_API_KEY\" -H \"X-Auth-Token: \$KINSYNC_BIGCOMMERCE_ACCESS_TOKEN\" -u \"\$KINSYNC_EPICOR_USERNAME:\$KINSYNC_EPICOR_PASSWORD\" \"$epicor_parts\""
grep -q 'in header X-Auth-Token' "$work/out" ||
    fail "token-to-epicor: the header is not named"
leak basic-to-store "a platform's credential goes to that platform only" \
    'curl -s -o /dev/null -u "$KINSYNC_EPICOR_USERNAME:$KINSYNC_EPICOR_PASSWORD" -H "X-Auth-Token: $KINSYNC_BIGCOMMERCE_ACCESS_TOKEN" "$KINSYNC_URL_BIGCOMMERCE/stores/$KINSYNC_BIGCOMMERCE_STORE_HASH/v3/catalog/products"'
leak token-on-stderr "no credential in the integration's output" \
    'echo "using token $KINSYNC_BIGCOMMERCE_ACCESS_TOKEN" >&2'
grep -q 'is in the stderr of /when/0, line 1' "$work/out" ||
    fail "token-on-stderr: where it was printed is not said"
# A well-behaved request of the same kind passes the credential rules.
printf '%s\n' "curl -s -o /dev/null -H \"x-api-key: \$KINSYNC_EPICOR_API_KEY\" -u \"\$KINSYNC_EPICOR_USERNAME:\$KINSYNC_EPICOR_PASSWORD\" \"$epicor_parts\"" >"$work/clean.sh"
NO_COLOR=1 "$kinsync" verify "$parts" -- sh "$work/clean.sh" >"$work/out" 2>&1
grep -q 'credential check' "$work/out" && fail "a clean request was flagged"
grep -q 'expected 3 entries, found 0' "$work/out" || fail "clean: no verdict"

# An integration that exits 1 on the emulator's 401 (no x-api-key) is told
# which answer it got and which rule of the scenario that breaks.
printf '%s\n' "code=\$(curl -s -o /dev/null -w '%{http_code}' -u \"\$KINSYNC_EPICOR_USERNAME:\$KINSYNC_EPICOR_PASSWORD\" \"$epicor_parts\")" \
    '[ "$code" = 200 ] || { echo "epicor said $code" >&2; exit 1; }' >"$work/nokey.sh"
NO_COLOR=1 "$kinsync" verify "$parts" -- sh "$work/nokey.sh" >"$work/out" 2>&1
[ $? -eq 1 ] || fail "nokey: not exit 1"
grep -q 'epicor #1 GET .*Erp.BO.PartSvc/Parts -> 401' "$work/out" ||
    fail "nokey: the 401 is not listed"
grep -q 'breaks /then/every_request/0: every epicor request to \* /\*/api/v2/\* carries x-api-key; every Epicor REST v2 call carries the API key in x-api-key (this one had none)' \
    "$work/out" || fail "nokey: the x-api-key rule is not named with its text"
grep -q 'epicor said 401' "$work/out" || fail "nokey: its stderr is not shown"

# The step timeout (--step-timeout), and a command that cannot start.
NO_COLOR=1 "$kinsync" verify --step-timeout 0.5 "$parts" -- sleep 30 \
    >"$work/out" 2>&1
[ $? -eq 1 ] || fail "timeout: not exit 1"
grep -q 'sleep timed out after 500 ms and was killed' "$work/out" ||
    fail "timeout: not said"
NO_COLOR=1 "$kinsync" verify "$parts" -- "$work/no-such-program" \
    >"$work/out" 2>&1
grep -q 'no-such-program could not be started: No such file or directory' \
    "$work/out" || fail "start failure: no reason given"

# Isolation: a stateful integration, remembering imported orders in
# KINSYNC_STATE_DIR or in one fixed file, imports the order of each of two
# scenarios (the engine derives a store hash per scenario).
two=$root/tests/scenario/verify
for mode in state fixed; do
    NO_COLOR=1 "$kinsync" verify --fixtures "$root/fixtures" "$two" -- \
        sh "$root/tests/cli/verify-stateful.sh" "$kinsync" $mode \
        "$work/imported" >"$work/out" 2>&1 || fail "stateful $mode: failed"
    grep -q '2 of 2 scenarios passed' "$work/out" || fail "stateful $mode"
done
[ "$(cut -d: -f1 "$work/imported" | sort -u | wc -l)" -eq 2 ] ||
    fail "the two scenarios had the same store hash"

# Webhooks: the working integration (kinsync sync --watch on the announced
# port) refuses the forged deliveries and imports the genuine ones; it
# said where it listened and what it refused.
hooks_bc=$suite/forged-bigcommerce-webhook-is-refused-and-the-genuine-one-imported.json
hooks_wc=$suite/forged-woocommerce-webhook-is-refused-and-the-genuine-one-imported.json
hooks_dup=$suite/duplicate-bigcommerce-webhook-delivery-makes-no-second-sales-order.json
NO_COLOR=1 "$kinsync" verify --show-log "$hooks_bc" "$hooks_wc" "$hooks_dup" -- \
    sh "$root/tests/cli/verify-integration.sh" "$kinsync" >"$work/out" 2>&1 ||
    fail "the working integration on the webhook scenarios"
grep -q '3 of 3 scenarios passed' "$work/out" || fail "webhooks: not 3 of 3"
grep -q 'integration: exited with status 0 after SIGTERM' "$work/out" ||
    fail "webhooks: the stop by SIGTERM is not reported"
grep -q '^receiver http://127.0.0.1:[0-9]' "$work/out" ||
    fail "webhooks: the integration's output is not kept"
grep -q 'refused 1 webhook delivery' "$work/out" ||
    fail "webhooks: the forged delivery was not refused"
# One that accepts every delivery (and imports on each) fails both forged
# scenarios, naming the rules it broke.
NO_COLOR=1 "$kinsync" verify "$hooks_bc" "$hooks_wc" -- "$accept_all" \
    env -u KINSYNC_RECEIVER_PORT sh "$root/tests/cli/verify-integration.sh" \
    "$kinsync" >"$work/out" 2>&1
[ $? -eq 1 ] || fail "accept-all: not exit 1"
grep -q '0 of 2 scenarios passed' "$work/out" || fail "accept-all passed one"
grep -qF '/then/state/bigcommerce/~1deliveries~1[tampered=signature]~1success: bigcommerce state /deliveries/[tampered=signature]/success: expected false, found true' \
    "$work/out" || fail "accept-all: the refused-forgery rule is not named"
grep -qF '/then/state/woocommerce/~1deliveries~1[tampered=true]~1success: woocommerce state /deliveries/[tampered=true]/success: expected false, found true' \
    "$work/out" || fail "accept-all: the WooCommerce forgery rule is not named"
grep -qF 'SalesOrders/[CustNum=11]: expected nothing there, found' \
    "$work/out" || fail "accept-all: the forged order's import is not named"
# One that never listens is stopped at the step timeout; one that exits
# at once is told it never listened.
NO_COLOR=1 "$kinsync" verify --step-timeout 1 "$hooks_bc" -- sleep 30 \
    >"$work/out" 2>&1
[ $? -eq 1 ] || fail "never listens: not exit 1"
grep -q '/when/0: sleep did not listen on 127.0.0.1:[0-9]* (KINSYNC_RECEIVER_PORT) within 1000 ms' \
    "$work/out" || fail "never listens: not said"
NO_COLOR=1 "$kinsync" verify "$hooks_bc" -- sh -c 'echo gone; exit 4' \
    >"$work/out" 2>&1
grep -q '/when/0: sh ended (exit status 4) before anything listened' \
    "$work/out" && grep -q 'gone' "$work/out" ||
    fail "exits at once: not said, or its output not shown"
"$kinsync" verify --print-env "$hooks_wc" >"$work/env" 2>&1 ||
    fail "--print-env of a background step"
grep -q '^KINSYNC_RECEIVER_PORT=[1-9][0-9]*$' "$work/env" &&
    grep -q '^KINSYNC_RECEIVER_URL=http://127.0.0.1:[0-9]*$' "$work/env" &&
    grep -q '^KINSYNC_WOOCOMMERCE_WEBHOOK_SECRET=whsec_cnf_37_71c0$' "$work/env" ||
    fail "--print-env lacks the receiver's port, URL or webhook secret"
for var in KINSYNC_RECEIVER_PORT KINSYNC_RECEIVER_URL; do
    "$kinsync" verify --env-table | grep -qF "| \`$var\`" ||
        fail "the table lacks $var"
done

# --print-env: every variable with its value and meaning.
"$kinsync" verify --print-env "$suite/unavailable-epicor-is-retried.json" \
    >"$work/env" 2>&1 || fail "--print-env: exit $?"
for var in KINSYNC_URL_EPICOR= KINSYNC_EPICOR_AUTH=basic \
    KINSYNC_EPICOR_PASSWORD=Scn-Sync-Pa55! KINSYNC_EPICOR_COMPANY=CNF03 \
    KINSYNC_RETRY_BASE_DELAY_MS=200 KINSYNC_STATE_DIR=/ TMPDIR= \
    KINSYNC_STEP_TIMEOUT_MS=60000 KINSYNC_JOB=sync.parts; do
    grep -q "^$var" "$work/env" || fail "--print-env lacks $var"
done
grep -q 'token: POST USERNAME and PASSWORD' "$work/env" ||
    fail "--print-env does not say what auth means"
# ... each one in the engine's table, which the README holds as it is.
"$kinsync" verify --env-table >"$work/table" || fail "--env-table"
for var in $(grep -oE '^[A-Z_]+=' "$work/env" | tr -d = |
    sed 's/^KINSYNC_URL_.*/KINSYNC_URL_<SYSTEM>/' | sort -u); do
    grep -qF "| \`$var\`" "$work/table" || fail "the table lacks $var"
done
while IFS= read -r row; do
    grep -qxF "$row" "$root/README.md" || fail "README lacks: $row"
done <"$work/table"

# The JSON grade: its shape, the same digest twice, another after a
# fixture changed.
cp -R "$root/fixtures" "$work/fixtures"
grade() {
    NO_COLOR=1 "$kinsync" verify --report "$work/$1.json" --html \
        "$work/$1.html" --fixtures "$work/fixtures" "$parts" -- \
        sh "$root/tests/cli/verify-integration.sh" "$kinsync" \
        >"$work/out" 2>&1 || fail "grade $1: exit $?"
    sed -n 's/.*"sha256":[[:space:]]*"\([0-9a-f]*\)".*/\1/p' "$work/$1.json"
}
d1=$(grade one)
d2=$(grade two)
[ "${#d1}" -eq 64 ] || fail "the digest is not a SHA-256: '$d1'"
[ "$d1" = "$d2" ] || fail "the same suite gave two digests"
for key in '"version":' '"command":[[:space:]]*"verify"' '"files":[[:space:]]*3' \
    '"scenarios":[[:space:]]*1' '"passed":[[:space:]]*1' '"outcome":[[:space:]]*"pass"' \
    '"rule":[[:space:]]*"/then/every_request/0"' '"wall_ms":' '"cpu_ms":[[:space:]]*[0-9]' \
    '"rule":[[:space:]]*"no credential in a request URL' '"integration":'; do
    grep -qE "$key" "$work/one.json" || fail "the JSON grade lacks $key"
done
grep -q "$d1" "$work/one.html" || fail "the HTML report lacks the digest"
echo ' ' >>"$work/fixtures/epicor/parts/with-stock.json"
d3=$(grade three)
[ "$d3" != "$d1" ] || fail "a changed fixture left the digest as it was"

# --journal creates its directory; --keep-work keeps the scratch dirs.
NO_COLOR=1 "$kinsync" verify --journal "$work/j/k" --keep-work "$parts" -- \
    sh "$root/tests/cli/verify-integration.sh" "$kinsync" >"$work/out" 2>&1 ||
    fail "--journal into a new directory"
ls "$work/j/k/"*.epicor.json >/dev/null 2>&1 || fail "no journal written"
kept=$(sed -n 's/.*scratch directory kept: //p' "$work/out")
[ -d "$kept/state" ] && [ -f "$kept/step-1/stdout" ] ||
    fail "--keep-work: '$kept' lacks state/ or step-1/stdout"

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
