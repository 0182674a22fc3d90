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
        // Every request the list shows, in its order.
        router.get("/mdf/requests.csv") { request, context in
            let user = try context.requireUser(json: false)
            let access = try await MDFAccess.of(user, database), today = WebClock.today(context), database = self.database
            let filter = Self.filter(request, access)
            return StreamedCSV.sortedTable(
                fileName: "mdf-requests.csv",
                header: ["id", "partner", "activity", "kind", "starts_on", "ends_on", "requested", "approved", "claimed", "accepted", "status", "reason"],
                order: Self.order(request)
            ) { slice in
                try await database.read { try await $0.mdfRequestTable(filter, asOf: today, slice) }
            } row: {
                [
                    String($0.id), $0.partner.rawValue, $0.activity, $0.kind.rawValue, $0.startsOn.description, $0.endsOn.description, $0.requested.decimalString,
                    $0.approved?.decimalString ?? "", $0.claimed?.decimalString ?? "", $0.accepted?.decimalString ?? "", $0.status.rawValue, $0.reason ?? "",
                ]
            }
        }
        router.get("/mdf/balances") { request, context in
            let (today, filter, rows) = try await balances(request, context)
            let order = Self.balanceOrder(request)
            let body = Templates.render(
                .mdfBalances,
                [
                    "today": Templates.date(today),
                    "filters": FormHTML.filters(
                        action: "/mdf/balances", [FormHTML.input("partner", "Partner", nil, size: 10, extra: " maxlength=\"40\"", fallback: filter, id: "filter-partner")],
                        button: "Filter"),
                    "table": Self.balanceTable(
                        Array(order.page(of: rows)), empty: filter.isEmpty ? "No MDF allocated yet (channelbook mdf allocate QUARTER)." : "No partner matches the filter.",
                        order: order, pager: order.pager(total: rows.count), csv: order.href(at: "/mdf/balances.csv")),
                ])
            return signedInPage("MDF balances", context, body, crumbs: [("/mdf", "Market development funds")])
        }
        router.get("/mdf/balances.csv") { request, context in
            let rows = try await balances(request, context).rows
            return StreamedCSV.rows(fileName: "mdf-balances.csv", header: ["partner", "name"] + BalanceColumn.amounts.map(\.rawValue), rows.map { row in
                [row.partner.rawValue, row.name] + BalanceColumn.amounts.map { $0.amount(of: row).decimalString }
            })
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
            return signedInPage("MDF request \(id)", context, Self.detail(view), crumbs: [("/mdf", "Market development funds")])
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

    /// The order of the request list: newest first unless told otherwise.
    private static func order(_ request: Request) -> TableOrder<MDFRequestColumn> { TableOrder(request, path: "/mdf", default: .id, descending: true) }

    /// The request list's filter as its form sends it (`?partner=&status=`), held to what the login may read.
    private static func filter(_ request: Request, _ access: MDFAccess) -> MDFRequestFilter {
        let query = request.formQuery
        let partner = query.get("partner").flatMap { $0.isEmpty ? nil : PartnerCode(rawValue: String($0.prefix(40))) }
        return MDFRequestFilter(partners: access.reading(access.partner ?? partner), status: query.get("status").flatMap(MDFRequestStatus.init(rawValue:)))
    }

    private func page(_ user: SignedInUser, _ request: Request, _ context: WebContext, problem: FormProblem?) async throws -> Response {
        let today = WebClock.today(context)
        let csrf = context.session?.csrfToken ?? ""
        var values: [String: Any] = [:]
        if let done = request.formQuery.get("done"), problem == nil {
            values["notice"] = FormHTML.notice(Self.doneMessage(done), isError: false)
        } else if let problem, problem.field == nil {
            values["notice"] = FormHTML.notice(problem.message, isError: true)
        }
        let access = try await MDFAccess.of(user, database)
        // The forms the page draws: a refusal about a field is shown beside it, or above the page when its form is not
        // drawn (a row on another page of the list, or gone from a queue since).
        var drawn: Set<String> = []
        if user.role == .partner {
            if let partner = user.partner, user.partnerKind == .reseller {
                (values["partner"], drawn) = try await partnerSection(partner, access, request, today, csrf, problem)
            } else {
                values["noMDF"] = true
            }
        } else if access.readScope?.isEmpty == true {
            values["noAccess"] = true
        } else {
            (values["vendor"], drawn) = try await vendorSection(user, access, request, today, csrf, problem)
        }
        if let problem, problem.field != nil, !drawn.contains(problem.form) { values["notice"] = FormHTML.notice(problem.message, isError: true) }
        return signedInPage("Market development funds", context, Templates.render(.mdf, values)).withStatus(problem == nil ? .ok : .badRequest)
    }

    private func partnerSection(
        _ partner: PartnerCode, _ access: MDFAccess, _ request: Request, _ today: BusinessDate, _ csrf: String, _ problem: FormProblem?
    ) async throws -> (values: [String: Any], forms: Set<String>) {
        let order = Self.order(request), filter = Self.filter(request, access)
        let (balances, requests, ledger) = try await database.read { database in
            (
                try await database.mdfBalances(partner: partner, asOf: today), try await database.mdfRequestTable(filter, asOf: today, order.slice),
                try await database.mdfLedgerRows(partner: partner, asOf: today)
            )
        }
        let claimable = requests.items.filter { $0.status == .approved }.map { "claim-\($0.id)" }
        let values: [String: Any] = [
            "today": Templates.date(today),
            "balance": Self.balanceTable(balances, empty: "No MDF allocated yet: premier and associate resellers get an allocation each quarter."),
            "requestForm": Self.requestForm(csrf, problem?.form == "request" ? problem : nil),
            "filters": Self.filters(filter, partner: nil),
            "requests": Self.requestTable(requests, order: order, empty: "No requests yet.") { view in
                guard view.status == .approved else { return "" }
                return Self.claimForm(view, csrf, listQuery: order.query, problem?.form == "claim-\(view.id)" ? problem : nil)
            },
            "ledger": DataTable(
                label: "Ledger", columns: [.init(heading: "Date"), .init(heading: "Entry"), .init(heading: "Request"), .init(heading: "Amount", numeric: true)],
                rows: ledger.map { [.date($0.date), .text($0.entry.rawValue), .text($0.requestID.map(String.init) ?? ""), .money($0.amount)] },
                empty: "No entries yet."
            ).html(),
        ]
        return (values, Set(["request"] + claimable))
    }

    /// How many rows of a review queue the page shows; the rest are in the list below, filtered by status.
    private static let queueLength = 50

    private func vendorSection(
        _ user: SignedInUser, _ access: MDFAccess, _ request: Request, _ today: BusinessDate, _ csrf: String, _ problem: FormProblem?
    ) async throws -> (values: [String: Any], forms: Set<String>) {
        let order = Self.order(request), filter = Self.filter(request, access)
        let mayReview = user.role.may(.reviewMDF)
        // The queues: oldest first, the reviewer's own partners.
        let queue = TableSlice<MDFRequestColumn>(column: .id, limit: Self.queueLength)
        let (pending, claims, all) = try await database.read { database in
            (
                try await database.mdfRequestTable(MDFRequestFilter(partners: access.reviewScope, status: .requested), asOf: today, queue),
                try await database.mdfRequestTable(MDFRequestFilter(partners: access.reviewScope, status: .claimed), asOf: today, queue),
                try await database.mdfRequestTable(filter, asOf: today, order.slice)
            )
        }
        func actions(_ view: MDFRequestView) -> String {
            func proofs(labelled: Bool) -> String {
                Templates.render(
                    .mdfProofs,
                    [
                        "labelled": labelled,
                        "proofs": view.proofs.enumerated().map { index, proof -> [String: Any] in
                            ["id": proof.id, "fileName": proof.fileName, "last": index == view.proofs.count - 1]
                        },
                    ])
            }
            guard mayReview else { return proofs(labelled: false) }
            switch view.status {
            case .requested:
                return Self.reviewForm("approve", view.id, csrf, amount: view.requested.decimalString, button: "Approve", problem)
                    + Self.reviewForm("reject", view.id, csrf, reason: true, button: "Reject", problem)
            case .claimed:
                return proofs(labelled: true) + Self.reviewForm("accept-claim", view.id, csrf, amount: view.claimed?.decimalString ?? "", button: "Accept claim", problem)
                    + Self.reviewForm("reject-claim", view.id, csrf, reason: true, button: "Reject claim", problem)
            default: return proofs(labelled: false)
            }
        }
        var values: [String: Any] = [
            "isAccountManager": user.role == .accountManager, "today": Templates.date(today),
            "pending": Self.requestTable(pending, label: "Requests awaiting a decision", empty: "No request is waiting.", actions: actions),
            "claims": Self.requestTable(claims, label: "Claims awaiting review", empty: "No claim is waiting.", actions: actions),
            "filters": Self.filters(filter, partner: request.formQuery.get("partner").map { String($0.prefix(40)) } ?? ""),
            "requests": Self.requestTable(all, order: order, empty: filter.status == nil ? "No requests." : "No request matches the filter.") { _ in "" },
        ]
        if pending.total > Self.queueLength { values["morePending"] = pending.total }
        if claims.total > Self.queueLength { values["moreClaims"] = claims.total }
        let forms = mayReview
            ? pending.items.flatMap { ["approve-\($0.id)", "reject-\($0.id)"] } + claims.items.flatMap { ["accept-claim-\($0.id)", "reject-claim-\($0.id)"] } : []
        return (values, Set(forms))
    }

    /// The balances a vendor login may read on today (its partners' for an account manager), filtered by a partner's
    /// code, in the order asked. Each is its ledger's balance (`MDFLedger`, the one rule), computed whole per partner,
    /// so the list is sorted and paged here rather than in SQL.
    private func balances(_ request: Request, _ context: WebContext) async throws -> (today: BusinessDate, filter: String, rows: [MDFBalanceRow]) {
        let user = try context.requireVendor(json: false)
        let access = try await MDFAccess.of(user, database), today = WebClock.today(context)
        let filter = String((request.formQuery.get("partner") ?? "").prefix(40))
        let rows = access.readScope?.isEmpty == true ? [] : try await database.read {
            try await $0.mdfBalances(within: access.reading(filter.isEmpty ? nil : PartnerCode(rawValue: filter)), asOf: today)
        }
        return (today, filter, Self.balanceOrder(request).sorted(rows, key: { column, row in
            switch column {
            case .partner: (0, row.partner.rawValue)
            case .name: (0, row.name.lowercased())
            default: (column.amount(of: row).minorUnits, "")
            }
        }, tiebreak: { $0.partner.rawValue }))
    }

    /// By partner code unless told otherwise.
    private static func balanceOrder(_ request: Request) -> TableOrder<BalanceColumn> { TableOrder(request, path: "/mdf/balances", default: .partner, descending: false) }

    /// The balance list's columns, sorted in memory.
    enum BalanceColumn: String, ListColumn {
        case partner, name, allocated, expired, reserved, payable, paid, available

        static let amounts: [BalanceColumn] = [.allocated, .expired, .reserved, .payable, .paid, .available]

        var heading: String { rawValue.prefix(1).uppercased() + rawValue.dropFirst() }

        func amount(of row: MDFBalanceRow) -> Money {
            switch self {
            case .partner, .name, .allocated: row.allocated
            case .expired: row.expired
            case .reserved: row.reserved
            case .payable: row.payable
            case .paid: row.paid
            case .available: row.available
            }
        }
    }

    // MARK: Pieces

    /// The request list's filter form: a status, and (for the vendor) a partner's code.
    private static func filters(_ filter: MDFRequestFilter, partner: String?) -> String {
        var fields = [
            FormHTML.select(
                "status", "Status", MDFRequestStatus.allCases.map { ($0.rawValue, $0.label) }, selected: filter.status?.rawValue ?? "", problem: nil,
                id: "filter-status")
        ]
        if let partner { fields.insert(FormHTML.input("partner", "Partner", nil, size: 10, extra: " maxlength=\"40\"", fallback: partner, id: "filter-partner"), at: 0) }
        return FormHTML.filters(action: "/mdf", fields, button: "Filter")
    }

    /// Balances, one row per partner: a reseller's own on its page, every partner's on `/mdf/balances`.
    static func balanceTable(
        _ rows: [MDFBalanceRow], empty: String, order: TableOrder<BalanceColumn>? = nil, pager: Pager? = nil, csv: String? = nil
    ) -> String {
        DataTable(
            label: "MDF balances",
            columns: [.init(heading: "Partner", sort: "partner"), .init(heading: "Name", sort: "name")]
                + BalanceColumn.amounts.map { .init(heading: $0.heading, sort: $0.rawValue, numeric: true) },
            rows: rows.map { row in
                [.text(row.partner.rawValue), .text(row.name)] + BalanceColumn.amounts.map { .money($0.amount(of: row)) }
            },
            empty: empty, order: order, pager: pager, csv: csv
        ).html()
    }

    /// Requests as a table: the review queues (no order: oldest first), the list (sorted, paged, with its CSV).
    static func requestTable(
        _ page: CountedPage<MDFRequestView>, order: TableOrder<MDFRequestColumn>? = nil, label: String = "MDF requests", empty: String,
        actions: (MDFRequestView) -> String
    ) -> String {
        DataTable(
            label: label,
            columns: [
                .init(heading: "ID", sort: "id"), .init(heading: "Partner", sort: "partner"), .init(heading: "Activity", sort: "activity"),
                .init(heading: "Kind", sort: "kind"), .init(heading: "Dates", sort: "starts"), .init(heading: "Requested", sort: "requested", numeric: true),
                .init(heading: "Approved", sort: "approved", numeric: true), .init(heading: "Claimed", sort: "claimed", numeric: true),
                .init(heading: "Accepted", sort: "accepted", numeric: true), .init(heading: "Status", sort: "status"), .init(heading: "Actions"),
            ],
            rows: page.items.map { view in
                func amount(_ money: Money?) -> DataTable.Cell { money.map { .money($0) } ?? .money("") }
                return [
                    .text(String(view.id), link: "/mdf/requests/\(view.id)"), .text(view.partner.rawValue), .text(view.activity), .text(view.kind.rawValue),
                    .markup(Templates.render(.date, Templates.date(view.startsOn)) + " to " + Templates.render(.date, Templates.date(view.endsOn))), .money(view.requested), amount(view.approved), amount(view.claimed), amount(view.accepted),
                    .text(view.status.label + (view.reason.map { ": " + $0 } ?? "")), .markup(actions(view)),
                ]
            },
            empty: empty, order: order, pager: order?.pager(total: page.total), csv: order?.href(at: "/mdf/requests.csv")
        ).html()
    }

    private static func requestForm(_ csrf: String, _ problem: FormProblem?) -> String {
        func field(_ name: String, _ label: String, type: String = "text", extra: String) -> String {
            FormHTML.input(name, label, problem, type: type, required: true, extra: extra, id: "request-\(name)")
        }
        return Templates.render(
            .mdfRequestForm,
            [
                "csrf": csrf, "activity": field("activity", "Activity", extra: " maxlength=\"200\""),
                "kind": FormHTML.select("kind", "Kind", FormHTML.options(MDFActivityKind.allCases), selected: problem?.values["kind"] ?? "", problem: problem, required: true, id: "request-kind"),
                "plannedCost": field("planned_cost", "Planned cost", extra: " inputmode=\"decimal\""),
                "amount": field("amount", "Amount requested", extra: " inputmode=\"decimal\""),
                "starts": field("starts", "Starts", type: "date", extra: ""), "ends": field("ends", "Ends", type: "date", extra: ""),
            ])
    }

    /// A claim posts with the list's query (`listQuery`), so a refusal shows the page the row was on.
    private static func claimForm(_ view: MDFRequestView, _ csrf: String, listQuery: String, _ problem: FormProblem?) -> String {
        let id = "claim-\(view.id)"
        return Templates.render(
            .mdfClaimForm,
            [
                "id": view.id, "csrf": csrf, "listQuery": listQuery, "deadline": Templates.date(view.claimDeadline),
                "actualCost": FormHTML.input("actual_cost", "Actual cost", problem, required: true, size: 10, extra: " inputmode=\"decimal\"", id: "\(id)-actual-cost"),
                "amount": FormHTML.input(
                    "amount", "Claim", problem, required: true, size: 10, extra: " inputmode=\"decimal\"", fallback: view.approved?.decimalString ?? "", id: "\(id)-amount"),
                "file": FormHTML.input(
                    "file", "Proof (PDF, PNG or JPEG, up to 10 files of 10 MB)", problem, type: "file",
                    extra: " multiple accept=\".pdf,.png,.jpg,.jpeg,application/pdf,image/png,image/jpeg\"", id: "\(id)-file"),
            ])
    }

    private static func reviewForm(_ action: String, _ id: Int64, _ csrf: String, amount: String? = nil, reason: Bool = false, button: String, _ problem: FormProblem?)
        -> String
    {
        let mine = problem?.form == "\(action)-\(id)" ? problem : nil
        var fields = ""
        if let amount { fields += FormHTML.input("amount", "Amount", mine, size: 10, extra: " inputmode=\"decimal\"", fallback: amount, id: "\(action)-\(id)-amount") }
        if reason { fields += FormHTML.input("reason", "Reason", mine, required: true, extra: " maxlength=\"500\"", id: "\(action)-\(id)-reason") }
        var values: [String: Any] = ["action": action, "id": id, "csrf": csrf, "fields": fields, "button": button]
        // A problem with no input of its own here (a status, a date) stands beside the button.
        if let mine, mine.field != "amount", mine.field != "reason" { values["general"] = mine.message }
        return Templates.render(.mdfReviewForm, values)
    }

    static func detail(_ view: MDFRequestView) -> String {
        func money(_ value: Money?) -> String { value?.displayString ?? "—" }
        let facts: [(String, String)] = [
            ("Partner", "\(view.partner.rawValue) \(view.partnerName)"), ("Activity", view.activity), ("Kind", view.kind.rawValue),
            ("Dates", "\(view.startsOn) to \(view.endsOn)"), ("Status", view.status.label + (view.reason.map { ": \($0)" } ?? "")),
            ("Planned cost", money(view.plannedCost)), ("Requested", "\(money(view.requested)) on \(view.requestedOn)"),
            ("Approved", money(view.approved) + (view.approvedOn.map { " on \($0)" } ?? "")), ("Claim by", view.claimDeadline.description),
            ("Actual cost", money(view.actualCost)), ("Claimed", money(view.claimed) + (view.claimedOn.map { " on \($0)" } ?? "")),
            ("Accepted", money(view.accepted) + (view.decidedOn.map { " (decided \($0))" } ?? "")), ("Paid", view.paidOn?.description ?? "—"),
        ]
        return Templates.render(
            .mdfRequest,
            [
                "facts": facts.map { ["label": $0.0, "text": $0.1] }, "hasProofs": !view.proofs.isEmpty,
                "proofs": view.proofs.map { proof -> [String: Any] in
                    ["id": proof.id, "fileName": proof.fileName, "contentType": proof.contentType, "sizeBytes": proof.sizeBytes, "sha256": proof.sha256]
                },
            ])
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
