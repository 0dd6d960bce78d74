#!/usr/bin/env bash
# cli.replay: a scenario's traffic recorded as HAR by `kinsync check --har`
# is served back by `kinsync replay`: the same answers in the same order,
# the query telling requests apart, strict 404s naming the nearest recorded
# request, lenient answers by method and path, a summary at the stop.
#
# usage: replay.sh KINSYNC_BINARY REPO_ROOT
set -u

kinsync=${1:?usage: replay.sh KINSYNC_BINARY REPO_ROOT}
root=${2:?usage: replay.sh KINSYNC_BINARY REPO_ROOT}
if ! command -v curl >/dev/null 2>&1; then
    echo "SKIP: curl is not installed"
    exit 77
fi
work=$(mktemp -d "${TMPDIR:-/tmp}/kinsync-cli-replay.XXXXXX") || exit 1
pid=
cleanup() {
    [ -n "$pid" ] && kill -KILL "$pid" 2>/dev/null && wait "$pid" 2>/dev/null
    rm -rf "$work"
}
trap cleanup EXIT
fail() {
    echo "FAIL: $*"
    for f in "$work"/*.err; do [ -f "$f" ] && sed 's/^/  | /' "$f"; done
    exit 1
}

# Record: the 503 burst scenario answers 503 twice, then 200.
scenario=$root/scenarios/epicor/unavailable-burst-on-parts-recovered.json
"$kinsync" check --har "$work" "$scenario" >"$work/check.out" 2>&1 ||
    fail "recording run failed: $(cat "$work/check.out")"
har=$work/unavailable-burst-on-parts-recovered.har
[ -s "$har" ] || fail "no HAR written"

# start_replay NAME ARGS...: kinsync replay ARGS in the background, its
# output in $work/NAME.out/.err; sets $pid and $url (the epicor server).
start_replay() {
    local name=$1 i
    shift
    rm -f "$work/ready"
    KINSYNC_SERVE_READY_FILE=$work/ready "$kinsync" replay "$@" \
        >"$work/$name.out" 2>"$work/$name.err" &
    pid=$!
    for i in $(seq 100); do
        [ -s "$work/ready" ] && break
        kill -0 "$pid" 2>/dev/null || fail "replay $* exited early"
        sleep 0.1
    done
    [ -s "$work/ready" ] || fail "no ready file after 10 s"
    url=$(awk '$1 == "epicor" { print $2 }' "$work/ready")
    [ -n "$url" ] || fail "the ready file names no epicor server"
}
# stop_replay: SIGTERM, then the exit status must be 0.
stop_replay() {
    local i rc
    kill -TERM "$pid"
    for i in $(seq 100); do kill -0 "$pid" 2>/dev/null || break; sleep 0.1; done
    wait "$pid"
    rc=$?
    pid=
    [ "$rc" = 0 ] || fail "replay exited $rc after SIGTERM"
}
# get URL: the status into $code, the body into $work/body.
get() { code=$(curl -s -o "$work/body" -w "%{http_code}" "$@") || fail "curl did not complete ($?): $*"; }

start_replay strict "$har"
# The connector asks for changed parts with an OData filter; the query is
# part of what a request must match, decoded (%20 and + are both spaces)
# and in any order.
parts=$url/SaaS5333/api/v2/odata/EPIC06/Erp.BO.PartSvc/Parts
filtered="$parts?\$top=100&\$orderby=SysRevID&%24filter=SysRevID+gt%200"

# The recorded sequence, in order: 503, 503, 200 with the parts.
for want in 503 503 200; do
    get "$filtered"
    [ "$code" = "$want" ] || fail "expected $want from the recording, got $code"
done
grep -q 'WIDGET-100' "$work/body" || fail "the 200 lacks the recorded parts"
# Once used up, the last answer repeats.
get "$filtered"
[ "$code" = 200 ] || fail "the last recorded answer does not repeat: $code"
# Another query of the same path is another request: strict says which
# recorded request was nearest and what differed.
get "$parts?%24filter=SysRevID%20gt%207&\$orderby=SysRevID&\$top=100"
[ "$code" = 404 ] || fail "a different query was answered ($code) in strict mode"
grep -q 'nearest recorded: GET /SaaS5333/api/v2/odata/EPIC06/Erp.BO.PartSvc/Parts; query: recorded $filter=SysRevID gt 0, sent $filter=SysRevID gt 7' "$work/body" ||
    fail "the 404 does not name the nearest request and the difference: $(cat "$work/body")"
# What the recording does not have.
get "$url/not/recorded"
[ "$code" = 404 ] || fail "an unrecorded path gave $code, not 404"
grep -q 'not in the recording' "$work/body" || fail "404 without a reason"
grep -q 'nothing recorded for GET /not/recorded' "$work/body" ||
    fail "404 without the nearest: $(cat "$work/body")"
stop_replay
grep -q 'epicor: 3 served, 1 repeated, 2 not in the recording; 1 of 4 recorded never asked for' \
    "$work/strict.err" || fail "no summary at the stop: $(cat "$work/strict.err")"

# Lenient: the different query gets the answer of the same method and
# path, counted as such.
start_replay lenient --mode lenient "$har"
parts=$url/SaaS5333/api/v2/odata/EPIC06/Erp.BO.PartSvc/Parts
get "$parts?%24filter=SysRevID%20gt%207&\$orderby=SysRevID&\$top=100"
[ "$code" = 503 ] || fail "lenient did not answer a different query by path: $code"
stop_replay
grep -q '0 served, 0 repeated, 0 not in the recording, 1 by method and path only; 3 of 4 recorded never asked for' \
    "$work/lenient.err" || fail "no lenient summary: $(cat "$work/lenient.err")"
"$kinsync" replay --mode loose "$har" >/dev/null 2>"$work/mode.err"
[ $? = 2 ] || fail "--mode loose was not refused"
grep -q -- '--mode "loose"' "$work/mode.err" || fail "--mode loose: not named"

# Usage errors.
"$kinsync" replay >/dev/null 2>&1
[ $? = 2 ] || fail "replay without a file: not exit 2"
echo '{"log": {}}' >"$work/bad.har"
"$kinsync" replay "$work/bad.har" >/dev/null 2>"$work/bad.err"
[ $? = 1 ] || fail "a file without entries: not exit 1"
grep -q 'not HAR' "$work/bad.err" || fail "no reason for a bad HAR"
# A number out of range is refused, naming the entry, never converted.
printf '%s\n' '{"log": {"entries": [{"request": {"method": "GET",
  "url": "http://127.0.0.1:1/x"}, "response": {"status": 200}},
  {"request": {"method": "GET", "url": "http://127.0.0.1:1/y"},
  "response": {"status": 1e300}}]}}' >"$work/huge.har"
"$kinsync" replay "$work/huge.har" >/dev/null 2>"$work/huge.err"
[ $? = 1 ] || fail "a status of 1e300: not exit 1"
grep -q '/log/entries/1/response/status: not an HTTP status' \
    "$work/huge.err" || fail "a status of 1e300 not refused by name"
"$kinsync" replay --bind 0.0.0.0 "$har" >/dev/null 2>&1
[ $? = 2 ] || fail "a non-loopback --bind was not refused"
"$kinsync" replay --bind ::ffff:10.0.0.1 "$har" >/dev/null 2>&1
[ $? = 2 ] || fail "an IPv4-mapped non-loopback --bind was not refused"

# An IPv4-mapped loopback address passes the loopback check, so it must
# bind too: as the IPv4 address it carries.
rm -f "$work/ready"
KINSYNC_SERVE_READY_FILE=$work/ready "$kinsync" replay \
    --bind ::ffff:127.0.0.1 "$har" >"$work/mapped.out" 2>"$work/mapped.err" &
pid=$!
for i in $(seq 100); do
    [ -s "$work/ready" ] && break
    kill -0 "$pid" 2>/dev/null || fail "replay --bind ::ffff:127.0.0.1 exited"
    sleep 0.1
done
url=$(awk '$1 == "epicor" { print $2 }' "$work/ready")
case $url in
http://127.0.0.1:*) ;;
*) fail "replay --bind ::ffff:127.0.0.1 serves at \"$url\"" ;;
esac
code=$(curl -s -o /dev/null -w '%{http_code}' "$url/not/recorded")
[ "$code" = 404 ] || fail "replay on the mapped address answered $code"
kill -TERM "$pid"
wait "$pid"
pid=
"$kinsync" replay --bind=0.0.0.0 "$har" >/dev/null 2>"$work/bind.err"
[ $? = 2 ] || fail "a non-loopback --bind= was not refused"
grep -q -- '--bind.*0.0.0.0' "$work/bind.err" || fail "--bind=0.0.0.0: not named"
"$kinsync" replay --port-base=x "$har" >/dev/null 2>"$work/port.err"
[ $? = 2 ] || fail "--port-base=x was not refused"
grep -q -- '--port-base "x"' "$work/port.err" || fail "--port-base=x: not named"
echo "cli.replay: all checks passed"
