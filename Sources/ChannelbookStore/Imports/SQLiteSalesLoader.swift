import ChannelbookCore
import ChannelbookImport
import SQLiteNIO

/// Loads sales lines into SQLite through one prepared `INSERT … ON CONFLICT DO NOTHING`, reused and bound line by
/// line inside the import's transaction (`SQLitePreparedStatement`).
///
/// A batch is stored while the next one is read and checked, so reading and SQLite each get a core. SQLite says of
/// every line whether it was stored; only the lines whose `(source, line_id)` was already there are looked up and
/// compared (present unchanged, or a conflict), so a first import pays nothing for idempotency.
struct SQLiteSalesLoader: SalesLoader {
    let database: ChannelbookDatabase
    let segments: SalesSegments

    /// Lines handed to SQLite at a time: large enough that handing over costs nothing, small enough to overlap.
    static let batchSize = 2048
    static let insert = """
        INSERT INTO sales_lines (source, line_id, sale_date, quarter, reseller_id, customer, sku, category, seats, amount_minor, route_exception, import_id, line_no)
        VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?) ON CONFLICT (source, line_id) DO NOTHING
        """

    func load(
        importID: Int64, problems: ProblemSink, produce: ((ResolvedSalesLine) async throws -> Void) async throws -> Void
    ) async throws -> SalesLoadOutcome {
        guard let statement = try SQLitePreparedStatement(Self.insert, on: database.sqlite!) else {
            throw SQLiteStatementFailure.unreachableHandle
        }
        let inserter = LineInserter(statement: statement, importID: importID)
        var outcome = SalesLoadOutcome(segments: segments)
        var batch: [ResolvedSalesLine] = []
        batch.reserveCapacity(Self.batchSize)
        // Only one batch is ever in flight, so the statement and the connection are never used concurrently.
        var inFlight: Task<(lines: [ResolvedSalesLine], notStored: [Int]), any Error>?

        func settle() async throws {
            guard let task = inFlight else { return }
            inFlight = nil
            let (lines, notStored) = try await task.value
            var next = notStored.makeIterator(), skip = next.next()
            for (index, line) in lines.enumerated() {
                if index == skip {
                    skip = next.next()
                    continue
                }
                try outcome.add(line)
            }
            if !notStored.isEmpty {
                // Already stored: by an earlier import (present or a conflict), or earlier in this file.
                outcome.present += try await StoredSalesLines.compare(notStored.map { lines[$0] }, in: database, importID: importID, problems: problems)
            }
        }

        func send() async throws {
            guard !batch.isEmpty else { return }
            try await settle()
            let lines = batch
            batch.removeAll(keepingCapacity: true)
            inFlight = Task { (lines, try inserter.insert(lines)) }
        }

        do {
            try await produce { line in
                batch.append(line)
                if batch.count == Self.batchSize { try await send() }
            }
            try await send()
            try await settle()
        } catch {
            _ = try? await inFlight?.value  // let the batch in flight finish before the caller rolls back
            throw error
        }
        return outcome
    }
}

/// Binds and runs the prepared insert for each line of a batch. Handed to one task at a time (`inFlight`).
private final class LineInserter: @unchecked Sendable {
    let statement: SQLitePreparedStatement
    let importID: Int64

    init(statement: SQLitePreparedStatement, importID: Int64) {
        self.statement = statement
        self.importID = importID
    }

    /// Stores `lines` in order; the positions of those whose key was already stored.
    func insert(_ lines: [ResolvedSalesLine]) throws -> [Int] {
        var notStored: [Int] = []
        do {
            for (index, line) in lines.enumerated() {
                statement.bind(line.source)
                statement.bind(line.lineID)
                statement.bind(line.date)
                statement.bind(line.quarter)
                statement.bind(line.resellerID)
                statement.bind(line.customer)
                statement.bind(line.sku)
                statement.bind(line.category)
                statement.bind(line.seats)
                statement.bind(line.amountMinor)
                statement.bind(line.routeException?.rawValue)
                statement.bind(importID)
                statement.bind(Int64(line.line))
                if try statement.run() == 0 { notStored.append(index) }
            }
        } catch let failure as SQLiteStatementFailure {
            throw failure.translated
        }
        return notStored
    }
}
