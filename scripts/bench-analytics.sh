#!/usr/bin/env bash
# What channel analytics cost (issue 20): a year of generated sales (LINES lines over four quarters) imported by this
# build — and, when given, by a baseline binary from before the totals were kept per segment — into SQLite and, when
# CHANNELBOOK_BENCH_POSTGRES_URL names a server, into PostgreSQL; then `report sales` over the year by every
# dimension, next to DuckDB computing the same table from the CSV (and from a DuckDB table) in the same run. The
# report's rows are compared with DuckDB's, cell by cell. Prints a Markdown table.
#
#   scripts/bench-analytics.sh LINES [BASELINE_BINARY]          e.g. scripts/bench-analytics.sh 10000000 /tmp/cb-before-analytics
#
# Needs: a release build (swift build -c release --product channelbook), GNU time, python3 (DuckDB is installed into
# /tmp/duckvenv from PyPI when missing).
set -euo pipefail
LINES=${1:?usage: scripts/bench-analytics.sh LINES [BASELINE_BINARY]}
BASELINE=${2:-}
ROOT=$(cd "$(dirname "$0")/.." && pwd)
BIN=$ROOT/.build/release/channelbook
WORK=${BENCH_DIR:-/tmp/channelbook-bench-analytics}/$LINES
QUARTERS=2025Q1..2025Q4
BY=segment,route,distributor,tier
[ -x "$BIN" ] || { echo "build first: swift build -c release --product channelbook" >&2; exit 1; }
[ -x /tmp/duckvenv/bin/python ] || { python3 -m venv /tmp/duckvenv && /tmp/duckvenv/bin/pip install -q duckdb; }
mkdir -p "$WORK"
[ -f "$WORK/data/sales.csv" ] || "$BIN" generate --partners 2000 --lines "$LINES" --quarters 2025Q1,2025Q2,2025Q3,2025Q4 --out "$WORK/data" > /dev/null

# seconds and peak MiB of one command, its output kept in $WORK/NAME.out
measure() {
    local name=$1; shift
    /usr/bin/time -f "%e %M" -o "$WORK/$name.time" "$@" > "$WORK/$name.out" 2> "$WORK/$name.err" || { cat "$WORK/$name.err" >&2; exit 1; }
    read -r seconds kib < "$WORK/$name.time"
    printf '%s %s %s\n' "$name" "$seconds" "$((kib / 1024))" >> "$WORK/results"
}
: > "$WORK/results"
import_into() {  # NAME BINARY DATABASE_FLAGS…
    local name=$1 binary=$2; shift 2
    "$binary" init "$@" > /dev/null
    "$binary" import partners "$WORK/data/partners.csv" "$@" > /dev/null
    "$binary" import pricebook "$WORK/data/pricebook.csv" "$@" > /dev/null
    measure "$name" "$binary" import sales "$WORK/data/sales.csv" --quiet "$@"
}
rm -f "$WORK"/*.sqlite*
[ -z "$BASELINE" ] || import_into import-sqlite-baseline "$BASELINE" --db "$WORK/baseline.sqlite"
import_into import-sqlite "$BIN" --db "$WORK/now.sqlite"
for run in 1 2 3; do measure "report-sqlite-$run" "$BIN" report sales --quarters $QUARTERS --by $BY --db "$WORK/now.sqlite"; done
measure report-sqlite-one-dimension "$BIN" report sales --quarters $QUARTERS --by segment --db "$WORK/now.sqlite"
if [ -n "${CHANNELBOOK_BENCH_POSTGRES_URL:-}" ]; then
    psql "$CHANNELBOOK_BENCH_POSTGRES_URL" -qc 'DROP SCHEMA public CASCADE; CREATE SCHEMA public;' > /dev/null
    import_into import-postgres "$BIN" --database-url "$CHANNELBOOK_BENCH_POSTGRES_URL"
    for run in 1 2 3; do measure "report-postgres-$run" "$BIN" report sales --quarters $QUARTERS --by $BY --database-url "$CHANNELBOOK_BENCH_POSTGRES_URL"; done
fi

# DuckDB: the same grouping from the CSV itself, then from a table loaded first (the load not counted).
cat > "$WORK/duck.py" <<'PY'
import duckdb, sys, time
data, mode = sys.argv[1], sys.argv[2]
con = duckdb.connect()
con.execute(f"""CREATE TABLE resellers AS
  SELECT code, code AS key, tier FROM read_csv('{data}/partners.csv', header = true, all_varchar = true) WHERE kind = 'reseller'
  UNION ALL SELECT code, abn, tier FROM read_csv('{data}/partners.csv', header = true, all_varchar = true) WHERE kind = 'reseller' AND abn IS NOT NULL""")
source = f"read_csv('{data}/sales.csv', header = true, columns = {{'line_id': 'VARCHAR', 'date': 'DATE', 'source': 'VARCHAR', 'reseller': 'VARCHAR', 'customer': 'VARCHAR', 'sku': 'VARCHAR', 'category': 'VARCHAR', 'seats': 'BIGINT', 'amount': 'DECIMAL(18,2)', 'currency': 'VARCHAR'}})"
if mode == "table":
    con.execute(f"CREATE TABLE sales AS SELECT * FROM {source}")
    source = "sales"
started = time.monotonic()
rows = con.execute(f"""
  SELECT year(s.date) || 'Q' || quarter(s.date) AS quarter,
         CASE WHEN s.seats = 0 THEN 'adjustment' WHEN abs(s.seats) >= 501 THEN 'enterprise' WHEN abs(s.seats) >= 2 THEN 'smb' ELSE 'single' END AS segment,
         CASE WHEN s.source = 'DIRECT' THEN 'DIRECT' ELSE 'distributor' END AS route, s.source AS distributor, r.tier,
         count(*) AS lines,
         sum(CASE WHEN s.category <> 'renewal' THEN s.amount ELSE 0 END) AS net_sales,
         sum(CASE WHEN s.category = 'renewal' THEN s.amount ELSE 0 END) AS renewals
  FROM {source} s JOIN resellers r ON r.key = s.reseller
  GROUP BY ALL ORDER BY ALL""").fetchall()
print(f"seconds {time.monotonic() - started:.3f}", file=sys.stderr)
for row in rows:
    print(",".join(str(value) if value is not None else "" for value in row[:5]) + f",{row[5]},{row[6]:.2f},{row[7]:.2f}")
PY
measure duckdb-from-csv /tmp/duckvenv/bin/python "$WORK/duck.py" "$WORK/data" csv
measure duckdb-from-table /tmp/duckvenv/bin/python "$WORK/duck.py" "$WORK/data" table
# The same rows: our report's first eight columns (without the changes) against DuckDB's.
tail -n +2 "$WORK/report-sqlite-1.out" | cut -d, -f1-8 | sort > "$WORK/ours.sorted"
sort "$WORK/duckdb-from-csv.out" > "$WORK/duck.sorted"
if cmp -s "$WORK/ours.sorted" "$WORK/duck.sorted"; then same="the same $(wc -l < "$WORK/ours.sorted") rows"; else same="DIFFERENT (diff $WORK/ours.sorted $WORK/duck.sorted)"; fi

echo "| step ($LINES lines, a year) | seconds | peak MiB |"
echo "|---|---:|---:|"
while read -r name seconds mib; do echo "| $name | $seconds | $mib |"; done < "$WORK/results"
for mode in csv table; do echo "| duckdb query alone ($mode) | $(grep -o '[0-9.]*' "$WORK/duckdb-from-$mode.err" | tail -1) | |"; done
echo
echo "report sales --by $BY against DuckDB: $same"
