import PostgresNIO
import SQLiteNIO

/// A database error in words for the person who asked, never the driver's generic text.
///
/// Conflicts (another writer holds what this one needs, a deadlock, a duplicate written at the same moment)
/// are worth retrying and are answered 409; an unreachable or timed-out database is answered 503; a sum beyond
/// 64 bits (figures stored beyond the line limits) is answered 422.
public struct DatabaseFailure: RefusalError, Equatable, Sendable {
    public enum Kind: String, Sendable {
        /// Another writer holds the database or the lock this write needs; try again.
        case busy
        /// Two transactions waited on each other; one was cancelled.
        case deadlock
        /// A row written by someone else at the same moment conflicts with this one.
        case duplicate
        /// The database took longer than its statement timeout.
        case timeout
        /// The connection to the database was lost or could not be made.
        case unavailable
        /// A sum the database computed does not fit in 64 bits: stored figures beyond the line limits.
        case outOfRange
        /// A value the schema refuses (a text beyond its limit): the store's own checks normally say it first.
        case constraint
    }

    public let kind: Kind
    public let message: String

    public var description: String { message }

    /// Whether asking again later may succeed (the HTTP answer is 409 then, otherwise 503).
    public var isConflict: Bool { kind == .busy || kind == .deadlock || kind == .duplicate }

    /// `error` as a `DatabaseFailure` when the driver reported one of the kinds above; otherwise unchanged.
    public static func translate(_ error: any Error) -> any Error {
        if error is any RefusalError { return error }  // already in words, DatabaseFailure included
        if let failure = postgresFailure(error) ?? sqliteFailure(error) { return failure }
        return error
    }

    /// Runs `body`, translating what it throws.
    static func translating<T>(_ body: () async throws -> T) async throws -> T {
        do { return try await body() } catch { throw translate(error) }
    }

    /// PostgreSQL errors arrive as `PSQLError` from PostgresNIO's own calls and as the older `PostgresError` through
    /// sql-kit; both carry the server's SQLSTATE, which decides the meaning.
    private static func postgresFailure(_ error: any Error) -> DatabaseFailure? {
        if let error = error as? PSQLError {
            switch error.code {
            case .server:
                return serverFailure(state: error.serverInfo?[.sqlState] ?? "", detail: error.serverInfo?[.message] ?? "")
            case .connectionError, .serverClosedConnection, .clientClosedConnection, .uncleanShutdown, .poolClosed:
                return lostConnection
            case .queryCancelled:
                return DatabaseFailure(kind: .timeout, message: "the database query was cancelled: try again")
            default:
                return nil
            }
        }
        switch error as? PostgresError {
        case .server(let server)?: return serverFailure(state: server.fields[.sqlState] ?? "", detail: server.fields[.message] ?? "")
        case .connectionClosed?: return lostConnection
        default: return nil
        }
    }

    private static let outOfRange = DatabaseFailure(
        kind: .outOfRange, message: "a sum of stored amounts does not fit in 64 bits: `channelbook check` shows which figures are stored wrong")

    static let lostConnection = DatabaseFailure(kind: .unavailable, message: "the connection to the database was lost: try again later")

    private static func serverFailure(state: String, detail: String) -> DatabaseFailure? {
        switch state {
        case "40P01":
            return DatabaseFailure(kind: .deadlock, message: "the database cancelled this change because it collided with another one at the same moment: try again")
        case "40001":
            return DatabaseFailure(kind: .busy, message: "another change to the same figures happened at the same moment: try again")
        case "55P03":
            return DatabaseFailure(kind: .busy, message: "the database is busy with another change (an import or a close): try again in a moment")
        case "23505":
            return DatabaseFailure(kind: .duplicate, message: "someone else saved the same record at the same moment (\(detail)): reload and try again")
        case "57014":
            return DatabaseFailure(kind: .timeout, message: "the database took too long and the request was cancelled (statement timeout): try again, or ask an administrator")
        case "22003":
            return outOfRange
        case "23514":
            return DatabaseFailure(kind: .constraint, message: "the database refused a value: \(detail)")
        case "25P03":
            return DatabaseFailure(kind: .timeout, message: "the transaction stayed idle too long and the database ended it: try again")
        case let state where state.hasPrefix("08") || state.hasPrefix("57P"):
            return DatabaseFailure(kind: .unavailable, message: "the database server is unavailable (\(detail)): try again later")
        default:
            return nil
        }
    }

    /// Another process has held the SQLite database's write lock beyond the busy timeout.
    static let sqliteBusy = DatabaseFailure(
        kind: .busy,
        message: "the database is busy: another program has been writing to it for more than \(SQLiteSettings.busyTimeoutMilliseconds / 1000) s; try again when it has finished")

    /// sqlite-nio's queries fail with `SQLiteError`, the store's own prepared statements with `SQLiteStatementFailure`:
    /// both are sorted into the same few kinds, and each kind means the same here.
    private static func sqliteFailure(_ error: any Error) -> DatabaseFailure? {
        if let error = error as? SQLiteStatementFailure { return sqliteFailure(error.kind, message: error.message) }
        guard let error = error as? SQLiteError else { return nil }
        let kind: SQLiteFailureKind
        switch error.reason {
        case .busy, .busyTimeout, .busyInRecovery, .busyInSnapshot, .locked, .lockedBySharedCache, .lockedVirtualTable: kind = .busy
        case .cantOpen, .cantOpenDirectory, .cantOpenInvalidPath, .cantOpenCygwinPath, .cantOpenUnfollowedSymlink: kind = .cantOpen
        case .constraint, .constraintCheckFailed, .constraintTriggerFailed: kind = .refusedValue
        default: kind = .other
        }
        return sqliteFailure(kind, message: error.message)
    }

    private static func sqliteFailure(_ kind: SQLiteFailureKind, message: String) -> DatabaseFailure? {
        switch kind {
        case .busy: return sqliteBusy
        case .cantOpen: return DatabaseFailure(kind: .unavailable, message: "the database file cannot be opened: \(message)")
        case _ where message.contains("integer overflow"): return outOfRange
        case .refusedValue: return DatabaseFailure(kind: .constraint, message: "the database refused a value: \(message)")
        default: return nil
        }
    }
}

/// What a SQLite failure means to Channelbook. A key already taken or a missing reference is none of these: it is a
/// bug, answered as one.
enum SQLiteFailureKind {
    case busy, cantOpen, refusedValue, other
}
