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
                return "Closed \(quarter): \(summary.draftStatements) draft statement\(summary.draftStatements == 1 ? "" : "s")."
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
                return "Approved \(Self.count(approved.count, "statement")) totalling \(Self.total(approved)): they can no longer change."
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
                return "Marked \(Self.count(paid.count, "statement")) paid under \(reference), totalling \(Self.total(paid))."
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
            return Response(
                status: .ok,
                headers: [.contentType: "text/csv; charset=utf-8", .contentDisposition: "attachment; filename=\"payouts-\(quarter).csv\""],
                body: .init(byteBuffer: ByteBuffer(string: PayoutRow.csv(rows))))
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
        let csrf = HTML.escape(context.session?.csrfToken ?? "")
        let mayApprove = user.role.may(.approveStatements)
        var body = FormHTML.notices(request, context, problem)
        body += "<p>\(Self.count(standing.drafts, "draft")) (\(standing.held) held) · \(standing.approved) approved · \(standing.paid) paid · "
            + "<a href=\"/quarters/\(quarter)/exceptions\">route exceptions</a>" + (exceptions > 0 ? " (some not reviewed)" : "") + "</p>"

        if user.role.may(.closeQuarter) { body += Self.closeForm(quarter, today: today, csrf: csrf, problem: problem?.form == "close" ? problem : nil) }
        if mayApprove && standing.drafts > standing.held {
            body += "<p><a class=\"button\" href=\"/quarters/\(quarter)/approve\">Approve all \(Self.count(standing.drafts - standing.held, "draft"))…</a></p>"
        }
        body += "<h2>Statements</h2>"
        if standing.total > 0 { body += Self.statementFilterForm(quarter, filter) }
        let table = DataTable(
            label: "Statements \(quarter)",
            columns: [
                .init(heading: "Statement", sort: "statement"), .init(heading: "Partner", sort: "partner"), .init(heading: "Status", sort: "status"),
                .init(heading: "Total", sort: "total", numeric: true), .init(heading: "Actions"),
            ],
            rows: page.items.map { statement in
                var status = DataTable.Cell.text(statement.status.rawValue)
                var actions = ""
                if let hold = statement.hold, statement.isHeld {
                    status = .markup("held: \(HTML.escape(hold.reason)) <small>(\(HTML.escape(hold.heldBy)))</small>")
                    if mayApprove {
                        actions = Self.postButton("/quarters/\(quarter)/statements/\(Self.path(statement.partner))/release?\(order.query)", "Release", csrf: csrf)
                    }
                } else if statement.status == .draft && mayApprove {
                    let holdProblem = problem?.form == "hold-\(statement.partner.rawValue)" ? problem : nil
                    actions = "<a href=\"/quarters/\(quarter)/approve?partner=\(statement.partner.rawValue.addingPercentEncodingForQuery())\">Approve…</a> "
                        + Self.holdForm(quarter, statement.partner, listQuery: order.query, csrf: csrf, problem: holdProblem)
                }
                return [
                    .text(statement.reference, link: "/statements/\(quarter)/\(Self.path(statement.partner))"), .text("\(statement.partner.rawValue) \(statement.partnerName)"),
                    status, .money(statement.total), .markup(actions),
                ]
            },
            empty: standing.total == 0 ? "No statements for \(quarter) yet: they are drafted when the quarter is closed." : "No statement matches these filters.",
            order: order, pager: order.pager(total: page.total), csv: order.href(at: "/quarters/\(quarter)/statements.csv"))
        body += table.html()
        if mayApprove { body += Self.paymentSection(quarter, standing, payments: payments, exports: exports, csrf: csrf, problem: problem) }
        return signedInPage("Statements \(quarter)", context, body).withStatus(problem == nil ? .ok : .badRequest)
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

    /// What approving will do: how many statements, for whom, the total; and the held drafts it passes by.
    private func approveConfirmation(_ quarter: Quarter, partner: PartnerCode?, _ context: WebContext) async throws -> Response {
        let (approving, passedBy, holds) = try await database.read { try await $0.approvalCandidates(quarter, partner: partner) }
        let csrf = HTML.escape(context.session?.csrfToken ?? "")
        var body = "<p><a href=\"/quarters/\(quarter)\">← Statements \(quarter)</a></p>"
        guard !approving.isEmpty else {
            body += FormHTML.notice(
                passedBy.isEmpty ? "There is no draft statement to approve\(partner.map { " for \($0.rawValue)" } ?? "")." : "Every draft is held: release a hold first.",
                isError: true)
            return signedInPage("Approve statements for \(quarter)", context, body)
        }
        body += "<p>Approve <strong>\(Self.count(approving.count, "statement"))</strong> totalling <strong>\(HTML.escape(Self.total(approving)))</strong>? "
            + "Approved figures never change: a later correction reaches the partner as an adjustment on a later statement.</p>"
        body += Self.statementTable(approving)
        if !passedBy.isEmpty {
            body += "<p>Held, and not approved: \(passedBy.map { HTML.escape("\($0.partner.rawValue) (\(holds[$0.partner]?.reason ?? ""))") }.joined(separator: ", ")).</p>"
        }
        body += """
            <form method="post" action="/quarters/\(quarter)/approve"><input type="hidden" name="csrf" value="\(csrf)">\
            <input type="hidden" name="confirm" value="yes"><input type="hidden" name="shown" value="\(StatementView.digest(approving))">\
            \(partner.map { "<input type=\"hidden\" name=\"partner\" value=\"\(HTML.escape($0.rawValue))\">" } ?? "")\
            <button>Approve \(Self.count(approving.count, "statement"))</button> <a href="/quarters/\(quarter)">Cancel</a></form>
            """
        return signedInPage("Approve statements for \(quarter)", context, body)
    }

    /// What marking paid will do: the approved statements, the reference, the total.
    private func payConfirmation(_ quarter: Quarter, reference: String, _ context: WebContext) async throws -> Response {
        let payable = try await database.read { try await $0.statements(for: quarter, status: .approved) }.filter(\.isSettledByPayment)
        let csrf = HTML.escape(context.session?.csrfToken ?? "")
        var body = "<p><a href=\"/quarters/\(quarter)\">← Statements \(quarter)</a></p>"
        guard !payable.isEmpty else {
            return signedInPage("Mark \(quarter) paid", context, body + FormHTML.notice("No approved statement of \(quarter) is waiting to be paid.", isError: true))
        }
        body += "<p>Mark <strong>\(Self.count(payable.count, "statement"))</strong> totalling <strong>\(HTML.escape(Self.total(payable)))</strong> "
            + "paid under the reference <strong>\(HTML.escape(reference))</strong>? This cannot be undone.</p>"
        body += Self.statementTable(payable)
        body += """
            <form method="post" action="/quarters/\(quarter)/mark-paid"><input type="hidden" name="csrf" value="\(csrf)">\
            <input type="hidden" name="confirm" value="yes"><input type="hidden" name="reference" value="\(HTML.escape(reference))">\
            <input type="hidden" name="shown" value="\(StatementView.digest(payable))">\
            <button>Mark \(Self.count(payable.count, "statement")) paid</button> <a href="/quarters/\(quarter)">Cancel</a></form>
            """
        return signedInPage("Mark \(quarter) paid", context, body)
    }

    // MARK: Parts

    private static func closeForm(_ quarter: Quarter, today: BusinessDate, csrf: String, problem: FormProblem?) -> String {
        let error = problem.map { FormHTML.notice($0.message, isError: true) } ?? ""
        if quarter.hasEnded(on: today) {
            return error + "<form method=\"post\" action=\"/quarters/\(quarter)/close\"><input type=\"hidden\" name=\"csrf\" value=\"\(csrf)\"><button>Close \(quarter)</button></form>"
        }
        return error + """
            <form method="post" action="/quarters/\(quarter)/close"><input type="hidden" name="csrf" value="\(csrf)">\
            <p>\(quarter) has not ended: its last day is \(quarter.lastDay). Sales and referral wins may still fall in it.</p>\
            <label><input type="checkbox" name="early" value="yes" required> Close \(quarter) before its end (the audit log records an early close)</label> \
            <button>Close early</button></form>
            """
    }

    /// Posted with the statements' query, so a refusal shows the page the row was on.
    private static func holdForm(_ quarter: Quarter, _ partner: PartnerCode, listQuery: String, csrf: String, problem: FormProblem?) -> String {
        "<form method=\"post\" action=\"\(HTML.escape("/quarters/\(quarter)/statements/\(path(partner))/hold?\(listQuery)"))\" class=\"inline\"><input type=\"hidden\" name=\"csrf\" value=\"\(csrf)\">"
            + FormHTML.input("reason", "Hold reason", problem, required: true, size: 16, extra: " maxlength=\"500\"", id: "hold-\(partner.rawValue)")
            + " <button>Hold</button></form>"
    }

    /// The payout file (when something approved is payable), marking paid, and what was exported and paid before.
    private static func paymentSection(
        _ quarter: Quarter, _ standing: QuarterStanding, payments: [QuarterPayment], exports: [AuditEntry], csrf: String, problem: FormProblem?
    ) -> String {
        var html = "<h2>Payment</h2>"
        if let problem, problem.form == "payouts" { html += FormHTML.notice(problem.message, isError: true) }
        if standing.settledByPayment == 0 {
            html += "<p>No approved statement is waiting to be paid, so there is no payout file to export.</p>"
        } else {
            html += standing.inPayoutFile == 0 ? "<p>The approved statements total nothing to pay: mark them paid to settle them.</p>"
                : "<p>\(count(standing.inPayoutFile, "approved statement")) to pay. "
                    + "<form method=\"post\" action=\"/quarters/\(quarter)/payouts.csv\" class=\"inline\"><input type=\"hidden\" name=\"csrf\" value=\"\(csrf)\"><button>Payout file (CSV)</button></form></p>"
            let mine = problem?.form == "pay" ? problem : nil
            html += "<form method=\"post\" action=\"/quarters/\(quarter)/mark-paid\"><input type=\"hidden\" name=\"csrf\" value=\"\(csrf)\">"
                + FormHTML.input("reference", "Payment reference", mine, required: true, size: 20, extra: " maxlength=\"100\"", id: "reference")
                + " <button>Mark paid…</button></form>"
        }
        if !exports.isEmpty || !payments.isEmpty {
            let exported = exports.map { "<tr><td>\(HTML.escape($0.timestamp))</td><td>payout file</td><td>\(HTML.escape($0.after))</td><td>\(HTML.escape($0.actor))</td></tr>" }
            let paid = payments.map {
                "<tr><td>\(HTML.escape(AuditEntry.timestamp($0.paidAtMicroseconds)))</td><td>paid</td><td>\(HTML.escape($0.reference)): \(count($0.statements, "statement")), \(HTML.escape($0.total.displayString))</td><td>\(HTML.escape($0.paidBy))</td></tr>"
            }
            html += "<h3>History</h3><table><thead><tr><th>at</th><th>what</th><th>detail</th><th>by</th></tr></thead><tbody>\((exported + paid).joined())</tbody></table>"
        }
        return html
    }

    private static func statementTable(_ statements: [StatementView]) -> String {
        let rows = statements.map {
            "<tr><td>\(HTML.escape($0.reference))</td><td>\(HTML.escape($0.partner.rawValue)) \(HTML.escape($0.partnerName))</td><td class=\"money\">\(HTML.escape($0.total.displayString))</td></tr>"
        }.joined()
        return "<table><thead><tr><th>statement</th><th>partner</th><th class=\"money\">total</th></tr></thead><tbody>\(rows)</tbody></table>"
    }

    private static func postButton(_ action: String, _ label: String, csrf: String) -> String {
        "<form method=\"post\" action=\"\(HTML.escape(action))\" class=\"inline\"><input type=\"hidden\" name=\"csrf\" value=\"\(csrf)\"><button>\(HTML.escape(label))</button></form>"
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
    private static func total(_ statements: [StatementView]) -> String {
        guard let currency = statements.first?.total.currency else { return "" }
        return (try? Money.sum(statements.map(\.total), currency: currency))?.displayString ?? ""
    }

    static func count(_ number: Int, _ noun: String) -> String { "\(number) \(noun)\(number == 1 ? "" : "s")" }

    /// A partner code in a path segment.
    private static func path(_ partner: PartnerCode) -> String { partner.rawValue.addingPercentEncodingForQuery() }
}
