/// The largest figures one line of an import may carry: a product setting, the same for every program.
///
/// Far beyond any real sale, and small enough that sums can never overflow in practice: 92 million lines
/// at the limit still fit in an `Int64` of minor units. Sums are checked anyway (`MinorUnits.add`), so an
/// overflow is an error naming what overflowed, never a trap.
public enum LineLimits {
    /// 1,000,000,000.00 in a two-decimal currency, either sign.
    public static let maximumAmountMinorUnits: Int64 = 100_000_000_000
    /// Seats on one line, either sign.
    public static let maximumSeats: Int64 = 10_000_000

    /// The dates a file's lines may carry: the calendar ends at 9999-12-31 and begins at 0001-01-01, and a
    /// quarter's neighbours must exist (a true-up looks at the next quarter), so files stay well inside it.
    public static let earliestDate = BusinessDate(year: 1900, month: 1, day: 1)!
    public static let latestDate = BusinessDate(year: 9998, month: 12, day: 31)!

    /// Why a date may not be on a line, or nil when it may.
    public static func dateProblem(_ date: BusinessDate) -> String? {
        guard date < earliestDate || date > latestDate else { return nil }
        return "\(date) is outside \(earliestDate)…\(latestDate)"
    }

    /// Why a line's seats and amount do not go together, or nil when they do (PRODUCT.md section 3, returns as
    /// distributors report them): negative seats are a return and 0 seats a price adjustment, both credits, so
    /// both need a negative amount. Positive seats carry any amount (a credit note may name the seats it credits).
    public static func seatsProblem(seats: Int64, amountMinorUnits: Int64) -> String? {
        if seats < 0 && amountMinorUnits >= 0 { return "\(seats) seats is a return: its amount must be negative" }
        if seats == 0 && amountMinorUnits >= 0 { return "0 seats is a price adjustment: its amount must be negative" }
        return nil
    }

    /// Why an amount may not be on one line, or nil when it may.
    public static func amountProblem(_ amount: Money) -> String? {
        guard amount.minorUnits.magnitude > UInt64(maximumAmountMinorUnits) else { return nil }
        let limit = Money(minorUnits: maximumAmountMinorUnits, currency: amount.currency)
        return "\(amount.decimalString) is beyond the limit of \(limit.decimalString) a line (either sign)"
    }
}

/// Checked arithmetic on raw minor units, for totals kept as `Int64` (import totals, statement totals).
public enum MinorUnits {
    /// `a + b`, or `MoneyError.overflow` naming `what` was being added up.
    public static func add(_ a: Int64, _ b: Int64, _ what: @autoclosure () -> String) throws(MoneyError) -> Int64 {
        let (sum, overflow) = a.addingReportingOverflow(b)
        if overflow { throw .overflow(operation: what()) }
        return sum
    }

    /// `a - b`, checked the same way.
    public static func subtract(_ a: Int64, _ b: Int64, _ what: @autoclosure () -> String) throws(MoneyError) -> Int64 {
        let (difference, overflow) = a.subtractingReportingOverflow(b)
        if overflow { throw .overflow(operation: what()) }
        return difference
    }

    /// The sum of `values`, checked at every step.
    public static func sum<S: Sequence>(_ values: S, _ what: @autoclosure () -> String) throws(MoneyError) -> Int64 where S.Element == Int64 {
        var total: Int64 = 0
        for value in values { total = try add(total, value, what()) }
        return total
    }
}
