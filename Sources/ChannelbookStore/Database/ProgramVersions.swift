import ChannelbookCore
import SQLKit

/// A program version as stored: its row id, the validated program and the TOML it came from.
public struct StoredProgram: Sendable {
    public let id: Int64
    public let program: Program
    public let toml: String
}

extension ChannelbookDatabase {
    /// Creates Channelbook's tables (or brings them up to date) and stores `toml` as a program version.
    public func initialise(programTOML toml: String, actor: String = "system") async throws {
        try await Migrations.apply(to: self)
        try await transaction { _ = try await storeProgram(toml: toml, actor: actor) }
    }

    /// Refuses to work on a database `channelbook init` has not prepared, saying how to prepare it.
    public func requireInitialised() async throws {
        guard try await Migrations.isInitialised(self) else { throw StoreError.notInitialised(location.description) }
        try await Migrations.apply(to: self)  // a newer binary brings an older database up to date
    }

    /// Stores a program version, keyed by its `effective_from`. Storing the same text again changes nothing;
    /// a different program with an `effective_from` already stored is refused, because figures computed
    /// under the stored one must stay explainable by it.
    @discardableResult
    public func storeProgram(toml: String, actor: String = "system") async throws -> StoredProgram {
        let program = try ProgramFile.parse(toml)
        let effectiveFrom = program.effectiveFrom.description
        if let existing = try await sql.raw("SELECT id, program_toml FROM program_versions WHERE effective_from = \(bind: effectiveFrom)").first() {
            guard try existing.decode(column: "program_toml", as: String.self) == toml else {
                throw StoreError.programConflict(
                    "a different program effective from \(effectiveFrom) is already stored; give the new version a later effective_from")
            }
            return StoredProgram(id: try existing.decode(column: "id", as: Int64.self), program: program, toml: toml)
        }
        let row = try await sql.raw(
            """
            INSERT INTO program_versions (name, currency, effective_from, program_toml, stored_at_us)
            VALUES (\(bind: program.name), \(bind: program.currency.code), \(bind: effectiveFrom), \(bind: toml), \(bind: Self.nowMicroseconds()))
            RETURNING id
            """
        ).first()
        try await audit(actor: actor, action: "store program", subject: program.versionLabel, after: "\(program.currency.code), national_max \(program.nationalMax)")
        return StoredProgram(id: try row!.decode(column: "id", as: Int64.self), program: program, toml: toml)
    }

    /// The program version in force on `date`: the latest one effective on or before it (else the earliest).
    public func program(on date: BusinessDate) async throws -> StoredProgram {
        let rows = try await sql.raw("SELECT id, program_toml, effective_from FROM program_versions ORDER BY effective_from").all()
        guard !rows.isEmpty else { throw StoreError.notInitialised(location.description) }
        let chosen = try rows.last { try $0.decode(column: "effective_from", as: String.self) <= date.description } ?? rows[0]
        let toml = try chosen.decode(column: "program_toml", as: String.self)
        return StoredProgram(id: try chosen.decode(column: "id", as: Int64.self), program: try ProgramFile.parse(toml), toml: toml)
    }

    /// The newest program version: the one whose currency imports are checked against.
    public func latestProgram() async throws -> StoredProgram {
        try await program(on: BusinessDate(year: 9999, month: 12, day: 31)!)
    }
}
