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
            return user.role.isVendor ? try await vendorDashboard(context) : try await partnerDashboard(user, context)
        }
    }

    private func vendorDashboard(_ context: WebContext) async throws -> Response {
        let summaries = try await database.read { try await $0.statementSummaries() }
        let overview = try await database.read { try await $0.channelOverview(asOf: WebClock.today(context)) }
        var body = ""
        // An account manager sees its own resellers first: progress this quarter and enablement.
        if let user = context.user, user.role == .accountManager {
            body += try await myPartnersSection(user, context)
        }
        let rows = summaries.map { summary in
            "<tr><td><a href=\"/quarters/\(summary.quarter)\">\(summary.quarter)</a></td><td>\(summary.status.rawValue)</td><td>\(summary.count)</td><td class=\"money\">\(HTML.escape(summary.total.displayString))</td></tr>"
        }.joined()
        body += "<h2>Statements by quarter</h2>"
            + (summaries.isEmpty ? "<p class=\"empty-state\">No statements yet: close a quarter to draft them.</p>"
                : "<table><thead><tr><th>quarter</th><th>status</th><th>statements</th><th>total</th></tr></thead><tbody>\(rows)</tbody></table>")
        body += "<h2>Resellers by tier</h2>"
            + SVGChart.bars(overview.tierCounts.map { ($0.tier.rawValue, Int64($0.count), String($0.count)) }, title: "Resellers by tier")
        if let quarter = overview.quarter {
            let near = overview.nearTier.prefix(20).map { NearTierRoutes.row($0) }.joined()
            body += "<h2>Near the next rebate tier in \(quarter)</h2>"
                + (near.isEmpty ? "<p>No eligible reseller is within \(QuarterEngine.defaultNearTierWithin.percentString) of its next tier.</p>"
                    : NearTierRoutes.table(near) + "<p><a href=\"/near-tier?quarter=\(quarter)\">All near-tier resellers in \(quarter)</a></p>")
            body += "<p><a href=\"/quarters/\(quarter)/exceptions\">\(overview.routeExceptions) route exception\(overview.routeExceptions == 1 ? "" : "s") in \(quarter)</a></p>"
        }
        body += "<p><a href=\"/referrals?status=registered\">\(overview.referralsAwaitingReview) referral\(overview.referralsAwaitingReview == 1 ? "" : "s") awaiting review</a> · <a href=\"/partners\">Partners</a></p>"
        return signedInPage("Dashboard", context, body)
    }

    /// The account manager's resellers: tier, this quarter's basis so far and the next tier, reps trained.
    private func myPartnersSection(_ user: SignedInUser, _ context: WebContext) async throws -> String {
        let today = WebClock.today(context)
        let mine = try await database.read { try await $0.partners(ofAccountManager: user.email) }
        guard !mine.isEmpty else { return "<h2>My partners</h2><p>No reseller is assigned to you yet (<code>channelbook partner assign CODE --account-manager EMAIL</code>).</p>" }
        let enablement = Dictionary(
            try await database.read { try await $0.enablementReport(asOf: today) }.map { ($0.partner, $0) }, uniquingKeysWith: { first, _ in first })
        let progressOf = try await database.read { try await $0.tierProgress(of: mine, on: today) }
        var rows = ""
        for code in mine {
            let progress = progressOf[code]
            let standing = progress.map { progress in
                progress.ineligibleReason == nil
                    ? "\(progress.basis.displayString) at \(progress.rate.percentString)" + (progress.next?.shortfall.map { "; \($0.displayString) to \(progress.next!.rate.percentString)" } ?? "")
                    : "\(progress.basis.displayString), not eligible"
            } ?? ""
            let reps = enablement[code].map { "\($0.trainedReps) of \($0.reps)" } ?? "0 of 0"
            rows += "<tr><td><a href=\"/partners/\(HTML.escape(code.rawValue))\">\(HTML.escape(code.rawValue))</a></td><td>\(progress?.tier?.rawValue ?? "")</td>"
                + "<td>\(HTML.escape(standing))</td><td>\(reps)</td></tr>"
        }
        return "<h2>My partners</h2><table><thead><tr><th>partner</th><th>tier</th><th>\(Quarter(containing: today)) so far</th><th>reps trained</th></tr></thead><tbody>\(rows)</tbody></table>"
    }

    /// A partner's dashboard from its template (`partner-dashboard.mustache`): a reseller's tier progress, its
    /// statements and newest referrals, its MDF; a distributor's reports.
    private func partnerDashboard(_ user: SignedInUser, _ context: WebContext) async throws -> Response {
        guard let partner = user.partner else { throw WebError.notFound(json: false) }
        let today = WebClock.today(context)
        var values: [String: Any] = [:]
        if let progress = try await database.read({ try await $0.tierProgress(of: partner, on: today) }) { values["progress"] = Self.progressValues(progress) }
        let statements = try await database.read { try await $0.statements(ofPartner: partner) }
        values["statements"] = DataTable(
            label: "Your statements", columns: [.init(heading: "Statement"), .init(heading: "Quarter"), .init(heading: "Status"), .init(heading: "Total", numeric: true)],
            rows: statements.map { statement in
                [
                    .text(statement.reference, link: "/statements/\(statement.quarter)/\(statement.partner.rawValue.addingPercentEncodingForQuery())"),
                    .text(statement.quarter.description), .text(statement.status.rawValue), .money(statement.total),
                ]
            },
            empty: "No statements yet: each quarter's appears once the quarter is closed."
        ).html()
        let referrals = try await database.read { try await $0.referrals(partner: partner, asOf: today) }.prefix(10)
        values["referrals"] = DataTable(
            label: "Your newest referrals", columns: [.init(heading: "Referral"), .init(heading: "Customer"), .init(heading: "Status"), .init(heading: "Registered")],
            rows: referrals.map { referral in
                [
                    .text(referral.id.reference, link: "/referrals/\(referral.id.rawValue)"), .text(referral.customer), .text(referral.status.rawValue),
                    .text(referral.registeredOn.description),
                ]
            },
            empty: "No referrals yet."
        ).html()
        if user.partnerKind == .reseller, let mdf = try await database.read({ try await $0.mdfBalances(partner: partner, asOf: today) }).first {
            values["mdf"] = ["available": mdf.available.displayString, "reserved": mdf.reserved.displayString, "payable": mdf.payable.displayString]
        }
        if user.partnerKind == .distributor { values["distributor"] = try await distributorSections(user, partner, today: today) }
        return signedInPage("Dashboard", context, Templates.render(.partnerDashboard, values))
    }

    /// A distributor's own reports: names waiting to be mapped, its resellers' sell-through by quarter, and its lines
    /// flagged as route exceptions — its own source only.
    private func distributorSections(_ user: SignedInUser, _ distributor: PartnerCode, today: BusinessDate) async throws -> String {
        let source = distributor.rawValue
        let parked = try await database.read { try await $0.parkedNames(source: source, limit: 500) }
        var body = "<h2>Reseller names waiting</h2><p>"
            + (parked.isEmpty ? "Every reseller your reports named resolved." : "\(parked.count) name\(parked.count == 1 ? "" : "s") in your reports match no partner yet: <a href=\"/matching\">suggest who they are</a>.")
            + " <a href=\"/sales/upload\">Upload a report</a></p>"
        if let access = AnalyticsAccess.of(user) { body += try await sellThroughSection(access, today: today) }
        let exceptions = try await database.read { try await $0.routeExceptions(source: source, limit: 100) }.map { row in
            "<tr><td>\(row.date)</td><td>\(HTML.escape(row.lineID))</td><td>\(HTML.escape(row.reseller.rawValue))</td><td class=\"money\">\(HTML.escape(row.amount.displayString))</td><td>\(HTML.escape(row.reason.explanation))</td></tr>"
        }.joined()
        body += "<h2>Route exceptions in your reports</h2>"
            + (exceptions.isEmpty ? "<p>None: every line came the reseller's way to market.</p>"
                : "<table><thead><tr><th>date</th><th>line</th><th>reseller</th><th>amount</th><th>why</th></tr></thead><tbody>\(exceptions)</tbody></table>")
        return body
    }

    /// A distributor's sell-through by segment and reseller (what `AnalyticsAccess` lets it see) over the four quarters
    /// up to its newest so far — this quarter's uploads included — from the totals kept at import: a chart stacked by
    /// segment, then the table with the changes.
    private func sellThroughSection(_ access: AnalyticsAccess, today: BusinessDate) async throws -> String {
        let source = access.onlySource
        let (latest, currency) = try await database.read { (try await $0.latestSalesQuarter(asOf: today, source: source), try await $0.latestProgram().program.currency) }
        guard let latest else { return "<h2>Sell-through by segment and reseller</h2><p>No sales reported yet.</p>" }
        let first = latest.previous.previous.previous
        let report = { (dimensions: [SalesDimension]) in
            try await database.read { try await $0.salesReport(SalesReportQuery(first: first, last: latest, dimensions: dimensions, onlySource: source)) }
        }
        let bySegment = try await report([.segment])
        guard !bySegment.rows.isEmpty else { return "<h2>Sell-through by segment and reseller</h2><p>No sales reported in \(first)–\(latest).</p>" }
        let quarters = AnalyticsRoutes.quarters(first, latest)
        let series = try AnalyticsRoutes.netSalesSeries(bySegment.rows, by: 0, over: quarters)
        let byReseller = try await report([.reseller, .segment]).rows
        // Newest quarter first, at most `sellThroughRowsShown` rows (the API has every row).
        let rows = quarters.reversed().flatMap { quarter in byReseller.filter { $0.quarter == quarter } }.prefix(Self.sellThroughRowsShown).map { row in
            "<tr><td>\(row.quarter)</td><td>\(HTML.escape(row.values[0]))</td><td>\(HTML.escape(row.values[1]))</td><td class=\"money\">\(row.lines)</td>"
                + AnalyticsRoutes.figureCells(row, yearAgo: false) + "</tr>"
        }.joined()
        return "<h2>Sell-through by segment and reseller</h2>"
            + SVGChart.series(
                categories: quarters.map(\.description), series: series, title: "Your sell-through per quarter, stacked by segment", stacked: true,
                caption: { Money(minorUnits: $0, currency: currency).compactDisplayString }, detail: { Money(minorUnits: $0, currency: currency).displayString })
            + "<table id=\"sell-through\"><thead><tr><th>quarter</th><th>reseller</th><th>segment</th><th>lines</th><th>net sales</th><th>renewals</th><th>on previous quarter</th></tr></thead><tbody>\(rows)</tbody></table>"
    }

    static let sellThroughRowsShown = 500

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
