import ArgumentParser
import ChannelbookCore
import ChannelbookStore

/// `channelbook report …`: channel analytics.
struct ReportCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "report", abstract: "Channel analytics: is the strategy working?", subcommands: [SalesReportCommand.self])
}

/// `channelbook report sales --quarters Q1[..Q2] [--by segment,route,distributor,tier]`: net sales by the chosen
/// dimensions and quarter, renewals apart, with the change on the previous quarter and on the same quarter last year.
struct SalesReportCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "sales",
        abstract: "Net hardware + software sales by quarter and dimensions: quarter,<dimensions…>,lines,net_sales,renewals,change_prev_bps,change_year_bps.",
        discussion: """
            Dimensions: segment (by seats, the program's [segments]), route (DIRECT or distributor), distributor (the source's code),
            tier (the reseller's tier on the quarter's last day), reseller. A change is (this − base) ÷ base in basis points,
            rounded toward zero; blank without a base or when the base is 0. Read from the totals kept at import.
            """)

    @Option(help: "The quarters: 2026Q1 or 2026Q1..2026Q4 (at most 40).") var quarters: QuarterRange
    @Option(help: "Group by these, comma-separated: segment, route, distributor, tier, reseller (default: the quarter's total).") var by = ""
    @Option(help: "csv, json or table.") var format: ReportFormat = .csv
    @OptionGroup var database: DatabaseOptions

    func run() async throws {
        let dimensions: [SalesDimension]
        switch SalesDimension.parseList(by) {
        case .success(let parsed): dimensions = parsed
        case .failure(let error): throw CLIError("--by: \(error)")
        }
        let result = try await database.perform {
            try await $0.salesReport(SalesReportQuery(first: quarters.first, last: quarters.last, dimensions: dimensions))
        }
        let report = Report(columns: result.columns, rows: result.cells)
        try report.print(format) { try report.jsonText() }
    }
}
