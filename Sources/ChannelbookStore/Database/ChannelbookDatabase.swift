import ChannelbookCore
import Foundation
import Logging
import NIOConcurrencyHelpers
import NIOCore
import NIOPosix
import PostgresKit
import PostgresNIO
import SQLKit
import SQLiteKit
import SQLiteNIO

/// Where the data lives: an embedded SQLite file (the default) or a PostgreSQL server.
public enum DatabaseLocation: Sendable, Equatable, CustomStringConvertible {
    case sqlite(path: String)
    case postgres(url: String)

    public var description: String {
        switch self {
        case .sqlite(let path): return path
        case .postgres(let url): return Self.redacted(url)
        }
    }

    /// The URL without its password, for messages.
    static func redacted(_ url: String) -> String {
        guard var components = URLComponents(string: url), components.password != nil else { return url }
        components.password = "***"
        return components.string ?? url
    }
}

/// Which SQL a statement must be written in where SQLite and PostgreSQL differ.
public enum SQLDialectKind: Sendable {
    case sqlite
    case postgres
}

/// One database connection, owned by one task at a time: the CLI's for its whole run, a request's for
/// the length of a `DatabasePool` lease. Everything the store does is a method of this type, so no two
/// tasks ever send statements (a BEGIN, a COMMIT) on one connection.
public final class ChannelbookDatabase: Sendable {
    public let dialect: SQLDialectKind
    public let sql: any SQLDatabase
    public let location: DatabaseLocation
    let sqlite: SQLiteConnection?
    let postgres: PostgresConnection?
    let logger: Logger
    /// Shared by every connection of one pool: the schema is checked once, not before every query.
    let schema: SchemaCheck
    /// Whether a transaction is open on this connection: set by BEGIN, cleared by COMMIT or a ROLLBACK that
    /// succeeded, so one left open by a failed ROLLBACK is ended before the connection is used again.
    private let openTransaction = NIOLockedValueBox(false)

    init(
        dialect: SQLDialectKind, location: DatabaseLocation, sqlite: SQLiteConnection?, postgres: PostgresConnection?, logger: Logger,
        schema: SchemaCheck = SchemaCheck()
    ) {
        self.dialect = dialect
        self.sql = sqlite.map { $0.sql(queryLogLevel: nil) } ?? postgres!.sql(queryLogLevel: nil)
        self.location = location
        self.sqlite = sqlite
        self.postgres = postgres
        self.logger = logger
        self.schema = schema
    }

    /// Opens one connection, for a command that works alone (the CLI, a test). A server uses `DatabasePool`.
    public static func open(_ location: DatabaseLocation, logger: Logger = Logger(label: "channelbook.store")) async throws -> ChannelbookDatabase {
        switch location {
        case .sqlite(let path):
            return try await DatabaseFailure.translating {
                try await openSQLite(path: path, readOnly: false, logger: logger, schema: SchemaCheck())
            }
        case .postgres(let url):
            let settings = try PostgresSettings(url: url)
            let connection = try await DatabaseFailure.translating { try await settings.connect(logger: logger) }
            return ChannelbookDatabase(dialect: .postgres, location: location, sqlite: nil, postgres: connection, logger: logger)
        }
    }

    /// SQLite's own `lower()` folds ASCII letters only; PostgreSQL's (ICU) and Swift's fold every letter. Replaced on
    /// each connection by Swift's, so a search for "émile" finds "Émile" and a name sorts the same on both databases.
    /// Deterministic and allowed in the schema (the users' `email = lower(email)` check), as the built-in was.
    private static func unicodeLower() -> SQLiteCustomFunction {
        SQLiteCustomFunction("lower", argumentCount: 1, pure: true, indirect: true) { arguments in
            switch arguments.first {
            case .text(let text): text.lowercased()
            case .null, nil: nil
            case let value?: value.description.lowercased()
            }
        }
    }

    /// A SQLite connection set up for Channelbook: WAL (readers work while one writer writes), FULL sync
    /// (a committed money action survives an operating-system crash), a busy timeout for other processes.
    static func openSQLite(path: String, readOnly: Bool, logger: Logger, schema: SchemaCheck) async throws -> ChannelbookDatabase {
        let isNew = !FileManager.default.fileExists(atPath: path)
        let connection = try await SQLiteConnection.open(storage: .file(path: path), logger: logger)
        // A new money database is readable by its owner only (its WAL and shared-memory files follow its mode).
        if isNew { _ = try? FileManager.default.setAttributes([.posixPermissions: 0o600], ofItemAtPath: path) }
        let database = ChannelbookDatabase(dialect: .sqlite, location: .sqlite(path: path), sqlite: connection, postgres: nil, logger: logger, schema: schema)
        try await connection.install(customFunction: unicodeLower())
        var pragmas = [
            "PRAGMA busy_timeout = \(SQLiteSettings.busyTimeoutMilliseconds)", "PRAGMA foreign_keys = ON", "PRAGMA synchronous = FULL",
        ]
        // Only the writer may switch the journal mode; a reader refuses writes so a misplaced one fails loudly.
        pragmas.insert(readOnly ? "PRAGMA query_only = ON" : "PRAGMA journal_mode = WAL", at: 0)
        // The writer's cache is large for imports; a server's readers keep SQLite's default, so a pool stays small.
        if !readOnly { pragmas.append("PRAGMA cache_size = -\(SQLiteSettings.writerCacheKibibytes)") }
        for pragma in pragmas { try await database.sql.raw("\(unsafeRaw: pragma)").run() }
        return database
    }

    /// Runs `body`, an import's transaction, with SQLite's statement journal in memory: a multi-row insert otherwise
    /// writes every page it touches to a temporary file before changing it (BENCHMARKS.md, *Import speed*). Set before
    /// the transaction begins (SQLite reads it then) and put back after, so a migration's large sort on this connection
    /// still spills to disk. Inside an enclosing transaction SQLite may refuse the change: the import then runs with
    /// the journal on disk, as correct and slower. PostgreSQL: `body` alone.
    func withStatementJournalInMemory<T>(_ body: () async throws -> T) async throws -> T {
        guard dialect == .sqlite else { return try await body() }
        let inMemory = (try? await sql.raw("PRAGMA temp_store = MEMORY").run()) != nil
        func restore() async { if inMemory { try? await sql.raw("PRAGMA temp_store = DEFAULT").run() } }
        do {
            let result = try await body()
            await restore()
            return result
        } catch {
            await restore()
            throw error
        }
    }

    public func close() async {
        try? await sqlite?.close()
        if let postgres { try? await postgres.close() }
    }

    /// Whether a transaction was left open (its ROLLBACK failed): a pool drops such a PostgreSQL connection.
    var isInTransaction: Bool { openTransaction.withLockedValue { $0 } }

    /// The connection whose transaction the current task is inside: a nested `transaction` call joins it.
    /// A task-local, not a flag on the connection, so a transaction left open by a failed ROLLBACK is never
    /// mistaken for an enclosing one (the next caller would otherwise write without a transaction).
    @TaskLocal private static var enclosingTransaction: ObjectIdentifier?

    /// Runs `body` in one transaction: all of its writes, or none of them if it throws.
    ///
    /// `locks` are taken first (PostgreSQL advisory locks held to the end of the transaction), so every
    /// process and server doing the same kind of write takes its turn; SQLite's `BEGIN IMMEDIATE` already
    /// makes writers take turns. Called inside another transaction on this connection, `body` joins it.
    public func transaction<T>(locking locks: Set<WriteLock> = [], _ body: () async throws -> T) async throws -> T {
        try await inTransaction(begin: dialect == .sqlite ? "BEGIN IMMEDIATE" : "BEGIN", writerGate: sqliteWriterGate, locking: locks, body)
    }

    /// Runs `body`, which only reads, on one consistent snapshot without taking a writer's turn: SQLite's
    /// deferred `BEGIN` (WAL readers never wait for the writer), PostgreSQL's repeatable-read, read-only
    /// transaction. Works on a pool's read-only connections; a what-if or a `check` never holds up an import.
    public func readTransaction<T>(_ body: () async throws -> T) async throws -> T {
        try await inTransaction(begin: dialect == .sqlite ? "BEGIN" : "BEGIN ISOLATION LEVEL REPEATABLE READ READ ONLY", writerGate: nil, locking: [], body)
    }

    private func inTransaction<T>(begin: String, writerGate gate: AsyncGate?, locking locks: Set<WriteLock>, _ body: () async throws -> T) async throws -> T {
        if Self.enclosingTransaction == ObjectIdentifier(self) {
            try await take(locks)
            return try await body()
        }
        await gate?.enter()
        defer { gate?.leave() }
        try? await endLeftoverTransaction()
        do {
            try await sql.raw(SQLQueryString(stringLiteral: begin)).run()
        } catch {
            throw DatabaseFailure.translate(error)
        }
        openTransaction.withLockedValue { $0 = true }
        do {
            try await take(locks)
            let result = try await Self.$enclosingTransaction.withValue(ObjectIdentifier(self)) { try await body() }
            try await sql.raw("COMMIT").run()
            openTransaction.withLockedValue { $0 = false }
            return result
        } catch {
            // A lost PostgreSQL connection rolls back on the server by itself; a query on it would wait forever.
            // Otherwise the flag stays set until a ROLLBACK succeeds: the next borrower or transaction retries it.
            var ended = postgres?.isClosed == true
            if !ended { ended = (try? await sql.raw("ROLLBACK").run()) != nil }
            if ended { openTransaction.withLockedValue { $0 = false } }
            throw DatabaseFailure.translate(error)
        }
    }

    /// Ends a transaction an earlier failed ROLLBACK left open (SQLite may have ended it already by itself, in which
    /// case this ROLLBACK fails harmlessly), before the connection is lent or begins again.
    func endLeftoverTransaction() async throws {
        guard isInTransaction else { return }
        _ = try? await sql.raw("ROLLBACK").run()
        openTransaction.withLockedValue { $0 = false }
    }

    /// On SQLite, the turn-taking of this process's writers to the same file (see `AsyncGate.sqliteWriter`).
    private var sqliteWriterGate: AsyncGate? {
        guard case .sqlite(let path) = location else { return nil }
        return AsyncGate.sqliteWriter(path)
    }

    /// Takes PostgreSQL transaction-level advisory locks in a fixed order (no two writers can wait on each other).
    private func take(_ locks: Set<WriteLock>) async throws {
        guard dialect == .postgres else { return }
        for lock in locks.sorted(by: { $0.rawValue < $1.rawValue }) {
            try await sql.raw("SELECT pg_advisory_xact_lock(\(bind: lock.key))").run()
        }
    }
}

/// What a write serialises on, across every process and server using one PostgreSQL database.
///
/// Coarse on purpose: closing a quarter rewrites the drafts of later quarters (true-ups), an import changes
/// the totals every close reads, so one ledger lock is the rule that is easy to be sure of. Writes are few
/// and short next to reads (see docs/SCALING.md).
public enum WriteLock: Int, Sendable, Hashable {
    /// Imports, closes, approvals, payouts and payments, program versions: anything the ledger's figures follow.
    case ledger = 1
    /// Referral registrations and decisions: duplicate detection reads then writes.
    case referrals = 2
    /// Schema migrations.
    case schema = 3
    /// Sign-in attempts: recorded and counted one at a time, so the throttle's count is exact.
    case signIn = 4
    /// MDF actions: what is available is read, then reserved.
    case mdf = 5
    /// Renewal quotes, lapses and contract imports: an opportunity's status is read, then changed.
    case renewals = 6
    /// Webhook deliveries: due ones are read, then leased to one sender.
    case webhooks = 7

    /// The advisory-lock key: a fixed prefix ("cb" in ASCII) so Channelbook's keys never meet another application's.
    var key: Int64 { 0x6362_0000 + Int64(rawValue) }
}

/// Whether the schema has been checked (and migrated), shared by the connections of one pool.
final class SchemaCheck: Sendable {
    private let checked = NIOLockedValueBox(false)
    var isDone: Bool { checked.withLockedValue { $0 } }
    func markDone() { checked.withLockedValue { $0 = true } }
}

/// SQLite settings every connection gets.
enum SQLiteSettings {
    /// The writing connection's page cache: 64 MiB. SQLite's default 2 MiB holds a few percent of the index pages a
    /// large import writes into at random (contracts by end date and by customer), and every miss is a read from disk.
    static let writerCacheKibibytes = 65_536
    /// How long a writer waits for another process's write before "the database is busy".
    static let busyTimeoutMilliseconds = 30_000
}

/// An error whose description is meant for the person who asked: a refusal, not a failure.
/// Every caller shows it as it is (stderr and a non-zero exit, or an HTTP 4xx with the message).
public protocol RefusalError: Error, CustomStringConvertible {}

extension TextProblem: RefusalError {}
extension QuarterEngineError: RefusalError {}

/// What the store refuses, in words for the person at the command line.
public enum StoreError: RefusalError, Equatable, Sendable {
    case badDatabaseURL(String)
    case notInitialised(String)
    case programConflict(String)
    case quarterNotClosed(Quarter)
    case nothingToClose(Quarter)
    case quarterNotEnded(Quarter, today: BusinessDate)

    public var description: String {
        switch self {
        case .badDatabaseURL(let url): return "'\(url)' is not a PostgreSQL URL (postgres://user:password@host:5432/database)"
        case .notInitialised(let location):
            return "\(location) holds no Channelbook database: create one with `channelbook init` (same --db or --database-url)"
        case .programConflict(let message): return message
        case .quarterNotClosed(let quarter): return "\(quarter) has not been closed: run `channelbook close \(quarter)` first"
        case .nothingToClose(let quarter): return "\(quarter) has no sales lines and no closed referrals: nothing to close"
        case let .quarterNotEnded(quarter, today):
            return "\(quarter) has not ended (its last day is \(quarter.lastDay); today is \(today)): sales and referral wins may still "
                + "fall in it. An admin may close it early (`channelbook close \(quarter) --early`, or \"Close early\" in the web app), "
                + "which the audit log records"
        }
    }
}

extension ChannelbookDatabase {
    /// Microseconds since 1970 for `at_us` columns: instants are integers, like money.
    /// Today's date in UTC, for the rules that compare with today when the caller (a command's `--on`, the web
    /// app's clock) does not say.
    static func today() -> BusinessDate { BusinessDate(microsecondsSinceEpoch: nowMicroseconds()) }

    static func nowMicroseconds(_ clock: () -> Date = Date.init) -> Int64 {
        Int64((clock().timeIntervalSince1970 * 1_000_000).rounded())
    }
}
