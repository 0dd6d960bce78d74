#!/usr/bin/env bash
# kinsync serve's memory after N requests of the Epicor OData page
# (bench/serve_odata.sh's page, journal on with default settings), at 32
# connections with wrk in bounded slices until N are answered or the time
# is up; prints RSS and peak RSS after each slice. A benchmark, not a test.
#   bench/serve_rss.sh KINSYNC_BINARY [N] [MAX_SECONDS]
# Defaults: N 1000000, at most 600 s (the line says how many were reached).
set -euo pipefail
ks=${1:?usage: serve_rss.sh KINSYNC_BINARY [N] [MAX_SECONDS]}
want=${2:-1000000}
limit=${3:-600}
here=$(cd "$(dirname "$0")" && pwd)
# shellcheck source=bench/serve_lib.sh
. "$here/serve_lib.sh"
start_epicor "$ks"
echo "RSS of kinsync serve after N requests ($want wanted, at most $limit s); load average $(cut -d' ' -f1-3 /proc/loadavg)"
echo
echo "| requests | seconds | RSS | peak RSS |"
echo "|---:|---:|---:|---:|"
start=$SECONDS
slice=10
while [ "$total" -lt "$want" ] && [ $((SECONDS - start)) -lt "$limit" ]; do
    left=$((limit - (SECONDS - start)))
    [ "$left" -ge "$slice" ] || slice=$left
    [ "$slice" -gt 0 ] || break
    read -r _ _ n bad <<<"$(wrk_run "$port" 32 "$slice" "$ep_url")"
    [ "$bad" = 0 ] || echo "serve_rss: $bad non-2xx answers" >&2
    total=$((total + n))
    rss=$(awk '/VmRSS/ { print $2 }' "/proc/$ks_pid/status")
    hwm=$(awk '/VmHWM/ { print $2 }' "/proc/$ks_pid/status")
    echo "| $total | $((SECONDS - start)) | $((rss / 1024)) MiB | $((hwm / 1024)) MiB |"
done
