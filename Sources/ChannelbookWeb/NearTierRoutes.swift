import ChannelbookCore
import ChannelbookStore
import Hummingbird

/// `/near-tier?quarter=2026Q1&within=10%`: eligible resellers close to their next rebate tier (vendor roles).
struct NearTierRoutes {
    let database: DatabasePool

    func register(on router: Router<WebContext>) {
        router.get("/near-tier") { request, context in
            _ = try context.requireVendor(json: false)
            let today = WebClock.today(context)
            let query = request.formQuery
            guard let quarter = query.get("quarter").map({ try? Quarter.parse($0) }) ?? Quarter(containing: today) else {
                throw WebError(.badRequest, "quarter: write it like 2026Q1", json: false)
            }
            let withinText = query.get("within") ?? QuarterEngine.defaultNearTierWithin.percentString
            guard let within = try? QuarterEngine.parseWithin(withinText) else {
                throw WebError(.badRequest, "within: '\(withinText)' is not a percentage such as 10%", json: false)
            }
            let rows = try await database.read { try await $0.nearTier(quarter, within: within, asOf: max(today, quarter.firstDay)) }
            let form = """
                <form method="get" action="/near-tier"><label>Quarter <input name="quarter" value="\(quarter)" size="7"></label>
                <label>within <input name="within" value="\(HTML.escape(within.percentString))" size="6"></label> <button>Show</button></form>
                """
            let body = rows.isEmpty
                ? "<p>No eligible reseller is within \(within.percentString) of its next tier in \(quarter).</p>"
                : Self.table(rows.map(Self.row).joined())
            return signedInPage("Near the next rebate tier", context, form + body)
        }
    }

    static func table(_ rows: String) -> String {
        "<table><thead><tr><th>partner</th><th>tier</th><th>basis so far</th><th>next tier from</th><th>shortfall</th><th>next rate</th></tr></thead><tbody>\(rows)</tbody></table>"
    }

    static func row(_ entry: NearTierRow) -> String {
        let progress = entry.progress
        let next = progress.next
        return "<tr><td><a href=\"/partners/\(HTML.escape(entry.partner.rawValue))\">\(HTML.escape(entry.partner.rawValue))</a></td>"
            + "<td>\(progress.tier?.rawValue ?? "")</td><td class=\"money\">\(HTML.escape(progress.basis.displayString))</td>"
            + "<td class=\"money\">\(HTML.escape(next?.from.displayString ?? ""))</td><td class=\"money\">\(HTML.escape(next?.shortfall?.displayString ?? ""))</td>"
            + "<td>\(next?.rate.percentString ?? "")</td></tr>"
    }
}
