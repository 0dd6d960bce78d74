#!/usr/bin/env bash
# A throwaway PostgreSQL cluster for the tests (the Debian package
# postgresql: ci/deps installs it).
#
#   pg_cluster.sh start STATE_DIR   initdb + pg_ctl start in a fresh
#                                   temporary directory; writes
#                                   STATE_DIR/uri, the admin URI
#   pg_cluster.sh stop STATE_DIR    stops the cluster, removes its files
#   pg_cluster.sh run CMD ARGS...   start, run CMD with KS_TEST_PG_URI set,
#                                   stop even when CMD fails (trap)
#
# The server listens on no TCP address at all, only on a unix socket in
# its own private directory, so parallel builds never collide on a port
# and nothing outside this machine can reach it. Run as root, the server
# runs as the unprivileged user KS_PG_USER (default nobody; PostgreSQL
# refuses to run as root). Missing binaries are an error, never a skip.
# KS_PG_BINDIR overrides where initdb and pg_ctl are looked for.
# KS_PG_MAX_CONNECTIONS sets max_connections (default 600).
set -euo pipefail

die() { echo "pg_cluster: $*" >&2; exit 1; }

bindir=${KS_PG_BINDIR:-}
if [ -z "$bindir" ]; then
    bindir=$(ls -d /usr/lib/postgresql/*/bin 2>/dev/null | sort -V | tail -n 1 || true)
fi
[ -n "$bindir" ] && [ -x "$bindir/initdb" ] && [ -x "$bindir/pg_ctl" ] ||
    die "PostgreSQL server programs (initdb, pg_ctl) not found under" \
        "/usr/lib/postgresql/*/bin; install the Debian package postgresql" \
        "(ci/deps does) or set KS_PG_BINDIR"

# Runs a command as the cluster's owner.
as_owner() {
    if [ "$(id -u)" -eq 0 ]; then
        runuser -u "${KS_PG_USER:-nobody}" -- "$@"
    else
        "$@"
    fi
}

stop_cluster() {
    local state=$1 data
    [ -f "$state/data" ] || return 0
    data=$(cat "$state/data")
    if [ -f "$data/db/postmaster.pid" ]; then
        as_owner "$bindir/pg_ctl" -D "$data/db" -m immediate -w -t 30 stop \
            >/dev/null 2>&1 || true
    fi
    rm -rf "$data"
    rm -f "$state/data" "$state/uri"
}

start_cluster() {
    local state=$1 data
    mkdir -p "$state"
    stop_cluster "$state" # a cluster left by an interrupted run
    data=$(mktemp -d "${TMPDIR:-/tmp}/ks-pg.XXXXXX")
    echo "$data" >"$state/data"
    chmod 700 "$data"
    if [ "$(id -u)" -eq 0 ]; then
        chown "${KS_PG_USER:-nobody}" "$data"
    fi
    as_owner "$bindir/initdb" -D "$data/db" -U kinsync --auth=trust \
        -E UTF8 --no-locale --no-sync >"$data/initdb.log" 2>&1 ||
        { cat "$data/initdb.log" >&2; die "initdb failed"; }
    # Throwaway: no fsync (a crash of the test machine loses nothing of
    # value); commits stay synchronous so the store's semantics hold.
    # max_connections: a worker holds a few connections per connection of
    # its configuration (flows, lease keeper, receiver), and the kill
    # tests run three workers over 20 connections plus `kinsync workers`
    # while killed workers' sessions are still being reaped.
    cat >>"$data/db/postgresql.conf" <<CONF
listen_addresses = ''
unix_socket_directories = '$data'
port = 5432
fsync = off
full_page_writes = off
max_connections = ${KS_PG_MAX_CONNECTIONS:-600}
shared_buffers = 32MB
CONF
    as_owner "$bindir/pg_ctl" -D "$data/db" -l "$data/server.log" -w -t 60 \
        start >/dev/null 2>&1 ||
        { cat "$data/server.log" >&2 || true; die "the server did not start"; }
    echo "postgresql:///postgres?host=$data&port=5432&user=kinsync" \
        >"$state/uri"
    echo "pg_cluster: started in $data" >&2
}

cmd=${1:-}
case "$cmd" in
start) [ $# -eq 2 ] || die "usage: pg_cluster.sh start STATE_DIR"
    start_cluster "$2" ;;
stop) [ $# -eq 2 ] || die "usage: pg_cluster.sh stop STATE_DIR"
    stop_cluster "$2" ;;
run) shift
    [ $# -ge 1 ] || die "usage: pg_cluster.sh run CMD [ARGS...]"
    state=$(mktemp -d "${TMPDIR:-/tmp}/ks-pg-state.XXXXXX")
    trap 'stop_cluster "$state"; rm -rf "$state"' EXIT
    start_cluster "$state"
    KS_TEST_PG_URI=$(cat "$state/uri") "$@" ;;
*) die "usage: pg_cluster.sh start|stop STATE_DIR, or run CMD [ARGS...]" ;;
esac
