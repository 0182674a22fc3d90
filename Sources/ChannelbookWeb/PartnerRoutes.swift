import ChannelbookCore
import ChannelbookStore
import Hummingbird

/// `/partners` (vendor): the list filtered by kind, tier and code, name or ABN, paged in SQL (the API's query), and
/// `/partners.csv`, every match streamed; `/partners/{code}`: tier history, distributors,
/// quarterly sales as a chart. A partner login may open only its own detail page.
struct PartnerRoutes {
    let database: DatabasePool

    func register(on router: Router<WebContext>) {
        router.get("/partners") { request, context in
            _ = try context.requireVendor(json: false)
            let filter = Filter(request)
            let page = try await database.read {
                try await $0.partnerPage(kind: filter.kind, tier: filter.tier, search: filter.search, after: filter.after, limit: Self.partnersPerPage)
            }
            return listPage(page, filter, context)
        }
        // Every partner the filter matches, streamed a thousand at a time: the same query as the page.
        router.get("/partners.csv") { request, context in
            _ = try context.requireVendor(json: false)
            let filter = Filter(request)
            let database = self.database
            return StreamedCSV.response(fileName: "partners.csv", header: ["code", "name", "kind", "tier", "abn"]) { cursor in
                let page = try await database.read {
                    try await $0.partnerPage(kind: filter.kind, tier: filter.tier, search: filter.search, after: cursor, limit: 1_000)
                }
                return (page.items.map { [$0.code.rawValue, $0.name, $0.kind.rawValue, $0.tier?.rawValue ?? "", $0.abn ?? ""] }, page.nextCursor)
            }
        }
        router.get("/partners/:code") { _, context in
            let user = try context.requireUser(json: false)
            let code = PartnerCode(rawValue: context.parameters.get("code") ?? "")
            if user.role == .partner && user.partner != code { throw WebError.notFound(json: false) }
            guard let detail = try await database.read({ try await $0.partnerDetail(code) }) else { throw WebError.notFound(json: false) }
            let reps = try await database.read { try await $0.enablementReps(of: code) }
            return detailPage(detail, try await database.read { try await $0.contacts(of: code) }, reps, context)
        }
    }

    static let partnersPerPage = 50

    /// The list's filter as the page's form sends it: kind, tier, a code, name or ABN, and where the page starts.
    struct Filter: Sendable {
        let kind: PartnerKind?
        let tier: ResellerTier?
        let search: String
        let after: String?

        init(_ request: Request) {
            let query = request.formQuery
            kind = query.get("kind").flatMap { PartnerKind(rawValue: String($0)) }
            tier = query.get("tier").flatMap { ResellerTier(rawValue: String($0)) }
            search = String((query.get("q") ?? "").prefix(200))
            after = query.get("after").flatMap { $0.isEmpty ? nil : String($0.prefix(40)) }
        }

        /// The filter as a query, without the page's start.
        var query: String {
            var parts: [String] = []
            if let kind { parts.append("kind=\(kind.rawValue)") }
            if let tier { parts.append("tier=\(tier.rawValue)") }
            if !search.isEmpty { parts.append("q=\(search.addingPercentEncodingForQuery())") }
            return parts.joined(separator: "&amp;")
        }
    }

    private func listPage(_ page: KeyedPage<PartnerListing>, _ filter: Filter, _ context: WebContext) -> Response {
        let rows = page.items.map { entry in
            "<tr><td><a href=\"/partners/\(HTML.escape(entry.code.rawValue))\">\(HTML.escape(entry.code.rawValue))</a></td><td>\(HTML.escape(entry.name))</td><td>\(entry.kind.rawValue)</td><td>\(entry.tier?.rawValue ?? "")</td><td>\(entry.abn.map(ABN.grouped) ?? "")</td></tr>"
        }.joined()
        func option(_ value: String, _ selected: Bool) -> String { "<option\(selected ? " selected" : "")>\(value)</option>" }
        let query = filter.query
        var body = """
            <form method="get" action="/partners" class="filters">
            <label>Kind <select name="kind"><option value="">any</option>\(PartnerKind.allCases.map { option($0.rawValue, $0 == filter.kind) }.joined())</select></label>
            <label>Tier <select name="tier"><option value="">any</option>\(ResellerTier.allCases.map { option($0.rawValue, $0 == filter.tier) }.joined())</select></label>
            <label>Code, name or ABN <input name="q" value="\(HTML.escape(filter.search))"></label> <button>Filter</button>
            <a href="/partners.csv\(query.isEmpty ? "" : "?" + query)">Export CSV</a></form>
            """
        if page.items.isEmpty {
            body += "<p>No partners\(query.isEmpty ? " yet: import them with <code>channelbook import partners FILE</code>" : " match the filter").</p>"
        } else {
            body += "<table><thead><tr><th>code</th><th>name</th><th>kind</th><th>tier</th><th>ABN</th></tr></thead><tbody>\(rows)</tbody></table>"
        }
        if let next = page.nextCursor {
            body += "<p><a href=\"/partners?\(query.isEmpty ? "" : query + "&amp;")after=\(next.addingPercentEncodingForQuery())\">Next \(Self.partnersPerPage) →</a></p>"
        }
        return signedInPage("Partners", context, body)
    }

    private func detailPage(
        _ detail: PartnerDetail, _ contacts: (accountManager: String?, maintenanceOfficer: String?), _ reps: [EnablementRep], _ context: WebContext
    ) -> Response {
        let record = detail.record
        let history = detail.tierHistory.map { entry in
            "<li>\(entry.tier.rawValue) from \(entry.from.year == 1 ? "the beginning" : entry.from.description)</li>"
        }.joined()
        var body = "<p>\(HTML.escape(record.name)) · \(record.kind.rawValue)\(record.abn.map { " · ABN \(ABN.grouped($0.digits))" } ?? "")</p>"
        if record.kind == .reseller {
            body += "<p>Account manager: \(contacts.accountManager.map(HTML.escape) ?? "not assigned")</p>"
        } else {
            body += "<p>Maintenance officer: \(contacts.maintenanceOfficer.map(HTML.escape) ?? "not assigned")</p>"
        }
        if !history.isEmpty { body += "<h2>Tier history</h2><ul>\(history)</ul>" }
        if !detail.distributors.isEmpty {
            body += "<h2>Buys through</h2><p>\(detail.distributors.map { HTML.escape($0.rawValue) }.joined(separator: ", "))</p>"
        }
        if !detail.quarterlySales.isEmpty {
            body += "<h2>Net sales per quarter</h2>"
                + SVGChart.bars(
                    detail.quarterlySales.map { ($0.quarter.description, $0.net.minorUnits, $0.net.displayString) },
                    title: "Net sales per quarter of \(record.code.rawValue)")
        }
        if record.kind == .reseller { body += EnablementRoutes.repsSection(reps) }
        return signedInPage("Partner \(record.code.rawValue)", context, body)
    }
}
