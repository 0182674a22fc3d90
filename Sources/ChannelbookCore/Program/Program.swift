/// A channel program: the rules money is computed by. Versions follow each other by `effectiveFrom`.
///
/// Built from a TOML program file (`ProgramFile`) or the article's program (`Program.article`);
/// every value here has been validated, so calculators never re-check it.
public struct Program: Hashable, Sendable {
    public var name: String
    public var currency: Currency
    /// The first day this version of the program applies.
    public var effectiveFrom: BusinessDate
    /// How many resellers may hold the `national` tier at once.
    public var nationalMax: Int
    public var rebate: RebateRules
    public var referral: ReferralRules
    public var mdf: MDFRules
    public var renewals: RenewalRules
    /// How analytics split sales by seats; not money.
    public var segments: SalesSegments = .standard

    /// How statements name the rule version: `Australian channel program (effective 2005-01-01)`.
    public var versionLabel: String { "\(name) (effective \(effectiveFrom))" }
}

/// Which day of a quarter decides the tier a reseller is rebated at.
public enum TierEvaluationDate: String, CaseIterable, Sendable, Codable {
    /// The tier held on the quarter's last day (the article's program).
    case periodEnd = "period_end"
    /// The tier held on the quarter's first day.
    case periodStart = "period_start"

    public func date(in quarter: Quarter) -> BusinessDate {
        self == .periodEnd ? quarter.lastDay : quarter.firstDay
    }

    /// For explanations: `the quarter's last day`.
    public var phrase: String { self == .periodEnd ? "the quarter's last day" : "the quarter's first day" }
}

/// Quarterly rebates: a tiered rate on the net sales of the basis categories.
public struct RebateRules: Hashable, Sendable {
    public var eligibleTiers: Set<ResellerTier>
    public var tierOn: TierEvaluationDate
    public var basisCategories: Set<SalesCategory>
    /// Tier bounds in minor units of the program's currency.
    public var schedule: TierSchedule

    /// Whether a reseller holding `tier` on the evaluation date earns a rebate: the one eligibility rule.
    public func isEligible(_ tier: ResellerTier?) -> Bool { tier.map { eligibleTiers.contains($0) } ?? false }

    /// Whether sales of `category` count in the basis: the one basis rule.
    public func countsInBasis(_ category: SalesCategory) -> Bool { basisCategories.contains(category) }
}

/// What a referral fee is measured by. The article measures seats.
public enum ReferralMeasure: String, CaseIterable, Sendable, Codable {
    case seats
}

/// Which price a referral fee is a share of.
public enum ReferralPrice: String, CaseIterable, Sendable, Codable {
    /// The price book's per-seat recommended partner buy price on the close date, times seats.
    case partnerBuyPrice = "partner_buy_price"
}

/// Referral fees: a share of the referred deal's price, by the seats in the closed sale.
public struct ReferralRules: Hashable, Sendable {
    public var measure: ReferralMeasure
    public var price: ReferralPrice
    /// Tier bounds in seats.
    public var schedule: TierSchedule
    /// Whether a partner that fulfils the sale it referred still earns the fee.
    public var selfFulfilmentPays: Bool
    /// Days after approval an unclosed registration expires.
    public var expiryDays: Int
}

/// Market development funds: a quarterly allocation per eligible tier. The rules that use these settings
/// live in `Core/MDF` (`MDFLedger`, `MDFPolicy`).
public struct MDFRules: Hashable, Sendable {
    public static let defaultMaxShareOfCost = BasisPoints(5_000)
    public static let defaultAllocationExpiresAfterQuarters = 1

    public var eligibleTiers: Set<ResellerTier>
    public var allocationPerQuarter: [ResellerTier: Money]
    /// Days after an activity ends within which its claim must be made.
    public var claimWithinDays: Int
    /// The most of an activity's cost the vendor funds: 50 % unless the program says otherwise.
    public var maxShareOfCost: BasisPoints = defaultMaxShareOfCost
    /// How many quarters after its own an allocation's unused part lives: 1 (it expires at the end of the next quarter).
    public var allocationExpiresAfterQuarters: Int = defaultAllocationExpiresAfterQuarters
}

/// Who works maintenance renewals: the article moved them from half-and-half to the distributors.
public enum RenewalOwner: String, CaseIterable, Sendable, Codable {
    /// The distributor that sold a contract owns its renewal; the vendor keeps the contracts sold DIRECT.
    case distributor
    /// The vendor owns every renewal (the old way).
    case vendor
}

public struct RenewalRules: Hashable, Sendable {
    public var owner: RenewalOwner
    /// How many days before a contract ends its renewal opportunity opens.
    public var horizonDays: Int
    /// How many days after the end an unrenewed opportunity lapses.
    public var lapseAfterDays: Int
}
