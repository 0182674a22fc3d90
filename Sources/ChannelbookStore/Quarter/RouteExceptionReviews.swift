import ChannelbookCore
import Foundation
import SQLKit

/// A route exception as the review queue shows it: the line, why it is an exception, and its review if any.
public struct RouteExceptionListing: Sendable, Equatable {
    public let reseller: PartnerCode
    public let date: BusinessDate
    public let source: String
    public let lineID: String
    public let amount: Money
    public let category: SalesCategory
    public let seats: Int64
    public let customer: String
    public let sku: String
    /// The SKU's maintenance term on the line's date: a sale of it made a maintenance contract.
    public let maintenanceMonths: Int?
    public let reason: RouteException
    public let reviewNote: String?
    public let reviewedBy: String?

    /// Why this line cannot be moved to another reseller by correcting lines, or nil when it can: a renewal, or a
    /// line of a SKU with a maintenance term, made or renewed a contract that follows the distributor's report, and a
    /// price adjustment (0 seats) has no reversal a sales file may carry (`LineLimits.seatsProblem`).
    public var reassignRefusal: RouteExceptionReassignError? {
        if category == .renewal || maintenanceMonths != nil { return .maintainedSKU(lineID: lineID, sku: sku) }
        if seats == 0 { return .priceAdjustment(lineID: lineID) }
        return nil
    }
}

/// The route-exception queue's columns, as people sort it.
public enum RouteExceptionColumn: String, SortColumn {
    case date, source, line, reseller, category, amount, reason, review

    public var sqlOrder: String {
        switch self {
        case .date: "sale_date"
        case .source: "source"
        case .line: "line_id"
        case .reseller: "code"
        case .category: "category"
        case .amount: "amount_minor"
        case .reason: "route_exception"
        // Not yet reviewed first.
        case .review: "COALESCE(note, '')"
        }
    }

    public var sortsAsText: Bool { self != .amount }
}

public enum RouteExceptionReviewError: RefusalError, Equatable {
    case notAnException(source: String, lineID: String)
    case alreadyReviewed(source: String, lineID: String, by: String)
    case missingNote

    public var description: String {
        switch self {
        case let .notAnException(source, lineID): return "no route exception is stored for line \(lineID) of \(source)"
        case let .alreadyReviewed(source, lineID, by): return "line \(lineID) of \(source) was reviewed already, by \(by)"
        case .missingNote: return "say why the exception is accepted (note)"
        }
    }
}

extension ChannelbookDatabase {
    /// A quarter's route exceptions with their reviews, narrowed by reseller, source and review state: a whole query.
    func routeExceptionSelection(_ quarter: Quarter, reseller: PartnerCode?, source: String?, reviewed: Bool?) -> SQLQueryString {
        var query: SQLQueryString = """
            SELECT p.code, s.sale_date, s.source, s.line_id, s.amount_minor, s.category, s.seats, s.customer, s.sku, s.route_exception, r.note, r.reviewed_by,
                   (SELECT b.maintenance_months FROM price_book b WHERE b.sku = s.sku AND b.effective_from <= s.sale_date
                    ORDER BY b.effective_from DESC LIMIT 1) AS maintenance_months
            FROM sales_lines s JOIN partners p ON p.id = s.reseller_id
            LEFT JOIN route_exception_reviews r ON r.source = s.source AND r.line_id = s.line_id
            WHERE s.quarter = \(bind: quarter.description) AND s.route_exception IS NOT NULL
            """
        if let reseller { query += " AND p.code = \(bind: reseller.rawValue)" }
        if let source { query += " AND s.source = \(bind: source)" }
        if let reviewed { query += reviewed ? " AND r.note IS NOT NULL" : " AND r.note IS NULL" }
        return query
    }

    private func routeExceptionListing(_ row: any SQLRow, _ currency: Currency) throws -> RouteExceptionListing {
        RouteExceptionListing(
            reseller: PartnerCode(rawValue: try row.decode(column: "code", as: String.self)),
            date: try BusinessDate.parse(row.decode(column: "sale_date", as: String.self)), source: try row.decode(column: "source", as: String.self),
            lineID: try row.decode(column: "line_id", as: String.self),
            amount: Money(minorUnits: try row.decode(column: "amount_minor", as: Int64.self), currency: currency),
            category: try row.stored(SalesCategory.self, column: "category"),
            seats: try row.decode(column: "seats", as: Int64.self), customer: try row.decode(column: "customer", as: String.self),
            sku: try row.decode(column: "sku", as: String.self), maintenanceMonths: try row.decode(column: "maintenance_months", as: Int?.self),
            reason: try row.stored(RouteException.self, column: "route_exception"),
            reviewNote: try row.decode(column: "note", as: String?.self), reviewedBy: try row.decode(column: "reviewed_by", as: String?.self))
    }

    /// A quarter's route exceptions by date, source and line, a page at a time (the partial index on exceptions keeps
    /// this off the other lines); optionally one reseller's, one source's, or only those (not) reviewed.
    public func routeExceptionPage(
        _ quarter: Quarter, reseller: PartnerCode? = nil, source: String? = nil, reviewed: Bool? = nil, after cursor: String? = nil, limit: Int
    ) async throws -> KeyedPage<RouteExceptionListing> {
        try await requireInitialised()
        let currency = try await program(on: quarter.lastDay).program.currency
        var query = routeExceptionSelection(quarter, reseller: reseller, source: source, reviewed: reviewed)
        if let cursor {
            let parts = try KeyedPage<RouteExceptionListing>.key(of: cursor, parts: 3)
            query += """
                 AND (s.sale_date > \(bind: parts[0]) OR (s.sale_date = \(bind: parts[0]) AND (s.source \(unsafeRaw: byteOrder) > \(bind: parts[1])
                      OR (s.source = \(bind: parts[1]) AND s.line_id \(unsafeRaw: byteOrder) > \(bind: parts[2])))))
                """
        }
        query += " ORDER BY s.sale_date, s.source \(unsafeRaw: byteOrder), s.line_id \(unsafeRaw: byteOrder) LIMIT \(bind: limit + 1)"
        let rows = try await sql.raw(query).all().map { try routeExceptionListing($0, currency) }
        var next: String?
        if rows.count > limit {
            let last = rows[limit - 1]
            next = try KeyedPage<RouteExceptionListing>.cursor([last.date.description, last.source, last.lineID])
        }
        return KeyedPage(items: Array(rows.prefix(limit)), nextCursor: next)
    }

    /// One exception of the quarter as the queue lists it, or nil.
    func routeException(_ quarter: Quarter, source: String, lineID: String) async throws -> RouteExceptionListing? {
        let currency = try await program(on: quarter.lastDay).program.currency
        let query = routeExceptionSelection(quarter, reseller: nil, source: source, reviewed: nil) + " AND s.line_id = \(bind: lineID)"
        return try await sql.raw(query).first().map { try routeExceptionListing($0, currency) }
    }

    /// A quarter's route exceptions sorted by any of the queue's columns and paged, with how many match.
    public func routeExceptionTable(
        _ quarter: Quarter, reseller: PartnerCode? = nil, source: String? = nil, reviewed: Bool? = nil, _ slice: TableSlice<RouteExceptionColumn>
    ) async throws -> CountedPage<RouteExceptionListing> {
        try await requireInitialised()
        let currency = try await program(on: quarter.lastDay).program.currency
        let select = routeExceptionSelection(quarter, reseller: reseller, source: source, reviewed: reviewed)
        // Each line is keyed by its source and id.
        return try await sortedPage(select, slice, tiebreak: ["source", "line_id"]) { try routeExceptionListing($0, currency) }
    }

    /// The vendor accepts a route exception with a note. The line is not changed (its figures are the ledger's);
    /// the review is recorded once and audited.
    public func reviewRouteException(source: String, lineID: String, note: String, actor: String) async throws -> RouteExceptionListing {
        try await requireInitialised()
        guard !note.allSatisfy(\.isWhitespace) else { throw RouteExceptionReviewError.missingNote }
        try TextRules.require("note", note, maximumLength: 500)
        try TextRules.require("source", source, maximumLength: 64)
        try TextRules.require("lineId", lineID, maximumLength: 200)
        return try await transaction(locking: [.ledger]) {
            let line = try await openRouteException(source: source, lineID: lineID)
            try await recordRouteExceptionReview(source: source, lineID: lineID, note: note, actor: actor)
            try await audit(
                actor: actor, action: "review route exception", partner: PartnerID(try line.integer(1)), subject: "line \(lineID) of \(source)",
                before: "open", after: "accepted: \(note)")
            guard let listing = try await routeException(Quarter.parse(line.text(0)), source: source, lineID: lineID) else {
                throw RouteExceptionReviewError.notAnException(source: source, lineID: lineID)
            }
            return listing
        }
    }

    /// The stored exception `lineID` of `source` not reviewed yet: its quarter and reseller's id (refused otherwise).
    func openRouteException(source: String, lineID: String) async throws -> PlainRow {
        guard let line = try await plainRows(
            "SELECT quarter, reseller_id FROM sales_lines WHERE source = $1 AND line_id = $2 AND route_exception IS NOT NULL", [.text(source), .text(lineID)]
        ).first else { throw RouteExceptionReviewError.notAnException(source: source, lineID: lineID) }
        if let by = try await plainRows("SELECT reviewed_by FROM route_exception_reviews WHERE source = $1 AND line_id = $2", [.text(source), .text(lineID)]).first {
            throw RouteExceptionReviewError.alreadyReviewed(source: source, lineID: lineID, by: try by.text(0))
        }
        return line
    }

    /// Records the review of an exception (checked open by `openRouteException` in the same transaction).
    func recordRouteExceptionReview(source: String, lineID: String, note: String, actor: String) async throws {
        try await sql.raw(
            """
            INSERT INTO route_exception_reviews (source, line_id, note, reviewed_by, reviewed_at_us)
            VALUES (\(bind: source), \(bind: lineID), \(bind: note), \(bind: actor), \(bind: Self.nowMicroseconds()))
            """
        ).run()
    }
}
