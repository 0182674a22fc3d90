/// The fee a referring partner earns when its referred sale closes, with how it was computed.
public struct ReferralFeeResult: Hashable, Sendable {
    public let amount: Money
    /// The rate applied (for graduated schedules the marginal rate); 0 when nothing is earned.
    public let rate: BasisPoints
    public let seats: Int64
    /// The per-seat recommended partner buy price on the close date.
    public let unitPrice: Money
    /// `unitPrice × seats`: the recommended partner buy price of the deal.
    public let dealPrice: Money
    public let selfFulfilled: Bool
    /// The tiered computation; `nil` when self-fulfilment pays nothing.
    public let calculation: TieredCalculation?
    public let explanation: Explanation
}

/// The article's referral fee: a share of the recommended partner buy price, banded by seats.
public enum ReferralFeeCalculator {
    public static func compute(program: Program, seats: Int64, unitPrice: Money, selfFulfilled: Bool) throws -> ReferralFeeResult {
        guard unitPrice.currency == program.currency else {
            throw CalculationError.currencyNotProgramCurrency(given: unitPrice.currency, program: program.currency)
        }
        guard seats > 0 else { throw CalculationError.nonPositiveSeats(seats) }
        guard !unitPrice.isNegative else { throw CalculationError.negativeUnitPrice(unitPrice) }
        let rules = program.referral
        let dealPrice = try unitPrice.multiplied(by: seats)
        var steps: [Explanation.Step] = [
            .init("seats", "\(seats) seats in the closed sale"),
            .init("price", "\(seats) seats × \(unitPrice) recommended partner buy price per seat on the close date = \(dealPrice)"),
        ]
        func result(_ amount: Money, _ rate: BasisPoints, _ calculation: TieredCalculation?) -> ReferralFeeResult {
            steps.append(.init("amount", amount.description))
            let explanation = Explanation(programVersion: program.versionLabel, rule: "referral fee", steps: steps)
            return ReferralFeeResult(
                amount: amount, rate: rate, seats: seats, unitPrice: unitPrice, dealPrice: dealPrice, selfFulfilled: selfFulfilled,
                calculation: calculation, explanation: explanation)
        }
        if selfFulfilled && !rules.selfFulfilmentPays {
            steps.append(.init("self-fulfilment", "the referring partner fulfils the sale and the program pays no fee for that (referral.self_fulfilment_pays = false)"))
            return result(.zero(program.currency), .zero, nil)
        }
        if selfFulfilled { steps.append(.init("self-fulfilment", "the referring partner fulfils the sale; the program still pays the fee")) }
        let calculation = try TieredRateEngine.apply(rules.schedule, measure: seats, currency: program.currency) {
            try unitPrice.multiplied(by: $0)
        }
        steps += calculation.explanationSteps(measureName: "seats", valueName: "deal price") { "\($0)" }
        return result(calculation.amount, calculation.rate, calculation)
    }
}
