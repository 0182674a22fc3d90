/// A reseller's quarterly rebate, with how it was computed.
public struct RebateResult: Hashable, Sendable {
    public let amount: Money
    /// The rate applied (for graduated schedules the marginal rate); 0 when nothing is earned.
    public let rate: BasisPoints
    /// The tier the reseller held on the evaluation date.
    public let tier: ResellerTier
    public let eligible: Bool
    public let basis: Money
    /// The tiered computation; `nil` when the tier is not eligible or the basis is negative.
    public let calculation: TieredCalculation?
    public let explanation: Explanation
}

/// The article's quarterly rebate: a tiered rate on a reseller's net hardware and software sales.
///
/// Pure: the basis (net sales of the program's basis categories, dated in the quarter) and the tier
/// held on the evaluation date are facts the caller gathered; this decides what they earn.
public enum RebateCalculator {
    public static func compute(program: Program, tier: ResellerTier, basis: Money) throws -> RebateResult {
        guard basis.currency == program.currency else {
            throw CalculationError.currencyNotProgramCurrency(given: basis.currency, program: program.currency)
        }
        let rules = program.rebate
        let eligibleNames = rules.eligibleTiers.sorted().map(\.rawValue).joined(separator: ", ")
        let categories = rules.basisCategories.sorted().map(\.rawValue).joined(separator: " + ")
        var steps: [Explanation.Step] = []
        func result(_ amount: Money, _ rate: BasisPoints, eligible: Bool, _ calculation: TieredCalculation?) -> RebateResult {
            steps.append(.init("amount", amount.description))
            let explanation = Explanation(programVersion: program.versionLabel, rule: "quarterly rebate", steps: steps)
            return RebateResult(
                amount: amount, rate: rate, tier: tier, eligible: eligible, basis: basis, calculation: calculation,
                explanation: explanation)
        }
        let zero = Money.zero(program.currency)
        guard rules.isEligible(tier) else {
            steps.append(.init("tier", "\(tier.rawValue) on \(rules.tierOn.phrase) is not eligible (eligible tiers: \(eligibleNames)); nothing is earned"))
            return result(zero, .zero, eligible: false, nil)
        }
        steps.append(.init("tier", "\(tier.rawValue) on \(rules.tierOn.phrase), eligible (eligible tiers: \(eligibleNames))"))
        guard !basis.isNegative else {
            steps.append(.init("basis", "\(basis) net \(categories) sales is negative (credits exceed sales); a negative basis earns nothing"))
            return result(zero, .zero, eligible: true, nil)
        }
        steps.append(.init("basis", "\(basis) net \(categories) sales"))
        let calculation = try TieredRateEngine.apply(rules.schedule, measure: basis.minorUnits, currency: program.currency) {
            Money(minorUnits: $0, currency: program.currency)
        }
        steps += calculation.explanationSteps(measureName: "basis", valueName: "basis") { Money(minorUnits: $0, currency: program.currency).description }
        return result(calculation.amount, calculation.rate, eligible: true, calculation)
    }
}
