import ChannelbookCore
import ChannelbookImport
import SQLKit

/// Compares lines whose `(source, line_id)` is already stored with what is stored: the same content is
/// "already present"; anything else is a conflict, reported against the line with what differs.
enum StoredSalesLines {
    /// Sorts lines that were just offered to the ledger: the ones stored by this very line of this import are
    /// new; the others are present (same content) or conflicts (recorded in `problems`).
    static func classify(
        _ lines: [ResolvedSalesLine], in database: ChannelbookDatabase, importID: Int64, problems: ProblemSink
    ) async throws -> (new: [ResolvedSalesLine], present: Int) {
        var new: [ResolvedSalesLine] = []
        let present = try await compare(lines, in: database, importID: importID, problems: problems) { new.append($0) }
        return (new, present)
    }

    /// - Parameter isOwnRow: called for a line whose stored row is this import's own row for that line.
    /// - Returns: how many of `lines` are already present unchanged; conflicts go to `problems`.
    static func compare(
        _ lines: [ResolvedSalesLine], in database: ChannelbookDatabase, importID: Int64, problems: ProblemSink,
        isOwnRow: (ResolvedSalesLine) -> Void = { _ in }
    ) async throws -> Int {
        var present = 0
        for start in stride(from: 0, to: lines.count, by: 200) {
            let chunk = lines[start..<min(start + 200, lines.count)]
            var query = SQLQueryString(
                "SELECT source, line_id, sale_date, reseller_id, customer, sku, category, seats, amount_minor, import_id, line_no FROM sales_lines WHERE ")
            for (index, line) in chunk.enumerated() {
                if index > 0 { query.appendLiteral(" OR ") }
                query.appendInterpolation("(source = \(bind: line.source) AND line_id = \(bind: line.lineID))" as SQLQueryString)
            }
            // Keyed by bytes, as both databases compare the key: Swift's `==` would take two spellings of one accented
            // letter for the same line id.
            var stored: [[UInt8]: any SQLRow] = [:]
            for row in try await database.sql.raw(query).all() {
                stored[Self.key(try row.decode(column: "source", as: String.self), try row.decode(column: "line_id", as: String.self))] = row
            }
            for line in chunk {
                guard let row = stored[Self.key(line.source, line.lineID)] else { continue }
                let storedImport = try row.decode(column: "import_id", as: Int64.self)
                let storedLine = try row.decode(column: "line_no", as: Int.self)
                if storedImport == importID && storedLine == line.line {
                    isOwnRow(line)
                    continue
                }
                let differences = try differingFields(line, row)
                if differences.isEmpty {
                    present += 1
                    continue
                }
                let origin = storedImport == importID ? "line \(storedLine) of this file" : "import \(storedImport), line \(storedLine)"
                problems.problems.add(
                    line: line.line, field: "line_id",
                    "\(line.lineID) from \(line.source) is already recorded (\(origin)) with a different \(differences.joined(separator: ", ")); a correction is a new line (a credit), not an edit")
            }
        }
        return present
    }

    private static func key(_ source: String, _ lineID: String) -> [UInt8] { Array(source.utf8) + [0x1F] + Array(lineID.utf8) }

    private static func differingFields(_ line: ResolvedSalesLine, _ row: any SQLRow) throws -> [String] {
        var fields: [String] = []
        if try row.decode(column: "sale_date", as: String.self) != line.date { fields.append("date") }
        if try row.decode(column: "reseller_id", as: Int64.self) != line.resellerID { fields.append("reseller") }
        if try row.decode(column: "customer", as: String.self) != line.customer { fields.append("customer") }
        if try row.decode(column: "sku", as: String.self) != line.sku { fields.append("sku") }
        if try row.decode(column: "category", as: String.self) != line.category { fields.append("category") }
        if try row.decode(column: "seats", as: Int64.self) != line.seats { fields.append("seats") }
        if try row.decode(column: "amount_minor", as: Int64.self) != line.amountMinor { fields.append("amount") }
        return fields
    }
}
