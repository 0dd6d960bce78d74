#!/usr/bin/env bash
# cli.record-stream: `kinsync record` streams bodies of any size in bounded
# memory, and what it keeps of them in the HAR is redacted whole. In front
# of record_upstream (a loopback server with large and slow bodies):
# 64 MiB responses (with and without Content-Length) and 64 MiB uploads
# (with a length and chunked) arrive intact (SHA-256); a slow client and
# a slow upstream, both ways; the recorder's peak RSS (VmHWM) stays under
# RSS_BOUND_KIB. Then the HAR: large bodies kept in part and marked; no
# e-mail address, name or credential survives in a kept part, not where
# the cut falls inside one, not where it straddles the pipe's blocks, and
# not where the credential is only learned later in the same exchange.
#
# usage: record-stream.sh KINSYNC_BINARY REPO_ROOT RECORD_UPSTREAM_BINARY
set -u

kinsync=${1:?usage: record-stream.sh KINSYNC REPO_ROOT RECORD_UPSTREAM}
upstream_bin=${3:?usage: record-stream.sh KINSYNC REPO_ROOT RECORD_UPSTREAM}
# The documented bound (host/README.md, "record: streaming and memory").
RSS_BOUND_KIB=$((48 * 1024))
MIB64=67108864

. "$(dirname "$0")/common.sh"
cli_setup record-stream
command -v python3 >/dev/null 2>&1 || { echo "SKIP: python3 is not installed"; exit 77; }
command -v sha256sum >/dev/null 2>&1 || { echo "SKIP: sha256sum is not installed"; exit 77; }

# ---- the upstream, and record in front of it -------------------------------
"$upstream_bin" >"$work/upstream.port" 2>"$work/upstream.err" &
pids+=("$!")
upstream_pid=$!
for i in $(seq 100); do [ -s "$work/upstream.port" ] && break; sleep 0.1; done
[ -s "$work/upstream.port" ] || fail "record_upstream did not start"
direct=http://127.0.0.1:$(cat "$work/upstream.port")

# start_recorder NAME ARGS...: `kinsync record --system upstream` in front
# of it, URL in $proxy, pid in $recorder (ready within 10 s).
start_recorder() {
    local name=$1 i
    shift
    KINSYNC_SERVE_READY_FILE=$work/$name.ready "$kinsync" record \
        --system upstream --target "$direct" "$@" \
        >"$work/$name.out" 2>"$work/$name.err" &
    recorder=$!
    pids+=("$recorder")
    for i in $(seq 100); do
        [ -s "$work/$name.ready" ] && break
        kill -0 "$recorder" 2>/dev/null || fail "$name: exited early"
        sleep 0.1
    done
    [ -s "$work/$name.ready" ] || fail "$name: no ready file after 10 s"
    proxy=$(awk '$1 == "upstream" { print $2 }' "$work/$name.ready")
}
stop_recorder() {
    local i
    kill -TERM "$recorder"
    for i in $(seq 100); do kill -0 "$recorder" 2>/dev/null || break; sleep 0.1; done
    wait "$recorder" || fail "record exited $? after SIGTERM"
}
# sha URL [curl args]: the SHA-256 of what URL answers (fails the test on
# a transfer error).
sha() {
    local url=$1
    shift
    curl -sS -f --max-time 120 "$@" "$url" -o "$work/got" ||
        fail "curl $url did not complete"
    sha256sum <"$work/got" | cut -d' ' -f1
}
# upload FILE URL [curl args]: POSTs FILE (streamed by curl -T) to URL,
# the sink's answer in $work/sink.json.
upload() {
    local file=$1 url=$2
    shift 2
    curl -sS -f --max-time 120 -X POST -T "$file" "$@" "$url" \
        -o "$work/sink.json" || fail "upload to $url did not complete"
}
sink_says() { # FILE: "BYTES SHA" of the sink's answer
    python3 -c 'import json,sys; j=json.load(open(sys.argv[1])); print(j["bytes"], j["sha256"])' "$1"
}

har=$work/big.har
start_recorder big --out "$har"

# ---- 64 MiB responses ------------------------------------------------------
want64=$(sha "$direct/big?bytes=$MIB64")
want=$want64
[ "$(sha "$proxy/big?bytes=$MIB64")" = "$want" ] ||
    fail "a 64 MiB response (Content-Length) came through changed"
[ "$(stat -c %s "$work/got")" = "$MIB64" ] || fail "not 64 MiB through record"
[ "$(sha "$proxy/big?bytes=$MIB64&chunked=1")" = "$want" ] ||
    fail "a 64 MiB chunked response came through changed"
ok "64 MiB responses stream through intact, with and without a length"

# ---- 64 MiB uploads --------------------------------------------------------
head -c $((MIB64 / 4 * 3)) /dev/urandom | base64 -w0 >"$work/up"
up_sha=$(sha256sum <"$work/up" | cut -d' ' -f1)
upload "$work/up" "$proxy/sink"
[ "$(sink_says "$work/sink.json")" = "$MIB64 $up_sha" ] ||
    fail "a 64 MiB upload arrived as $(cat "$work/sink.json"), not $MIB64 $up_sha"
upload "$work/up" "$proxy/sink" -H "Transfer-Encoding: chunked"
[ "$(sink_says "$work/sink.json")" = "$MIB64 $up_sha" ] ||
    fail "a chunked 64 MiB upload arrived as $(cat "$work/sink.json")"
ok "64 MiB uploads stream through intact, with a length and chunked"

# ---- slow sides --------------------------------------------------------------
# 64 MiB at 16 MiB/s: the target is far faster, so without back-pressure
# the body would pile up in record (and break the RSS bound below).
[ "$(sha "$proxy/big?bytes=$MIB64" --limit-rate 16M)" = "$want64" ] ||
    fail "a slow client got a changed body"
want=$(sha "$direct/big?bytes=2097152")
[ "$(sha "$proxy/big?bytes=2097152&delay_ms=40")" = "$want" ] ||
    fail "a slow upstream's body came through changed"
head -c 8388608 "$work/up" >"$work/up8"
upload "$work/up8" "$proxy/sink" --limit-rate 4M
[ "$(sink_says "$work/sink.json")" = "8388608 $(sha256sum <"$work/up8" | cut -d' ' -f1)" ] ||
    fail "a slow client's upload arrived changed: $(cat "$work/sink.json")"
upload "$work/up8" "$proxy/sink?delay_ms=4"
[ "$(sink_says "$work/sink.json")" = "8388608 $(sha256sum <"$work/up8" | cut -d' ' -f1)" ] ||
    fail "an upload to a slow upstream arrived changed: $(cat "$work/sink.json")"
ok "slow clients and slow upstreams, both ways: bodies intact"

# ---- the recorder's memory ----------------------------------------------------
hwm=$(awk '/^VmHWM:/ { print $2 }' "/proc/$recorder/status")
echo "# record's VmHWM after 3 x 64 MiB down (one to a slow client), 2 x 64 MiB up, slow sides: $hwm kB (bound $RSS_BOUND_KIB kB)"
[ -n "$hwm" ] || fail "no VmHWM for the recorder"
if [ -n "${KS_SANITIZE:-}" ]; then
    # shadow memory and the allocator's quarantine are not record's
    echo "# peak RSS not checked under -fsanitize=$KS_SANITIZE"
else
    [ "$hwm" -lt "$RSS_BOUND_KIB" ] ||
        fail "record's peak RSS $hwm kB is over the bound of $RSS_BOUND_KIB kB"
    ok "record's peak RSS stays under $((RSS_BOUND_KIB / 1024)) MiB"
fi

# ---- a secret and an address across the pipe's blocks -------------------------
# 640 KiB of lines 101 bytes long, each with an address and the bearer
# token: their copies straddle every block boundary (16, 64, 256 KiB).
token=Tk-split-0123456789abcdef
python3 - "$work/lines" "$token" <<'PY'
import sys
line = ("x" * 20 + " annika.rec@acme.example " + sys.argv[2] + " ").ljust(100, "y") + "\n"
open(sys.argv[1], "w").write(line * (640 * 1024 // 101))
PY
curl -sS -f --max-time 60 -H "Authorization: Bearer $token" -H "Content-Type: text/plain" \
    --data-binary "@$work/lines" "$proxy/echo" -o "$work/echoed" || fail "echo of the lines"
cmp -s "$work/lines" "$work/echoed" || fail "the echoed lines came back changed"
stop_recorder

python3 - "$har" "$MIB64" <<'PY' || fail "the HAR's large entries are not as expected"
import json, sys
e = json.load(open(sys.argv[1]))["log"]["entries"]
size = int(sys.argv[2])
big = [x for x in e if "/big?bytes=%d" % size in x["request"]["url"]]
assert len(big) == 3, len(big)
for x in big:
    c = x["response"]["content"]
    assert c["_truncated"] is True and c["size"] == size, c.get("size")
    assert 0 < len(c["text"]) <= 1 << 20, len(c["text"])
    assert "kept the first" in c["comment"], c["comment"]
ups = [x for x in e if x["request"]["url"].endswith("/sink") and x["request"]["bodySize"] == size]
assert len(ups) == 2, [x["request"]["bodySize"] for x in e]
for x in ups:
    p = x["request"]["postData"]
    assert p["_truncated"] is True and len(p["text"]) <= 1 << 20
PY
for v in annika.rec "$token" Tk-split-0123; do
    grep -q -F -- "$v" "$har" && fail "\"$v\" is in the HAR: $(grep -o -F -- "$v" "$har" | head -2)"
done
grep -q '@example.invalid' "$har" || fail "no pseudonym where the addresses were"
ok "the HAR keeps large bodies in part, marked; no address or token across blocks"

# ---- the cut inside a value ----------------------------------------------------
# --body-max 256: each body below is built so that byte 256 falls inside
# an address, a token, or a personal JSON value. Kept whole, redaction
# would not recognise them (an address without its domain, half a token).
cut=$work/cut.har
start_recorder cut --out "$cut" --body-max 256
python3 - "$work" "$token" <<'PY'
import sys
w, token = sys.argv[1], sys.argv[2]
def at(text, part, keep):  # pads text so that part starts keep bytes before 256
    return "p" * (256 - keep - len(text)) + text + part + " and the rest of it"
open(w + "/cut-address", "w").write(at("mail ", "annika.rec@acme.example", 14))
open(w + "/cut-token", "w").write(at("again ", token, 12))
# byte 256 is the second of the two of "\u00e9": the kept part must not
# end in half a character (the HAR would not be UTF-8)
open(w + "/cut-utf8", "wb").write(b"p" * 255 + "\u00e9t\u00e9 and more".encode())
head = '{"customers":[{"first_name":"Annika","last_name":"Lindqvist","password":"pw-whole-secret-1"},{"note":"'
tail_field = '","first_name":"'
name = "Margarethe"
pad = 256 - 6 - len(head) - len(tail_field)
assert pad > 0, pad
open(w + "/cut-json", "w").write(head + "n" * pad + tail_field + name + '","last_name":"Oberholzer"}]}')
PY
for f in cut-address cut-token cut-utf8; do
    curl -sS -f --max-time 20 -H "Authorization: Bearer $token" -H "Content-Type: text/plain" \
        --data-binary "@$work/$f" "$proxy/echo" -o /dev/null || fail "echo of $f"
done
curl -sS -f --max-time 20 -H "Content-Type: application/json" \
    --data-binary "@$work/cut-json" "$proxy/echo" -o /dev/null || fail "echo of cut-json"
# A credential learned late: the request names the token before the
# response issues it, and a member before the password it echoes.
curl -sS -f --max-time 20 -H "Content-Type: application/json" \
    --data-binary '{"note":"will use late-credential-7f3e9a1c5b"}' "$proxy/token" \
    -o /dev/null || fail "POST /token"
curl -sS -f --max-time 20 -H "Content-Type: application/json" \
    --data-binary '{"note":"it is abcdef-later-99","password":"abcdef-later-99"}' "$proxy/echo" \
    -o /dev/null || fail "echo of the late password"
stop_recorder
python3 -c 'import json,sys; json.load(open(sys.argv[1], encoding="utf-8"))' "$cut" ||
    fail "the cut HAR is not JSON in UTF-8"
for v in annika Tk-split Annika Lindqvist Margar Oberholzer pw-whole-secret \
    late-credential-7f3e9a1c5b abcdef-later-99; do
    grep -q -F -- "$v" "$cut" && fail "\"$v\" is in the HAR: $(grep -o -- ".\{0,60\}$v" "$cut" | head -2)"
done
python3 - "$cut" <<'PY' || fail "the kept parts are not what they should be"
import json, sys
e = json.load(open(sys.argv[1]))["log"]["entries"]
j = [x for x in e if x["request"]["postData"]["mimeType"] == "application/json"][0]
t = j["request"]["postData"]["text"]
assert j["request"]["postData"]["_truncated"] and '"first_name":"' in t, t
assert t.endswith('"first_name":'), t   # the unfinished value is left out
assert '"password":"kinsync-redacted"' in t, t
PY
ok "a cut inside an address, a token or a personal value leaves none of it"
ok "credentials learned later in an exchange are masked in all of it"

# ---- HEAD, a target that is down, a client that leaves, a stop mid-body -------
edge=$work/edge.har
start_recorder edge --out "$edge"
curl -sS -f --max-time 20 -I "$proxy/big?bytes=12345" >"$work/head.out" || fail "HEAD through record"
grep -qi '^Content-Length: 12345' "$work/head.out" ||
    fail "HEAD lost the target's Content-Length: $(cat "$work/head.out")"
timeout 2 curl -s --limit-rate 1M "$proxy/big?bytes=$MIB64" -o /dev/null
req GET "$proxy/big?bytes=100"
[ "$status" = 200 ] && [ ${#body} = 100 ] || fail "record did not serve on after a client left: $status"
curl -s --max-time 30 --limit-rate 1M "$proxy/big?bytes=$MIB64" -o /dev/null &
slow=$!
sleep 1
t0=$(date +%s)
stop_recorder
[ $(($(date +%s) - t0)) -le 5 ] || fail "record took over 5 s to stop with a body in flight"
wait "$slow" && fail "the body cut by the stop looked complete to its client"
grep -q 'upstream: 2 recorded, 2 failed' "$work/edge.err" ||
    fail "record's summary: $(tail -1 "$work/edge.err")"
ok "HEAD keeps its length; a client that leaves and a stop mid-body end only their exchange"
KINSYNC_SERVE_READY_FILE=$work/dead.ready "$kinsync" record --system dead \
    --target http://127.0.0.1:1 --out "$work/dead.har" >/dev/null 2>"$work/dead.err" &
recorder=$!
pids+=("$recorder")
for i in $(seq 100); do [ -s "$work/dead.ready" ] && break; sleep 0.1; done
req GET "$(awk '{ print $2 }' "$work/dead.ready")/x"
[ "$status" = 502 ] || fail "a target that is down: HTTP $status, not 502"
stop_recorder
grep -q 'dead: GET /x: .*onnect' "$work/dead.err" ||
    fail "the 502 does not say why: $(cat "$work/dead.err")"
ok "a target that is down: 502, and stderr says why"

# ---- usage ----------------------------------------------------------------------
"$kinsync" record --system x --target "$direct" --out "$work/x.har" --body-max 40000000 \
    >/dev/null 2>"$work/u.err"
[ $? = 2 ] && grep -q 'bad --body-max' "$work/u.err" || fail "--body-max over 32 MiB accepted"
echo "cli.record-stream: all checks passed"
