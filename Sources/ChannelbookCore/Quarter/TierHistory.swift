/// Every reseller's tier changes, oldest first: the one answer to "which tier did it hold on this date".
public struct TierHistory: Sendable {
    public private(set) var changes: [PartnerID: [(from: BusinessDate, tier: ResellerTier)]] = [:]

    public init() {}

    /// Records a change; changes of one partner must arrive oldest first.
    public mutating func append(_ partner: PartnerID, from: BusinessDate, tier: ResellerTier) {
        changes[partner, default: []].append((from, tier))
    }

    /// The reseller's tier on `date`, or `nil` when it held none yet (or is a distributor).
    public func tier(of partner: PartnerID, on date: BusinessDate) -> ResellerTier? {
        changes[partner].flatMap { Self.tier(in: $0, on: date) }
    }

    /// The one rule: the tier of the latest change on or before `date`, among one reseller's changes (oldest first).
    @inlinable
    public static func tier(in changes: [(from: BusinessDate, tier: ResellerTier)], on date: BusinessDate) -> ResellerTier? {
        changes.last { $0.from <= date }?.tier
    }

    /// The reseller's most recent tier.
    public func latestTier(of partner: PartnerID) -> ResellerTier? { changes[partner]?.last?.tier }
}
