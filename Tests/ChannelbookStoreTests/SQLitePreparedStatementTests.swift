import ChannelbookCore
import Testing

@testable import ChannelbookStore

/// The store's prepared statements on SQLite (the import's inserts, `plainRows`' reads): reached on the connection
/// sqlite-nio opened, run inside its transaction, and a failure told in `DatabaseFailure`'s words as sqlite-nio's is.
@Suite struct SQLitePreparedStatementTests {
    @Test func runsInsideTheConnectionsTransactionAndSaysWhatItChanged() async throws {
        try await TestDatabase.sqlite.with { database in
            // The handle is where this sqlite-nio keeps it: otherwise every SQLite import would refuse to run.
            #expect(SQLitePreparedStatement.handle(of: database.sqlite!) != nil)
            try await database.sql.raw("CREATE TABLE prepared_probe (id INTEGER PRIMARY KEY, name TEXT NOT NULL CHECK (length(name) < 10))").run()
            try await database.sql.raw("BEGIN").run()
            let insert = try SQLitePreparedStatement("INSERT INTO prepared_probe VALUES (?, ?) ON CONFLICT DO NOTHING", on: database.sqlite!)
            insert.bind(Int64(1))
            insert.bind("één")  // not ASCII: bound as its UTF-8 bytes
            #expect(try insert.run() == 1)
            insert.bind(Int64(1))
            insert.bind("again")
            #expect(try insert.run() == 0)  // the key was there
            insert.bind(Int64(2))
            insert.bind("far too long a name")
            #expect(throws: DatabaseFailure.self) { try insert.run() }
            try await database.sql.raw("ROLLBACK").run()
            // Rolled back with the transaction it ran in.
            #expect(try await database.count("prepared_probe") == 0)
            try await database.sql.raw("INSERT INTO prepared_probe VALUES (3, 'ok')").run()
            let row = try await database.sql.raw("SELECT name FROM prepared_probe WHERE id = 3").first()
            #expect(try row?.decode(column: "name", as: String.self) == "ok")
        }
    }

    @Test func aNonASCIITextComesBackAsBound() async throws {
        try await TestDatabase.sqlite.with { database in
            try await database.sql.raw("CREATE TABLE prepared_text (id INTEGER PRIMARY KEY, name TEXT NOT NULL)").run()
            let insert = try SQLitePreparedStatement("INSERT INTO prepared_text VALUES (?, ?)", on: database.sqlite!)
            insert.bind(Int64(1))
            insert.bind("Zoë's café, Ōsaka 🏢")
            #expect(try insert.run() == 1)
            let row = try await database.sql.raw("SELECT name FROM prepared_text").first()
            #expect(try row?.decode(column: "name", as: String.self) == "Zoë's café, Ōsaka 🏢")
        }
    }

    /// `plainRows` reads SQLite by position: integers, texts as stored (empty and not ASCII too), anything else as null;
    /// `$n` binds in order.
    @Test func plainRowsReadEachStoredTypeAsItWasStored() async throws {
        try await TestDatabase.sqlite.with { database in
            try await database.sql.raw("CREATE TABLE plain_probe (id INTEGER PRIMARY KEY, name TEXT, amount INTEGER, ratio REAL)").run()
            try await database.sql.raw("INSERT INTO plain_probe VALUES (1, 'Zoë 🏢', -9223372036854775808, 0.5), (2, '', NULL, NULL)").run()
            let rows = try await database.plainRows("SELECT id, name, amount, ratio FROM plain_probe WHERE id >= $1 AND name <> $2 ORDER BY id", [.integer(1), .text("x")])
            #expect(rows.map(\.values) == [[.integer(1), .text("Zoë 🏢"), .integer(Int64.min), .null], [.integer(2), .text(""), .null, .null]])
            #expect(try await database.plainRows("SELECT id FROM plain_probe WHERE name = $1", [.null]).isEmpty)
        }
    }

    /// Each SQLite failure means what it means through sqlite-nio: busy, a refused value, a sum beyond 64 bits; a key
    /// already taken is a bug, left as SQLite said it.
    @Test func failuresAreSortedAsSQLiteNIOsAre() async throws {
        func translated(_ status: Int32, _ message: String) -> DatabaseFailure? {
            DatabaseFailure.translate(SQLiteStatementFailure(status: status, message: message)) as? DatabaseFailure
        }
        #expect(translated(5, "database is locked")?.kind == .busy)  // SQLITE_BUSY
        #expect(translated(6 | (1 << 8), "database table is locked")?.kind == .busy)  // SQLITE_LOCKED_SHAREDCACHE
        #expect(translated(19 | (1 << 8), "CHECK constraint failed")?.kind == .constraint)
        #expect(translated(19 | (7 << 8), "sales_lines.x is longer than 200 characters")?.kind == .constraint)
        #expect(translated(1, "integer overflow")?.kind == .outOfRange)
        #expect(translated(19 | (8 << 8), "UNIQUE constraint failed: t.id") == nil)  // SQLITE_CONSTRAINT_UNIQUE
        try await TestDatabase.sqlite.with { database in
            await #expect(throws: DatabaseFailure.self) {
                _ = try await database.plainRows("SELECT SUM(v) FROM (SELECT 9223372036854775807 AS v UNION ALL SELECT 1)")
            }
        }
    }
}
