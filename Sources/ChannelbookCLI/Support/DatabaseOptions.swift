import ArgumentParser
import ChannelbookCore
import ChannelbookImport
import ChannelbookStore
import Foundation

/// `--db PATH` or `--database-url URL` (also `DATABASE_URL`): which database a command works on.
///
/// Flags win over the environment, and the environment over the default `./channelbook.sqlite`.
struct DatabaseOptions: ParsableArguments {
    @Option(name: .customLong("db"), help: "SQLite database file (default ./channelbook.sqlite).", completion: .file())
    var path: String?

    @Option(name: .customLong("database-url"), help: "PostgreSQL URL, postgres://user:password@host:5432/database (also DATABASE_URL).")
    var url: String?

    static let defaultPath = "./channelbook.sqlite"

    var location: DatabaseLocation {
        if let url { return .postgres(url: url) }
        if let path { return .sqlite(path: path) }
        if let url = ProcessInfo.processInfo.environment["DATABASE_URL"], !url.isEmpty { return .postgres(url: url) }
        return .sqlite(path: Self.defaultPath)
    }

    func validate() throws {
        if path != nil && url != nil { throw ValidationError("give --db or --database-url, not both") }
    }

    /// Opens the database for the length of `body`. Only `init` may create a SQLite file that does not exist.
    func withDatabase<T>(creating: Bool = false, _ body: (ChannelbookDatabase) async throws -> T) async throws -> T {
        try await Self.withDatabase(at: location, creating: creating, body)
    }

    /// Opens the database at `location` for the length of `body` (`serve` resolves its location from its settings).
    static func withDatabase<T>(at location: DatabaseLocation, creating: Bool = false, _ body: (ChannelbookDatabase) async throws -> T) async throws -> T {
        if case .sqlite(let path) = location, !creating, !FileManager.default.fileExists(atPath: path) {
            throw CLIError("\(path) does not exist: create a database with `channelbook init\(path == Self.defaultPath ? "" : " --db \(path)")`")
        }
        let database: ChannelbookDatabase
        do { database = try await ChannelbookDatabase.open(location) } catch let error as any RefusalError {
            throw CLIError("\(error)")
        } catch {
            throw CLIError("cannot open \(location): \(error)")
        }
        do {
            let result = try await body(database)
            await database.close()
            return result
        } catch {
            await database.close()
            throw error
        }
    }
}

extension DatabaseOptions {
    /// Runs `body` on the database, every refusal (import problems, store and program errors) turned into
    /// the CLI's error form: the message on stderr and a non-zero exit.
    func perform<T>(_ body: (ChannelbookDatabase) async throws -> T) async throws -> T {
        try await reportingStoreErrors { try await withDatabase(body) }
    }
}

/// Turns store and import errors into the CLI's error form (stderr, non-zero exit).
func reportingStoreErrors<T>(_ body: () async throws -> T) async throws -> T {
    do { return try await body() } catch let problems as ImportProblems {
        throw CLIError(lines: problems.lines)
    } catch let error as any RefusalError {
        throw CLIError("\(error)")
    } catch let error as ProgramFileError {
        throw CLIError(lines: error.lines)
    } catch {
        // A driver's error (a lost connection, a busy database) in words, not the driver's generic text.
        if let failure = DatabaseFailure.translate(error) as? DatabaseFailure { throw CLIError(failure.message) }
        throw error
    }
}
