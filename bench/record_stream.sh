#!/usr/bin/env bash
# Throughput of one large body through `kinsync record` against the same
# transfer straight to the upstream (tests/cli/record_upstream, built with
# the tests), both on 127.0.0.1, curl as the client: a download and an
# upload of MIB MiB, ROUNDS interleaved pairs (direct, then through
# record); prints a Markdown row per direction with the median MB/s of
# each and the median of the per-round ratios (record / direct), and
# record's peak RSS.
#
# usage: bench/record_stream.sh KINSYNC RECORD_UPSTREAM [MIB] [ROUNDS]
set -euo pipefail
kinsync=${1:?usage: record_stream.sh KINSYNC RECORD_UPSTREAM [MIB] [ROUNDS]}
upstream=${2:?usage: record_stream.sh KINSYNC RECORD_UPSTREAM [MIB] [ROUNDS]}
mib=${3:-256}
rounds=${4:-3}
bytes=$((mib * 1048576))
work=$(mktemp -d "${TMPDIR:-/tmp}/kinsync-bench-record.XXXXXX")
pids=()
cleanup() {
    for p in "${pids[@]}"; do kill "$p" 2>/dev/null || true; done
    wait 2>/dev/null || true
    rm -rf "$work"
}
trap cleanup EXIT

"$upstream" >"$work/port" &
pids+=("$!")
for _ in $(seq 100); do [ -s "$work/port" ] && break; sleep 0.1; done
direct=http://127.0.0.1:$(cat "$work/port")
KINSYNC_SERVE_READY_FILE=$work/ready "$kinsync" record --system upstream \
    --target "$direct" --out "$work/bench.har" >/dev/null 2>"$work/record.err" &
recorder=$!
pids+=("$recorder")
for _ in $(seq 100); do [ -s "$work/ready" ] && break; sleep 0.1; done
proxy=$(awk '{ print $2 }' "$work/ready")
head -c "$bytes" /dev/zero | tr '\0' 'k' >"$work/up"

# seconds URL [curl args]: the transfer's total time.
seconds() {
    local url=$1
    shift
    curl -sS -f -o /dev/null -w '%{time_total}' "$@" "$url"
}
median() { sort -g | awk '{ v[NR] = $1 } END { print v[int((NR + 1) / 2)] }'; }

for dir in download upload; do
    : >"$work/all"
    for _ in $(seq "$rounds"); do
        if [ "$dir" = download ]; then
            d=$(seconds "$direct/big?bytes=$bytes")
            r=$(seconds "$proxy/big?bytes=$bytes")
        else
            d=$(seconds "$direct/sink" -X POST -T "$work/up")
            r=$(seconds "$proxy/sink" -X POST -T "$work/up")
        fi
        awk -v m="$mib" -v d="$d" -v r="$r" 'BEGIN { print m / d, m / r, d / r }' \
            >>"$work/all"
    done
    printf '| %s %d MiB | %.0f MiB/s | %.0f MiB/s | %.2f |\n' "$dir" "$mib" \
        "$(cut -d' ' -f1 "$work/all" | median)" \
        "$(cut -d' ' -f2 "$work/all" | median)" \
        "$(cut -d' ' -f3 "$work/all" | median)"
done
echo "record's peak RSS: $(awk '/^VmHWM:/ { print $2, $3 }' "/proc/$recorder/status")"
