import Testing

@testable import ChannelbookCore

private func aud(_ text: String) -> Money { try! Money.parse(text, currency: .aud) }

/// The article's program with its rebate and referral schedules switched to another mode or rounding.
func articleProgram(mode: TierMode = .volume, rounding: RoundingMode = .halfEven, selfFulfilmentPays: Bool = false) -> Program {
    var program = Program.article
    program.rebate.schedule = TierSchedule(unit: .minorUnits, mode: mode, rounding: rounding, tiers: program.rebate.schedule.tiers)
    program.referral.schedule = TierSchedule(unit: .seats, mode: mode, rounding: rounding, tiers: program.referral.schedule.tiers)
    program.referral.selfFulfilmentPays = selfFulfilmentPays
    return program
}

@Suite struct RebateBoundaryTests {
    // The article: $30,000–$49,999 → 5 %, $50,000–$99,999 → 7.5 %, $100,000 and over → 10 %, on the whole amount.
    @Test(arguments: [
        ("0.00", "0.00", 0), ("29999.99", "0.00", 0), ("30000.00", "1500.00", 500), ("49999.50", "2499.98", 500),
        ("49999.99", "2500.00", 500), ("50000.00", "3750.00", 750), ("99999.99", "7500.00", 750), ("100000.00", "10000.00", 1000),
        ("250000.00", "25000.00", 1000),
    ])
    func volumeTiersAtEveryBoundary(basis: String, rebate: String, rateBps: Int) throws {
        let result = try RebateCalculator.compute(program: .article, tier: .premier, basis: aud(basis))
        #expect(result.amount == aud(rebate))
        #expect(result.rate == BasisPoints(rateBps))
        #expect(result.eligible)
    }

    // Graduated: each slice at its own rate. 100,000.00 → 20,000 × 5 % + 50,000 × 7.5 % + 0 × 10 % = 4,750.00.
    @Test(arguments: [
        ("29999.99", "0.00"), ("30000.00", "0.00"), ("30000.10", "0.00"), ("30000.30", "0.02"), ("49999.50", "999.98"), ("50000.00", "1000.00"),
        ("99999.99", "4749.9999"), ("100000.00", "4750.00"), ("120000.00", "6750.00"),
    ])
    func graduatedTiersAtEveryBoundary(basis: String, rebate: String) throws {
        let result = try RebateCalculator.compute(program: articleProgram(mode: .graduated), tier: .national, basis: aud(basis))
        // 99,999.99 earns 4,749.99925 unrounded: half-even to the cent is 4,750.00.
        #expect(result.amount == (rebate == "4749.9999" ? aud("4750.00") : aud(rebate)))
    }

    @Test func graduatedExplainsEverySlice() throws {
        let result = try RebateCalculator.compute(program: articleProgram(mode: .graduated), tier: .national, basis: aud("120000.00"))
        let calculation = try #require(result.calculation)
        #expect(calculation.slices.map(\.value) == [aud("20000.00"), aud("50000.00"), aud("20000.00")])
        #expect(calculation.slices.map(\.rate.rawValue) == [500, 750, 1000])
        #expect(calculation.unrounded.decimalString == "6750.00")
        #expect(result.explanation.lines.contains("slice 2: 50000.00 AUD ≤ basis < 100000.00 AUD: 50000.00 × 7.5% = 3750.00 AUD"))
        #expect(result.rate == BasisPoints(1000))
    }

    @Test(arguments: [ResellerTier.associate, .registered])
    func ineligibleTiersEarnNothingAndSayWhy(tier: ResellerTier) throws {
        let result = try RebateCalculator.compute(program: .article, tier: tier, basis: aud("150000.00"))
        #expect(result.amount == .zero(.aud))
        #expect(result.rate == .zero)
        #expect(!result.eligible)
        #expect(result.calculation == nil)
        #expect(result.explanation.lines.contains(
            "tier: \(tier.rawValue) on the quarter's last day is not eligible (eligible tiers: national, premier); nothing is earned"))
    }

    @Test func negativeBasisEarnsNothing() throws {
        let result = try RebateCalculator.compute(program: .article, tier: .national, basis: aud("-100.00"))
        #expect(result.amount == .zero(.aud))
        #expect(result.eligible)
        #expect(result.explanation.lines.contains {
            $0.hasPrefix("basis: -100.00 AUD") && $0.hasSuffix("a negative basis earns nothing")
        })
    }

    @Test func explanationNamesEveryStep() throws {
        let result = try RebateCalculator.compute(program: .article, tier: .premier, basis: aud("49999.50"))
        #expect(
            result.explanation.lines == [
                "program: Australian channel program (effective 2005-01-01)",
                "rule: quarterly rebate",
                "tier: premier on the quarter's last day, eligible (eligible tiers: national, premier)",
                "basis: 49999.50 AUD net hardware + software sales",
                "tier matched: tier 1: 30000.00 AUD ≤ basis < 50000.00 AUD → 5% (500 bps)",
                "computation: volume: the whole basis earns the rate of the tier the basis reaches",
                "unrounded: 49999.50 × 5% = 2499.975 AUD",
                "rounding: half_even to 0.01 AUD → 2499.98 AUD",
                "amount: 2499.98 AUD",
            ])
        let below = try RebateCalculator.compute(program: .article, tier: .premier, basis: aud("29999.99"))
        #expect(below.explanation.lines.contains("tier matched: none: basis 29999.99 AUD is below the first tier; nothing is earned"))
    }

    // Exact ties at the cent: 30,000.10 × 5 % = 1,500.005 and 30,000.30 × 5 % = 1,500.015.
    @Test(arguments: [
        (RoundingMode.halfEven, "30000.10", "1500.00"), (.halfUp, "30000.10", "1500.01"), (.down, "30000.10", "1500.00"),
        (.halfEven, "30000.30", "1500.02"), (.halfUp, "30000.30", "1500.02"), (.down, "30000.30", "1500.01"),
        (.halfEven, "49999.50", "2499.98"), (.halfUp, "49999.50", "2499.98"), (.down, "49999.50", "2499.97"),
    ])
    func everyRoundingModeOnExactTies(rounding: RoundingMode, basis: String, rebate: String) throws {
        let result = try RebateCalculator.compute(program: articleProgram(rounding: rounding), tier: .premier, basis: aud(basis))
        #expect(result.amount == aud(rebate))
        #expect(result.explanation.lines.contains("rounding: \(rounding.rawValue) to 0.01 AUD → \(rebate) AUD"))
    }

    @Test func refusesAnotherCurrency() {
        let usd = Money(minorUnits: 100, currency: Currency(code: "USD")!)
        #expect(throws: CalculationError.currencyNotProgramCurrency(given: usd.currency, program: .aud)) {
            try RebateCalculator.compute(program: .article, tier: .premier, basis: usd)
        }
    }
}

@Suite struct ReferralFeeBoundaryTests {
    // The article: 250–500 seats → 5 %, over 500 → 10 % of the recommended partner buy price; at 120.00 a seat.
    @Test(arguments: [
        (1, "0.00", 0), (249, "0.00", 0), (250, "1500.00", 500), (500, "3000.00", 500), (501, "6012.00", 1000), (10_000, "120000.00", 1000),
    ] as [(Int64, String, Int)])
    func volumeBandsAtEveryBoundary(seats: Int64, fee: String, rateBps: Int) throws {
        let result = try ReferralFeeCalculator.compute(program: .article, seats: seats, unitPrice: aud("120.00"), selfFulfilled: false)
        #expect(result.amount == aud(fee))
        #expect(result.rate == BasisPoints(rateBps))
        #expect(result.dealPrice == (try aud("120.00").multiplied(by: seats)))
    }

    // Graduated by seats: seats 250 through 500 (251 seats) at 5 %, the 501st onward at 10 %:
    // 501 seats → 251 × 120 × 5 % + 1 × 120 × 10 % = 1,506.00 + 12.00.
    @Test(arguments: [(249, "0.00"), (250, "6.00"), (500, "1506.00"), (501, "1518.00")] as [(Int64, String)])
    func graduatedBandsSliceTheSeats(seats: Int64, fee: String) throws {
        let result = try ReferralFeeCalculator.compute(
            program: articleProgram(mode: .graduated), seats: seats, unitPrice: aud("120.00"), selfFulfilled: false)
        #expect(result.amount == aud(fee))
    }

    @Test func feeRoundsOnceByTheProgramsRule() throws {
        // 333 seats × 33.33 = 11,098.89; 5 % = 554.9445 → 554.94.
        let result = try ReferralFeeCalculator.compute(program: .article, seats: 333, unitPrice: aud("33.33"), selfFulfilled: false)
        #expect(result.calculation?.unrounded.decimalString == "554.9445")
        #expect(result.amount == aud("554.94"))
    }

    @Test func selfFulfilmentPaysNothingByDefault() throws {
        let result = try ReferralFeeCalculator.compute(program: .article, seats: 600, unitPrice: aud("100.00"), selfFulfilled: true)
        #expect(result.amount == .zero(.aud))
        #expect(result.explanation.lines.contains {
            $0.hasPrefix("self-fulfilment:") && $0.contains("referral.self_fulfilment_pays = false")
        })
        let paying = try ReferralFeeCalculator.compute(
            program: articleProgram(selfFulfilmentPays: true), seats: 600, unitPrice: aud("100.00"), selfFulfilled: true)
        #expect(paying.amount == aud("6000.00"))
    }

    @Test func refusesImpossibleDeals() {
        #expect(throws: CalculationError.nonPositiveSeats(0)) {
            try ReferralFeeCalculator.compute(program: .article, seats: 0, unitPrice: aud("1.00"), selfFulfilled: false)
        }
        #expect(throws: CalculationError.nonPositiveSeats(-5)) {
            try ReferralFeeCalculator.compute(program: .article, seats: -5, unitPrice: aud("1.00"), selfFulfilled: false)
        }
        #expect(throws: CalculationError.negativeUnitPrice(aud("-1.00"))) {
            try ReferralFeeCalculator.compute(program: .article, seats: 300, unitPrice: aud("-1.00"), selfFulfilled: false)
        }
        #expect(throws: MoneyError.self) {
            try ReferralFeeCalculator.compute(program: .article, seats: 1_000_000_000, unitPrice: aud("99999999999.00"), selfFulfilled: false)
        }
    }
}
