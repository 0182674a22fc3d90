#!/usr/bin/env python3
"""Listing a partner's lines: what an index on sales_lines (reseller_id, quarter) would cost an import, and what a page
costs without one. At the SQLite level, on the table as Channelbook creates it (STRICT, WITHOUT ROWID, keyed by source
and line id), lines spread over 2,000 resellers:
  1. 1M lines inserted in one transaction, without and with the index, twice (cache as the import's writer: 64 MiB);
  2. 10M lines, no index: the first page (501 rows) of one reseller's quarter in key order, for resellers with lines
     and for one with none (the whole quarter read).
Run: python3 scripts/bench-line-index.py   (standard library only; writes /tmp/channelbook-line-bench.sqlite, then removes it)."""
import os, random, sqlite3, time

PATH = '/tmp/channelbook-line-bench.sqlite'
TABLE = '''CREATE TABLE sales_lines (source TEXT NOT NULL, line_id TEXT NOT NULL, sale_date TEXT NOT NULL, quarter TEXT NOT NULL,
  reseller_id INTEGER NOT NULL, customer TEXT NOT NULL, sku TEXT NOT NULL, category TEXT NOT NULL, seats INTEGER NOT NULL,
  amount_minor INTEGER NOT NULL, route_exception TEXT, import_id INTEGER NOT NULL, line_no INTEGER NOT NULL,
  PRIMARY KEY (source, line_id)) STRICT, WITHOUT ROWID'''


def lines(first, count):
    return [(random.choice(['D01', 'D02', 'D03', 'DIRECT']), 'L%08d' % (first + i), '2026-0%d-15' % random.randint(1, 6),
             '2026Q%d' % random.randint(1, 2), random.randint(1, 2000), 'Customer %d' % random.randint(1, 50000),
             'SKU-%d' % random.randint(1, 200), 'hardware', 3, 123456, None, 1, i) for i in range(count)]


def fresh():
    if os.path.exists(PATH):
        os.remove(PATH)
    c = sqlite3.connect(PATH)
    c.execute('PRAGMA journal_mode=WAL')
    c.execute('PRAGMA synchronous=NORMAL')
    c.execute('PRAGMA cache_size=-65536')
    c.execute(TABLE)
    c.execute('CREATE INDEX sales_lines_route_exceptions ON sales_lines (quarter, reseller_id) WHERE route_exception IS NOT NULL')
    return c


def insert_seconds(index):
    random.seed(1)
    c = fresh()
    if index:
        c.execute('CREATE INDEX sales_lines_by_reseller ON sales_lines (reseller_id, quarter)')
    rows = lines(0, 1_000_000)
    start = time.time()
    c.execute('BEGIN')
    c.executemany('INSERT INTO sales_lines VALUES (?,?,?,?,?,?,?,?,?,?,?,?,?)', rows)
    c.execute('COMMIT')
    c.close()
    return time.time() - start


for _ in range(2):
    print('1M lines inserted: no index %.2f s, with (reseller_id, quarter) %.2f s' % (insert_seconds(False), insert_seconds(True)))

random.seed(2)
c = fresh()
c.execute('BEGIN')
for chunk in range(10):
    c.executemany('INSERT INTO sales_lines VALUES (?,?,?,?,?,?,?,?,?,?,?,?,?)', lines(chunk * 1_000_000, 1_000_000))
c.execute('COMMIT')
for reseller in [17, 1999, 999_999]:
    start = time.time()
    n = len(c.execute("SELECT source, line_id FROM sales_lines WHERE quarter = '2026Q1' AND reseller_id = ? ORDER BY source, line_id LIMIT 501",
                      (reseller,)).fetchall())
    print('10M lines, no index: reseller %d, first page of 2026Q1: %d rows in %.2f s' % (reseller, n, time.time() - start))
c.close()
os.remove(PATH)
