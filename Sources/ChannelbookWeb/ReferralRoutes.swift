import ChannelbookCore
import ChannelbookStore
import Foundation
import Hummingbird

/// Referrals in the browser: the list (a partner sees its own), registration, and each referral's page with its
/// customer, identifiers, duplicate attempts (vendor only) and history, from which the vendor approves, rejects,
/// records a loss or a win. A win shows its fee before it is confirmed. Refusals are shown beside their field with
/// what was typed kept.
struct ReferralRoutes {
    let database: DatabasePool

    struct RegisterForm: Decodable {
        let csrf: String
        let customer: String?
        let abn: String?
        let domain: String?
        let contact: String?
        /// Text, as browsers send an empty field for an empty number input.
        let seats: String?
        let sku: String?
        let notes: String?
        /// Vendor roles register on a partner's behalf; partner logins always for their own partner.
        let partner: String?
    }

    struct ActionForm: Decodable {
        let csrf: String
        let fulfiller: String?
        let reason: String?
        let sku: String?
        let seats: String?
        let closedOn: String?
        let confirm: String?
    }

    func register(on router: Router<WebContext>) {
        router.get("/referrals") { request, context in
            let user = try context.requireUser(json: false)
            return try await listPage(user, request, context, problem: nil)
        }
        router.get("/referrals.csv") { request, context in
            listCSV(try context.requireUser(json: false), request, context)
        }
        router.post("/referrals") { request, context in
            let user = try context.require(.registerReferral)
            let form = try await FormRoutes.decodeForm(RegisterForm.self, request, context)
            try context.checkCSRF(form.csrf)
            let typed = [
                "customer": form.customer ?? "", "abn": form.abn ?? "", "domain": form.domain ?? "", "contact": form.contact ?? "",
                "seats": form.seats ?? "", "sku": form.sku ?? "", "notes": form.notes ?? "", "partner": form.partner ?? "",
            ]
            do {
                var seats: Int64?
                if let text = form.seats.nonEmpty {
                    guard let number = Int64(text) else { throw FormInput.FieldRefusal("seats", "expected seats must be a whole number") }
                    seats = number
                }
                guard let partner = user.role == .partner ? user.partner : form.partner.nonEmpty.map({ PartnerCode(rawValue: String($0.prefix(40))) }) else {
                    throw FormInput.FieldRefusal("partner", "choose the partner the referral is for")
                }
                var referral = ReferralRequest(partner: partner, customer: form.customer ?? "", abn: form.abn.nonEmpty, domain: form.domain.nonEmpty)
                referral.contact = form.contact ?? ""
                referral.expectedSeats = seats
                referral.sku = form.sku.nonEmpty.map { SKU(rawValue: $0) }
                referral.notes = form.notes ?? ""
                let id = try await database.write { try await $0.registerReferral(referral, on: WebClock.today(context), actor: user.email) }
                return FormHTML.redirect(to: "/referrals/\(id.rawValue)", done: "Referral \(id.reference) registered.", context)
            } catch let failure as DatabaseFailure {
                throw WebError(failure, json: false)
            } catch let refusal where FormInput.isRefusal(refusal) {
                return try await listPage(user, request, context, problem: Self.problem("register", refusal, typed))
            }
        }
        router.get("/referrals/:id") { request, context in
            let user = try context.requireUser(json: false)
            return try await detailPage(try await visible(user, context), user, request, context, problem: nil)
        }
        router.post("/referrals/:id/:action") { request, context in
            let user = try context.require(.reviewReferrals)
            let form = try await FormRoutes.decodeForm(ActionForm.self, request, context)
            try context.checkCSRF(form.csrf)
            let referral = try await visible(user, context)
            let action = context.parameters.get("action") ?? ""
            let today = WebClock.today(context), id = referral.id
            let typed = [
                "fulfiller": form.fulfiller ?? "", "reason": form.reason ?? "", "sku": form.sku ?? "", "seats": form.seats ?? "",
                "closedOn": form.closedOn ?? "",
            ]
            do {
                let done: String
                switch action {
                case "approve":
                    try await database.write { try await $0.approveReferral(id, fulfiller: form.fulfiller.nonEmpty, on: today, actor: user.email) }
                    done = "Referral \(id.reference) approved: the customer is protected until it expires."
                case "reject":
                    try await database.write { try await $0.rejectReferral(id, reason: form.reason ?? "", on: today, actor: user.email) }
                    done = "Referral \(id.reference) rejected."
                case "lose":
                    try await database.write { try await $0.loseReferral(id, reason: form.reason ?? "", on: today, actor: user.email) }
                    done = "Referral \(id.reference) closed as lost."
                case "close":
                    guard let seats = form.seats.nonEmpty.flatMap({ Int64($0) }) else { throw FormInput.FieldRefusal("seats", "seats must be a whole number") }
                    let date = try FormInput.date("closedOn", form.closedOn)
                    let sku = SKU(rawValue: String((form.sku ?? "").prefix(64)))
                    // The fee first: a win is recorded only once the person has seen what it earns.
                    guard form.confirm == "yes" else {
                        let preview = try await database.read {
                            try await $0.previewReferralWin(id, sku: sku, seats: seats, on: date, fulfiller: form.fulfiller.nonEmpty, today: today)
                        }
                        return winConfirmation(referral, preview, typed, context)
                    }
                    let outcome = try await database.write {
                        try await $0.closeReferral(id, sku: sku, seats: seats, on: date, fulfiller: form.fulfiller.nonEmpty, actor: user.email, today: today)
                    }
                    done = "Referral \(id.reference) won: a fee of \(outcome.fee.amount.displayString) on \(outcome.partner.rawValue)'s \(outcome.quarter) statement."
                default:
                    throw WebError.notFound(json: false)
                }
                return FormHTML.redirect(to: "/referrals/\(id.rawValue)", done: done, context)
            } catch let failure as DatabaseFailure {
                throw WebError(failure, json: false)
            } catch let refusal where FormInput.isRefusal(refusal) {
                return try await detailPage(referral, user, request, context, problem: Self.problem(action, refusal, typed))
            }
        }
    }

    /// The referral, if this login may see it: the vendor any, a partner its own (another's is a 404, as if it did not exist).
    private func visible(_ user: SignedInUser, _ context: WebContext) async throws -> ReferralView {
        // `/referrals/REG-12` as well as `/referrals/12`: the id people read is the one they may type.
        guard let id = context.parameters.get("id").flatMap(ReferralID.init(reference:)) else { throw WebError.notFound(json: false) }
        let referral: ReferralView
        do { referral = try await database.read { try await $0.referral(id, asOf: WebClock.today(context)) } } catch ReferralError.notFound {
            throw WebError.notFound(json: false)
        }
        guard user.role.isVendor || referral.partner == user.partner else { throw WebError.notFound(json: false) }
        return referral
    }

    // MARK: Pages

    private func listPage(_ user: SignedInUser, _ request: Request, _ context: WebContext, problem: FormProblem?) async throws -> Response {
        let filter = Self.filter(user, request)
        let order = Self.order(request)
        let page = try await database.read { try await $0.referralTable(filter, asOf: WebClock.today(context), order.slice) }
        var values: [String: Any] = ["notices": FormHTML.notices(request, context, problem), "filters": Self.filterForm(user, filter)]
        let table = DataTable(
            label: "Referrals",
            columns: [
                .init(heading: "Referral", sort: "id"), .init(heading: "Partner", sort: "partner"), .init(heading: "Customer", sort: "customer"),
                .init(heading: "Status", sort: "status"), .init(heading: "Registered", sort: "registered"), .init(heading: "Protected until", sort: "expires"),
            ],
            rows: page.items.map { referral in
                let link = "/referrals/\(referral.id.rawValue)"
                return [
                    .text(referral.id.reference, link: link), .text(referral.partner.rawValue), .text(referral.customer, link: link),
                    .text(referral.status.rawValue), .date(referral.registeredOn), .date(referral.expiresOn),
                ]
            },
            empty: filter.status == nil && filter.customer == nil ? "No referrals yet." : "No referral matches these filters.",
            order: order, pager: order.pager(total: page.total), csv: order.href(at: "/referrals.csv"))
        values["table"] = table.html()
        if user.role.may(.registerReferral) {
            let partners = user.role == .partner ? [] : try await database.read { try await $0.partners(kind: .reseller) }.map(\.record)
            var register = Self.registerFields(user, partners, problem?.form == "register" ? problem : nil)
            register["csrf"] = context.session?.csrfToken ?? ""
            values["register"] = register
        }
        return signedInPage("Referrals", context, Templates.render(.referrals, values)).withStatus(problem == nil ? .ok : .badRequest)
    }

    /// Every referral the list shows with its filters and order, as CSV.
    private func listCSV(_ user: SignedInUser, _ request: Request, _ context: WebContext) -> Response {
        let filter = Self.filter(user, request), today = WebClock.today(context), database = self.database
        let header = ["referral", "partner", "customer", "abn", "domain", "status", "registered_on", "expires_on", "fulfiller", "ended_on"]
        let order = Self.order(request)
        return StreamedCSV.sortedTable(fileName: "referrals.csv", header: header, order: order) { slice in
            try await database.read { try await $0.referralTable(filter, asOf: today, slice) }
        } row: {
            [$0.id.reference, $0.partner.rawValue, $0.customer, $0.abn ?? "", $0.domain ?? "", $0.status.rawValue, $0.registeredOn.description,
             $0.expiresOn?.description ?? "", $0.fulfiller ?? "", $0.endedOn?.description ?? ""]
        }
    }

    /// The order the list is shown in, as the request asks: newest first unless told otherwise.
    private static func order(_ request: Request) -> TableOrder<ReferralColumn> { TableOrder(request, path: "/referrals", default: .id, descending: true) }

    /// The list's filters from the query: a partner login sees only its own partner's, whatever the query says.
    private static func filter(_ user: SignedInUser, _ request: Request) -> ReferralFilter {
        let query = request.formQuery
        let partner = user.role.isVendor ? query.get("partner").map { String($0.prefix(40)) }.nonEmpty.map { PartnerCode(rawValue: $0) } : user.partner
        return ReferralFilter(
            partner: partner, status: query.get("status").flatMap { ReferralStatus(rawValue: String($0)) },
            customer: query.get("q").map { String($0.prefix(100)) }.nonEmpty)
    }

    private static func filterForm(_ user: SignedInUser, _ filter: ReferralFilter) -> String {
        let statuses = FormHTML.options(ReferralStatus.allCases)
        var fields = [FormHTML.select("status", "Status", statuses, selected: filter.status?.rawValue ?? "", problem: nil, id: "filter-status")]
        if user.role.isVendor { fields.append(FormHTML.input("partner", "Partner", nil, size: 10, fallback: filter.partner?.rawValue ?? "", id: "filter-partner")) }
        fields.append(FormHTML.input("q", "Customer contains", nil, size: 20, fallback: filter.customer ?? "", id: "filter-q"))
        return FormHTML.filters(action: "/referrals", fields)
    }

    /// A referral's page from its template (`referral.mustache`): its facts, the vendor's duplicate attempts and
    /// history, and the forms that review it.
    private func detailPage(_ referral: ReferralView, _ user: SignedInUser, _ request: Request, _ context: WebContext, problem: FormProblem?) async throws -> Response {
        var facts: [(String, String)] = [
            ("Partner", referral.partner.rawValue), ("Customer", referral.customer), ("ABN", referral.abn.map(ABN.grouped) ?? "—"),
            ("Email domain", referral.domain ?? "—"), ("Contact", referral.contact.isEmpty ? "—" : referral.contact),
            ("Expected seats", referral.expectedSeats.map(String.init) ?? "—"), ("SKU", referral.sku ?? "—"),
            ("Notes", referral.notes.isEmpty ? "—" : referral.notes), ("Status", referral.status.rawValue),
            ("Registered", "\(referral.registeredOn) by \(referral.registeredBy)"),
        ]
        if let approved = referral.approvedOn { facts.append(("Approved", approved.description)) }
        if let expires = referral.expiresOn { facts.append(("Protected until", expires.description)) }
        if let fulfiller = referral.fulfiller { facts.append(("Fulfilled by", fulfiller)) }
        if let ended = referral.endedOn { facts.append(("Ended", ended.description + (referral.reason.isEmpty ? "" : ": \(referral.reason)"))) }
        var values: [String: Any] = [
            "id": "\(referral.id.rawValue)", "csrf": context.session?.csrfToken ?? "", "notices": FormHTML.notices(request, context, problem),
            "facts": facts.map { ["label": $0.0, "value": $0.1] as [String: Any] },
        ]
        if user.role.isVendor {
            // Which other partners tried to register this customer is the vendor's to know, never another partner's.
            let subjects = ChannelbookDatabase.referralAuditSubjects(referral.id)
            let history = try await database.read { try await $0.auditPage(AuditFilter(subjects: subjects), limit: 50).items }
            values["vendor"] = [
                "hasDuplicates": !referral.refusedDuplicates.isEmpty,
                "duplicates": referral.refusedDuplicates.map { ["partner": $0.partner.rawValue, "on": $0.on.description] as [String: Any] },
                "hasHistory": !history.isEmpty,
                "history": history.map { ["at": $0.timestamp, "who": $0.actor, "action": $0.action, "before": $0.before, "after": $0.after] as [String: Any] },
            ] as [String: Any]
        }
        if user.role.may(.reviewReferrals) {
            if let actions = try await actionFields(referral, today: WebClock.today(context), problem: problem) { values["actions"] = actions }
        }
        return signedInPage("Referral \(referral.id.reference): \(referral.customer)", context, Templates.render(.referral, values), crumbs: [("/referrals", "Referrals")])
            .withStatus(problem == nil ? .ok : .badRequest)
    }

    /// What a win will earn (`win-confirmation.mustache`), before it is recorded: the form posts what was typed again.
    private func winConfirmation(_ referral: ReferralView, _ preview: ClosedReferralOutcome, _ typed: [String: String], _ context: WebContext) -> Response {
        let values: [String: Any] = [
            "id": "\(referral.id.rawValue)", "reference": referral.id.reference, "customer": referral.customer, "seats": typed["seats"] ?? "",
            "sku": typed["sku"] ?? "", "closedOn": typed["closedOn"] ?? "", "partner": preview.partner.rawValue, "fee": Templates.money(preview.fee.amount),
            "quarter": "\(preview.quarter)", "explanation": preview.fee.explanation.lines, "csrf": context.session?.csrfToken ?? "",
            "hidden": ["sku", "seats", "closedOn", "fulfiller"].map { ["name": $0, "value": typed[$0] ?? ""] as [String: Any] },
        ]
        return signedInPage(
            "Record referral \(referral.id.reference) as won", context, Templates.render(.winConfirmation, values),
            crumbs: [("/referrals", "Referrals"), ("/referrals/\(referral.id.rawValue)", "Referral \(referral.id.reference)")])
    }

    // MARK: Forms

    /// The fields of the forms that review an open referral (approve or reject a registered one, record an approved
    /// one's win, close either as lost), each keeping what was typed with its refusal beside it; nil: nothing to review.
    private func actionFields(_ referral: ReferralView, today: BusinessDate, problem: FormProblem?) async throws -> [String: Any]? {
        guard referral.status == .registered || referral.status == .approved else { return nil }
        func mine(_ form: String) -> FormProblem? { problem?.form == form ? problem : nil }
        let fulfillers = try await fulfillerOptions()
        var values: [String: Any] = [
            "isRegistered": referral.status == .registered,
            "loseReason": Self.reasonField("lose", problem: mine("lose")),
        ]
        if referral.status == .registered {
            let approve = mine("approve")
            values["fulfiller"] = FormHTML.select("fulfiller", "Fulfiller (optional)", fulfillers, selected: approve?.values["fulfiller"] ?? "", problem: approve)
            values["rejectReason"] = Self.reasonField("reject", problem: mine("reject"))
        } else {
            let close = mine("close")
            values["sku"] = FormHTML.input("sku", "SKU sold", close, required: true, size: 10)
            values["seats"] = FormHTML.input("seats", "Seats", close, type: "number", required: true, size: 6, extra: " min=\"1\"")
            values["closedOn"] = FormHTML.input("closedOn", "Won on", close, type: "date", required: true, extra: " max=\"\(today)\"", fallback: today.description)
            values["fulfiller"] = FormHTML.select("fulfiller", "Fulfiller", fulfillers, selected: close?.values["fulfiller"] ?? referral.fulfiller ?? "", problem: close)
        }
        return values
    }

    /// DIRECT (the vendor), the distributors, then the resellers: who may fulfil a referred sale.
    private func fulfillerOptions() async throws -> [(value: String, label: String)] {
        let partners = try await database.read { try await $0.partners() }.map(\.record)
        let ordered = partners.filter { $0.kind == .distributor } + partners.filter { $0.kind == .reseller }
        return [("DIRECT", "DIRECT (the vendor)")] + ordered.map { ($0.code.rawValue, "\($0.code.rawValue) \($0.name)") }
    }

    /// The reason a rejection or a loss is recorded with.
    private static func reasonField(_ action: String, problem: FormProblem?) -> String {
        FormHTML.input("reason", "Reason", problem, required: true, size: 30, id: "\(action)-reason")
    }

    /// The registration form's fields (`referrals.mustache`), keeping what was typed: a vendor login chooses the partner.
    private static func registerFields(_ user: SignedInUser, _ partners: [PartnerRecord], _ problem: FormProblem?) -> [String: Any] {
        var fields: [String: Any] = [
            "customer": FormHTML.input("customer", "Customer", problem, required: true, size: 30),
            "abn": FormHTML.input("abn", "ABN", problem, size: 16, extra: " inputmode=\"numeric\""),
            "domain": FormHTML.input("domain", "email domain", problem, size: 20),
            "contact": FormHTML.input("contact", "Contact", problem),
            "seats": FormHTML.input("seats", "Expected seats", problem, type: "number", size: 6, extra: " min=\"1\""),
            "sku": FormHTML.input("sku", "SKU", problem, size: 10),
            "notes": FormHTML.input("notes", "Notes", problem, size: 40),
        ]
        if user.role != .partner {
            let choices = partners.map { (value: $0.code.rawValue, label: "\($0.code.rawValue) \($0.name)") }
            // Registering for the wrong partner is too easy with one preselected: the admin chooses.
            fields["partner"] = FormHTML.select("partner", "Partner", choices, selected: problem?.values["partner"] ?? "", problem: problem, required: true, chooseFirst: true)
        }
        return fields
    }

    /// The field a refusal is about, so the page shows it there; nil: the form as a whole.
    private static func problem(_ form: String, _ error: any Error, _ values: [String: String]) -> FormProblem {
        if let refusal = error as? FormInput.FieldRefusal { return FormProblem(form: form, field: refusal.field, message: refusal.message, values: values) }
        let field: String? =
            switch error {
            case ReferralError.unknownPartner: form == "register" ? "partner" : "fulfiller"
            case ReferralError.unknownSKU, ReferralError.noPrice: "sku"
            case ReferralError.nonPositiveSeats: "seats"
            case ReferralError.needsIdentifier, ReferralError.invalidABN: "abn"
            case ReferralError.invalidDomain: "domain"
            case ReferralError.emptyCustomer, ReferralError.duplicate: "customer"
            case ReferralError.beforeRegistration, ReferralError.wonInFuture: "closedOn"
            case ReferralError.missingReason: "reason"
            case let text as TextProblem where values[text.field] != nil: text.field
            default: nil
            }
        return FormProblem(form: form, field: field, message: "\(error)", values: values)
    }
}
