import ChannelbookCore
import SQLKit

/// A distributor's resellers' sales through it in one quarter (from the per-quarter totals kept at import).
public struct SellThroughRow: Sendable, Equatable {
    public let quarter: String
    public let reseller: PartnerCode
    public let resellerName: String
    public let lines: Int64
    public let amount: Money
}

extension ChannelbookDatabase {
    /// A source's sell-through by quarter (newest first) and reseller, from `sales_totals`: never a scan of the lines.
    public func sellThrough(source: String, limit: Int = 1000) async throws -> [SellThroughRow] {
        try await requireInitialised()
        let currency = try await latestProgram().program.currency
        return try await sql.raw(
            """
            SELECT t.quarter, p.code, p.name, CAST(SUM(t.line_count) AS BIGINT) AS lines, CAST(SUM(t.amount_minor) AS BIGINT) AS amount
            FROM sales_totals t JOIN partners p ON p.id = t.reseller_id WHERE t.source = \(bind: source)
            GROUP BY t.quarter, p.code, p.name ORDER BY t.quarter DESC, p.code LIMIT \(bind: min(max(limit, 1), 5000))
            """
        ).all().map { row in
            SellThroughRow(
                quarter: try row.decode(column: "quarter", as: String.self), reseller: PartnerCode(try row.decode(column: "code", as: String.self)),
                resellerName: try row.decode(column: "name", as: String.self), lines: try row.decode(column: "lines", as: Int64.self),
                amount: Money(minorUnits: try row.decode(column: "amount", as: Int64.self), currency: currency))
        }
    }

    /// A source's lines flagged as route exceptions, newest first (the exceptions index holds only flagged lines).
    public func routeExceptions(source: String, limit: Int = 200) async throws -> [RouteExceptionRow] {
        try await requireInitialised()
        let currency = try await latestProgram().program.currency
        return try await sql.raw(
            """
            SELECT p.code, s.sale_date, s.source, s.line_id, s.amount_minor, s.route_exception
            FROM sales_lines s JOIN partners p ON p.id = s.reseller_id
            WHERE s.route_exception IS NOT NULL AND s.source = \(bind: source)
            ORDER BY s.sale_date DESC, s.line_id LIMIT \(bind: min(max(limit, 1), 1000))
            """
        ).all().map { try RouteExceptionRow($0, currency: currency) }
    }
}
