/// "No more than `national_max` national resellers at once" (PRODUCT.md section 2), checked on every date,
/// not only on each reseller's latest tier: promoting an eleventh reseller from 1 February while demoting
/// another from 1 March leaves eleven national through February.
public enum NationalCap {
    /// A date on which more resellers than allowed are national.
    public struct Breach: Equatable, Sendable {
        public let date: BusinessDate
        public let nationals: Int

        public init(date: BusinessDate, nationals: Int) {
            self.date = date
            self.nationals = nationals
        }
    }

    /// The first date on which more than `maximum` resellers hold the national tier, or `nil`.
    ///
    /// - Parameter histories: each reseller's tier changes, oldest first: a tier holds from its `from` date up
    ///   to, not including, the next change's.
    public static func firstBreach(_ histories: [[(from: BusinessDate, tier: ResellerTier)]], maximum: Int) -> Breach? {
        // +1 where a national stretch starts, −1 where it ends; on one date the ends count first, so a
        // demotion and a promotion taking effect the same day never overlap.
        var changes: [(date: BusinessDate, delta: Int)] = []
        for history in histories {
            for (index, change) in history.enumerated() where change.tier == .national {
                changes.append((change.from, +1))
                if index + 1 < history.count { changes.append((history[index + 1].from, -1)) }
            }
        }
        changes.sort { ($0.date, $0.delta) < ($1.date, $1.delta) }
        var nationals = 0
        var index = 0
        while index < changes.count {
            let date = changes[index].date
            while index < changes.count && changes[index].date == date {
                nationals += changes[index].delta
                index += 1
            }
            if nationals > maximum { return Breach(date: date, nationals: nationals) }
        }
        return nil
    }
}
