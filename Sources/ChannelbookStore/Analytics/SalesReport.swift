import ChannelbookCore
import SQLKit

/// What `report sales` is asked: the quarters, the dimensions to group by, and the values to keep.
public struct SalesReportQuery: Sendable {
    public var first: Quarter
    public var last: Quarter
    public var dimensions: [SalesDimension]
    /// Only lines whose dimension has this value (the analytics page's filters), grouped by it or not.
    public var filters: [SalesDimension: String]
    /// A distributor's own view: only the lines it reported. Applied in SQL, before anything else.
    public var onlySource: String?

    public init(first: Quarter, last: Quarter, dimensions: [SalesDimension], filters: [SalesDimension: String] = [:], onlySource: String? = nil) {
        self.first = first
        self.last = last
        self.dimensions = dimensions
        self.filters = filters
        self.onlySource = onlySource
    }

    /// The longest range one report covers: ten years of quarters.
    public static let maximumQuarters = 40
    /// The most rows one report answers with (a page pages them; the export and the API carry them whole).
    public static let maximumRows = 100_000
}

/// One row of the sales report: a quarter and a value of each dimension, its lines, net hardware + software sales and
/// renewals, and the change of net sales on the previous quarter and on the same quarter last year.
public struct SalesReportRow: Sendable, Equatable {
    public let quarter: Quarter
    /// In the query's dimension order.
    public let values: [String]
    /// Every line of the group: hardware, software and renewals.
    public let lines: Int64
    public let netSales: Money
    public let renewals: Money
    /// Basis points rounded toward zero (`SalesChange`); `nil` without a base.
    public let changePreviousBps: Int64?
    public let changeYearBps: Int64?
}

public struct SalesReport: Sendable, Equatable {
    public let dimensions: [SalesDimension]
    public let currency: Currency
    public let rows: [SalesReportRow]
}

/// Why a sales report cannot be made as asked.
public struct SalesReportError: RefusalError, Sendable, Equatable {
    public let message: String
    public init(message: String) { self.message = message }
    public var description: String { message }
}

extension ChannelbookDatabase {
    /// Net sales grouped by the query's dimensions and quarter (PRODUCT.md section 6, `report sales`), from the
    /// per-quarter totals kept at import — never a scan of the lines. A reseller's tier is the one it held on each
    /// quarter's last day; every quarter is segmented by the newest program's segments.
    public func salesReport(_ query: SalesReportQuery) async throws -> SalesReport {
        try await requireInitialised()
        guard query.first <= query.last else { throw SalesReportError(message: "the range \(query.first)..\(query.last) ends before it starts") }
        guard Quarter.count(from: query.first, through: query.last) <= SalesReportQuery.maximumQuarters else {
            throw SalesReportError(message: "a report covers at most \(SalesReportQuery.maximumQuarters) quarters")
        }
        return try await readTransaction {
            let program = try await latestProgram().program
            let currency = program.currency
            let directory = try await PartnerDirectory.load(from: self)
            // The quarters asked for and their bases: the quarter before the first, and each one's year-ago quarter.
            let earliest = Self.yearAgo(query.first) ?? query.first
            // Positional rows (`plainRows`): a year of totals is tens of thousands of rows; decoding them by column name
            // took half the report's time on PostgreSQL (BENCHMARKS.md).
            var sql = "SELECT quarter, reseller_id, source, segment, category, amount_minor, line_count FROM sales_totals WHERE quarter >= $1 AND quarter <= $2"
            var binds: [PlainValue] = [.text(earliest.description), .text(query.last.description)]
            if let source = query.onlySource {
                sql += " AND source = $3"
                binds.append(.text(source))
            }
            var groups: [GroupKey: Sums] = [:]
            for row in try await plainRows(sql, binds) {
                let quarter = try Quarter.parse(row.text(0))
                let reseller = PartnerID(try row.integer(1))
                let source = try row.text(2), segment = try row.text(3)
                let value = { (dimension: SalesDimension) -> String in
                    switch dimension {
                    case .segment: return segment
                    case .route: return SalesDimension.route(ofSource: source)
                    case .distributor: return source
                    case .tier: return directory.tier(of: reseller, on: quarter.lastDay)?.rawValue ?? ""
                    case .reseller: return directory.byID[reseller]?.code.rawValue ?? ""
                    }
                }
                guard query.filters.allSatisfy({ value($0.key) == $0.value }) else { continue }
                let key = GroupKey(quarter: quarter, values: query.dimensions.map(value))
                let amount = try row.integer(5)
                let renewal = try row.text(4) == SalesCategory.renewal.rawValue
                // A sum beyond 64 bits is a money error naming the group, as every other overflowing sum is.
                try groups[key, default: Sums()].add(
                    amount, lines: try row.integer(6), renewal: renewal,
                    group: "\(quarter)\(key.values.map { " " + $0 }.joined())")
            }
            let asked = groups.filter { $0.key.quarter >= query.first }
            guard asked.count <= SalesReportQuery.maximumRows else {
                throw SalesReportError(message: "the report has \(asked.count) rows, more than \(SalesReportQuery.maximumRows): ask for fewer quarters, dimensions or values")
            }
            let rows = asked.map { key, sums in
                SalesReportRow(
                    quarter: key.quarter, values: key.values, lines: sums.lines, netSales: Money(minorUnits: sums.net, currency: currency),
                    renewals: Money(minorUnits: sums.renewals, currency: currency),
                    changePreviousBps: SalesChange.basisPoints(current: sums.net, base: Self.previous(key.quarter).flatMap { groups[GroupKey(quarter: $0, values: key.values)]?.net }),
                    changeYearBps: SalesChange.basisPoints(current: sums.net, base: Self.yearAgo(key.quarter).flatMap { groups[GroupKey(quarter: $0, values: key.values)]?.net }))
            }
            let order = ReportOrder(dimensions: query.dimensions, segments: program.segments)
            return SalesReport(dimensions: query.dimensions, currency: currency, rows: rows.sorted(by: order.precedes))
        }
    }

    private struct GroupKey: Hashable {
        let quarter: Quarter
        let values: [String]
    }

    private struct Sums {
        var lines: Int64 = 0
        var net: Int64 = 0
        var renewals: Int64 = 0

        mutating func add(_ amount: Int64, lines count: Int64, renewal: Bool, group: @autoclosure () -> String) throws(MoneyError) {
            lines = try MinorUnits.add(lines, count, "the line count of \(group())")  // a stored count is data too: checked
            if renewal { renewals = try MinorUnits.add(renewals, amount, "the renewals of \(group())") } else { net = try MinorUnits.add(net, amount, "the net sales of \(group())") }
        }
    }

    /// Rows by quarter, then by each dimension in its natural order: segments by size, tiers national first, DIRECT
    /// before distribution, codes alphabetically.
    private struct ReportOrder {
        let dimensions: [SalesDimension]
        let segments: SalesSegments

        func rank(_ value: String, _ dimension: SalesDimension) -> (Int, String) {
            switch dimension {
            case .segment: return (segments.names.firstIndex(of: value) ?? segments.names.count, value)
            case .tier: return (ResellerTier(rawValue: value).flatMap { ResellerTier.allCases.sorted().firstIndex(of: $0) } ?? ResellerTier.allCases.count, value)
            case .route, .distributor: return (value == SalesDimension.directSource ? 0 : 1, value)
            case .reseller: return (0, value)
            }
        }

        func precedes(_ a: SalesReportRow, _ b: SalesReportRow) -> Bool {
            if a.quarter != b.quarter { return a.quarter < b.quarter }
            for (index, dimension) in dimensions.enumerated() {
                let (left, right) = (rank(a.values[index], dimension), rank(b.values[index], dimension))
                if left != right { return left < right }
            }
            return false
        }
    }

    /// The quarter before, and the same quarter a year earlier; `nil` before year 1.
    static func previous(_ quarter: Quarter) -> Quarter? { quarter.number == 1 ? Quarter(year: quarter.year - 1, number: 4) : quarter.previous }
    static func yearAgo(_ quarter: Quarter) -> Quarter? { Quarter(year: quarter.year - 1, number: quarter.number) }

    /// The newest quarter up to `today`'s with sales kept (of one source, for a distributor's own view), or `nil`: where
    /// a page's default range ends. Capped at today, so a line dated in a far year moves nobody's window.
    public func latestSalesQuarter(asOf today: BusinessDate, source: String? = nil) async throws -> Quarter? {
        try await requireInitialised()
        let current = Quarter(containing: today).description
        let rows =
            if let source { try await plainRows("SELECT MAX(quarter) FROM sales_totals WHERE quarter <= $1 AND source = $2", [.text(current), .text(source)]) }
            else { try await plainRows("SELECT MAX(quarter) FROM sales_totals WHERE quarter <= $1", [.text(current)]) }
        return try rows.first?.optionalText(0).flatMap { try? Quarter.parse($0) }
    }

    /// MDF paid per quarter (by the payment's date) from the MDF ledger, for the quarters of a range.
    public func mdfPaidByQuarter(from first: Quarter, through last: Quarter) async throws -> [Quarter: Money] {
        try await requireInitialised()
        let currency = try await latestProgram().program.currency
        var paid: [Quarter: Money] = [:]
        // Summed per month in SQL (at most 120 rows for a ten-year range), per quarter here.
        for row in try await plainRows(
            """
            SELECT substr(on_date, 1, 7) || '-01', CAST(SUM(amount_minor) AS BIGINT) FROM mdf_ledger
            WHERE entry = 'paid' AND on_date >= $1 AND on_date <= $2 GROUP BY substr(on_date, 1, 7)
            """, [.text(first.firstDay.description), .text(last.lastDay.description)])
        {
            let quarter = Quarter(containing: try BusinessDate.parse(row.text(0)))
            let sum = try MinorUnits.add(paid[quarter]?.minorUnits ?? 0, try row.integer(1), "MDF paid in \(quarter)")
            paid[quarter] = Money(minorUnits: sum, currency: currency)
        }
        return paid
    }
}

extension SalesReport {
    /// The report's columns as PRODUCT.md section 6 names them: `quarter,<dimensions…>,lines,net_sales,renewals,
    /// change_prev_bps,change_year_bps`. One shape for the command's CSV, the page's export and the API's fields.
    public var columns: [String] {
        ["quarter"] + dimensions.map(\.rawValue) + ["lines", "net_sales", "renewals", "change_prev_bps", "change_year_bps"]
    }

    /// Each row as text cells under `columns`.
    public var cells: [[String]] { rows.map(\.cells) }
}

extension SalesReportRow {
    /// The row as text cells under the report's `columns`: money as decimal strings, a change without a base blank.
    public var cells: [String] {
        [quarter.description] + values
            + [String(lines), netSales.decimalString, renewals.decimalString, changePreviousBps.map(String.init) ?? "", changeYearBps.map(String.init) ?? ""]
    }
}
