import Foundation
import Logging
import NIOConcurrencyHelpers
import PostgresNIO
import ServiceLifecycle
import SQLiteNIO

/// The connections a server shares among its requests. A request never holds a connection: it borrows one
/// for the length of a `read { db in … }` or `write { db in … }` and gives it back, so no request can see,
/// join, commit or roll back another's transaction.
///
/// - PostgreSQL: PostgresNIO's `PostgresClient`, at most `connections` connections; run it as a service
///   (`run()`) of the application's service group.
/// - SQLite: one writer connection (SQLite allows one writer at a time; in this process writers queue here
///   instead of on SQLite's lock) and `connections` read-only connections, which WAL lets read while the writer
///   writes.
public final class DatabasePool: Service, Sendable {
    public let location: DatabaseLocation
    public let dialect: SQLDialectKind
    private let backend: Backend
    private let logger: Logger
    /// Shared by the pool's connections: the schema is checked (and migrated) once.
    private let schema: SchemaCheck

    private enum Backend: Sendable {
        case sqlite(writer: ConnectionQueue, readers: ConnectionQueue)
        case postgres(PostgresClient)
    }

    /// The default number of connections: readers on SQLite, the pool's maximum on PostgreSQL.
    public static let defaultConnections = 8

    private init(location: DatabaseLocation, dialect: SQLDialectKind, backend: Backend, logger: Logger, schema: SchemaCheck) {
        self.location = location
        self.dialect = dialect
        self.backend = backend
        self.logger = logger
        self.schema = schema
    }

    /// Opens the pool. SQLite connections are opened here; PostgreSQL ones on demand once `run()` runs.
    public static func open(
        _ location: DatabaseLocation, connections: Int = defaultConnections, logger: Logger = Logger(label: "channelbook.store")
    ) async throws -> DatabasePool {
        switch location {
        case .sqlite(let path):
            let schema = SchemaCheck()
            let writer = try await DatabaseFailure.translating {
                try await ChannelbookDatabase.openSQLite(path: path, readOnly: false, logger: logger, schema: schema)
            }
            var readers: [ChannelbookDatabase] = []
            for _ in 0..<max(1, connections) {
                readers.append(
                    try await DatabaseFailure.translating {
                        try await ChannelbookDatabase.openSQLite(path: path, readOnly: true, logger: logger, schema: schema)
                    })
            }
            return DatabasePool(
                location: location, dialect: .sqlite, backend: .sqlite(writer: ConnectionQueue([writer]), readers: ConnectionQueue(readers)),
                logger: logger, schema: schema)
        case .postgres(let url):
            let settings = try PostgresSettings(url: url)
            let client = PostgresClient(configuration: settings.clientConfiguration(connections: connections), backgroundLogger: logger)
            return DatabasePool(location: location, dialect: .postgres, backend: .postgres(client), logger: logger, schema: SchemaCheck())
        }
    }

    /// Runs the pool until cancelled: PostgreSQL's client needs this task; SQLite's connections do not.
    public func run() async throws {
        switch backend {
        case .postgres(let client): await client.run()
        case .sqlite: try? await gracefulShutdown()  // nothing to run: connections are opened up front
        }
    }

    /// Borrows a connection for reading. On SQLite it refuses writes (`PRAGMA query_only`).
    public func read<T>(_ body: (ChannelbookDatabase) async throws -> T) async throws -> T {
        // The first borrower checks (and migrates) the schema through the writer: readers may not write.
        if !schema.isDone { try await write { try await $0.requireInitialised() } }
        switch backend {
        case .sqlite(_, let readers): return try await readers.lease(body)
        case .postgres(let client): return try await lease(client, body)
        }
    }

    /// Borrows the connection writes go through (on SQLite the only one; on PostgreSQL any of the pool's).
    public func write<T>(_ body: (ChannelbookDatabase) async throws -> T) async throws -> T {
        switch backend {
        case .sqlite(let writer, _): return try await writer.lease(body)
        case .postgres(let client): return try await lease(client, body)
        }
    }

    private func lease<T>(_ client: PostgresClient, _ body: (ChannelbookDatabase) async throws -> T) async throws -> T {
        do {
            return try await client.withConnection { connection in
                let database = ChannelbookDatabase(
                    dialect: .postgres, location: location, sqlite: nil, postgres: connection, logger: logger, schema: schema)
                defer {
                    // A transaction that could not be rolled back must not reach the next borrower: drop the connection.
                    if database.isInTransaction { connection.close().whenComplete { _ in } }
                }
                return try await body(database)
            }
        } catch {
            throw DatabaseFailure.translate(error)
        }
    }

    /// Closes SQLite's connections (PostgreSQL's close when `run()` is cancelled).
    public func close() async {
        guard case .sqlite(let writer, let readers) = backend else { return }
        await writer.closeAll()
        await readers.closeAll()
    }
}

/// A fixed set of things lent out one borrower at a time, first come first served; borrowers beyond the set
/// wait without holding a thread. The pool's connections and the SQLite writers' gate are both one.
final class TurnQueue<Resource: Sendable>: Sendable {
    private struct State {
        var idle: [Resource]
        var waiting: [CheckedContinuation<Resource, Never>] = []
    }

    private let state: NIOLockedValueBox<State>

    init(_ resources: [Resource]) { state = NIOLockedValueBox(State(idle: resources)) }

    func acquire() async -> Resource {
        await withCheckedContinuation { continuation in
            let ready: Resource? = state.withLockedValue { state in
                if let resource = state.idle.popLast() { return resource }
                state.waiting.append(continuation)
                return nil
            }
            if let ready { continuation.resume(returning: ready) }
        }
    }

    func release(_ resource: Resource) {
        let next: CheckedContinuation<Resource, Never>? = state.withLockedValue { state in
            if state.waiting.isEmpty {
                state.idle.append(resource)
                return nil
            }
            return state.waiting.removeFirst()
        }
        next?.resume(returning: resource)
    }
}

/// A fixed set of connections lent out one borrower at a time.
final class ConnectionQueue: Sendable {
    private let turns: TurnQueue<ChannelbookDatabase>
    private let all: [ChannelbookDatabase]

    init(_ connections: [ChannelbookDatabase]) {
        turns = TurnQueue(connections)
        all = connections
    }

    func lease<T>(_ body: (ChannelbookDatabase) async throws -> T) async throws -> T {
        let connection = await turns.acquire()
        defer { turns.release(connection) }
        try await connection.endLeftoverTransaction()
        return try await DatabaseFailure.translating { try await body(connection) }
    }

    func closeAll() async {
        for connection in all { await connection.close() }
    }
}

/// A lock that waits without holding a thread: one turn, lent first come first served.
final class AsyncGate: Sendable {
    private let turn = TurnQueue([()])

    func enter() async { await turn.acquire() }

    func leave() { turn.release(()) }

    /// One gate per SQLite file in this process. SQLite's own wait for its write lock (the busy timeout)
    /// sleeps on one of the few threads all SQLite calls share, so two writers of one process waiting that way
    /// can starve the writer they wait for; writers of one process take turns here instead, and the busy
    /// timeout is left for other processes.
    static func sqliteWriter(_ path: String) -> AsyncGate {
        let key = URL(fileURLWithPath: path).standardizedFileURL.path
        return sqliteWriters.withLockedValue { gates in
            if let gate = gates[key] { return gate }
            let gate = AsyncGate()
            gates[key] = gate
            return gate
        }
    }

    private static let sqliteWriters = NIOLockedValueBox<[String: AsyncGate]>([:])
}
