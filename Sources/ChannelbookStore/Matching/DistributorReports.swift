import ChannelbookCore
import SQLKit

extension ChannelbookDatabase {
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
