/// The part of a measure that one tier's rate applied to.
public struct TierSlice: Hashable, Sendable {
    /// Index of the tier in its schedule.
    public let tierIndex: Int
    /// The tier's bounds: `[from, upTo)`; `upTo` is `nil` for the last tier.
    public let from: Int64
    public let upTo: Int64?
    /// How much of the measure (minor units or seats) lies in this slice.
    public let units: Int64
    /// What those units are worth (for seats: units × per-seat price).
    public let value: Money
    public let rate: BasisPoints
    /// `value × rate`, exactly.
    public let unrounded: UnroundedAmount
}

/// The result of applying a tiered rate to a measure: every slice, the exact total and the one rounding.
public struct TieredCalculation: Hashable, Sendable {
    public let mode: TierMode
    public let rounding: RoundingMode
    public let measure: Int64
    /// The tier the measure reached, or `nil` below the first tier (nothing earned).
    public let reachedTierIndex: Int?
    /// Volume: one slice, the whole measure at the reached tier's rate. Graduated: one per tier reached.
    public let slices: [TierSlice]
    /// The exact sum of the slices, before rounding.
    public let unrounded: UnroundedAmount
    /// `unrounded` rounded once, by the schedule's rounding mode.
    public let amount: Money
    /// The reached tier's rate (for graduated schedules: the marginal rate); 0 below the first tier.
    public let rate: BasisPoints
}

/// Applies a `TierSchedule` to a measure. The one place tier modes and rounding are implemented.
public enum TieredRateEngine {
    /// - Parameters:
    ///   - measure: where the measure falls decides the tier: minor units of a basis, or seats. Not negative.
    ///   - currency: the currency of the result.
    ///   - valueOf: what a number of measure units is worth (identity for amounts, × unit price for seats).
    public static func apply(
        _ schedule: TierSchedule, measure: Int64, currency: Currency, valueOf: (Int64) throws -> Money
    ) throws -> TieredCalculation {
        precondition(measure >= 0, "tiered rates apply to non-negative measures")
        let reached = schedule.tierIndex(for: measure)
        var slices: [TierSlice] = []
        if let reached {
            switch schedule.mode {
            case .volume:
                slices = [try slice(schedule, tierIndex: reached, units: measure, valueOf: valueOf)]
            case .graduated:
                for index in 0...reached {
                    let units = schedule.unitsInTier(index, measure: measure)
                    slices.append(try slice(schedule, tierIndex: index, units: units, valueOf: valueOf))
                }
            }
        }
        let zero = UnroundedAmount(scaledMinorUnits: 0, scale: 4, currency: currency)
        let unrounded = slices.reduce(zero) { $0 + $1.unrounded }
        return TieredCalculation(
            mode: schedule.mode, rounding: schedule.rounding, measure: measure, reachedTierIndex: reached, slices: slices,
            unrounded: unrounded, amount: try unrounded.rounded(schedule.rounding),
            rate: reached.map { schedule.tiers[$0].rate } ?? .zero)
    }

    private static func slice(
        _ schedule: TierSchedule, tierIndex: Int, units: Int64, valueOf: (Int64) throws -> Money
    ) throws -> TierSlice {
        let tier = schedule.tiers[tierIndex]
        let value = try valueOf(units)
        return TierSlice(
            tierIndex: tierIndex, from: tier.from, upTo: schedule.upperBound(ofTier: tierIndex), units: units, value: value,
            rate: tier.rate, unrounded: .product(value, tier.rate))
    }
}
