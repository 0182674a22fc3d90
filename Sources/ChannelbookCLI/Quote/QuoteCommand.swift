import ArgumentParser
import ChannelbookCore

/// `channelbook quote rebate|referral`: what the program pays for given facts, and why.
struct QuoteCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "quote",
        abstract: "Compute a rebate or referral fee from facts you give, with its explanation.",
        subcommands: [QuoteRebateCommand.self, QuoteReferralCommand.self]
    )
}

struct QuoteRebateCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "rebate", abstract: "The quarterly rebate for a reseller tier and a net hardware + software basis.")

    @Option(help: "The reseller's tier on the evaluation date (\(ResellerTier.allCases.map(\.rawValue).joined(separator: ", "))).")
    var tier: ResellerTier

    @Option(help: "Net basis-category sales in the quarter, a decimal string (49999.50; credits make it smaller, --basis=-10.00).")
    var basis: String

    @OptionGroup var program: ProgramOptions

    @Option(help: "table or json.")
    var format: OutputFormat = .table

    func run() throws {
        let program = try program.load()
        let basis = try parseAmountOption("--basis", basis, program.currency)
        let result = try RebateCalculator.compute(program: program, tier: tier, basis: basis)
        try QuoteOutput.print(
            format: format, headline: [("rebate", result.amount.description), ("rate", result.rate.description)],
            json: RebateQuoteJSON(result), explanation: result.explanation)
    }
}

struct QuoteReferralCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "referral", abstract: "The referral fee for a closed sale of some seats at a per-seat partner buy price.")

    @Option(help: "Seats in the closed sale.")
    var seats: Int64

    @Option(help: "The SKU's per-seat recommended partner buy price on the close date (120.00).")
    var unitPrice: String

    @Flag(help: "The referring partner also fulfils the sale.")
    var selfFulfilled = false

    @OptionGroup var program: ProgramOptions

    @Option(help: "table or json.")
    var format: OutputFormat = .table

    func validate() throws {
        if seats <= 0 { throw ValidationError("--seats: must be a positive whole number, not \(seats)") }
    }

    func run() throws {
        let program = try program.load()
        let unitPrice = try parseAmountOption("--unit-price", unitPrice, program.currency)
        if unitPrice.isNegative { throw CLIError("--unit-price: must not be negative, not \(unitPrice.decimalString)") }
        let result = try ReferralFeeCalculator.compute(program: program, seats: seats, unitPrice: unitPrice, selfFulfilled: selfFulfilled)
        try QuoteOutput.print(
            format: format, headline: [("referral fee", result.amount.description), ("rate", result.rate.description)],
            json: ReferralQuoteJSON(result), explanation: result.explanation)
    }
}

/// Parses an amount given on the command line, naming the option in the error.
func parseAmountOption(_ option: String, _ text: String, _ currency: Currency) throws -> Money {
    do { return try Money.parse(text, currency: currency) } catch { throw CLIError("\(option): \(error)") }
}
