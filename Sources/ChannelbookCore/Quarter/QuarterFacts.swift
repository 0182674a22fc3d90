/// Net sales of one reseller in a quarter for one category and source, as kept at import.
public struct SalesTotalFact: Hashable, Sendable {
    public let category: SalesCategory
    /// `DIRECT` or the distributor's code.
    public let source: String
    public let amount: Money
    public let lines: Int64

    public init(category: SalesCategory, source: String, amount: Money, lines: Int64) {
        self.category = category
        self.source = source
        self.amount = amount
        self.lines = lines
    }
}

/// A referral closed as won in the quarter, with the price book's per-seat price on its close date.
public struct ClosedReferralFact: Hashable, Sendable {
    public let referralID: String
    public let partner: PartnerID
    public let customer: String
    public let sku: SKU
    public let seats: Int64
    public let closedOn: BusinessDate
    public let selfFulfilled: Bool
    /// `nil` when the SKU had no price on the close date (the engine refuses to guess).
    public let unitPrice: Money?

    public init(
        referralID: String, partner: PartnerID, customer: String, sku: SKU, seats: Int64, closedOn: BusinessDate, selfFulfilled: Bool, unitPrice: Money?
    ) {
        self.referralID = referralID
        self.partner = partner
        self.customer = customer
        self.sku = sku
        self.seats = seats
        self.closedOn = closedOn
        self.selfFulfilled = selfFulfilled
        self.unitPrice = unitPrice
    }
}

/// Everything the quarter's money depends on, read by the store in one transaction: the engine needs
/// nothing else, so a close, a dashboard and a what-if under another program compute the same way.
public struct QuarterFacts: Sendable {
    public let quarter: Quarter
    /// Net sales per reseller, by category and source.
    public let totals: [PartnerID: [SalesTotalFact]]
    public let tiers: TierHistory
    public let referrals: [ClosedReferralFact]
    /// MDF claims accepted in the quarter: payable on the quarter's statements.
    public let mdf: [MDFRequestFacts]

    public init(quarter: Quarter, totals: [PartnerID: [SalesTotalFact]], tiers: TierHistory, referrals: [ClosedReferralFact], mdf: [MDFRequestFacts] = []) {
        self.quarter = quarter
        self.totals = totals
        self.tiers = tiers
        self.referrals = referrals
        self.mdf = mdf
    }
}
