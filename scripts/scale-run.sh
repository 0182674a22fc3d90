#!/usr/bin/env bash
# One generated year on PostgreSQL, measured (docs/SCALING.md): import, close of each quarter, table sizes,
# and statement reads on the loaded database.
#   CHANNELBOOK_TEST_POSTGRES_URL=postgres://… scripts/scale-run.sh [LINES]    (default 100,000,000)
# Needs about 90 bytes of disk per line for the CSV and about 250 for the database. Loopback only.
set -euo pipefail
cd "$(dirname "$0")/.."
LINES=${1:-100000000}
ADMIN=${CHANNELBOOK_TEST_POSTGRES_URL:?set CHANNELBOOK_TEST_POSTGRES_URL to a PostgreSQL server URL}
swift build -c release --product channelbook 2>&1 | tail -1
BIN=$PWD/.build/release/channelbook
WORK=${WORK:-$(mktemp -d /tmp/cb-scale.XXXXXX)}
NAME=cb_scale
URL=${ADMIN/\/postgres\?//$NAME?}
SERVER=""
trap '[ -n "$SERVER" ] && kill "$SERVER" 2>/dev/null; rm -rf "$WORK"' EXIT
timed() {  # timed LABEL COMMAND...: wall seconds and peak RSS (MiB) of one command
    local label=$1; shift
    /usr/bin/time -f "%e %M" -o "$WORK/time" "$@" >"$WORK/out" 2>&1 || { cat "$WORK/out"; exit 1; }
    read -r seconds kib <"$WORK/time"
    printf '%-34s %9.2f s  %6d MiB  %s\n' "$label" "$seconds" $((kib / 1024)) "$(tail -1 "$WORK/out" | cut -c1-90)"
}

echo "== $LINES lines, 20,000 partners, 2026Q1–2026Q4, $(date -u +%F)"
timed "generate" "$BIN" generate --partners 20000 --lines "$LINES" --quarters 2026Q1,2026Q2,2026Q3,2026Q4 --out "$WORK/data"
ls -l "$WORK/data/sales.csv" | awk '{ printf "sales.csv: %.1f GB\n", $5 / 1e9 }'
psql "$ADMIN" -qc "DROP DATABASE IF EXISTS $NAME" -c "CREATE DATABASE $NAME" 2>/dev/null
"$BIN" init --database-url "$URL" >/dev/null
"$BIN" import partners "$WORK/data/partners.csv" --database-url "$URL" >/dev/null
"$BIN" import pricebook "$WORK/data/pricebook.csv" --database-url "$URL" >/dev/null
timed "import sales (one transaction)" "$BIN" import sales "$WORK/data/sales.csv" --database-url "$URL"
rm -f "$WORK/data/sales.csv"
for q in 2026Q1 2026Q2 2026Q3 2026Q4; do timed "close $q" "$BIN" close "$q" --database-url "$URL"; done
timed "approve 2026Q4" "$BIN" approve 2026Q4 --database-url "$URL"
timed "statements 2026Q4 (every partner)" "$BIN" statements 2026Q4 --format csv --database-url "$URL"
echo "== table sizes (data + indexes)"
psql "$URL" -tAc "SELECT relname || ': ' || pg_size_pretty(pg_total_relation_size(c.oid)) || ', ' || reltuples::bigint || ' rows'
                  FROM pg_class c JOIN pg_namespace n ON n.oid = c.relnamespace
                  WHERE n.nspname = 'public' AND c.relkind = 'r' ORDER BY pg_total_relation_size(c.oid) DESC LIMIT 6"
psql "$URL" -tAc "SELECT 'database: ' || pg_size_pretty(pg_database_size('$NAME'))"
echo "== statement reads on the loaded database"
PARTNER=$("$BIN" statements 2026Q4 --format csv --database-url "$URL" | sed -n 2p | cut -d, -f2)
printf 'scale password 123\n' | "$BIN" user add scale@example.com --role admin --password-stdin --database-url "$URL" >/dev/null
TOKEN=$("$BIN" token create scale@example.com --database-url "$URL" 2>/dev/null)
PORT=$(python3 -c 'import socket; s = socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])')
"$BIN" serve --port "$PORT" --database-url "$URL" >"$WORK/serve.log" 2>&1 &
SERVER=$!
for _ in $(seq 1 120); do curl -fs "http://127.0.0.1:$PORT/healthz" >/dev/null 2>&1 && break; sleep 0.25; done
wrk -t2 -c32 -d15s --latency -H "Authorization: Bearer $TOKEN" "http://127.0.0.1:$PORT/api/v1/statements/2026Q4/$PARTNER" | grep -E 'Requests/sec|50%|99%'
kill "$SERVER"; wait "$SERVER" 2>/dev/null || true; SERVER=""
psql "$ADMIN" -qc "DROP DATABASE IF EXISTS $NAME WITH (FORCE)"
