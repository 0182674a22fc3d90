#!/usr/bin/env bash
# Writes the upgrade fixtures Tests/Fixtures/upgrade/{previous.sqlite,previous-postgres.sql}: a small year of
# business (two quarters closed, one approved and paid, referrals, a user) made by the binary given, so the
# next release's tests open a database the previous release really wrote. Run it with a release's binary
# before changing migrations:  scripts/make-upgrade-fixture.sh .build/debug/channelbook POSTGRES_URL
set -euo pipefail
BIN=$(realpath "$1"); PG_URL=$2
OUT=$(cd "$(dirname "$0")/.." && pwd)/Tests/Fixtures/upgrade
WORK=$(mktemp -d); trap 'rm -rf "$WORK"' EXIT
"$BIN" generate --partners 20 --lines 300 --out "$WORK/data" --seed 7 >/dev/null

build() {  # build DB_FLAGS...
    "$BIN" init --actor admin "$@" >/dev/null
    for kind in partners pricebook sales referrals; do "$BIN" import "$kind" "$WORK/data/$kind.csv" --actor admin "$@" >/dev/null; done
    "$BIN" close 2026Q1 --actor manager "$@" >/dev/null
    "$BIN" approve 2026Q1 --actor finance "$@" >/dev/null
    "$BIN" payouts mark-paid 2026Q1 --reference EFT-1 --actor finance "$@" >/dev/null
    "$BIN" close 2026Q2 --actor manager "$@" >/dev/null
    "$BIN" user add manager@fixture.example --role account_manager "$@" >/dev/null
}

rm -f "$OUT/previous.sqlite"
build --db "$WORK/previous.sqlite"
sqlite3 "$WORK/previous.sqlite" "PRAGMA wal_checkpoint(TRUNCATE); PRAGMA journal_mode=DELETE;" >/dev/null 2>&1 \
    || python3 -c "import sqlite3,sys; c=sqlite3.connect(sys.argv[1]); c.execute('PRAGMA wal_checkpoint(TRUNCATE)'); c.execute('PRAGMA journal_mode=DELETE'); c.close()" "$WORK/previous.sqlite"
cp "$WORK/previous.sqlite" "$OUT/previous.sqlite"

DB=fixture_$$
psql "$PG_URL" -qc "DROP DATABASE IF EXISTS $DB" -c "CREATE DATABASE $DB" >/dev/null
FIXTURE_URL=$(python3 -c "import sys,urllib.parse as u; p=u.urlsplit(sys.argv[1]); print(u.urlunsplit(p._replace(path='/'+sys.argv[2])))" "$PG_URL" "$DB")
build --database-url "$FIXTURE_URL"
pg_dump --format=plain --no-owner --no-privileges "$FIXTURE_URL" | grep -v '^SET transaction_timeout' > "$OUT/previous-postgres.sql"
psql "$PG_URL" -qc "DROP DATABASE $DB" >/dev/null
ls -l "$OUT"
