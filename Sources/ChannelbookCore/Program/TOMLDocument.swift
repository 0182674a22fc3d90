import TOMLKit

/// A parsed TOML document as plain values, so validation never touches the C++ parser's objects.
///
/// This file is the only one that knows TOMLKit: swapping the parser means rewriting it alone.
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
        let table: TOMLTable
        do {
            table = try TOMLTable(string: text)
        } catch let error as TOMLParseError {
            throw .syntax(line: error.source.begin.line, column: error.source.begin.column, message: error.description)
        } catch {
            throw .syntax(line: 0, column: 0, message: "\(error)")
        }
        return convert(table)
    }

    private static func convert(_ table: TOMLTable) -> [String: TOMLNode] {
        var entries: [String: TOMLNode] = [:]
        for key in table.keys {
            if let value = table[key] { entries[key] = convert(value) }
        }
        return entries
    }

    private static func convert(_ value: any TOMLValueConvertible) -> TOMLNode {
        switch value.type {
        case .string: return .string(value.string ?? "")
        case .int: return .integer(value.int ?? 0)
        case .double: return .float
        case .bool: return .boolean(value.bool ?? false)
        case .date:
            let date = value.date!
            return .date(year: date.year, month: date.month, day: date.day)
        case .time, .dateTime: return .timeOfDay
        case .array: return .array((value.array.map { Array($0) } ?? []).map(convert))
        case .table: return .table(value.table.map(convert) ?? [:])
        }
    }
}
