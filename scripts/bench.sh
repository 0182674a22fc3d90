#!/usr/bin/env bash
# Import and close benchmark: Channelbook on SQLite and PostgreSQL next to the DuckDB baseline,
# on the same generated files, in one run. Prints a Markdown table for BENCHMARKS.md.
#
#   scripts/bench.sh LINES [PARTNERS]        e.g. scripts/bench.sh 1000000
#
# Needs: a release build (swift build -c release), python3, GNU time, PostgreSQL 15 server binaries
# (scripts/test-postgres.sh installs them), and DuckDB in a venv (made at /tmp/duckvenv when missing).
# The data comes from scripts/bench/gen.py (the reference generator, shipped here); rebates are cross-checked
# against DuckDB's for 2026Q1 before any number is printed.
set -euo pipefail
LINES=${1:?usage: scripts/bench.sh LINES [PARTNERS]}
PARTNERS=${2:-20000}
ROOT=$(cd "$(dirname "$0")/.." && pwd)
BENCH_TOOLS=${CHANNELBOOK_BENCH_TOOLS:-$ROOT/scripts/bench}
# CHANNELBOOK_BENCH_BIN runs another build (a baseline) on the same files: BENCHMARKS.md sets them side by side.
BIN=${CHANNELBOOK_BENCH_BIN:-$ROOT/.build/release/channelbook}
WORK=${BENCH_DIR:-/tmp/channelbook-bench}/$LINES
DATA=$WORK/data
mkdir -p "$WORK"
[ -x "$BIN" ] || { echo "build first: swift build -c release --product channelbook" >&2; exit 1; }
[ -x /tmp/duckvenv/bin/python ] || { python3 -m venv /tmp/duckvenv && /tmp/duckvenv/bin/pip install -q duckdb; }

if [ ! -f "$DATA/sales.csv" ]; then
    python3 "$BENCH_TOOLS/gen.py" --partners "$PARTNERS" --lines "$LINES" --out "$DATA" --quarters 2026Q1,2026Q2 >&2
fi

# measure NAME COMMAND...: wall seconds and peak RSS (MiB) of one command, via GNU time.
measure() {
    local name=$1; shift
    /usr/bin/time -f "%e %M" -o "$WORK/$name.time" "$@" > "$WORK/$name.out" 2> "$WORK/$name.err" || {
        cat "$WORK/$name.err" >&2; exit 1; }
    read -r secs kib < "$WORK/$name.time"
    echo "$name $secs $((kib / 1024))"
}

run_channelbook() {
    local label=$1; shift
    "$BIN" init "$@" > /dev/null
    "$BIN" import partners "$DATA/partners.csv" "$@" > /dev/null
    "$BIN" import pricebook "$DATA/pricebook.csv" "$@" > /dev/null
    measure "$label-import" "$BIN" import sales "$DATA/sales.csv" "$@"
    measure "$label-close" "$BIN" close 2026Q1 "$@"
    "$BIN" rebates 2026Q1 "$@" > "$WORK/$label-rebates.csv"
}

rm -f "$WORK"/cb.sqlite*
run_channelbook sqlite --db "$WORK/cb.sqlite"

# PostgreSQL twice: the throwaway settings (fsync off) and the ones a vendor runs (fsync, synchronous_commit on).
export CHANNELBOOK_PG_DIR=$WORK/pg CHANNELBOOK_PG_PORT=55499
trap '"$ROOT/scripts/test-postgres.sh" stop >/dev/null 2>&1 || true' EXIT
PGURL=$(CHANNELBOOK_PG_DURABLE=0 "$ROOT/scripts/test-postgres.sh" start)
run_channelbook postgres --database-url "$PGURL"
"$ROOT/scripts/test-postgres.sh" stop
PGURL=$(CHANNELBOOK_PG_DURABLE=1 "$ROOT/scripts/test-postgres.sh" start)
run_channelbook postgres-durable --database-url "$PGURL"
"$ROOT/scripts/test-postgres.sh" stop

measure duckdb-table /tmp/duckvenv/bin/python "$BENCH_TOOLS/duckdb_close.py" --data "$DATA" --out "$WORK/duck" --mode table
cp "$WORK/duckdb-table.err" "$WORK/duckdb-table.phases"
measure duckdb-scan /tmp/duckvenv/bin/python "$BENCH_TOOLS/duckdb_close.py" --data "$DATA" --out "$WORK/duckscan" --mode scan

# Cross-check: Channelbook's 2026Q1 rebates (SQLite and PostgreSQL) equal DuckDB's, partner by partner.
grep ',2026Q1,' "$WORK/duck/rebates.csv" | awk -F, '{print $1","$3","$4","$5}' | sort > "$WORK/expected.csv"
for label in sqlite postgres postgres-durable; do
    tail -n +2 "$WORK/$label-rebates.csv" | awk -F, '{print $1","$4","$5","$6}' | sort > "$WORK/$label-got.csv"
    if ! diff -q "$WORK/expected.csv" "$WORK/$label-got.csv" > /dev/null; then
        echo "MISMATCH: $label rebates differ from DuckDB's (diff $WORK/expected.csv $WORK/$label-got.csv)" >&2
    else
        echo "cross-check $label: $(wc -l < "$WORK/expected.csv") rebate rows equal DuckDB's" >&2
    fi
done
grep PHASE "$WORK/duckdb-table.phases" >&2
