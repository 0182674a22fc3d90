import ChannelbookCore

/// Prints a quote: the figure and rate, then every explanation line; or the JSON object.
enum QuoteOutput {
    static func print(format: OutputFormat, headline: [(String, String)], json: some Encodable, explanation: Explanation) throws {
        switch format {
        case .json:
            Console.line(try jsonText(json))
        case .table:
            alignedRows(headline).forEach { Console.line($0) }
            Console.line()
            Console.line("how it was computed:")
            explanation.lines.forEach { Console.line("  " + $0) }
        }
    }
}

/// A tiered computation in JSON: mode, rounding, the exact unrounded total and every slice.
struct CalculationJSON: Encodable {
    let mode, rounding, unrounded: String
    let slices: [SliceJSON]

    /// - Parameter describe: how a bound in the schedule's unit reads (`30000.00`, `250`).
    init(_ calculation: TieredCalculation, describe: (Int64) -> String) {
        mode = calculation.mode.rawValue
        rounding = calculation.rounding.rawValue
        unrounded = calculation.unrounded.decimalString
        slices = calculation.slices.map { SliceJSON($0, describe: describe) }
    }
}

/// One slice of a tiered computation in JSON; bounds in the measure's unit as strings.
struct SliceJSON: Encodable {
    let tier: Int
    let from: String
    let upTo: String?
    let value: String
    let rateBps: Int
    let unrounded: String

    init(_ slice: TierSlice, describe: (Int64) -> String) {
        tier = slice.tierIndex + 1
        from = describe(slice.from)
        upTo = slice.upTo.map(describe)
        value = slice.value.decimalString
        rateBps = slice.rate.rawValue
        unrounded = slice.unrounded.decimalString
    }

    enum CodingKeys: String, CodingKey {
        case tier, from, value, unrounded
        case upTo = "up_to"
        case rateBps = "rate_bps"
    }
}

/// `channelbook quote rebate --format json`: money as decimal strings, rates in basis points.
struct RebateQuoteJSON: Encodable {
    let amount, currency, basis, tier, program: String
    let rateBps: Int
    let eligible: Bool
    /// Absent when nothing was computed: an ineligible tier or a negative basis.
    let calculation: CalculationJSON?
    let explanation: [String]

    init(_ result: RebateResult) {
        let currency = result.amount.currency
        amount = result.amount.decimalString
        self.currency = currency.code
        basis = result.basis.decimalString
        tier = result.tier.rawValue
        program = result.explanation.programVersion
        rateBps = result.rate.rawValue
        eligible = result.eligible
        calculation = result.calculation.map { CalculationJSON($0) { Money(minorUnits: $0, currency: currency).decimalString } }
        explanation = result.explanation.lines
    }

    enum CodingKeys: String, CodingKey {
        case amount, currency, basis, tier, program, eligible, calculation, explanation
        case rateBps = "rate_bps"
    }
}

/// `channelbook quote referral --format json`.
struct ReferralQuoteJSON: Encodable {
    let amount, currency, unitPrice, dealPrice, program: String
    let seats: Int64
    let rateBps: Int
    let selfFulfilled: Bool
    /// Absent when self-fulfilment pays nothing.
    let calculation: CalculationJSON?
    let explanation: [String]

    init(_ result: ReferralFeeResult) {
        amount = result.amount.decimalString
        currency = result.amount.currency.code
        unitPrice = result.unitPrice.decimalString
        dealPrice = result.dealPrice.decimalString
        program = result.explanation.programVersion
        seats = result.seats
        rateBps = result.rate.rawValue
        selfFulfilled = result.selfFulfilled
        calculation = result.calculation.map { CalculationJSON($0) { "\($0)" } }
        explanation = result.explanation.lines
    }

    enum CodingKeys: String, CodingKey {
        case amount, currency, program, seats, calculation, explanation
        case unitPrice = "unit_price"
        case dealPrice = "deal_price"
        case rateBps = "rate_bps"
        case selfFulfilled = "self_fulfilled"
    }
}
