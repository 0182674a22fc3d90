/// An exact amount of money: whole minor units (cents for AUD) of one currency.
///
/// Never a floating-point number: every arithmetic step is checked and throws on overflow,
/// and combining two currencies is an error rather than a silent conversion.
public struct Money: Hashable, Sendable, Comparable, CustomStringConvertible {
    /// The amount in minor units: 3_000_000 is 30,000.00 AUD. Negative for credits.
    public let minorUnits: Int64
    public let currency: Currency

    public init(minorUnits: Int64, currency: Currency) {
        self.minorUnits = minorUnits
        self.currency = currency
    }

    public static func zero(_ currency: Currency) -> Money { Money(minorUnits: 0, currency: currency) }

    public var isNegative: Bool { minorUnits < 0 }
    public var isZero: Bool { minorUnits == 0 }

    public func adding(_ other: Money) throws -> Money {
        try requireSameCurrency(other)
        let (sum, overflow) = minorUnits.addingReportingOverflow(other.minorUnits)
        if overflow { throw MoneyError.overflow(operation: "\(self) + \(other)") }
        return Money(minorUnits: sum, currency: currency)
    }

    public func subtracting(_ other: Money) throws -> Money {
        try requireSameCurrency(other)
        let (difference, overflow) = minorUnits.subtractingReportingOverflow(other.minorUnits)
        if overflow { throw MoneyError.overflow(operation: "\(self) - \(other)") }
        return Money(minorUnits: difference, currency: currency)
    }

    /// The amount times a whole number, such as a per-seat price times seats.
    public func multiplied(by factor: Int64) throws -> Money {
        let (product, overflow) = minorUnits.multipliedReportingOverflow(by: factor)
        if overflow { throw MoneyError.overflow(operation: "\(self) × \(factor)") }
        return Money(minorUnits: product, currency: currency)
    }

    public func negated() throws -> Money {
        try Money.zero(currency).subtracting(self)
    }

    /// Orders amounts of one currency. Comparing two currencies is a programming error.
    public static func < (lhs: Money, rhs: Money) -> Bool {
        precondition(lhs.currency == rhs.currency, "compared \(lhs.currency) with \(rhs.currency)")
        return lhs.minorUnits < rhs.minorUnits
    }

    /// `30000.00 AUD`.
    public var description: String { "\(decimalString) \(currency.code)" }

    private func requireSameCurrency(_ other: Money) throws {
        if currency != other.currency { throw MoneyError.currencyMismatch(currency, other.currency) }
    }
}

extension Money {
    /// Adds up amounts of one currency, checking every step; the sum of nothing is zero.
    public static func sum(_ amounts: some Sequence<Money>, currency: Currency) throws -> Money {
        try amounts.reduce(Money.zero(currency)) { try $0.adding($1) }
    }
}
