import ChannelbookCore
import ChannelbookStore
import Hummingbird

/// `/partners` (vendor): the list, filtered and paginated; `/partners/{code}`: tier history, distributors,
/// quarterly sales as a chart. A partner login may open only its own detail page.
struct PartnerRoutes {
    let database: DatabasePool

    func register(on router: Router<WebContext>) {
        router.get("/partners") { request, context in
            _ = try context.requireVendor(json: false)
            let query = request.formQuery
            let kind = query.get("kind").flatMap(PartnerKind.init(rawValue:))
            let tier = query.get("tier").flatMap(ResellerTier.init(rawValue:))
            let search = query.get("q").map { String($0) } ?? ""
            let partners = Pagination(try await database.read { try await $0.partners(kind: kind, tier: tier, search: search) }, request: request)
            return listPage(partners, request, kind: kind, tier: tier, search: search, context)
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

    private func listPage(
        _ partners: Pagination<(record: PartnerRecord, tier: ResellerTier?)>, _ request: Request, kind: PartnerKind?, tier: ResellerTier?,
        search: String, _ context: WebContext
    ) -> Response {
        let rows = partners.items.map { entry in
            "<tr><td><a href=\"/partners/\(HTML.escape(entry.record.code.rawValue))\">\(HTML.escape(entry.record.code.rawValue))</a></td><td>\(HTML.escape(entry.record.name))</td><td>\(entry.record.kind.rawValue)</td><td>\(entry.tier?.rawValue ?? "")</td><td>\(entry.record.abn.map { ABN.grouped($0.digits) } ?? "")</td></tr>"
        }.joined()
        func option(_ value: String, _ selected: Bool) -> String { "<option\(selected ? " selected" : "")>\(value)</option>" }
        let filters = """
            <form method="get" action="/partners">
            <label>Kind <select name="kind"><option value=""></option>\(PartnerKind.allCases.map { option($0.rawValue, $0 == kind) }.joined())</select></label>
            <label>Tier <select name="tier"><option value=""></option>\(ResellerTier.allCases.map { option($0.rawValue, $0 == tier) }.joined())</select></label>
            <label>Code or name <input name="q" value="\(HTML.escape(search))"></label> <button>Filter</button></form>
            """
        return signedInPage(
            "Partners", context,
            filters + "<table><thead><tr><th>code</th><th>name</th><th>kind</th><th>tier</th><th>ABN</th></tr></thead><tbody>\(rows)</tbody></table>"
                + partners.pager(request, noun: "partners"))
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
