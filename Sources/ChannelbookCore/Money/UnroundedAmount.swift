/// An exact amount finer than the currency's minor unit, such as 5 % of 49,999.50 (2,499.975):
/// minor units scaled by 10^scale, kept as an integer so nothing is lost before the one rounding step.
public struct UnroundedAmount: Hashable, Sendable, CustomStringConvertible {
    /// The amount in minor units × 10^scale.
    public let scaledMinorUnits: Int128
    /// How many decimal places below the minor unit `scaledMinorUnits` carries.
    public let scale: Int
    public let currency: Currency

    public init(scaledMinorUnits: Int128, scale: Int, currency: Currency) {
        precondition(scale >= 0 && scale <= 18, "scale \(scale) out of range")
        self.scaledMinorUnits = scaledMinorUnits
        self.scale = scale
        self.currency = currency
    }

    /// `amount × rate`, exactly: basis points carry four decimals, so the scale is 4.
    public static func product(_ amount: Money, _ rate: BasisPoints) -> UnroundedAmount {
        UnroundedAmount(scaledMinorUnits: Int128(amount.minorUnits) * Int128(rate.rawValue), scale: 4, currency: amount.currency)
    }

    /// Rounds to whole minor units by `mode`; throws if the result does not fit money's range.
    public func rounded(_ mode: RoundingMode) throws -> Money {
        let minor = mode.divide(scaledMinorUnits, by: Self.powerOfTen(scale))
        guard let exact = Int64(exactly: minor) else { throw MoneyError.overflow(operation: "rounding \(self)") }
        return Money(minorUnits: exact, currency: currency)
    }

    public static func + (lhs: UnroundedAmount, rhs: UnroundedAmount) -> UnroundedAmount {
        precondition(lhs.currency == rhs.currency && lhs.scale == rhs.scale, "adding unlike unrounded amounts")
        return UnroundedAmount(scaledMinorUnits: lhs.scaledMinorUnits + rhs.scaledMinorUnits, scale: lhs.scale, currency: lhs.currency)
    }

    /// Exact decimal string in major units without trailing zeros beyond the currency's decimals: `2499.975`.
    public var decimalString: String {
        var text = Money.decimalString(minorUnits: scaledMinorUnits, decimals: currency.minorUnitDigits + scale)
        var droppable = scale
        while droppable > 0 && text.hasSuffix("0") {
            text.removeLast()
            droppable -= 1
        }
        if text.hasSuffix(".") { text.removeLast() }
        return text
    }

    public var description: String { "\(decimalString) \(currency.code)" }

    static func powerOfTen(_ exponent: Int) -> Int128 {
        var result: Int128 = 1
        for _ in 0..<exponent { result *= 10 }
        return result
    }
}
