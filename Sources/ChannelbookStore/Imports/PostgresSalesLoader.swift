import ChannelbookCore
import ChannelbookImport
import Logging
import NIOCore
import PostgresNIO
import SQLKit

/// Loads sales lines into PostgreSQL with COPY.
///
/// First optimistically: COPY straight into `sales_lines` under a savepoint, summing the totals as the
/// lines stream past — when every line is new (a first import) that is the whole job. If a line's
/// `(source, line_id)` is already stored, PostgreSQL refuses the COPY; the loader rolls back to the
/// savepoint and reads the file again through the careful path: COPY into a temporary table, then one
/// set-based INSERT … ON CONFLICT DO NOTHING whose RETURNING rows are summed into the new totals, and an
/// SQL comparison of the lines that were not inserted, of which only conflicts come back.
struct PostgresSalesLoader: SalesLoader {
    let database: ChannelbookDatabase
    let segments: SalesSegments

    /// COPY data is sent in chunks of about this size.
    static let chunkBytes = 1 << 20
    static let columns = [
        "line_no", "source", "line_id", "sale_date", "quarter", "reseller_id", "customer", "sku", "category", "seats", "amount_minor",
        "route_exception",
    ]

    func load(
        importID: Int64, problems: ProblemSink, produce: ((ResolvedSalesLine) async throws -> Void) async throws -> Void
    ) async throws -> SalesLoadOutcome {
        try await database.sql.raw("SAVEPOINT optimistic_copy").run()
        do {
            let outcome = try await copyDirectly(importID: importID, problems: problems, produce: produce)
            try await database.sql.raw("RELEASE SAVEPOINT optimistic_copy").run()
            return outcome
        } catch let error as PSQLError where error.serverInfo?[.sqlState] == Self.uniqueViolation {
            try await database.sql.raw("ROLLBACK TO SAVEPOINT optimistic_copy").run()
            return try await loadThroughStaging(importID: importID, problems: problems, produce: produce)
        }
    }

    /// Adds sums to `sales_totals`, 500 rows a statement.
    func addToTotals(_ entries: some Sequence<(key: SalesTotalKey, value: SalesTotal)>) async throws {
        var query = SQLQueryString(SalesTotalKey.upsertHead)
        var rows = 0
        func send() async throws {
            query.appendLiteral(SalesTotalKey.upsertTail)
            try await database.sql.raw(query).run()
            query = SQLQueryString(SalesTotalKey.upsertHead)
            rows = 0
        }
        for (key, total) in entries {
            if rows > 0 { query.appendLiteral(", ") }
            query.appendInterpolation(
                "(\(bind: key.resellerID), \(bind: key.quarter), \(bind: key.category), \(bind: key.source), \(bind: key.segment), \(bind: total.amountMinor), \(bind: total.lineCount))"
                    as SQLQueryString)
            rows += 1
            if rows == 500 { try await send() }
        }
        if rows > 0 { try await send() }
    }

    /// SQLSTATE unique_violation: a `(source, line_id)` already stored.
    static let uniqueViolation = "23505"

    /// COPY into `sales_lines` itself; succeeds only when every line is new.
    private func copyDirectly(
        importID: Int64, problems: ProblemSink, produce: ((ResolvedSalesLine) async throws -> Void) async throws -> Void
    ) async throws -> SalesLoadOutcome {
        var outcome = SalesLoadOutcome(segments: segments)
        let columns = Self.columns + ["import_id"]
        try await database.postgres!.copyFrom(table: "sales_lines", columns: columns, logger: database.logger) { writer in
            var buffer = ByteBufferAllocator().buffer(capacity: Self.chunkBytes + 4096)
            try await produce { line in
                Self.append(line, to: &buffer, importID: importID)
                try outcome.add(line)
                if buffer.readableBytes >= Self.chunkBytes {
                    try await writer.write(buffer)
                    buffer.clear()
                }
            }
            if buffer.readableBytes > 0 { try await writer.write(buffer) }
        }
        return problems.problems.isEmpty ? outcome : SalesLoadOutcome(segments: segments)
    }

    /// COPY into a temporary table, then merge: the path for files holding lines already stored.
    private func loadThroughStaging(
        importID: Int64, problems: ProblemSink, produce: ((ResolvedSalesLine) async throws -> Void) async throws -> Void
    ) async throws -> SalesLoadOutcome {
        let sql = database.sql
        try await sql.raw(
            """
            CREATE TEMP TABLE import_sales (line_no BIGINT NOT NULL, source TEXT NOT NULL, line_id TEXT NOT NULL, sale_date TEXT NOT NULL,
              quarter TEXT NOT NULL, reseller_id BIGINT NOT NULL, customer TEXT NOT NULL, sku TEXT NOT NULL, category TEXT NOT NULL,
              seats BIGINT NOT NULL, amount_minor BIGINT NOT NULL, route_exception TEXT) ON COMMIT DROP
            """
        ).run()
        var staged = 0
        try await database.postgres!.copyFrom(table: "import_sales", columns: Self.columns, logger: database.logger) { writer in
            var buffer = ByteBufferAllocator().buffer(capacity: Self.chunkBytes + 4096)
            try await produce { line in
                Self.append(line, to: &buffer)
                staged += 1
                if buffer.readableBytes >= Self.chunkBytes {
                    try await writer.write(buffer)
                    buffer.clear()
                }
            }
            if buffer.readableBytes > 0 { try await writer.write(buffer) }
        }
        guard problems.problems.isEmpty, staged > 0 else { return SalesLoadOutcome(segments: segments) }
        var outcome = try await merge(importID: importID)
        if outcome.new < staged {
            outcome.present = try await checkNotInserted(importID: importID, problems: problems)
        }
        return outcome
    }

    /// Inserts the staged lines that are new and returns their sums per totals key.
    private func merge(importID: Int64) async throws -> SalesLoadOutcome {
        let rows = try await database.sql.raw(
            """
            WITH inserted AS (
              INSERT INTO sales_lines (source, line_id, sale_date, quarter, reseller_id, customer, sku, category, seats, amount_minor,
                                       route_exception, import_id, line_no)
              SELECT source, line_id, sale_date, quarter, reseller_id, customer, sku, category, seats, amount_minor, route_exception,
                     \(bind: importID), line_no
              FROM import_sales ORDER BY line_no
              ON CONFLICT (source, line_id) DO NOTHING
              RETURNING reseller_id, quarter, category, source, seats, amount_minor, route_exception)
            SELECT reseller_id, quarter, category, source, \(unsafeRaw: SegmentedTotals.segmentSQL(segments, seats: "seats")) AS segment,
                   CAST(SUM(amount_minor) AS BIGINT) AS amount_minor, COUNT(*) AS line_count, COUNT(route_exception) AS exceptions
            FROM inserted GROUP BY 1, 2, 3, 4, 5
            """
        ).all()
        var outcome = SalesLoadOutcome(segments: segments)
        for row in rows {
            let key = SalesTotalKey(
                resellerID: try row.decode(column: "reseller_id", as: Int64.self), quarter: try row.decode(column: "quarter", as: String.self),
                category: try row.decode(column: "category", as: String.self), source: try row.decode(column: "source", as: String.self),
                segment: try row.decode(column: "segment", as: String.self))
            let count = try row.decode(column: "line_count", as: Int64.self)
            outcome.record(key, SalesTotal(amountMinor: try row.decode(column: "amount_minor", as: Int64.self), lineCount: count))
            outcome.new += Int(count)
            outcome.newRouteExceptions += Int(try row.decode(column: "exceptions", as: Int64.self))
        }
        return outcome
    }

    /// Compares, in SQL, staged lines that were not inserted with the stored lines of the same identity.
    /// - Returns: how many are present unchanged; the first conflicts are described in `problems`, the rest counted.
    private func checkNotInserted(importID: Int64, problems: ProblemSink) async throws -> Int {
        let notInserted: SQLQueryString = """
            FROM import_sales s JOIN sales_lines l ON l.source = s.source AND l.line_id = s.line_id
            WHERE NOT (l.import_id = \(bind: importID) AND l.line_no = s.line_no)
            """
        let same = "(l.sale_date = s.sale_date AND l.reseller_id = s.reseller_id AND l.customer = s.customer AND l.sku = s.sku AND l.category = s.category AND l.seats = s.seats AND l.amount_minor = s.amount_minor)"
        let counts = try await database.sql.raw(
            "SELECT COUNT(*) FILTER (WHERE \(unsafeRaw: same)) AS present, COUNT(*) FILTER (WHERE NOT \(unsafeRaw: same)) AS conflicts \(notInserted)"
        ).first()!
        let present = try counts.decode(column: "present", as: Int.self)
        let conflicts = try counts.decode(column: "conflicts", as: Int.self)
        guard conflicts > 0 else { return present }
        let sample = try await database.sql.raw(
            """
            SELECT s.line_no, s.source, s.line_id, s.sale_date, s.quarter, s.reseller_id, s.customer, s.sku, s.category, s.seats,
                   s.amount_minor \(notInserted) AND NOT \(unsafeRaw: same) ORDER BY s.line_no LIMIT \(unsafeRaw: String(ImportProblems.keptInFull))
            """
        ).all().map(Self.stagedLine)
        let before = problems.problems.count
        _ = try await StoredSalesLines.compare(sample, in: database, importID: importID, problems: problems)
        problems.problems.addCounted(conflicts - (problems.problems.count - before))
        return present
    }

    private static func stagedLine(_ row: any SQLRow) throws -> ResolvedSalesLine {
        ResolvedSalesLine(
            line: try row.decode(column: "line_no", as: Int.self), source: try row.decode(column: "source", as: String.self),
            lineID: try row.decode(column: "line_id", as: String.self), date: try row.decode(column: "sale_date", as: String.self),
            quarter: try row.decode(column: "quarter", as: String.self), resellerID: try row.decode(column: "reseller_id", as: Int64.self),
            customer: try row.decode(column: "customer", as: String.self), sku: try row.decode(column: "sku", as: String.self),
            category: try row.decode(column: "category", as: String.self), seats: try row.decode(column: "seats", as: Int64.self),
            amountMinor: try row.decode(column: "amount_minor", as: Int64.self), routeException: nil)
    }

    /// One line in COPY's text format: tab-separated, `\N` for NULL, backslash escapes in text;
    /// with `importID`, that column is added last (for COPY straight into `sales_lines`).
    static func append(_ line: ResolvedSalesLine, to buffer: inout ByteBuffer, importID: Int64? = nil) {
        appendDecimal(Int64(line.line), to: &buffer)
        appendField(line.source, to: &buffer)
        appendField(line.lineID, to: &buffer)
        appendField(line.date, to: &buffer)
        appendField(line.quarter, to: &buffer)
        buffer.writeInteger(UInt8(ascii: "\t"))
        appendDecimal(line.resellerID, to: &buffer)
        appendField(line.customer, to: &buffer)
        appendField(line.sku, to: &buffer)
        appendField(line.category, to: &buffer)
        buffer.writeInteger(UInt8(ascii: "\t"))
        appendDecimal(line.seats, to: &buffer)
        buffer.writeInteger(UInt8(ascii: "\t"))
        appendDecimal(line.amountMinor, to: &buffer)
        buffer.writeInteger(UInt8(ascii: "\t"))
        buffer.writeString(line.routeException?.rawValue ?? "\\N")
        if let importID {
            buffer.writeInteger(UInt8(ascii: "\t"))
            appendDecimal(importID, to: &buffer)
        }
        buffer.writeInteger(UInt8(ascii: "\n"))
    }

    /// A tab, then `text` escaped.
    private static func appendField(_ text: String, to buffer: inout ByteBuffer) {
        buffer.writeInteger(UInt8(ascii: "\t"))
        appendEscaped(text, to: &buffer)
    }

    /// `value` in decimal digits, written straight into the buffer (no `String` per number).
    static func appendDecimal(_ value: Int64, to buffer: inout ByteBuffer) {
        var digits: (UInt64, UInt64, UInt64) = (0, 0, 0)  // 24 bytes: 19 digits and a sign fit
        withUnsafeMutableBytes(of: &digits) { bytes in
            var magnitude = value.magnitude
            var start = bytes.count
            repeat {
                start -= 1
                bytes[start] = UInt8(ascii: "0") + UInt8(magnitude % 10)
                magnitude /= 10
            } while magnitude > 0
            if value < 0 {
                start -= 1
                bytes[start] = UInt8(ascii: "-")
            }
            buffer.writeBytes(UnsafeRawBufferPointer(rebasing: bytes[start...]))
        }
    }

    static func appendEscaped(_ text: String, to buffer: inout ByteBuffer) {
        // Almost every field has nothing to escape: copied whole.
        if !text.utf8.contains(where: { $0 == UInt8(ascii: "\\") || $0 == UInt8(ascii: "\t") || $0 == UInt8(ascii: "\n") || $0 == UInt8(ascii: "\r") }) {
            buffer.writeString(text)
            return
        }
        for byte in text.utf8 {
            switch byte {
            case UInt8(ascii: "\\"): buffer.writeStaticString("\\\\")
            case UInt8(ascii: "\t"): buffer.writeStaticString("\\t")
            case UInt8(ascii: "\n"): buffer.writeStaticString("\\n")
            case UInt8(ascii: "\r"): buffer.writeStaticString("\\r")
            default: buffer.writeInteger(byte)
            }
        }
    }
}
