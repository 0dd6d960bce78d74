#!/usr/bin/env bash
# cli.sync-oee: `kinsync sync` with an "oee" section against `kinsync
# serve` (the Epicor and OEE emulators of an OEE scenario's given):
# configuration errors naming the JSON pointer; the poll pattern with
# --once (active labour bound in the plant's scope on the OEE side, the
# reason dictionary uploaded, the "oee:" summary line); the events
# pattern with --watch (Epicor's event functions POST to the receiver's
# /webhooks/epicor route with the secret header; a job release is
# acknowledged on the OEE side; a forged and a broken event are refused),
# the file pattern (one DMT file of a completed operation, written once)
# and the OEE counters scraped from /metrics; `kinsync verify` of
# scenarios/conformance-oee: an idle integration fails all eight, and
# verify-integration.sh (`kinsync sync --watch` from the documented
# environment) passes the two event files; act args naming no running
# integration or an unknown secret fail with a clear line.
#
# usage: sync-oee.sh KINSYNC_BINARY REPO_ROOT
#
# Exit 0 when every check passes, 1 on the first failure (with the
# programs' output), 77 (ctest skip) only when curl is not installed.
set -u

kinsync=${1:?usage: sync-oee.sh KINSYNC_BINARY REPO_ROOT}
root=${2:?usage: sync-oee.sh KINSYNC_BINARY REPO_ROOT}
scenario=$root/scenarios/oee/poll-binds-routes-by-plant-and-writes-back-a-completed-operation.json
fixtures=$root/fixtures
# From the scenario's given.
epi_pass='Scn-Oee-Pa55!'
epi_key=scn-oee-epicor-key
oee_key=scn-oee-key
event_secret=ev-secret-5e1f-91aa

. "$(dirname "$0")/common.sh"
json="Content-Type: application/json"
cli_setup sync-oee

# act ACTION ARGS_JSON: an Epicor platform-user action.
act() {
    req POST "$admin/admin/act/epicor" -H "$json" \
        --data-binary "{\"action\":\"$1\",\"args\":$2}"
    [ "$status" = 200 ] || fail "act $1: HTTP $status: $body"
}
oee_state() {
    req GET "$admin/admin/state/oee"
    [ "$status" = 200 ] || fail "state of the OEE emulator: HTTP $status"
    printf '%s' "$body" >"$work/oee.json"
}

serve_in_background srv --fixtures "$fixtures" --scenario "$scenario"
admin=$(url_of admin srv)
epi_url=$(url_of epicor srv)
oee_url=$(url_of oee srv)
[ -n "$oee_url" ] || fail "serve started no oee emulator"

# config PATTERN FLOWS EXTRA: the configuration file on stdout.
config() {
    cat <<EOF
{
  "state": "state.db",
  "receiver": {"bind": "127.0.0.1", "port": 0},
  "epicor": {"server_url": "$epi_url", "instance": "SaaS5333",
             "company": "EPIC06", "auth": "basic", "username": "integration",
             "password": "$epi_pass", "api_key": "$epi_key"},
  "oee": {"pattern": "$1", "base_url": "$oee_url",
          "api_key": {"\$secret": "oee.api_key"},
          "plants": {"MfgSys": "PLANT-A", "Plant2": "PLANT-B"},
          "poll": {"max_requests": 20, "breaker_failures": 3,
                   "breaker_cooldown_s": 900}$3},
  "flows": $2
}
EOF
}

KINSYNC_STATE_KEY=$(od -An -tx1 -N32 /dev/urandom | tr -d ' \n')
export KINSYNC_STATE_KEY

# ---- configuration errors name the JSON pointer ----------------------------

config file '{"oee.poll": {}}' '' >"$work/file.json"
run file sync --config "$work/file.json" --once
expect_rc 2 "pattern file without a directory"
expect_in '/oee/file: missing' file.err "the file pattern needs its directory"
config poll '["oee.poll"]' ', "write_back": {"labor": true}' >"$work/labor.json"
run labor sync --config "$work/labor.json" --once
expect_rc 2 "labour write-back without an employee"
expect_in '/oee/write_back/employee: missing' labor.err \
    "labour write-back needs the employee it books to"
if grep -q 'write_back/labor' "$work/labor.err"; then
    fail "labor true is refused: $(cat "$work/labor.err")"
fi
config events '["oee.recover"]' '' >"$work/nosecret.json"
run nosecret sync --config "$work/nosecret.json" --once
expect_rc 2 "events without a secret"
expect_in '/oee/events: missing' nosecret.err "events pattern needs its secret"
sed 's#"plants": {[^}]*},##' "$work/labor.json" >"$work/noplants.json"
run noplants sync --config "$work/noplants.json" --once
expect_in '/oee/plants: missing' noplants.err "plants or default_scope"
run badflow sync --config <(config poll '["oee.pol"]' '') --once
expect_rc 2 "an unknown OEE flow"
expect_in 'oee.recover, oee.reasons, oee.poll' badflow.err "known flows listed"
ok "configuration errors name the JSON pointer"

# ---- the poll pattern, --once ----------------------------------------------

cfg=$work/poll.json
config poll '{"oee.recover": {}, "oee.reasons": {}, "oee.poll": {}}' '' >"$cfg"
printf '%s\n' "$oee_key" | "$kinsync" secret set oee.api_key --config "$cfg" \
    >"$work/set.out" 2>"$work/set.err" || fail "secret set oee.api_key"
act release_job '{"job_num":"J2001"}'
act clock_in '{"employee":"E100","job_num":"J2001","opr_seq":10,"labor_type":"P"}'
run once sync --config "$cfg" --once
expect_rc 0 "sync --once, poll pattern"
expect_in '^oee.poll .*read 1,' once.out "the poll saw one operation start"
expect_in '^oee.reasons ' once.out "the reason dictionary flow ran"
expect_in '^summary: 3 flows, 3 ok, 0 failed' once.out "three OEE flows"
expect_in '^oee: events 1, .*bound 1, .*breaker closed' once.out \
    "the oee summary line"
oee_state
grep -q '"J2001"' "$work/oee.json" || fail "no binding of J2001 on the OEE side"
grep -q 'SAW-01' "$work/oee.json" || fail "SAW-01 not bound on the OEE side"
ok "the poll binds the active operation in its plant's scope and uploads reasons"

# the poll reads the active labour only: a second poll (--once asks for
# one now, whatever the cadence) with nothing changed makes one request
run again sync --config "$cfg" --once
expect_rc 0 "second poll"
expect_in '^oee.poll .*read 0, .*; 1 requests' again.out \
    "an unchanged poll costs one request"
ok "an unchanged poll reads only the active labour"

# ---- the file pattern (DMT export), --once ---------------------------------

# J2002/10 on CNC-02: clocked in, seen by the file pattern's poll, then
# completed: its summary is queued (nothing written into Epicor) and
# oee.export writes the operations closed since the last export to one
# DMT file, which the next export does not write again.
cfg=$work/filepat.json
config file '["oee.poll", "oee.export"]' \
    ", \"file\": {\"directory\": \"$work/dmt\"}" >"$cfg"
sed -i 's/"state.db"/"state-file.db"/' "$cfg"
mkdir -p "$work/dmt"
printf '%s\n' "$oee_key" | "$kinsync" secret set oee.api_key --config "$cfg" \
    >"$work/set.out" 2>"$work/set.err" || fail "secret set (file pattern)"
act clock_in '{"employee":"E200","job_num":"J2002","opr_seq":10,"labor_type":"P"}'
run file1 sync --config "$cfg" --once
expect_rc 0 "sync --once, file pattern, first poll"
[ -z "$(ls "$work/dmt")" ] || fail "a DMT file before any operation closed"
# (the figures are the scenarios' business, on the virtual clock:
# scenarios/oee/dmt-file-export-survives-a-crash-and-is-never-duplicated;
# on the real clock here only the file's shape and its one row are checked)
act complete_operation '{"job_num":"J2002","opr_seq":10,"good":7,"scrap":1}'
run file2 sync --config "$cfg" --once
expect_rc 0 "sync --once, file pattern, the operation completed"
expect_in "^oee.export: $work/dmt/oee-dmt-[0-9-]*-000000000001.csv, 1 rows" \
    file2.out "the export names its file"
dmt=$(ls "$work"/dmt/oee-dmt-*.csv)
[ "$(printf '%s\n' "$dmt" | wc -l)" = 1 ] || fail "not one DMT file: $dmt"
[ "$(stat -c %a "$dmt")" = 600 ] || fail "the DMT file is not 0600"
head -1 "$dmt" | tr -d '\r' >"$work/dmt-header"
[ "$(cat "$work/dmt-header")" = \
    "Company,JobNum,AssemblySeq,OprSeq,OEE_Availability_c,OEE_Performance_c,OEE_Quality_c,OEE_OEE_c,OEE_GoodQty_c,OEE_ScrapQty_c,OEE_TopLoss_c" ] ||
    fail "DMT header: $(cat "$work/dmt-header")"
[ "$(wc -l <"$dmt")" = 2 ] || fail "the DMT file holds not one row: $(cat "$dmt")"
grep -Eq '^EPIC06,J2002,0,10,([0-9]+\.[0-9]{2},){4}[0-9]+,[0-9]+,' "$dmt" ||
    fail "the DMT row of J2002/0/10: $(cat "$dmt")"
ls "$work"/dmt | grep -q tmp && fail "a temporary file was left: $(ls "$work/dmt")"
run file3 sync --config "$cfg" --once
expect_rc 0 "sync --once, file pattern, nothing new"
grep -q '^oee.export:' "$work/file3.out" && fail "a second export of the same rows"
[ "$(ls "$work"/dmt | wc -l)" = 1 ] || fail "more than one file: $(ls "$work/dmt")"
ok "the file pattern writes one DMT file of the closed operation, once, 0600"

# ---- the events pattern, --watch, /metrics ---------------------------------

cfg=$work/events.json
config events '{"oee.recover": {}, "oee.poll": {"every_s": 300}}' \
    ", \"events\": {\"secret\": {\"\$secret\": \"oee.event_secret\"}}" >"$cfg"
sed -i 's/"state.db"/"state-events.db"/' "$cfg"
for pair in "oee.api_key=$oee_key" "oee.event_secret=$event_secret"; do
    printf '%s\n' "${pair#*=}" | "$kinsync" secret set "${pair%%=*}" \
        --config "$cfg" >"$work/set.out" 2>"$work/set.err" ||
        fail "secret set ${pair%%=*}"
done
"$kinsync" sync --config "$cfg" --watch --metrics-port 0 \
    >"$work/watch.out" 2>"$work/watch.err" </dev/null &
watch_pid=$!
pids+=("$watch_pid")
receiver= metrics=
for i in $(seq 100); do
    receiver=$(awk '$1 == "receiver" { print $2 }' "$work/watch.out")
    metrics=$(awk '$1 == "metrics" { print $2 }' "$work/watch.out")
    [ -n "$receiver" ] && [ -n "$metrics" ] && break
    kill -0 "$watch_pid" 2>/dev/null || fail "sync --watch exited early"
    sleep 0.1
done
[ -n "$receiver" ] || fail "sync --watch started no receiver in 10 s"
expect_in "Epicor job events: the event functions POST to $receiver/webhooks/epicor with header X-Kinsync-Event-Secret" \
    watch.err "the event URL and header are announced"

act set_event_functions '{"functions":[{"name":"OEE.JobEvents","event":"*",
    "url":"'"$receiver"'/webhooks/epicor","timeout_ms":5000,
    "headers":{"X-Kinsync-Event-Secret":"'"$event_secret"'"}}]}'
act create_job '{"job":{"JobNum":"J2100","PartNum":"WIDGET-100","ProdQty":10,
    "Plant":"Plant2","JobReleased":true,"JobOpers":[{"AssemblySeq":0,
    "OprSeq":10,"OpCode":"PRESS","RunQty":10,"PrimaryResourceGrpID":"PRESS-01",
    "ProdStandard":120,"StdFormat":"PH"}]}}'
for i in $(seq 100); do
    oee_state
    grep -q '"J2100"' "$work/oee.json" && break
    sleep 0.1
done
grep -q '"J2100"' "$work/oee.json" ||
    fail "the creation of J2100 was not acknowledged on the OEE side"
ok "a job event reaches the OEE side through the receiver"

req POST "$receiver/webhooks/epicor" -H "$json" \
    -H "X-Kinsync-Event-Secret: wrong" --data-binary '{}'
[ "$status" = 401 ] || fail "a forged event got $status (want 401)"
req POST "$receiver/webhooks/epicor" -H "$json" --data-binary '{}'
[ "$status" = 401 ] || fail "an event without the header got $status (want 401)"
req POST "$receiver/webhooks/epicor" -H "$json" \
    -H "X-Kinsync-Event-Secret: $event_secret" \
    --data-binary '{"event":"operation.started","job":7}'
[ "$status" = 400 ] || fail "a broken event got $status (want 400)"

for i in $(seq 100); do
    scrape
    [ -n "$(metric 'kinsync_oee_breaker_state{connection="default",state="closed"}')" ] &&
        [ "$(metric 'kinsync_flow_runs_total{connection="default",flow="webhook.epicor"}')" -ge 1 ] 2>/dev/null &&
        break
    sleep 0.1
done
[ "$(metric 'kinsync_oee_events_total{connection="default"}')" -ge 1 ] 2>/dev/null ||
    fail "no Epicor event counted in /metrics"
[ "$(metric 'kinsync_oee_broken_events_total{connection="default"}')" = 1 ] ||
    fail "the broken event is not counted once"
[ "$(metric 'kinsync_oee_auth_failures_total{connection="default",kind="event_secret"}')" = 2 ] ||
    fail "the two forged events are not counted as authentication failures"
[ "$(metric 'kinsync_oee_dropped_events_total{connection="default",where="receiver"}')" = 0 ] ||
    fail "dropped events counted"
[ "$(metric 'kinsync_oee_breaker_state{connection="default",state="closed"}')" = 1 ] ||
    fail "the breaker is not reported closed"
[ "$(metric 'kinsync_oee_breaker_state{connection="default",state="open"}')" = 0 ] ||
    fail "the breaker is reported open"
[ -n "$(metric 'kinsync_oee_ambiguous_bindings_total{connection="default"}')" ] ||
    fail "no ambiguous bindings counter"
[ "$(metric 'kinsync_flow_failures_total{connection="default",flow="webhook.epicor"}')" = 0 ] ||
    fail "a job event failed"
grep -q '^# TYPE kinsync_oee_breaker_state gauge$' "$work/metrics" ||
    fail "no TYPE line for kinsync_oee_breaker_state"
ok "/metrics counts events, broken and forged ones, and the breaker state"

# ---- the conformance suite of the go-live tests grades an integration ------

NO_COLOR=1 "$kinsync" verify "$root/scenarios/conformance-oee" -- true \
    >"$work/idle.out" 2>&1
rc=$?
expect_rc 1 "an idle OEE integration"
expect_in '^0 of 8 scenarios passed' idle.out "the idle integration passed something"
expect_in 'oee state /acknowledgements: expected 2 entries, found 0' idle.out \
    "no explanation of the missing acknowledgements"
expect_in 'ended (exit status 0) before anything listened on 127.0.0.1:[0-9]* (KINSYNC_RECEIVER_PORT)' \
    idle.out "the event files do not say the integration never listened"
ok "kinsync verify fails an OEE integration that does nothing, on all eight"

# The event files graded green on a third-party-style integration: a
# script that knows only the documented environment and runs `kinsync
# sync --watch` with an "oee" section on the announced port.
events=("$root"/scenarios/conformance-oee/oee-event-for-a-job-epicor-does-not-have-writes-nothing.json
    "$root"/scenarios/conformance-oee/oee-network-drop-mid-event-loses-that-event-and-nothing-else.json)
NO_COLOR=1 "$kinsync" verify "${events[@]}" -- \
    sh "$root/tests/cli/verify-integration.sh" "$kinsync" >"$work/events-verify.out" 2>&1
rc=$?
expect_rc 0 "the event files with kinsync sync --watch as the integration"
expect_in '^2 of 2 scenarios passed' events-verify.out "not both event files passed"
ok "kinsync verify passes kinsync sync --watch on the event files"

# Pointing Epicor at the integration needs one to be running; a secret
# reference must name a configured string. Each says so, at its step.
cat >"$work/no-integration.json" <<'JSON'
{"name": "no integration", "given": {"epicor": {},
  "connector": {"oee": {"event_secret": "s-1"}}},
 "when": [{"do": "act", "system": "epicor", "action": "set_event_functions",
   "args": {"functions": [{"event": "*",
     "url": "$KINSYNC_RECEIVER_URL/webhooks/epicor"}]}}]}
JSON
sed -e 's/"no integration"/"no secret"/' \
    -e 's#"$KINSYNC_RECEIVER_URL/webhooks/epicor"}#"http://127.0.0.1:9/x", "headers": {"X-Kinsync-Event-Secret": "$secret:oee.nope"}}#' \
    "$work/no-integration.json" >"$work/no-secret.json"
cat >"$work/no-event-secret.json" <<'JSON'
{"name": "no event secret", "given": {"epicor": {}},
 "when": [{"do": "integration.start", "job": "oee.events"},
   {"do": "integration.stop"}]}
JSON
for f in no-integration no-secret no-event-secret; do
    NO_COLOR=1 "$kinsync" check "$work/$f.json" >"$work/$f.out" 2>&1
    rc=$?
    expect_rc 1 "$f: kinsync check"
done
expect_in '/when/0/args: \$KINSYNC_RECEIVER_URL names the receiver of a running integration, and none runs here' \
    no-integration.out "no clear error for the receiver URL without an integration"
expect_in '/when/0/args: \$secret:oee.nope: not a string of /given/connector' \
    no-secret.out "no clear error for an unknown secret"
expect_in '/given/connector/oee/event_secret: required for Epicor' \
    no-event-secret.out "no clear error for oee.events without an event secret"
ok "act args name the running integration and configured secrets, or say why not"

kill -TERM "$watch_pid"
wait "$watch_pid"
rc=$?
expect_rc 0 "sync --watch stopped by SIGTERM"
expect_in '^oee: events [1-9]' watch.out "the watch summary has the oee line"
ok "the run summary of --watch reports the OEE totals"

# ---- job events are durable: SIGKILL after the 200, restart, once ----------

# The events of J3001/10 (PRESS-01, Plant2: started, completed, job closed)
# are answered 200 while the worker is inside its oee.reasons flow (held
# there by a 30 s delay on Epicor's reasons; events are handled only
# between flows), then the worker is SIGKILLed: nothing was handled yet.
# A new worker on the same state handles them, in order, once: one
# summary on the OEE side, one JobEntry Update in Epicor.
command -v python3 >/dev/null || fail "python3 is missing"
# count WHAT: how many OEE summaries of J3001/0/10, or Epicor JobEntry
# Updates, the emulators hold
count() {
    case $1 in
    summaries)
        oee_state
        python3 -c 'import json,sys; print(sum(1 for s in json.load(open(sys.argv[1])).get("summaries", []) if s.get("key") == "PLANT-B/J3001/0/10"))' \
            "$work/oee.json" ;;
    updates)
        req GET "$admin/admin/journal/epicor"
        [ "$status" = 200 ] || fail "the Epicor journal: HTTP $status"
        printf '%s' "$body" | python3 -c 'import json,sys; print(sum(1 for e in json.load(sys.stdin) if e.get("method") == "POST" and e.get("path", "").endswith("/Erp.BO.JobEntrySvc/Update")))' ;;
    esac
}
cfg=$work/durable.json
config events '{"oee.recover": {}, "oee.reasons": {"every_s": 3600}}' \
    ", \"events\": {\"secret\": {\"\$secret\": \"oee.event_secret\"}}" |
    sed 's/"state.db"/"state-durable.db"/; s/^{$/{"lease_s": 5,/' >"$cfg"
for pair in "oee.api_key=$oee_key" "oee.event_secret=$event_secret"; do
    printf '%s\n' "${pair#*=}" | "$kinsync" secret set "${pair%%=*}" \
        --config "$cfg" >"$work/set.out" 2>"$work/set.err" ||
        fail "secret set ${pair%%=*} (durable)"
done
req DELETE "$admin/admin/journal/epicor"
[ "$(count updates)" = 0 ] || fail "JobEntry Updates before the test"
[ "$(count summaries)" = 0 ] || fail "a summary of J3001/0/10 before the test"
req POST "$admin/admin/faults/epicor" -H "$json" \
    --data-binary '{"route":"GET /*/Erp.BO.ReasonSvc/Reasons","delay_ms":30000,"times":1}'
[ "$status" = 200 ] || fail "adding the reasons delay: HTTP $status: $body"

# start_watch NAME: sync --watch on $cfg, its receiver URL in $receiver
start_watch() {
    "$kinsync" sync --config "$cfg" --watch \
        >"$work/$1.out" 2>"$work/$1.err" </dev/null &
    watch_pid=$!
    pids+=("$watch_pid")
    receiver=
    for i in $(seq 100); do
        receiver=$(awk '$1 == "receiver" { print $2 }' "$work/$1.out")
        [ -n "$receiver" ] && break
        kill -0 "$watch_pid" 2>/dev/null || fail "$1: sync --watch exited early"
        sleep 0.1
    done
    [ -n "$receiver" ] || fail "$1: sync --watch started no receiver in 10 s"
}
start_watch durable1
# the worker is inside oee.reasons once it holds that flow's lease
for i in $(seq 100); do
    run workers1 workers --config "$cfg"
    grep -Eq '^ +oee\.reasons +[^ ]+ +[0-9.]+ s +live$' "$work/workers1.out" && break
    sleep 0.1
done
grep -Eq '^ +oee\.reasons ' "$work/workers1.out" ||
    fail "the worker never held the oee.reasons lease"
act set_event_functions '{"functions":[{"name":"OEE.JobEvents","event":"*",
    "url":"'"$receiver"'/webhooks/epicor","timeout_ms":5000,
    "headers":{"X-Kinsync-Event-Secret":"'"$event_secret"'"}}]}'
act clock_in '{"employee":"E300","job_num":"J3001","opr_seq":10,"labor_type":"P"}'
act complete_operation '{"job_num":"J3001","opr_seq":10,"good":9,"scrap":1}'
act close_job '{"job_num":"J3001"}'
# each action returned after its event function's call was answered
req GET "$admin/admin/state/epicor"
events=$(printf '%s' "$body" | python3 -c 'import json,sys
def walk(v):
    if isinstance(v, dict):
        if "calls" in v and v.get("payload", {}).get("job") == "J3001": yield v
        for x in v.values(): yield from walk(x)
    elif isinstance(v, list):
        for x in v: yield from walk(x)
seen = {}
for e in walk(json.load(sys.stdin)): seen[e["sequence"]] = e
out = [c["outcome"] for e in seen.values() for c in e["calls"]]
print(len(out) if out and set(out) == {"delivered"} else "not all delivered: %s" % out)')
[ "$events" -ge 3 ] 2>/dev/null ||
    fail "the event calls of J3001 were not all answered 200: $events"
kill -KILL "$watch_pid"
wait "$watch_pid" 2>/dev/null
[ "$(count summaries)" = 0 ] || fail "an event was handled before the kill"
run workers2 workers --config "$cfg"
expect_in "webhook deliveries waiting: $events\$" workers2.out \
    "the $events events answered 200 are committed to the state"
ok "Epicor job events answered 200 are committed before the answer"

start_watch durable2
for i in $(seq 150); do
    [ "$(count summaries)" -ge 1 ] && [ "$(count updates)" -ge 1 ] && break
    sleep 0.1
done
[ "$(count summaries)" = 1 ] ||
    fail "the restarted worker posted $(count summaries) summaries of J3001/0/10 (want 1)"
[ "$(count updates)" = 1 ] ||
    fail "$(count updates) JobEntry Updates (want 1)"
for i in $(seq 100); do
    run workers3 workers --config "$cfg"
    grep -q 'webhook deliveries waiting: 0$' "$work/workers3.out" && break
    sleep 0.1
done
expect_in 'webhook deliveries waiting: 0$' workers3.out "every event marked done"
kill -TERM "$watch_pid"
wait "$watch_pid"
rc=$?
expect_rc 0 "the restarted sync --watch stopped by SIGTERM"
expect_in "^oee: events $events, acknowledged 0, bound 1, .*completed 1, summaries 1, written back 1," \
    durable2.out "the restarted worker handled the $events events once, in order"
# and a third start finds nothing left to do
start_watch durable3
sleep 1
kill -TERM "$watch_pid"
wait "$watch_pid"
expect_in '^oee: events 0,' durable3.out "nothing handled twice"
[ "$(count summaries)" = 1 ] && [ "$(count updates)" = 1 ] ||
    fail "a summary or an Update again after a restart"
ok "a worker killed after the 200 loses no job event; its successor writes back once"
