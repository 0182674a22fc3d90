import ChannelbookCore
import ChannelbookStore
import Foundation
import SQLKit
import Testing

/// The database flags for a fresh database of each kind: SQLite always, PostgreSQL when CI provides a server.
enum CLIDatabase: String, CaseIterable, Sendable {
    case sqlite, postgres

    static var available: [CLIDatabase] {
        ProcessInfo.processInfo.environment["CHANNELBOOK_TEST_POSTGRES_URL"]?.isEmpty == false ? [.sqlite, .postgres] : [.sqlite]
    }

    /// Flags naming a database that does not exist yet (created empty on PostgreSQL, as a DBA would).
    func freshFlags() async throws -> [String] {
        let name = "cb_cli_\(UUID().uuidString.prefix(8).lowercased())"
        switch self {
        case .sqlite:
            return ["--db", FileManager.default.temporaryDirectory.appendingPathComponent("\(name).sqlite").path]
        case .postgres:
            let server = ProcessInfo.processInfo.environment["CHANNELBOOK_TEST_POSTGRES_URL"]!
            let admin = try await ChannelbookDatabase.open(.postgres(url: server))
            try await admin.sql.raw("CREATE DATABASE \(unsafeRaw: name)").run()
            await admin.close()
            var components = URLComponents(string: server)!
            components.path = "/\(name)"
            return ["--database-url", components.string!]
        }
    }
}

@Suite struct LedgerCommandTests {
    static let partners = """
        code,name,kind,tier,distributors,abn
        D01,Ingot Micro,distributor,,,
        N01,National One,reseller,national,,
        P01,"Premier, One",reseller,premier,D01,
        A01,Associate One,reseller,associate,D01,

        """
    static let pricebook = "sku,name,category,partner_buy_price,effective_from\nHW-1,Gateway,hardware,1000.00,2024-07-01\nSW-1,Suite,software,120.00,2024-07-01\n"
    static let sales = """
        line_id,date,source,reseller,customer,sku,category,seats,amount,currency
        D01-1,2026-01-10,D01,P01,Acme,HW-1,hardware,50,50000.00,AUD
        D01-2,2026-03-31,D01,P01,Acme,SW-1,software,1,-0.50,AUD
        INV-1,2026-02-01,DIRECT,N01,Bank,HW-1,hardware,100,100000.00,AUD
        D01-3,2026-02-01,D01,A01,Shop,HW-1,hardware,40,40000.00,AUD
        INV-2,2026-02-02,DIRECT,A01,Shop,SW-1,software,1,120.00,AUD

        """

    func write(_ files: [String: String]) throws -> URL {
        let folder = FileManager.default.temporaryDirectory.appendingPathComponent("cb-cli-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: folder, withIntermediateDirectories: true)
        for (name, text) in files { try text.write(to: folder.appendingPathComponent(name), atomically: true, encoding: .utf8) }
        return folder
    }

    @Test(arguments: CLIDatabase.available)
    func fromCSVFilesToTheRebatesCSV(database: CLIDatabase) async throws {
        let db = try await database.freshFlags()
        let folder = try write(["partners.csv": Self.partners, "pricebook.csv": Self.pricebook, "sales.csv": Self.sales])
        #expect(await channelbook(["init"] + db).exitCode == 0)
        for kind in ["partners", "pricebook"] {
            let output = await channelbook(["import", kind, folder.appendingPathComponent("\(kind).csv").path] + db)
            #expect(output.exitCode == 0, "\(output.stderr)")
        }
        let sales = await channelbook(["import", "sales", folder.appendingPathComponent("sales.csv").path] + db)
        #expect(sales.stdout == "imported 5 lines (5 new, 0 already present); 1 new route exception flagged for review\n")
        let again = await channelbook(["import", "sales", folder.appendingPathComponent("sales.csv").path] + db)
        #expect(again.stdout == "imported 5 lines (0 new, 5 already present)\n")

        let close = await channelbook(["close", "2026Q1"] + db)
        #expect(close.stdout == "closed 2026Q1 under Australian channel program (effective 2005-01-01): 2 rebates totalling 12499.98 AUD, 0 referral fees totalling 0.00 AUD; 2 draft statements, 0 adjustments\n")
        let rebates = await channelbook(["rebates", "2026Q1"] + db)
        #expect(rebates.exitCode == 0)
        #expect(
            rebates.stdout == """
                partner,quarter,tier,basis,rate_bps,rebate
                N01,2026Q1,national,100000.00,1000,10000.00
                P01,2026Q1,premier,49999.50,500,2499.98

                """)
        let json = await channelbook(["rebates", "2026Q1", "--format", "json"] + db)
        let objects = try #require(try JSONSerialization.jsonObject(with: Data(json.stdout.utf8)) as? [[String: Any]])
        #expect(objects.map { $0["rebate"] as? String } == ["10000.00", "2499.98"])
        #expect((objects.last?["explanation"] as? [String])?.contains("basis by source: D01 49999.50") == true)

        let exceptions = await channelbook(["exceptions", "2026Q1", "--format", "csv"] + db)
        #expect(exceptions.stdout == "reseller,date,source,line_id,amount,reason\nA01,2026-02-02,DIRECT,INV-2,120.00,direct_for_non_national\n")
    }

    @Test(arguments: CLIDatabase.available)
    func importErrorsNameFileLineAndFieldAndExitNonZero(database: CLIDatabase) async throws {
        let db = try await database.freshFlags()
        let folder = try write(["partners.csv": Self.partners, "pricebook.csv": Self.pricebook, "bad.csv": Self.sales + "D01-9,2026-02-30,D01,P01,Acme,HW-9,hardware,1,1.00,AUD\n"])
        _ = await channelbook(["init"] + db)
        _ = await channelbook(["import", "partners", folder.appendingPathComponent("partners.csv").path] + db)
        _ = await channelbook(["import", "pricebook", folder.appendingPathComponent("pricebook.csv").path] + db)
        let bad = folder.appendingPathComponent("bad.csv").path
        let output = await channelbook(["import", "sales", bad] + db)
        #expect(output.exitCode == 1)
        #expect(output.stdout.isEmpty)
        #expect(
            output.stderrLines == [
                "Error: \(bad):7: date: '2026-02-30' is not a day of the calendar",
                "\(bad):7: sku: 'HW-9' is not in the price book",  // every problem of the line, not the first
                "\(bad): 2 problems; nothing was imported",
            ])
        let rebates = await channelbook(["rebates", "2026Q1"] + db)
        #expect(rebates.exitCode == 1)
        #expect(rebates.stderr == "Error: 2026Q1 has not been closed: run `channelbook close 2026Q1` first\n")
    }

    @Test func commandsOnAMissingDatabaseSayHowToCreateOne() async {
        let path = FileManager.default.temporaryDirectory.appendingPathComponent("missing-\(UUID().uuidString).sqlite").path
        let output = await channelbook("close", "2026Q1", "--db", path)
        #expect(output.exitCode == 1)
        #expect(output.stderr == "Error: \(path) does not exist: create a database with `channelbook init --db \(path)`\n")
        #expect(!FileManager.default.fileExists(atPath: path))
        let badQuarter = await channelbook("close", "2026Q5", "--db", path)
        #expect(badQuarter.exitCode == 64)
    }

    @Test func generateWritesDeterministicImportableFiles() async throws {
        let first = FileManager.default.temporaryDirectory.appendingPathComponent("gen-\(UUID().uuidString)").path
        let second = FileManager.default.temporaryDirectory.appendingPathComponent("gen-\(UUID().uuidString)").path
        #expect(await channelbook("generate", "--partners", "60", "--lines", "3000", "--out", first).exitCode == 0)
        #expect(await channelbook("generate", "--partners", "60", "--lines", "3000", "--out", second).exitCode == 0)
        for file in ["partners.csv", "pricebook.csv", "sales.csv", "referrals.csv"] {
            let a = try Data(contentsOf: URL(fileURLWithPath: first).appendingPathComponent(file))
            let b = try Data(contentsOf: URL(fileURLWithPath: second).appendingPathComponent(file))
            #expect(a == b, "\(file) differs between two runs with one seed")
        }
        let db = ["--db", first + "/db.sqlite"]
        _ = await channelbook(["init"] + db)
        for kind in ["partners", "pricebook", "sales", "referrals"] {
            let output = await channelbook(["import", kind, "\(first)/\(kind).csv"] + db)
            #expect(output.exitCode == 0, "\(kind): \(output.stderr)")
        }
        let close = await channelbook(["close", "2026Q2"] + db)
        #expect(close.exitCode == 0, "\(close.stderr)")
        let rebates = await channelbook(["rebates", "2026Q2"] + db)
        #expect(rebates.stdoutLines.count > 2)
    }
}
