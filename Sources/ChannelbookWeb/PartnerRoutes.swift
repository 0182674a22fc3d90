import ChannelbookCore
import ChannelbookStore
import Hummingbird

/// `/partners` (vendor): the list filtered by kind, tier and code, name or ABN, sorted by any column and paged in SQL,
/// and `/partners.csv`, every match in the same order, streamed; `/partners/{code}`: tier history, distributors,
/// quarterly sales as a chart. A partner login may open only its own detail page.
struct PartnerRoutes {
    let database: DatabasePool

    func register(on router: Router<WebContext>) {
        router.get("/partners") { request, context in
            _ = try context.requireVendor(json: false)
            let filter = Filter(request), order = Self.order(request)
            let page = try await database.read {
                try await $0.partnerTable(kind: filter.kind, tier: filter.tier, search: filter.search, order.slice)
            }
            return listPage(page, filter, order, context)
        }
        // Every partner the list shows, in its order.
        router.get("/partners.csv") { request, context in
            _ = try context.requireVendor(json: false)
            let filter = Filter(request), order = Self.order(request), database = self.database
            return StreamedCSV.sortedTable(fileName: "partners.csv", header: ["code", "name", "kind", "tier", "abn"], order: order) { slice in
                try await database.read { try await $0.partnerTable(kind: filter.kind, tier: filter.tier, search: filter.search, slice) }
            } row: {
                [$0.code.rawValue, $0.name, $0.kind.rawValue, $0.tier?.rawValue ?? "", $0.abn ?? ""]
            }
        }
        router.get("/partners/:code") { _, context in
            let user = try context.requireUser(json: false)
            let code = PartnerCode(rawValue: context.parameters.get("code") ?? "")
            if user.role == .partner && user.partner != code { throw WebError.notFound(json: false) }
            guard let detail = try await database.read({ try await $0.partnerDetail(code) }) else { throw WebError.notFound(json: false) }
            let (reps, contacts, statements) = try await database.read { database in
                (try await database.enablementReps(of: code), try await database.contacts(of: code), try await database.statements(ofPartner: code))
            }
            return detailPage(detail, contacts, reps, statements, user, context)
        }
    }

    /// A partner's page: its code percent-encoded, as a code may hold any character a path may not.
    static func path(_ code: PartnerCode) -> String { "/partners/\(code.rawValue.addingPercentEncodingForQuery())" }

    /// The order the list is shown in, as the request asks: by code unless told otherwise.
    private static func order(_ request: Request) -> TableOrder<PartnerColumn> { TableOrder(request, path: "/partners", default: .code, descending: false) }

    /// The list's filter as the page's form sends it: kind, tier, and a code, name or ABN.
    struct Filter: Sendable {
        let kind: PartnerKind?
        let tier: ResellerTier?
        let search: String

        init(_ request: Request) {
            let query = request.formQuery
            kind = query.get("kind").flatMap { PartnerKind(rawValue: String($0)) }
            tier = query.get("tier").flatMap { ResellerTier(rawValue: String($0)) }
            search = String((query.get("q") ?? "").prefix(200))
        }

        var isEmpty: Bool { kind == nil && tier == nil && search.isEmpty }
    }

    private func listPage(_ page: CountedPage<PartnerListing>, _ filter: Filter, _ order: TableOrder<PartnerColumn>, _ context: WebContext) -> Response {
        var body = FormHTML.filters(
            action: "/partners",
            [
                FormHTML.select("kind", "Kind", FormHTML.options(PartnerKind.allCases), selected: filter.kind?.rawValue ?? "", problem: nil, id: "filter-kind"),
                FormHTML.select("tier", "Tier", FormHTML.options(ResellerTier.allCases), selected: filter.tier?.rawValue ?? "", problem: nil, id: "filter-tier"),
                FormHTML.input("q", "Code, name or ABN", nil, size: 20, fallback: filter.search, id: "filter-q"),
            ], button: "Filter")
        body += DataTable(
            label: "Partners",
            columns: [
                .init(heading: "Code", sort: "code"), .init(heading: "Name", sort: "name"), .init(heading: "Kind", sort: "kind"),
                .init(heading: "Tier", sort: "tier"), .init(heading: "ABN", sort: "abn"),
            ],
            rows: page.items.map { entry in
                [
                    .text(entry.code.rawValue, link: Self.path(entry.code)), .text(entry.name),
                    .text(entry.kind.rawValue), .text(entry.tier?.rawValue ?? ""), .text(entry.abn.map(ABN.grouped) ?? ""),
                ]
            },
            empty: filter.isEmpty ? "No partners yet: import them with channelbook import partners FILE." : "No partner matches the filter.",
            order: order, pager: order.pager(total: page.total), csv: order.href(at: "/partners.csv")
        ).html()
        return signedInPage("Partners", context, body)
    }

    private func detailPage(
        _ detail: PartnerDetail, _ contacts: (accountManager: String?, maintenanceOfficer: String?), _ reps: [EnablementRep],
        _ statements: [StatementView], _ user: SignedInUser, _ context: WebContext
    ) -> Response {
        let record = detail.record
        var values: [String: Any] = [
            "name": record.name, "kind": record.kind.rawValue, "isReseller": record.kind == .reseller,
            "hasTiers": !detail.tierHistory.isEmpty,
            // The first tier "from the beginning" is stored as year 1.
            "tiers": detail.tierHistory.map { entry -> [String: Any] in
                entry.from.year == 1 ? ["tier": entry.tier.rawValue] : ["tier": entry.tier.rawValue, "from": Templates.date(entry.from)]
            },
            "hasDistributors": !detail.distributors.isEmpty,
            "distributors": detail.distributors.enumerated().map { index, code -> [String: Any] in
                ["code": code.rawValue, "last": index == detail.distributors.count - 1]
            },
            "reps": record.kind == .reseller ? EnablementRoutes.repsSection(reps) : "",
            "statements": record.kind == .reseller ? DashboardRoutes.statementsTable(statements, label: "Statements of \(record.code.rawValue)", empty: "No statements yet.") : "",
        ]
        // The vendor's ways into this partner's lists, each filtered to it.
        if user.role.isVendor {
            let code = record.code.rawValue.addingPercentEncodingForQuery()
            values["hasLists"] = true
            values["lists"] = [["href": "/referrals?partner=\(code)", "label": "Referrals"]]
                + (record.kind == .reseller ? [["href": "/mdf?partner=\(code)", "label": "MDF requests"]] : [])
        }
        if let abn = record.abn { values["abn"] = ABN.grouped(abn.digits) }
        if let manager = contacts.accountManager { values["accountManager"] = manager }
        if let officer = contacts.maintenanceOfficer { values["maintenanceOfficer"] = officer }
        if !detail.quarterlySales.isEmpty {
            values["chart"] = SVGChart.bars(
                detail.quarterlySales.map { ($0.quarter.description, $0.net.minorUnits, $0.net.displayString) },
                title: "Net sales per quarter of \(record.code.rawValue)")
        }
        return signedInPage("Partner \(record.code.rawValue)", context, Templates.render(.partner, values), crumbs: user.role.isVendor ? [("/partners", "Partners")] : [])
    }
}
