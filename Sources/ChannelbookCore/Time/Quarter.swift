/// A calendar quarter (`2026Q1`): the period rebates are earned and statements are closed for.
public struct Quarter: Hashable, Sendable, Comparable, CustomStringConvertible {
    public let year: Int
    /// 1...4.
    public let number: Int

    public init?(year: Int, number: Int) {
        guard (1...9999).contains(year), (1...4).contains(number) else { return nil }
        self.year = year
        self.number = number
    }

    /// Parses `2026Q1` (a lower-case `q` is accepted too).
    public static func parse(_ text: String) throws -> Quarter {
        let bytes = Array(text.utf8)
        guard bytes.count == 6, bytes[4] == UInt8(ascii: "Q") || bytes[4] == UInt8(ascii: "q"),
            bytes[0..<4].allSatisfy({ (UInt8(ascii: "0")...UInt8(ascii: "9")).contains($0) }),
            let year = Int(String(decoding: bytes[0..<4], as: UTF8.self)),
            let number = Int(String(decoding: bytes[5...], as: UTF8.self)),
            let quarter = Quarter(year: year, number: number)
        else { throw DateError.notAQuarter(text) }
        return quarter
    }

    /// `2026Q1` or `2025Q2..2026Q1`: one quarter or an inclusive range, as commands and the API take them.
    public static func parseRange(_ text: String) throws -> (first: Quarter, last: Quarter) {
        let parts = text.split(separator: "..", omittingEmptySubsequences: false)
        guard parts.count <= 2 else { throw DateError.notAQuarter(text) }
        return (try parse(String(parts[0])), try parse(String(parts[parts.count - 1])))
    }

    /// How many quarters `first...last` holds (0 when `last` comes before `first`).
    public static func count(from first: Quarter, through last: Quarter) -> Int {
        max(0, (last.year - first.year) * 4 + last.number - first.number + 1)
    }

    /// The quarter a date falls in.
    public init(containing date: BusinessDate) {
        self.year = date.year
        self.number = (date.month - 1) / 3 + 1
    }

    public var firstDay: BusinessDate { BusinessDate(year: year, month: (number - 1) * 3 + 1, day: 1)! }

    public var lastDay: BusinessDate {
        let month = number * 3
        return BusinessDate(year: year, month: month, day: BusinessDate.daysIn(month: month, year: year))!
    }

    public func contains(_ date: BusinessDate) -> Bool { firstDay <= date && date <= lastDay }

    /// Whether the quarter is over on `today`: its last day has passed, so no more sales or referral wins can
    /// fall in it. Closing a quarter before then is an explicit "close early".
    public func hasEnded(on today: BusinessDate) -> Bool { lastDay < today }

    /// The quarter after this one; the last representable quarter (9999Q4) is its own next, so a page asking for
    /// "the next four quarters" of a typed-in 9999Q4 shows fewer columns rather than crashing.
    public var next: Quarter {
        if number < 4 { return Quarter(year: year, number: number + 1)! }
        return Quarter(year: year + 1, number: 1) ?? self
    }
    /// The quarter before this one; 0001Q1 is its own previous, for the same reason.
    public var previous: Quarter {
        if number > 1 { return Quarter(year: year, number: number - 1)! }
        return Quarter(year: year - 1, number: 4) ?? self
    }

    public static func < (lhs: Quarter, rhs: Quarter) -> Bool { (lhs.year, lhs.number) < (rhs.year, rhs.number) }

    /// `2026Q1`; the year always has four digits (`0564Q2`), so the text parses back to the same quarter.
    public var description: String {
        let digits = String(year)
        return String(repeating: "0", count: max(0, 4 - digits.count)) + digits + "Q\(number)"
    }
}
