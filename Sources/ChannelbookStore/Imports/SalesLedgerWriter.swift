import ChannelbookCore
import ChannelbookImport
import SQLKit

/// Writes resolved sales lines into the ledger, in the caller's transaction: the lines (new or already present, a
/// conflict being a problem), the per-quarter totals, the late lines of stated quarters, and the maintenance contracts
/// the lines create and renew. One path for a file's lines and for parked lines a mapping moves in, so a mapped line
/// lands exactly as if it had been imported then (PRODUCT.md section 3, reseller matching).
struct SalesLedgerWriter {
    let database: ChannelbookDatabase
    let directory: PartnerDirectory
    /// Who writes: the renewals its renewal lines make are audited in that name.
    let actor: String

    /// What writing the lines did.
    struct Written {
        var outcome: SalesLoadOutcome
        var renewed = 0
        var lateLines = 0
        var lateQuarters: [Quarter] = []
        var latePartners: [String] = []
    }

    /// A line to write: the stored row, its date and its SKU's maintenance term (months) when it has one.
    typealias Emit = (_ line: ResolvedSalesLine, _ date: BusinessDate, _ maintenanceMonths: Int?) async throws -> Void

    /// `produce` calls `emit` for each line in file order; it may be called more than once (PostgreSQL's optimistic
    /// COPY reads a file twice), each reading starting afresh. Throws the sink's problems when there are any.
    func write(importID: Int64, sink: ProblemSink, produce: (_ emit: Emit) async throws -> Void) async throws -> Written {
        let stated = try await statedPartnerQuarters()
        var late: [ResolvedSalesLine] = []
        let segments = try await database.latestProgram().program.segments
        let loader: any SalesLoader =
            database.dialect == .sqlite ? SQLiteSalesLoader(database: database, segments: segments) : PostgresSalesLoader(database: database, segments: segments)
        let contracts = ContractSpill()
        let outcome = try await loader.load(importID: importID, problems: sink) { store in
            late.removeAll()
            try contracts.reset()
            // `store` does not outlive this reading; the lines are handed to it one at a time, never re-entrantly.
            try await withoutActuallyEscaping(store) { emit in try await produce { line, date, months in
                if late.count < Self.lateCandidatesKept && stated.any
                    && (stated.approvedQuarters.contains(line.quarter)
                        || stated.partners.contains(StatedKey(resellerID: line.resellerID, quarter: line.quarter)))
                {
                    late.append(line)
                }
                try await emit(line)
                if let months, let contract = NewContract.from(line, date: date, months: months) { try contracts.append(contract) }
            } }
        }
        guard sink.problems.isEmpty else { throw sink.problems }
        try await loader.addToTotals(outcome.sortedTotals())
        try await recordLate(late, importID: importID)
        var written = Written(outcome: outcome)
        written.renewed = try await database.storeContracts(from: contracts, actor: actor)
        // Lines that arrived for an approved quarter: said now, so nobody learns of them from a statement.
        let settled = outcome.totals(inQuarters: stated.approvedQuarters)
        written.lateLines = Int(settled.reduce(0) { $0 + $1.value.lineCount })
        written.lateQuarters = Set(settled.map { $0.key.quarter }).compactMap { try? Quarter.parse($0) }.sorted()
        written.latePartners = Set(settled.compactMap { directory.byID[PartnerID($0.key.resellerID)]?.code.rawValue }).sorted()
        return written
    }

    /// How many lines arriving for an already stated partner and quarter an import records for explanations.
    static let lateLinesKept = 1000
    /// How many such lines an import looks at to find them: a file imported again holds lines already stored,
    /// which are not late (they arrived before), so the first thousand candidates may all be old ones.
    static let lateCandidatesKept = 100_000

    struct StatedKey: Hashable {
        let resellerID: Int64
        let quarter: String
    }

    /// Partners and quarters that already have a statement, and approved quarters (`approvedQuarters`, the rule
    /// the true-ups follow): a line for one of them arrives late, in an approved quarter for every partner.
    private func statedPartnerQuarters() async throws -> (partners: Set<StatedKey>, approvedQuarters: Set<String>, any: Bool) {
        let partners = Set(
            try await database.plainRows("SELECT DISTINCT partner_id, quarter FROM statements WHERE status <> 'void'").map {
                StatedKey(resellerID: try $0.integer(0), quarter: try $0.text(1))
            })
        let approved = Set(try await database.approvedQuarters().keys.map(\.description))
        // Whether any line can arrive late at all: a first import into a new quarter asks no set about its lines.
        return (partners, approved, !partners.isEmpty || !approved.isEmpty)
    }

    /// Records the first `lateLinesKept` candidates this import really added (stored with its own import id; a line
    /// already present belongs to an earlier import and did not arrive now), checked in batches by primary key.
    private func recordLate(_ lines: [ResolvedSalesLine], importID: Int64) async throws {
        var recorded = 0
        for start in stride(from: 0, to: lines.count, by: 200) where recorded < Self.lateLinesKept {
            let batch = lines[start..<min(start + 200, lines.count)]
            var query = SQLQueryString(
                "INSERT INTO late_sales_lines (import_id, source, line_id, reseller_id, quarter) SELECT l.import_id, l.source, l.line_id, l.reseller_id, l.quarter FROM sales_lines l WHERE l.import_id = ")
            query.appendInterpolation(bind: importID)
            query.appendLiteral(" AND (")
            for (index, line) in batch.enumerated() {
                if index > 0 { query.appendLiteral(" OR ") }
                query.appendInterpolation("(l.source = \(bind: line.source) AND l.line_id = \(bind: line.lineID))" as SQLQueryString)
            }
            query.appendLiteral(") ORDER BY l.line_no LIMIT ")
            query.appendInterpolation(unsafeRaw: String(Self.lateLinesKept - recorded))
            query.appendLiteral(" ON CONFLICT DO NOTHING RETURNING line_id")
            recorded += try await database.sql.raw(query).all().count
        }
    }
}

extension SalesTotalKey {
    /// The upsert that adds new lines' sums to their rows of `sales_totals`: `upsertHead`, one or more rows of
    /// values, `upsertTail`.
    static let upsertHead = "INSERT INTO sales_totals (reseller_id, quarter, category, source, segment, amount_minor, line_count) VALUES "
    static let upsertTail = """
         ON CONFLICT (reseller_id, quarter, category, source, segment) DO UPDATE SET
         amount_minor = sales_totals.amount_minor + excluded.amount_minor, line_count = sales_totals.line_count + excluded.line_count
        """
}

extension ResolvedSalesLine {
    /// The line ready to store, its route to market judged on its date: one rule for imported and mapped lines.
    /// `distributor` is the source's partner (nil for DIRECT); `reseller` as its directory was loaded.
    init(
        line: Int, source: SalesSource, distributor: PartnerID?, lineID: String, date: BusinessDate, dateText: String, reseller: PartnerRecord,
        customer: String, sku: String, category: String, seats: Int64, amountMinor: Int64, quarterNames: QuarterNames
    ) {
        self.init(
            line: line, source: source.description, lineID: lineID, date: dateText, quarter: quarterNames.name(of: date), resellerID: reseller.id.rawValue,
            customer: customer, sku: sku, category: category, seats: seats, amountMinor: amountMinor,
            routeException: RouteException.judge(tier: reseller.tier(on: date), distributor: distributor, linked: reseller.distributors))
    }
}
