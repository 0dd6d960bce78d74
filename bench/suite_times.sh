#!/usr/bin/env bash
# Wall and CPU time of the scenario suite, per scenario and whole. Runs
# `kinsync check --report` over the suite RUNS times per binary (several
# binaries: their runs interleaved, so a busy machine weighs on each alike)
# and prints Markdown: per binary the suite's wall and its process CPU
# (user + sys, start-up included), the median scenario's wall and CPU (the
# report's wall_ms and cpu_ms, each scenario's median over the runs), then
# the slowest ten scenarios by CPU. A benchmark, not a test.
#   bench/suite_times.sh KINSYNC_BINARY [KINSYNC_BINARY...]
#   KS_SUITE_RUNS=N (default 3), KS_SUITE_DIR=DIR (default scenarios/)
# A binary older than the report's cpu_ms shows "-" for scenario CPU.
set -euo pipefail
[ $# -ge 1 ] || {
    echo "usage: suite_times.sh KINSYNC_BINARY [KINSYNC_BINARY...]" >&2
    exit 2
}
here=$(cd "$(dirname "$0")" && pwd)
suite=${KS_SUITE_DIR:-$here/../scenarios}
runs=${KS_SUITE_RUNS:-3}
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT

# One run of binary number $1 ($2): a report and a line "wall user sys".
one_run() {
    local n=$1 bin=$2 r=$3 TIMEFORMAT='%R %U %S'
    { time "$bin" check --report "$work/$n.$r.json" "$suite" \
        >"$work/$n.$r.out" 2>&1; } 2>>"$work/$n.times" || {
        echo "suite_times: $bin failed on the suite:" >&2
        tail -5 "$work/$n.$r.out" >&2
        exit 1
    }
}

for r in $(seq "$runs"); do
    n=0
    for bin in "$@"; do
        n=$((n + 1))
        one_run "$n" "$bin" "$r"
    done
done

# The report is cJSON's formatted print: the members of a scenario are the
# lines indented by three tabs.
per_scenario() { # N: "file wall cpu" per scenario and run
    for f in "$work/$1".*.json; do
        awk -F'\t' '
            /^\t\t\t"file":/ { if (file != "") print file, wall, cpu
                               file = $NF; gsub(/[",]/, "", file); wall = "-"; cpu = "-" }
            /^\t\t\t"wall_ms":/ { wall = $NF; sub(/,/, "", wall) }
            /^\t\t\t"cpu_ms":/ { cpu = $NF; sub(/,/, "", cpu) }
            END { if (file != "") print file, wall, cpu }' "$f"
    done
}

median() { # numbers on stdin, one a line; "-" when there are none
    sort -g | awk '{ v[NR] = $1 } END {
        if (NR == 0) { print "-"; exit }
        print (NR % 2) ? v[(NR + 1) / 2] : (v[NR / 2] + v[NR / 2 + 1]) / 2 }'
}

n=0
for bin in "$@"; do
    n=$((n + 1))
    per_scenario "$n" >"$work/$n.rows"
    # Each scenario's median over the runs.
    awk '{ print $1 }' "$work/$n.rows" | sort -u | while read -r file; do
        w=$(awk -v f="$file" '$1 == f { print $2 }' "$work/$n.rows" | median)
        c=$(awk -v f="$file" '$1 == f && $3 != "-" { print $3 }' \
            "$work/$n.rows" | median)
        echo "$file $w $c"
    done >"$work/$n.med"
    count=$(wc -l <"$work/$n.med")
    echo
    echo "### $bin ($count scenarios, $runs runs)"
    echo
    echo "| | median | runs |"
    echo "|---|---:|---:|"
    echo "| suite wall (s) | $(awk '{ print $1 }' "$work/$n.times" | median) |" \
        "$(awk '{ printf "%s ", $1 }' "$work/$n.times")|"
    echo "| suite CPU, user + sys (s) | $(awk '{ print $2 + $3 }' \
        "$work/$n.times" | median) | $(awk '{ printf "%.2f ", $2 + $3 }' \
        "$work/$n.times")|"
    echo "| median scenario wall (ms) | $(awk '{ print $2 }' "$work/$n.med" |
        median) | |"
    echo "| median scenario CPU (ms) | $(awk '$3 != "-" { print $3 }' \
        "$work/$n.med" | median) | |"
    echo
    echo "| slowest by CPU (ms, median of runs) | wall | CPU |"
    echo "|---|---:|---:|"
    sort -k3,3gr -k2,2gr "$work/$n.med" | head -10 |
        awk '{ printf "| %s | %s | %s |\n", $1, $2, $3 }'
done
