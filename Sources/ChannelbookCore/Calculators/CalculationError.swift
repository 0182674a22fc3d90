/// Why a calculator refused its inputs. Overflow and currency mismatches surface as `MoneyError`.
public enum CalculationError: Error, Equatable, Sendable, CustomStringConvertible {
    case currencyNotProgramCurrency(given: Currency, program: Currency)
    case nonPositiveSeats(Int64)
    case negativeUnitPrice(Money)

    public var description: String {
        switch self {
        case let .currencyNotProgramCurrency(given, program):
            return "the amount is in \(given.code) but the program pays in \(program.code)"
        case .nonPositiveSeats(let seats): return "seats must be a positive whole number, not \(seats)"
        case .negativeUnitPrice(let price): return "the per-seat price \(price) is negative"
        }
    }
}
