#!/usr/bin/env bash
# cli.serve_limits: `kinsync serve`'s connection-limit options: bad values
# refused by name (exit 2), and a running serve with
# --per-ip-connection-limit 1 --connection-timeout 1 closing a second
# connection from the same address at once and an idle one after the
# timeout, while the first one's requests are answered.
# Usage: serve_limits.sh KINSYNC REPO_ROOT
set -uo pipefail
kinsync=${1:?usage: serve_limits.sh KINSYNC REPO_ROOT}
# shellcheck source=tests/cli/common.sh
. "$(dirname "$0")/common.sh"
cli_setup serve_limits

for bad in "--connection-limit 0" "--connection-limit x" \
           "--per-ip-connection-limit -1" "--connection-timeout 0" \
           "--connection-timeout 99999" "--threads 0" "--threads 65"; do
    # shellcheck disable=SC2086 # the option and its value are two words
    "$kinsync" serve $bad >"$work/bad.out" 2>"$work/bad.err"
    rc=$?
    [ $rc = 2 ] || fail "serve $bad: exit $rc (want 2)"
    grep -q -- "${bad%% *}" "$work/bad.err" || fail "serve $bad: the error does not name the option"
done
ok "bad connection-limit and thread values are refused, naming the option"

KINSYNC_SERVE_READY_FILE=$work/ready "$kinsync" serve --system static \
    --per-ip-connection-limit 1 --connection-timeout 1 \
    >"$work/serve.out" 2>"$work/serve.err" &
pids+=("$!")
for _ in $(seq 100); do
    [ -f "$work/ready" ] && break
    sleep 0.1
done
[ -f "$work/ready" ] || fail "no ready file after 10 s"
port=$(awk '$1 == "static" { print $2 }' "$work/ready" | sed 's/.*://')
[ -n "$port" ] || fail "no static URL in the ready file"

# python3 holds one idle connection, opens a second, and reports what
# the server did to each.
command -v python3 >/dev/null || { echo "SKIP: no python3"; exit 77; }
python3 - "$port" >"$work/probe.out" 2>&1 <<'PY' || fail "probe failed"
import socket, sys, time
port = int(sys.argv[1])
first = socket.create_connection(("127.0.0.1", port), timeout=5)
time.sleep(0.2)
second = socket.create_connection(("127.0.0.1", port), timeout=5)
try:
    closed = second.recv(1) == b""
except ConnectionResetError:
    closed = True
print("second closed at once:", closed)
start = time.time()
try:
    gone = first.recv(1) == b""
except ConnectionResetError:
    gone = True
print("idle first closed:", gone, "after %.1f s" % (time.time() - start))
sys.exit(0 if closed and gone and time.time() - start < 4.5 else 1)
PY
ok "past the per-address limit a connection is closed at once; an idle one after the timeout"
