import SQLiteNIO
import VaporCSQLite

/// One statement prepared once and run many times on a SQLite connection, bound value by value: the import's
/// insert, which sqlite-nio would otherwise prepare afresh for every statement (it keeps no statement and exposes
/// no handle). It calls the SQLite library sqlite-nio bundles, on that connection's own `sqlite3*`: one process links
/// one SQLite (two copies would drop each other's POSIX locks on the same file), and the statement runs inside the
/// transaction the connection has open. BENCHMARKS.md, *Import speed*, measures what it buys.
///
/// Used by one task at a time while no sqlite-nio query runs on the connection (the import awaits each of those);
/// sqlite-nio opens connections `SQLITE_OPEN_FULLMUTEX` in its serialized build, so any thread may call it.
final class SQLitePreparedStatement {
    private let database: OpaquePointer
    private var statement: OpaquePointer?
    private var nextParameter: Int32 = 1
    /// The first bind SQLite refused since the last run: reported by `run`, never a row stored with a stale value.
    private var bindFailure: Int32?

    /// Prepares `sql` on `connection`. Refuses, saying so, when the connection's handle cannot be reached (a sqlite-nio
    /// whose connection is laid out differently: Package.swift pins sqlite-nio to 1.13.x, and a test asks for the handle).
    /// `reused`: the statement runs many times (SQLite keeps it out of its lookaside memory then).
    init(_ sql: String, on connection: SQLiteConnection, reused: Bool = true) throws {
        // sqlite-nio clears the handle when it closes the connection: that is a lost connection, not a moved handle.
        if connection.isClosed { throw DatabaseFailure.lostConnection }
        guard let database = Self.handle(of: connection) else { throw SQLiteStatementFailure.unreachableHandle }
        self.database = database
        let status = sqlite_nio_sqlite3_prepare_v3(database, sql, -1, reused ? UInt32(SQLITE_PREPARE_PERSISTENT) : 0, &statement, nil)
        guard status == SQLITE_OK else { throw SQLiteStatementFailure(status: status, database: database).translated }
    }

    deinit { sqlite_nio_sqlite3_finalize(statement) }

    /// The connection's `sqlite3*`. sqlite-nio 1.13 keeps it in `SQLiteConnection.handle.raw` and offers no accessor;
    /// reflection reads it, and a version that moved it gets nil: the import then refuses to run, saying so.
    static func handle(of connection: SQLiteConnection) -> OpaquePointer? {
        guard let box = Mirror(reflecting: connection).descendant("handle"),
            let raw = Mirror(reflecting: box).descendant("raw")
        else { return nil }
        return raw as? OpaquePointer
    }

    func bind(_ value: Int64) {
        check(sqlite_nio_sqlite3_bind_int64(statement, nextParameter, value))
    }

    private func check(_ status: Int32) {
        if status != SQLITE_OK && bindFailure == nil { bindFailure = status }
        nextParameter += 1
    }

    /// Binds text, copied by SQLite (`SQLITE_TRANSIENT`): the Swift string's bytes live only for the call.
    func bind(_ value: String) {
        var value = value
        let status: Int32 = value.withUTF8 { bytes in
            // Never a nil pointer: SQLite would bind NULL for an empty text.
            let start = bytes.baseAddress.map { UnsafeRawPointer($0) } ?? UnsafeRawPointer(("" as StaticString).utf8Start)
            return sqlite_nio_sqlite3_bind_text64(
                statement, nextParameter, start.assumingMemoryBound(to: CChar.self), UInt64(bytes.count), transient, UInt8(SQLITE_UTF8))
        }
        check(status)
    }

    func bind(_ value: String?) {
        if let value { bind(value) } else { check(sqlite_nio_sqlite3_bind_null(statement, nextParameter)) }
    }

    /// The next binds start at the first parameter again; a bind SQLite refused since the last run is thrown now, its
    /// values cleared, so nothing runs with a stale value.
    private func startRun() throws {
        nextParameter = 1
        if let failure = bindFailure {
            bindFailure = nil
            sqlite_nio_sqlite3_clear_bindings(statement)
            throw SQLiteStatementFailure(status: failure, database: database).translated
        }
    }

    /// Runs the statement with the values bound since the last run; how many rows it changed (an
    /// `INSERT … ON CONFLICT DO NOTHING` of one row: 1 when stored, 0 when its key was already there).
    /// A failure is thrown as `DatabaseFailure` when it is one of its kinds.
    func run() throws -> Int {
        try startRun()
        let status = sqlite_nio_sqlite3_step(statement)
        sqlite_nio_sqlite3_reset(statement)
        guard status == SQLITE_DONE else { throw SQLiteStatementFailure(status: status, database: database).translated }
        return Int(sqlite_nio_sqlite3_changes(database))
    }
}

extension SQLitePreparedStatement {
    /// Runs a query with the values bound since the last run and reads every row it returns, by position: integers
    /// and texts as themselves, anything else (Channelbook's tables hold nothing else) as null.
    func rows() throws -> [PlainRow] {
        try startRun()
        defer { sqlite_nio_sqlite3_reset(statement) }
        let columns = sqlite_nio_sqlite3_column_count(statement)
        var rows: [PlainRow] = []
        while true {
            let status = sqlite_nio_sqlite3_step(statement)
            if status == SQLITE_DONE { return rows }
            guard status == SQLITE_ROW else { throw SQLiteStatementFailure(status: status, database: database).translated }
            var values: [PlainValue] = []
            values.reserveCapacity(Int(columns))
            for column in 0..<columns {
                switch sqlite_nio_sqlite3_column_type(statement, column) {
                case SQLITE_INTEGER:
                    values.append(.integer(sqlite_nio_sqlite3_column_int64(statement, column)))
                case SQLITE_TEXT:
                    // The pointer first, then the length: SQLite's documented order for reading a text.
                    // No pointer for a text only when SQLite ran out of memory converting it.
                    guard let text = sqlite_nio_sqlite3_column_text(statement, column) else {
                        throw SQLiteStatementFailure(status: SQLITE_NOMEM, database: database).translated
                    }
                    let count = Int(sqlite_nio_sqlite3_column_bytes(statement, column))
                    values.append(.text(String(decoding: UnsafeBufferPointer(start: text, count: count), as: UTF8.self)))
                default:
                    values.append(.null)
                }
            }
            rows.append(PlainRow(values: values))
        }
    }
}

/// SQLite's `SQLITE_TRANSIENT` (a C macro Swift does not import): SQLite copies the bound value before the call returns.
private let transient = unsafeBitCast(-1, to: sqlite3_destructor_type.self)

/// A failed prepared statement, in the words `DatabaseFailure` gives the same failure through sqlite-nio.
struct SQLiteStatementFailure: Error, CustomStringConvertible {
    let status: Int32
    let message: String

    init(status: Int32, database: OpaquePointer) {
        self.status = status
        self.message = sqlite_nio_sqlite3_errmsg(database).map { String(cString: $0) } ?? "SQLite error \(status)"
    }

    var description: String { message }

    /// sqlite-nio keeps the connection's handle where this build does not look: a dependency upgrade moved it.
    static let unreachableHandle = SQLiteStatementFailure(
        status: SQLITE_INTERNAL, message: "cannot reach the SQLite connection's handle: this sqlite-nio lays its connection out differently")

    init(status: Int32, message: String) {
        self.status = status
        self.message = message
    }

    /// The failure sorted as sqlite-nio's `SQLiteError` reasons are (its connections report extended result codes):
    /// a value a CHECK or a trigger refused, not a key already taken.
    var kind: SQLiteFailureKind {
        switch status & 0xFF {
        case SQLITE_BUSY, SQLITE_LOCKED: return .busy
        case SQLITE_CANTOPEN: return .cantOpen
        // The plain code, CHECK (1) and TRIGGER (7): a refused value. UNIQUE, PRIMARY KEY, FOREIGN KEY, NOT NULL: other.
        case SQLITE_CONSTRAINT where [SQLITE_CONSTRAINT, SQLITE_CONSTRAINT | (1 << 8), SQLITE_CONSTRAINT | (7 << 8)].contains(status): return .refusedValue
        default: return .other
        }
    }

    /// The failure as `DatabaseFailure` when it is one of its kinds; otherwise itself, with SQLite's own message.
    var translated: any Error { DatabaseFailure.translate(self) }
}
