#!/usr/bin/env bash
# A PostgreSQL server that dies in the middle of an import ends the command with an error in words, within a
# bounded time (CI runs this; that nothing of the file is kept is the transaction's job, tested elsewhere).
#   scripts/lost-server-check.sh BINARY
# Starts its own throwaway cluster (scripts/test-postgres.sh on another port), imports 2M lines, kills the
# server's processes with SIGKILL two seconds in, and expects the import to exit non-zero within 60 s.
set -euo pipefail
cd "$(dirname "$0")/.."
BIN=$1
WORK=$(mktemp -d /tmp/cb-lost.XXXXXX)
chmod 755 "$WORK"  # the cluster runs as the postgres user, which must reach its folder
export CHANNELBOOK_PG_DIR=$WORK/pg CHANNELBOOK_PG_PORT=${LOST_PG_PORT:-55477}
trap 'scripts/test-postgres.sh stop >/dev/null 2>&1 || true; rm -rf "$WORK"' EXIT
URL=$(scripts/test-postgres.sh start 2>"$WORK/pg-start.log") || { cat "$WORK/pg-start.log" >&2; exit 1; }
"$BIN" generate --partners 2000 --lines 2000000 --quarters 2026Q1 --out "$WORK/data" >/dev/null
"$BIN" init --database-url "$URL" >/dev/null
"$BIN" import partners "$WORK/data/partners.csv" --database-url "$URL" >/dev/null
"$BIN" import pricebook "$WORK/data/pricebook.csv" --database-url "$URL" >/dev/null
start=$(date +%s)
"$BIN" import sales "$WORK/data/sales.csv" --database-url "$URL" >"$WORK/out" 2>"$WORK/err" &
IMPORT=$!
sleep 2
# The backends first, then the server: the connection ends without a word from PostgreSQL, as in a crash.
POSTMASTER=$(head -1 "$CHANNELBOOK_PG_DIR/postmaster.pid")
pkill -KILL -P "$POSTMASTER" || true
kill -KILL "$POSTMASTER"
status=0
for _ in $(seq 1 120); do kill -0 "$IMPORT" 2>/dev/null || break; sleep 0.5; done
if kill -0 "$IMPORT" 2>/dev/null; then
    kill -KILL "$IMPORT"
    echo "FAIL the import was still running 60 s after its server died" >&2
    exit 1
fi
wait "$IMPORT" || status=$?
elapsed=$(( $(date +%s) - start ))
echo "import exited with status $status after ${elapsed} s: $(cat "$WORK/err" | head -3)"
[ "$status" -ne 0 ] || { echo "FAIL the import reported success although its server died" >&2; exit 1; }
grep -qiE "connection to the database was lost|unavailable" "$WORK/err" || { echo "FAIL the error does not say the connection was lost" >&2; exit 1; }
grep -qi "PSQLError" "$WORK/err" && { echo "FAIL the driver's generic text reached the user" >&2; exit 1; }
echo "lost-server check passed"
