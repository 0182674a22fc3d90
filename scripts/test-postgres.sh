#!/usr/bin/env bash
# A throwaway PostgreSQL 15 cluster on 127.0.0.1 for the storage tests, collating en-US (ICU).
#   scripts/test-postgres.sh start   -> prints the URL to export as CHANNELBOOK_TEST_POSTGRES_URL
#   scripts/test-postgres.sh stop
# Installs the Debian package when the server binaries are missing. Runs the server as the `postgres`
# user (initdb refuses root), with trust auth and fsync off: test data only, never real data
# (CHANNELBOOK_PG_DURABLE=1: fsync on, for the benchmarks' durable numbers).
set -euo pipefail
PGBIN=/usr/lib/postgresql/15/bin
DIR=${CHANNELBOOK_PG_DIR:-/tmp/channelbook-test-pg}
PORT=${CHANNELBOOK_PG_PORT:-55432}

as_postgres() {
    if [ "$(id -u)" = 0 ]; then runuser -u postgres -- "$@"; else "$@"; fi
}

case "${1:-}" in
start)
    if [ ! -x "$PGBIN/initdb" ]; then
        echo "installing postgresql-15" >&2
        apt-get update -qq >&2
        DEBIAN_FRONTEND=noninteractive apt-get install -y -qq postgresql-15 >&2
    fi
    if [ -f "$DIR/postmaster.pid" ]; then as_postgres "$PGBIN/pg_ctl" -D "$DIR" -m immediate stop >&2 || true; fi
    rm -rf "$DIR"
    mkdir -p "$DIR"
    [ "$(id -u)" = 0 ] && chown postgres:postgres "$DIR"
    # An en-US ICU collation, as many hosted databases have: `a1` sorts before `A1` there, so a report that
    # leaned on the database's collation instead of byte order would differ from SQLite's and fail the tests.
    as_postgres "$PGBIN/initdb" -D "$DIR" -A trust -U postgres --no-sync \
        --locale=C.UTF-8 --locale-provider=icu --icu-locale=en-US >/dev/null
    # The tests run in parallel, each on a database of its own with pools of connections: 100 (the default) was
    # reached once the suite grew ("sorry, too many clients already"), so the throwaway cluster takes 400.
    # CHANNELBOOK_PG_DURABLE=1 keeps PostgreSQL's own settings (fsync, synchronous_commit, full_page_writes on), as a
    # vendor runs it: the benchmarks measure imports both ways (BENCHMARKS.md).
    SETTINGS="-c fsync=off -c synchronous_commit=off -c full_page_writes=off"
    [ "${CHANNELBOOK_PG_DURABLE:-0}" = 1 ] && SETTINGS="-c fsync=on -c synchronous_commit=on -c full_page_writes=on"
    as_postgres "$PGBIN/pg_ctl" -D "$DIR" -l "$DIR/server.log" -w \
        -o "-c listen_addresses=127.0.0.1 -p $PORT $SETTINGS -c max_connections=400 -k $DIR" start >&2
    echo "postgres://postgres@127.0.0.1:$PORT/postgres?sslmode=disable"
    ;;
stop)
    if [ -f "$DIR/postmaster.pid" ]; then as_postgres "$PGBIN/pg_ctl" -D "$DIR" -m fast stop >&2; fi
    rm -rf "$DIR"
    ;;
*)
    echo "usage: $0 start|stop" >&2
    exit 2
    ;;
esac
