import ChannelbookCore
import ChannelbookImport
import SQLKit

/// A name a source's reports give a reseller that no partner code, ABN or mapping resolves: its parked lines, summed.
public struct ParkedName: Sendable, Equatable {
    /// Where the next page starts: after this name.
    public var cursor: String { "\(source) \(key)" }

    public let source: String
    /// The normalised name (`ResellerName.key`) its lines wait under.
    public let key: String
    /// The name as the report wrote it (the first spelling, when several normalise alike).
    public let writtenAs: String
    public let lines: Int
    public let amountMinor: Int64
    public let firstDate: String
    public let lastDate: String
    /// The partner the name likely is: the distributor's suggestion, else a reseller whose name or ABN matches.
    public let suggestion: PartnerCode?
    /// Who suggested it (a distributor's login), or nil when Channelbook did.
    public let suggestedBy: String?
}

/// The decided names' columns, as people sort them.
public enum NameDecisionColumn: String, SortColumn {
    case source, name, partner, by, at

    public var sqlOrder: String {
        switch self {
        case .source: "source"
        case .name: "name_key"
        // Mapped names by the partner's code; names set aside after them, by the reason.
        case .partner: "COALESCE(code, '~' || COALESCE(ignore_reason, ''))"
        case .by: "decided_by"
        case .at: "decided_at_us"
        }
    }

    public var sortsAsText: Bool { self != .at }
}

/// What was decided for a source's name: mapped to a partner, or set aside with a reason.
public struct ResellerNameDecisionView: Sendable, Equatable {
    public let source: String
    public let writtenAs: String
    public let partner: PartnerCode?
    public let ignoreReason: String?
    public let decidedBy: String
    public let decidedAtMicroseconds: Int64

    /// When, as an ISO 8601 UTC timestamp (as the audit log shows it).
    public var decidedAt: String { AuditEntry.timestamp(decidedAtMicroseconds) }
}

/// What mapping a name did: its parked lines moved into the ledger as if imported then.
public struct MappingOutcome: Sendable, Equatable, CustomStringConvertible {
    public let partner: PartnerCode
    public var lines = 0
    public var routeExceptions = 0
    public var renewalsRenewed = 0
    public var lateLines = 0
    public var lateQuarters: [Quarter] = []

    public var description: String {
        var text = "mapped to \(partner.rawValue): \(lines) parked line\(lines == 1 ? "" : "s") moved into the ledger"
        if routeExceptions > 0 { text += "; \(routeExceptions) route exception\(routeExceptions == 1 ? "" : "s") flagged for review" }
        if lateLines > 0 {
            text += "; \(lateLines) of them in approved quarters (\(lateQuarters.map(\.description).joined(separator: ", "))): the next close carries the difference as adjustments"
        }
        if renewalsRenewed > 0 { text += "; \(renewalsRenewed) renewal opportunit\(renewalsRenewed == 1 ? "y" : "ies") renewed" }
        return text
    }
}

/// Why a matching action is refused.
public enum MatchingError: RefusalError, Equatable, Sendable {
    case emptyName(String)
    case unknownSource(String)
    case unknownPartner(String)
    case notAReseller(String)
    case alreadyDecided(name: String, what: String)
    case nothingParked(source: String, name: String)
    case missingReason
    /// A distributor's name is mapped to one of the resellers that buy through it: its later reports must resolve to a
    /// reseller its own uploads may name.
    case notLinked(partner: String, source: String)
    /// What a distributor's login is told for any code that is not one of its resellers (it learns nothing of others).
    case notOneOfYourResellers(partner: String, source: String)
    /// Moving the parked lines into the ledger met a line id already stored with other content.
    case conflict(String)

    public var description: String {
        switch self {
        case .emptyName(let name): return "'\(name)' holds no letter or digit: there is no name to match"
        case .unknownSource(let source): return "'\(source)' is neither DIRECT nor a distributor's code"
        case .unknownPartner(let code): return "no partner has the code '\(code)'"
        case .notAReseller(let code): return "\(code) is a distributor: a reseller's name is mapped to a reseller"
        case let .alreadyDecided(name, what): return "'\(name)' is already \(what): a name is mapped once"
        case let .nothingParked(source, name): return "no line from \(source) is parked under '\(name)'"
        case .missingReason: return "a reason is required"
        case let .notLinked(partner, source):
            return "\(partner) does not buy through \(source): link them first (the partners file's distributors column), or map the name to one of \(source)'s resellers"
        case let .notOneOfYourResellers(partner, source): return "'\(partner)' is not one of \(source)'s resellers"
        case .conflict(let problems): return "the parked lines cannot move into the ledger: \(problems)"
        }
    }
}

extension ChannelbookDatabase {
    /// The names parked lines wait under, by source then name, `limit` at a time after `after` (a name's `cursor`), in SQL.
    /// `source` scopes the list (a distributor's login sees its own source only).
    public func parkedNames(source: String? = nil, after: String? = nil, limit: Int = 500) async throws -> [ParkedName] {
        var query = SQLQueryString(
            """
            SELECT p.source, p.name_key, MIN(p.reseller_as_written) AS written, COUNT(*) AS lines, CAST(SUM(p.amount_minor) AS BIGINT) AS amount,
              MIN(p.sale_date) AS first_date, MAX(p.sale_date) AS last_date, MIN(s.partner_id) AS suggested_id, MIN(s.suggested_by) AS suggested_by
            FROM parked_sales_lines p LEFT JOIN reseller_name_suggestions s ON s.source = p.source AND s.name_key = p.name_key
            WHERE p.ignored = 0
            """)
        if let source { query.appendInterpolation(" AND p.source = \(bind: source)" as SQLQueryString) }
        // The cursor is `SOURCE KEY` (a source code holds no space); both columns compare byte by byte (collation "C").
        if let after {
            let parts = after.split(separator: " ", maxSplits: 1).map(String.init)
            query.appendInterpolation(" AND (p.source, p.name_key) > (\(bind: parts.first ?? ""), \(bind: parts.count > 1 ? parts[1] : ""))" as SQLQueryString)
        }
        query.appendInterpolation(" GROUP BY p.source, p.name_key ORDER BY p.source, p.name_key LIMIT \(bind: min(max(limit, 1), 500))" as SQLQueryString)
        let rows = try await sql.raw(query).all()
        guard !rows.isEmpty else { return [] }
        let directory = try await PartnerDirectory.load(from: self)
        let likely = LikelyPartners(directory)
        return try rows.map { row in
            let key = try row.decode(column: "name_key", as: String.self)
            let suggestedID = try row.decodeNil(column: "suggested_id") ? nil : try row.decode(column: "suggested_id", as: Int64.self)
            let suggested = suggestedID.flatMap { directory.byID[PartnerID($0)]?.code }
            let source = try row.decode(column: "source", as: String.self)
            return ParkedName(
                source: source, key: key, writtenAs: try row.decode(column: "written", as: String.self),
                lines: try row.decode(column: "lines", as: Int.self), amountMinor: try row.decode(column: "amount", as: Int64.self),
                firstDate: try row.decode(column: "first_date", as: String.self), lastDate: try row.decode(column: "last_date", as: String.self),
                suggestion: suggested ?? likely.partner(for: key, source: source),
                suggestedBy: suggested == nil ? nil : try row.decode(column: "suggested_by", as: String?.self))
        }
    }

    /// The decisions recorded for names (mappings and names set aside), `source` scoping them: a whole query.
    private func resellerNameDecisionSelection(source: String?) -> SQLQueryString {
        var query: SQLQueryString = """
            SELECT n.source, n.name_key, n.written_as, p.code, n.ignore_reason, n.decided_by, n.decided_at_us
            FROM reseller_names n LEFT JOIN partners p ON p.id = n.partner_id
            """
        if let source { query += " WHERE n.source = \(bind: source)" }
        return query
    }

    private func resellerNameDecision(_ row: any SQLRow) throws -> ResellerNameDecisionView {
        ResellerNameDecisionView(
            source: try row.decode(column: "source", as: String.self), writtenAs: try row.decode(column: "written_as", as: String.self),
            partner: try row.decode(column: "code", as: String?.self).map { PartnerCode(rawValue: $0) },
            ignoreReason: try row.decode(column: "ignore_reason", as: String?.self), decidedBy: try row.decode(column: "decided_by", as: String.self),
            decidedAtMicroseconds: try row.decode(column: "decided_at_us", as: Int64.self))
    }

    /// Every decision recorded for names (mappings and names set aside), by source then name; `source` scopes it.
    public func resellerNameDecisions(source: String? = nil) async throws -> [ResellerNameDecisionView] {
        let query = resellerNameDecisionSelection(source: source) + " ORDER BY n.source, n.name_key LIMIT 10000"
        return try await sql.raw(query).all().map(resellerNameDecision)
    }

    /// The decisions sorted by any of the list's columns and paged, with how many there are: the page and its CSV.
    public func resellerNameDecisionTable(source: String? = nil, _ slice: TableSlice<NameDecisionColumn>) async throws -> CountedPage<ResellerNameDecisionView> {
        try await requireInitialised()
        return try await sortedPage(resellerNameDecisionSelection(source: source), slice, tiebreak: ["source", "name_key"], row: resellerNameDecision)
    }

    /// Maps a source's name to a reseller once: its parked lines enter the ledger as if imported then (totals, route
    /// exceptions, late lines and so true-ups, contracts and renewals), and later files from the source resolve it.
    public func mapResellerName(source: String, name: String, to code: PartnerCode, actor: String) async throws -> MappingOutcome {
        try await requireInitialised()
        try TextRules.require("name", name, maximumLength: 200)
        return try await transaction(locking: [.ledger, .renewals]) {
            let directory = try await PartnerDirectory.load(from: self)
            let key = try await checkUndecided(source: source, name: name, directory)
            guard let partner = directory.byCode[code] else { throw MatchingError.unknownPartner(code.rawValue) }
            guard partner.kind == .reseller else { throw MatchingError.notAReseller(code.rawValue) }
            guard directory.buysThrough(partner, source: source) else { throw MatchingError.notLinked(partner: code.rawValue, source: source) }
            try await sql.raw(
                """
                INSERT INTO reseller_names (source, name_key, written_as, partner_id, decided_by, decided_at_us)
                VALUES (\(bind: source), \(bind: key), \(bind: name), \(bind: partner.id.rawValue), \(bind: actor), \(bind: Self.nowMicroseconds()))
                """
            ).run()
            let outcome = try await moveParkedLines(source: source, key: key, to: partner, directory: directory, actor: actor)
            if outcome.lines > 0 { try await noteLedgerChange() }
            try await audit(actor: actor, action: "map reseller name", partner: partner.id, subject: "\(source) '\(name)'", after: outcome.description)
            return outcome
        }
    }

    /// Sets a source's name aside with a reason: its parked lines stay parked, unlisted, and so do later ones.
    @discardableResult
    public func ignoreResellerName(source: String, name: String, reason: String, actor: String) async throws -> Int {
        try await requireInitialised()
        guard !reason.allSatisfy(\.isWhitespace) else { throw MatchingError.missingReason }
        try TextRules.require("reason", reason, maximumLength: 500)
        try TextRules.require("name", name, maximumLength: 200)
        return try await transaction(locking: [.ledger]) {
            let directory = try await PartnerDirectory.load(from: self)
            let key = try await checkUndecided(source: source, name: name, directory)
            try await sql.raw(
                """
                INSERT INTO reseller_names (source, name_key, written_as, ignore_reason, decided_by, decided_at_us)
                VALUES (\(bind: source), \(bind: key), \(bind: name), \(bind: reason), \(bind: actor), \(bind: Self.nowMicroseconds()))
                """
            ).run()
            let lines = try await sql.raw(
                "UPDATE parked_sales_lines SET ignored = 1 WHERE source = \(bind: source) AND name_key = \(bind: key) RETURNING line_id"
            ).all().count
            try await audit(actor: actor, action: "ignore reseller name", subject: "\(source) '\(name)'", after: "\(lines) parked lines set aside: \(reason)")
            return lines
        }
    }

    /// A distributor's suggestion of the partner its parked name is (the vendor decides): one per name, the latest kept.
    public func suggestPartner(source: String, name: String, partner code: PartnerCode, actor: String) async throws {
        try await requireInitialised()
        try TextRules.require("name", name, maximumLength: 200)
        try await transaction {
            let directory = try await PartnerDirectory.load(from: self)
            let key = try await checkUndecided(source: source, name: name, directory)
            // One refusal for an unknown code, a distributor or another distributor's reseller.
            guard let partner = directory.byCode[code], partner.kind == .reseller, directory.buysThrough(partner, source: source) else {
                throw MatchingError.notOneOfYourResellers(partner: code.rawValue, source: source)
            }
            let parked = try await sql.raw(
                "SELECT COUNT(*) AS n FROM parked_sales_lines WHERE source = \(bind: source) AND name_key = \(bind: key) AND ignored = 0"
            ).first()?.decode(column: "n", as: Int.self) ?? 0
            guard parked > 0 else { throw MatchingError.nothingParked(source: source, name: name) }
            try await sql.raw(
                """
                INSERT INTO reseller_name_suggestions (source, name_key, partner_id, suggested_by, suggested_at_us)
                VALUES (\(bind: source), \(bind: key), \(bind: partner.id.rawValue), \(bind: actor), \(bind: Self.nowMicroseconds()))
                ON CONFLICT (source, name_key) DO UPDATE SET partner_id = excluded.partner_id, suggested_by = excluded.suggested_by, suggested_at_us = excluded.suggested_at_us
                """
            ).run()
            try await audit(actor: actor, action: "suggest reseller name", partner: partner.id, subject: "\(source) '\(name)'", after: code.rawValue)
        }
    }

    /// The name's key, when the source exists and nothing was decided for the name yet.
    private func checkUndecided(source: String, name: String, _ directory: PartnerDirectory) async throws -> String {
        let key = ResellerName.key(name)
        guard !key.isEmpty else { throw MatchingError.emptyName(name) }
        if source != SalesSource.direct.description {
            guard directory.byCode[PartnerCode(rawValue: source)]?.kind == .distributor else { throw MatchingError.unknownSource(source) }
        }
        if let row = try await sql.raw(
            "SELECT p.code, n.ignore_reason FROM reseller_names n LEFT JOIN partners p ON p.id = n.partner_id WHERE n.source = \(bind: source) AND n.name_key = \(bind: key)"
        ).first() {
            let what = try row.decode(column: "code", as: String?.self).map { "mapped to \($0)" } ?? "set aside"
            throw MatchingError.alreadyDecided(name: name, what: what)
        }
        return key
    }

    /// Moves the name's parked lines into the ledger, one import record per file they came from (named after it), through
    /// the path a file's lines take, then takes them out of the parking.
    private func moveParkedLines(source: String, key: String, to partner: PartnerRecord, directory: PartnerDirectory, actor: String) async throws -> MappingOutcome {
        var outcome = MappingOutcome(partner: partner.code)
        let files = try await sql.raw(
            """
            SELECT DISTINCT p.import_id, i.file_name FROM parked_sales_lines p JOIN imports i ON i.id = p.import_id
            WHERE p.source = \(bind: source) AND p.name_key = \(bind: key) AND p.ignored = 0 ORDER BY p.import_id
            """
        ).all().map { (try $0.decode(column: "import_id", as: Int64.self), try $0.decode(column: "file_name", as: String.self)) }
        guard !files.isEmpty else { return outcome }
        let priceBook = try await PriceBook.load(from: self)
        let quarterNames = QuarterNames()
        let writer = SalesLedgerWriter(database: self, directory: directory, actor: actor)
        for (fileImportID, fileName) in files {
            let lines = try await sql.raw(
                """
                SELECT \(unsafeRaw: ParkedSalesLine.columns) FROM parked_sales_lines
                WHERE source = \(bind: source) AND name_key = \(bind: key) AND ignored = 0 AND import_id = \(bind: fileImportID) ORDER BY line_no
                """
            ).all().map(ParkedSalesLine.init)
            let name = String("\(fileName) (parked lines mapped to \(partner.code.rawValue))".prefix(400))
            let importID = try await startImport(.sales, name: name)
            let sink = ProblemSink(file: fileName)
            let written: SalesLedgerWriter.Written
            do {
                written = try await writer.write(importID: importID, sink: sink) { emit in
                for line in lines {
                    let date = try BusinessDate.parse(line.date)
                    let source = SalesSource(line.source)
                    let distributor: PartnerID? = if case .distributor(let code) = source { directory.byCode[code]?.id } else { nil }
                    let resolved = ResolvedSalesLine(
                        line: line.lineNo, source: source, distributor: distributor, lineID: line.lineID, date: date, dateText: line.date, reseller: partner,
                        customer: line.customer, sku: line.sku, category: line.category, seats: line.seats, amountMinor: line.amountMinor,
                        quarterNames: quarterNames)
                    try await emit(resolved, date, priceBook.governingEntry(for: SKU(line.sku), on: date)?.maintenanceMonths)
                }
                }
            } catch let problems as ImportProblems {
                throw MatchingError.conflict(problems.lines.joined(separator: "; "))
            }
            var summary = ImportSummary(kind: .sales, lines: lines.count, new: written.outcome.new, present: written.outcome.present)
            summary.routeExceptions = written.outcome.newRouteExceptions
            try await finishImport(importID, summary)
            outcome.lines += lines.count
            outcome.routeExceptions += written.outcome.newRouteExceptions
            outcome.renewalsRenewed += written.renewed
            outcome.lateLines += written.lateLines
            outcome.lateQuarters = Array(Set(outcome.lateQuarters + written.lateQuarters)).sorted()
        }
        try await sql.raw("DELETE FROM parked_sales_lines WHERE source = \(bind: source) AND name_key = \(bind: key) AND ignored = 0").run()
        try await sql.raw("DELETE FROM reseller_name_suggestions WHERE source = \(bind: source) AND name_key = \(bind: key)").run()
        return outcome
    }
}

/// Resellers by normalised name and by ABN digits, for suggesting the partner a parked name likely is: for a
/// distributor's name, only the resellers that buy through it (what a mapping accepts, and all its login may learn).
struct LikelyPartners {
    private var byKey: [String: [PartnerRecord]] = [:]
    private let directory: PartnerDirectory

    init(_ directory: PartnerDirectory) {
        self.directory = directory
        for partner in directory.byID.values.sorted(by: { $0.code.rawValue < $1.code.rawValue }) where partner.kind == .reseller {
            let key = ResellerName.key(partner.name)
            if !key.isEmpty { byKey[key, default: []].append(partner) }
            if let abn = partner.abn, abn.digits != key { byKey[abn.digits, default: []].append(partner) }
        }
    }

    func partner(for key: String, source: String) -> PartnerCode? {
        byKey[key]?.first { directory.buysThrough($0, source: source) }?.code
    }
}
