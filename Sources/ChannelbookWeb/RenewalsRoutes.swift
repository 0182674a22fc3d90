import ChannelbookCore
import ChannelbookStore
import Hummingbird

/// `/renewals`: maintenance renewal queues. A maintenance officer's dashboard is its queue (the distributors assigned
/// to it); a distributor's login sees the renewals it owns and records quotes; a reseller's login sees the contracts it
/// bought; the vendor sees every owner. Each page shows the pipeline (inline SVG) and the renewal rate per quarter.
/// What a login may see and do is `RenewalAccess`, the rule the API and the CLI share.
struct RenewalsRoutes {
    let database: DatabasePool

    struct QuoteForm: Decodable {
        let csrf: String
        let amount: String?
    }

    struct LapseForm: Decodable {
        let csrf: String
        let reason: String?
    }

    /// A refused form: the opportunity, the field, the message and what was typed.
    struct FormProblem {
        let id: Int64
        let field: String
        let message: String
        let typed: String
    }

    func register(on router: Router<WebContext>) {
        router.get("/renewals") { request, context in
            let user = try context.requireUser(json: false)
            return try await queuePage(user, request, context)
        }
        router.get("/renewals.csv") { request, context in
            let user = try context.requireUser(json: false)
            let access = try await RenewalAccess.of(user, database)
            let filter = Self.filter(request, WebClock.today(context)), database = self.database
            let order = Self.order(request)
            let header = ["id", "contract", "customer", "reseller", "owner", "sku", "seats", "ends", "days_to_end", "status", "quote"]
            return StreamedCSV.sortedTable(fileName: "renewals.csv", header: header, order: order) { slice in
                try await database.read { try await $0.renewalTable(filter, access: access, slice) }
            } row: {
                [String($0.id), $0.contractID, $0.customer, $0.reseller.rawValue, $0.owner, $0.sku, String($0.seats), $0.ends.description, String($0.daysToEnd),
                 $0.status.rawValue, $0.quote?.decimalString ?? ""]
            }
        }
        router.get("/renewals/:id") { request, context in
            let user = try context.requireUser(json: false)
            return try await detailPage(user, FormInput.id(context), request, context, problem: nil)
        }
        router.post("/renewals/:id/quote") { request, context in
            let user = try context.requireUser(json: false)
            let form = try await FormRoutes.decodeForm(QuoteForm.self, request, context)
            try context.checkCSRF(form.csrf)
            let id = try FormInput.id(context)
            let access = try await RenewalAccess.of(user, database)
            let today = WebClock.today(context)
            do {
                let currency = try await database.read { try await $0.program(on: today).program.currency }
                let amount = try FormInput.amount("amount", form.amount, currency)
                try await database.write { try await $0.quoteRenewal(id, amount: amount, on: today, access: access, actor: user.email) }
                return Response.redirect(to: "/renewals/\(id)?done=quoted", type: .normal)
            } catch RenewalError.notFound {
                throw WebError.notFound(json: false)
            } catch RenewalError.notAllowed {
                throw WebError(.forbidden, "this login may not quote renewals", json: false)
            } catch let refusal where FormInput.isRefusal(refusal) {
                return try await detailPage(user, id, request, context, problem: Self.problem(id, "amount", refusal, form.amount ?? ""))
            }
        }
        router.post("/renewals/:id/lapse") { request, context in
            let user = try context.requireUser(json: false)
            let form = try await FormRoutes.decodeForm(LapseForm.self, request, context)
            try context.checkCSRF(form.csrf)
            let id = try FormInput.id(context)
            let access = try await RenewalAccess.of(user, database)
            do {
                try await database.write { try await $0.lapseRenewal(id, reason: form.reason ?? "", on: WebClock.today(context), access: access, actor: user.email) }
                return Response.redirect(to: "/renewals/\(id)?done=lapsed", type: .normal)
            } catch RenewalError.notFound {
                throw WebError.notFound(json: false)
            } catch RenewalError.notAllowed {
                throw WebError(.forbidden, "this login may not lapse renewals", json: false)
            } catch let refusal where FormInput.isRefusal(refusal) {
                return try await detailPage(user, id, request, context, problem: Self.problem(id, "reason", refusal, form.reason ?? ""))
            }
        }
    }

    // MARK: Pages

    /// The order the queue is shown in, as the request asks: the soonest end first unless told otherwise.
    private static func order(_ request: Request) -> TableOrder<RenewalColumn> { TableOrder(request, path: "/renewals", default: .ends, descending: false) }

    /// The queue's filters from the query: a status (open and quoted by default), an owner, a customer, ending within.
    private static func filter(_ request: Request, _ today: BusinessDate) -> RenewalFilter {
        let query = request.formQuery
        let status = query.get("status").flatMap(RenewalStatus.init(rawValue:))
        return RenewalFilter(
            asOf: today, statuses: status.map { [$0] } ?? RenewalStatus.worked, owner: query.get("owner").flatMap { $0.isEmpty ? nil : String($0.prefix(64)) },
            dueWithin: query.get("due").flatMap { Int($0) }.map { max(0, min($0, 3650)) },
            customer: query.get("customer").flatMap { $0.isEmpty ? nil : String($0.prefix(200)) })
    }

    /// The queue with its filters, paged in SQL, then the pipeline and the rate per quarter.
    func queuePage(_ user: SignedInUser, _ request: Request, _ context: WebContext) async throws -> Response {
        let access = try await RenewalAccess.of(user, database)
        let today = WebClock.today(context)
        let filter = Self.filter(request, today)
        let order = Self.order(request)
        let quarter = Quarter(containing: today)
        let quarters = [quarter.previous.previous, quarter.previous, quarter, quarter.next]
        let (page, pipeline, rates) = try await database.read { database in
            (
                try await database.renewalTable(filter, access: access, order.slice),
                try await database.renewalPipeline(asOf: today, access: access),
                try await quarters.asyncMap { ($0, try await database.renewalRate($0, asOf: today, access: access)) }
            )
        }
        var body = "<p>\(Self.scopeSentence(user, access)) Statuses as of \(today).</p>"
        let statuses = FormHTML.options(RenewalStatus.allCases)
        var fields: [String] = []
        if user.role.isVendor {
            fields.append(FormHTML.input("owner", "Owner", nil, size: 8, extra: " maxlength=\"64\" placeholder=\"D01 or DIRECT\"", fallback: filter.owner ?? "", id: "filter-owner"))
        }
        fields.append(FormHTML.input("customer", "Customer", nil, size: 14, extra: " maxlength=\"200\"", fallback: filter.customer ?? "", id: "filter-customer"))
        fields.append(FormHTML.select("status", "Status (open and quoted unless chosen)", statuses, selected: filter.statuses.count == 1 ? filter.statuses[0].rawValue : "", problem: nil, id: "filter-status"))
        fields.append(FormHTML.input("due", "Ending within (days)", nil, type: "number", size: 4, extra: " min=\"0\" max=\"3650\"", fallback: filter.dueWithin.map(String.init) ?? "", id: "filter-due"))
        body += FormHTML.filters(action: "/renewals", fields, button: "Filter")
        body += "<h2>Queue</h2>"
        body += DataTable(
            label: "Renewal queue",
            columns: [
                .init(heading: "Id", sort: "id"), .init(heading: "Contract", sort: "contract"), .init(heading: "Customer", sort: "customer"),
                .init(heading: "Reseller", sort: "reseller"), .init(heading: "Owner", sort: "owner"), .init(heading: "SKU", sort: "sku"),
                .init(heading: "Seats", sort: "seats", numeric: true), .init(heading: "Ends", sort: "ends"), .init(heading: "Days", numeric: true),
                .init(heading: "Status", sort: "status"), .init(heading: "Quote", sort: "quote", numeric: true),
            ],
            rows: page.items.map { view in
                [
                    .text(String(view.id), link: "/renewals/\(view.id)"), .text(view.contractID), .text(view.customer), .text(view.reseller.rawValue), .text(view.owner),
                    .text(view.sku), .money(String(view.seats)), .text(view.ends.description), .money(String(view.daysToEnd)), .text(view.status.rawValue),
                    view.quote.map { .money($0) } ?? .money(""),
                ]
            },
            empty: "No renewal opportunities here: contracts appear as their end comes within the renewal horizon.",
            order: order, pager: order.pager(total: page.total), csv: order.href(at: "/renewals.csv"), id: "renewal-queue"
        ).html()
        body += "<h2>Pipeline on \(today)</h2>" + Self.pipeline(pipeline)
        body += "<h2>Renewal rate</h2>" + Self.rates(rates)
        return signedInPage("Renewals", context, body)
    }

    private func detailPage(_ user: SignedInUser, _ id: Int64, _ request: Request, _ context: WebContext, problem: FormProblem?) async throws -> Response {
        let access = try await RenewalAccess.of(user, database)
        let today = WebClock.today(context)
        let (view, events): (RenewalOpportunity, [RenewalEvent])
        do { (view, events) = try await database.read { try await $0.renewalOpportunity(id, asOf: today, access: access) } } catch RenewalError.notFound {
            throw WebError.notFound(json: false)
        }
        var body = ""
        if let done = request.formQuery.get("done"), problem == nil {
            body += FormHTML.notice(done == "quoted" ? "Quote recorded." : done == "lapsed" ? "Opportunity lapsed." : "Done.", isError: false)
        }
        let rows: [(String, String)] = [
            ("contract", view.contractID), ("customer", view.customer), ("reseller", "\(view.reseller.rawValue) \(view.resellerName)"),
            ("sold by", view.soldBy), ("owner", view.owner), ("SKU and seats", "\(view.sku) × \(view.seats)"), ("term", "\(view.starts) to \(view.ends)"),
            ("window", "open \(view.window.opensOn) to \(view.window.lastDay); lapses \(view.window.lapsesOn) unless renewed"),
            ("status", "\(view.status.rawValue) (\(view.daysToEnd) days to the end)"),
            ("quote", view.quote.map { "\($0.displayString) on \(view.quotedOn?.description ?? "")" } ?? "—"),
            ("renewed", view.renewedOn.map { "\($0) by \(view.renewedBy ?? "")" } ?? "—"),
            ("lapsed", view.lapsedOn.map { "\($0): \(view.lapseReason ?? "")" } ?? "—"),
        ]
        body += "<table class=\"detail\">" + rows.map { "<tr><th>\(HTML.escape($0.0))</th><td>\(HTML.escape($0.1))</td></tr>" }.joined() + "</table>"
        if RenewalStatus.worked.contains(view.status) {
            let csrf = context.session?.csrfToken ?? ""
            if access.mayQuote { body += Self.actionForm(view.id, "quote", csrf, label: "quote amount", button: "Record quote", problem: problem, extra: " inputmode=\"decimal\" required") }
            if access.mayLapse { body += Self.actionForm(view.id, "lapse", csrf, label: "reason", button: "Lapse", problem: problem, extra: " maxlength=\"500\" required") }
        } else if let problem {
            body += FormHTML.notice(problem.message, isError: true)
        }
        body += "<h2>History</h2>"
        body += events.isEmpty
            ? "<p>Nothing recorded yet.</p>"
            : "<table><thead><tr><th>date</th><th>event</th><th>amount</th><th>note</th><th>by</th></tr></thead><tbody>"
                + events.map {
                    "<tr><td>\($0.date)</td><td>\($0.event)</td><td class=\"money\">\($0.amount?.displayString ?? "")</td><td>\(HTML.escape($0.note))</td><td>\(HTML.escape($0.actor))</td></tr>"
                }.joined() + "</tbody></table>"
        body += "<p><a href=\"/renewals\">Back to the queue</a></p>"
        return signedInPage("Renewal opportunity \(id)", context, body).withStatus(problem == nil ? .ok : .badRequest)
    }

    // MARK: Pieces

    static func scopeSentence(_ user: SignedInUser, _ access: RenewalAccess) -> String {
        switch access.scope {
        case .all: return user.role == .admin ? "Every owner's renewals." : "Every owner's renewals (read only)."
        case .soldBy(let sources):
            return sources.isEmpty ? "No distributor is assigned to you yet (channelbook partner assign)." : "Renewals of contracts sold by \(HTML.escape(sources.sorted().joined(separator: ", ")))."
        case .ownedBy(let owner): return "The renewals \(HTML.escape(owner)) owns: record a quote when you send one."
        case .boughtBy: return "Maintenance contracts you bought and their renewals."
        }
    }

    static func pipeline(_ rows: [RenewalPipelineRow]) -> String {
        guard !rows.isEmpty else { return "<p>No open or quoted opportunity ends in the next 90 days.</p>" }
        let totals = rows.reduce((0, 0, 0)) { ($0.0 + $1.due0To30, $0.1 + $1.due31To60, $0.2 + $1.due61To90) }
        let chart = SVGChart.bars(
            [("0–30 days", Int64(totals.0), String(totals.0)), ("31–60 days", Int64(totals.1), String(totals.1)), ("61–90 days", Int64(totals.2), String(totals.2))],
            title: "Open and quoted renewals by days to the contract's end")
        let table = rows.map {
            "<tr><td>\(HTML.escape($0.owner))</td><td class=\"money\">\($0.due0To30)</td><td class=\"money\">\($0.due31To60)</td><td class=\"money\">\($0.due61To90)</td><td class=\"money\">\($0.seats0To90)</td><td class=\"money\">\($0.value0To90.displayString)</td></tr>"
        }.joined()
        return "<figure class=\"pipeline\">\(chart)</figure><table><thead><tr><th>owner</th><th>0–30 days</th><th>31–60</th><th>61–90</th><th>seats</th><th>value</th></tr></thead><tbody>\(table)</tbody></table>"
    }

    static func rates(_ quarters: [(Quarter, [RenewalRateRow])]) -> String {
        let rows = quarters.flatMap { quarter, rows in
            rows.map {
                "<tr><td>\(quarter)</td><td>\(HTML.escape($0.owner))</td><td class=\"money\">\($0.ending)</td><td class=\"money\">\($0.renewed)</td><td class=\"money\">\($0.lapsed)</td><td class=\"money\">\($0.open)</td><td class=\"money\">\($0.rateBasisPoints.map { BasisPoints($0).percentString } ?? "—")</td></tr>"
            }
        }
        guard !rows.isEmpty else { return "<p>No contract ends in \(quarters.first!.0) to \(quarters.last!.0).</p>" }
        return "<table><thead><tr><th>contracts ending in</th><th>owner</th><th>ending</th><th>renewed</th><th>lapsed</th><th>undecided</th><th>rate</th></tr></thead><tbody>\(rows.joined())</tbody></table>"
    }

    private static func actionForm(_ id: Int64, _ action: String, _ csrf: String, label: String, button: String, problem: FormProblem?, extra: String) -> String {
        let name = action == "quote" ? "amount" : "reason"
        let mine = problem?.field == name ? problem : nil
        let error = mine.map { " <span class=\"error\" id=\"\(action)-error\" role=\"alert\">\(HTML.escape($0.message))</span>" } ?? ""
        let described = mine == nil ? "" : " aria-invalid=\"true\" aria-describedby=\"\(action)-error\""
        return """
            <form method="post" action="/renewals/\(id)/\(action)" class="renewal-\(action)"><input type="hidden" name="csrf" value="\(HTML.escape(csrf))">
            <label>\(label) <input name="\(name)" value="\(HTML.escape(mine?.typed ?? ""))"\(extra)\(described)></label> <button>\(button)</button>\(error)</form>
            """
    }


    private static func problem(_ id: Int64, _ field: String, _ error: any Error, _ typed: String) -> FormProblem {
        FormProblem(id: id, field: field, message: (error as? FormInput.FieldRefusal)?.message ?? "\(error)", typed: typed)
    }
}

extension Array {
    /// `map` with an async transform, in order.
    func asyncMap<T>(_ transform: (Element) async throws -> T) async rethrows -> [T] {
        var results: [T] = []
        results.reserveCapacity(count)
        for element in self { results.append(try await transform(element)) }
        return results
    }
}
