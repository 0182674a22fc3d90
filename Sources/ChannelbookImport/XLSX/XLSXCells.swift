import ChannelbookCore

/// How a cell's text is turned into the exact text an import sees. Everything here works on the digits as
/// written in the file: money must never pass through binary floating point, where 0.1 + 0.2 is not 0.3.
enum XLSXCells {

    // MARK: Cell references

    /// The zero-based column of a reference such as "C7" (its letters); nil when it is not a reference.
    /// At most three letters (Excel's last column is XFD), so the arithmetic cannot overflow.
    static func column(ofReference reference: String) -> Int? {
        var column = 0
        var letters = 0
        var digits = 0
        for byte in reference.utf8 {
            switch byte {
            case UInt8(ascii: "A")...UInt8(ascii: "Z"), UInt8(ascii: "a")...UInt8(ascii: "z"):
                guard digits == 0, letters < 3 else { return nil }
                column = column * 26 + Int((byte & 0xDF) - UInt8(ascii: "A")) + 1
                letters += 1
            case UInt8(ascii: "0")...UInt8(ascii: "9"):
                guard letters > 0 else { return nil }
                digits += 1
            case UInt8(ascii: "$"):
                continue  // an absolute marker, as in "$C$7"
            default:
                return nil
            }
        }
        return letters > 0 ? column - 1 : nil
    }

    /// The letters of a zero-based column: 0 → "A", 27 → "AB".
    static func columnName(_ column: Int) -> String {
        var number = column + 1
        var letters: [UInt8] = []
        while number > 0 {
            let remainder = (number - 1) % 26
            letters.append(UInt8(ascii: "A") + UInt8(remainder))
            number = (number - 1) / 26
        }
        return String(decoding: letters.reversed(), as: UTF8.self)
    }

    /// A cell's name for messages, as Excel shows it: "F7".
    static func cellName(column: Int, line: Int) -> String { columnName(column) + String(line) }

    /// A non-negative decimal integer of at most `maximumDigits` digits; nil for anything else.
    static func integer(_ text: some StringProtocol, maximumDigits: Int = 10) -> Int? {
        guard !text.isEmpty, text.utf8.count <= maximumDigits else { return nil }
        var value = 0
        for byte in text.utf8 {
            guard byte >= UInt8(ascii: "0"), byte <= UInt8(ascii: "9") else { return nil }
            value = value * 10 + Int(byte - UInt8(ascii: "0"))
        }
        return value
    }

    // MARK: Numbers

    enum PlainDecimal: Equatable {
        case text(String)
        case tooLong
    }

    /// A number as written, with an exponent ("1.5E-2") rewritten to plain decimal text ("0.015") by moving the
    /// decimal point in the digit string. Text without an exponent, or that is not a number, comes back as written:
    /// the importer decides what it accepts. `tooLong` when the plain form would exceed `maximumBytes`.
    static func plainDecimal(_ written: String, maximumBytes: Int) -> PlainDecimal {
        let bytes = Array(written.utf8)
        guard let exponentAt = bytes.firstIndex(where: { $0 == UInt8(ascii: "E") || $0 == UInt8(ascii: "e") }),
              let exponent = signedInteger(bytes[(exponentAt + 1)...]),
              let mantissa = Mantissa(bytes[..<exponentAt])
        else { return .text(written) }
        guard exponent.magnitude <= maximumBytes else { return .tooLong }
        let plain = mantissa.shifted(by: exponent)
        return plain.utf8.count <= maximumBytes ? .text(plain) : .tooLong
    }

    /// An optionally signed decimal integer of at most 9 digits (an exponent); nil for anything else.
    private static func signedInteger(_ bytes: ArraySlice<UInt8>) -> Int? {
        var digits = bytes
        var negative = false
        if let sign = digits.first, sign == UInt8(ascii: "+") || sign == UInt8(ascii: "-") {
            negative = sign == UInt8(ascii: "-")
            digits = digits.dropFirst()
        }
        guard let value = integer(String(decoding: digits, as: UTF8.self), maximumDigits: 9) else { return nil }
        return negative ? -value : value
    }

    /// The part of a number before its exponent: sign, digits and where the decimal point sits among them.
    private struct Mantissa {
        var negative = false
        var digits: [UInt8] = []
        var pointPosition = 0  // digits before the point

        init?(_ bytes: ArraySlice<UInt8>) {
            var rest = bytes
            if let sign = rest.first, sign == UInt8(ascii: "+") || sign == UInt8(ascii: "-") {
                negative = sign == UInt8(ascii: "-")
                rest = rest.dropFirst()
            }
            var sawPoint = false
            for byte in rest {
                if byte == UInt8(ascii: ".") {
                    guard !sawPoint else { return nil }
                    sawPoint = true
                } else if byte >= UInt8(ascii: "0"), byte <= UInt8(ascii: "9") {
                    digits.append(byte)
                    if !sawPoint { pointPosition += 1 }
                } else {
                    return nil
                }
            }
            guard !digits.isEmpty else { return nil }
        }

        /// The digits with the point moved `exponent` places right; zeros the move creates before the first
        /// significant digit of the integer part are dropped ("0.5E1" → "5"), nothing else is.
        func shifted(by exponent: Int) -> String {
            let point = pointPosition + exponent
            var integerPart: [UInt8]
            var fractionPart: [UInt8]
            if point <= 0 {
                integerPart = [UInt8(ascii: "0")]
                fractionPart = Array(repeating: UInt8(ascii: "0"), count: -point) + digits
            } else if point >= digits.count {
                integerPart = digits + Array(repeating: UInt8(ascii: "0"), count: point - digits.count)
                fractionPart = []
            } else {
                integerPart = Array(digits[..<point])
                fractionPart = Array(digits[point...])
            }
            while integerPart.count > 1, integerPart.first == UInt8(ascii: "0") { integerPart.removeFirst() }
            var result: [UInt8] = negative ? [UInt8(ascii: "-")] : []
            result += integerPart
            if !fractionPart.isEmpty { result += [UInt8(ascii: ".")] + fractionPart }
            return String(decoding: result, as: UTF8.self)
        }
    }

    // MARK: Dates

    enum DateText: Equatable {
        case date(String)
        /// The serial has a time of day: refused, because the import wants a date and must not guess a day.
        case hasTime
        /// Not a serial Excel can show as a date (negative, 0 in the 1900 system, its phantom 1900-02-29, past 9999).
        case invalid
    }

    /// The ISO date ("YYYY-MM-DD") of an Excel date serial written as decimal text, by integer arithmetic only.
    ///
    /// 1900 system: serial 1 is 1900-01-01 and Excel counts a 29 February 1900 that never was (serial 60), so
    /// serials 1–59 count from 1899-12-31 and serials from 61 on count from 1899-12-30.
    /// 1904 system (`date1904`): serial 0 is 1904-01-01.
    static func isoDate(serial written: String, date1904: Bool) -> DateText {
        guard case .text(let plain) = plainDecimal(written, maximumBytes: 64) else { return .invalid }
        let parts = plain.split(separator: ".", maxSplits: 1, omittingEmptySubsequences: false)
        if parts.count == 2, parts[1].contains(where: { $0 != "0" }) {
            return parts[1].allSatisfy({ $0.isASCII && $0.isNumber }) ? .hasTime : .invalid
        }
        guard let serial = integer(parts[0], maximumDigits: 7) else { return .invalid }
        let daysFrom1970: Int
        if date1904 {
            daysFrom1970 = serial - 24_107  // 1904-01-01 is 24,107 days before 1970-01-01
        } else if serial >= 1, serial <= 59 {
            daysFrom1970 = serial - 25_568  // serial 0 would be 1899-12-31
        } else if serial >= 61 {
            daysFrom1970 = serial - 25_569  // after the phantom 1900-02-29: day 0 is 1899-12-30
        } else {
            return .invalid
        }
        // The calendar is Core's (BusinessDate): one civil-from-days in the product, nil past 9999-12-31.
        guard let date = BusinessDate(daysSinceEpoch: daysFrom1970) else { return .invalid }
        return .date(date.description)
    }

    /// The text of a `t="d"` cell (ISO 8601, which Excel writes in strict mode): the date when its time is midnight.
    static func isoDate(iso written: String) -> DateText {
        let bytes = Array(written.utf8)
        guard bytes.count >= 10, bytes[4] == UInt8(ascii: "-"), bytes[7] == UInt8(ascii: "-"),
              [0, 1, 2, 3, 5, 6, 8, 9].allSatisfy({ bytes[$0] >= UInt8(ascii: "0") && bytes[$0] <= UInt8(ascii: "9") })
        else { return .invalid }
        let time = bytes[10...]
        guard let first = time.first else { return .date(String(decoding: bytes[..<10], as: UTF8.self)) }
        guard first == UInt8(ascii: "T") else { return .invalid }
        let midnight = time.dropFirst().allSatisfy {
            [UInt8(ascii: "0"), UInt8(ascii: ":"), UInt8(ascii: "."), UInt8(ascii: "Z")].contains($0)
        }
        return midnight ? .date(String(decoding: bytes[..<10], as: UTF8.self)) : .hasTime
    }


    // MARK: Number formats

    /// Built-in number formats that show a date (ECMA-376 §18.8.30, including the East Asian ones).
    /// Ids 18–21 and 45–47 are times; a time-only value (a fraction) is then refused as a time.
    static func isBuiltInDateFormat(_ id: Int) -> Bool {
        (14...22).contains(id) || (27...36).contains(id) || (45...47).contains(id) || (50...58).contains(id)
    }

    /// Whether a custom format code shows a date: it has a year or day token, or a month name ("mmm"), outside
    /// quoted text, `[...]` sections (colours, locales, elapsed time) and escaped characters (`\x`, `_x`, `*x`).
    /// A plain "m" alone is left out because in "mm:ss" it means minutes.
    static func isDateFormatCode(_ code: String) -> Bool {
        var inQuote = false, inBracket = false, skipNext = false
        var monthRun = 0
        for character in code.lowercased() {
            if skipNext { skipNext = false; continue }
            if inQuote { inQuote = character != "\""; continue }
            if inBracket { inBracket = character != "]"; continue }
            switch character {
            case "\"": inQuote = true
            case "[": inBracket = true
            case "\\", "_", "*": skipNext = true
            case "y", "d": return true
            default: break
            }
            monthRun = character == "m" ? monthRun + 1 : 0
            if monthRun >= 3 { return true }
        }
        return false
    }
}
