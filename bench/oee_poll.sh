#!/usr/bin/env bash
# The OEE poll of `kinsync sync` (pattern 2) over a large shop floor:
# 500 work centres and JOBS open jobs (the Epicor emulator's generate_jobs,
# 3 operations each), ACTIVE operations clocked in, one `kinsync sync
# --once` of oee.poll (the first poll: it learns the plants of the work
# centres it meets), then a second one with nothing changed. The
# reference is the same run over 1,000 jobs, in the same session. Prints
# Markdown table rows: jobs, poll, active operations, the requests the
# Epicor emulator answered (its journal), all requests (Epicor and OEE, as
# the flow line counts them), the flow's wall time and the command's.
#
# usage: bench/oee_poll.sh KINSYNC [ACTIVE] [JOBS...]
#        (default: 50 active operations; 1000 20000 jobs)
set -euo pipefail

kinsync=$(readlink -f "${1:?usage: oee_poll.sh KINSYNC [ACTIVE] [JOBS...]}")
active=${2:-50}
shift $(($# >= 2 ? 2 : 1))
[ $# -gt 0 ] || set -- 1000 20000
command -v curl >/dev/null || { echo "oee_poll.sh: needs curl" >&2; exit 1; }

work=$(mktemp -d "${TMPDIR:-/tmp}/kinsync-bench-oee.XXXXXX")
pid=
cleanup() {
    [ -n "$pid" ] && kill "$pid" 2>/dev/null && wait "$pid" 2>/dev/null
    rm -rf "$work"
}
trap cleanup EXIT

wcs=$(seq -f '"WC-%04g"' 1 500 | paste -sd, -)

# scenario JOBS: the emulators' given on stdout.
scenario() {
    cat <<EOF
{"name": "scenario", "given": {
  "clock": {"start": "2026-01-05T08:00:00Z"},
  "epicor": {
    "users": [{"username": "integration", "password": "Bench-Pa55!"}],
    "api_keys": [{"key": "bench-epicor-key"}],
    "generate_jobs": {"jobs": $1, "work_centres": 500, "operations": 3,
                      "plants": ["MfgSys"], "seed": 1}},
  "oee": {"api_keys": [{"key": "bench-oee-key"}],
          "scopes": [{"id": "PLANT-A", "plant": "MfgSys",
                      "work_centers": [$wcs]}]}},
 "when": []}
EOF
}

# ms since the epoch
now_ms() { date +%s%3N; }

echo "| jobs | poll | active | Epicor requests | all requests | flow wall | command wall |"
echo "|---:|---|---:|---:|---:|---:|---:|"
for jobs in "$@"; do
    dir=$work/$jobs
    mkdir -p "$dir"
    scenario "$jobs" >"$dir/scenario.json"
    KINSYNC_SERVE_READY_FILE=$dir/ready "$kinsync" serve \
        --scenario "$dir/scenario.json" >"$dir/serve.out" 2>"$dir/serve.err" &
    pid=$!
    for _ in $(seq 600); do
        [ -f "$dir/ready" ] && break
        kill -0 "$pid" 2>/dev/null || { cat "$dir/serve.err" >&2; exit 1; }
        sleep 0.1
    done
    admin=$(awk '$1 == "admin" { print $2 }' "$dir/ready")
    epi=$(awk '$1 == "epicor" { print $2 }' "$dir/ready")
    oee=$(awk '$1 == "oee" { print $2 }' "$dir/ready")
    for i in $(seq "$active"); do
        curl -s -S --max-time 20 -o /dev/null -X POST "$admin/admin/act/epicor" \
            -H 'Content-Type: application/json' --data-binary \
            "$(printf '{"action":"clock_in","args":{"employee":"E%04d","job_num":"GJ-%06d","opr_seq":10,"labor_type":"P"}}' "$i" "$i")"
    done
    cat >"$dir/kinsync.json" <<EOF
{"state": "state.db",
 "epicor": {"server_url": "$epi", "instance": "SaaS5333", "company": "EPIC06",
            "auth": "basic", "username": "integration",
            "password": "Bench-Pa55!", "api_key": "bench-epicor-key"},
 "oee": {"base_url": "$oee", "api_key": "bench-oee-key",
         "default_scope": "PLANT-A", "poll": {"max_requests": 1000}},
 "flows": ["oee.poll"]}
EOF
    for poll in first steady; do
        curl -s -S --max-time 20 -o /dev/null -X DELETE "$admin/admin/journal/epicor"
        start=$(now_ms)
        (cd "$dir" && "$kinsync" sync --config kinsync.json --once \
            >"$dir/$poll.out" 2>"$dir/$poll.err")
        end=$(now_ms)
        line=$(grep '^oee.poll ' "$dir/$poll.out")
        req=$(sed -n 's/.*; \([0-9]*\) requests, \([0-9.]*\) s.*/\1/p' <<<"$line")
        secs=$(sed -n 's/.*; \([0-9]*\) requests, \([0-9.]*\) s.*/\2/p' <<<"$line")
        # the Epicor emulator's journal: one "seq" per request it answered
        epireq=$(curl -s -S --max-time 20 "$admin/admin/journal/epicor" |
            grep -o '"seq":' | wc -l)
        printf '| %s | %s | %s | %s | %s | %s s | %.2f s |\n' "$jobs" "$poll" \
            "$active" "$epireq" "$req" "$secs" "$(((end - start)))e-3"
    done
    kill "$pid"
    wait "$pid" 2>/dev/null || true
    pid=
done
