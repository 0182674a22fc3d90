import ChannelbookCore
import Foundation
import ChannelbookStore
import Hummingbird

/// `/matching`: the names distributors' reports give resellers that nothing resolves yet. The vendor's admin maps a
/// name to a reseller (its parked lines enter the ledger) or sets it aside; a distributor's login sees its own names
/// and suggests the partner each one is. What a login may see and do is `MatchingAccess`.
struct MatchingRoutes {
    let database: DatabasePool

    struct DecisionForm: Decodable {
        let csrf: String
        let source: String?
        let name: String?
        let partner: String?
        let reason: String?
    }

    func register(on router: Router<WebContext>) {
        router.get("/matching") { request, context in
            let (_, access) = try scope(context)
            let done = request.formQuery.get("done").map { String($0) }
            // `after` pages through the names (100 a page, in SQL); a cursor is a source and a name key, never shown as text.
            let after = request.formQuery.get("after").map { String($0) }.flatMap { (try? TextRules.require("after", $0, maximumLength: 500)) != nil ? $0 : nil }
            return try await page(
                access, request, context, notice: done.flatMap(Self.notices.index(forKey:)).map { Self.notices[$0].value }, problem: nil, after: after)
        }
        // Every parked name this login sees, in the page's order (source, then name), as CSV: read by cursor in SQL,
        // 500 at a time, however many there are.
        router.get("/matching/parked.csv") { _, context in
            let (_, access) = try scope(context)
            let database = self.database
            let currency = try await database.read { try await $0.latestProgram().program.currency }
            return StreamedCSV.response(
                fileName: "parked-names.csv", header: ["source", "reseller_as_written", "lines", "amount", "first_date", "last_date", "likely_partner"]
            ) { cursor in
                let names = try await database.read { try await $0.parkedNames(source: access.source, after: cursor, limit: 500) }
                let rows = names.map { name in
                    [
                        name.source, name.writtenAs, String(name.lines), Money(minorUnits: name.amountMinor, currency: currency).decimalString, name.firstDate,
                        name.lastDate, name.suggestion?.rawValue ?? "",
                    ]
                }
                return (rows, names.count == 500 ? names.last?.cursor : nil)
            }
        }
        // The decided names with the page's order, as CSV; a distributor's own, without the vendor's staff's names.
        router.get("/matching/decided.csv") { request, context in
            let (_, access) = try scope(context)
            let order = Self.decisionOrder(request, access), database = self.database
            return StreamedCSV.sortedTable(fileName: "decided-names.csv", header: ["source", "name", "partner", "set_aside", "decided_by", "decided_at"], order: order) { slice in
                try await database.read { try await $0.resellerNameDecisionTable(source: access.source, slice) }
            } row: {
                [$0.source, $0.writtenAs, $0.partner?.rawValue ?? "", $0.ignoreReason ?? "", Self.decidedBy($0, access), $0.decidedAt]
            }
        }
        router.post("/matching/map") { request, context in
            try await decide(request, context, forbidden: { !$0.mayDecide }, field: "partner") { form, user, database in
                _ = try await database.mapResellerName(source: form.source ?? "", name: form.name ?? "", to: PartnerCode(form.partner ?? ""), actor: user.email)
                return "mapped"
            }
        }
        router.post("/matching/ignore") { request, context in
            try await decide(request, context, forbidden: { !$0.mayDecide }, field: "reason") { form, user, database in
                try await database.ignoreResellerName(source: form.source ?? "", name: form.name ?? "", reason: form.reason ?? "", actor: user.email)
                return "ignored"
            }
        }
        router.post("/matching/suggest") { request, context in
            try await decide(request, context, forbidden: { !$0.maySuggest }, field: "partner") { form, user, database in
                // A distributor suggests for its own source only, whatever the form says.
                try await database.suggestPartner(source: user.partner?.rawValue ?? "", name: form.name ?? "", partner: PartnerCode(form.partner ?? ""), actor: user.email)
                return "suggested"
            }
        }
    }

    private static let notices = ["mapped": "Mapped: the name's parked lines are in the ledger now.", "ignored": "Set aside: the name's lines stay out of the ledger.",
                                  "suggested": "Suggestion sent: the vendor's channel team decides."]

    private func scope(_ context: WebContext) throws -> (SignedInUser, MatchingAccess) {
        let user = try context.requireUser(json: false)
        guard let access = MatchingAccess.of(user) else { throw WebError.notFound(json: false) }
        return (user, access)
    }

    /// One path for the three decisions: the login's right, the CSRF token, then the action; a refusal is shown on the page.
    private func decide(
        _ request: Request, _ context: WebContext, forbidden: (MatchingAccess) -> Bool, field: String,
        _ action: @escaping @Sendable (DecisionForm, SignedInUser, ChannelbookDatabase) async throws -> String
    ) async throws -> Response {
        let (user, access) = try scope(context)
        guard !forbidden(access) else { throw WebError(.forbidden, "this login may not do that with reseller names", json: false) }
        let form = try await FormRoutes.decodeForm(DecisionForm.self, request, context)
        try context.checkCSRF(form.csrf)
        do {
            let done = try await database.write { try await action(form, user, $0) }
            return Response.redirect(to: "/matching?done=\(done)", type: .normal)
        } catch let refusal where FormInput.isRefusal(refusal) {
            var response = try await page(access, request, context, notice: nil, problem: "\(form.name ?? ""): \(refusal)")
            response.status = .badRequest
            return response
        }
    }

    static let pageSize = 100

    /// The decided names' order; a distributor may not sort by who decided.
    private static func decisionOrder(_ request: Request, _ access: MatchingAccess) -> TableOrder<NameDecisionColumn> {
        TableOrder(request, path: "/matching", default: .source, descending: false) { access.source == nil || $0 != .by }
    }

    /// Who decided, as this login may know it: a distributor sees that the vendor decided, not which of its staff.
    private static func decidedBy(_ decision: ResellerNameDecisionView, _ access: MatchingAccess) -> String {
        staffName(decision.decidedBy, seenByVendor: access.source == nil)
    }

    /// The page from `matching.mustache`: the parked names with the forms this login may use, a page at a time, then
    /// the decided names' table.
    private func page(
        _ access: MatchingAccess, _ request: Request, _ context: WebContext, notice: String?, problem: String?, after: String? = nil
    ) async throws -> Response {
        let names = try await database.read { try await $0.parkedNames(source: access.source, after: after, limit: Self.pageSize) }
        let order = Self.decisionOrder(request, access)
        let decisions = try await database.read { try await $0.resellerNameDecisionTable(source: access.source, order.slice) }
        let currency = try await database.read { try await $0.latestProgram().program.currency }
        var notices: [[String: Any]] = []
        if let notice { notices.append(["message": notice, "isError": false]) }
        if let problem { notices.append(["message": problem, "isError": true]) }
        var values: [String: Any] = [
            "csrf": context.session?.csrfToken ?? "", "notices": notices, "mayDecide": access.mayDecide, "maySuggest": access.maySuggest,
            "hasNames": !names.isEmpty, "isLaterPage": after != nil, "pageSize": "\(Self.pageSize)", "hasDecisions": decisions.total > 0,
            "names": names.enumerated().map { index, name -> [String: Any] in
                let amount = Templates.money(Money(minorUnits: name.amountMinor, currency: currency))
                let suggested = name.suggestion.map { $0.rawValue + (name.suggestedBy.map { " (suggested by \($0))" } ?? " (same name or ABN)") } ?? ""
                return [
                    "index": "\(index)", "source": name.source, "writtenAs": name.writtenAs, "lines": "\(name.lines)", "amount": amount,
                    "firstDate": name.firstDate, "lastDate": name.lastDate, "suggestion": name.suggestion?.rawValue ?? "", "suggested": suggested,
                ]
            },
        ]
        if names.count == Self.pageSize, let last = names.last {
            values["nextHref"] = "/matching?after=" + (last.cursor.addingPercentEncoding(withAllowedCharacters: .alphanumerics) ?? "")
        }
        // A distributor sees what was decided and when, not which of the vendor's staff decided it (nor sorts by it).
        if decisions.total > 0 {
            values["decided"] = DataTable(
                label: "Decided names",
                columns: [
                    .init(heading: "Source", sort: "source"), .init(heading: "Name", sort: "name"), .init(heading: "Partner", sort: "partner"),
                    .init(heading: "By", sort: access.source == nil ? "by" : nil), .init(heading: "At", sort: "at"),
                ],
                rows: decisions.items.map { decision in
                    [
                        .text(decision.source), .text(decision.writtenAs), .text(decision.partner?.rawValue ?? "set aside: \(decision.ignoreReason ?? "")"),
                        .text(Self.decidedBy(decision, access)), .text(decision.decidedAt),
                    ]
                },
                empty: "No decided names.", order: order, pager: order.pager(total: decisions.total), csv: order.href(at: "/matching/decided.csv")
            ).html()
        }
        return signedInPage("Reseller names", context, Templates.render(.matching, values))
    }
}
