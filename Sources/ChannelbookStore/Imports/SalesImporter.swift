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
    /// The line's analytics segment by its seats (`SalesSegments`).
    let segment: String
}

/// Net amount and line count for one totals key.
struct SalesTotal: Sendable {
    var amountMinor: Int64 = 0
    var lineCount: Int64 = 0
}

/// What loading a file's lines into the ledger found.
///
/// The new lines' sums are kept by reseller and four small numbers standing for the key's texts (each quarter,
/// category, source and segment numbered once per import): a 24-byte key hashed once a line instead of four texts,
/// and a third of the memory for the hundreds of thousands of keys a large file makes (BENCHMARKS.md, *Import speed*).
struct SalesLoadOutcome {
    /// The segments the totals are kept by: the newest program's.
    let segments: SalesSegments
    var new = 0
    var present = 0
    var newRouteExceptions = 0
    private var texts = NumberedTexts()
    private var sums: [PackedKey: SalesTotal] = [:]

    init(segments: SalesSegments) { self.segments = segments }

    /// A totals key with its four texts as their numbers in `texts`.
    private struct PackedKey: Hashable {
        let resellerID: Int64
        let quarter: UInt32
        let category: UInt32
        let source: UInt32
        let segment: UInt32
    }

    /// Counts a new line and adds it to its totals row; a sum beyond `Int64` is an error, not a trap.
    mutating func add(_ line: ResolvedSalesLine) throws {
        new += 1
        if line.routeException != nil { newRouteExceptions += 1 }
        let key = pack(
            resellerID: line.resellerID, quarter: line.quarter, category: line.category, source: line.source, segment: segments.segment(forSeats: line.seats))
        // Added in place: one lookup of the key a line.
        try Self.accumulate(line, into: &sums[key, default: SalesTotal()])
    }

    private static func accumulate(_ line: ResolvedSalesLine, into total: inout SalesTotal) throws {
        total.amountMinor = try MinorUnits.add(
            total.amountMinor, line.amountMinor, "the \(line.quarter) \(line.category) total from \(line.source) at line \(line.line)")
        total.lineCount += 1
    }

    /// Records the sums of a key computed elsewhere (PostgreSQL's merge sums them in SQL).
    mutating func record(_ key: SalesTotalKey, _ total: SalesTotal) {
        sums[pack(resellerID: key.resellerID, quarter: key.quarter, category: key.category, source: key.source, segment: key.segment)] = total
    }

    private mutating func pack(resellerID: Int64, quarter: String, category: String, source: String, segment: String) -> PackedKey {
        PackedKey(
            resellerID: resellerID, quarter: texts.number(quarter), category: texts.number(category), source: texts.number(source),
            segment: texts.number(segment))
    }

    private func unpack(_ key: PackedKey) -> SalesTotalKey {
        SalesTotalKey(
            resellerID: key.resellerID, quarter: texts.text(key.quarter), category: texts.text(key.category), source: texts.text(key.source),
            segment: texts.text(key.segment))
    }

    /// The sums in the order they are written: reseller, quarter, category, source, segment (texts in byte order).
    /// Two writers upserting the same keys in different orders could deadlock. Each key's texts are made as it is read,
    /// so the whole list is never held as texts.
    func sortedTotals() -> some Sequence<(key: SalesTotalKey, value: SalesTotal)> {
        let rank = texts.ranks()
        func order(_ key: PackedKey) -> (Int64, Int, Int, Int, Int) {
            (key.resellerID, rank[Int(key.quarter)], rank[Int(key.category)], rank[Int(key.source)], rank[Int(key.segment)])
        }
        let sorted = sums.sorted { order($0.key) < order($1.key) }
        return sorted.lazy.map { (key: unpack($0.key), value: $0.value) }
    }

    /// The sums of the keys whose quarter is one of `quarters` (few: an approved quarter's late lines).
    func totals(inQuarters quarters: Set<String>) -> [(key: SalesTotalKey, value: SalesTotal)] {
        let numbers = Set(quarters.compactMap { texts.existingNumber($0) })
        guard !numbers.isEmpty else { return [] }
        return sums.filter { numbers.contains($0.key.quarter) }.map { (key: unpack($0.key), value: $0.value) }
    }
}

/// Texts numbered in the order they are first seen: a few dozen per import (quarters, categories, sources, segments).
private struct NumberedTexts {
    private var numbers: [String: UInt32] = [:]
    private var texts: [String] = []

    mutating func number(_ text: String) -> UInt32 {
        if let number = numbers[text] { return number }
        let number = UInt32(texts.count)
        numbers[text] = number
        texts.append(text)
        return number
    }

    func existingNumber(_ text: String) -> UInt32? { numbers[text] }

    func text(_ number: UInt32) -> String { texts[Int(number)] }

    /// Each text's place among all of them in byte order, by number.
    func ranks() -> [Int] {
        var rank = [Int](repeating: 0, count: texts.count)
        for (place, number) in texts.indices.sorted(by: { texts[$0] < texts[$1] }).enumerated() { rank[number] = place }
        return rank
    }
}

/// Loads validated lines into `sales_lines` the fastest way its database allows, recording conflicts
/// (a stored `(source, line_id)` with other content) as problems. `produce` reads the file and calls
/// `emit` for each valid line in file order; a loader may call it more than once.
protocol SalesLoader {
    /// The segments the new lines' totals are kept by.
    var segments: SalesSegments { get }
    func load(
        importID: Int64, problems: ProblemSink,
        produce: (_ emit: (ResolvedSalesLine) async throws -> Void) async throws -> Void
    ) async throws -> SalesLoadOutcome
    /// Adds sums to `sales_totals`, in the order given.
    func addToTotals(_ entries: some Sequence<(key: SalesTotalKey, value: SalesTotal)>) async throws
}

/// The import's problem list, shared by the row reader and the loaders' conflict checks.
final class ProblemSink: @unchecked Sendable {
    var problems: ImportProblems
    init(file: String) { problems = ImportProblems(file: file) }
}

/// Imports `sales.csv`: validates every field, resolves resellers by code, ABN or a mapped name, parks the lines
/// whose reseller does not resolve, flags route exceptions, stores new lines, recognises lines already present,
/// refuses conflicting ones, and adds the new lines to the per-quarter totals — all in the caller's transaction.
struct SalesImporter {
    let database: ChannelbookDatabase
    /// When a distributor uploads its own sell-through: the only source its lines may name.
    var onlySource: PartnerCode? = nil
    /// Who imports: the renewals its renewal lines make are audited in that name.
    var actor = "system"
    func run(path: String, name: String) async throws -> ImportSummary {
        let currency = try await database.latestProgram().program.currency
        let directory = try await PartnerDirectory.load(from: database)
        let checker = SalesLineChecker(directory: directory, priceBook: try await PriceBook.load(from: database), onlySource: onlySource)
        let importID = try await database.startImport(.sales, name: name)
        let sink = ProblemSink(file: name)
        var lines = 0
        var parked = ParkedSalesLines(importID: importID)
        let writer = SalesLedgerWriter(database: database, directory: directory, actor: actor)
        let written = try await writer.write(importID: importID, sink: sink) { emit in
            // A loader may read the file twice (PostgreSQL's optimistic COPY); each reading starts afresh.
            lines = 0
            parked.removeAll()
            sink.problems = ImportProblems(file: name)
            // Each line's fields are parsed and checked on the reading thread, a chunk ahead; resolved and stored here.
            let readProblems = try await ImportFile.read(path: path, name: name, required: SalesRow.requiredColumns) { record, header, problems in
                var references = SalesRow.References()
                let row = SalesRow.parse(record, header: header, currency: currency, problems: &problems, references: &references)
                return row.map { ParsedSalesLine.row($0) } ?? .bad(references)
            } row: { (line: Int, parsed: ParsedSalesLine, problems: inout ImportProblems) in
                lines += 1
                guard case .row(let row) = parsed else {
                    // Another field is bad; what the line names is still checked, so every problem of it is reported at once.
                    if case .bad(let references) = parsed { _ = checker.check(references, line: line, &problems) }
                    return
                }
                guard let checked = checker.resolve(row, &problems) else { return }
                // Once the file is known to be bad, stop writing: nothing of it will be kept.
                guard problems.isEmpty && sink.problems.isEmpty else { return }
                switch checked {
                case .line(let line, let months): try await emit(line, row.date, months)
                case .parked(let line): parked.append(line, &problems)
                }
            }
            sink.problems.merge(readProblems)
        }
        let parking = try await parked.store(in: database, file: name)
        var summary = ImportSummary(kind: .sales, lines: lines, new: written.outcome.new, present: written.outcome.present)
        summary.parked = parking.parked
        summary.ignored = parking.ignored
        summary.resolvedFromParked = parking.resolvedSinceParked
        summary.routeExceptions = written.outcome.newRouteExceptions
        summary.renewalsRenewed = written.renewed
        summary.lateLines = written.lateLines
        summary.lateQuarters = written.lateQuarters
        summary.latePartners = written.latePartners
        try await database.finishImport(importID, summary)
        return summary
    }
}

/// Checks each line of a sales file against what is stored: the partners, the price book, a distributor's own upload.
/// A class, so the closure that reads the file holds one reference instead of copying the directory's tables for
/// each of millions of lines (BENCHMARKS.md, *Import speed*).
private final class SalesLineChecker {
    let directory: PartnerDirectory
    let priceBook: PriceBook
    let onlySource: PartnerCode?
    let quarterNames = QuarterNames()

    init(directory: PartnerDirectory, priceBook: PriceBook, onlySource: PartnerCode?) {
        self.directory = directory
        self.priceBook = priceBook
        self.onlySource = onlySource
    }

    /// What one line of the file became: a line for the ledger, or one parked until its reseller's name is mapped.
    enum Checked {
        case line(ResolvedSalesLine, maintenanceMonths: Int?)
        case parked(ParkedSalesLine)
    }

    /// Resolves the row's partners and SKU against what is stored, and checks its route to market: the line ready to
    /// store with its SKU's maintenance term, or the line parked when its reseller's name is not known yet.
    func resolve(_ row: SalesRow, _ problems: inout ImportProblems) -> Checked? {
        guard let (resolution, distributor, entry) = check(row.references, line: row.line, &problems) else { return nil }
        switch resolution {
        case .partner(let reseller):
            let line = ResolvedSalesLine(
                line: row.line, source: row.source, distributor: distributor?.id, lineID: row.lineID.rawValue, date: row.date, dateText: row.dateText, reseller: reseller,
                customer: row.customer, sku: row.sku.rawValue, category: row.category.rawValue, seats: row.seats, amountMinor: row.amount.minorUnits,
                quarterNames: quarterNames)
            return .line(line, maintenanceMonths: entry?.maintenanceMonths)
        case .unresolved(let name), .ignored(let name):
            let ignored = if case .ignored = resolution { true } else { false }
            return .parked(ParkedSalesLine(row: row, name: name, ignored: ignored))
        }
    }

    /// Checks what a line names against what is stored — the reseller, the source, the SKU and its category, a
    /// distributor's own upload — as far as those fields parsed; how the reseller resolved when all is well.
    func check(
        _ line: SalesRow.References, line number: Int, _ problems: inout ImportProblems
    ) -> (reseller: ResellerResolution, distributor: PartnerRecord?, entry: PriceEntry?)? {
        let before = problems.count
        let distributor = line.source.flatMap { directory.distributor($0, line: number, &problems) } ?? nil
        // A reseller is resolved against its source's mappings; with the source unreadable, a name cannot be looked up.
        let reseller = line.reseller.flatMap { reference in line.source.flatMap { directory.resolveReseller(reference, source: $0, line: number, &problems) } }
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
        } else if onlySource != nil, case .partner(let reseller)? = reseller, let distributor,
            !directory.buysThrough(reseller, source: distributor.code.rawValue)
        {
            // A distributor's own upload may not add sales to a reseller that does not buy through it (a
            // national reseller's basis, say): refused per line, like a reseller that names a distributor.
            problems.add(
                line: number, field: "reseller", "\(reseller.code.rawValue) does not buy through \(distributor.code.rawValue): a distributor uploads sales of its own resellers only")
        }
        guard problems.count == before, let reseller else { return nil }
        return (reseller, distributor, governing)
    }
}

/// A sales line as its fields parsed: the row when every field is good, otherwise what it names.
private enum ParsedSalesLine: Sendable {
    case row(SalesRow)
    case bad(SalesRow.References)
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
