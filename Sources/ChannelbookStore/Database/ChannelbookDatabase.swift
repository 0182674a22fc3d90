import ChannelbookCore
import Foundation
import Logging
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

/// One open connection to Channelbook's database, through sql-kit for everything but bulk loading.
///
/// Commands hold one connection for their whole run, so `transaction` can use plain BEGIN/COMMIT.
public final class ChannelbookDatabase: @unchecked Sendable {
    public let dialect: SQLDialectKind
    public let sql: any SQLDatabase
    public let location: DatabaseLocation
    let sqlite: SQLiteConnection?
    let postgres: PostgresConnection?
    let logger: Logger

    private init(
        dialect: SQLDialectKind, sql: any SQLDatabase, location: DatabaseLocation, sqlite: SQLiteConnection?, postgres: PostgresConnection?,
        logger: Logger
    ) {
        self.dialect = dialect
        self.sql = sql
        self.location = location
        self.sqlite = sqlite
        self.postgres = postgres
        self.logger = logger
    }

    /// Opens the database. It need not hold Channelbook's tables yet: `Migrations` create them.
    public static func open(_ location: DatabaseLocation, logger: Logger = Logger(label: "channelbook.store")) async throws -> ChannelbookDatabase {
        switch location {
        case .sqlite(let path):
            let connection = try await SQLiteConnection.open(storage: .file(path: path), logger: logger)
            let database = ChannelbookDatabase(
                dialect: .sqlite, sql: connection.sql(queryLogLevel: nil), location: location, sqlite: connection, postgres: nil, logger: logger)
            // WAL lets readers (the web app) work while an import writes; the busy timeout waits out short locks.
            for pragma in ["PRAGMA journal_mode = WAL", "PRAGMA busy_timeout = 5000", "PRAGMA foreign_keys = ON", "PRAGMA synchronous = NORMAL"] {
                try await database.sql.raw("\(unsafeRaw: pragma)").run()
            }
            return database
        case .postgres(let url):
            let configuration: SQLPostgresConfiguration
            do { configuration = try SQLPostgresConfiguration(url: url) } catch {
                throw StoreError.badDatabaseURL(DatabaseLocation.redacted(url))
            }
            let connection = try await PostgresConnection.connect(
                on: MultiThreadedEventLoopGroup.singleton.any(), configuration: configuration.coreConfiguration, id: 1, logger: logger)
            let database = ChannelbookDatabase(
                dialect: .postgres, sql: connection.sql(queryLogLevel: nil), location: location, sqlite: nil, postgres: connection, logger: logger)
            try await database.sql.raw("SET client_min_messages = warning").run()
            return database
        }
    }

    public func close() async {
        try? await sqlite?.close()
        if let postgres { try? await postgres.close() }
    }

    /// Runs `body` in one transaction: all of its writes, or none of them if it throws.
    public func transaction<T>(_ body: () async throws -> T) async throws -> T {
        try await sql.raw(dialect == .sqlite ? "BEGIN IMMEDIATE" : "BEGIN").run()
        do {
            let result = try await body()
            try await sql.raw("COMMIT").run()
            return result
        } catch {
            try? await sql.raw("ROLLBACK").run()
            throw error
        }
    }
}

/// An error whose description is meant for the person who asked: a refusal, not a failure.
/// Every caller shows it as it is (stderr and a non-zero exit, or an HTTP 4xx with the message).
public protocol RefusalError: Error, CustomStringConvertible {}

/// What the store refuses, in words for the person at the command line.
public enum StoreError: RefusalError, Equatable, Sendable {
    case badDatabaseURL(String)
    case notInitialised(String)
    case programConflict(String)
    case quarterNotClosed(Quarter)
    case nothingToClose(Quarter)

    public var description: String {
        switch self {
        case .badDatabaseURL(let url): return "'\(url)' is not a PostgreSQL URL (postgres://user:password@host:5432/database)"
        case .notInitialised(let location):
            return "\(location) holds no Channelbook database: create one with `channelbook init` (same --db or --database-url)"
        case .programConflict(let message): return message
        case .quarterNotClosed(let quarter): return "\(quarter) has not been closed: run `channelbook close \(quarter)` first"
        case .nothingToClose(let quarter): return "\(quarter) has no sales lines and no closed referrals: nothing to close"
        }
    }
}

extension ChannelbookDatabase {
    /// Microseconds since 1970 for `at_us` columns: instants are integers, like money.
    static func nowMicroseconds(_ clock: () -> Date = Date.init) -> Int64 {
        Int64((clock().timeIntervalSince1970 * 1_000_000).rounded())
    }
}
