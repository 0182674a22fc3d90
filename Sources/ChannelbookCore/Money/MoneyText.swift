/// Reading and writing amounts as decimal strings (`30000.00`, `-12.30`), the only text form money takes.
extension Money {
    /// Parses a decimal string strictly: an optional leading `-`, digits, and optionally `.` followed by
    /// at most as many digits as the currency's minor unit has.
    ///
    /// `30000`, `49999.5` and `-12.30` parse; `1,5`, `12abc`, `1.234` (for AUD), `.5`, `5.`, `+5`, ` 5`
    /// and amounts beyond Int64 minor units are errors, never silently rounded or clamped.
    public static func parse(_ text: String, currency: Currency) throws -> Money {
        guard !text.isEmpty else { throw MoneyError.empty }
        // Bytes, not Characters: amounts are parsed millions of times per import, and every valid
        // character is ASCII. A non-ASCII character is reported whole, at its position.
        let bytes = Array(text.utf8)
        let negative = bytes[0] == UInt8(ascii: "-")
        var minor: Int64 = 0
        var wholeDigits = 0, fractionDigits = 0
        var seenPoint = false
        var index = negative ? 1 : 0
        while index < bytes.count {
            let byte = bytes[index]
            if byte == UInt8(ascii: ".") && !seenPoint {
                seenPoint = true
                index += 1
                continue
            }
            guard byte >= UInt8(ascii: "0") && byte <= UInt8(ascii: "9") else {
                // Every byte before this one was ASCII, so this offset starts a character.
                let offending = text.utf8.index(text.utf8.startIndex, offsetBy: index)
                throw MoneyError.unexpectedCharacter(text: text, character: text[offending...].first!, position: text[..<offending].count + 1)
            }
            if seenPoint { fractionDigits += 1 } else { wholeDigits += 1 }
            if fractionDigits > currency.minorUnitDigits { throw MoneyError.tooManyDecimals(text: text, currency: currency) }
            minor = try Self.appendDigit(Int64(byte - UInt8(ascii: "0")), to: minor, negative: negative, text: text)
            index += 1
        }
        if wholeDigits == 0 || (seenPoint && fractionDigits == 0) { throw MoneyError.missingDigits(text: text) }
        for _ in fractionDigits..<currency.minorUnitDigits {
            minor = try Self.appendDigit(0, to: minor, negative: negative, text: text)
        }
        return Money(minorUnits: minor, currency: currency)
    }

    /// `minor × 10 ± digit`, accumulated as a negative number when negative so that Int64.min itself parses.
    private static func appendDigit(_ digit: Int64, to minor: Int64, negative: Bool, text: String) throws -> Int64 {
        let (shifted, o1) = minor.multipliedReportingOverflow(by: 10)
        let (next, o2) = negative ? shifted.subtractingReportingOverflow(digit) : shifted.addingReportingOverflow(digit)
        if o1 || o2 { throw MoneyError.outOfRange(text: text) }
        return next
    }

    /// The amount as a plain decimal string with exactly the currency's decimals: `30000.00`, `-12.30`.
    public var decimalString: String {
        Money.decimalString(minorUnits: Int128(minorUnits), decimals: currency.minorUnitDigits)
    }

    /// The amount for people: currency symbol where unambiguous, thousands grouped: `$30,000.00`, `-$12.30`.
    public var displayString: String {
        let plain = Money.decimalString(minorUnits: Int128(minorUnits).magnitude, decimals: currency.minorUnitDigits)
        let parts = plain.split(separator: ".", maxSplits: 1)
        return labelled(Money.groupedThousands(parts[0]) + (parts.count > 1 ? "." + parts[1] : ""))
    }

    /// A number of this money's currency for people, with its sign: `-$1,234.56`, `1,234 JPY`.
    private func labelled(_ number: String) -> String {
        let sign = minorUnits < 0 ? "-" : ""
        return currency.code == "AUD" || currency.code == "USD" ? "\(sign)$\(number)" : "\(sign)\(number) \(currency.code)"
    }

    /// A chart's caption: whole units, in thousands (`$12.3K`) or millions (`$22.2M`) past them, truncated toward zero
    /// — a label beside a bar, never a figure (the exact amount is in the table and the bar's tooltip).
    public var compactDisplayString: String {
        var divisor: Int128 = 1
        for _ in 0..<currency.minorUnitDigits { divisor *= 10 }
        let units = Int128(minorUnits).magnitude / UInt128(divisor)
        let (scale, suffix): (UInt128, String) = units >= 1_000_000 ? (1_000_000, "M") : units >= 1_000 ? (1_000, "K") : (1, "")
        return labelled(scale == 1 ? "\(units)" : "\(units / scale).\(units % scale * 10 / scale)\(suffix)")
    }

    /// Digits grouped by thousands for people: `30000` → `30,000` (amounts here, counts on a progress line).
    public static func groupedThousands(_ digits: some StringProtocol) -> String {
        var grouped = ""
        for (index, digit) in digits.reversed().enumerated() {
            if index > 0 && index % 3 == 0 { grouped.append(",") }
            grouped.append(digit)
        }
        return String(grouped.reversed())
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
