import ChannelbookCore
import NIOConcurrencyHelpers
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
        _ = try await storeProgram(toml: toml, actor: actor)
        schema.markDone()
    }

    /// Refuses to work on a database `channelbook init` has not prepared, saying how to prepare it.
    /// Checked once per connection (once per pool): not a query before every query.
    public func requireInitialised() async throws {
        if schema.isDone { return }
        guard try await Migrations.isInitialised(self) else { throw StoreError.notInitialised(location.description) }
        try await Migrations.apply(to: self)  // a newer binary brings an older database up to date
        schema.markDone()
    }

    /// Stores a program version, keyed by its `effective_from`. Storing the same text again changes nothing;
    /// a different program with an `effective_from` already stored is refused, because figures computed
    /// under the stored one must stay explainable by it.
    @discardableResult
    public func storeProgram(toml: String, actor: String = "system") async throws -> StoredProgram {
        // A new version changes what every close computes: it takes the ledger's turn, in one transaction.
        try await transaction(locking: [.ledger]) { try await storeProgramVersion(toml: toml, actor: actor) }
    }

    private func storeProgramVersion(toml: String, actor: String) async throws -> StoredProgram {
        let program = try ProgramFile.parse(toml)
        let effectiveFrom = program.effectiveFrom.description
        if let existing = try await sql.raw("SELECT id, program_toml FROM program_versions WHERE effective_from = \(bind: effectiveFrom)").first() {
            // The same rules written differently (a comment, or a setting now spelled out at its default) are the same version.
            let stored = try existing.decode(column: "program_toml", as: String.self)
            guard try stored == toml || ProgramFile.parse(stored) == program else {
                throw StoreError.programConflict(
                    "a different program effective from \(effectiveFrom) is already stored; give the new version a later effective_from")
            }
            return StoredProgram(id: try existing.decode(column: "id", as: Int64.self), program: program, toml: stored)
        }
        let segmentsBefore = try await latestStoredProgram()?.program.segments
        let row = try await sql.raw(
            """
            INSERT INTO program_versions (name, currency, effective_from, program_toml, stored_at_us)
            VALUES (\(bind: program.name), \(bind: program.currency.code), \(bind: effectiveFrom), \(bind: toml), \(bind: Self.nowMicroseconds()))
            RETURNING id
            """
        ).first()
        try await noteLedgerChange()
        try await audit(actor: actor, action: "store program", subject: program.versionLabel, after: "\(program.currency.code), at most \(program.nationalMax) national resellers")
        // Analytics read every quarter through the newest program's segments: new ones regroup the kept totals.
        let segmentsAfter = try await latestProgram().program.segments
        if let segmentsBefore, segmentsBefore != segmentsAfter {
            try await SegmentedTotals.resegment(self, by: segmentsAfter)
            try await audit(
                actor: actor, action: "resegment sales totals", subject: program.versionLabel, before: segmentsBefore.descriptions.joined(separator: "; "),
                after: segmentsAfter.descriptions.joined(separator: "; "))
        }
        return StoredProgram(id: try row!.decode(column: "id", as: Int64.self), program: program, toml: toml)
    }

    /// The program version in force on `date`: the latest one effective on or before it (else the earliest).
    public func program(on date: BusinessDate) async throws -> StoredProgram {
        // The version in force on the date, or the first one for a date before every version.
        let rows = try await plainRows(
            """
            SELECT id, program_toml, 0 AS preference FROM (SELECT id, program_toml FROM program_versions WHERE effective_from <= $1
                                                           ORDER BY effective_from DESC LIMIT 1) AS in_force
            UNION ALL SELECT id, program_toml, 1 AS preference FROM (SELECT id, program_toml FROM program_versions ORDER BY effective_from LIMIT 1) AS first
            ORDER BY preference LIMIT 1
            """, [.text(date.description)])
        guard let chosen = rows.first else { throw StoreError.notInitialised(location.description) }
        let toml = try chosen.text(1)
        return StoredProgram(id: try chosen.integer(0), program: try ParsedPrograms.shared.program(toml), toml: toml)
    }

    /// The newest program version, or `nil` before the first is stored.
    private func latestStoredProgram() async throws -> StoredProgram? {
        guard try await plainRows("SELECT COUNT(*) FROM program_versions", []).first?.integer(0) ?? 0 > 0 else { return nil }
        return try await latestProgram()
    }

    /// The newest program version: the one whose currency imports are checked against.
    public func latestProgram() async throws -> StoredProgram {
        try await program(on: BusinessDate(year: 9999, month: 12, day: 31)!)
    }
}

/// Programs parsed once per process: a stored version's text never changes, and parsing TOML on every
/// statement read measured as most of its cost.
final class ParsedPrograms: Sendable {
    static let shared = ParsedPrograms()
    private let parsed = NIOLockedValueBox<[String: Program]>([:])

    func program(_ toml: String) throws -> Program {
        if let program = parsed.withLockedValue({ $0[toml] }) { return program }
        let program = try ProgramFile.parse(toml)
        parsed.withLockedValue { cache in
            if cache.count >= 64 { cache.removeAll() }  // a handful of versions in practice; tests open many databases
            cache[toml] = program
        }
        return program
    }
}
