import ChannelbookCore
import Foundation
import SQLKit

/// A page of a list kept in order by a key, and where the next starts (`nil` on the last page).
public struct KeyedPage<Item: Sendable>: Sendable {
    public let items: [Item]
    public let nextCursor: String?

    /// A cursor naming a row by the values of its key (any text, opaque to the client).
    static func cursor(_ key: [String]) throws -> String { try JSONEncoder().encode(key).base64EncodedString() }

    /// The key values a cursor names; a cursor this list did not give is refused as a problem with the `cursor` field.
    static func key(of cursor: String, parts: Int) throws -> [String] {
        guard let data = Data(base64Encoded: cursor), let key = try? JSONDecoder().decode([String].self, from: data), key.count == parts else {
            throw TextProblem(field: "cursor", problem: "not a cursor this list gave")
        }
        return key
    }
}

/// The partner list's columns, as people sort it.
public enum PartnerColumn: String, SortColumn {
    case code, name, kind, tier, abn

    public var sqlOrder: String {
        switch self {
        case .code: "code"
        case .name: "lower(name)"
        case .kind: "kind"
        // No tier (a distributor) and no ABN sort first either way round on both databases.
        case .tier: "COALESCE(tier, '')"
        case .abn: "COALESCE(abn, '')"
        }
    }

    public var sortsAsText: Bool { true }
}

/// A partner in a list: its tier today (its latest) with its fields.
public struct PartnerListing: Sendable, Equatable {
    public let code: PartnerCode
    public let name: String
    public let kind: PartnerKind
    public let abn: String?
    public let tier: ResellerTier?

    init(code: PartnerCode, name: String, kind: PartnerKind, abn: String?, tier: ResellerTier?) {
        self.code = code
        self.name = name
        self.kind = kind
        self.abn = abn
        self.tier = tier
    }

    init(row: any SQLRow) throws {
        self.init(
            code: PartnerCode(rawValue: try row.decode(column: "code", as: String.self)), name: try row.decode(column: "name", as: String.self),
            kind: try row.stored(PartnerKind.self, column: "kind"), abn: try row.decode(column: "abn", as: String?.self),
            tier: try row.decode(column: "tier", as: String?.self).flatMap(ResellerTier.init(rawValue:)))
    }
}

/// One row of the audit log's filters.
public struct AuditFilter: Sendable {
    public var since: BusinessDate?
    public var until: BusinessDate?
    public var actor: String?
    public var action: String?
    public var partner: PartnerCode?
    /// What the action was on, any of these (none: no filter): a quarter (`2026Q2`), a statement's reference, a file.
    public var subjects: [String]

    public init(
        since: BusinessDate? = nil, until: BusinessDate? = nil, actor: String? = nil, action: String? = nil, partner: PartnerCode? = nil,
        subjects: [String] = []
    ) {
        self.since = since
        self.until = until
        self.actor = actor
        self.action = action
        self.partner = partner
        self.subjects = subjects
    }

    /// A filter from what a person or client typed, each value as text (nil or empty: no filter on it): the rule the
    /// audit page and the API share. Refused with a message naming the field.
    public static func parse(since: String?, until: String?, actor: String?, action: String?, partner: String?) throws -> AuditFilter {
        func text(_ name: String, _ value: String?, _ maximum: Int) throws -> String? {
            guard let value, !value.isEmpty else { return nil }
            // Counted in code points, as JSON Schema counts a string's length.
            guard value.unicodeScalars.count <= maximum else { throw TextProblem(field: name, problem: "is longer than \(maximum) characters") }
            return value
        }
        func date(_ name: String, _ value: String?) throws -> BusinessDate? {
            guard let value, !value.isEmpty else { return nil }
            guard let date = try? BusinessDate.parse(value) else { throw TextProblem(field: name, problem: "must be a date (YYYY-MM-DD)") }
            return date
        }
        return AuditFilter(
            since: try date("since", since), until: try date("until", until), actor: try text("actor", actor, 254), action: try text("action", action, 100),
            partner: try text("partner", partner, 64).map { PartnerCode(rawValue: $0) })
    }
}

/// Partners, the price book and the audit log a page at a time, filtered and limited in SQL (a page never reads
/// the whole table into memory).
extension ChannelbookDatabase {
    /// The tier of partner `p` on `date` (its latest with none), as SQL: the last tier change on or before the day,
    /// as `PartnerDirectory.tier(of:on:)` reads it in Swift (`PlanningTests` holds the two together).
    static func tierSQL(on date: BusinessDate?) -> SQLQueryString {
        var tier: SQLQueryString = "(SELECT t.tier FROM partner_tiers t WHERE t.partner_id = p.id"
        if let date { tier += " AND t.effective_from <= \(bind: date.description)" }
        return tier + " ORDER BY t.effective_from DESC LIMIT 1)"
    }

    /// Partners with their latest tier, narrowed by kind, tier, one code, and a search of code, name (any case) or
    /// ABN (as people write it): a whole query for the API's keyed pages and the page's sorted ones.
    func partnerSelection(kind: PartnerKind?, tier: ResellerTier?, search: String?, only: PartnerCode? = nil) -> SQLQueryString {
        var query = "SELECT p.code, p.name, p.kind, p.abn, " + Self.tierSQL(on: nil) + " AS tier FROM partners p WHERE 1 = 1"
        if let kind { query += " AND p.kind = \(bind: kind.rawValue)" }
        if let tier { query += " AND " + Self.tierSQL(on: nil) + " = \(bind: tier.rawValue)" }
        if let only { query += " AND p.code = \(bind: only.rawValue)" }
        if let search, !search.isEmpty {
            let needle = Self.likePattern(search)
            let digits = search.filter { !$0.isWhitespace }
            query += " AND (lower(p.code) LIKE \(bind: needle) ESCAPE '\\' OR lower(p.name) LIKE \(bind: needle) ESCAPE '\\' OR p.abn = \(bind: digits))"
        }
        return query
    }

    /// Partners by code, a page at a time from `cursor` (the last code shown): the API's list.
    public func partnerPage(
        kind: PartnerKind? = nil, tier: ResellerTier? = nil, search: String? = nil, only: PartnerCode? = nil, after cursor: String? = nil, limit: Int
    ) async throws -> KeyedPage<PartnerListing> {
        try await requireInitialised()
        var query = partnerSelection(kind: kind, tier: tier, search: search, only: only)
        if let cursor { query += " AND p.code \(unsafeRaw: byteOrder) > \(bind: cursor)" }
        query += " ORDER BY p.code \(unsafeRaw: byteOrder) LIMIT \(bind: limit + 1)"
        let rows = try await sql.raw(query).all().map(PartnerListing.init(row:))
        return KeyedPage(items: Array(rows.prefix(limit)), nextCursor: rows.count > limit ? rows[limit - 1].code.rawValue : nil)
    }

    /// Partners sorted by any of the list's columns and paged, with how many match: the page's list and its CSV.
    public func partnerTable(kind: PartnerKind? = nil, tier: ResellerTier? = nil, search: String? = nil, _ slice: TableSlice<PartnerColumn>) async throws
        -> CountedPage<PartnerListing>
    {
        try await requireInitialised()
        return try await sortedPage(partnerSelection(kind: kind, tier: tier, search: search), slice, tiebreak: ["code"], row: PartnerListing.init(row:))
    }

    /// Price book rows by SKU, then effective date. The cursor is `SKU|DATE` of the last row.
    public func priceBookPage(sku: SKU? = nil, after cursor: String? = nil, limit: Int) async throws -> KeyedPage<PriceEntry> {
        try await requireInitialised()
        var query = SQLQueryString("SELECT sku, effective_from, name, category, partner_buy_price_minor, maintenance_months FROM price_book WHERE 1 = 1")
        if let sku { query.appendInterpolation(" AND sku = \(bind: sku.rawValue)" as SQLQueryString) }
        if let cursor {
            guard let bar = cursor.lastIndex(of: "|") else { throw TextProblem(field: "cursor", problem: "not a cursor this list gave") }
            let (lastSKU, lastDate) = (String(cursor[..<bar]), String(cursor[cursor.index(after: bar)...]))
            query.appendInterpolation(
                " AND (sku \(unsafeRaw: byteOrder) > \(bind: lastSKU) OR (sku = \(bind: lastSKU) AND effective_from > \(bind: lastDate)))" as SQLQueryString)
        }
        query.appendInterpolation(" ORDER BY sku \(unsafeRaw: byteOrder), effective_from LIMIT \(bind: limit + 1)" as SQLQueryString)
        let rows = try await sql.raw(query).all().map { row in
            PriceEntry(
                sku: SKU(rawValue: try row.decode(column: "sku", as: String.self)),
                effectiveFrom: try BusinessDate.parse(row.decode(column: "effective_from", as: String.self)), name: try row.decode(column: "name", as: String.self),
                category: try row.stored(SalesCategory.self, column: "category"),
                partnerBuyPriceMinor: try row.decode(column: "partner_buy_price_minor", as: Int64.self),
                maintenanceMonths: try row.decode(column: "maintenance_months", as: Int?.self))
        }
        let next = rows.count > limit ? "\(rows[limit - 1].sku.rawValue)|\(rows[limit - 1].effectiveFrom)" : nil
        return KeyedPage(items: Array(rows.prefix(limit)), nextCursor: next)
    }

    /// The audit log newest first. The cursor is the id of the last entry shown.
    public func auditPage(_ filter: AuditFilter, before cursor: Int64? = nil, limit: Int) async throws -> KeyedPage<AuditEntry> {
        try await requireInitialised()
        var query = SQLQueryString("\(unsafeRaw: AuditEntry.selection) WHERE 1 = 1")
        if let since = filter.since { query.appendInterpolation(" AND a.at_us >= \(bind: Int64(since.daysSinceEpoch) * 86_400_000_000)" as SQLQueryString) }
        if let until = filter.until { query.appendInterpolation(" AND a.at_us < \(bind: Int64(until.daysSinceEpoch + 1) * 86_400_000_000)" as SQLQueryString) }
        if let actor = filter.actor { query.appendInterpolation(" AND a.actor = \(bind: actor.lowercased())" as SQLQueryString) }
        if let action = filter.action { query.appendInterpolation(" AND a.action = \(bind: action)" as SQLQueryString) }
        if let partner = filter.partner { query.appendInterpolation(" AND p.code = \(bind: partner.rawValue)" as SQLQueryString) }
        if !filter.subjects.isEmpty { query.appendInterpolation(" AND a.subject IN (\(binds: filter.subjects))" as SQLQueryString) }
        if let cursor { query.appendInterpolation(" AND a.id < \(bind: cursor)" as SQLQueryString) }
        query.appendInterpolation(" ORDER BY a.id DESC LIMIT \(bind: limit + 1)" as SQLQueryString)
        let rows = try await sql.raw(query).all().map(AuditEntry.init(row:))
        return KeyedPage(items: Array(rows.prefix(limit)), nextCursor: rows.count > limit ? String(rows[limit - 1].id) : nil)
    }

    /// Text compared byte by byte on both databases, as SQLite does and as keys are stored (PostgreSQL's default
    /// collation would order codes by language): appended after a column in `ORDER BY` and comparisons.
    var byteOrder: String { dialect == .postgres ? "COLLATE \"C\"" : "" }
}
