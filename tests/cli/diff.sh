#!/usr/bin/env bash
# cli.diff: `kinsync diff` replays a recording against the emulators and
# reports per route what they answer differently. A scenario's traffic,
# recorded by `kinsync check --har`, diffed against emulators seeded from
# the same scenario, shows no difference (exit 0); seeded from a copy whose
# BigCommerce emulator has another rate-limit quota and a 503 fault on one
# route, the report names the status, the missing fields and the header
# value of those routes (exit 1), as text, JSON and HTML. Usage errors
# exit 2.
#
# usage: diff.sh KINSYNC_BINARY REPO_ROOT
set -u

kinsync=${1:?usage: diff.sh KINSYNC_BINARY REPO_ROOT}
root=${2:?usage: diff.sh KINSYNC_BINARY REPO_ROOT}
scenario=$root/scenarios/sync/full-catalog-to-bigcommerce-creates-products-prices-and-stock.json

. "$(dirname "$0")/common.sh"
cli_setup diff

"$kinsync" check --har "$work" "$scenario" >"$work/check.out" 2>&1 ||
    fail "the recording run failed"
har=$work/full-catalog-to-bigcommerce-creates-products-prices-and-stock.har
[ -s "$har" ] || fail "no HAR written"

# ---- unchanged: nothing differs ---------------------------------------------
"$kinsync" diff "$har" --scenario "$scenario" >"$work/same.out" 2>"$work/same.err"
rc=$?
[ "$rc" = 0 ] || fail "an unchanged emulator: exit $rc, not 0"
grep -q '^same bigcommerce GET /stores/{store_hash}/v3/catalog/variants: 1 request, no difference$' \
    "$work/same.out" || fail "the variants route is not reported the same"
grep -q '^summary: 4 routes, 7 requests, 0 routes differ, 0 skipped$' \
    "$work/same.out" || fail "no clean summary"
ok "an unchanged emulator: every route the same, exit 0"

# ---- changed: another quota, a 503 on the variants route --------------------
# The fault answers with BigCommerce's error shape, so the variants' page
# (/data, /meta/pagination/...) is missing; the quota changes the
# X-Rate-Limit-Requests-Quota header on every BigCommerce route.
mkdir "$work/changed"
sed 's|"store_hash": "scn123",|"store_hash": "scn123", "rate_limit": {"quota": 300}, "faults": [{"route": "GET /stores/*/v3/catalog/variants", "nth": 1, "status": 503}],|' \
    "$scenario" >"$work/changed/${scenario##*/}"
grep -q '"quota": 300' "$work/changed/${scenario##*/}" || fail "the changed scenario was not made"
"$kinsync" diff "$har" --scenario "$work/changed/${scenario##*/}" --fixtures "$root/fixtures" \
    --html "$work/diff.html" >"$work/changed.out" 2>"$work/changed.err"
rc=$?
[ "$rc" = 1 ] || fail "a changed emulator: exit $rc, not 1"
grep -A30 '^DIFF bigcommerce GET /stores/{store_hash}/v3/catalog/variants' "$work/changed.out" >"$work/variants"
grep -q 'status: recorded 200, emulator 503 (1 time)' "$work/variants" ||
    fail "the 503 is not reported on the variants route"
grep -q 'missing /meta/pagination/total (number)' "$work/variants" ||
    fail "the missing paging fields are not reported by pointer"
grep -q 'header X-Rate-Limit-Requests-Quota: recorded "150", emulator "300"' \
    "$work/changed.out" || fail "the rate-limit header value is not reported"
grep -q '^same epicor GET ' "$work/changed.out" ||
    fail "the unchanged Epicor route is reported as differing"
grep -q '^summary: 4 routes, 7 requests, 3 routes differ, 0 skipped$' \
    "$work/changed.out" || fail "the summary does not count 3 routes"
grep -q '<title>kinsync diff</title>' "$work/diff.html" || fail "no HTML page"
grep -q 'emulator 503' "$work/diff.html" || fail "the HTML lacks the status"
grep -q '<script\|<link\|src=' "$work/diff.html" && fail "the HTML page is not self-contained"
ok "a changed emulator: status, fields by pointer and header values per route, exit 1; HTML too"

"$kinsync" diff "$har" --scenario "$work/changed/${scenario##*/}" --fixtures "$root/fixtures" \
    --format json >"$work/json.out" 2>"$work/json.err"
[ $? = 1 ] || fail "--format json: not exit 1"
if command -v python3 >/dev/null 2>&1; then
    python3 - "$work/json.out" <<'PY' || fail "the JSON report is not as expected"
import json, sys
r = json.load(open(sys.argv[1]))
assert r["summary"]["differ"] == 3, r["summary"]
v = [x for x in r["routes"] if x["route"] == "GET /stores/{store_hash}/v3/catalog/variants"][0]
assert v["status"] == [{"recorded": 200, "emulator": 503, "count": 1}], v["status"]
assert {"pointer": "/data", "change": "missing", "recorded": "array",
        "emulator": None, "count": 1} in v["fields"], v["fields"]
PY
else
    grep -q '"emulator":[[:space:]]*503' "$work/json.out" || fail "the JSON lacks the status"
fi
ok "--format json: the same report for tools"

# ---- usage errors -------------------------------------------------------------
"$kinsync" diff >/dev/null 2>"$work/u1.err"
[ $? = 2 ] && grep -q 'FILE.har' "$work/u1.err" || fail "diff without a file: not exit 2"
"$kinsync" diff "$har" --format xml >/dev/null 2>"$work/u2.err"
[ $? = 2 ] && grep -q -- '--format "xml"' "$work/u2.err" || fail "--format xml not refused by name"
"$kinsync" diff "$har" extra >/dev/null 2>"$work/u3.err"
[ $? = 2 ] && grep -q 'unexpected argument "extra"' "$work/u3.err" || fail "an extra argument"
"$kinsync" diff "$har" --bogus >/dev/null 2>&1
[ $? = 2 ] || fail "an unknown option: not exit 2"
echo '{"log": {}}' >"$work/bad.har"
"$kinsync" diff "$work/bad.har" >/dev/null 2>"$work/bad.err"
[ $? = 1 ] && grep -q 'not HAR' "$work/bad.err" || fail "a file without entries"
"$kinsync" diff "$har" --scenario "$work/missing.json" >/dev/null 2>"$work/sc.err"
[ $? = 1 ] && grep -q 'cannot load scenario' "$work/sc.err" || fail "a missing scenario"
"$kinsync" diff --help | grep -q -- '--scenario FILE' || fail "--help lacks --scenario"
ok "usage errors exit 2, unreadable input 1, each named"
echo "cli.diff: all checks passed"
