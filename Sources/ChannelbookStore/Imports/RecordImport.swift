import ChannelbookCore
import ChannelbookImport
import Foundation

extension ChannelbookDatabase {
    /// Imports records given as values (the API's JSON) exactly as a file of `kind` with these columns would be:
    /// the same checks, the same all-or-nothing, the same audit. The records pass through a private temporary file
    /// (0600), removed when the import ends, so the importers keep one way in.
    public func importRecords(_ kind: ImportKind, columns: [String], records: [[String]], name: String, actor: String) async throws -> ImportSummary {
        let path = FileManager.default.temporaryDirectory.appendingPathComponent("channelbook-records-\(UUID().uuidString).csv").path
        // Every cell quoted: a value is stored as given (no spreadsheet-formula guard: this file is read back by the importer only).
        func cell(_ text: String) -> String { "\"" + text.replacingOccurrences(of: "\"", with: "\"\"") + "\"" }
        let text = ([columns] + records).map { $0.map(cell).joined(separator: ",") }.joined(separator: "\n") + "\n"
        guard FileManager.default.createFile(atPath: path, contents: Data(text.utf8), attributes: [.posixPermissions: 0o600]) else {
            throw CocoaError(.fileWriteUnknown)
        }
        defer { try? FileManager.default.removeItem(atPath: path) }
        return try await importFile(kind, path: path, name: name, actor: actor)
    }
}

extension ImportProblems {
    /// The problems of records imported from a list: `rows[0].tier: …` rather than a file's line (line 2 is record 0).
    public var recordProblems: [String] {
        var lines = first.map { problem in
            let place = problem.line >= 2 ? "rows[\(problem.line - 2)]" : "rows"
            return problem.field.isEmpty ? "\(place): \(problem.message)" : "\(place).\(problem.field): \(problem.message)"
        }
        if count > first.count { lines.append("… and \(count - first.count) more problems") }
        return lines
    }
}
