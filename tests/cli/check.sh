#!/usr/bin/env bash
# cli.check: `kinsync check` as CI runs it: exit statuses, the summary,
# the JUnit and HTML reports, NO_COLOR, and clear usage errors.
#
# usage: check.sh KINSYNC_BINARY REPO_ROOT
set -u

kinsync=${1:?usage: check.sh KINSYNC_BINARY REPO_ROOT}
root=${2:?usage: check.sh KINSYNC_BINARY REPO_ROOT}
work=$(mktemp -d "${TMPDIR:-/tmp}/kinsync-cli-check.XXXXXX") || exit 1
trap 'rm -rf "$work"' EXIT

fail() {
    echo "FAIL: $*"
    [ -f "$work/out" ] && sed 's/^/  | /' "$work/out" | tail -40
    exit 1
}

# Runs kinsync check with the arguments; $status and $work/out are set.
run() {
    NO_COLOR=1 "$kinsync" check "$@" >"$work/out" 2>&1
    status=$?
}

good=$root/scenarios/epicor/basic-auth-reads-parts.json
good2=$root/scenarios/bigcommerce/rate-limit-429-waits-for-reset.json

# A passing pair: exit 0, a table row each, reports written.
run --junit "$work/junit.xml" --html "$work/report.html" "$good" "$good2"
[ "$status" -eq 0 ] || fail "two passing scenarios: exit $status"
grep -q '^PASS .*basic-auth-reads-parts.json' "$work/out" ||
    fail "no PASS row for basic-auth-reads-parts"
grep -q '2 of 2 scenarios passed' "$work/out" || fail "no summary line"
grep -q $'\033' "$work/out" && fail "colour codes despite NO_COLOR"
grep -q '<testsuite name="kinsync" tests="2" failures="0"' "$work/junit.xml" ||
    fail "JUnit testsuite element"
[ "$(grep -c '<testcase ' "$work/junit.xml")" -eq 2 ] || fail "JUnit testcases"
grep -q '<td>basic auth reads parts</td>' "$work/report.html" ||
    fail "HTML row for the scenario"
grep -q '<script' "$work/report.html" && fail "HTML report has scripts"
grep -Eq '(src|href)="https?:' "$work/report.html" &&
    fail "HTML report loads external resources"

# A broken expectation: exit 1, FAIL row, the explanation, a JUnit failure.
# (A scenario file is named after its scenario, so the copy keeps the name.)
mkdir "$work/broken"
broken=$work/broken/basic-auth-reads-parts.json
sed 's#"/count": 3#"/count": 4#' "$good" >"$broken"
cmp -s "$good" "$broken" && fail "could not break the scenario"
run --junit "$work/junit2.xml" --fixtures "$root/fixtures" "$broken" "$good"
[ "$status" -eq 1 ] || fail "a failing scenario: exit $status, expected 1"
grep -q '^FAIL .*broken/basic-auth-reads-parts.json' "$work/out" || fail "no FAIL row"
grep -q 'expected 4' "$work/out" || fail "no expected/found explanation"
grep -q '1 of 2 scenarios passed' "$work/out" || fail "summary after a failure"
grep -q '<failure message=' "$work/junit2.xml" || fail "JUnit failure element"

# A scenario that does not load: exit 1 with the pointer of the problem.
printf '{"name": "x", "given": {}, "when": [{"do": "dance"}]}\n' >"$work/bad.json"
run "$work/bad.json"
[ "$status" -eq 1 ] || fail "an invalid scenario: exit $status, expected 1"
grep -q '/when/0: unknown step "dance"' "$work/out" || fail "loader message"

# Usage errors: exit 2 and a message.
run --bogus
[ "$status" -eq 2 ] || fail "unknown option: exit $status, expected 2"
grep -q 'unknown option --bogus' "$work/out" || fail "unknown option message"
run "$work/no-such-dir"
[ "$status" -eq 2 ] || fail "missing path: exit $status, expected 2"
run --junit
[ "$status" -eq 2 ] || fail "--junit without a file: exit $status"
grep -q -- '--junit needs a value' "$work/out" || fail "--junit without a file: message"
run --junit= "$good"
[ "$status" -eq 2 ] || fail "--junit= (empty): exit $status"
grep -q -- '--junit needs a value' "$work/out" || fail "--junit=: message"
run --quiet=yes "$good"
[ "$status" -eq 2 ] || fail "--quiet=yes: exit $status"
grep -q -- '--quiet takes no value' "$work/out" || fail "--quiet=yes: message"
[ "$(wc -l <"$work/out")" -eq 1 ] || fail "a usage error is not one line"

# --opt=value works as --opt value does, and options may follow the files.
rm -f "$work/junit.xml" "$work/report.html"
run --junit="$work/junit.xml" "$good" --html="$work/report.html" -q
[ "$status" -eq 0 ] || fail "--junit=FILE --html=FILE -q: exit $status"
[ "$(grep -c '<testcase ' "$work/junit.xml")" -eq 1 ] || fail "--junit=FILE report"
grep -q '<td>basic auth reads parts</td>' "$work/report.html" || fail "--html=FILE report"
mkdir "$work/journal-eq"
run --journal="$work/journal-eq" "$good"
[ "$status" -eq 0 ] || fail "--journal=DIR: exit $status"
ls "$work/journal-eq" | grep -q '^basic-auth-reads-parts\..*\.json$' ||
    fail "--journal=DIR wrote no journal"

# An unwritable report is a clear error, not a silent pass.
run --junit "$work/no/such/dir/junit.xml" "$good"
[ "$status" -eq 1 ] || fail "unwritable JUnit: exit $status, expected 1"
grep -q 'cannot write' "$work/out" || fail "unwritable JUnit message"

# --journal: every emulator's requests of each scenario, as JSON.
mkdir "$work/journals"
run --journal "$work/journals" "$good"
[ "$status" -eq 0 ] || fail "--journal run: exit $status"
j=$work/journals/basic-auth-reads-parts.epicor.json
[ -s "$j" ] || fail "--journal wrote no $j"
grep -q '"seq":' "$j" || fail "the journal file has no entries"
grep -q '"Authorization":[[:space:]]*"(redacted)"' "$j" ||
    fail "the journal file shows an Authorization value"
mkdir "$work/har"
run --har "$work/har" "$good"
[ "$status" -eq 0 ] || fail "--har run: exit $status"
h=$work/har/basic-auth-reads-parts.har
grep -q '"version":[[:space:]]*"1.2"' "$h" || fail "--har: no HAR 1.2 log in $h"
grep -q '"startedDateTime":' "$h" || fail "--har: no entries"
grep -q '"(redacted)"' "$h" || fail "--har: credentials not redacted"
run --journal "$work/new/dir" "$good"
[ "$status" -eq 0 ] || fail "--journal into a new directory: exit $status"
ls "$work/new/dir/"*.json >/dev/null 2>&1 || fail "--journal: DIR not created"
run --journal "$good/under-a-file" "$good"
[ "$status" -eq 2 ] || fail "--journal under a file: exit $status"
grep -q 'cannot create: Not a directory' "$work/out" ||
    fail "--journal under a file: no reason"

# --help, --version, --list-jobs.
NO_COLOR=1 "$kinsync" check --help >"$work/out" 2>&1 || fail "check --help"
grep -q -- '--junit FILE' "$work/out" || fail "--help lists --junit"
"$kinsync" --version >"$work/out" 2>&1 || fail "--version"
grep -Eq '^kinsync [0-9]+\.[0-9]+\.[0-9]+' "$work/out" || fail "version text"
"$kinsync" check --list-jobs >"$work/out" 2>&1 || fail "--list-jobs"
grep -q '^epicor.read_parts' "$work/out" || fail "--list-jobs lists epicor"
grep -q '^sync.orders' "$work/out" || fail "--list-jobs lists sync"
echo "cli.check: all checks passed"
