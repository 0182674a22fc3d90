import ChannelbookCore
import SQLKit

extension ChannelbookDatabase {
    /// Judges again the route of every stored line of `resellers`, on the tier history and distributor links as
    /// they now stand, and updates the lines whose verdict changed. Called in the transaction that changed a
    /// reseller's tiers or links, so a back-dated tier change flags the lines that now break the route and
    /// clears those that no longer do.
    /// - Returns: how many lines changed verdict.
    func reevaluateRoutes(of resellers: Set<PartnerID>, _ directory: PartnerDirectory) async throws -> Int {
        guard !resellers.isEmpty else { return 0 }
        var distributorIDs: [String: PartnerID] = [:]
        for record in directory.byID.values where record.kind == .distributor { distributorIDs[record.code.rawValue] = record.id }
        var changes: [(source: String, lineID: String, verdict: RouteException?)] = []
        for chunk in resellers.sorted(by: { $0.rawValue < $1.rawValue }).chunked(500) {
            let rows = try await plainRows(
                """
                SELECT reseller_id, source, line_id, sale_date, route_exception FROM sales_lines
                WHERE reseller_id IN (\(chunk.map { String($0.rawValue) }.joined(separator: ", ")))
                """)
            for row in rows {
                let reseller = PartnerID(try row.integer(0))
                let source = try row.text(1)
                let verdict = RouteException.judge(
                    tier: directory.tier(of: reseller, on: try BusinessDate.parse(row.text(3))),
                    distributor: source == "DIRECT" ? nil : distributorIDs[source], linked: directory.distributorsOf[reseller] ?? [])
                if verdict?.rawValue != (try row.optionalText(4)) { changes.append((source, try row.text(2), verdict)) }
            }
        }
        for chunk in changes.chunked(300) {
            var values = SQLQueryString("")
            for (index, change) in chunk.enumerated() {
                if index > 0 { values.appendLiteral(", ") }
                values.appendInterpolation("(\(bind: change.source), \(bind: change.lineID), \(bind: change.verdict?.rawValue ?? ""))" as SQLQueryString)
            }
            try await sql.raw(
                """
                UPDATE sales_lines SET route_exception = NULLIF(v.verdict, '')
                FROM (SELECT column1 AS source, column2 AS line_id, column3 AS verdict FROM (VALUES \(values)) AS t) AS v
                WHERE sales_lines.source = v.source AND sales_lines.line_id = v.line_id
                """
            ).run()
        }
        return changes.count
    }
}
