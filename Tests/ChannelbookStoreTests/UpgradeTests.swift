import ChannelbookCore
import Foundation
import Testing

@testable import ChannelbookStore

/// A database the previous release wrote (Tests/Fixtures/upgrade, made by scripts/make-upgrade-fixture.sh)
/// opens, migrates to this release's schema, passes `check`, and keeps working: its paid money unchanged.
@Suite struct UpgradeTests {
    private static let fixtures = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent()
        .appendingPathComponent("Fixtures/upgrade")

    @Test(arguments: TestDatabase.available)
    func aDatabaseFromThePreviousReleaseOpensMigratesAndKeepsItsMoney(database kind: TestDatabase) async throws {
        let location = try await kind.makeLocation()
        defer { Task { try? await kind.dispose(location) } }
        switch location {
        case .sqlite(let path):
            try FileManager.default.copyItem(atPath: Self.fixtures.appendingPathComponent("previous.sqlite").path, toPath: path)
        case .postgres(let url):
            try Self.psql(url: url, file: Self.fixtures.appendingPathComponent("previous-postgres.sql").path)
        }
        let database = try await ChannelbookDatabase.open(location)
        do {
            try await database.requireInitialised()
            let version = try await database.plainRows("SELECT MAX(version) FROM schema_migrations").first?.integer(0)
            #expect(version == Int64(Migrations.all.last!.version))
            #expect(try await database.integrityProblems() == [])
            let q1 = try Quarter.parse("2026Q1"), q2 = try Quarter.parse("2026Q2")
            let paid = try await database.statements(for: q1, status: .paid)
            #expect(!paid.isEmpty)
            let paidTotal = try Money.sum(paid.map(\.total), currency: .aud)
            #expect(try await database.count("sales_lines") == 300)
            // The old database keeps working: a late line, a close, an approval.
            try await database.importText(
                .sales, "line_id,date,source,reseller,customer,sku,category,seats,amount,currency\nUPGRADE-1,2026-05-01,DIRECT,"
                    + (try await database.plainRows("SELECT code FROM partners WHERE kind = 'reseller' ORDER BY code").first!.text(0))
                    + ",Customer,"
                    + (try await database.plainRows("SELECT sku FROM price_book ORDER BY sku").first!.text(0))
                    + ",hardware,1,10.00,AUD\n")
            _ = try await database.closeQuarter(q2)
            try await database.approveStatements(q2, actor: "finance")
            let paidAfter = try Money.sum(try await database.statements(for: q1, status: .paid).map(\.total), currency: .aud)
            #expect(paidAfter == paidTotal)
            #expect(try await database.integrityProblems() == [])
            await database.close()
        } catch {
            await database.close()
            throw error
        }
    }

    /// Restores a plain `pg_dump` file with psql (installed with the PostgreSQL server CI starts).
    private static func psql(url: String, file: String) throws {
        let candidates = ["/usr/bin/psql", "/usr/local/bin/psql"]
            + ((try? FileManager.default.contentsOfDirectory(atPath: "/usr/lib/postgresql")) ?? []).map { "/usr/lib/postgresql/\($0)/bin/psql" }
        let psql = try #require(candidates.first { FileManager.default.isExecutableFile(atPath: $0) }, "psql is needed to restore the fixture")
        let process = Process()
        process.executableURL = URL(fileURLWithPath: psql)
        process.arguments = ["--quiet", "--no-psqlrc", "-v", "ON_ERROR_STOP=1", "--dbname", url, "--file", file]
        process.standardOutput = FileHandle.nullDevice
        try process.run()
        process.waitUntilExit()
        #expect(process.terminationStatus == 0)
    }
}
