import PropertyBased
import Testing

@testable import ChannelbookCore

/// The quarter engine: every figure of a quarter from `QuarterFacts`, each rule once.
@Suite struct QuarterEngineTests {
    private static let q1 = try! Quarter.parse("2026Q1")
    private static let aud = Currency.aud
    private static func money(_ minor: Int64) -> Money { Money(minorUnits: minor, currency: aud) }

    /// Facts for resellers 1…n: each with (tier, [(category, source, amount)]).
    private static func facts(_ resellers: [(ResellerTier, [(SalesCategory, String, Int64)])], referrals: [ClosedReferralFact] = []) -> QuarterFacts {
        var tiers = TierHistory()
        var totals: [PartnerID: [SalesTotalFact]] = [:]
        for (index, reseller) in resellers.enumerated() {
            let id = PartnerID(Int64(index + 1))
            tiers.append(id, from: BusinessDate(year: 2000, month: 1, day: 1)!, tier: reseller.0)
            totals[id] = reseller.1.map { SalesTotalFact(category: $0.0, source: $0.1, amount: money($0.2), lines: 1) }
        }
        return QuarterFacts(quarter: q1, totals: totals, tiers: tiers, referrals: referrals)
    }

    @Test func theBasisIsTheBasisCategoriesOnlyAndIneligibleTiersGetNoRow() throws {
        let facts = Self.facts([
            (.premier, [(.hardware, "D01", 30_000_00), (.software, "DIRECT", 20_000_00), (.renewal, "D01", 9_000_00)]),
            (.registered, [(.hardware, "D01", 120_000_00)]),
            (.national, [(.hardware, "DIRECT", 100_000_00)]),
        ])
        let result = try QuarterEngine.compute(facts, program: .article)
        #expect(result.rebates.map(\.partner.rawValue) == [1, 3])
        #expect(result.rebates[0].result.basis == Self.money(50_000_00))
        #expect(result.rebates[0].result.amount == Self.money(3_750_00))
        #expect(result.rebates[0].explanation.contains("basis by category: hardware 30000.00, software 20000.00, renewal 9000.00 (excluded)"))
        #expect(result.rebates[0].explanation.contains("basis by source: D01 30000.00, DIRECT 20000.00"))
        #expect(result.rebates[1].result.amount == Self.money(10_000_00))
        #expect(try result.earned(by: PartnerID(2)) == 0)
    }

    /// The article's boundaries through the engine: 29,999.99 / 30,000.00 / 49,999.50 / 50,000.00 / 99,999.99 / 100,000.00.
    @Test(arguments: [
        (Int64(29_999_99), Int64(0)), (30_000_00, 1_500_00), (49_999_50, 2_499_98), (50_000_00, 3_750_00), (99_999_99, 7_500_00), (100_000_00, 10_000_00),
    ])
    func articleBoundaries(basis: Int64, rebate: Int64) throws {
        let result = try QuarterEngine.compute(Self.facts([(.premier, [(.hardware, "D01", basis)])]), program: .article)
        #expect(result.rebates.first?.result.amount.minorUnits == rebate)
    }

    @Test func referralFeesNeedAPriceAndPayTheArticleRates() throws {
        let closed = BusinessDate(year: 2026, month: 2, day: 1)!
        func referral(_ id: String, seats: Int64, price: Money?) -> ClosedReferralFact {
            ClosedReferralFact(referralID: id, partner: PartnerID(1), customer: "Acme", sku: SKU(rawValue: "SW-1"), seats: seats, closedOn: closed, selfFulfilled: false, unitPrice: price)
        }
        // 249 / 250 / 500 / 501 seats at 100.00 a seat.
        let facts = Self.facts([(.premier, [])], referrals: [249, 250, 500, 501].map { referral("R\($0)", seats: $0, price: Self.money(100_00)) })
        let fees = try QuarterEngine.compute(facts, program: .article).fees.map(\.result.amount.minorUnits)
        #expect(fees == [0, 1_250_00, 2_500_00, 5_010_00])
        let unpriced = Self.facts([(.premier, [])], referrals: [referral("R1", seats: 300, price: nil)])
        #expect(throws: QuarterEngineError.noPrice(sku: SKU(rawValue: "SW-1"), on: closed)) { try QuarterEngine.compute(unpriced, program: .article) }
    }

    @Test func progressOfAnIneligibleResellerSaysWhyAndShowsNoRate() throws {
        let facts = Self.facts([(.registered, [(.hardware, "D01", 120_000_00)])])
        let progress = try QuarterEngine.progress(of: PartnerID(1), facts, program: .article, on: BusinessDate(year: 2026, month: 2, day: 1)!)
        #expect(!progress.eligible)
        #expect(progress.rate == .zero)
        #expect(progress.next == nil)
        #expect(progress.ineligibleReason == "registered resellers earn no rebate: the program rebates national and premier resellers")
        #expect(progress.tierMarks.map(\.minorUnits) == [30_000_00, 50_000_00, 100_000_00])
    }

    /// 10 % of the next tier's start: 50,000.00 → a shortfall of 5,000.00 is near, 5,000.01 is not.
    @Test func nearTierEdgesAreExactlyThePercentage() throws {
        let facts = Self.facts([
            (.premier, [(.hardware, "D01", 45_000_00)]),  // 5,000.00 short of 50,000.00: exactly 10 %
            (.premier, [(.hardware, "D01", 44_999_99)]),  // 5,000.01 short: not near
            (.premier, [(.hardware, "D01", 99_000_00)]),  // 1,000.00 short of 100,000.00: nearest
            (.associate, [(.hardware, "D01", 49_000_00)]),  // not eligible
            (.national, [(.hardware, "D01", 150_000_00)]),  // top tier: no next
            (.premier, [(.hardware, "D01", 27_000_00)]),  // 3,000.00 short of the first tier's 30,000.00: exactly 10 %
        ])
        let near = try QuarterEngine.nearTier(facts, program: .article, on: Self.q1.lastDay, within: BasisPoints(1_000))
        #expect(near.map(\.partner.rawValue) == [3, 6, 1])
        #expect(near.map { $0.next!.shortfall!.minorUnits } == [1_000_00, 3_000_00, 5_000_00])
        let tighter = try QuarterEngine.nearTier(facts, program: .article, on: Self.q1.lastDay, within: BasisPoints(999))
        #expect(tighter.map(\.partner.rawValue) == [3])
    }

    private static let amounts = Gen.int64(in: -5_000_000...15_000_000).array(of: 1...12)
    private static let categories = Gen.element(of: SalesCategory.allCases).map { $0! }.array(of: 12)

    @Test func theEnginesBasisEqualsABruteForceSumOfLines() async throws {
        await propertyCheck(count: 300, input: Self.amounts, Self.categories) { amounts, categories in
            let lines = zip(amounts, categories).map { ($0.1, "D01", $0.0) }
            let program = Program.article
            let facts = Self.facts([(.premier, lines)])
            let result = try QuarterEngine.compute(facts, program: program)
            var brute: Int64 = 0
            for (category, _, amount) in lines where category != .renewal { brute += amount }
            #expect(result.rebates.first?.result.basis.minorUnits == brute)
        }
    }

    @Test func volumeEarnsAtLeastGraduatedForTheSameTiers() async throws {
        await propertyCheck(count: 300, input: Gen.int64(in: -1_000_000...30_000_000)) { basis in
            var graduated = Program.article
            graduated.rebate.schedule = TierSchedule(
                unit: .minorUnits, mode: .graduated, rounding: graduated.rebate.schedule.rounding, tiers: graduated.rebate.schedule.tiers)
            let facts = Self.facts([(.premier, [(.hardware, "D01", basis)])])
            let volume = try QuarterEngine.compute(facts, program: .article).rebates[0].result.amount
            let stepped = try QuarterEngine.compute(facts, program: graduated).rebates[0].result.amount
            #expect(volume >= stepped, "\(basis): volume \(volume), graduated \(stepped)")
        }
    }

    @Test func theRebateIsMonotoneInTheBasis() async throws {
        await propertyCheck(count: 300, input: Gen.int64(in: -1_000_000...30_000_000), Gen.int64(in: -1_000_000...30_000_000)) { a, b in
            let (low, high) = (min(a, b), max(a, b))
            let lowRebate = try QuarterEngine.compute(Self.facts([(.premier, [(.software, "DIRECT", low)])]), program: .article).rebates[0].result.amount
            let highRebate = try QuarterEngine.compute(Self.facts([(.premier, [(.software, "DIRECT", high)])]), program: .article).rebates[0].result.amount
            #expect(lowRebate <= highRebate)
        }
    }
}
