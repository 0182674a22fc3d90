import ChannelbookCore
import ChannelbookStore
import ChannelbookUpload
import Hummingbird

/// `/mdf`: market development funds. A reseller's login sees its balance and ledger, requests funds and claims
/// with proof files; the vendor reviews requests and claims (an account manager those of its own partners),
/// downloads proofs and sees every partner's balance. A refused form comes back with the error beside the field
/// and what was typed kept.
struct MDFRoutes {
    let database: DatabasePool

    /// A claim's body: ten proof files of 10 MB and a few fields.
    static let claimBodyLimit = ProofFile.maximumPerClaim * ProofFile.maximumBytes + 64 * 1024

    struct RequestForm: Decodable {
        let csrf: String
        let activity: String?
        let kind: String?
        let plannedCost: String?
        let amount: String?
        let starts: String?
        let ends: String?

        enum CodingKeys: String, CodingKey {
            case csrf, activity, kind, amount, starts, ends
            case plannedCost = "planned_cost"
        }
    }

    struct ReviewForm: Decodable {
        let csrf: String
        let amount: String?
        let reason: String?
    }

    /// A refused form: which form, the field the problem is in (if one), the message and what was typed.
    func register(on router: Router<WebContext>) {
        router.get("/mdf") { request, context in
            let user = try context.requireUser(json: false)
            return try await page(user, request, context, problem: nil)
        }
        router.post("/mdf/requests") { request, context in
            let user = try context.require(.requestMDF)
            let form = try await FormRoutes.decodeForm(RequestForm.self, request, context)
            try context.checkCSRF(form.csrf)
            let values = [
                "activity": form.activity ?? "", "kind": form.kind ?? "", "planned_cost": form.plannedCost ?? "", "amount": form.amount ?? "",
                "starts": form.starts ?? "", "ends": form.ends ?? "",
            ]
            do {
                guard let partner = user.partner else { throw WebError.notFound(json: false) }
                let today = WebClock.today(context)
                let currency = try await currency(on: today)
                guard let kind = MDFActivityKind(rawValue: form.kind ?? "") else { throw FormInput.FieldRefusal("kind", "choose what the activity is") }
                let id = try await database.write {
                    try await $0.requestMDF(
                        partner: partner, activity: form.activity ?? "", kind: kind, plannedCost: try FormInput.amount("planned_cost", form.plannedCost, currency),
                        amount: try FormInput.amount("amount", form.amount, currency), startsOn: try FormInput.date("starts", form.starts),
                        endsOn: try FormInput.date("ends", form.ends), on: today, actor: user.email)
                }
                return Response.redirect(to: "/mdf?done=requested-\(id)", type: .normal)
            } catch let refusal where FormInput.isRefusal(refusal) {
                return try await page(user, request, context, problem: Self.problem("request", refusal, values))
            }
        }
        router.post("/mdf/requests/:id/claim") { request, context in
            let user = try context.require(.requestMDF)
            try context.checkCSRFBeforeBody(request)
            let id = try FormInput.id(context)
            // Another partner's request does not exist for this login: found out before a byte of the files is read.
            do { _ = try await database.read { try await $0.mdfRequest(id, asOf: WebClock.today(context), within: user.partner.map { [$0] } ?? []) } } catch MDFStoreError.notFound {
                throw WebError.notFound(json: false)
            }
            let upload = try await receiveClaim(request)
            let values = ["actual_cost": upload.fields["actual_cost"] ?? "", "amount": upload.fields["amount"] ?? ""]
            do {
                let today = WebClock.today(context)
                let currency = try await currency(on: today)
                try await database.write {
                    try await $0.claimMDF(
                        id, actualCost: try FormInput.amount("actual_cost", upload.fields["actual_cost"], currency),
                        amount: try FormInput.amount("amount", upload.fields["amount"], currency), proofs: upload.proofs, on: today, actor: user.email,
                        partner: user.partner ?? PartnerCode(rawValue: ""))
                }
                return Response.redirect(to: "/mdf?done=claimed-\(id)", type: .normal)
            } catch MDFStoreError.notFound {
                throw WebError.notFound(json: false)
            } catch let refusal where FormInput.isRefusal(refusal) {
                return try await page(user, request, context, problem: Self.problem("claim-\(id)", refusal, values))
            }
        }
        for action in ["approve", "reject", "accept-claim", "reject-claim"] {
            router.post("/mdf/requests/:id/\(action)") { request, context in
                let user = try context.require(.reviewMDF)
                let form = try await FormRoutes.decodeForm(ReviewForm.self, request, context)
                try context.checkCSRF(form.csrf)
                let id = try FormInput.id(context)
                let access = try await MDFAccess.of(user, database)
                let today = WebClock.today(context)
                do {
                    let currency = try await currency(on: today)
                    let amount = try form.amount.nonEmpty.map { try FormInput.amount("amount", $0, currency) }
                    try await database.write { database in
                        switch action {
                        case "approve": try await database.approveMDF(id, amount: amount, on: today, actor: user.email, reviewer: access.reviewScope)
                        case "reject": try await database.rejectMDF(id, reason: form.reason ?? "", on: today, actor: user.email, reviewer: access.reviewScope)
                        case "accept-claim": try await database.acceptMDFClaim(id, amount: amount, on: today, actor: user.email, reviewer: access.reviewScope)
                        default: try await database.rejectMDFClaim(id, reason: form.reason ?? "", on: today, actor: user.email, reviewer: access.reviewScope)
                        }
                    }
                    return Response.redirect(to: "/mdf?done=\(action)-\(id)", type: .normal)
                } catch MDFStoreError.notFound {
                    throw WebError.notFound(json: false)
                } catch let refusal where FormInput.isRefusal(refusal) {
                    return try await page(user, request, context, problem: Self.problem("\(action)-\(id)", refusal, ["amount": form.amount ?? "", "reason": form.reason ?? ""]))
                }
            }
        }
        router.get("/mdf/requests/:id") { _, context in
            let user = try context.requireUser(json: false)
            let access = try await MDFAccess.of(user, database)
            let id = try FormInput.id(context)
            let view: MDFRequestView
            do { view = try await database.read { try await $0.mdfRequest(id, asOf: WebClock.today(context), within: access.readScope) } } catch MDFStoreError.notFound {
                throw WebError.notFound(json: false)
            }
            return signedInPage("MDF request \(id)", context, Self.detail(view))
        }
        router.get("/mdf/proofs/:id") { _, context in
            let user = try context.requireUser(json: false)
            let access = try await MDFAccess.of(user, database)
            let id = try FormInput.id(context)
            let file: (proof: MDFProofView, bytes: [UInt8])
            do { file = try await database.read { try await $0.mdfProof(id, within: access.readScope) } } catch MDFStoreError.proofNotFound {
                throw WebError.notFound(json: false)
            }
            let safeName = String(file.proof.fileName.unicodeScalars.map { $0.isASCII && $0.value >= 0x20 && $0 != "\"" && $0 != "\\" ? Character($0) : "_" })
            return Response(
                status: .ok,
                headers: [.contentType: file.proof.contentType, .contentDisposition: "attachment; filename=\"\(safeName)\""],
                body: .init(byteBuffer: ByteBuffer(bytes: file.bytes)))
        }
    }

    // MARK: Pages

    private func page(_ user: SignedInUser, _ request: Request, _ context: WebContext, problem: FormProblem?) async throws -> Response {
        let today = WebClock.today(context)
        let csrf = context.session?.csrfToken ?? ""
        var body = ""
        if let done = request.formQuery.get("done"), problem == nil { body += FormHTML.notice(Self.doneMessage(done), isError: false) }
        if let problem, problem.field == nil { body += FormHTML.notice(problem.message, isError: true) }
        if user.role == .partner {
            guard let partner = user.partner, user.partnerKind == .reseller else {
                return signedInPage("Market development funds", context, body + "<p>MDF goes to resellers: a distributor's login has none.</p>")
            }
            body += try await partnerSection(partner, today, csrf, problem)
        } else {
            body += try await vendorSection(user, request, today, csrf, problem)
        }
        return signedInPage("Market development funds", context, body).withStatus(problem == nil ? .ok : .badRequest)
    }

    private func partnerSection(_ partner: PartnerCode, _ today: BusinessDate, _ csrf: String, _ problem: FormProblem?) async throws -> String {
        let (balances, requests, ledger) = try await database.read { database in
            (
                try await database.mdfBalances(partner: partner, asOf: today), try await database.mdfRequests(partner: partner, asOf: today, limit: 200),
                try await database.mdfLedgerRows(partner: partner, asOf: today)
            )
        }
        var html = "<h2>Balance on \(today)</h2>"
        html += balances.isEmpty ? "<p>No MDF allocated yet: premier and associate resellers get an allocation each quarter.</p>" : Self.balanceTable(balances)
        html += "<h2>Request funds</h2>" + Self.requestForm(csrf, problem?.form == "request" ? problem : nil)
        html += "<h2>My requests</h2>"
        if requests.isEmpty {
            html += "<p>No requests yet.</p>"
        } else {
            html += Self.requestTable(requests) { view in
                guard view.status == .approved else { return "" }
                return Self.claimForm(view, csrf, problem?.form == "claim-\(view.id)" ? problem : nil)
            }
        }
        html += "<h2>Ledger</h2>" + Self.ledgerTable(ledger)
        return html
    }

    private func vendorSection(_ user: SignedInUser, _ request: Request, _ today: BusinessDate, _ csrf: String, _ problem: FormProblem?) async throws -> String {
        let access = try await MDFAccess.of(user, database)
        guard access.readScope?.isEmpty != true else {
            return "<p>MDF requests and claims are reviewed by admins and by account managers for their own partners; finance sees them all.</p>"
        }
        let partnerFilter = request.formQuery.get("partner").flatMap { $0.isEmpty ? nil : PartnerCode(rawValue: String($0.prefix(40))) }
        let statusFilter = request.formQuery.get("status").flatMap(MDFRequestStatus.init(rawValue:))
        let mayReview = user.role.may(.reviewMDF)
        let (pending, claims, balances, all) = try await database.read { database in
            (
                try await database.mdfRequests(within: access.reviewScope, status: .requested, asOf: today, limit: 200),
                try await database.mdfRequests(within: access.reviewScope, status: .claimed, asOf: today, limit: 200),
                try await database.mdfBalances(within: access.reading(partnerFilter), asOf: today),
                try await database.mdfRequests(within: access.reading(partnerFilter), status: statusFilter, asOf: today, limit: 200)
            )
        }
        var html = ""
        if user.role == .accountManager { html += "<p>Your partners' requests and claims are yours to review.</p>" }
        html += "<h2>Requests awaiting a decision</h2>"
        html += pending.isEmpty ? "<p>No request is waiting.</p>" : Self.requestTable(pending) { view in
            guard mayReview else { return "" }
            return Self.reviewForm("approve", view.id, csrf, amount: view.requested.decimalString, button: "Approve", problem)
                + Self.reviewForm("reject", view.id, csrf, reason: true, button: "Reject", problem)
        }
        html += "<h2>Claims awaiting review</h2>"
        html += claims.isEmpty ? "<p>No claim is waiting.</p>" : Self.requestTable(claims) { view in
            let proofs = view.proofs.map { "<a href=\"/mdf/proofs/\($0.id)\">\(HTML.escape($0.fileName))</a>" }.joined(separator: ", ")
            guard mayReview else { return proofs }
            return "<p>proof: \(proofs)</p>" + Self.reviewForm("accept-claim", view.id, csrf, amount: view.claimed?.decimalString ?? "", button: "Accept claim", problem)
                + Self.reviewForm("reject-claim", view.id, csrf, reason: true, button: "Reject claim", problem)
        }
        html += """
            <h2>Balances on \(today)</h2>
            <form method="get" action="/mdf"><label>partner <input name="partner" value="\(HTML.escape(partnerFilter?.rawValue ?? ""))" maxlength="40"></label>
            <label>status <select name="status"><option value="">any</option>\(MDFRequestStatus.allCases.map { "<option value=\"\($0.rawValue)\"\(statusFilter == $0 ? " selected" : "")>\($0.label)</option>" }.joined())</select></label>
            <button>Filter</button></form>
            """
        html += balances.isEmpty ? "<p>No MDF allocated yet (<code>channelbook mdf allocate QUARTER</code>).</p>" : Self.balanceTable(balances)
        html += "<h2>Requests</h2>" + (all.isEmpty ? "<p>No requests.</p>" : Self.requestTable(all) { _ in "" })
        return html
    }

    // MARK: Pieces

    static func balanceTable(_ rows: [MDFBalanceRow]) -> String {
        let cells = rows.map { row in
            "<tr><td>\(HTML.escape(row.partner.rawValue))</td><td>\(HTML.escape(row.name))</td>"
                + [row.allocated, row.expired, row.reserved, row.payable, row.paid, row.available].map { "<td class=\"money\">\($0.displayString)</td>" }.joined() + "</tr>"
        }.joined()
        return "<table><thead><tr><th>partner</th><th>name</th><th>allocated</th><th>expired</th><th>reserved</th><th>payable</th><th>paid</th><th>available</th></tr></thead><tbody>\(cells)</tbody></table>"
    }

    static func requestTable(_ rows: [MDFRequestView], actions: (MDFRequestView) -> String) -> String {
        let cells = rows.map { view in
            "<tr><td><a href=\"/mdf/requests/\(view.id)\">\(view.id)</a></td><td>\(HTML.escape(view.partner.rawValue))</td><td>\(HTML.escape(view.activity))</td>"
                + "<td>\(view.kind.rawValue)</td><td>\(view.startsOn) to \(view.endsOn)</td>"
                + [view.requested, view.approved, view.claimed, view.accepted].map { "<td class=\"money\">\($0?.displayString ?? "")</td>" }.joined()
                + "<td>\(view.status.label)\(view.reason.map { ": " + HTML.escape($0) } ?? "")</td><td>\(actions(view))</td></tr>"
        }.joined()
        return "<table><thead><tr><th>id</th><th>partner</th><th>activity</th><th>kind</th><th>dates</th><th>requested</th><th>approved</th><th>claimed</th><th>accepted</th><th>status</th><th></th></tr></thead><tbody>\(cells)</tbody></table>"
    }

    static func ledgerTable(_ rows: [MDFLedgerRow]) -> String {
        guard !rows.isEmpty else { return "<p>No entries yet.</p>" }
        let cells = rows.map { "<tr><td>\($0.date)</td><td>\($0.entry.rawValue)</td><td>\($0.requestID.map(String.init) ?? "")</td><td class=\"money\">\($0.amount.displayString)</td></tr>" }
        return "<table><thead><tr><th>date</th><th>entry</th><th>request</th><th>amount</th></tr></thead><tbody>\(cells.joined())</tbody></table>"
    }

    /// A form error, announced to screen readers; `id` lets an input point at it.
    private static func errorText(_ message: String, id: String? = nil) -> String {
        " <span class=\"error\"\(id.map { " id=\"\($0)\"" } ?? "") role=\"alert\">\(HTML.escape(message))</span>"
    }

    /// A labelled input with its error beside it and the typed value kept.
    private static func field(_ name: String, _ label: String, _ problem: FormProblem?, type: String = "text", value: String = "", extra: String = "") -> String {
        let typed = problem?.values[name] ?? value
        let error = problem.flatMap { $0.field == name ? errorText($0.message, id: "\(name)-error") : nil } ?? ""
        let described = error.isEmpty ? "" : " aria-invalid=\"true\" aria-describedby=\"\(name)-error\""
        return "<label>\(label) <input type=\"\(type)\" name=\"\(name)\" value=\"\(HTML.escape(typed))\"\(extra)\(described)></label>\(error)"
    }

    private static func requestForm(_ csrf: String, _ problem: FormProblem?) -> String {
        let kinds = MDFActivityKind.allCases.map { "<option\(problem?.values["kind"] == $0.rawValue ? " selected" : "")>\($0.rawValue)</option>" }.joined()
        let kindError = problem.flatMap { $0.field == "kind" ? errorText($0.message) : nil } ?? ""
        return """
            <form method="post" action="/mdf/requests" class="mdf-request">
            <input type="hidden" name="csrf" value="\(HTML.escape(csrf))">
            <p>\(field("activity", "activity", problem, extra: " maxlength=\"200\" required"))</p>
            <p><label>kind <select name="kind">\(kinds)</select></label>\(kindError)</p>
            <p>\(field("planned_cost", "planned cost", problem, extra: " inputmode=\"decimal\" required")) \(field("amount", "amount requested", problem, extra: " inputmode=\"decimal\" required"))</p>
            <p>\(field("starts", "starts", problem, type: "date", extra: " required")) \(field("ends", "ends", problem, type: "date", extra: " required"))</p>
            <button>Request funds</button></form>
            """
    }

    private static func claimForm(_ view: MDFRequestView, _ csrf: String, _ problem: FormProblem?) -> String {
        let fileError = problem.flatMap { $0.field == "file" ? errorText($0.message) : nil } ?? ""
        return """
            <form method="post" action="/mdf/requests/\(view.id)/claim?csrf=\(HTML.escape(csrf))" enctype="multipart/form-data" class="mdf-claim">
            \(field("actual_cost", "actual cost", problem, extra: " inputmode=\"decimal\" required")) \(field("amount", "claim", problem, value: view.approved?.decimalString ?? "", extra: " inputmode=\"decimal\" required"))
            <label>proof (PDF, PNG or JPEG, up to 10 files of 10 MB) <input type="file" name="file" multiple accept=".pdf,.png,.jpg,.jpeg,application/pdf,image/png,image/jpeg"></label>\(fileError)
            <button>Claim</button> <small>by \(view.claimDeadline)</small></form>
            """
    }

    private static func reviewForm(_ action: String, _ id: Int64, _ csrf: String, amount: String? = nil, reason: Bool = false, button: String, _ problem: FormProblem?)
        -> String
    {
        let mine = problem?.form == "\(action)-\(id)" ? problem : nil
        var inputs = ""
        if let amount { inputs += field("amount", "amount", mine, value: amount, extra: " inputmode=\"decimal\" size=\"10\"") }
        if reason { inputs += field("reason", "reason", mine, extra: " maxlength=\"500\" required") }
        // A problem with no input of its own here (a status, a date) stands beside the button.
        let general = mine.flatMap { $0.field == "amount" || $0.field == "reason" ? nil : errorText($0.message) } ?? ""
        return "<form method=\"post\" action=\"/mdf/requests/\(id)/\(action)\" class=\"mdf-\(action)\"><input type=\"hidden\" name=\"csrf\" value=\"\(HTML.escape(csrf))\">\(inputs) <button>\(button)</button>\(general)</form>"
    }

    static func detail(_ view: MDFRequestView) -> String {
        func money(_ value: Money?) -> String { value?.displayString ?? "—" }
        let rows: [(String, String)] = [
            ("partner", "\(view.partner.rawValue) \(view.partnerName)"), ("activity", view.activity), ("kind", view.kind.rawValue),
            ("dates", "\(view.startsOn) to \(view.endsOn)"), ("status", view.status.label + (view.reason.map { ": \($0)" } ?? "")),
            ("planned cost", money(view.plannedCost)), ("requested", "\(money(view.requested)) on \(view.requestedOn)"),
            ("approved", money(view.approved) + (view.approvedOn.map { " on \($0)" } ?? "")), ("claim by", view.claimDeadline.description),
            ("actual cost", money(view.actualCost)), ("claimed", money(view.claimed) + (view.claimedOn.map { " on \($0)" } ?? "")),
            ("accepted", money(view.accepted) + (view.decidedOn.map { " (decided \($0))" } ?? "")), ("paid", view.paidOn?.description ?? "—"),
        ]
        let table = rows.map { "<tr><th>\(HTML.escape($0.0))</th><td>\(HTML.escape($0.1))</td></tr>" }.joined()
        let proofs = view.proofs.isEmpty
            ? "<p>No proof files.</p>"
            : "<ul>" + view.proofs.map { "<li><a href=\"/mdf/proofs/\($0.id)\">\(HTML.escape($0.fileName))</a> (\($0.contentType), \($0.sizeBytes) bytes, SHA-256 <code>\($0.sha256)</code>)</li>" }.joined() + "</ul>"
        return "<table>\(table)</table><h2>Proof of performance</h2>\(proofs)<p><a href=\"/mdf\">Back to MDF</a></p>"
    }

    private static func doneMessage(_ done: String) -> String {
        guard let dash = done.lastIndex(of: "-"), let id = Int64(done[done.index(after: dash)...]) else { return "Done." }
        switch done[..<dash] {
        case "requested": return "Request \(id) sent: it awaits the vendor's review."
        case "claimed": return "Claim for request \(id) sent with its proof: it awaits review."
        case "approve": return "Request \(id) approved: the amount is reserved."
        case "reject": return "Request \(id) rejected."
        case "accept-claim": return "The claim of request \(id) accepted: payable on the partner's statement for this quarter."
        case "reject-claim": return "The claim of request \(id) rejected: its reservation is released."
        default: return "Done."
        }
    }

    // MARK: Input


    /// Which field a refusal is about, so the page shows it there.
    private static func problem(_ form: String, _ error: any Error, _ values: [String: String]) -> FormProblem {
        if let refusal = error as? FormInput.FieldRefusal { return FormProblem(form: form, field: refusal.field, message: refusal.message, values: values) }
        var field: String?
        switch error {
        case MDFError.notPositive(let name): field = name.replacingOccurrences(of: " ", with: "_")
        case MDFError.endsBeforeStart: field = "ends"
        case MDFError.overAvailable, MDFError.overShare, MDFError.overRequested, MDFError.overReserved, MDFError.overClaimed: field = "amount"
        case MDFError.noProof, MDFError.tooManyProofs, MDFError.proof: field = "file"
        case let text as TextProblem where values[text.field] != nil: field = text.field
        case MDFStoreError.missingReason: field = "reason"
        default: field = nil
        }
        return FormProblem(form: form, field: field, message: "\(error)", values: values)
    }




    private func currency(on date: BusinessDate) async throws -> Currency { try await database.read { try await $0.program(on: date).program.currency } }

    private struct Claim {
        let fields: [String: String]
        let proofs: [ProofUpload]
    }

    /// The claim form: its fields and each proof file, each held in memory up to one byte past its limit (so an
    /// oversized file is refused by `ProofFile.check` with its name), the whole body bounded.
    private func receiveClaim(_ request: Request) async throws -> Claim {
        let files = ProofFiles()
        var upload: MultipartUpload
        do {
            upload = try MultipartUpload(contentType: request.headers[.contentType] ?? "") { name in
                files.files.append((name, []))
            } file: { chunk in
                let index = files.files.count - 1
                guard files.files[index].bytes.count <= ProofFile.maximumBytes else { return }
                files.files[index].bytes += chunk.readableBytesView.prefix(ProofFile.maximumBytes + 1 - files.files[index].bytes.count)
            }
        } catch {
            throw WebError(.badRequest, "send the claim with the form (multipart/form-data)", json: false)
        }
        var fields: [String: String] = [:]
        do {
            fields = try await upload.read(request.body, limit: Self.claimBodyLimit).fields
        } catch is BodyTooLarge {
            throw WebError(.contentTooLarge, "a claim may carry at most \(ProofFile.maximumPerClaim) files of 10 MB", json: false)
        } catch let error as MultipartUploadError {
            throw WebError(.badRequest, error.description, json: false)
        }
        // A file input left empty sends a part with no name and no bytes: not a proof.
        return Claim(fields: fields, proofs: files.files.filter { !($0.name.isEmpty && $0.bytes.isEmpty) }.map { ProofUpload(name: $0.name, bytes: $0.bytes) })
    }

    private final class ProofFiles: @unchecked Sendable { var files: [(name: String, bytes: [UInt8])] = [] }
}

extension Response {
    /// The same response with another status: a page re-rendered with a form's error is a 400.
    func withStatus(_ status: HTTPResponse.Status) -> Response {
        var response = self
        response.status = status
        return response
    }
}
