import ChannelbookCore
import ChannelbookStore
import Hummingbird

/// `/analytics`: is the strategy working? (PRODUCT.md section 3). Net sales by segment, route, distributor and tier per
/// quarter with their changes, filters and a CSV export (`/analytics.csv`, the same query), and charts: net sales
/// stacked by segment, direct against distribution, each distributor's SMB sales, and MDF paid beside the SMB sales of
/// the tiers MDF goes to. An account manager sees its own resellers' figures first. Everything reads the totals kept
/// at import (`ChannelbookDatabase.salesReport`), never the lines.
struct AnalyticsRoutes {
    let database: DatabasePool

    func register(on router: Router<WebContext>) {
        router.get("/analytics") { request, context in
            let user = try context.require(.viewChannelAnalytics)
            return try await page(request, context, user)
        }
        router.get("/analytics.csv") { request, context in
            _ = try context.require(.viewChannelAnalytics)
            let today = WebClock.today(context)
            let query = AnalyticsQuery(request, latest: try await defaultEnd(today), today: today)
            if let problem = query.problem { throw WebError(.badRequest, problem, json: false) }
            let report = try await run(query.report)
            // In the page's order.
            let rows = Self.sorted(report.rows, Self.order(request, path: "/analytics", query.report.dimensions), query.report.dimensions)
            return StreamedCSV.rows(fileName: "sales-\(query.report.first)-\(query.report.last).csv", header: report.columns, rows.map(\.cells))
        }
    }

    /// Where the default range ends: the newest quarter with sales that has ended (the question is asked after a
    /// quarter), else the current one.
    private func defaultEnd(_ today: BusinessDate) async throws -> Quarter? {
        try await database.read { database in
            if let ended = try await database.latestSalesQuarter(asOf: Quarter(containing: today).firstDay.addingClamped(days: -1)) { return ended }
            return try await database.latestSalesQuarter(asOf: today)
        }
    }

    /// The report, or a refusal (a range too long) as a 400 on the page.
    private func run(_ query: SalesReportQuery) async throws -> SalesReport {
        do { return try await database.read { try await $0.salesReport(query) } } catch let refusal as SalesReportError {
            throw WebError(.badRequest, refusal.message, json: false)
        }
    }

    /// The page from `analytics.mustache`: the form, then the refusal of the query or the report — an account
    /// manager's own resellers first, the charts, the table a page at a time and its CSV link.
    private func page(_ request: Request, _ context: WebContext, _ user: SignedInUser) async throws -> Response {
        let today = WebClock.today(context)
        let (latest, program) = (try await defaultEnd(today), try await database.read { try await $0.latestProgram().program })
        let query = AnalyticsQuery(request, latest: latest, today: today)
        var values = Self.formValues(query, program: program)
        // A query that does not parse, or a range the report refuses (backwards, too long): said under the form.
        let report: SalesReport
        do {
            if let problem = query.problem { throw SalesReportError(message: problem) }
            report = try await database.read { try await $0.salesReport(query.report) }
        } catch let refusal as SalesReportError {
            values["refusal"] = ["message": refusal.message, "isError": true] as [String: Any]
            var response = signedInPage("Analytics", context, Templates.render(.analytics, values))
            response.status = .badRequest
            return response
        }
        var shown: [String: Any] = [:]
        if user.role == .accountManager { shown["mine"] = try await myResellers(user, query) }
        let pictures = try await charts(query, program: program)
        shown.merge(pictures) { _, picture in picture }
        let dimensions = query.report.dimensions
        let order = Self.order(request, path: "/analytics", dimensions)
        shown["table"] = Self.table(report.rows, dimensions, order, label: "Sales by quarter", id: "sales-report")
        shown["hasRows"] = !report.rows.isEmpty
        shown["hasGrouping"] = !dimensions.isEmpty
        shown["grouping"] = dimensions.map(\.rawValue).joined(separator: ", ")
        shown["first"] = "\(query.report.first)"
        shown["last"] = "\(query.report.last)"
        shown["filtered"] = !query.report.filters.isEmpty
        shown["query"] = query.queryString + "&sort=\(order.column)&dir=\(order.descending ? "desc" : "asc")"
        values["report"] = shown
        return signedInPage("Analytics", context, Templates.render(.analytics, values))
    }

    /// The report table's columns, sorted in memory: the report is computed whole (its changes need the quarters
    /// before), from the totals kept at import, at most `SalesReportQuery.maximumRows` rows.
    enum Column: String, ListColumn {
        case quarter, segment, route, distributor, tier, reseller, lines, net, renewals, previous, year
    }

    /// A sales report's rows as a table, sorted, a page at a time: the analytics page's, and a distributor's
    /// sell-through on its dashboard (`yearAgo: false`: four quarters have no year-ago change).
    static func table(
        _ rows: [SalesReportRow], _ dimensions: [SalesDimension], _ order: TableOrder<Column>, label: String, id: String, yearAgo: Bool = true
    ) -> String {
        let sorted = Self.sorted(rows, order, dimensions)
        var columns: [DataTable.Column] = [.init(heading: "Quarter", sort: "quarter")]
        columns += dimensions.map { .init(heading: $0.rawValue.prefix(1).uppercased() + $0.rawValue.dropFirst(), sort: $0.rawValue) }
        columns += [
            .init(heading: "Lines", sort: "lines", numeric: true), .init(heading: "Net sales", sort: "net", numeric: true),
            .init(heading: "Renewals", sort: "renewals", numeric: true), .init(heading: "On previous quarter", sort: "previous", numeric: true),
        ]
        if yearAgo { columns.append(.init(heading: "On a year before", sort: "year", numeric: true)) }
        return DataTable(
            label: label, columns: columns,
            rows: order.page(of: sorted).map { row in
                var cells: [DataTable.Cell] = [.text(row.quarter.description)] + row.values.map { .text($0.isEmpty ? "none" : $0) }
                cells += [.money(String(row.lines)), .money(row.netSales), .money(row.renewals), .money(Self.percent(row.changePreviousBps))]
                if yearAgo { cells.append(.money(Self.percent(row.changeYearBps))) }
                return cells
            },
            empty: "", order: order, pager: order.pager(total: sorted.count), id: id
        ).html()
    }

    /// By quarter unless told otherwise (`descending`: newest first); a dimension's column only when the table is
    /// grouped by it.
    static func order(_ request: Request, path: String, _ dimensions: [SalesDimension], descending: Bool = false) -> TableOrder<Column> {
        TableOrder(request, path: path, default: .quarter, descending: descending) { column in
            SalesDimension(rawValue: column.rawValue).map(dimensions.contains) ?? true
        }
    }

    /// The rows by the asked column either way round, then by quarter and group (a change without a base first).
    private static func sorted(_ rows: [SalesReportRow], _ order: TableOrder<Column>, _ dimensions: [SalesDimension]) -> [SalesReportRow] {
        order.sorted(rows, key: { column, row in
            switch column {
            case .quarter: return (Int64(row.quarter.year * 10 + row.quarter.number), "")
            case .lines: return (row.lines, "")
            case .net: return (row.netSales.minorUnits, "")
            case .renewals: return (row.renewals.minorUnits, "")
            case .previous: return (row.changePreviousBps ?? Int64.min, "")
            case .year: return (row.changeYearBps ?? Int64.min, "")
            case .segment, .route, .distributor, .tier, .reseller:
                let index = dimensions.firstIndex { $0.rawValue == column.rawValue }
                return (0, index.map { row.values[$0] } ?? "")
            }
        }, tiebreak: { ([$0.quarter.description] + $0.values).joined(separator: "\u{0}") })
    }

    /// A change in basis points as a percentage for people (`+12.34%`); blank without a base.
    static func percent(_ bps: Int64?) -> String {
        guard let bps else { return "" }
        return (bps > 0 ? "+" : "") + BasisPoints(Int(clamping: bps)).percentString
    }

    /// The form's values: the range as typed, the dimensions grouped by, each filter's choices with the chosen one.
    private static func formValues(_ query: AnalyticsQuery, program: Program) -> [String: Any] {
        func options(_ dimension: SalesDimension, _ choices: [String]) -> [[String: Any]] {
            let chosen = query.report.filters[dimension]
            return choices.map { choice -> [String: Any] in ["name": choice, "selected": chosen == choice] }
        }
        return [
            "fromText": query.fromText, "throughText": query.throughText,
            "dimensions": SalesDimension.allCases.map { dimension -> [String: Any] in
                ["name": dimension.rawValue, "checked": query.report.dimensions.contains(dimension)]
            },
            "segments": options(.segment, program.segments.names), "routes": options(.route, ["DIRECT", "distributor"]),
            "distributor": query.report.filters[.distributor] ?? "", "tiers": options(.tier, ResellerTier.allCases.sorted().map(\.rawValue)),
        ]
    }

    /// The account manager's own resellers, by quarter: the figures it answers for, before the channel's.
    private func myResellers(_ user: SignedInUser, _ query: AnalyticsQuery) async throws -> [String: Any] {
        let mine = Set(try await database.read { try await $0.partners(ofAccountManager: user.email) }.map(\.rawValue))
        guard !mine.isEmpty else { return ["assigned": false] }
        var own = query.report
        own.dimensions = [.reseller]
        let rows = try await run(own).rows.filter { mine.contains($0.values[0]) }
        let ownRows = rows.map { row -> [String: Any] in
            var values = Self.figureValues(row)
            values["reseller"] = row.values[0]
            values["partnerPath"] = PartnerRoutes.path(PartnerCode(rawValue: row.values[0]))
            values["quarter"] = "\(row.quarter)"
            return values
        }
        return ["assigned": true, "hasOwnRows": !rows.isEmpty, "ownRows": ownRows]
    }

    /// The four pictures of the strategy, from one report over the range by segment, route, distributor and tier (the
    /// page's filters apply), summed per picture here with checked sums.
    private func charts(_ query: AnalyticsQuery, program: Program) async throws -> [String: Any] {
        let quarters = Self.quarters(query.report.first, query.report.last)
        let labels = quarters.map(\.description)
        var all = query.report
        all.dimensions = [.segment, .route, .distributor, .tier]
        let rows = try await run(all).rows
        func series(by index: Int, where keep: (SalesReportRow) -> Bool = { _ in true }) throws -> [(name: String, values: [Int64])] {
            try Self.netSalesSeries(rows, by: index, over: quarters, where: keep)
        }
        let money = { (minor: Int64) in Money(minorUnits: minor, currency: program.currency).compactDisplayString }
        let exact = { (minor: Int64) in Money(minorUnits: minor, currency: program.currency).displayString }
        var values: [String: Any] = [:]
        values["segmentChart"] = SVGChart.series(
            categories: labels, series: try series(by: 0), title: "Net sales per quarter, stacked by segment", stacked: true, caption: money, detail: exact)
        values["routeChart"] = SVGChart.series(
            categories: labels, series: try series(by: 1), title: "Net sales per quarter, DIRECT against distribution", stacked: false, caption: money, detail: exact)
        // The SMB push: the segment a sale of 2 seats falls in (the article's `smb`, 2 to 500 seats, unless a program
        // draws its segments otherwise — then the page names the segment it shows).
        let smb = program.segments.segment(forSeats: 2)
        let bySMBDistributor = try series(by: 2) { $0.values[0] == smb && $0.values[1] != SalesDimension.directSource }
        values["isSMB"] = smb == "smb"
        values["smb"] = smb
        values["distributorChart"] = SVGChart.series(
            categories: labels, series: bySMBDistributor, title: "SMB sales per quarter by distributor", stacked: false, caption: money, detail: exact)
        let mdf = try await mdfAgainstSMB(query, quarters: quarters, program: program, smbByTier: try series(by: 3) { $0.values[0] == smb })
        values.merge(mdf) { _, new in new }
        return values
    }

    /// MDF paid per quarter (across the channel) beside the SMB sales of the tiers MDF goes to (the page's filters
    /// apply to these), and that sales' change on the quarter before.
    private func mdfAgainstSMB(
        _ query: AnalyticsQuery, quarters: [Quarter], program: Program, smbByTier: [(name: String, values: [Int64])]
    ) async throws -> [String: Any] {
        let tiers = program.mdf.eligibleTiers.sorted()
        let funded = smbByTier.filter { entry in tiers.contains { $0.rawValue == entry.name } }
        let sales = try quarters.indices.map { index in
            try funded.reduce(Int64(0)) { try MinorUnits.add($0, $1.values[index], "the \(quarters[index]) SMB sales of MDF tiers") }
        }
        let paid = try await database.read { try await $0.mdfPaidByQuarter(from: query.report.first, through: query.report.last) }
        let money = { (minor: Int64) in Templates.money(Money(minorUnits: minor, currency: program.currency)) }
        let names = tiers.map(\.rawValue).joined(separator: " and ")
        let rows = quarters.enumerated().map { index, quarter -> [String: Any] in
            let change = index > 0 ? SalesChange.basisPoints(current: sales[index], base: sales[index - 1]) : nil
            return ["quarter": "\(quarter)", "paid": paid[quarter].map(Templates.money) ?? money(0), "sales": money(sales[index]), "change": Self.percent(change)]
        }
        return [
            "mdfTiers": names, "mdfRows": rows,
            "mdfChart": SVGChart.bars(
                quarters.map { ($0.description, paid[$0]?.minorUnits ?? 0, (paid[$0] ?? Money(minorUnits: 0, currency: program.currency)).compactDisplayString) },
                title: "MDF paid per quarter"),
            "smbChart": SVGChart.bars(
                quarters.indices.map { (quarters[$0].description, sales[$0], Money(minorUnits: sales[$0], currency: program.currency).compactDisplayString) },
                title: "SMB sales of \(names) partners per quarter", palette: ["#0072b2"]),
        ]
    }

    /// A chart's series from report rows: net sales per quarter of each value of dimension `index` (in the report's
    /// order; series in the order their values first appear), of the rows kept, summed with checked sums.
    static func netSalesSeries(
        _ rows: [SalesReportRow], by index: Int, over quarters: [Quarter], where keep: (SalesReportRow) -> Bool = { _ in true }
    ) throws -> [(name: String, values: [Int64])] {
        var names: [String] = []
        var sums: [String: [Quarter: Int64]] = [:]
        for row in rows where keep(row) {
            let name = row.values[index].isEmpty ? "none" : row.values[index]
            if sums[name] == nil { names.append(name) }
            sums[name, default: [:]][row.quarter] = try MinorUnits.add(
                sums[name]?[row.quarter] ?? 0, row.netSales.minorUnits, "the \(row.quarter) net sales of \(name)")
        }
        return names.map { name in (name, quarters.map { sums[name]?[$0] ?? 0 }) }
    }

    /// A row's figures for the `sales-figures` partial (an account manager's own resellers): net sales, renewals, the
    /// change on the previous quarter and on a year before.
    static func figureValues(_ row: SalesReportRow, yearAgo: Bool = true) -> [String: Any] {
        [
            "netSales": Templates.money(row.netSales), "renewals": Templates.money(row.renewals), "onPrevious": percent(row.changePreviousBps),
            "yearAgo": yearAgo, "onYearBefore": percent(row.changeYearBps),
        ]
    }

    static func quarters(_ first: Quarter, _ last: Quarter) -> [Quarter] {
        var quarters = [first]
        while let current = quarters.last, current < last { quarters.append(current.next) }
        return quarters
    }
}

/// The page's query string read: the range (by default the four quarters up to `latest`), the dimensions
/// (by default segment) and the filters, or the problem with them, said on the page with what was typed kept.
struct AnalyticsQuery {
    var report: SalesReportQuery
    var fromText: String
    var throughText: String
    var problem: String?

    init(_ request: Request, latest: Quarter?, today: BusinessDate) {
        let parameters = request.formQuery
        let last = latest ?? Quarter(containing: today)
        let defaultFirst = last.previous.previous.previous
        fromText = String(parameters.get("from")?.prefix(16) ?? Substring(defaultFirst.description))
        throughText = String(parameters.get("through")?.prefix(16) ?? Substring(last.description))
        let first = try? Quarter.parse(fromText), through = try? Quarter.parse(throughText)
        var dimensions: [SalesDimension] = []
        for word in parameters.getAll("by").prefix(SalesDimension.allCases.count) {
            switch SalesDimension.parseList(word) {
            case .success(let parsed): dimensions += parsed.filter { !dimensions.contains($0) }
            case .failure(let error): problem = "Group by: \(error.message)"
            }
        }
        if parameters.getAll("by").isEmpty { dimensions = [.segment] }
        var filters: [SalesDimension: String] = [:]
        for dimension in [SalesDimension.segment, .route, .distributor, .tier] {
            if let value = parameters.get(dimension.rawValue).map({ String($0.prefix(64)) }), !value.isEmpty, !value.contains("\0") { filters[dimension] = value }
        }
        report = SalesReportQuery(first: first ?? defaultFirst, last: through ?? last, dimensions: dimensions, filters: filters)
        if first == nil || through == nil { problem = "From and through: quarters such as 2026Q1" }
    }

    /// The same query for a link (the CSV export).
    var queryString: String {
        var parts = ["from=\(report.first)", "through=\(report.last)"] + report.dimensions.map { "by=\($0.rawValue)" }
        parts += report.filters.sorted { $0.key < $1.key }.map { "\($0.key.rawValue)=\($0.value.addingPercentEncodingForQuery())" }
        return parts.joined(separator: "&")
    }
}
