import ChannelbookCore
import ChannelbookImport
import NIOPosix
import SQLiteNIO

/// Loads sales lines into SQLite through prepared `INSERT … ON CONFLICT DO NOTHING` statements of `rowsPerStatement`
/// lines, prepared once and bound value by value inside the import's transaction (`SQLitePreparedStatement`).
///
/// A batch is stored while the next one is read and checked, so reading and SQLite each get a core. SQLite counts the
/// rows each statement stored: when a statement stored all of its lines they are new; only the lines of a statement
/// that stored fewer are looked up and compared (this import's own row: new; the same content: present; anything else:
/// a conflict), so a first import pays nothing for idempotency.
struct SQLiteSalesLoader: SalesLoader {
    let database: ChannelbookDatabase
    let segments: SalesSegments

    /// Lines handed to SQLite at a time: large enough that handing over costs nothing, small enough to overlap.
    static let batchSize = 2048
    /// Lines one statement inserts: a statement's start and end cost as much as a few rows, so several rows share
    /// them (BENCHMARKS.md, *Import speed*). A batch's remainder goes one line a statement.
    static let rowsPerStatement = 32
    static let columns = "source, line_id, sale_date, quarter, reseller_id, customer, sku, category, seats, amount_minor, route_exception, import_id, line_no"

    static func insert(rows: Int) -> String {
        "INSERT INTO sales_lines (\(columns)) VALUES "
            + Array(repeating: "(?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)", count: rows).joined(separator: ", ")
            + " ON CONFLICT (source, line_id) DO NOTHING"
    }

    func load(
        importID: Int64, problems: ProblemSink, produce: ((ResolvedSalesLine) async throws -> Void) async throws -> Void
    ) async throws -> SalesLoadOutcome {
        let connection = database.sqlite!
        let inserter = LineInserter(
            many: try SQLitePreparedStatement(Self.insert(rows: Self.rowsPerStatement), on: connection),
            one: try SQLitePreparedStatement(Self.insert(rows: 1), on: connection), importID: importID)
        var outcome = SalesLoadOutcome(segments: segments)
        var batch: [ResolvedSalesLine] = []
        batch.reserveCapacity(Self.batchSize)
        // Only one batch is ever in flight, so the statements and the connection are never used concurrently.
        var inFlight: Task<(lines: [ResolvedSalesLine], unsure: [Range<Int>]), any Error>?

        func settle() async throws {
            guard let task = inFlight else { return }
            inFlight = nil
            let (lines, unsure) = try await task.value
            var ranges = unsure.makeIterator(), next = ranges.next()
            var index = 0
            while index < lines.count {
                if let range = next, range.lowerBound == index {
                    // Some line of this statement was already stored: by this import (new), or earlier.
                    let classified = try await StoredSalesLines.classify(Array(lines[range]), in: database, importID: importID, problems: problems)
                    for line in classified.new { try outcome.add(line) }
                    outcome.present += classified.present
                    index = range.upperBound
                    next = ranges.next()
                    continue
                }
                try outcome.add(lines[index])
                index += 1
            }
        }

        func send() async throws {
            guard !batch.isEmpty else { return }
            try await settle()
            let lines = batch
            batch.removeAll(keepingCapacity: true)
            // On NIO's blocking-work pool, as sqlite-nio runs its statements: a server's requests keep Swift's threads.
            inFlight = Task { (lines, try await NIOThreadPool.singleton.runIfActive { try inserter.insert(lines) }) }
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

extension SQLiteSalesLoader {
    /// Adds sums to `sales_totals` through one prepared upsert, a row at a time.
    func addToTotals(_ entries: some Sequence<(key: SalesTotalKey, value: SalesTotal)>) async throws {
        let sql = SalesTotalKey.upsertHead + "(?, ?, ?, ?, ?, ?, ?)" + SalesTotalKey.upsertTail
        let upsert = try SQLitePreparedStatement(sql, on: database.sqlite!)
        for (index, (key, total)) in entries.enumerated() {
            // A server's other requests get the thread now and then.
            if index % 4096 == 4095 { await Task.yield() }
            upsert.bind(key.resellerID)
            upsert.bind(key.quarter)
            upsert.bind(key.category)
            upsert.bind(key.source)
            upsert.bind(key.segment)
            upsert.bind(total.amountMinor)
            upsert.bind(total.lineCount)
            _ = try upsert.run()
        }
    }
}

/// Binds and runs the prepared inserts for a batch's lines. Handed to one task at a time (`inFlight`).
private final class LineInserter: @unchecked Sendable {
    let many: SQLitePreparedStatement
    let one: SQLitePreparedStatement
    let importID: Int64

    init(many: SQLitePreparedStatement, one: SQLitePreparedStatement, importID: Int64) {
        self.many = many
        self.one = one
        self.importID = importID
    }

    /// Stores `lines` in order; the ranges of lines whose statement stored fewer rows than it was given.
    func insert(_ lines: [ResolvedSalesLine]) throws -> [Range<Int>] {
        var unsure: [Range<Int>] = []
        let size = SQLiteSalesLoader.rowsPerStatement
        var start = 0
        while start < lines.count {
            let statement = lines.count - start >= size ? many : one
            let end = start + (statement === many ? size : 1)
            for line in lines[start..<end] { bind(line, to: statement) }
            if try statement.run() < end - start { unsure.append(start..<end) }
            start = end
        }
        return unsure
    }

    private func bind(_ line: ResolvedSalesLine, to statement: SQLitePreparedStatement) {
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
    }
}
