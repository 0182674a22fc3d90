import ChannelbookCore
import ChannelbookImport
import SQLKit

/// A valid sales line whose reseller did not resolve (PRODUCT.md section 3, reseller matching): kept with its file and
/// line in `parked_sales_lines` until its name is mapped (then it enters the ledger) or set aside.
struct ParkedSalesLine: Sendable, Equatable {
    let source: String
    let lineID: String
    let lineNo: Int
    let date: String
    let writtenAs: String
    let nameKey: String
    let customer: String
    let sku: String
    let category: String
    let seats: Int64
    let amountMinor: Int64
    let ignored: Bool

    init(row: SalesRow, name: SourceName, ignored: Bool) {
        self.init(
            source: name.source, lineID: row.lineID.rawValue, lineNo: row.line, date: row.dateText, writtenAs: row.reseller.description, nameKey: name.key,
            customer: row.customer, sku: row.sku.rawValue, category: row.category.rawValue, seats: row.seats, amountMinor: row.amount.minorUnits, ignored: ignored)
    }

    init(
        source: String, lineID: String, lineNo: Int, date: String, writtenAs: String, nameKey: String, customer: String, sku: String, category: String,
        seats: Int64, amountMinor: Int64, ignored: Bool
    ) {
        self.source = source
        self.lineID = lineID
        self.lineNo = lineNo
        self.date = date
        self.writtenAs = writtenAs
        self.nameKey = nameKey
        self.customer = customer
        self.sku = sku
        self.category = category
        self.seats = seats
        self.amountMinor = amountMinor
        self.ignored = ignored
    }

    /// What identifies the line's content: a line id parked again with other content is a conflict, as in the ledger.
    func sameContent(as other: ParkedSalesLine) -> Bool {
        date == other.date && nameKey == other.nameKey && customer == other.customer && sku == other.sku && category == other.category
            && seats == other.seats && amountMinor == other.amountMinor
    }

    static let columns = "source, line_id, line_no, sale_date, reseller_as_written, name_key, customer, sku, category, seats, amount_minor, ignored"

    init(_ row: any SQLRow) throws {
        self.init(
            source: try row.decode(column: "source", as: String.self), lineID: try row.decode(column: "line_id", as: String.self),
            lineNo: try row.decode(column: "line_no", as: Int.self), date: try row.decode(column: "sale_date", as: String.self),
            writtenAs: try row.decode(column: "reseller_as_written", as: String.self), nameKey: try row.decode(column: "name_key", as: String.self),
            customer: try row.decode(column: "customer", as: String.self), sku: try row.decode(column: "sku", as: String.self),
            category: try row.decode(column: "category", as: String.self), seats: try row.decode(column: "seats", as: Int64.self),
            amountMinor: try row.decode(column: "amount_minor", as: Int64.self), ignored: try row.decode(column: "ignored", as: Int.self) != 0)
    }
}

/// A sales line's identity: its source and the line id the source gave it.
struct SalesLineKey: Hashable, Sendable {
    let source: String
    let lineID: String
}

/// The lines one sales import parks: held while the file is read (bounded, so a file of unknown names is refused,
/// not held), then stored after its ledger lines in the same transaction.
struct ParkedSalesLines {
    let importID: Int64
    private(set) var lines: [ParkedSalesLine] = []
    /// The file's parked lines by id: a line id twice in one file is present once (same content) or a conflict.
    private var byKey: [SalesLineKey: ParkedSalesLine] = [:]
    /// Lines repeated with the same content in this file (counted, not parked twice), parked and set aside.
    private(set) var repeated = 0
    private(set) var repeatedIgnored = 0

    /// More unresolved lines than this in one file is a wrong file or a missing partners import, not names to map.
    static let maximumPerFile = 100_000

    init(importID: Int64) { self.importID = importID }

    mutating func removeAll() {
        lines.removeAll(keepingCapacity: true)
        byKey.removeAll(keepingCapacity: true)
        repeated = 0
        repeatedIgnored = 0
    }

    mutating func append(_ line: ParkedSalesLine, _ problems: inout ImportProblems) {
        let key = SalesLineKey(source: line.source, lineID: line.lineID)
        if let earlier = byKey[key] {
            if earlier.sameContent(as: line) {
                if line.ignored { repeatedIgnored += 1 } else { repeated += 1 }
            } else {
                problems.add(line: line.lineNo, field: "line_id", "\(line.lineID) from \(line.source) is already in this file (line \(earlier.lineNo)) with other content")
            }
            return
        }
        byKey[key] = line
        guard lines.count < Self.maximumPerFile else {
            if lines.count == Self.maximumPerFile {
                problems.add(line: line.lineNo, field: "reseller", "more than \(Self.maximumPerFile) lines name resellers Channelbook does not know: import the partners or map the names first")
                lines.append(line)  // counted once, so the problem is reported once
            }
            return
        }
        lines.append(line)
    }

    /// What storing the parked lines found.
    struct Parking {
        var parked = 0
        var ignored = 0
        var resolvedSinceParked = 0
    }

    /// A parked line (`parked`, a table alias) and a ledger line `l` with the same id hold the same sale (what
    /// `sameContent` compares between two parked lines).
    static func sameSale(parked p: String) -> String {
        "l.sale_date = \(p).sale_date AND l.customer = \(p).customer AND l.sku = \(p).sku AND l.category = \(p).category AND l.seats = \(p).seats AND l.amount_minor = \(p).amount_minor"
    }

    /// Stores the lines (a line parked before with the same content is not parked twice; with other content, or
    /// already in the ledger, it is a conflict), and takes out of the parking lines now in the ledger. Throws the
    /// file's problems, so the caller's transaction rolls everything back.
    func store(in database: ChannelbookDatabase, file: String) async throws -> Parking {
        var problems = ImportProblems(file: file)
        var parking = Parking()
        for start in stride(from: 0, to: lines.count, by: 200) {
            let batch = Array(lines[start..<min(start + 200, lines.count)])
            let before = try await Self.stored(batch.map { ($0.source, $0.lineID) }, in: database)
            let inLedger = try await Self.inLedger(batch.map { ($0.source, $0.lineID) }, in: database)
            var fresh: [ParkedSalesLine] = []
            for line in batch {
                if inLedger.contains(SalesLineKey(source: line.source, lineID: line.lineID)) {
                    problems.add(line: line.lineNo, field: "line_id", "\(line.lineID) from \(line.source) is already in the ledger, for another reseller than '\(line.writtenAs)'")
                } else if let stored = before[SalesLineKey(source: line.source, lineID: line.lineID)] {
                    if !stored.sameContent(as: line) {
                        problems.add(line: line.lineNo, field: "line_id", "\(line.lineID) from \(line.source) was parked before with other content")
                    }
                } else {
                    fresh.append(line)
                }
                if line.ignored { parking.ignored += 1 } else { parking.parked += 1 }
            }
            guard problems.isEmpty, !fresh.isEmpty else { continue }
            var query = SQLQueryString("INSERT INTO parked_sales_lines (import_id, \(unsafeRaw: ParkedSalesLine.columns)) VALUES ")
            for (index, line) in fresh.enumerated() {
                if index > 0 { query.appendLiteral(", ") }
                query.appendInterpolation(
                    """
                    (\(bind: importID), \(bind: line.source), \(bind: line.lineID), \(bind: line.lineNo), \(bind: line.date), \(bind: line.writtenAs), \(bind: line.nameKey),
                     \(bind: line.customer), \(bind: line.sku), \(bind: line.category), \(bind: line.seats), \(bind: line.amountMinor), \(bind: line.ignored ? 1 : 0))
                    """ as SQLQueryString)
            }
            try await database.sql.raw(query).run()
        }
        parking.parked += repeated
        parking.ignored += repeatedIgnored
        // A line parked before whose reseller now resolves (a partner imported since, say) entered the ledger with this
        // file: it is parked no longer. With other content under the same id it is a conflict, as in the ledger.
        // Parked lines are few, each checked by the ledger's primary key.
        let conflicts = try await database.sql.raw(
            """
            SELECT l.line_no, p.source, p.line_id, i.file_name FROM parked_sales_lines p
            JOIN sales_lines l ON l.source = p.source AND l.line_id = p.line_id JOIN imports i ON i.id = p.import_id
            WHERE l.import_id = \(bind: importID) AND NOT (\(unsafeRaw: Self.sameSale(parked: "p"))) ORDER BY l.line_no LIMIT 100
            """
        ).all()
        for row in conflicts {
            let lineID = try row.decode(column: "line_id", as: String.self), source = try row.decode(column: "source", as: String.self)
            problems.add(
                line: try row.decode(column: "line_no", as: Int.self), field: "line_id",
                "\(lineID) from \(source) is parked (from \(try row.decode(column: "file_name", as: String.self))) with other content; a correction is a new line")
        }
        guard problems.isEmpty else { throw problems }
        parking.resolvedSinceParked = try await database.sql.raw(
            """
            DELETE FROM parked_sales_lines WHERE EXISTS (SELECT 1 FROM sales_lines l WHERE l.source = parked_sales_lines.source
              AND l.line_id = parked_sales_lines.line_id AND \(unsafeRaw: Self.sameSale(parked: "parked_sales_lines")))
            RETURNING line_id
            """
        ).all().count
        return parking
    }

    private static func keyCondition(_ keys: [(String, String)], alias: String) -> SQLQueryString {
        var query = SQLQueryString("(")
        for (index, key) in keys.enumerated() {
            if index > 0 { query.appendLiteral(" OR ") }
            query.appendInterpolation("(\(unsafeRaw: alias).source = \(bind: key.0) AND \(unsafeRaw: alias).line_id = \(bind: key.1))" as SQLQueryString)
        }
        query.appendLiteral(")")
        return query
    }

    private static func stored(_ keys: [(String, String)], in database: ChannelbookDatabase) async throws -> [SalesLineKey: ParkedSalesLine] {
        var query = SQLQueryString("SELECT \(unsafeRaw: ParkedSalesLine.columns) FROM parked_sales_lines p WHERE ")
        query.appendInterpolation(keyCondition(keys, alias: "p"))
        var found: [SalesLineKey: ParkedSalesLine] = [:]
        for row in try await database.sql.raw(query).all() {
            let line = try ParkedSalesLine(row)
            found[SalesLineKey(source: line.source, lineID: line.lineID)] = line
        }
        return found
    }

    private static func inLedger(_ keys: [(String, String)], in database: ChannelbookDatabase) async throws -> Set<SalesLineKey> {
        var query = SQLQueryString("SELECT l.source, l.line_id FROM sales_lines l WHERE ")
        query.appendInterpolation(keyCondition(keys, alias: "l"))
        return Set(
            try await database.sql.raw(query).all().map {
                SalesLineKey(source: try $0.decode(column: "source", as: String.self), lineID: try $0.decode(column: "line_id", as: String.self))
            })
    }
}
