#!/usr/bin/env bash
# cli.from-har: `kinsync scenario from-har` turns a recording into a
# scenario. A sync scenario's traffic, recorded by `kinsync check --har`,
# becomes a scenario seeded from the responses that the emulators pass
# (exit 0), that is valid against the published schema (when Ajv is there)
# and that `kinsync check` passes on its own; `kinsync diff
# --seed-from-har` finds no difference in it. A recording the emulators
# cannot reproduce (one recorded product creation dropped, one answer made
# a 503) exits 1 naming the recorded behaviour. Recordings of scenarios
# that run a flow twice (a second poll; a refund made between runs) come
# back as one run step per recorded run and pass. Usage errors exit 2.
# (cli.record covers a `kinsync record` recording of `kinsync sync`.)
#
# usage: from-har.sh KINSYNC_BINARY REPO_ROOT
set -u

kinsync=${1:?usage: from-har.sh KINSYNC_BINARY REPO_ROOT}
root=${2:?usage: from-har.sh KINSYNC_BINARY REPO_ROOT}
scenario=$root/scenarios/sync/full-catalog-to-bigcommerce-creates-products-prices-and-stock.json
stem=full-catalog-to-bigcommerce-creates-products-prices-and-stock

. "$(dirname "$0")/common.sh"
cli_setup from-har

"$kinsync" check --har "$work" "$scenario" >"$work/check.out" 2>&1 ||
    fail "the recording run failed"
har=$work/$stem.har
[ -s "$har" ] || fail "no HAR written"

# ---- a recording the emulators reproduce --------------------------------
"$kinsync" scenario from-har "$har" --out "$work/out" >"$work/ok.out" 2>"$work/ok.err"
rc=$?
[ "$rc" = 0 ] || fail "from-har of a check --har recording: exit $rc"
written=$work/out/recorded-$stem.json
[ -s "$written" ] || fail "no scenario written at $written"
grep -q '^pass: the emulators reproduce the recording' "$work/ok.out" ||
    fail "from-har did not say it passed"
fixture=$work/out/fixtures/epicor/parts/recorded-$stem-epic06.json
grep -q '"PartNum":[[:space:]]*"WIDGET-100"' "$fixture" ||
    fail "the parts the responses showed are not in the fixture"
grep -q '"/products/\[sku=GADGET-1\]/price":[[:space:]]*149' "$written" ||
    fail "the product the recording created is not expected in then.state"
grep -q '"route":[[:space:]]*"POST /stores/{store_hash}/v3/catalog/products"' "$written" ||
    fail "the requests are not expected per route template"
grep -q '"job":[[:space:]]*"sync.parts"' "$written" || fail "no sync.parts step"
for s in scn-sync-epicor-key-51c2 'Scn-Sync-Pa55!' tok_scn_sync_8e1d; do
    grep -r -q -F -- "$s" "$work/out" && fail "the original credential $s was written"
done
"$kinsync" check "$written" >"$work/recheck.out" 2>&1 ||
    fail "kinsync check of the written scenario: $(cat "$work/recheck.out")"
ok "a check --har recording becomes a scenario that kinsync check passes"

ajv=$(dirname "$(dirname "$kinsync")")/tests/schema/node_modules
if command -v node >/dev/null 2>&1 && [ -d "$ajv/ajv" ] && [ -d "$ajv/ajv-formats" ]; then
    NODE_PATH=$ajv node -e '
const Ajv = require("ajv/dist/2020").default, formats = require("ajv-formats");
const fs = require("fs");
const ajv = new Ajv({strict: true, allErrors: true}); formats(ajv);
const v = ajv.compile(JSON.parse(fs.readFileSync(process.argv[1])));
if (!v(JSON.parse(fs.readFileSync(process.argv[2])))) {
  console.error(JSON.stringify(v.errors, null, 1)); process.exit(1);
}' "$root/scenarios/scenario.schema.json" "$written" >"$work/ajv.err" 2>&1 ||
        fail "the written scenario is not valid against the schema: $(cat "$work/ajv.err")"
    ok "the written scenario is valid against scenario.schema.json"
else
    echo "# no Ajv in the build tree (ctest schema.scenarios installs it): schema check skipped"
fi

"$kinsync" diff --seed-from-har "$har" >"$work/diff.out" 2>"$work/diff.err" ||
    fail "diff --seed-from-har found a difference: $(cat "$work/diff.out")"
grep -q '^summary: 4 routes, 7 requests, 0 routes differ, 0 skipped$' "$work/diff.out" ||
    fail "diff --seed-from-har: no clean summary"
ok "diff --seed-from-har seeds the emulators from the recording: no difference"

# ---- recordings of several runs ------------------------------------------
# Scenarios that run a job twice (a second poll finds nothing new), and
# one where a refund is made in the shop between runs: one run step per
# recorded run, the refund as an act before the run that first saw it,
# the clock advanced as recorded, and the counts over the whole pass.
for multi in bigcommerce-order-becomes-one-sales-order-to-the-cent:sync.orders:2 \
    customers-to-woocommerce-created-then-unchanged:sync.customers:2 \
    woocommerce-order-and-refund-recorded-once:sync.orders:1; do
    IFS=: read -r mstem mjob mruns <<<"$multi"
    "$kinsync" check --har "$work/multi" "$root/scenarios/sync/$mstem.json" \
        >"$work/multi-$mstem.check" 2>&1 || fail "the recording run of $mstem failed"
    "$kinsync" scenario from-har "$work/multi/$mstem.har" --out "$work/multi-out" \
        >"$work/multi-$mstem.out" 2>"$work/multi-$mstem.err" ||
        fail "from-har of $mstem (two runs): $(cat "$work/multi-$mstem.err")"
    mwritten=$work/multi-out/recorded-$mstem.json
    n=$(python3 -c 'import json,sys; w=json.load(open(sys.argv[1]))["when"]
print(sum(1 for s in w if s.get("do") == "run" and s.get("job") == sys.argv[2]))' \
        "$mwritten" "$mjob")
    [ "$n" -ge "$mruns" ] || fail "$mstem: $n $mjob run steps, not $mruns or more"
    "$kinsync" check "$mwritten" >"$work/multi-$mstem.recheck" 2>&1 ||
        fail "kinsync check of the scenario of $mstem: $(cat "$work/multi-$mstem.recheck")"
done
refunds=$work/multi-out/recorded-woocommerce-order-and-refund-recorded-once.json
python3 - "$refunds" <<'PY' || fail "the refund between runs is not an act after the clock advance"
import json, sys
w = json.load(open(sys.argv[1]))["when"]
kinds = [s["do"] + ":" + s.get("job", s.get("action", "")) for s in w]
i = kinds.index("clock.advance:")
assert w[i]["ms"] == 5000, w[i]
assert kinds[i + 1] == "act:add_refund", kinds
assert w[i + 1]["args"] == {"order_id": 100, "amount": "20.50", "reason": "damaged box"}, w[i + 1]
assert kinds[i + 2] == "run:sync.refunds", kinds
assert kinds[0] == "run:sync.orders", kinds
PY
ok "recordings of two runs of a flow become scenarios that kinsync check passes"

# ---- recordings the emulators cannot reproduce --------------------------
# One of the three product creations dropped: the connector still makes
# three, so the recorded count of that route is not reproduced.
python3 - "$har" "$work/dropped.har" <<'PY' || fail "cannot edit the HAR"
import json, sys
h = json.load(open(sys.argv[1]))
e = h["log"]["entries"]
i = [n for n, x in enumerate(e) if x["request"]["method"] == "POST"][0]
del e[i]
json.dump(h, open(sys.argv[2], "w"))
PY
"$kinsync" scenario from-har "$work/dropped.har" --out "$work/dropped" \
    --name "dropped one creation" >"$work/dropped.out" 2>"$work/dropped.err"
rc=$?
[ "$rc" = 1 ] || fail "a recording the emulators cannot reproduce: exit $rc, not 1"
grep -q 'the emulators do not reproduce the recording' "$work/dropped.err" ||
    fail "no reason given: $(cat "$work/dropped.err")"
grep -q 'recorded: 2 requests to bigcommerce POST /stores/{store_hash}/v3/catalog/products' \
    "$work/dropped.err" || fail "the reason does not name the recorded count"
grep -q 'expected 2, found 3' "$work/dropped.err" || fail "the reason lacks what was found"
ok "a dropped request: exit 1 naming the recorded count of its route"

# The variants lookup answered 503: the scenario gets a fault rule for it,
# and the connector's retry is a request the recording does not have.
python3 - "$har" "$work/status.har" <<'PY' || fail "cannot edit the HAR"
import json, sys
h = json.load(open(sys.argv[1]))
for x in h["log"]["entries"]:
    if "/v3/catalog/variants" in x["request"]["url"]:
        x["response"]["status"] = 503
json.dump(h, open(sys.argv[2], "w"))
PY
"$kinsync" scenario from-har "$work/status.har" --out "$work/status" \
    --name "variants unavailable" >"$work/status.out" 2>"$work/status.err"
rc=$?
[ "$rc" = 1 ] || fail "a changed status: exit $rc, not 1"
grep -q '"status":[[:space:]]*503' "$work/status/variants-unavailable.json" ||
    fail "the recorded 503 is not a fault rule"
grep -q 'recorded: 1 request to bigcommerce GET /stores/{store_hash}/v3/catalog/variants' \
    "$work/status.err" || fail "the reason does not name the variants route"
ok "a recorded 503 becomes a fault rule; the retry it causes is named, exit 1"

# ---- usage errors --------------------------------------------------------------
"$kinsync" scenario >/dev/null 2>"$work/u1.err"
[ $? = 2 ] && grep -q 'COMMAND is missing' "$work/u1.err" || fail "scenario without a command"
"$kinsync" scenario from-json x >/dev/null 2>"$work/u2.err"
[ $? = 2 ] && grep -q 'unknown command "from-json"' "$work/u2.err" || fail "an unknown scenario command"
"$kinsync" scenario from-har >/dev/null 2>"$work/u3.err"
[ $? = 2 ] && grep -q 'FILE.har' "$work/u3.err" || fail "from-har without a file"
"$kinsync" scenario from-har "$har" extra >/dev/null 2>"$work/u4.err"
[ $? = 2 ] && grep -q 'unexpected argument "extra"' "$work/u4.err" || fail "an extra argument"
"$kinsync" scenario from-har "$har" --name '!!' >/dev/null 2>"$work/u5.err"
[ $? = 2 ] && grep -q -- '--name' "$work/u5.err" || fail "a name without letters"
"$kinsync" scenario from-har "$har" --bogus >/dev/null 2>&1
[ $? = 2 ] || fail "an unknown option: not exit 2"
"$kinsync" diff "$har" --seed-from-har --scenario "$scenario" >/dev/null 2>"$work/u6.err"
[ $? = 2 ] && grep -q 'give one' "$work/u6.err" || fail "diff with two seeds"
echo '{"log": {"entries": [{"request": {"method": "GET", "url": "http://x/"}, "response": {"status": 200}}]}}' \
    >"$work/nosys.har"
"$kinsync" scenario from-har "$work/nosys.har" --out "$work/nosys" >/dev/null 2>"$work/nosys.err"
[ $? = 1 ] && grep -q '/log/entries/0/_kinsync/system' "$work/nosys.err" ||
    fail "an entry without a system is not named by pointer"
"$kinsync" scenario from-har --help | grep -q -- '--out DIR' || fail "--help lacks --out"
ok "usage errors exit 2, an unreadable recording 1, each named"
echo "cli.from-har: all checks passed"
