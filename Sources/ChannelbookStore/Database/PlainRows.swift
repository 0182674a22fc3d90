import Logging
import NIOPosix
import PostgresNIO
import SQLKit
import SQLiteNIO

/// A value read or bound by `plainRows`: the only types Channelbook's tables hold.
enum PlainValue: Sendable, Equatable {
    case integer(Int64)
    case text(String)
    case null
}

/// A row of `plainRows`, read by column position.
struct PlainRow: Sendable {
    let values: [PlainValue]

    func integer(_ index: Int) throws -> Int64 {
        guard case .integer(let value) = values[index] else { throw PlainRowError.notAnInteger(column: index) }
        return value
    }

    func text(_ index: Int) throws -> String {
        guard case .text(let value) = values[index] else { throw PlainRowError.notText(column: index) }
        return value
    }

    func optionalInteger(_ index: Int) throws -> Int64? {
        if case .null = values[index] { return nil }
        return try integer(index)
    }

    func optionalText(_ index: Int) throws -> String? {
        if case .null = values[index] { return nil }
        return try text(index)
    }

    /// A stored name of one of our enums (a status, a kind, a tier), or `UnknownStoredValue`.
    func stored<Value: RawRepresentable>(_ type: Value.Type, _ index: Int) throws -> Value where Value.RawValue == String {
        try UnknownStoredValue.known(try text(index))
    }
}

/// A stored value this version does not know (the schema's CHECK constraints keep them out; a database written by a
/// newer version might not): an error that names it, never a crash nor a guess.
public struct UnknownStoredValue: Error, CustomStringConvertible, Equatable {
    public let type: String
    public let value: String
    public var description: String { "the database holds '\(value.prefix(60))', which is not a \(type) this version knows" }

    /// The value `text` names, or this error.
    static func known<Value: RawRepresentable>(_ text: String) throws -> Value where Value.RawValue == String {
        guard let value = Value(rawValue: text) else { throw UnknownStoredValue(type: "\(Value.self)", value: text) }
        return value
    }
}

extension SQLRow {
    /// The column as a stored name of one of our enums, or `UnknownStoredValue`.
    func stored<Value: RawRepresentable>(_ type: Value.Type, column: String) throws -> Value where Value.RawValue == String {
        try UnknownStoredValue.known(try decode(column: column, as: String.self))
    }
}

enum PlainRowError: Error {
    case notAnInteger(column: Int)
    case notText(column: Int)
}

extension ChannelbookDatabase {
    /// Runs a read on the driver directly and returns its rows by position.
    ///
    /// For reads of tens of thousands of rows (every partner, a quarter's totals): sql-kit decodes each
    /// PostgreSQL cell through Codable, which measured at 46 % of a close; the drivers' own decoding is a
    /// fraction of that. Placeholders are `$1`, `$2`… (both databases accept them), each used once, in order.
    func plainRows(_ query: String, _ binds: [PlainValue] = []) async throws -> [PlainRow] {
        switch dialect {
        case .sqlite:
            // Read straight from SQLite's C interface on NIO's blocking-work pool, as sqlite-nio's own queries run:
            // its rows carry every column's name and a boxed value, which was most of a close's reading.
            let connection = sqlite!
            return try await NIOThreadPool.singleton.runIfActive {
                let statement = try SQLitePreparedStatement(query, on: connection, reused: false)
                for bind in binds {
                    switch bind {
                    case .integer(let value): statement.bind(value)
                    case .text(let value): statement.bind(value)
                    case .null: statement.bind(nil as String?)
                    }
                }
                return try statement.rows()
            }
        case .postgres:
            var bindings = PostgresBindings()
            for bind in binds {
                switch bind {
                case .integer(let value): bindings.append(value)
                case .text(let value): bindings.append(value)
                case .null: bindings.appendNull()
                }
            }
            var rows: [PlainRow] = []
            for try await row in try await postgres!.query(PostgresQuery(unsafeSQL: query, binds: bindings), logger: logger) {
                var values: [PlainValue] = []
                for cell in row {
                    if cell.bytes == nil {
                        values.append(.null)
                    } else if cell.dataType == .int8 || cell.dataType == .int4 || cell.dataType == .int2 {
                        values.append(.integer(try cell.decode(Int64.self)))
                    } else {
                        values.append(.text(try cell.decode(String.self)))
                    }
                }
                rows.append(PlainRow(values: values))
            }
            return rows
        }
    }
}
