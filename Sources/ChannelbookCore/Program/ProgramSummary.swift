/// A program described for people, as `channelbook program show` and the web app's program page print it.
extension Program {
    /// Sections of `(label, lines)` pairs, in the order a channel manager reads a program.
    public var summary: [(title: String, rows: [(label: String, lines: [String])])] {
        let money = { (minor: Int64) in Money(minorUnits: minor, currency: self.currency).description }
        return [
            (
                "\(name) (effective \(effectiveFrom))",
                [
                    ("currency", [currency.code]),
                    ("national resellers", ["at most \(nationalMax) at once; they buy direct"]),
                ]
            ),
            (
                "Quarterly rebate",
                [
                    ("eligible tiers", ["\(Self.names(rebate.eligibleTiers)), by the tier held on \(rebate.tierOn.phrase)"]),
                    ("basis", ["net \(rebate.basisCategories.sorted().map(\.rawValue).joined(separator: " + ")) sales dated in the quarter"]),
                    ("computation", ["\(rebate.schedule.mode.rawValue) tiers, rounding \(rebate.schedule.rounding.rawValue)"]),
                    ("tiers", rebate.schedule.bandLines(unitName: "", describe: money, inclusiveUpperBound: false)),
                ]
            ),
            (
                "Referral fees",
                [
                    ("measure", ["seats in the closed sale"]),
                    ("price", ["per-seat recommended partner buy price on the close date × seats"]),
                    ("computation", ["\(referral.schedule.mode.rawValue) tiers, rounding \(referral.schedule.rounding.rawValue)"]),
                    ("tiers", referral.schedule.bandLines(unitName: " seats", describe: { "\($0)" }, inclusiveUpperBound: true)),
                    ("self-fulfilment", [referral.selfFulfilmentPays ? "still pays the fee" : "pays no fee"]),
                    ("expiry", ["\(referral.expiryDays) days after approval unless closed"]),
                ]
            ),
            (
                "Market development funds",
                [
                    ("eligible tiers", [Self.names(mdf.eligibleTiers)]),
                    ("allocation", mdf.allocationPerQuarter.sorted { $0.key < $1.key }.map { "\($0.key.rawValue): \($0.value) per quarter" }),
                    ("claims", ["within \(mdf.claimWithinDays) days of the activity", "at most \(mdf.maxShareOfCost.percentString) of its cost"]),
                    ("expiry", ["unused money expires at the end of the \(mdf.allocationExpiresAfterQuarters == 0 ? "allocation's own quarter" : mdf.allocationExpiresAfterQuarters == 1 ? "quarter after the allocation's" : "\(mdf.allocationExpiresAfterQuarters)th quarter after the allocation's")"]),
                ]
            ),
            (
                "Maintenance renewals",
                [
                    ("owner", [renewals.owner == .distributor ? "the distributor that sold the contract" : "the vendor, for every contract"]),
                    ("opportunities", ["open \(renewals.horizonDays) days before a contract ends; lapse \(renewals.lapseAfterDays) days after"]),
                ]
            ),
            ("Analytics segments", [("by seats", segments.descriptions)]),
        ]
    }

    private static func names(_ tiers: Set<ResellerTier>) -> String {
        tiers.isEmpty ? "none" : tiers.sorted().map(\.rawValue).joined(separator: ", ")
    }
}

extension TierSchedule {
    /// `under 30000.00 AUD: nothing`, `30000.00 AUD to under 50000.00 AUD: 5% (500 bps)`, …
    ///
    /// - Parameter inclusiveUpperBound: write whole-number bands as `250 to 500 seats` rather than `to under 501`.
    func bandLines(unitName: String, describe: (Int64) -> String, inclusiveUpperBound: Bool) -> [String] {
        var lines: [String] = []
        if let first = tiers.first, first.from > 0 { lines.append("under \(describe(first.from))\(unitName): nothing") }
        for (index, tier) in tiers.enumerated() {
            let range: String
            if let upTo = upperBound(ofTier: index) {
                range = inclusiveUpperBound
                    ? "\(describe(tier.from)) to \(describe(upTo - 1))\(unitName)"
                    : "\(describe(tier.from))\(unitName) to under \(describe(upTo))\(unitName)"
            } else {
                range = "\(describe(tier.from))\(unitName) and over"
            }
            lines.append("\(range): \(tier.rate)")
        }
        return lines
    }
}
