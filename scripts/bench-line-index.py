#!/usr/bin/env python3
"""What an index on sales_lines (reseller_id, quarter) would cost an import, at the SQLite level: 1M lines inserted in
one transaction into the table as Channelbook creates it (WITHOUT ROWID, keyed by source and line id), with and
without the index, twice. Run: python3 scripts/bench-line-index.py (standard library only). See BENCHMARKS.md."""
import sqlite3, time, random, os
def run(index):
    path='/tmp/channelbook-line-index-bench.sqlite'
    if os.path.exists(path): os.remove(path)
    c=sqlite3.connect(path); c.execute('PRAGMA journal_mode=WAL'); c.execute('PRAGMA synchronous=NORMAL')
    c.execute('''CREATE TABLE sales_lines (source TEXT NOT NULL, line_id TEXT NOT NULL, sale_date TEXT NOT NULL, quarter TEXT NOT NULL, reseller_id INTEGER NOT NULL,
      customer TEXT NOT NULL, sku TEXT NOT NULL, category TEXT NOT NULL, seats INTEGER NOT NULL, amount_minor INTEGER NOT NULL, route_exception TEXT,
      import_id INTEGER NOT NULL, line_no INTEGER NOT NULL, PRIMARY KEY (source, line_id)) STRICT, WITHOUT ROWID''')
    c.execute("CREATE INDEX sales_lines_route_exceptions ON sales_lines (quarter, reseller_id) WHERE route_exception IS NOT NULL")
    if index: c.execute("CREATE INDEX sales_lines_by_reseller ON sales_lines (reseller_id, quarter)")
    random.seed(1)
    rows=[(random.choice(['D01','D02','D03','DIRECT']), 'L%08d'%i, '2026-0%d-15'%random.randint(1,6), '2026Q%d'%random.randint(1,2), random.randint(1,2000),
           'Customer %d'%random.randint(1,50000), 'SKU-%d'%random.randint(1,200), 'hardware', 3, 123456, None, 1, i) for i in range(1000000)]
    t=time.time()
    c.execute('BEGIN')
    c.executemany('INSERT INTO sales_lines VALUES (?,?,?,?,?,?,?,?,?,?,?,?,?)', rows)
    c.execute('COMMIT')
    return time.time()-t
for k in range(2):
    print('no index %.2f s   with index %.2f s' % (run(False), run(True)))
os.remove('/tmp/channelbook-line-index-bench.sqlite')
