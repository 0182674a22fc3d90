import ChannelbookCore
import ChannelbookStore
import Foundation
import Hummingbird

/// Quarter end in the browser, for the roles the commands have: a quarter's statements with approve and hold per
/// statement, "approve all" and "mark paid" behind pages that say what will happen, close (before the quarter's end
/// only with an explicit "close early"), the payout file with the history of files and payments (the route
/// exceptions are `RouteExceptionRoutes`). Every action is the store's, with its refusals shown on the page in its words.
struct QuarterEndRoutes {
    let database: DatabasePool

    struct CloseForm: Decodable {
        let csrf: String
        let early: String?
    }
    struct ApproveForm: Decodable {
        let csrf: String
        let partner: String?
        let confirm: String?
        /// The digest of the statements the confirmation page showed (`StatementView.digest`).
        let shown: String?
    }
    struct HoldForm: Decodable {
        let csrf: String
        let reason: String?
    }
    struct PayForm: Decodable {
        let csrf: String
        let reference: String?
        let confirm: String?
        let shown: String?
    }

    func register(on router: Router<WebContext>) {
        // Where quarter end starts: the quarter that just ended, the one in progress, and every quarter's statements.
        router.get("/quarters") { _, context in
            _ = try context.requireVendor(json: false)
            let current = Quarter(containing: WebClock.today(context))
            let summaries = try await database.read { try await $0.statementSummaries() }
            func quarter(_ quarter: Quarter) -> [String: Any] { ["quarter": quarter.description, "lastDay": Templates.date(quarter.lastDay)] }
            let statements = DataTable(
                label: "Statements by quarter",
                columns: [.init(heading: "Quarter"), .init(heading: "Status"), .init(heading: "Statements", numeric: true), .init(heading: "Total", numeric: true)],
                rows: summaries.map {
                    [.text($0.quarter.description, link: "/quarters/\($0.quarter)"), .text($0.status.rawValue), .money(String($0.count)), .money($0.total)]
                },
                empty: "No statements yet: close a quarter to draft them.")
            return signedInPage(
                "Quarter end", context,
                Templates.render(.quarters, ["previous": quarter(current.previous), "current": quarter(current), "statements": statements.html()]))
        }
        router.get("/quarters/:quarter") { request, context in
            _ = try context.requireVendor(json: false)
            return try await quarterPage(try Self.quarter(context), request, context, problem: nil)
        }
        router.get("/quarters/:quarter/statements.csv") { request, context in
            _ = try context.requireVendor(json: false)
            return statementsCSV(try Self.quarter(context), request)
        }
        router.post("/quarters/:quarter/close") { request, context in
            let user = try context.require(.closeQuarter)
            let form = try await FormRoutes.decodeForm(CloseForm.self, request, context)
            try context.checkCSRF(form.csrf)
            let quarter = try Self.quarter(context)
            return try await acting(quarter, request, context, problem: { FormProblem(form: "close", field: nil, message: $0, values: [:]) }) {
                let summary = try await database.write {
                    try await $0.closeQuarter(quarter, actor: user.email, today: WebClock.today(context), early: form.early == "yes")
                }
                let adjustments = summary.adjustments > 0
                    ? "; \(Wording.count(summary.adjustments, "adjustment")) of approved figures wait on draft statements" : ""
                return "Closed \(quarter): \(Wording.count(summary.rebates, "rebate")), \(Wording.count(summary.referralFees, "referral fee"))\(adjustments)."
            }
        }
        router.get("/quarters/:quarter/approve") { request, context in
            _ = try context.require(.approveStatements)
            let quarter = try Self.quarter(context)
            let partner = request.formQuery.get("partner").flatMap { $0.isEmpty ? nil : PartnerCode(rawValue: String($0.prefix(40))) }
            return try await approveConfirmation(quarter, partner: partner, context)
        }
        router.post("/quarters/:quarter/approve") { request, context in
            let user = try context.require(.approveStatements)
            let form = try await FormRoutes.decodeForm(ApproveForm.self, request, context)
            try context.checkCSRF(form.csrf)
            let quarter = try Self.quarter(context)
            let partner = form.partner.nonEmpty.map { PartnerCode(rawValue: String($0.prefix(40))) }
            // Approving is irreversible: without the confirmation page's "yes", show that page first.
            guard form.confirm == "yes", let shown = form.shown else {
                return Response.redirect(to: "/quarters/\(quarter)/approve" + (partner.map { "?partner=\($0.rawValue.addingPercentEncodingForQuery())" } ?? ""), type: .normal)
            }
            return try await acting(quarter, request, context, problem: { FormProblem(form: "approve", field: nil, message: $0, values: [:]) }) {
                let approved = try await database.write { try await $0.approveStatements(quarter, partner: partner, actor: user.email, shown: shown) }
                return "Approved \(Wording.count(approved.count, "statement")) totalling \(Self.total(approved)?.displayString ?? ""): they can no longer change."
            }
        }
        router.post("/quarters/:quarter/statements/:partner/hold") { request, context in
            let user = try context.require(.approveStatements)
            let form = try await FormRoutes.decodeForm(HoldForm.self, request, context)
            try context.checkCSRF(form.csrf)
            let quarter = try Self.quarter(context), partner = try Self.partner(context)
            let reason = form.reason ?? ""
            return try await acting(
                quarter, request, context, problem: { FormProblem(form: "hold-\(partner.rawValue)", field: "reason", message: $0, values: ["reason": reason]) }
            ) {
                try await database.write { try await $0.holdStatement(quarter, partner: partner, reason: reason, actor: user.email) }
                return "\(partner.rawValue)'s statement is held: approving all passes it by until it is released."
            }
        }
        router.post("/quarters/:quarter/statements/:partner/release") { request, context in
            let user = try context.require(.approveStatements)
            try context.checkCSRF(try await FormRoutes.decodeForm(CSRFForm.self, request, context).csrf)
            let quarter = try Self.quarter(context), partner = try Self.partner(context)
            return try await acting(quarter, request, context, problem: { FormProblem(form: "release", field: nil, message: $0, values: [:]) }) {
                try await database.write { try await $0.releaseStatement(quarter, partner: partner, actor: user.email) }
                return "\(partner.rawValue)'s statement is released: it can be approved."
            }
        }
        router.post("/quarters/:quarter/mark-paid") { request, context in
            let user = try context.require(.approveStatements)
            let form = try await FormRoutes.decodeForm(PayForm.self, request, context)
            try context.checkCSRF(form.csrf)
            let quarter = try Self.quarter(context)
            let reference = form.reference ?? ""
            let problem = { (message: String) in FormProblem(form: "pay", field: "reference", message: message, values: ["reference": reference]) }
            // Marking paid is irreversible: the first post shows what will be paid, the second (confirm=yes) records it.
            guard form.confirm == "yes", let shown = form.shown else {
                do {
                    try StatementError.checkPaymentReference(reference)
                } catch let refusal where FormInput.isRefusal(refusal) {
                    return try await quarterPage(quarter, request, context, problem: problem("\(refusal)"))
                }
                return try await payConfirmation(quarter, reference: reference, context)
            }
            return try await acting(quarter, request, context, problem: problem) {
                let paid = try await database.write { try await $0.markPaid(quarter, reference: reference, actor: user.email, shown: shown) }
                return "Marked \(Wording.count(paid.count, "statement")) paid under \(reference), totalling \(Self.total(paid)?.displayString ?? "")."
            }
        }
        // A POST: exporting is audited, and a GET must change nothing (a prefetch or a crawler would export).
        router.post("/quarters/:quarter/payouts.csv") { request, context in
            let user = try context.require(.approveStatements)
            try context.checkCSRF(try await FormRoutes.decodeForm(CSRFForm.self, request, context).csrf)
            let quarter = try Self.quarter(context)
            let rows: [PayoutRow]
            do {
                rows = try await database.write { try await $0.payouts(for: quarter, actor: user.email, file: "payouts-\(quarter).csv (browser)") }
            } catch let failure as DatabaseFailure {
                throw WebError(failure, json: false)
            } catch let refusal as any RefusalError {
                return try await quarterPage(quarter, request, context, problem: FormProblem(form: "payouts", field: nil, message: refusal.description, values: [:]))
            }
            return StreamedCSV.download(fileName: "payouts-\(quarter).csv", PayoutRow.csv(rows))
        }
    }

    // MARK: Acting

    /// Runs a quarter action: on success back to the quarter's page with its message; on the store's refusal the
    /// page again, with the message beside the form that caused it and what was typed kept (400).
    private func acting(
        _ quarter: Quarter, _ request: Request, _ context: WebContext, problem: (String) -> FormProblem, _ action: () async throws -> String
    ) async throws -> Response {
        let message: String
        do { message = try await action() } catch let failure as DatabaseFailure {
            throw WebError(failure, json: false)
        } catch StatementError.noStatement {
            throw WebError.notFound(json: false)
        } catch let refusal as any RefusalError {
            return try await quarterPage(quarter, request, context, problem: problem(refusal.description))
        }
        // Back to the statements as they were shown (a form on the list posts with its query).
        let order = Self.statementOrder(request, quarter)
        return FormHTML.redirect(to: order.here, done: message, context)
    }

    // MARK: Pages

    /// The way back from a page under a quarter: quarter end, then the quarter's statements.
    static func crumbs(_ quarter: Quarter) -> [(href: String, label: String)] { [("/quarters", "Quarter end"), ("/quarters/\(quarter)", "Statements \(quarter)")] }

    private func quarterPage(_ quarter: Quarter, _ request: Request, _ context: WebContext, problem: FormProblem?) async throws -> Response {
        let user = try context.requireVendor(json: false)
        let today = WebClock.today(context)
        let filter = Self.statementFilter(request)
        let order = Self.statementOrder(request, quarter)
        let (standing, page, payments, exports, exceptions) = try await database.read { database in
            (
                try await database.quarterStanding(quarter), try await database.statementTable(quarter, filter, order.slice),
                try await database.quarterPayments(quarter),
                try await database.auditPage(AuditFilter(action: "export payouts", subjects: [quarter.description]), limit: 20).items,
                try await database.routeExceptionPage(quarter, reviewed: false, limit: 1).items.count
            )
        }
        let csrf = context.session?.csrfToken ?? ""
        let mayApprove = user.role.may(.approveStatements)
        var values: [String: Any] = [
            "quarter": quarter.description, "csrf": csrf, "notices": FormHTML.notices(request, context, problem), "drafts": Wording.count(standing.drafts, "draft"),
            "held": "\(standing.held)", "approved": "\(standing.approved)", "paid": "\(standing.paid)", "unreviewed": exceptions > 0,
        ]
        if user.role.may(.closeQuarter) {
            // A quarter closes once it has ended (early, with a confirmation, once it has begun); closing again
            // recomputes its drafts and puts what changed since on draft statements as adjustments.
            var close: [String: Any] = [
                "ended": quarter.hasEnded(on: today), "begun": quarter.firstDay <= today, "lastDay": Templates.date(quarter.lastDay),
                "firstDay": Templates.date(quarter.firstDay), "again": standing.total > 0,
            ]
            if let problem, problem.form == "close" { close["closeError"] = FormHTML.notice(problem.message, isError: true) }
            values["close"] = close
        }
        if mayApprove && standing.drafts > standing.held { values["approveAll"] = Wording.count(standing.drafts - standing.held, "draft") }
        if standing.total > 0 { values["filters"] = Self.statementFilterForm(quarter, filter) }
        let table = DataTable(
            label: "Statements \(quarter)",
            columns: [
                .init(heading: "Statement", sort: "statement"), .init(heading: "Partner", sort: "partner"), .init(heading: "Status", sort: "status"),
                .init(heading: "Total", sort: "total", numeric: true), .init(heading: "Actions"),
            ],
            rows: page.items.map { statement in
                var status = DataTable.Cell.text(statement.status.rawValue)
                var actions: [String: Any]? = nil
                if let hold = statement.hold, statement.isHeld {
                    status = .markup(Templates.render(.noted, ["note": "held: \(hold.reason)", "by": hold.heldBy]))
                    if mayApprove {
                        actions = ["csrf": csrf, "release": "/quarters/\(quarter)/statements/\(Self.path(statement.partner))/release?\(order.query)"]
                    }
                } else if statement.status == .draft && mayApprove {
                    let holdProblem = problem?.form == "hold-\(statement.partner.rawValue)" ? problem : nil
                    let hold: [String: Any] = [
                        "quarter": quarter.description, "partner": statement.partner.rawValue.addingPercentEncodingForQuery(),
                        "action": "/quarters/\(quarter)/statements/\(Self.path(statement.partner))/hold?\(order.query)",
                        "reason": FormHTML.input(
                            "reason", "Hold reason", holdProblem, required: true, size: 16, extra: " maxlength=\"500\"", id: "hold-\(statement.partner.rawValue)"),
                    ]
                    actions = ["csrf": csrf, "hold": hold]
                }
                return [
                    .text(statement.reference, link: "/statements/\(quarter)/\(Self.path(statement.partner))"), .text("\(statement.partner.rawValue) \(statement.partnerName)"),
                    status, .money(statement.total), .markup(actions.map { Templates.render(.statementActions, $0) } ?? ""),
                ]
            },
            empty: standing.total == 0 ? "No statements for \(quarter) yet: they are drafted when the quarter is closed." : "No statement matches these filters.",
            order: order, pager: order.pager(total: page.total), csv: order.href(at: "/quarters/\(quarter)/statements.csv"))
        values["table"] = table.html()
        if mayApprove { values["payment"] = Self.paymentValues(standing, payments: payments, exports: exports, problem: problem) }
        return signedInPage("Statements \(quarter)", context, Templates.render(.quarterPage, values), crumbs: [("/quarters", "Quarter end")])
            .withStatus(problem == nil ? .ok : .badRequest)
    }

    /// The quarter's statements with the list's filters and order, as CSV.
    private func statementsCSV(_ quarter: Quarter, _ request: Request) -> Response {
        let filter = Self.statementFilter(request), database = self.database
        let order = Self.statementOrder(request, quarter)
        return StreamedCSV.sortedTable(
            fileName: "statements-\(quarter).csv", header: ["statement", "partner", "name", "status", "held", "total"], order: order
        ) { slice in
            try await database.read { try await $0.statementTable(quarter, filter, slice) }
        } row: {
            [$0.reference, $0.partner.rawValue, $0.partnerName, $0.status.rawValue, $0.isHeld ? "held: \($0.hold?.reason ?? "")" : "", $0.total.decimalString]
        }
    }

    /// The order a quarter's statements are shown in, as the request asks: by partner unless told otherwise.
    private static func statementOrder(_ request: Request, _ quarter: Quarter) -> TableOrder<StatementColumn> {
        TableOrder(request, path: "/quarters/\(quarter)", default: .partner, descending: false)
    }

    private static func statementFilter(_ request: Request) -> StatementFilter {
        let query = request.formQuery
        return StatementFilter(
            standing: query.get("standing").flatMap { StatementFilter.Standing(rawValue: String($0)) },
            search: query.get("partner").map { String($0.prefix(100)) }.nonEmpty)
    }

    private static func statementFilterForm(_ quarter: Quarter, _ filter: StatementFilter) -> String {
        let standings = FormHTML.options(StatementFilter.Standing.allCases)
        return FormHTML.filters(
            action: "/quarters/\(quarter)",
            [
                FormHTML.select("standing", "Status", standings, selected: filter.standing?.rawValue ?? "", problem: nil, id: "filter-standing"),
                FormHTML.input("partner", "Partner code or name", nil, size: 20, fallback: filter.search ?? "", id: "filter-partner"),
            ])
    }

    /// What approving will do (`approve-confirmation.mustache`): how many statements, for whom, the total; and the
    /// held drafts it passes by.
    private func approveConfirmation(_ quarter: Quarter, partner: PartnerCode?, _ context: WebContext) async throws -> Response {
        let (approving, passedBy, holds) = try await database.read { try await $0.approvalCandidates(quarter, partner: partner) }
        var values: [String: Any] = ["quarter": quarter.description, "csrf": context.session?.csrfToken ?? "", "hasStatements": !approving.isEmpty]
        if approving.isEmpty {
            values["refusal"] = FormHTML.notice(
                passedBy.isEmpty ? "There is no draft statement to approve\(partner.map { " for \($0.rawValue)" } ?? "")." : "Every draft is held: release a hold first.",
                isError: true)
        } else {
            values["count"] = Wording.count(approving.count, "statement")
            values["total"] = Self.total(approving).map(Templates.money)
            values["statements"] = Self.statementRows(approving)
            values["shown"] = StatementView.digest(approving)
            if !passedBy.isEmpty { values["held"] = passedBy.map { "\($0.partner.rawValue) (\(holds[$0.partner]?.reason ?? ""))" }.joined(separator: ", ") }
            if let partner { values["partner"] = partner.rawValue }
        }
        return signedInPage("Approve statements for \(quarter)", context, Templates.render(.approveConfirmation, values), crumbs: Self.crumbs(quarter))
    }

    /// What marking paid will do (`pay-confirmation.mustache`): the approved statements, the reference, the total.
    private func payConfirmation(_ quarter: Quarter, reference: String, _ context: WebContext) async throws -> Response {
        let payable = try await database.read { try await $0.statements(for: quarter, status: .approved) }.filter(\.isSettledByPayment)
        var values: [String: Any] = ["quarter": quarter.description, "csrf": context.session?.csrfToken ?? "", "hasStatements": !payable.isEmpty]
        if payable.isEmpty {
            values["refusal"] = FormHTML.notice("No approved statement of \(quarter) is waiting to be paid.", isError: true)
        } else {
            values["count"] = Wording.count(payable.count, "statement")
            values["total"] = Self.total(payable).map(Templates.money)
            values["reference"] = reference
            values["statements"] = Self.statementRows(payable)
            values["shown"] = StatementView.digest(payable)
        }
        return signedInPage("Mark \(quarter) paid", context, Templates.render(.payConfirmation, values), crumbs: Self.crumbs(quarter))
    }

    // MARK: Parts

    /// The payout file (when something approved is payable), marking paid, and what was exported and paid before.
    private static func paymentValues(_ standing: QuarterStanding, payments: [QuarterPayment], exports: [AuditEntry], problem: FormProblem?) -> [String: Any] {
        let exported = exports.map { entry -> [String: Any] in ["at": entry.timestamp, "what": "payout file", "detail": entry.after, "by": entry.actor] }
        let paid = payments.map { payment -> [String: Any] in
            [
                "at": AuditEntry.timestamp(payment.paidAtMicroseconds), "what": "paid",
                "detail": "\(payment.reference): \(Wording.count(payment.statements, "statement")), \(payment.total.displayString)", "by": payment.paidBy,
            ]
        }
        var values: [String: Any] = ["payable": standing.settledByPayment != 0, "hasHistory": !exports.isEmpty || !payments.isEmpty, "history": exported + paid]
        if let problem, problem.form == "payouts" { values["paymentError"] = FormHTML.notice(problem.message, isError: true) }
        if standing.settledByPayment != 0 {
            if standing.inPayoutFile != 0 { values["payout"] = Wording.count(standing.inPayoutFile, "approved statement") }
            let mine = problem?.form == "pay" ? problem : nil
            values["reference"] = FormHTML.input("reference", "Payment reference", mine, required: true, size: 20, extra: " maxlength=\"100\"", id: "reference")
        }
        return values
    }

    /// The statements a confirmation page lists (`statement-list.mustache`).
    private static func statementRows(_ statements: [StatementView]) -> [[String: Any]] {
        statements.map { statement -> [String: Any] in
            ["reference": statement.reference, "partner": statement.partner.rawValue, "name": statement.partnerName, "total": Templates.money(statement.total)]
        }
    }

    // MARK: Values

    /// The `:quarter` of the path; one that is not a quarter names nothing (404).
    static func quarter(_ context: WebContext) throws -> Quarter {
        guard let quarter = try? Quarter.parse(context.parameters.get("quarter") ?? "") else { throw WebError.notFound(json: false) }
        return quarter
    }

    private static func partner(_ context: WebContext) throws -> PartnerCode {
        guard let code = context.parameters.get("partner"), !code.isEmpty, code.count <= 40 else { throw WebError.notFound(json: false) }
        return PartnerCode(rawValue: code)
    }

    /// The statements' total for a message; after the change has committed it must not fail, so an impossible sum
    /// (beyond 64 bits) shows as nothing rather than as a refusal of what was done.
    private static func total(_ statements: [StatementView]) -> Money? {
        guard let currency = statements.first?.total.currency else { return nil }
        return try? Money.sum(statements.map(\.total), currency: currency)
    }

    /// A partner code in a path segment.
    private static func path(_ partner: PartnerCode) -> String { partner.rawValue.addingPercentEncodingForQuery() }
}
