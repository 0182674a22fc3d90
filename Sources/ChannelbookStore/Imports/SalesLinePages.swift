import ChannelbookCore
import Foundation
import SQLKit

/// A stored sales line as the API lists it.
public struct SalesLineListing: Sendable, Equatable {
    public let source: String
    public let lineID: String
    public let date: BusinessDate
    public let reseller: PartnerCode
    public let customer: String
    public let sku: String
    public let category: String
    public let seats: Int64
    public let amount: Money
    public let routeException: RouteException?
}

extension ChannelbookDatabase {
    /// A quarter's stored lines in key order (source, then line id), a page at a time, optionally one reseller's or one
    /// source's. No index is kept for a reseller's lines — one would cost every import more than the lines' own
    /// storage (BENCHMARKS.md, "Listing a partner's lines") — so a page reads the table in key order until it is full:
    /// quick for a reseller with lines, a scan of the quarter's table for one with few (a reseller with none in the
    /// quarter is told so from the totals, at once).
    public func salesLinePage(
        _ quarter: Quarter, reseller: PartnerCode? = nil, source: String? = nil, after cursor: String? = nil, limit: Int
    ) async throws -> KeyedPage<SalesLineListing> {
        try await requireInitialised()
        let currency = try await program(on: quarter.lastDay).program.currency
        var query = SQLQueryString(
            """
            SELECT s.source, s.line_id, s.sale_date, p.code, s.customer, s.sku, s.category, s.seats, s.amount_minor, s.route_exception
            FROM sales_lines s JOIN partners p ON p.id = s.reseller_id WHERE s.quarter = \(bind: quarter.description)
            """)
        if let reseller {
            guard let id = try await partnerID(reseller)?.rawValue else { return KeyedPage(items: [], nextCursor: nil) }
            guard try await !plainRows("SELECT 1 FROM sales_totals WHERE quarter = $1 AND reseller_id = $2 LIMIT 1", [.text(quarter.description), .integer(id)]).isEmpty
            else { return KeyedPage(items: [], nextCursor: nil) }
            query.appendInterpolation(" AND s.reseller_id = \(bind: id)" as SQLQueryString)
        }
        if let source { query.appendInterpolation(" AND s.source = \(bind: source)" as SQLQueryString) }
        if let cursor {
            let parts = try KeyedPage<SalesLineListing>.key(of: cursor, parts: 2)
            query.appendInterpolation(
                " AND (s.source \(unsafeRaw: byteOrder) > \(bind: parts[0]) OR (s.source = \(bind: parts[0]) AND s.line_id \(unsafeRaw: byteOrder) > \(bind: parts[1])))"
                    as SQLQueryString)
        }
        query.appendInterpolation(" ORDER BY s.source \(unsafeRaw: byteOrder), s.line_id \(unsafeRaw: byteOrder) LIMIT \(bind: limit + 1)" as SQLQueryString)
        let rows = try await sql.raw(query).all().map { row in
            SalesLineListing(
                source: try row.decode(column: "source", as: String.self), lineID: try row.decode(column: "line_id", as: String.self),
                date: try BusinessDate.parse(row.decode(column: "sale_date", as: String.self)),
                reseller: PartnerCode(rawValue: try row.decode(column: "code", as: String.self)), customer: try row.decode(column: "customer", as: String.self),
                sku: try row.decode(column: "sku", as: String.self), category: try row.decode(column: "category", as: String.self),
                seats: try row.decode(column: "seats", as: Int64.self),
                amount: Money(minorUnits: try row.decode(column: "amount_minor", as: Int64.self), currency: currency),
                routeException: try row.decode(column: "route_exception", as: String?.self).flatMap(RouteException.init(rawValue:)))
        }
        var next: String?
        if rows.count > limit { next = try KeyedPage<SalesLineListing>.cursor([rows[limit - 1].source, rows[limit - 1].lineID]) }
        return KeyedPage(items: Array(rows.prefix(limit)), nextCursor: next)
    }
}
