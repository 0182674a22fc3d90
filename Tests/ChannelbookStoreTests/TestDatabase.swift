import ChannelbookCore
import Foundation
import PostgresKit
import SQLKit
import Testing

@testable import ChannelbookStore

/// The databases every storage contract test runs against: SQLite always, PostgreSQL whenever
/// `CHANNELBOOK_TEST_POSTGRES_URL` names a server (CI starts one).
enum TestDatabase: String, CaseIterable, CustomTestStringConvertible, Sendable {
    case sqlite
    case postgres

    static var available: [TestDatabase] {
        ProcessInfo.processInfo.environment["CHANNELBOOK_TEST_POSTGRES_URL"]?.isEmpty == false ? [.sqlite, .postgres] : [.sqlite]
    }

    var testDescription: String { rawValue }

    /// Runs `body` on a fresh, initialised database of this kind, removed afterwards.
    func with<T>(programTOML: String = Program.articleTOML, _ body: (ChannelbookDatabase) async throws -> T) async throws -> T {
        let location = try await makeLocation()
        let database = try await ChannelbookDatabase.open(location)
        do {
            try await database.initialise(programTOML: programTOML)
            let result = try await body(database)
            await database.close()
            try await dispose(location)
            return result
        } catch {
            await database.close()
            try? await dispose(location)
            throw error
        }
    }

    /// A location for a database that does not exist yet.
    func makeLocation() async throws -> DatabaseLocation {
        let name = "cb_test_\(UUID().uuidString.prefix(12).lowercased().replacingOccurrences(of: "-", with: ""))"
        switch self {
        case .sqlite:
            return .sqlite(path: FileManager.default.temporaryDirectory.appendingPathComponent("\(name).sqlite").path)
        case .postgres:
            let admin = try await ChannelbookDatabase.open(.postgres(url: Self.serverURL))
            try await admin.sql.raw("CREATE DATABASE \(unsafeRaw: name)").run()
            await admin.close()
            var components = URLComponents(string: Self.serverURL)!
            components.path = "/\(name)"
            return .postgres(url: components.string!)
        }
    }

    func dispose(_ location: DatabaseLocation) async throws {
        switch location {
        case .sqlite(let path):
            for suffix in ["", "-wal", "-shm"] { try? FileManager.default.removeItem(atPath: path + suffix) }
        case .postgres(let url):
            let name = URLComponents(string: url)!.path.dropFirst()
            let admin = try await ChannelbookDatabase.open(.postgres(url: Self.serverURL))
            try await admin.sql.raw("DROP DATABASE IF EXISTS \(unsafeRaw: String(name))").run()
            await admin.close()
        }
    }

    static var serverURL: String { ProcessInfo.processInfo.environment["CHANNELBOOK_TEST_POSTGRES_URL"] ?? "" }
}

/// Writes `text` to a file named `name` in a fresh folder and returns its path.
func fixtureFile(_ name: String, _ text: String) throws -> String {
    let folder = FileManager.default.temporaryDirectory.appendingPathComponent("cb-fixture-\(UUID().uuidString)")
    try FileManager.default.createDirectory(at: folder, withIntermediateDirectories: true)
    let path = folder.appendingPathComponent(name).path
    try text.write(toFile: path, atomically: true, encoding: .utf8)
    return path
}

extension ChannelbookDatabase {
    /// Imports a fixture written from `text`; problems are reported by the file name alone.
    @discardableResult
    func importText(_ kind: ImportKind, _ text: String) async throws -> ImportSummary {
        let name = "\(kind.rawValue).csv"
        return try await importFile(kind, path: try fixtureFile(name, text), name: name)
    }

    func count(_ table: String) async throws -> Int {
        try await sql.raw("SELECT COUNT(*) AS n FROM \(unsafeRaw: table)").first()!.decode(column: "n", as: Int.self)
    }
}

/// A checksum-valid ABN ending in `tail` (nine digits), as the ATO's algorithm defines it.
func validABN(_ tail: String) -> String {
    precondition(tail.count == 9)
    let weights = [10, 1, 3, 5, 7, 9, 11, 13, 15, 17, 19]
    for first in 10...99 {
        let digits = [first / 10 - 1, first % 10] + tail.map { Int(String($0))! }
        if zip(digits, weights).reduce(0, { $0 + $1.0 * $1.1 }) % 89 == 0 { return "\(first)\(tail)" }
    }
    preconditionFailure("no ABN ends in \(tail)")
}
