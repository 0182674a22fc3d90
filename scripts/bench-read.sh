#!/usr/bin/env bash
# The read path under load (BENCHMARKS.md): `GET /api/v1/statements/{quarter}/{partner}` with a partner's
# bearer token at 32 connections, next to `/healthz` on the same server in the same run, on SQLite and on
# PostgreSQL, over a database of 20,000 generated partners and their sales.
#   scripts/bench-read.sh [LINES]          (default 1,000,000 lines; needs wrk and a PostgreSQL URL in
#                                           CHANNELBOOK_TEST_POSTGRES_URL for the PostgreSQL half)
# Builds the release binary first. Loopback only; each wrk run is bounded (DURATION seconds).
set -euo pipefail
cd "$(dirname "$0")/.."
LINES=${1:-1000000}
DURATION=${DURATION:-20}
command -v wrk >/dev/null || { apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq wrk >/dev/null; }
swift build -c release --product channelbook 2>&1 | tail -1
BIN=.build/release/channelbook
WORK=$(mktemp -d /tmp/cb-bench-read.XXXXXX)
SERVER=""
cleanup() { [ -n "$SERVER" ] && kill "$SERVER" 2>/dev/null; rm -rf "$WORK"; }
trap cleanup EXIT

"$BIN" generate --partners 20000 --lines "$LINES" --quarters 2026Q1 --out "$WORK/data" >/dev/null

run() {  # run NAME DATABASE-FLAGS...
    local name=$1; shift
    "$BIN" init "$@" >/dev/null
    for kind in partners pricebook sales; do "$BIN" import "$kind" "$WORK/data/$kind.csv" "$@" >/dev/null; done
    "$BIN" close 2026Q1 "$@" >/dev/null
    local partner
    partner=$("$BIN" statements 2026Q1 --format csv "$@" | sed -n 2p | cut -d, -f2)
    printf 'bench password 123\n' | "$BIN" user add "bench-$name@example.com" --role partner --partner "$partner" --password-stdin "$@" >/dev/null
    local token
    token=$("$BIN" token create "bench-$name@example.com" "$@")
    local port
    port=$(python3 -c 'import socket; s = socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])')
    "$BIN" serve --port "$port" --connections "${CONNECTIONS:-8}" "$@" >"$WORK/serve-$name.log" 2>&1 &
    SERVER=$!
    for _ in $(seq 1 120); do curl -fs "http://127.0.0.1:$port/healthz" >/dev/null 2>&1 && break; sleep 0.25; done
    curl -fs -H "Authorization: Bearer $token" "http://127.0.0.1:$port/api/v1/statements/2026Q1/$partner" >/dev/null
    echo "== $name: /healthz"
    wrk -t2 -c32 -d"${DURATION}s" --latency "http://127.0.0.1:$port/healthz" | grep -E 'Requests/sec|50%|99%|Non-2xx'
    echo "== $name: /api/v1/statements/2026Q1/$partner (bearer token)"
    wrk -t2 -c32 -d"${DURATION}s" --latency -H "Authorization: Bearer $token" "http://127.0.0.1:$port/api/v1/statements/2026Q1/$partner" \
        | grep -E 'Requests/sec|50%|99%|Non-2xx'
    kill "$SERVER"; wait "$SERVER" 2>/dev/null || true; SERVER=""
}

run sqlite --db "$WORK/bench.sqlite"
if [ -n "${CHANNELBOOK_TEST_POSTGRES_URL:-}" ]; then
    name="cb_bench_read_$$"
    admin=$CHANNELBOOK_TEST_POSTGRES_URL
    psql "$admin" -qc "DROP DATABASE IF EXISTS $name" -c "CREATE DATABASE $name"
    run postgres --database-url "${admin/\/postgres\?//$name?}"
    psql "$admin" -qc "DROP DATABASE IF EXISTS $name WITH (FORCE)"
fi
