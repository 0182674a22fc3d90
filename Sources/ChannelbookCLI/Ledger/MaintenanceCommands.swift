import ArgumentParser
import ChannelbookStore
import Foundation

/// `channelbook backup --out FILE`: a consistent copy of the database, safe to run while `serve` is running.
struct BackupCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "backup", abstract: "Copy the database to a file while it is in use (SQLite: VACUUM INTO; PostgreSQL: pg_dump --format=custom).")

    @Option(help: "The backup file to write (replaced only once the new copy is complete and synced).", completion: .file()) var out: String
    @OptionGroup var database: DatabaseOptions

    func run() async throws {
        switch database.location {
        case .sqlite:
            try await database.perform { try await $0.backupSQLite(to: out) }
            Console.line("backed up \(database.location) to \(out)")
        case .postgres(let url):
            try await database.perform { try await $0.requireInitialised() }
            try PostgresDump.run(url: url, to: out)
            Console.line("backed up \(database.location) to \(out) (pg_dump custom format; restore with pg_restore)")
        }
    }
}

/// The one `pg_dump` command Channelbook runs and documents: custom format, no owners or privileges, so
/// `pg_restore --no-owner --dbname URL FILE` restores it into any empty database.
enum PostgresDump {
    static func arguments(url: String, file: String) -> [String] { ["--format=custom", "--no-owner", "--no-privileges", "--file=\(file)", url] }

    static func run(url: String, to path: String) throws {
        guard let pgDump = executable("pg_dump") else {
            throw CLIError("pg_dump is not installed (apt-get install postgresql-client); the backup command is: pg_dump \(arguments(url: "\"$DATABASE_URL\"", file: path).joined(separator: " "))")
        }
        try DurableFile.requireWritableDirectory(for: path)
        let temporary = try DurableFile.temporaryPath(beside: path)
        let process = Process()
        process.executableURL = URL(fileURLWithPath: pgDump)
        // The password goes through the environment, not the argument list every local user can read in /proc.
        var components = URLComponents(string: url)
        var environment = ProcessInfo.processInfo.environment
        if let password = components?.password {
            environment["PGPASSWORD"] = password
            components?.password = nil
        }
        process.environment = environment
        process.arguments = arguments(url: components?.string ?? url, file: temporary)
        let errors = Pipe()
        process.standardError = errors
        try process.run()
        let message = String(decoding: errors.fileHandleForReading.readDataToEndOfFile(), as: UTF8.self)
        process.waitUntilExit()
        guard process.terminationStatus == 0 else {
            DurableFile.removeQuietly(temporary)
            throw CLIError("pg_dump failed: \(message.trimmingCharacters(in: .whitespacesAndNewlines))")
        }
        try DurableFile.commit(temporary, to: path)
    }

    private static func executable(_ name: String) -> String? {
        let path = ProcessInfo.processInfo.environment["PATH"] ?? "/usr/bin:/bin"
        var candidates = path.split(separator: ":").map { "\($0)/\(name)" }
        // Debian installs the versioned client tools here, not on PATH.
        if let versions = try? FileManager.default.contentsOfDirectory(atPath: "/usr/lib/postgresql") {
            candidates += versions.sorted { (Int($0) ?? 0) > (Int($1) ?? 0) }.map { "/usr/lib/postgresql/\($0)/bin/\(name)" }
        }
        return candidates.first { FileManager.default.isExecutableFile(atPath: $0) }
    }
}

/// `channelbook check`: the database's invariants; exit 1 with each broken one.
struct CheckCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "check", abstract: "Check the database: totals equal their lines, statements equal their lines, the audit log accounts for every money action.")

    @OptionGroup var database: DatabaseOptions

    func run() async throws {
        let problems = try await database.perform { try await $0.integrityProblems() }
        guard problems.isEmpty else { throw CLIError(lines: problems) }
        Console.line("\(database.location): every check passed (totals = lines, statements = lines, audit log complete)")
    }
}
