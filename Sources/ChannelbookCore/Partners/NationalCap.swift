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
    /// - Parameters:
    ///   - histories: each reseller's tier changes, oldest first: a tier holds from its `from` date up to, not
    ///     including, the next change's.
    ///   - before: the histories as they stood before the change being checked, if any: a date is a breach only
    ///     when the change raises its count above `maximum` — a breach already stored (or left by a program that
    ///     lowered `national_max`) does not block every later change, and a demotion that lowers it is welcome.
    public static func firstBreach(
        _ histories: [[(from: BusinessDate, tier: ResellerTier)]], maximum: Int, before: [[(from: BusinessDate, tier: ResellerTier)]]? = nil
    ) -> Breach? {
        let earlier = before.map(counts)
        for (date, nationals) in counts(histories) where nationals > maximum {
            guard let earlier else { return Breach(date: date, nationals: nationals) }
            // The count before the change on that date: the last step at or before it.
            let previous = earlier.last { $0.date <= date }?.nationals ?? 0
            if nationals > previous { return Breach(date: date, nationals: nationals) }
        }
        return nil
    }

    /// How many resellers are national from each date on which that number changes, oldest first.
    static func counts(_ histories: [[(from: BusinessDate, tier: ResellerTier)]]) -> [(date: BusinessDate, nationals: Int)] {
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
        var steps: [(date: BusinessDate, nationals: Int)] = []
        var nationals = 0
        var index = 0
        while index < changes.count {
            let date = changes[index].date
            while index < changes.count && changes[index].date == date {
                nationals += changes[index].delta
                index += 1
            }
            steps.append((date, nationals))
        }
        return steps
    }
}
