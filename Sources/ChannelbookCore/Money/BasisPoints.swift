/// A rate in basis points: 500 bps is 5 %, 750 bps is 7.5 %. Whole numbers only, so rates are exact.
public struct BasisPoints: Hashable, Sendable, Comparable, CustomStringConvertible {
    public let rawValue: Int

    public init(_ rawValue: Int) { self.rawValue = rawValue }

    /// 10_000 bps: the whole amount.
    public static let whole = BasisPoints(10_000)
    public static let zero = BasisPoints(0)

    public static func < (lhs: BasisPoints, rhs: BasisPoints) -> Bool { lhs.rawValue < rhs.rawValue }

    /// `7.5%`: as few decimals as the rate needs.
    public var percentString: String {
        let whole = rawValue / 100, hundredths = abs(rawValue % 100)
        let sign = rawValue < 0 && whole == 0 ? "-" : ""
        if hundredths == 0 { return "\(sign)\(whole)%" }
        if hundredths % 10 == 0 { return "\(sign)\(whole).\(hundredths / 10)%" }
        return "\(sign)\(whole).\(hundredths < 10 ? "0" : "")\(hundredths)%"
    }

    /// `7.5% (750 bps)`.
    public var description: String { "\(percentString) (\(rawValue) bps)" }

    /// Parses a percentage as program files write it: `5%`, `7.5%`, `12.25%`.
    ///
    /// A rate finer than a basis point (`7.505%`), a negative rate, one above 100 % and one without
    /// its `%` sign are errors: program files state rates the way people read them, exactly.
    public static func parsePercent(_ text: String) throws -> BasisPoints {
        guard text.hasSuffix("%") else { throw RateError.notAPercentage(text) }
        let number = text.dropLast()
        if number.hasPrefix("-") { throw RateError.negative(text) }
        let parts = number.split(separator: ".", maxSplits: 1, omittingEmptySubsequences: false)
        guard let wholePart = parts.first, !wholePart.isEmpty, wholePart.count <= 3,
            wholePart.allSatisfy({ $0.isASCII && $0.isNumber })
        else { throw RateError.notAPercentage(text) }
        let fraction = parts.count > 1 ? parts[1] : ""
        guard parts.count == 1 || (!fraction.isEmpty && fraction.allSatisfy({ $0.isASCII && $0.isNumber })) else {
            throw RateError.notAPercentage(text)
        }
        if fraction.count > 2 { throw RateError.finerThanBasisPoint(text) }
        let bps = Int(wholePart)! * 100 + Int(fraction + String(repeating: "0", count: 2 - fraction.count))!
        if bps > BasisPoints.whole.rawValue { throw RateError.aboveWhole(text) }
        return BasisPoints(bps)
    }
}

/// Why a rate could not be read.
public enum RateError: Error, Equatable, Sendable, CustomStringConvertible {
    case notAPercentage(String)
    case negative(String)
    case finerThanBasisPoint(String)
    case aboveWhole(String)

    public var description: String {
        switch self {
        case .notAPercentage(let text): return "'\(text)' is not a rate: write a percentage such as \"5%\" or \"7.5%\""
        case .negative(let text): return "rate '\(text)' is negative"
        case .finerThanBasisPoint(let text): return "rate '\(text)' is finer than a basis point (at most two decimals: \"7.25%\")"
        case .aboveWhole(let text): return "rate '\(text)' is above 100%"
        }
    }
}
