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
        let statuses = FormHTML.options(RenewalStatus.allCases)
        var fields: [String] = []
        if user.role.isVendor {
            fields.append(FormHTML.input("owner", "Owner", nil, size: 8, extra: " maxlength=\"64\" placeholder=\"D01 or DIRECT\"", fallback: filter.owner ?? "", id: "filter-owner"))
        }
        fields.append(FormHTML.input("customer", "Customer", nil, size: 14, extra: " maxlength=\"200\"", fallback: filter.customer ?? "", id: "filter-customer"))
        fields.append(FormHTML.select("status", "Status (open and quoted unless chosen)", statuses, selected: filter.statuses.count == 1 ? filter.statuses[0].rawValue : "", problem: nil, id: "filter-status"))
        fields.append(FormHTML.input("due", "Ending within (days)", nil, type: "number", size: 4, extra: " min=\"0\" max=\"3650\"", fallback: filter.dueWithin.map(String.init) ?? "", id: "filter-due"))
        var values: [String: Any] = [
            "scope": Self.scopeSentence(user, access), "today": today.description, "filters": FormHTML.filters(action: "/renewals", fields, button: "Filter"),
        ]
        values["table"] = DataTable(
            label: "Renewal queue",
            columns: [
                .init(heading: "ID", sort: "id"), .init(heading: "Contract", sort: "contract"), .init(heading: "Customer", sort: "customer"),
                .init(heading: "Reseller", sort: "reseller"), .init(heading: "Owner", sort: "owner"), .init(heading: "SKU", sort: "sku"),
                .init(heading: "Seats", sort: "seats", numeric: true), .init(heading: "Ends", sort: "ends"), .init(heading: "Days", numeric: true),
                .init(heading: "Status", sort: "status"), .init(heading: "Quote", sort: "quote", numeric: true),
            ],
            rows: page.items.map { view in
                [
                    .text(String(view.id), link: "/renewals/\(view.id)"), .text(view.contractID), .text(view.customer), .text(view.reseller.rawValue), .text(view.owner),
                    .text(view.sku), .money(String(view.seats)), .date(view.ends), .money(String(view.daysToEnd)), .text(view.status.rawValue),
                    view.quote.map { .money($0) } ?? .money(""),
                ]
            },
            empty: "No renewal opportunities here: contracts appear as their end comes within the renewal horizon.",
            order: order, pager: order.pager(total: page.total), csv: order.href(at: "/renewals.csv"), id: "renewal-queue"
        ).html()
        values.merge(Self.pipelineValues(pipeline)) { _, new in new }
        values.merge(Self.rateValues(rates)) { _, new in new }
        return signedInPage("Renewals", context, Templates.render(.renewals, values))
    }

    private func detailPage(_ user: SignedInUser, _ id: Int64, _ request: Request, _ context: WebContext, problem: FormProblem?) async throws -> Response {
        let access = try await RenewalAccess.of(user, database)
        let today = WebClock.today(context)
        let (view, events): (RenewalOpportunity, [RenewalEvent])
        do { (view, events) = try await database.read { try await $0.renewalOpportunity(id, asOf: today, access: access) } } catch RenewalError.notFound {
            throw WebError.notFound(json: false)
        }
        var values: [String: Any] = ["id": "\(id)", "csrf": context.session?.csrfToken ?? ""]
        if let done = request.formQuery.get("done"), problem == nil {
            values["notice"] = FormHTML.notice(done == "quoted" ? "Quote recorded." : done == "lapsed" ? "Opportunity lapsed." : "Done.", isError: false)
        }
        let facts: [(String, String)] = [
            ("contract", view.contractID), ("customer", view.customer), ("reseller", "\(view.reseller.rawValue) \(view.resellerName)"),
            ("sold by", view.soldBy), ("owner", view.owner), ("SKU and seats", "\(view.sku) × \(view.seats)"), ("term", "\(view.starts) to \(view.ends)"),
            ("window", "open \(view.window.opensOn) to \(view.window.lastDay); lapses \(view.window.lapsesOn) unless renewed"),
            ("status", "\(view.status.rawValue) (\(view.daysToEnd) days to the end)"),
            ("quote", view.quote.map { "\($0.displayString) on \(view.quotedOn?.description ?? "")" } ?? "—"),
            ("renewed", view.renewedOn.map { "\($0) by \(view.renewedBy ?? "")" } ?? "—"),
            ("lapsed", view.lapsedOn.map { "\($0): \(view.lapseReason ?? "")" } ?? "—"),
        ]
        values["facts"] = facts.map { ["label": $0.0, "value": $0.1] as [String: Any] }
        if RenewalStatus.worked.contains(view.status) {
            if access.mayQuote { values["quote"] = Self.formValues(problem, field: "amount") }
            if access.mayLapse { values["lapse"] = Self.formValues(problem, field: "reason") }
        } else if let problem {
            values["refusal"] = FormHTML.notice(problem.message, isError: true)
        }
        values["hasEvents"] = !events.isEmpty
        values["events"] = events.map { event -> [String: Any] in
            ["date": "\(event.date)", "event": "\(event.event)", "amount": event.amount.map(Templates.money) ?? [:], "note": event.note, "by": event.actor]
        }
        return signedInPage("Renewal opportunity \(id)", context, Templates.render(.renewal, values), crumbs: [("/renewals", "Renewals")])
            .withStatus(problem == nil ? .ok : .badRequest)
    }

    // MARK: Pieces

    static func scopeSentence(_ user: SignedInUser, _ access: RenewalAccess) -> String {
        switch access.scope {
        case .all: return user.role == .admin ? "Every owner's renewals." : "Every owner's renewals (read only)."
        case .soldBy(let sources):
            return sources.isEmpty ? "No distributor is assigned to you yet (channelbook partner assign)." : "Renewals of contracts sold by \(sources.sorted().joined(separator: ", "))."
        case .ownedBy(let owner): return "The renewals \(owner) owns: record a quote when you send one."
        case .boughtBy: return "Maintenance contracts you bought and their renewals."
        }
    }

    /// The pipeline's values for `renewals.mustache`: a chart of what ends within 30, 60 and 90 days, and each owner's row.
    static func pipelineValues(_ rows: [RenewalPipelineRow]) -> [String: Any] {
        guard !rows.isEmpty else { return ["hasPipeline": false] }
        let totals = rows.reduce((0, 0, 0)) { ($0.0 + $1.due0To30, $0.1 + $1.due31To60, $0.2 + $1.due61To90) }
        let chart = SVGChart.bars(
            [("0–30 days", Int64(totals.0), String(totals.0)), ("31–60 days", Int64(totals.1), String(totals.1)), ("61–90 days", Int64(totals.2), String(totals.2))],
            title: "Open and quoted renewals by days to the contract's end")
        let pipeline = rows.map { row -> [String: Any] in
            [
                "owner": row.owner, "due0To30": "\(row.due0To30)", "due31To60": "\(row.due31To60)", "due61To90": "\(row.due61To90)",
                "seats": "\(row.seats0To90)", "value": Templates.money(row.value0To90),
            ]
        }
        return ["hasPipeline": true, "chart": chart, "pipeline": pipeline]
    }

    /// The renewal rate per quarter and owner for `renewals.mustache`.
    static func rateValues(_ quarters: [(Quarter, [RenewalRateRow])]) -> [String: Any] {
        let rates = quarters.flatMap { quarter, rows in
            rows.map { row -> [String: Any] in
                [
                    "quarter": "\(quarter)", "owner": row.owner, "ending": "\(row.ending)", "renewed": "\(row.renewed)", "lapsed": "\(row.lapsed)",
                    "open": "\(row.open)", "rate": row.rateBasisPoints.map { BasisPoints($0).percentString } ?? "—",
                ]
            }
        }
        return [
            "hasRates": !rates.isEmpty, "rates": rates, "first": quarters.first.map { "\($0.0)" } ?? "", "last": quarters.last.map { "\($0.0)" } ?? "",
        ]
    }

    /// A quote's or a lapse's form (`renewal.mustache`): what was typed and the refusal, when the refusal is about its field.
    private static func formValues(_ problem: FormProblem?, field: String) -> [String: Any] {
        let mine = problem?.field == field ? problem : nil
        return ["typed": mine?.typed ?? "", "invalid": mine != nil, "message": mine?.message ?? ""]
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
