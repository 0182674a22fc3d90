import ChannelbookCore
import Testing

@testable import ChannelbookStore

/// The import's prepared statements on SQLite: reached on the connection sqlite-nio opened, run inside its transaction,
/// and a refused value told in `DatabaseFailure`'s words.
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
}
