import ArgumentParser
import ChannelbookCore
import ChannelbookStore

extension Quarter: ExpressibleByArgument {
    public init?(argument: String) {
        guard let quarter = try? Quarter.parse(argument) else { return nil }
        self = quarter
    }
}

/// `channelbook close QUARTER`: computes (or recomputes) the quarter's rebates and referral fees.
struct CloseCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "close", abstract: "Compute (or recompute) the quarter's rebates and referral fees, with explanations.")

    @Argument(help: "The quarter, such as 2026Q1.")
    var quarter: Quarter

    @OptionGroup var database: DatabaseOptions

    @Option(name: .customLong("program"), help: "Store this program file as a new program version before closing.", completion: .file())
    var programPath: String?

    @Flag(help: "Close a quarter that has not ended yet (recorded as an early close in the audit log).")
    var early = false

    @OptionGroup var actor: ActorOption
    @OptionGroup var quiet: QuietOption

    func run() async throws {
        let toml = try programPath.map { path in
            let text = try readProgramText(path)
            _ = try parseProgram(text, path: path)
            return text
        }
        let summary = try await TerminalProgress.watching(quiet: quiet.quiet) {
            try await database.perform { database in
                if let toml {
                    try await database.requireInitialised()
                    try await database.storeProgram(toml: toml, actor: actor.name)
                }
                return try await database.closeQuarter(quarter, actor: actor.name, today: Today.date, early: early)
            }
        }
        Console.line(summary.description)
    }
}

/// What every quarter report takes: the quarter, the database and the output format.
struct QuarterReportOptions: ParsableArguments {
    @Argument(help: "The quarter, such as 2026Q1.")
    var quarter: Quarter

    @OptionGroup var database: DatabaseOptions

    @Option(help: "csv, json or table.")
    var format: ReportFormat = .csv

    /// Runs `query` on the database for the quarter, store errors reported the CLI's way.
    func fetch<T>(_ query: (ChannelbookDatabase, Quarter) async throws -> T) async throws -> T {
        try await database.perform { try await query($0, quarter) }
    }
}

/// `channelbook rebates QUARTER`: csv columns `partner,quarter,tier,basis,rate_bps,rebate`.
struct RebatesCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "rebates", abstract: "Print a closed quarter's rebates: every eligible reseller with sales in it, by partner code.")

    @OptionGroup var options: QuarterReportOptions

    func run() async throws {
        let (rows, pending) = try await options.fetch { database, quarter in
            (try await database.rebates(for: quarter), try await database.pendingAdjustments(of: quarter))
        }
        // Approved figures are what the rows say; a later recomputation is money on the next statement, said apart.
        if !pending.isEmpty {
            Console.errorLine("pending adjustments of \(options.quarter) (on draft statements, not in the rows above):")
            for adjustment in pending {
                Console.errorLine("  \(adjustment.partner.rawValue) \(adjustment.amount.decimalString) on \(adjustment.statementReference)")
            }
        }
        let report = Report(
            columns: ["partner", "quarter", "tier", "basis", "rate_bps", "rebate"],
            rows: rows.map {
                [$0.partner.rawValue, $0.quarter.description, $0.tier.rawValue, $0.basis.decimalString, String($0.rate.rawValue), $0.rebate.decimalString]
            })
        try report.print(options.format) {
            try jsonText(
                rows.map {
                    RebateRowJSON(
                        partner: $0.partner.rawValue, quarter: $0.quarter.description, tier: $0.tier.rawValue, basis: $0.basis.decimalString,
                        rate_bps: $0.rate.rawValue, rebate: $0.rebate.decimalString, currency: $0.rebate.currency.code, explanation: $0.explanation)
                })
        }
    }

    struct RebateRowJSON: Encodable {
        let partner, quarter, tier, basis: String
        let rate_bps: Int
        let rebate, currency: String
        let explanation: [String]
    }
}

/// `channelbook referral-fees QUARTER`: csv columns `referral_id,partner,seats,price,rate_bps,fee`.
struct ReferralFeesCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "referral-fees", abstract: "Print the fees of referrals closed in a closed quarter, by partner code.")

    @OptionGroup var options: QuarterReportOptions

    func run() async throws {
        let rows = try await options.fetch { try await $0.referralFees(for: $1) }
        let report = Report(
            columns: ["referral_id", "partner", "seats", "price", "rate_bps", "fee"],
            rows: rows.map { [$0.referralID, $0.partner.rawValue, String($0.seats), $0.price.decimalString, String($0.rate.rawValue), $0.fee.decimalString] })
        try report.print(options.format) {
            try jsonText(
                rows.map {
                    FeeRowJSON(
                        referral_id: $0.referralID, partner: $0.partner.rawValue, seats: $0.seats, price: $0.price.decimalString,
                        rate_bps: $0.rate.rawValue, fee: $0.fee.decimalString, currency: $0.fee.currency.code, explanation: $0.explanation)
                })
        }
    }

    struct FeeRowJSON: Encodable {
        let referral_id, partner: String
        let seats: Int64
        let price: String
        let rate_bps: Int
        let fee, currency: String
        let explanation: [String]
    }
}

/// `channelbook exceptions QUARTER`: sales whose source does not match the reseller's route to market.
struct ExceptionsCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "exceptions", abstract: "List the quarter's route exceptions: sales whose source does not match the reseller's route.")

    @OptionGroup var options: QuarterReportOptions

    func run() async throws {
        let rows = try await options.fetch { try await $0.routeExceptions(in: $1) }
        let report = Report(
            columns: ["reseller", "date", "source", "line_id", "amount", "reason"],
            rows: rows.map { [$0.reseller.rawValue, $0.date.description, $0.source, $0.lineID, $0.amount.decimalString, $0.reason.rawValue] })
        try report.print(options.format) {
            try jsonText(
                rows.map {
                    ExceptionJSON(
                        reseller: $0.reseller.rawValue, date: $0.date.description, source: $0.source, line_id: $0.lineID,
                        amount: $0.amount.decimalString, reason: $0.reason.rawValue, explanation: $0.reason.explanation)
                })
        }
        if options.format == .table { Console.line("\(rows.count) route exception\(rows.count == 1 ? "" : "s") in \(options.quarter)") }
    }

    struct ExceptionJSON: Encodable {
        let reseller, date, source, line_id, amount, reason, explanation: String
    }
}
