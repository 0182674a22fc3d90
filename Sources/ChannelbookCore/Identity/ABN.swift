/// An Australian Business Number: 11 digits whose weighted checksum is divisible by 89.
///
/// Distributors sometimes name resellers by ABN instead of partner code; a checksum catches a mistyped digit.
public struct ABN: Hashable, Sendable, CustomStringConvertible, Comparable {
    /// The 11 digits, without spaces.
    public let digits: String

    /// Parses `51 824 753 556` or `51824753556`; spaces are ignored, anything else must be digits.
    public static func parse(_ text: String) throws -> ABN {
        let digits = text.filter { $0 != " " }
        guard digits.count == 11, digits.allSatisfy({ $0.isASCII && $0.isNumber }) else { throw ABNError.notElevenDigits(text) }
        let values = digits.map { Int(String($0))! }
        let weights = [10, 1, 3, 5, 7, 9, 11, 13, 15, 17, 19]
        let sum = zip([values[0] - 1] + values.dropFirst(), weights).reduce(0) { $0 + $1.0 * $1.1 }
        guard sum % 89 == 0 else { throw ABNError.badChecksum(text) }
        return ABN(digits: digits)
    }

    /// Whether `text` looks like an ABN at all (11 digits, spaces allowed), before checking its checksum.
    public static func looksLikeABN(_ text: String) -> Bool {
        var digits = 0
        for byte in text.utf8 where byte != UInt8(ascii: " ") {
            guard byte >= UInt8(ascii: "0") && byte <= UInt8(ascii: "9") else { return false }
            digits += 1
        }
        return digits == 11
    }

    private init(digits: String) { self.digits = digits }

    public var description: String { digits }

    /// An ABN as people write it, `53 004 085 616`; text that is not 11 digits is returned as it is.
    public static func grouped(_ text: String) -> String {
        let digits = text.filter { $0 != " " }
        guard digits.count == 11, digits.allSatisfy({ $0.isASCII && $0.isNumber }) else { return text }
        let characters = Array(digits)
        return [characters[0..<2], characters[2..<5], characters[5..<8], characters[8..<11]].map { String($0) }.joined(separator: " ")
    }
    public static func < (lhs: ABN, rhs: ABN) -> Bool { lhs.digits < rhs.digits }
}

public enum ABNError: Error, Equatable, Sendable, CustomStringConvertible {
    case notElevenDigits(String)
    case badChecksum(String)

    public var description: String {
        switch self {
        case .notElevenDigits(let text): return "'\(text)' is not an ABN: an ABN is 11 digits"
        case .badChecksum(let text): return "'\(text)' is not a valid ABN: its checksum does not match"
        }
    }
}
