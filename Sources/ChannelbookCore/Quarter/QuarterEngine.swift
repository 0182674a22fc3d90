/// A reseller's rebate for the quarter with the explanation a statement shows.
public struct RebateFigure: Sendable {
    public let partner: PartnerID
    public let result: RebateResult
    /// The calculator's explanation, then where the basis came from (by category, by source, lines).
    public let explanation: [String]
}

/// A closed referral's fee.
public struct FeeFigure: Sendable {
    public let referral: ClosedReferralFact
    public let result: ReferralFeeResult
}

/// The quarter's money under one program: every eligible reseller with sales, every closed referral.
public struct QuarterResult: Sendable {
    public let quarter: Quarter
    public let rebates: [RebateFigure]
    public let fees: [FeeFigure]
    /// MDF claims accepted in the quarter (each with its accepted amount): paid on the quarter's statements.
    public var mdf: [MDFRequestFacts] = []

    public var isEmpty: Bool { rebates.isEmpty && fees.isEmpty && mdf.isEmpty }

    public func rebate(of partner: PartnerID) -> Int64 { rebates.first { $0.partner == partner }?.result.amount.minorUnits ?? 0 }

    public func fees(of partner: PartnerID) throws -> Int64 {
        try MinorUnits.sum(fees.filter { $0.referral.partner == partner }.map(\.result.amount.minorUnits), "partner \(partner.rawValue)'s referral fees for \(quarter)")
    }

    /// The MDF claims of the partner accepted in the quarter.
    public func mdf(of partner: PartnerID) throws -> Int64 {
        try MinorUnits.sum(mdf.filter { $0.partner == partner }.map { $0.accepted ?? 0 }, "partner \(partner.rawValue)'s MDF for \(quarter)")
    }

    /// What the partner earns for the quarter: its rebate, its referral fees and the MDF claims accepted in it.
    public func earned(by partner: PartnerID) throws -> Int64 {
        let what = "partner \(partner.rawValue)'s rebate, referral fees and MDF for \(quarter)"
        return try MinorUnits.sum([rebate(of: partner), try fees(of: partner), try mdf(of: partner)], what)
    }

    /// Every partner that earns or could earn something in the quarter.
    public var partners: Set<PartnerID> { Set(rebates.map(\.partner)).union(fees.map(\.referral.partner)).union(mdf.map(\.partner)) }
}

/// The quarter's rules, once: eligibility, the basis and its breakdown, the rebate, referral fees and
/// progress to the next tier. Pure — the store gathers `QuarterFacts` and saves what this returns.
public enum QuarterEngine {
    /// How close to the next tier counts as near, unless asked otherwise: 10 %.
    public static let defaultNearTierWithin = BasisPoints(1_000)

    /// `10`, `10%` or `7.5%`: how near is near, as people type it in a form or a flag.
    public static func parseWithin(_ text: String) throws -> BasisPoints {
        try BasisPoints.parsePercent(text.hasSuffix("%") ? text : text + "%")
    }

    /// The tier date the program evaluates eligibility on.
    public static func evaluationDate(_ program: Program, _ quarter: Quarter) -> BusinessDate { program.rebate.tierOn.date(in: quarter) }

    /// The rebate basis: net sales of the program's basis categories. The only place it is summed.
    public static func basis(of totals: [SalesTotalFact], _ program: Program) throws -> Money {
        try Money.sum(totals.filter { program.rebate.countsInBasis($0.category) }.map(\.amount), currency: program.currency)
    }

    /// Every figure of the quarter under `program`.
    public static func compute(_ facts: QuarterFacts, program: Program) throws -> QuarterResult {
        QuarterResult(quarter: facts.quarter, rebates: try rebates(facts, program), fees: try fees(facts, program), mdf: facts.mdf.sorted { $0.id < $1.id })
    }

    /// Every reseller eligible on the evaluation date with at least one line in the quarter, zero included.
    static func rebates(_ facts: QuarterFacts, _ program: Program) throws -> [RebateFigure] {
        let evaluation = evaluationDate(program, facts.quarter)
        var figures: [RebateFigure] = []
        for (partner, totals) in facts.totals.sorted(by: { $0.key.rawValue < $1.key.rawValue }) {
            guard let tier = facts.tiers.tier(of: partner, on: evaluation), program.rebate.isEligible(tier) else { continue }
            let result = try RebateCalculator.compute(program: program, tier: tier, basis: try basis(of: totals, program))
            figures.append(
                RebateFigure(
                    partner: partner, result: result,
                    explanation: result.explanation.lines + ["evaluation date: \(evaluation)"] + (try breakdown(totals, program))))
        }
        return figures
    }

    /// Where the basis came from: by category (excluded ones named), by source, and the number of lines.
    public static func breakdown(_ totals: [SalesTotalFact], _ program: Program) throws -> [String] {
        var byCategory: [SalesCategory: Money] = [:]
        var bySource: [String: Money] = [:]
        for total in totals {
            byCategory[total.category] = try (byCategory[total.category] ?? .zero(program.currency)).adding(total.amount)
            if program.rebate.countsInBasis(total.category) {
                bySource[total.source] = try (bySource[total.source] ?? .zero(program.currency)).adding(total.amount)
            }
        }
        let categories = byCategory.keys.sorted().map { category in
            "\(category.rawValue) \(byCategory[category]!.decimalString)\(program.rebate.countsInBasis(category) ? "" : " (excluded)")"
        }
        let sources = bySource.keys.sorted().map { "\($0) \(bySource[$0]!.decimalString)" }
        return [
            "basis by category: " + categories.joined(separator: ", "),
            "basis by source: " + (sources.isEmpty ? "none" : sources.joined(separator: ", ")),
            "sales lines in the quarter: \(try MinorUnits.sum(totals.map(\.lines), "the quarter's line count"))",
        ]
    }

    static func fees(_ facts: QuarterFacts, _ program: Program) throws -> [FeeFigure] {
        try facts.referrals.map { referral in
            guard let unitPrice = referral.unitPrice else { throw QuarterEngineError.noPrice(sku: referral.sku, on: referral.closedOn) }
            let result = try ReferralFeeCalculator.compute(program: program, seats: referral.seats, unitPrice: unitPrice, selfFulfilled: referral.selfFulfilled)
            return FeeFigure(referral: referral, result: result)
        }
    }

    /// Where a reseller stands in the quarter: its tier, whether it is eligible (and why not), the basis, the
    /// rate it reaches, the next tier and how far it is. `on` is the date the tier is read on when the
    /// program's evaluation date has not come yet (a quarter in progress).
    public static func progress(of partner: PartnerID, _ facts: QuarterFacts, program: Program, on date: BusinessDate) throws -> TierProgress {
        let evaluation = min(evaluationDate(program, facts.quarter), max(date, facts.quarter.firstDay))
        let tier = facts.tiers.tier(of: partner, on: evaluation)
        let basis = try basis(of: facts.totals[partner] ?? [], program)
        let schedule = program.rebate.schedule
        let eligible = program.rebate.isEligible(tier)
        let reached = basis.isNegative ? nil : schedule.tierIndex(for: basis.minorUnits)
        let nextIndex = reached.map { $0 + 1 } ?? 0
        var next: TierProgress.Next?
        if nextIndex < schedule.tiers.count {
            let from = Money(minorUnits: schedule.tiers[nextIndex].from, currency: program.currency)
            next = TierProgress.Next(from: from, rate: schedule.tiers[nextIndex].rate, shortfall: try? from.subtracting(basis))
        }
        let why: String?
        switch (tier, eligible) {
        case (_, true): why = nil
        case (nil, _): why = "holds no reseller tier on \(evaluation)"
        case (let tier?, false):
            why = "\(tier.rawValue) resellers earn no rebate: the program rebates \(program.rebate.eligibleTiers.map(\.rawValue).sorted().joined(separator: " and ")) resellers"
        }
        return TierProgress(
            partner: partner, quarter: facts.quarter, tier: tier, eligible: eligible, ineligibleReason: why, basis: basis,
            rate: eligible ? reached.map { schedule.tiers[$0].rate } ?? .zero : .zero, tierMarks: schedule.tiers.map { Money(minorUnits: $0.from, currency: program.currency) },
            next: eligible ? next : nil)
    }

    /// Eligible resellers below a tier whose shortfall to the next is at most `within` of that tier's lower
    /// bound (`shortfall × 10,000 ≤ from × within`, in integers), closest first, then by partner id.
    public static func nearTier(_ facts: QuarterFacts, program: Program, on date: BusinessDate, within: BasisPoints) throws -> [TierProgress] {
        var near: [TierProgress] = []
        for partner in facts.totals.keys {
            let progress = try progress(of: partner, facts, program: program, on: date)
            guard progress.eligible, let next = progress.next, let shortfall = next.shortfall, shortfall.minorUnits > 0 else { continue }
            if Int128(shortfall.minorUnits) * 10_000 <= Int128(next.from.minorUnits) * Int128(within.rawValue) { near.append(progress) }
        }
        return near.sorted { ($0.next!.shortfall!.minorUnits, $0.partner.rawValue) < ($1.next!.shortfall!.minorUnits, $1.partner.rawValue) }
    }
}

/// A reseller's place on the rebate ladder in a quarter.
public struct TierProgress: Sendable, Equatable {
    /// The next tier: where it starts, its rate, and how much more basis reaches it (`nil` if beyond 64 bits).
    public struct Next: Sendable, Equatable {
        public let from: Money
        public let rate: BasisPoints
        public let shortfall: Money?
    }

    public let partner: PartnerID
    public let quarter: Quarter
    public let tier: ResellerTier?
    public let eligible: Bool
    /// Why an ineligible reseller earns nothing, in words.
    public let ineligibleReason: String?
    public let basis: Money
    /// The rate the basis reaches (0 when ineligible or below the first tier).
    public let rate: BasisPoints
    /// Every tier's lower bound, for the marks on a progress bar.
    public let tierMarks: [Money]
    /// `nil` at the top tier or when ineligible.
    public let next: Next?
}

/// What the engine refuses to compute.
public enum QuarterEngineError: Error, Equatable, Sendable, CustomStringConvertible {
    case noPrice(sku: SKU, on: BusinessDate)

    public var description: String {
        switch self {
        case let .noPrice(sku, date): return "\(sku.rawValue) has no price on \(date), so no fee can be computed"
        }
    }
}
