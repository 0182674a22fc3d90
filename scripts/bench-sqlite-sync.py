#!/usr/bin/env python3
"""What SQLite's synchronous = FULL costs on this disk, next to NORMAL, both in WAL mode (BENCHMARKS.md).

One bulk transaction of 1M rows (an import is one transaction) and 500 one-row transactions (a web
form's write), each mode twice, alternating. Run: python3 scripts/bench-sqlite-sync.py [FOLDER]
"""
import sqlite3, time, os, sys

FOLDER = sys.argv[1] if len(sys.argv) > 1 else "/tmp"
def run(mode, rows, txns):
    path=f"{FOLDER}/{mode}.sqlite"
    for s in ("","-wal","-shm"):
        try: os.remove(path+s)
        except FileNotFoundError: pass
    c=sqlite3.connect(path, isolation_level=None)
    c.execute("PRAGMA journal_mode=WAL"); c.execute(f"PRAGMA synchronous={mode}")
    c.execute("CREATE TABLE t (id INTEGER PRIMARY KEY, a TEXT, b INTEGER)")
    t=time.perf_counter()
    c.execute("BEGIN"); c.executemany("INSERT INTO t (a,b) VALUES (?,?)", ((f"line-{i}", i) for i in range(rows))); c.execute("COMMIT")
    bulk=time.perf_counter()-t
    t=time.perf_counter()
    for i in range(txns):
        c.execute("BEGIN IMMEDIATE"); c.execute("INSERT INTO t (a,b) VALUES (?,?)", ("x", i)); c.execute("COMMIT")
    small=(time.perf_counter()-t)/txns*1000
    c.close()
    return bulk, small
for rep in range(2):
    for mode in ("NORMAL","FULL"):
        bulk, small = run(mode, 1_000_000, 500)
        print(f"{mode:6} bulk 1M rows one commit: {bulk:.2f} s   small commit: {small:.3f} ms each")
