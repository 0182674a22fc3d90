import ArgumentParser
import ChannelbookCore
import ChannelbookStore

/// `Q1` or `Q1..Q2`: one quarter or an inclusive range.
struct QuarterRange: ExpressibleByArgument {
    let first: Quarter
    let last: Quarter

    init?(argument: String) {
        guard let range = try? Quarter.parseRange(argument) else { return nil }
        (first, last) = range
    }
}

/// `channelbook whatif PROGRAM_FILE --quarters Q1[..Q2]`: closed quarters under a proposed program, writing nothing.
struct WhatIfCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "whatif",
        abstract: "Recompute closed quarters under a proposed program file, writing nothing: partner,quarter,current,proposed,delta, then TOTAL.")

    @Argument(help: "The proposed TOML program file.", completion: .file()) var programFile: String
    @Option(help: "The closed quarters to recompute: 2026Q1 or 2026Q1..2026Q4.") var quarters: QuarterRange
    @Option(help: "csv, json or table.") var format: ReportFormat = .csv
    @OptionGroup var database: DatabaseOptions

    func run() async throws {
        let proposed = try loadProgramFile(programFile)
        let result = try await database.perform { try await $0.whatIf(proposed, from: quarters.first, through: quarters.last) }
        let rows = result.rows.map { [$0.partner.rawValue, $0.quarter.description, $0.current.decimalString, $0.proposed.decimalString, $0.delta.decimalString] }
        let report = Report(
            columns: ["partner", "quarter", "current", "proposed", "delta"],
            rows: rows + [["TOTAL", "\(quarters.first)..\(quarters.last)", result.current.decimalString, result.proposed.decimalString, result.delta.decimalString]])
        try report.print(format) {
            try jsonText(
                WhatIfJSON(
                    program: proposed.versionLabel, currency: proposed.currency.code,
                    rows: result.rows.map {
                        .init(partner: $0.partner.rawValue, quarter: $0.quarter.description, current: $0.current.decimalString,
                              proposed: $0.proposed.decimalString, delta: $0.delta.decimalString)
                    },
                    total: .init(current: result.current.decimalString, proposed: result.proposed.decimalString, delta: result.delta.decimalString)))
        }
    }

    struct WhatIfJSON: Encodable {
        struct Row: Encodable { let partner, quarter, current, proposed, delta: String }
        struct Total: Encodable { let current, proposed, delta: String }
        let program: String
        let currency: String
        let rows: [Row]
        let total: Total
    }
}

/// `channelbook near-tier QUARTER [--within PERCENT] [--as-of DATE]`: eligible resellers close to their next tier.
struct NearTierCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "near-tier",
        abstract: "Eligible resellers whose basis so far is within PERCENT of the next rebate tier: partner,tier,basis,next_from,shortfall,next_rate_bps.")

    @Argument(help: "The quarter, such as 2026Q1.") var quarter: Quarter
    @Option(help: "How close counts as near, as a percentage of the next tier's start (default 10%).") var within = QuarterEngine.defaultNearTierWithin.percentString
    @Option(help: "Count only sales dated up to this day, and read tiers on it (default: today, every sale imported so far).") var asOf: BusinessDate?
    @Option(help: "csv, json or table.") var format: ReportFormat = .csv
    @OptionGroup var database: DatabaseOptions

    func run() async throws {
        let percent: BasisPoints
        do { percent = try QuarterEngine.parseWithin(within) } catch {
            throw CLIError("--within: \(error)")
        }
        let date = asOf ?? Today.date
        let rows = try await database.perform { try await $0.nearTier(quarter, within: percent, asOf: min(date, quarter.lastDay), linesDatedThrough: asOf) }
        let report = Report(
            columns: ["partner", "tier", "basis", "next_from", "shortfall", "next_rate_bps"],
            rows: rows.map { row in
                let next = row.progress.next!
                return [row.partner.rawValue, row.progress.tier?.rawValue ?? "", row.progress.basis.decimalString, next.from.decimalString,
                        next.shortfall?.decimalString ?? "", String(next.rate.rawValue)]
            })
        try report.print(format) {
            try jsonText(report.rows.map { Dictionary(uniqueKeysWithValues: zip(report.columns, $0)) })
        }
    }
}
