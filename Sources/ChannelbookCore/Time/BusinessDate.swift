/// A calendar day with no time zone (`2026-03-31`): the date a sale, tier change or close happened on.
///
/// Business dates are compared and stepped as whole days; they never pass through `Date`, so no
/// time zone or daylight-saving shift can move a sale into another quarter.
public struct BusinessDate: Hashable, Sendable, Comparable, CustomStringConvertible, Codable {
    public let year: Int
    public let month: Int
    public let day: Int

    /// The date, or `nil` when it does not exist (2026-02-29, month 13) or the year is outside 1...9999.
    public init?(year: Int, month: Int, day: Int) {
        guard (1...9999).contains(year), (1...12).contains(month),
            (1...BusinessDate.daysIn(month: month, year: year)).contains(day)
        else { return nil }
        self.year = year
        self.month = month
        self.day = day
    }

    /// Parses exactly `YYYY-MM-DD`.
    public static func parse(_ text: String) throws -> BusinessDate {
        var copy = text
        // Read the UTF-8 in place: dates are parsed once per sales line, millions of times an import.
        let parts: (Int, Int, Int)? = copy.withUTF8 { bytes in
            guard bytes.count == 10, bytes[4] == UInt8(ascii: "-"), bytes[7] == UInt8(ascii: "-") else { return nil }
            var values = [0, 0, 0]
            for (part, range) in [(0, 0..<4), (1, 5..<7), (2, 8..<10)] {
                for index in range {
                    let byte = bytes[index]
                    guard byte >= UInt8(ascii: "0") && byte <= UInt8(ascii: "9") else { return nil }
                    values[part] = values[part] * 10 + Int(byte - UInt8(ascii: "0"))
                }
            }
            return (values[0], values[1], values[2])
        }
        guard let parts else { throw DateError.notADate(text) }
        guard let date = BusinessDate(year: parts.0, month: parts.1, day: parts.2) else { throw DateError.noSuchDay(text) }
        return date
    }

    /// `2026-03-31`.
    public var description: String {
        func pad(_ value: Int, _ width: Int) -> String {
            let digits = String(value)
            return String(repeating: "0", count: max(0, width - digits.count)) + digits
        }
        return "\(pad(year, 4))-\(pad(month, 2))-\(pad(day, 2))"
    }

    public static func < (lhs: BusinessDate, rhs: BusinessDate) -> Bool { lhs.daysSinceEpoch < rhs.daysSinceEpoch }

    /// Days since 1970-01-01 (negative before), by the proleptic Gregorian calendar.
    public var daysSinceEpoch: Int {
        // Howard Hinnant's days_from_civil: exact for every date, no tables.
        let shiftedYear = month <= 2 ? year - 1 : year
        let era = (shiftedYear >= 0 ? shiftedYear : shiftedYear - 399) / 400
        let yearOfEra = shiftedYear - era * 400
        let dayOfYear = (153 * (month + (month > 2 ? -3 : 9)) + 2) / 5 + day - 1
        let dayOfEra = yearOfEra * 365 + yearOfEra / 4 - yearOfEra / 100 + dayOfYear
        return era * 146_097 + dayOfEra - 719_468
    }

    /// The date `daysSinceEpoch` days after 1970-01-01, or `nil` outside years 1...9999.
    public init?(daysSinceEpoch: Int) {
        // 0001-01-01 ... 9999-12-31; checked first, as a day number near Int.max would overflow the arithmetic.
        guard (-719_162...2_932_896).contains(daysSinceEpoch) else { return nil }
        let shifted = daysSinceEpoch + 719_468
        let era = (shifted >= 0 ? shifted : shifted - 146_096) / 146_097
        let dayOfEra = shifted - era * 146_097
        let yearOfEra = (dayOfEra - dayOfEra / 1460 + dayOfEra / 36_524 - dayOfEra / 146_096) / 365
        let dayOfYear = dayOfEra - (365 * yearOfEra + yearOfEra / 4 - yearOfEra / 100)
        let monthIndex = (5 * dayOfYear + 2) / 153
        let day = dayOfYear - (153 * monthIndex + 2) / 5 + 1
        let month = monthIndex < 10 ? monthIndex + 3 : monthIndex - 9
        let year = yearOfEra + era * 400 + (month <= 2 ? 1 : 0)
        self.init(year: year, month: month, day: day)
    }

    /// The date `days` later (earlier when negative). Dates beyond year 9999 are a programming error.
    /// The UTC calendar day of an instant given in microseconds since 1970-01-01 (a clock's "today").
    public init(microsecondsSinceEpoch microseconds: Int64) {
        self.init(daysSinceEpoch: Int(microseconds / 86_400_000_000))!
    }

    public func adding(days: Int) -> BusinessDate {
        guard let result = BusinessDate(daysSinceEpoch: daysSinceEpoch + days) else {
            preconditionFailure("\(self) + \(days) days leaves years 1...9999")
        }
        return result
    }

    /// `self + days`, held within years 1...9999: for windows and horizons computed from a day someone asked about,
    /// which must answer (with nothing in range), never stop the program.
    public func addingClamped(days: Int) -> BusinessDate {
        let first = BusinessDate(year: 1, month: 1, day: 1)!, last = BusinessDate(year: 9999, month: 12, day: 31)!
        let (target, overflow) = daysSinceEpoch.addingReportingOverflow(days)
        if overflow { return days < 0 ? first : last }
        if target < first.daysSinceEpoch { return first }
        if target > last.daysSinceEpoch { return last }
        return BusinessDate(daysSinceEpoch: target)!
    }

    /// Whole days from `self` to `other` (positive when `other` is later).
    public func days(until other: BusinessDate) -> Int { other.daysSinceEpoch - daysSinceEpoch }

    public static func isLeap(_ year: Int) -> Bool { year % 4 == 0 && (year % 100 != 0 || year % 400 == 0) }

    static func daysIn(month: Int, year: Int) -> Int {
        switch month {
        case 2: return isLeap(year) ? 29 : 28
        case 4, 6, 9, 11: return 30
        default: return 31
        }
    }

    public init(from decoder: any Decoder) throws {
        let text = try decoder.singleValueContainer().decode(String.self)
        self = try BusinessDate.parse(text)
    }

    public func encode(to encoder: any Encoder) throws {
        var container = encoder.singleValueContainer()
        try container.encode(description)
    }
}

/// Why a date or quarter could not be read.
public enum DateError: Error, Equatable, Sendable, CustomStringConvertible {
    case notADate(String)
    case noSuchDay(String)
    case notAQuarter(String)

    public var description: String {
        switch self {
        case .notADate(let text): return "'\(text)' is not a date: write YYYY-MM-DD"
        case .noSuchDay(let text): return "'\(text)' is not a day of the calendar"
        case .notAQuarter(let text): return "'\(text)' is not a quarter: write YYYYQn, such as 2026Q1"
        }
    }
}
