import ChannelbookCore
import ChannelbookImport
import SQLiteNIO

/// Loads sales lines into SQLite with prepared multi-row INSERTs inside the import's transaction.
///
/// `ON CONFLICT DO NOTHING` and `changes()` tell, batch by batch, whether every line was new; only a batch
/// with lines already stored is looked up and compared, so a first import pays nothing for idempotency.
struct SQLiteSalesLoader: SalesLoader {
    let database: ChannelbookDatabase
    let segments: SalesSegments

    /// 13 values a line: 500 lines stay far below SQLite's 32,766 bound parameters per statement.
    static let batchSize = 500
    static let columns = "source, line_id, sale_date, quarter, reseller_id, customer, sku, category, seats, amount_minor, route_exception, import_id, line_no"

    func load(
        importID: Int64, problems: ProblemSink, produce: ((ResolvedSalesLine) async throws -> Void) async throws -> Void
    ) async throws -> SalesLoadOutcome {
        let connection = database.sqlite!
        var outcome = SalesLoadOutcome(segments: segments)
        var batch: [ResolvedSalesLine] = []
        batch.reserveCapacity(Self.batchSize)
        let fullBatchStatement = Self.insertStatement(rows: Self.batchSize)
        // One batch is inserted while the next one is read: reading and SQLite each get a core.
        // Only one statement is ever in flight, so the connection is never used concurrently.
        var inFlight: Task<(lines: [ResolvedSalesLine], insertedCount: Int), any Error>?

        func settle() async throws {
            guard let task = inFlight else { return }
            inFlight = nil
            let (lines, insertedCount) = try await task.value
            // Usually every line is new. Otherwise ask which lines are this import's own rows (new) and
            // compare the rest with what was stored before.
            var newLines = lines
            if insertedCount < lines.count {
                let classified = try await StoredSalesLines.classify(lines, in: database, importID: importID, problems: problems)
                newLines = classified.new
                outcome.present += classified.present
            }
            for line in newLines {
                try outcome.add(line)
            }
        }

        func send() async throws {
            guard !batch.isEmpty else { return }
            try await settle()
            let lines = batch
            batch.removeAll(keepingCapacity: true)
            let statement = lines.count == Self.batchSize ? fullBatchStatement : Self.insertStatement(rows: lines.count)
            inFlight = Task {
                _ = try await connection.query(statement, Self.binds(lines, importID: importID))
                let changes = try await connection.query("SELECT changes() AS n", []).first?.column("n")?.integer ?? 0
                return (lines, changes)
            }
        }

        do {
            try await produce { line in
                batch.append(line)
                if batch.count == Self.batchSize { try await send() }
            }
            try await send()
            try await settle()
        } catch {
            _ = try? await inFlight?.value  // let the statement in flight finish before the caller rolls back
            throw error
        }
        return outcome
    }

    /// The values of `lines` in the order of `columns`.
    static func binds(_ lines: [ResolvedSalesLine], importID: Int64) -> [SQLiteData] {
        var binds: [SQLiteData] = []
        binds.reserveCapacity(lines.count * 13)
        for line in lines {
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
        return binds
    }

    static func insertStatement(rows: Int) -> String {
        let placeholders = "(?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)"
        return "INSERT INTO sales_lines (\(columns)) VALUES "
            + Array(repeating: placeholders, count: rows).joined(separator: ", ")
            + " ON CONFLICT (source, line_id) DO NOTHING"
    }
}
