/// Reading and writing amounts as decimal strings (`30000.00`, `-12.30`), the only text form money takes.
extension Money {
    /// Parses a decimal string strictly: an optional leading `-`, digits, and optionally `.` followed by
    /// at most as many digits as the currency's minor unit has.
    ///
    /// `30000`, `49999.5` and `-12.30` parse; `1,5`, `12abc`, `1.234` (for AUD), `.5`, `5.`, `+5`, ` 5`
    /// and amounts beyond Int64 minor units are errors, never silently rounded or clamped.
    public static func parse(_ text: String, currency: Currency) throws -> Money {
        guard !text.isEmpty else { throw MoneyError.empty }
        var characters = Substring(text)
        let negative = characters.first == "-"
        if negative { characters = characters.dropFirst() }
        var whole = Substring(""), fraction = Substring("")
        var seenPoint = false
        for (offset, character) in characters.enumerated() {
            let position = offset + (negative ? 2 : 1)
            if character == "." && !seenPoint {
                seenPoint = true
                continue
            }
            guard character.isASCII, character.isNumber else {
                throw MoneyError.unexpectedCharacter(text: text, character: character, position: position)
            }
            if seenPoint { fraction.append(character) } else { whole.append(character) }
        }
        if whole.isEmpty || (seenPoint && fraction.isEmpty) { throw MoneyError.missingDigits(text: text) }
        if fraction.count > currency.minorUnitDigits { throw MoneyError.tooManyDecimals(text: text, currency: currency) }
        let paddedFraction = fraction + String(repeating: "0", count: currency.minorUnitDigits - fraction.count)
        // Accumulate as a negative number when negative so that Int64.min itself parses.
        var minor: Int64 = 0
        for digit in (whole + paddedFraction).utf8 {
            let value = Int64(digit - UInt8(ascii: "0"))
            let (shifted, o1) = minor.multipliedReportingOverflow(by: 10)
            let (next, o2) = negative ? shifted.subtractingReportingOverflow(value) : shifted.addingReportingOverflow(value)
            if o1 || o2 { throw MoneyError.outOfRange(text: text) }
            minor = next
        }
        return Money(minorUnits: minor, currency: currency)
    }

    /// The amount as a plain decimal string with exactly the currency's decimals: `30000.00`, `-12.30`.
    public var decimalString: String {
        Money.decimalString(minorUnits: Int128(minorUnits), decimals: currency.minorUnitDigits)
    }

    /// The amount for people: currency symbol where unambiguous, thousands grouped: `$30,000.00`, `-$12.30`.
    public var displayString: String {
        let plain = Money.decimalString(minorUnits: Int128(minorUnits).magnitude, decimals: currency.minorUnitDigits)
        let parts = plain.split(separator: ".", maxSplits: 1)
        var grouped = ""
        for (index, digit) in parts[0].reversed().enumerated() {
            if index > 0 && index % 3 == 0 { grouped.append(",") }
            grouped.append(digit)
        }
        let number = String(grouped.reversed()) + (parts.count > 1 ? "." + parts[1] : "")
        let sign = minorUnits < 0 ? "-" : ""
        return currency.code == "AUD" || currency.code == "USD" ? "\(sign)$\(number)" : "\(sign)\(number) \(currency.code)"
    }

    /// `value` scaled by 10^decimals written as a decimal string with exactly `decimals` places.
    static func decimalString<T: BinaryInteger>(minorUnits value: T, decimals: Int) -> String {
        let digits = String(value.magnitude)
        let sign = value < 0 ? "-" : ""
        guard decimals > 0 else { return sign + digits }
        let padded = String(repeating: "0", count: max(0, decimals + 1 - digits.count)) + digits
        let split = padded.index(padded.endIndex, offsetBy: -decimals)
        return sign + padded[..<split] + "." + padded[split...]
    }
}
