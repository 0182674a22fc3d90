import ChannelbookCore
import ChannelbookStore
import Hummingbird

/// The dashboard: the vendor's statements by quarter and channel overview; a partner's tier progress and statements.
struct DashboardRoutes {
    let database: DatabasePool

    func register(on router: Router<WebContext>) {
        router.get("/") { request, context in
            guard let user = context.user else { return Response.redirect(to: "/login", type: .normal) }
            // A maintenance officer's work is its renewal queue: that is its dashboard.
            if user.role == .maintenanceOfficer { return try await RenewalsRoutes(database: database).queuePage(user, request, context) }
            return user.role.isVendor ? try await vendorDashboard(context) : try await partnerDashboard(user, request, context)
        }
    }

    /// The vendor's dashboard from its template (`vendor-dashboard.mustache`): an account manager's own resellers,
    /// the statements by quarter, the resellers by tier, who is near the next tier, and what waits for review.
    private func vendorDashboard(_ context: WebContext) async throws -> Response {
        let summaries = try await database.read { try await $0.statementSummaries() }
        let overview = try await database.read { try await $0.channelOverview(asOf: WebClock.today(context)) }
        var values: [String: Any] = [
            "hasStatements": !summaries.isEmpty,
            "quarters": summaries.map { summary -> [String: Any] in
                [
                    "quarter": summary.quarter.description, "status": summary.status.rawValue, "count": "\(summary.count)",
                    "total": Templates.money(summary.total),
                ]
            },
            "tierChart": SVGChart.bars(overview.tierCounts.map { ($0.tier.rawValue, Int64($0.count), String($0.count)) }, title: "Resellers by tier"),
            "referrals": "\(overview.referralsAwaitingReview) referral\(overview.referralsAwaitingReview == 1 ? "" : "s")",
        ]
        // An account manager sees its own resellers first: progress this quarter and enablement.
        if let user = context.user, user.role == .accountManager {
            values["myPartners"] = try await myPartnersValues(user, context)
        }
        if let quarter = overview.quarter {
            let near = overview.nearTier.prefix(20)
            values["near"] = [
                "quarter": quarter.description, "hasRows": !near.isEmpty, "table": near.isEmpty ? "" : NearTierRoutes.table(near, empty: ""),
                "within": QuarterEngine.defaultNearTierWithin.percentString,
                "exceptions": "\(overview.routeExceptions) route exception\(overview.routeExceptions == 1 ? "" : "s")",
            ] as [String: Any]
        }
        return signedInPage("Dashboard", context, Templates.render(.vendorDashboard, values))
    }

    /// The account manager's resellers: tier, this quarter's basis so far and the next tier, reps trained.
    private func myPartnersValues(_ user: SignedInUser, _ context: WebContext) async throws -> [String: Any] {
        let today = WebClock.today(context)
        let mine = try await database.read { try await $0.partners(ofAccountManager: user.email) }
        guard !mine.isEmpty else { return ["hasPartners": false] }
        let enablement = Dictionary(
            try await database.read { try await $0.enablementReport(asOf: today, accountManager: user.email) }.map { ($0.partner, $0) }, uniquingKeysWith: { first, _ in first })
        let progressOf = try await database.read { try await $0.tierProgress(of: mine, on: today) }
        let rows = mine.map { code -> [String: Any] in
            let progress = progressOf[code]
            let standing = progress.map { progress in
                progress.ineligibleReason == nil
                    ? "\(progress.basis.displayString) at \(progress.rate.percentString)" + (progress.next?.shortfall.map { "; \($0.displayString) to \(progress.next!.rate.percentString)" } ?? "")
                    : "\(progress.basis.displayString), not eligible"
            } ?? ""
            let reps = enablement[code].map { "\($0.trainedReps) of \($0.reps)" } ?? "0 of 0"
            return ["code": code.rawValue, "partnerPath": PartnerRoutes.path(code), "tier": progress?.tier?.rawValue ?? "", "standing": standing, "reps": reps]
        }
        return ["hasPartners": true, "quarter": Quarter(containing: today).description, "rows": rows]
    }

    /// A partner's statements, each linked to its page: its dashboard's list and its partner page's.
    static func statementsTable(_ statements: [StatementView], label: String, empty: String) -> String {
        DataTable(
            label: label, columns: [.init(heading: "Statement"), .init(heading: "Quarter"), .init(heading: "Status"), .init(heading: "Total", numeric: true)],
            rows: statements.map { statement in
                [
                    .text(statement.reference, link: "/statements/\(statement.quarter)/\(statement.partner.rawValue.addingPercentEncodingForQuery())"),
                    .text(statement.quarter.description), .text(statement.status.rawValue), .money(statement.total),
                ]
            },
            empty: empty
        ).html()
    }

    /// A partner's dashboard from its template (`partner-dashboard.mustache`): a reseller's tier progress, its
    /// statements and newest referrals, its MDF; a distributor's reports.
    private func partnerDashboard(_ user: SignedInUser, _ request: Request, _ context: WebContext) async throws -> Response {
        guard let partner = user.partner else { throw WebError.notFound(json: false) }
        let today = WebClock.today(context)
        var values: [String: Any] = [:]
        if let progress = try await database.read({ try await $0.tierProgress(of: partner, on: today) }) { values["progress"] = Self.progressValues(progress) }
        let statements = try await database.read { try await $0.statements(ofPartner: partner) }
        values["statements"] = Self.statementsTable(
            statements, label: "Your statements",
            empty: user.partnerKind == .distributor
                ? "No statements: rebates, referral fees and MDF are paid to resellers." : "No statements yet: each quarter's appears once the quarter is closed.")
        let referrals = try await database.read { try await $0.referrals(partner: partner, asOf: today) }.prefix(10)
        values["referrals"] = DataTable(
            label: "Your newest referrals", columns: [.init(heading: "Referral"), .init(heading: "Customer"), .init(heading: "Status"), .init(heading: "Registered")],
            rows: referrals.map { referral in
                [
                    .text(referral.id.reference, link: "/referrals/\(referral.id.rawValue)"), .text(referral.customer), .text(referral.status.rawValue),
                    .date(referral.registeredOn),
                ]
            },
            empty: "No referrals yet."
        ).html()
        if user.partnerKind == .reseller, let mdf = try await database.read({ try await $0.mdfBalances(partner: partner, asOf: today) }).first {
            values["mdf"] = ["available": mdf.available.displayString, "reserved": mdf.reserved.displayString, "payable": mdf.payable.displayString]
        }
        if user.partnerKind == .distributor { values["distributor"] = try await distributorSections(user, partner, request, today: today) }
        return signedInPage("Dashboard", context, Templates.render(.partnerDashboard, values))
    }

    /// How many of its newest route exceptions a distributor's dashboard shows; the quarters' pages show them all.
    private static let newestExceptions = 10

    /// A distributor's own reports, for `distributor-dashboard.mustache` (a partial of the partner's dashboard): names
    /// waiting to be mapped, its resellers' sell-through by quarter, and its lines flagged as route exceptions — its
    /// own source only.
    private func distributorSections(_ user: SignedInUser, _ distributor: PartnerCode, _ request: Request, today: BusinessDate) async throws -> [String: Any] {
        let source = distributor.rawValue
        let (parked, exceptions, byQuarter) = try await database.read { database in
            (
                try await database.parkedNameCount(source: source), try await database.routeExceptions(source: source, limit: Self.newestExceptions),
                try await database.routeExceptionCounts(source: source)
            )
        }
        var values: [String: Any] = [
            "hasExceptions": !exceptions.isEmpty,
            // Each quarter's exceptions are on its exceptions page: every one, sortable, with its CSV.
            "exceptionQuarters": byQuarter.map { entry -> [String: Any] in
                ["quarter": entry.quarter.description, "count": "\(entry.count) route exception\(entry.count == 1 ? "" : "s")"]
            },
            "exceptions": exceptions.map { row -> [String: Any] in
                [
                    "date": "\(row.date)", "line": row.lineID, "reseller": row.reseller.rawValue, "amount": Templates.money(row.amount),
                    "why": row.reason.explanation,
                ]
            },
        ]
        if parked > 0 { values["parked"] = "\(parked) name\(parked == 1 ? "" : "s")" }
        if let access = AnalyticsAccess.of(user) { values["sellThrough"] = try await sellThroughValues(access, request, today: today) }
        return values
    }

    /// A distributor's sell-through by segment and reseller (what `AnalyticsAccess` lets it see) over the four quarters
    /// up to its newest so far — this quarter's uploads included — from the totals kept at import: a chart stacked by
    /// segment, then the table with the changes.
    private func sellThroughValues(_ access: AnalyticsAccess, _ request: Request, today: BusinessDate) async throws -> [String: Any] {
        let source = access.onlySource
        let (latest, currency) = try await database.read { (try await $0.latestSalesQuarter(asOf: today, source: source), try await $0.latestProgram().program.currency) }
        guard let latest else { return ["hasRows": false, "noSales": "No sales reported yet."] }
        let first = latest.previous.previous.previous
        let report = { (dimensions: [SalesDimension]) in
            try await database.read { try await $0.salesReport(SalesReportQuery(first: first, last: latest, dimensions: dimensions, onlySource: source)) }
        }
        let bySegment = try await report([.segment])
        guard !bySegment.rows.isEmpty else { return ["hasRows": false, "noSales": "No sales reported in \(first)–\(latest)."] }
        let quarters = AnalyticsRoutes.quarters(first, latest)
        let series = try AnalyticsRoutes.netSalesSeries(bySegment.rows, by: 0, over: quarters)
        let byReseller = try await report([.reseller, .segment]).rows
        // Newest quarter first unless sorted otherwise, a page at a time (the API has every row).
        let order = AnalyticsRoutes.order(request, path: "/", [.reseller, .segment], descending: true)
        let table = AnalyticsRoutes.table(byReseller, [.reseller, .segment], order, label: "Sell-through by segment and reseller", id: "sell-through", yearAgo: false)
        let chart = SVGChart.series(
            categories: quarters.map(\.description), series: series, title: "Your sell-through per quarter, stacked by segment", stacked: true,
            caption: { Money(minorUnits: $0, currency: currency).compactDisplayString }, detail: { Money(minorUnits: $0, currency: currency).displayString })
        return ["hasRows": true, "chart": chart, "table": table]
    }

    /// This quarter's basis so far against the rebate tiers, for the template's inline SVG bar with a mark at each
    /// tier (no JavaScript); an ineligible reseller is told why it earns no rebate.
    static func progressValues(_ progress: TierProgress) -> [String: Any] {
        var text = "\(progress.quarter) so far: net hardware + software sales \(progress.basis.displayString)"
        if let reason = progress.ineligibleReason {
            text += ". No rebate this quarter: \(progress.tier.map { "as a \($0.rawValue) reseller, " } ?? "")\(reason)."
        } else {
            text += ", rebate rate \(progress.rate.percentString)"
            if let next = progress.next {
                text += next.shortfall.map { "; \($0.displayString) to the next tier (\(next.rate.percentString) from \(next.from.displayString))" }
                    ?? "; the next tier, \(next.rate.percentString), starts at \(next.from.displayString)"
            } else {
                text += " (the top tier)"
            }
        }
        // The bar spans up to the top tier's start plus a fifth; pixels in integers, like everything derived from money.
        let top = max(1, (progress.tierMarks.last?.minorUnits ?? 1) / 5 * 6)
        func pixels(_ amount: Money) -> Int64 { min(400, max(0, amount.minorUnits) / max(1, top / 400)) }
        return [
            "text": text, "basisPixels": pixels(progress.basis), "fill": progress.eligible ? "#2a7" : "#999",
            "marks": progress.tierMarks.map { mark -> [String: Any] in ["x": pixels(mark), "labelX": pixels(mark) + 2, "label": mark.displayString] },
        ]
    }
}
