#!/usr/bin/env bash
# What maintenance contracts cost an import: the same generated sales file imported twice into each database — once
# with the price book's maintenance terms (every hardware SKU: 12 months, so about a third of the lines create a
# contract) and once with the maintenance_months column removed (no contract) — optionally next to a baseline binary
# (an earlier release, before contracts existed) on the same files in the same run. Prints a Markdown table.
#
#   scripts/bench-contracts.sh LINES [BASELINE_BINARY]      e.g. scripts/bench-contracts.sh 1000000 /tmp/cb-baseline
#
# Needs: a release build (swift build -c release --product channelbook), GNU time, PostgreSQL 15 server binaries
# (scripts/test-postgres.sh installs them).
set -euo pipefail
LINES=${1:?usage: scripts/bench-contracts.sh LINES [BASELINE_BINARY]}
BASELINE=${2:-}
ROOT=$(cd "$(dirname "$0")/.." && pwd)
BIN=$ROOT/.build/release/channelbook
WORK=${BENCH_DIR:-/tmp/channelbook-bench-contracts}/$LINES
[ -x "$BIN" ] || { echo "build first: swift build -c release --product channelbook" >&2; exit 1; }
mkdir -p "$WORK"
if [ ! -f "$WORK/terms/sales.csv" ]; then
    "$BIN" generate --partners 2000 --lines "$LINES" --out "$WORK/terms" > /dev/null
    mkdir -p "$WORK/noterms"
    cp "$WORK/terms/partners.csv" "$WORK/terms/sales.csv" "$WORK/noterms/"
    python3 - "$WORK" <<'PY'
import csv, sys
work = sys.argv[1]
with open(f"{work}/terms/pricebook.csv", newline="") as source, open(f"{work}/noterms/pricebook.csv", "w", newline="") as target:
    writer = csv.writer(target, lineterminator="\n")
    for row in csv.reader(source):
        writer.writerow(row[:5])
PY
fi

export CHANNELBOOK_PG_DIR=$WORK/pg CHANNELBOOK_PG_PORT=55498
PGURL=$("$ROOT/scripts/test-postgres.sh" start)
trap '"$ROOT/scripts/test-postgres.sh" stop >/dev/null 2>&1 || true' EXIT
PSQL=$(dirname "$(ls /usr/lib/postgresql/*/bin/psql | head -1)")/psql

# run LABEL BINARY DATA DATABASE: prints "| LABEL | seconds | lines/s | peak RSS | contracts |"
run() {
    local label=$1 bin=$2 data=$3 db=$4 flags
    if [ "$db" = sqlite ]; then
        rm -f "$WORK/cb.sqlite"*; flags=(--db "$WORK/cb.sqlite")
    else
        "$PSQL" "$PGURL" -qc "DROP DATABASE IF EXISTS bench" -c "CREATE DATABASE bench" > /dev/null 2>&1
        flags=(--database-url "${PGURL%/*}/bench?sslmode=disable")
    fi
    "$bin" init "${flags[@]}" > /dev/null
    "$bin" import partners "$data/partners.csv" "${flags[@]}" > /dev/null
    "$bin" import pricebook "$data/pricebook.csv" "${flags[@]}" > /dev/null
    /usr/bin/time -f "%e %M" -o "$WORK/time" "$bin" import sales "$data/sales.csv" "${flags[@]}" > /dev/null
    read -r secs kib < "$WORK/time"
    local contracts=0
    if [ "$db" = sqlite ]; then
        contracts=$(python3 -c "import sqlite3,sys; c=sqlite3.connect(sys.argv[1]); print(c.execute(\"select count(*) from sqlite_master where name='maintenance_contracts'\").fetchone()[0] and c.execute('select count(*) from maintenance_contracts').fetchone()[0])" "$WORK/cb.sqlite")
    else
        contracts=$("$PSQL" "${PGURL%/*}/bench?sslmode=disable" -tAc "select count(*) from maintenance_contracts" 2>/dev/null || echo 0)
    fi
    printf '| %s | %s | %.2f | %s | %s MiB | %s |\n' "$label" "$db" "$secs" "$(python3 -c "print(f'{round($LINES/$secs):,}')")" "$((kib / 1024))" "$contracts"
}

echo "| binary and price book | database | import (s) | lines/s | peak RSS | contracts |"
echo "|---|---|---:|---:|---:|---:|"
for db in sqlite postgres; do
    [ -n "$BASELINE" ] && run "baseline (no contracts), terms in the price book" "$BASELINE" "$WORK/terms" "$db"
    run "this build, no terms" "$BIN" "$WORK/noterms" "$db"
    run "this build, terms: contracts created" "$BIN" "$WORK/terms" "$db"
done
