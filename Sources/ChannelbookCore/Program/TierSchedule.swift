/// How a tiered rate applies to the measure that reached a tier.
public enum TierMode: String, CaseIterable, Sendable, Codable {
    /// Retroactive: the whole measure earns the rate of the tier it reached.
    case volume
    /// Each slice of the measure earns the rate of the tier it falls in (as Stripe and Lago define it).
    case graduated
}

/// One step of a tiered rate: from `from` (inclusive) up to the next tier's `from` (exclusive), `rate` applies.
public struct RateTier: Hashable, Sendable {
    /// The tier's lower bound, inclusive: minor units for amounts, a count for seats.
    public let from: Int64
    public let rate: BasisPoints

    public init(from: Int64, rate: BasisPoints) {
        self.from = from
        self.rate = rate
    }
}

/// What a schedule's bounds count, which decides how a graduated schedule slices the measure.
public enum TierUnit: String, Sendable, Codable {
    /// Minor units of money, a continuous quantity: the slice of a 30,000.00 basis above a 30,000.00 bound is 0.
    case minorUnits
    /// Seats, counted 1, 2, 3…: a tier from 250 holds the 250th seat onward, so a 250-seat deal has one seat in it.
    case seats
}

/// A tiered rate: half-open tiers `[from_i, from_i+1)`, the last without an end, nothing below the first.
///
/// The bounds are integers in the schedule's unit (minor units of money, or seats), so
/// `$49,999.50` sits in `[3_000_000, 5_000_000)` and 500 seats in `[250, 501)` without any rounding of the bound.
public struct TierSchedule: Hashable, Sendable {
    public let unit: TierUnit
    public let mode: TierMode
    public let rounding: RoundingMode
    /// Strictly increasing by `from`; never empty.
    public let tiers: [RateTier]

    public init(unit: TierUnit, mode: TierMode, rounding: RoundingMode, tiers: [RateTier]) {
        precondition(!tiers.isEmpty, "a schedule has at least one tier")
        precondition(zip(tiers, tiers.dropFirst()).allSatisfy { $0.from < $1.from }, "tier bounds strictly increase")
        self.unit = unit
        self.mode = mode
        self.rounding = rounding
        self.tiers = tiers
    }

    /// The exclusive upper bound of tier `index`, or `nil` for the last tier.
    public func upperBound(ofTier index: Int) -> Int64? {
        index + 1 < tiers.count ? tiers[index + 1].from : nil
    }

    /// How much of `measure` lies in tier `index`, for a measure that reached at least that tier.
    public func unitsInTier(_ index: Int, measure: Int64) -> Int64 {
        let from = tiers[index].from
        precondition(measure >= from, "measure \(measure) did not reach tier \(index)")
        switch unit {
        case .minorUnits:
            return min(measure, upperBound(ofTier: index) ?? measure) - from
        case .seats:
            // Seats numbered max(from, 1) through min(measure, upTo - 1), inclusive.
            let last = min(measure, (upperBound(ofTier: index) ?? measure + 1) - 1)
            return last - max(from, 1) + 1
        }
    }

    /// The index of the tier `measure` falls in, or `nil` when it is below the first tier.
    public func tierIndex(for measure: Int64) -> Int? {
        tiers.lastIndex { $0.from <= measure }
    }
}
