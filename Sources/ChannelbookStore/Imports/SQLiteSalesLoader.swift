import ChannelbookCore
import ChannelbookImport
import SQLiteNIO

/// Loads sales lines into SQLite with prepared multi-row INSERTs inside the import's transaction.
///
/// `ON CONFLICT DO NOTHING RETURNING line_no` tells, batch by batch, which lines were new; only the others
/// are looked up and compared, so a first import pays nothing for idempotency.
struct SQLiteSalesLoader: SalesLoader {
    let database: ChannelbookDatabase

    /// 13 values a line: 500 lines stay far below SQLite's 32,766 bound parameters per statement.
    static let batchSize = 500
    static let columns = "source, line_id, sale_date, quarter, reseller_id, customer, sku, category, seats, amount_minor, route_exception, import_id, line_no"

    func load(
        importID: Int64, problems: ProblemSink, produce: ((ResolvedSalesLine) async throws -> Void) async throws -> Void
    ) async throws -> SalesLoadOutcome {
        let connection = database.sqlite!
        var outcome = SalesLoadOutcome()
        var batch: [ResolvedSalesLine] = []
        batch.reserveCapacity(Self.batchSize)
        let fullBatchStatement = Self.insertStatement(rows: Self.batchSize)
        func flush() async throws {
            guard !batch.isEmpty else { return }
            let statement = batch.count == Self.batchSize ? fullBatchStatement : Self.insertStatement(rows: batch.count)
            var binds: [SQLiteData] = []
            binds.reserveCapacity(batch.count * 13)
            for line in batch {
                binds.append(.text(line.source))
                binds.append(.text(line.lineID))
                binds.append(.text(line.date))
                binds.append(.text(line.quarter))
                binds.append(.integer(Int(line.resellerID)))
                binds.append(.text(line.customer))
                binds.append(.text(line.sku))
                binds.append(.text(line.category))
                binds.append(.integer(Int(line.seats)))
                binds.append(.integer(Int(line.amountMinor)))
                binds.append(line.routeException.map { .text($0.rawValue) } ?? .null)
                binds.append(.integer(Int(importID)))
                binds.append(.integer(line.line))
            }
            let inserted = LineNumbers()
            try await connection.query(statement, binds) { row in inserted.add(row.column("line_no")?.integer ?? -1) }
            var notInserted: [ResolvedSalesLine] = []
            for line in batch {
                if inserted.contains(line.line) {
                    outcome.new += 1
                    if line.routeException != nil { outcome.newRouteExceptions += 1 }
                    let key = SalesTotalKey(resellerID: line.resellerID, quarter: line.quarter, category: line.category, source: line.source)
                    outcome.totals[key, default: SalesTotal()].amountMinor += line.amountMinor
                    outcome.totals[key, default: SalesTotal()].lineCount += 1
                } else {
                    notInserted.append(line)
                }
            }
            if !notInserted.isEmpty {
                outcome.present += try await StoredSalesLines.compare(notInserted, in: database, importID: importID, problems: problems)
            }
            batch.removeAll(keepingCapacity: true)
        }
        try await produce { line in
            batch.append(line)
            if batch.count == Self.batchSize { try await flush() }
        }
        try await flush()
        return outcome
    }

    static func insertStatement(rows: Int) -> String {
        let placeholders = "(?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)"
        return "INSERT INTO sales_lines (\(columns)) VALUES "
            + Array(repeating: placeholders, count: rows).joined(separator: ", ")
            + " ON CONFLICT (source, line_id) DO NOTHING RETURNING line_no"
    }
}

/// The line numbers SQLite reported inserted, gathered from its row callback.
final class LineNumbers: @unchecked Sendable {
    private var numbers: Set<Int> = []
    func add(_ number: Int) { numbers.insert(number) }
    func contains(_ number: Int) -> Bool { numbers.contains(number) }
}
