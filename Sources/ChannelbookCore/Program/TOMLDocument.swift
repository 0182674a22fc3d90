/// A parsed TOML document as plain values, so validation never touches the C++ parser's objects.
///
/// `TOMLParser` (Swift, this module) reads the text; validation sees only these values.
indirect enum TOMLNode: Sendable {
    case string(String)
    case integer(Int)
    case float
    case boolean(Bool)
    case date(year: Int, month: Int, day: Int)
    /// A time or date-time: program files have no use for them.
    case timeOfDay
    case array([TOMLNode])
    case table([String: TOMLNode])

    /// How the node is named in problems: `a string`, `a table`.
    var kindName: String {
        switch self {
        case .string: return "a string"
        case .integer: return "an integer"
        case .float: return "a floating-point number"
        case .boolean: return "a boolean"
        case .date: return "a date"
        case .timeOfDay: return "a time"
        case .array: return "an array"
        case .table: return "a table"
        }
    }

    /// Parses TOML text into nodes; a syntax error carries the line and column.
    static func parse(_ text: String) throws(ProgramFileError) -> [String: TOMLNode] {
        do {
            return try TOMLParser.parse(text)
        } catch {
            throw .syntax(line: error.line, column: error.column, message: error.message)
        }
    }
}
