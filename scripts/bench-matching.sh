#!/usr/bin/env bash
# What distributor reports as they arrive cost (issue 15): the same generated sales file imported into SQLite by a
# baseline binary (before reseller matching) and by this build; the file with 1 % of its lines naming resellers nobody
# knows (parked), then one of those names mapped; and a workbook of the first N lines next to the same lines as CSV.
# Prints a Markdown table.
#
#   scripts/bench-matching.sh LINES WORKBOOK_LINES [BASELINE_BINARY]     e.g. scripts/bench-matching.sh 1000000 100000 /tmp/cb-before
#
# Needs: a release build (swift build -c release --product channelbook) and GNU time.
set -euo pipefail
LINES=${1:?usage: scripts/bench-matching.sh LINES WORKBOOK_LINES [BASELINE_BINARY]}
BOOK=${2:?usage: scripts/bench-matching.sh LINES WORKBOOK_LINES [BASELINE_BINARY]}
BASELINE=${3:-}
ROOT=$(cd "$(dirname "$0")/.." && pwd)
BIN=$ROOT/.build/release/channelbook
WORK=${BENCH_DIR:-/tmp/channelbook-bench-matching}/$LINES
[ -x "$BIN" ] || { echo "build first: swift build -c release --product channelbook" >&2; exit 1; }
mkdir -p "$WORK"
if [ ! -f "$WORK/data/sales.csv" ]; then
    "$BIN" generate --partners 2000 --lines "$LINES" --out "$WORK/data" > /dev/null
    python3 - "$WORK" "$BOOK" <<'PY'
import csv, sys, zipfile
work, book = sys.argv[1], int(sys.argv[2])
# 1 % of the lines name their reseller by a name nobody knows: 100 names, each on every 100th such line.
with open(f"{work}/data/sales.csv", newline="") as source, open(f"{work}/data/parked.csv", "w", newline="") as target:
    reader, writer = csv.reader(source), csv.writer(target, lineterminator="\n")
    writer.writerow(next(reader))
    for index, row in enumerate(reader):
        if index % 100 == 7 and row[2] != "DIRECT":
            row[3] = f"Unknown Reseller {index // 100 % 100} Pty Ltd"
        writer.writerow(row)
# The first BOOK lines as CSV and as a workbook: text in shared strings, the date a date cell, seats and amount numbers.
with open(f"{work}/data/sales.csv", newline="") as source:
    rows = [row for _, row in zip(range(book + 1), csv.reader(source))]
with open(f"{work}/data/book.csv", "w", newline="") as target:
    csv.writer(target, lineterminator="\n").writerows(rows)
strings, index_of = [], {}
def shared(text):
    if text not in index_of:
        index_of[text] = len(strings)
        strings.append(text)
    return index_of[text]
def serial(date):
    import datetime
    return (datetime.date.fromisoformat(date) - datetime.date(1899, 12, 30)).days
def escape(text):
    return text.replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;")
sheet = []
for number, row in enumerate(rows, start=1):
    cells = []
    for column, value in enumerate(row):
        ref = "ABCDEFGHIJ"[column] + str(number)
        if number > 1 and column == 1:
            cells.append(f'<c r="{ref}" s="1"><v>{serial(value)}</v></c>')
        elif number > 1 and column in (7, 8):
            cells.append(f'<c r="{ref}"><v>{value}</v></c>')
        else:
            cells.append(f'<c r="{ref}" t="s"><v>{shared(value)}</v></c>')
    sheet.append(f'<row r="{number}">{"".join(cells)}</row>')
main = "http://schemas.openxmlformats.org/spreadsheetml/2006/main"
rel = "http://schemas.openxmlformats.org/officeDocument/2006/relationships"
with zipfile.ZipFile(f"{work}/data/book.xlsx", "w", zipfile.ZIP_DEFLATED) as z:
    z.writestr("_rels/.rels", f'<?xml version="1.0"?><Relationships xmlns="http://schemas.openxmlformats.org/package/2006/relationships"><Relationship Id="rId1" Type="{rel}/officeDocument" Target="xl/workbook.xml"/></Relationships>')
    z.writestr("xl/workbook.xml", f'<?xml version="1.0"?><workbook xmlns="{main}" xmlns:r="{rel}"><sheets><sheet name="S" sheetId="1" r:id="rId1"/></sheets></workbook>')
    z.writestr("xl/_rels/workbook.xml.rels", f'<?xml version="1.0"?><Relationships xmlns="http://schemas.openxmlformats.org/package/2006/relationships"><Relationship Id="rId1" Type="{rel}/worksheet" Target="worksheets/sheet1.xml"/><Relationship Id="rId2" Type="{rel}/sharedStrings" Target="sharedStrings.xml"/><Relationship Id="rId3" Type="{rel}/styles" Target="styles.xml"/></Relationships>')
    z.writestr("xl/styles.xml", f'<?xml version="1.0"?><styleSheet xmlns="{main}"><cellXfs count="2"><xf numFmtId="0"/><xf numFmtId="14"/></cellXfs></styleSheet>')
    z.writestr("xl/sharedStrings.xml", f'<?xml version="1.0"?><sst xmlns="{main}">' + "".join(f"<si><t>{escape(t)}</t></si>" for t in strings) + "</sst>")
    z.writestr("xl/worksheets/sheet1.xml", f'<?xml version="1.0"?><worksheet xmlns="{main}"><sheetData>{"".join(sheet)}</sheetData></worksheet>')
PY
fi

# run LABEL BINARY DB COMMAND...: prints "| LABEL | seconds | peak RSS |"
run() {
    local label=$1 bin=$2 db=$3
    shift 3
    local start end rss
    start=$(date +%s.%N)
    # GNU time writes the peak RSS (KiB) as the last line of the command's stderr.
    if ! /usr/bin/time -f "%M" "$bin" "$@" --db "$db" > "$WORK/last.out" 2> "$WORK/last.err"; then cat "$WORK/last.err" >&2; exit 1; fi
    rss=$(tail -1 "$WORK/last.err")
    end=$(date +%s.%N)
    printf '| %s | %.2f | %s MiB |\n' "$label" "$(echo "$end - $start" | bc)" "$(( rss / 1024 ))"
}

fresh() {  # fresh BINARY DB: a database with the partners and the price book
    rm -f "$2" "$2"-wal "$2"-shm
    "$1" init --db "$2" > /dev/null
    "$1" import partners "$WORK/data/partners.csv" --db "$2" > /dev/null
    "$1" import pricebook "$WORK/data/pricebook.csv" --db "$2" > /dev/null
}

echo "| what ($LINES lines unless said) | seconds | peak RSS |"
echo "|---|---:|---:|"
if [ -n "$BASELINE" ]; then
    fresh "$BASELINE" "$WORK/base.sqlite"
    run "baseline: import sales" "$BASELINE" "$WORK/base.sqlite" import sales "$WORK/data/sales.csv"
fi
fresh "$BIN" "$WORK/this.sqlite"
run "this build: import sales" "$BIN" "$WORK/this.sqlite" import sales "$WORK/data/sales.csv"
fresh "$BIN" "$WORK/parked.sqlite"
run "this build: import with 1 % of lines parked" "$BIN" "$WORK/parked.sqlite" import sales "$WORK/data/parked.csv"
grep -o '[0-9]* parked' "$WORK/last.out" | head -1 | sed 's/^/    (/; s/$/)/' >&2
run "this build: the same file again (nothing parked twice)" "$BIN" "$WORK/parked.sqlite" import sales "$WORK/data/parked.csv"
partner=$(awk -F, '$3 == "reseller" && $4 != "national" { print $1; exit }' "$WORK/data/partners.csv")
source=$(awk -F, 'NR > 1 && $4 ~ /^Unknown Reseller 3 / { print $3; exit }' "$WORK/data/parked.csv")
run "this build: map one name (its parked lines into the ledger)" "$BIN" "$WORK/parked.sqlite" matching map --source "$source" --name "Unknown Reseller 3 Pty Ltd" --partner "$partner"
cat "$WORK/last.out" >&2
fresh "$BIN" "$WORK/book-csv.sqlite"
run "this build: $BOOK lines as CSV" "$BIN" "$WORK/book-csv.sqlite" import sales "$WORK/data/book.csv"
fresh "$BIN" "$WORK/book-xlsx.sqlite"
run "this build: the same $BOOK lines as a workbook ($(( $(stat -c %s "$WORK/data/book.xlsx") / 1048576 )) MiB)" "$BIN" "$WORK/book-xlsx.sqlite" import sales "$WORK/data/book.xlsx"
