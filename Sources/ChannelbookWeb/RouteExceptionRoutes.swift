import ChannelbookCore
import ChannelbookImport
import ChannelbookStore
import Foundation
import Hummingbird

/// `/quarters/{quarter}/exceptions`: the quarter's route exceptions, filtered by review state, reseller and source,
/// sorted by any column and paged in SQL, with their CSV. The vendor's admin accepts one with a note, or reassigns its
/// line to the reseller it belongs to (two correcting lines, `reassignRouteException`). A distributor's login sees
/// its own reports' exceptions, read only.
struct RouteExceptionRoutes {
    let database: DatabasePool

    struct ReviewForm: Decodable {
        let csrf: String
        let source: String
        let line: String
        let note: String?
        /// For a reassignment: the reseller the line belongs to.
        let reseller: String?
    }

    /// What the queue is narrowed to; a distributor's login only ever to its own source.
    struct Filter: Sendable {
        let reviewed: Bool?
        let reseller: PartnerCode?
        let source: String?

        init(_ request: Request, _ user: SignedInUser) throws {
            let query = request.formQuery
            reviewed = switch query.get("reviewed") { case "yes": true; case "no": false; default: nil }
            reseller = query.get("reseller").flatMap { $0.isEmpty ? nil : PartnerCode(rawValue: String($0.prefix(40))) }
            if user.role.isVendor {
                source = query.get("source").flatMap { $0.isEmpty ? nil : String($0.prefix(64)) }
            } else {
                // A partner's login sees the exceptions of its own reports, and only a distributor has reports.
                guard user.partnerKind == .distributor, let own = user.partner else { throw WebError.notFound(json: false) }
                source = own.rawValue
            }
        }
    }

    /// The order the queue is shown in, as the request asks: by date unless told otherwise.
    private static func order(_ request: Request, _ quarter: Quarter) -> TableOrder<RouteExceptionColumn> {
        TableOrder(request, path: "/quarters/\(quarter)/exceptions", default: .date, descending: false)
    }

    func register(on router: Router<WebContext>) {
        router.get("/quarters/:quarter/exceptions") { request, context in
            let user = try context.requireUser(json: false)
            return try await page(try QuarterEndRoutes.quarter(context), user, request, context, problem: nil)
        }
        router.get("/quarters/:quarter/exceptions.csv") { request, context in
            let user = try context.requireUser(json: false)
            let quarter = try QuarterEndRoutes.quarter(context), filter = try Filter(request, user), database = self.database
            let order = Self.order(request, quarter)
            let header = ["date", "source", "line_id", "reseller", "category", "amount", "reason", "review", "reviewed_by"]
            return StreamedCSV.sortedTable(fileName: "route-exceptions-\(quarter).csv", header: header, order: order) { slice in
                try await database.read {
                    try await $0.routeExceptionTable(quarter, reseller: filter.reseller, source: filter.source, reviewed: filter.reviewed, slice)
                }
            } row: {
                [$0.date.description, $0.source, $0.lineID, $0.reseller.rawValue, $0.category.rawValue, $0.amount.decimalString, $0.reason.rawValue, $0.reviewNote ?? "",
                 $0.reviewedBy.map { staffName($0, seenByVendor: user.role.isVendor) } ?? ""]
            }
        }
        router.post("/quarters/:quarter/exceptions/review") { request, context in
            try await act(request, context, action: "review") { form, user, database in
                _ = try await database.reviewRouteException(source: form.source, lineID: form.line, note: form.note ?? "", actor: user.email)
                return "Accepted line \(form.line) of \(form.source)."
            }
        }
        router.post("/quarters/:quarter/exceptions/reassign") { request, context in
            try await act(request, context, action: "reassign") { form, user, database in
                let reseller = PartnerCode(rawValue: String((form.reseller ?? "").prefix(40)))
                guard !reseller.rawValue.isEmpty else { throw FormInput.FieldRefusal("reseller", "give the code of the reseller the line belongs to") }
                let summary = try await database.reassignRouteException(source: form.source, lineID: form.line, to: reseller, note: form.note ?? "", actor: user.email)
                let late = summary.lateLines > 0 ? " Its quarter was approved: the move reaches the statements as adjustments." : ""
                return "Reassigned line \(form.line) of \(form.source) to \(reseller.rawValue).\(late)"
            }
        }
    }

    /// Runs a review action for the admin: back to the queue with its message, or the queue again with the refusal
    /// beside the row's field and what was typed kept (400).
    private func act(
        _ request: Request, _ context: WebContext, action: String,
        _ perform: @escaping @Sendable (ReviewForm, SignedInUser, ChannelbookDatabase) async throws -> String
    ) async throws -> Response {
        let user = try context.require(.reviewRouteExceptions)
        let form = try await FormRoutes.decodeForm(ReviewForm.self, request, context)
        try context.checkCSRF(form.csrf)
        let quarter = try QuarterEndRoutes.quarter(context)
        let bounded = ReviewForm(
            csrf: form.csrf, source: String(form.source.prefix(64)), line: String(form.line.prefix(200)), note: form.note, reseller: form.reseller)
        do {
            let done = try await database.write { try await perform(bounded, user, $0) }
            // Back to the queue as it was shown: the form posted with its filters, order and page.
            let order = Self.order(request, quarter)
            return FormHTML.redirect(to: order.here, done: done, context)
        } catch let failure as DatabaseFailure {
            throw WebError(failure, json: false)
        } catch let refusal where FormInput.isRefusal(refusal) || refusal is ImportProblems {
            let field: String =
                switch refusal {
                case let field as FormInput.FieldRefusal: field.field
                case is RouteExceptionReassignError: "reseller"
                default: "note"
                }
            let problem = FormProblem(
                form: "\(action)-\(form.source)-\(form.line)", field: field, message: "\(refusal)", values: ["note": form.note ?? "", "reseller": form.reseller ?? ""])
            return try await page(quarter, user, request, context, problem: problem)
        }
    }

    private func page(_ quarter: Quarter, _ user: SignedInUser, _ request: Request, _ context: WebContext, problem: FormProblem?) async throws -> Response {
        let filter = try Filter(request, user)
        let order = Self.order(request, quarter)
        let page = try await database.read {
            try await $0.routeExceptionTable(quarter, reseller: filter.reseller, source: filter.source, reviewed: filter.reviewed, order.slice)
        }
        let csrf = context.session?.csrfToken ?? ""
        let mayReview = user.role.may(.reviewRouteExceptions)
        let states = [(value: "no", label: "not yet"), (value: "yes", label: "reviewed")]
        var fields = [
            FormHTML.select("reviewed", "Reviewed", states, selected: filter.reviewed.map { $0 ? "yes" : "no" } ?? "", problem: nil, id: "filter-reviewed"),
            FormHTML.input("reseller", "Reseller", nil, size: 10, fallback: filter.reseller?.rawValue ?? "", id: "filter-reseller"),
        ]
        if user.role.isVendor { fields.append(FormHTML.input("source", "Source", nil, size: 10, fallback: filter.source ?? "", id: "filter-source")) }
        var values: [String: Any] = [
            "quarter": quarter.description, "vendor": user.role.isVendor, "notices": FormHTML.notices(request, context, problem),
            "filters": FormHTML.filters(action: "/quarters/\(quarter)/exceptions", fields, button: "Filter"),
        ]
        let table = DataTable(
            label: "Route exceptions \(quarter)",
            columns: [
                .init(heading: "Date", sort: "date"), .init(heading: "Source", sort: "source"), .init(heading: "Line", sort: "line"),
                .init(heading: "Reseller", sort: "reseller"), .init(heading: "Category", sort: "category"), .init(heading: "Amount", sort: "amount", numeric: true),
                .init(heading: "Why", sort: "reason"),
                .init(heading: "Review", sort: "review"),
            ],
            rows: page.items.map { line in
                var review = DataTable.Cell.text("not reviewed")
                if let note = line.reviewNote {
                    review = .markup(Templates.render(.noted, ["note": note, "by": staffName(line.reviewedBy ?? "", seenByVendor: user.role.isVendor)]))
                } else if mayReview {
                    review = .markup(Templates.render(.routeExceptionReview, Self.reviewValues(quarter, line, listQuery: order.query, csrf: csrf, problem: problem)))
                }
                return [
                    .date(line.date), .text(line.source), .text(line.lineID), .text(line.reseller.rawValue), .text(line.category.rawValue),
                    .money(line.amount),
                    .text(line.reason.explanation), review,
                ]
            },
            empty: filter.reviewed == false ? "No route exceptions left to review in \(quarter)." : "No route exceptions in \(quarter)\(filter.reseller != nil || filter.source != nil ? " match the filter" : "").",
            order: order, pager: order.pager(total: page.total), csv: order.href(at: "/quarters/\(quarter)/exceptions.csv"))
        values["table"] = table.html()
        // A distributor's login has no quarter pages: its way back is its dashboard.
        let crumbs = user.role.isVendor ? QuarterEndRoutes.crumbs(quarter) : [("/", "Dashboard")]
        return signedInPage("Route exceptions \(quarter)", context, Templates.render(.routeExceptions, values), crumbs: crumbs).withStatus(problem == nil ? .ok : .badRequest)
    }

    /// Accept with a note, or reassign to another reseller with a note (`route-exception-review.mustache`): two small
    /// forms posting with the queue's query (so a refusal shows this same page), each keeping what was typed and
    /// showing its refusal beside its field. A line that cannot be reassigned says why instead (`reassignRefusal`, the
    /// store's own rule).
    private static func reviewValues(_ quarter: Quarter, _ line: RouteExceptionListing, listQuery: String, csrf: String, problem: FormProblem?) -> [String: Any] {
        let key = "\(line.source)-\(line.lineID)"
        // Element ids hold no spaces or markup, whatever a line id holds.
        let id = String(key.unicodeScalars.map { CharacterSet.alphanumerics.contains($0) || $0 == "-" || $0 == "_" ? Character($0) : "_" })
        func mine(_ action: String) -> FormProblem? { problem?.form == "\(action)-\(key)" ? problem : nil }
        func action(_ name: String) -> String { "/quarters/\(quarter)/exceptions/\(name)?\(listQuery)" }
        var values: [String: Any] = [
            "csrf": csrf, "source": line.source, "line": line.lineID, "reviewAction": action("review"),
            "note": FormHTML.input("note", "Note", mine("review"), required: true, size: 16, extra: " maxlength=\"500\"", id: "note-\(id)"),
        ]
        if let refusal = line.reassignRefusal {
            values["refusal"] = refusal.description
        } else {
            values["reassign"] = [
                "action": action("reassign"), "open": mine("reassign") != nil,
                "reseller": FormHTML.input("reseller", "To reseller", mine("reassign"), required: true, size: 10, extra: " maxlength=\"40\"", id: "reseller-\(id)"),
                "note": FormHTML.input(
                    "note", "Why", mine("reassign"), required: true, size: 16, extra: " maxlength=\"\(ChannelbookDatabase.reassignNoteLimit)\"", id: "reassign-note-\(id)"),
            ] as [String: Any]
        }
        return values
    }
}
