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

    /// How many of a source's lines are route exceptions in each quarter, newest quarter first.
    public func routeExceptionCounts(source: String) async throws -> [(quarter: Quarter, count: Int)] {
        try await requireInitialised()
        return try await plainRows(
            "SELECT quarter, COUNT(*) FROM sales_lines WHERE route_exception IS NOT NULL AND source = $1 GROUP BY quarter ORDER BY quarter DESC", [.text(source)]
        ).map { (try Quarter.parse(try $0.text(0)), Int(try $0.integer(1))) }
    }

    /// How many names a source's parked lines (not set aside) wait under: counted in SQL, whatever their number.
    public func parkedNameCount(source: String) async throws -> Int {
        try await requireInitialised()
        return Int(try await plainRows(
            "SELECT COUNT(*) FROM (SELECT DISTINCT name_key FROM parked_sales_lines WHERE ignored = 0 AND source = $1) names", [.text(source)]
        ).first?.integer(0) ?? 0)
    }
}
