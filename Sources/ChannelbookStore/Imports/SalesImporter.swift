import ChannelbookCore
import ChannelbookImport
import SQLKit

/// A sales line that passed validation, its reseller resolved and its route checked, ready to store.
struct ResolvedSalesLine: Sendable {
    let line: Int
    let source: String
    let lineID: String
    let date: String
    let quarter: String
    let resellerID: Int64
    let customer: String
    let sku: String
    let category: String
    let seats: Int64
    let amountMinor: Int64
    let routeException: RouteException?
}

/// Why a sale's source does not match its reseller's route to market (PRODUCT.md: route exceptions).
public enum RouteException: String, CaseIterable, Sendable {
    /// The vendor invoiced a reseller that is not national: it should have bought through a distributor.
    case directForNonNational = "direct_for_non_national"
    /// A distributor reported a sale to a national reseller, which buys direct.
    case distributorForNational = "distributor_for_national"
    /// A distributor reported a sale to a reseller not linked to it.
    case unlinkedDistributor = "unlinked_distributor"

    public var explanation: String {
        switch self {
        case .directForNonNational: return "a DIRECT sale to a reseller that is not national"
        case .distributorForNational: return "a distributor sale to a national reseller, which buys direct"
        case .unlinkedDistributor: return "a sale through a distributor the reseller is not linked to"
        }
    }

    /// The route rule: national resellers buy direct; everyone else through a distributor they are linked to.
    /// `tier` is the reseller's tier on the sale's date; `distributor` the line's source (`nil` for DIRECT).
    static func judge(tier: ResellerTier?, distributor: PartnerID?, linked: Set<PartnerID>) -> RouteException? {
        switch (tier == .national, distributor) {
        case (true, nil): return nil
        case (true, .some): return .distributorForNational
        case (false, nil): return .directForNonNational
        case (false, .some(let distributor)): return linked.contains(distributor) ? nil : .unlinkedDistributor
        }
    }
}

/// The totals row a sales line adds to.
struct SalesTotalKey: Hashable, Sendable {
    let resellerID: Int64
    let quarter: String
    let category: String
    let source: String
}

/// Net amount and line count for one totals key.
struct SalesTotal: Sendable {
    var amountMinor: Int64 = 0
    var lineCount: Int64 = 0
}

/// What loading a file's lines into the ledger found.
struct SalesLoadOutcome {
    var new = 0
    var present = 0
    var newRouteExceptions = 0
    /// The new lines' sums, to add to `sales_totals`.
    var totals: [SalesTotalKey: SalesTotal] = [:]

    /// Counts a new line and adds it to its totals row; a sum beyond `Int64` is an error, not a trap.
    mutating func add(_ line: ResolvedSalesLine) throws {
        new += 1
        if line.routeException != nil { newRouteExceptions += 1 }
        let key = SalesTotalKey(resellerID: line.resellerID, quarter: line.quarter, category: line.category, source: line.source)
        var total = totals[key, default: SalesTotal()]
        total.amountMinor = try MinorUnits.add(
            total.amountMinor, line.amountMinor, "the \(line.quarter) \(line.category) total from \(line.source) at line \(line.line)")
        total.lineCount += 1
        totals[key] = total
    }
}

/// Loads validated lines into `sales_lines` the fastest way its database allows, recording conflicts
/// (a stored `(source, line_id)` with other content) as problems. `produce` reads the file and calls
/// `emit` for each valid line in file order; a loader may call it more than once.
protocol SalesLoader {
    func load(
        importID: Int64, problems: ProblemSink,
        produce: (_ emit: (ResolvedSalesLine) async throws -> Void) async throws -> Void
    ) async throws -> SalesLoadOutcome
}

/// The import's problem list, shared by the row reader and the loaders' conflict checks.
final class ProblemSink: @unchecked Sendable {
    var problems: ImportProblems
    init(file: String) { problems = ImportProblems(file: file) }
}

/// Imports `sales.csv`: validates every field, resolves resellers by code or ABN, flags route exceptions,
/// stores new lines, recognises lines already present, refuses conflicting ones, and adds the new lines
/// to the per-quarter totals — all in the caller's transaction.
struct SalesImporter {
    let database: ChannelbookDatabase
    /// When a distributor uploads its own sell-through: the only source its lines may name.
    var onlySource: PartnerCode? = nil
    /// Who imports: the renewals its renewal lines make are audited in that name.
    var actor = "system"
    private let quarterNames = QuarterNames()

    func run(path: String, name: String) async throws -> ImportSummary {
        let currency = try await database.latestProgram().program.currency
        let directory = try await PartnerDirectory.load(from: database)
        let priceBook = try await PriceBook.load(from: database)
        let importID = try await database.startImport(.sales, name: name)
        let sink = ProblemSink(file: name)
        var lines = 0
        let stated = try await statedPartnerQuarters()
        var late: [ResolvedSalesLine] = []
        let loader: any SalesLoader = database.dialect == .sqlite ? SQLiteSalesLoader(database: database) : PostgresSalesLoader(database: database)
        let contracts = ContractSpill()
        let outcome = try await loader.load(importID: importID, problems: sink) { emit in
            // A loader may read the file twice (PostgreSQL's optimistic COPY); each reading starts afresh.
            lines = 0
            sink.problems = ImportProblems(file: name)
            try contracts.reset()
            let readProblems = try await ImportFile.read(path: path, name: name, required: SalesRow.requiredColumns) { record, header, problems in
                lines += 1
                var references = SalesRow.References()
                guard let row = SalesRow.parse(record, header: header, currency: currency, problems: &problems, references: &references) else {
                    // Another field is bad; what the line names is still checked, so every problem of it is reported at once.
                    _ = check(references, line: record.line, directory, priceBook, &problems)
                    return
                }
                guard let (resolved, term) = resolve(row, directory, priceBook, &problems) else { return }
                // Once the file is known to be bad, stop writing: nothing of it will be kept.
                guard problems.isEmpty && sink.problems.isEmpty else { return }
                if late.count < Self.lateCandidatesKept
                    && (stated.approvedQuarters.contains(resolved.quarter)
                        || stated.partners.contains(StatedKey(resellerID: resolved.resellerID, quarter: resolved.quarter)))
                {
                    late.append(resolved)
                }
                try await emit(resolved)
                if let months = term, let contract = NewContract.from(resolved, date: row.date, months: months) { try contracts.append(contract) }
            }
            sink.problems.merge(readProblems)
        }
        guard sink.problems.isEmpty else { throw sink.problems }
        try await addToTotals(outcome.totals)
        try await recordLate(late, importID: importID)
        let renewed = try await database.storeContracts(from: contracts, actor: actor)
        var summary = ImportSummary(kind: .sales, lines: lines, new: outcome.new, present: outcome.present)
        summary.routeExceptions = outcome.newRouteExceptions
        summary.renewalsRenewed = renewed
        // Lines that arrived for an approved quarter: said now, so nobody learns of them from a statement.
        let settled = outcome.totals.filter { stated.approvedQuarters.contains($0.key.quarter) }
        summary.lateLines = Int(settled.values.reduce(0) { $0 + $1.lineCount })
        summary.lateQuarters = Set(settled.keys.map { $0.quarter }).compactMap { try? Quarter.parse($0) }.sorted()
        summary.latePartners = Set(settled.keys.compactMap { directory.byID[PartnerID($0.resellerID)]?.code.rawValue }).sorted()
        try await database.finishImport(importID, summary)
        return summary
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
    private func statedPartnerQuarters() async throws -> (partners: Set<StatedKey>, approvedQuarters: Set<String>) {
        let partners = Set(
            try await database.plainRows("SELECT DISTINCT partner_id, quarter FROM statements WHERE status <> 'void'").map {
                StatedKey(resellerID: try $0.integer(0), quarter: try $0.text(1))
            })
        return (partners, Set(try await database.approvedQuarters().keys.map(\.description)))
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

    /// Resolves the row's partners and SKU against what is stored, and checks its route to market.
    /// The line ready to store, and its SKU's maintenance term (months) when it has one.
    private func resolve(_ row: SalesRow, _ directory: PartnerDirectory, _ priceBook: PriceBook, _ problems: inout ImportProblems) -> (ResolvedSalesLine, Int?)? {
        guard let (reseller, distributor, entry) = check(row.references, line: row.line, directory, priceBook, &problems) else { return nil }
        let tier = directory.tier(of: reseller.id, on: row.date)
        let line = ResolvedSalesLine(
            line: row.line, source: row.source.description, lineID: row.lineID.rawValue, date: row.dateText,
            quarter: quarterNames.name(of: row.date), resellerID: reseller.id.rawValue, customer: row.customer,
            sku: row.sku.rawValue, category: row.category.rawValue, seats: row.seats, amountMinor: row.amount.minorUnits,
            routeException: RouteException.judge(tier: tier, distributor: distributor?.id, linked: directory.distributorsOf[reseller.id] ?? []))
        return (line, entry?.maintenanceMonths)
    }

    /// Checks what a line names against what is stored — the reseller, the source, the SKU and its category, a
    /// distributor's own upload — as far as those fields parsed; the reseller and distributor when all is well.
    private func check(
        _ line: SalesRow.References, line number: Int, _ directory: PartnerDirectory, _ priceBook: PriceBook, _ problems: inout ImportProblems
    ) -> (reseller: PartnerRecord, distributor: PartnerRecord?, entry: PriceEntry?)? {
        let before = problems.count
        let reseller = line.reseller.flatMap { directory.reseller($0, line: number, &problems) }
        let distributor = line.source.flatMap { directory.distributor($0, line: number, &problems) } ?? nil
        // The category is the price book's, as in force on the line's date (its first entry for a line dated before it).
        var governing: PriceEntry?
        if let sku = line.sku {
            governing = priceBook.governingEntry(for: sku, on: line.date)
            if let entry = governing {
                if let category = line.category, !category.isAllowed(forSKUOf: entry.category, maintenanceTerm: entry.maintenanceMonths != nil) {
                    let allowed = entry.maintenanceMonths != nil && entry.category != .renewal ? "\(entry.category.rawValue) or renewal" : entry.category.rawValue
                    problems.add(line: number, field: "category", "'\(category.rawValue)' is not \(sku.rawValue)'s category in the price book (\(allowed))")
                }
            } else {
                problems.add(line: number, field: "sku", "'\(sku.rawValue)' is not in the price book")
            }
        }
        if let onlySource, let source = line.source, source != .distributor(onlySource) {
            problems.add(line: number, field: "source", "'\(source)' is not \(onlySource.rawValue): a distributor uploads only its own sell-through")
        } else if onlySource != nil, let reseller, let distributor, !(directory.distributorsOf[reseller.id]?.contains(distributor.id) ?? false) {
            // A distributor's own upload may not add sales to a reseller that does not buy through it (a
            // national reseller's basis, say): refused per line, like an unknown reseller.
            problems.add(
                line: number, field: "reseller", "\(reseller.code.rawValue) does not buy through \(distributor.code.rawValue): a distributor uploads sales of its own resellers only")
        }
        guard problems.count == before, let reseller else { return nil }
        return (reseller, distributor, governing)
    }

    /// Adds the new lines' sums to `sales_totals`, so closing a quarter never rescans the lines.
    private func addToTotals(_ totals: [SalesTotalKey: SalesTotal]) async throws {
        // In one fixed key order: two writers upserting the same keys in different orders could deadlock.
        let entries = totals.sorted { ($0.key.resellerID, $0.key.quarter, $0.key.category, $0.key.source) < ($1.key.resellerID, $1.key.quarter, $1.key.category, $1.key.source) }
        for start in stride(from: 0, to: entries.count, by: 500) {
            let chunk = entries[start..<min(start + 500, entries.count)]
            var query = SQLQueryString("INSERT INTO sales_totals (reseller_id, quarter, category, source, amount_minor, line_count) VALUES ")
            for (index, (key, total)) in chunk.enumerated() {
                if index > 0 { query.appendLiteral(", ") }
                query.appendInterpolation(
                    "(\(bind: key.resellerID), \(bind: key.quarter), \(bind: key.category), \(bind: key.source), \(bind: total.amountMinor), \(bind: total.lineCount))"
                        as SQLQueryString)
            }
            query.appendLiteral(
                """
                 ON CONFLICT (reseller_id, quarter, category, source) DO UPDATE SET
                 amount_minor = sales_totals.amount_minor + excluded.amount_minor, line_count = sales_totals.line_count + excluded.line_count
                """)
            try await database.sql.raw(query).run()
        }
    }
}

/// `2026Q1` for a date, remembered: a file's lines fall in a few quarters, so the name is built a few times.
final class QuarterNames: @unchecked Sendable {
    private var names: [Int: String] = [:]

    func name(of date: BusinessDate) -> String {
        let quarter = Quarter(containing: date)
        let key = quarter.year * 4 + quarter.number
        if let name = names[key] { return name }
        let name = quarter.description
        names[key] = name
        return name
    }
}
