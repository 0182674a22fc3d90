/// Why an amount could not be parsed or an arithmetic step on money could not be done.
public enum MoneyError: Error, Equatable, Sendable, CustomStringConvertible {
    case empty
    case unexpectedCharacter(text: String, character: Character, position: Int)
    case missingDigits(text: String)
    case tooManyDecimals(text: String, currency: Currency)
    case outOfRange(text: String)
    case overflow(operation: String)
    case currencyMismatch(Currency, Currency)

    public var description: String {
        switch self {
        case .empty:
            return "an amount is required"
        case let .unexpectedCharacter(text, character, position):
            return "'\(text)' is not an amount: '\(character)' at position \(position) is not allowed "
                + "(write amounts like 1234.50: digits, an optional leading '-', one '.', no thousands separators)"
        case let .missingDigits(text):
            return "'\(text)' is not an amount: digits are required before and after the decimal point"
        case let .tooManyDecimals(text, currency):
            return "'\(text)' has more decimals than \(currency.code) has (\(currency.minorUnitDigits))"
        case let .outOfRange(text):
            return "'\(text)' is out of range (amounts are at most 19 digits of minor units)"
        case let .overflow(operation):
            return "amount out of range while computing \(operation)"
        case let .currencyMismatch(left, right):
            return "cannot combine amounts in \(left.code) and \(right.code)"
        }
    }
}
