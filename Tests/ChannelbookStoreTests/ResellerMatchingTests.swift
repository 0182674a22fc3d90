import ChannelbookCore
import ChannelbookImport
import Testing

@testable import ChannelbookStore

/// Distributor reports as they arrive (PRODUCT.md section 3): names parked and mapped once per source, returns and
/// price adjustments as credits — on both databases.
@Suite struct ResellerMatchingTests {
    private static let q1 = try! Quarter.parse("2026Q1")
    private static let q2 = try! Quarter.parse("2026Q2")

    private func parkedCount(_ database: ChannelbookDatabase) async throws -> Int {
        try await database.sql.raw("SELECT COUNT(*) AS n FROM parked_sales_lines WHERE ignored = 0").first()!.decode(column: "n", as: Int.self)
    }

    private func total(_ database: ChannelbookDatabase, _ code: String) async throws -> Int64 {
        try await database.sql.raw(
            "SELECT CAST(COALESCE(SUM(t.amount_minor), 0) AS BIGINT) AS s FROM sales_totals t JOIN partners p ON p.id = t.reseller_id WHERE p.code = \(bind: code)"
        ).first()!.decode(column: "s", as: Int64.self)
    }

    @Test(arguments: TestDatabase.available)
    func aFileMixesResolvedParkedAndReimportedLines(database kind: TestDatabase) async throws {
        try await kind.with { database in
            try await seeded(database)
            let file = Fixtures.salesHeader + """
                M1,2026-01-10,D01,P01,Acme,HW-1,hardware,1,1000.00,AUD
                M2,2026-01-11,D01,Premier One Pty Ltd,Acme,HW-1,hardware,2,2000.00,AUD
                M3,2026-01-12,D01,PREMIER ONE LIMITED,Beta,SW-1,software,3,360.00,AUD
                M4,2026-01-13,D01,Z99,Gamma,SW-1,software,1,120.00,AUD
                M5,2026-01-14,D01,\(validABN("111111111")),Delta,SW-1,software,1,120.00,AUD
                """
            let first = try await database.importText(.sales, file)
            #expect(first.description == "imported 5 lines (1 new, 0 already present, 4 parked); 4 lines name resellers not known yet: parked until the name is mapped (channelbook matching list)")
            #expect(try await database.count("sales_lines") == 1)
            #expect(try await parkedCount(database) == 4)
            // The same file again parks nothing twice.
            let again = try await database.importText(.sales, file)
            #expect(again.new == 0 && again.present == 1 && again.parked == 4)
            #expect(try await parkedCount(database) == 4)
            // A parked line id with other content is a conflict, as in the ledger; the whole file is refused.
            let changed = Fixtures.salesHeader + "M2,2026-01-11,D01,Premier One Pty Ltd,Acme,HW-1,hardware,2,2500.00,AUD\n"
            #expect(await problems { try await database.importText(.sales, changed) } == ["sales.csv:2: line_id: M2 from D01 was parked before with other content"])
            // Two spellings that normalise alike are one name, suggested by the partner's name; an ABN by the partner's ABN.
            let names = try await database.parkedNames()
            #expect(names.map(\.writtenAs) == [validABN("111111111"), "PREMIER ONE LIMITED", "Z99"])
            #expect(names.dropFirst().first.map { ($0.lines, $0.amountMinor, $0.firstDate, $0.lastDate, $0.suggestion) } ?? (0, 0, "", "", nil) == (2, 236_000, "2026-01-11", "2026-01-12", PartnerCode("P01")))
            #expect(names[0].suggestion == nil && names[2].suggestion == nil)
            // Every other problem still fails the whole file and parks nothing.
            let bad = Fixtures.salesHeader + "B1,2026-01-10,D01,Unknown Co,Acme,HW-1,hardware,1,10.00,AUD\nB2,2026-01-10,D01,P01,Acme,XX-1,hardware,1,10.00,AUD\n"
            #expect(await problems { try await database.importText(.sales, bad) } == ["sales.csv:3: sku: 'XX-1' is not in the price book"])
            #expect(try await parkedCount(database) == 4)
        }
    }

    @Test(arguments: TestDatabase.available)
    func mappingANameMovesItsLinesAndResolvesItInLaterFilesFromThatSourceOnly(database kind: TestDatabase) async throws {
        try await kind.with { database in
            try await seeded(database)
            try await database.importText(.sales, Fixtures.salesHeader + "M1,2026-01-11,D01,Premier Two Co,Acme,HW-1,hardware,2,2000.00,AUD\nM2,2026-01-12,D02,Premier Two Co,Acme,HW-1,hardware,1,1000.00,AUD\n")
            // A mapping to a distributor, an unknown source and an empty name are refused.
            await #expect(throws: MatchingError.notAReseller("D02")) { try await database.mapResellerName(source: "D01", name: "Premier Two Co", to: "D02", actor: "admin") }
            await #expect(throws: MatchingError.unknownSource("D09")) { try await database.mapResellerName(source: "D09", name: "Premier Two Co", to: "P02", actor: "admin") }
            await #expect(throws: MatchingError.emptyName("--")) { try await database.mapResellerName(source: "D01", name: "--", to: "P02", actor: "admin") }
            let outcome = try await database.mapResellerName(source: "D01", name: "premier two", to: "P02", actor: "admin")
            #expect(outcome.description == "mapped to P02: 1 parked line moved into the ledger")
            #expect(try await total(database, "P02") == 200_000)
            // Mapped once: a second mapping of the name is refused.
            await #expect(throws: MatchingError.alreadyDecided(name: "PREMIER TWO", what: "mapped to P02")) {
                try await database.mapResellerName(source: "D01", name: "PREMIER TWO", to: "P01", actor: "admin")
            }
            // The D02 line of the same name stays parked: mappings are per source.
            #expect(try await database.parkedNames().map { "\($0.source) \($0.writtenAs)" } == ["D02 Premier Two Co"])
            #expect(try await database.parkedNames(source: "D01").isEmpty)
            // A later D01 file resolves the name without parking.
            let later = try await database.importText(.sales, Fixtures.salesHeader + "M3,2026-01-13,D01,Premier Two Pty Ltd,Acme,HW-1,hardware,1,1000.00,AUD\n")
            #expect(later.description == "imported 1 line (1 new, 0 already present)")
            #expect(try await total(database, "P02") == 300_000)
            // Re-importing the first file: the mapped line is present, the D02 one still parked, nothing twice.
            let again = try await database.importText(.sales, Fixtures.salesHeader + "M1,2026-01-11,D01,Premier Two Co,Acme,HW-1,hardware,2,2000.00,AUD\nM2,2026-01-12,D02,Premier Two Co,Acme,HW-1,hardware,1,1000.00,AUD\n")
            #expect(again.new == 0 && again.present == 1 && again.parked == 1)
            #expect(try await total(database, "P02") == 300_000)
            // The mapping is listed and audited.
            let decisions = try await database.resellerNameDecisions()
            #expect(decisions.map { "\($0.source) \($0.writtenAs) \($0.partner?.rawValue ?? "-") \($0.decidedBy)" } == ["D01 premier two P02 admin"])
            let audit = try await database.sql.raw("SELECT action, subject FROM audit_log WHERE action = 'map reseller name'").all()
            #expect(try audit.map { try $0.decode(column: "subject", as: String.self) } == ["D01 'premier two'"])
        }
    }

    @Test(arguments: TestDatabase.available)
    func mappingIntoAnApprovedQuarterTrueUpsOnTheNextStatement(database kind: TestDatabase) async throws {
        try await kind.with { database in
            try await seeded(database)
            try await database.importText(.sales, Fixtures.salesHeader + "S1,2026-01-10,D01,P01,Acme,HW-1,hardware,50,50000.00,AUD\nS2,2026-03-31,D01,P01,Acme,SW-1,software,1,-0.50,AUD\n")
            // The line that would carry P01 over 50,000.00 arrives under a name nobody knows yet.
            try await database.importText(.sales, Fixtures.salesHeader + "LATE1,2026-03-30,D01,Premier One (WA),Acme,SW-1,software,1,0.50,AUD\n")
            _ = try await database.closeQuarter(Self.q1)
            try await database.approveStatements(Self.q1, actor: "finance")
            #expect(try await database.statement(partner: "P01", quarter: Self.q1).total.decimalString == "2499.98")
            let outcome = try await database.mapResellerName(source: "D01", name: "Premier One (WA)", to: "P01", actor: "admin")
            #expect(outcome.lateLines == 1 && outcome.lateQuarters == [Self.q1])
            try await database.importText(.sales, Fixtures.salesHeader + "Q2-1,2026-04-02,D01,P02,Beta,HW-1,hardware,1,10.00,AUD\n")
            _ = try await database.closeQuarter(Self.q2)
            let next = try await database.statement(partner: "P01", quarter: Self.q2)
            #expect(next.lines.map(\.kind) == [.adjustment])
            #expect(next.lines.first?.amount.decimalString == "1250.02")
            #expect(try await database.statement(partner: "P01", quarter: Self.q1).total.decimalString == "2499.98")
        }
    }

    @Test(arguments: TestDatabase.available)
    func ignoringANameKeepsItsLinesOutOfTheLedgerAndTheList(database kind: TestDatabase) async throws {
        try await kind.with { database in
            try await seeded(database)
            try await database.importText(.sales, Fixtures.salesHeader + "I1,2026-01-10,D01,Test Account,Acme,HW-1,hardware,1,10.00,AUD\n")
            await #expect(throws: MatchingError.missingReason) { try await database.ignoreResellerName(source: "D01", name: "Test Account", reason: " ", actor: "admin") }
            #expect(try await database.ignoreResellerName(source: "D01", name: "Test Account", reason: "the distributor's own test orders", actor: "admin") == 1)
            #expect(try await database.parkedNames().isEmpty)
            let later = try await database.importText(.sales, Fixtures.salesHeader + "I2,2026-01-11,D01,TEST ACCOUNT,Acme,HW-1,hardware,1,10.00,AUD\n")
            #expect(later.description == "imported 1 line (0 new, 0 already present, 1 of names set aside)")
            #expect(try await database.count("sales_lines") == 0)
            #expect(try await database.resellerNameDecisions().map(\.ignoreReason) == ["the distributor's own test orders"])
        }
    }

    @Test(arguments: TestDatabase.available)
    func aDistributorSuggestsAndTheVendorMaps(database kind: TestDatabase) async throws {
        try await kind.with { database in
            try await seeded(database)
            try await database.importText(.sales, Fixtures.salesHeader + "G1,2026-01-10,D02,Assoc 1,Acme,HW-1,hardware,1,10.00,AUD\n")
            await #expect(throws: MatchingError.nothingParked(source: "D01", name: "Assoc 1")) {
                try await database.suggestPartner(source: "D01", name: "Assoc 1", partner: "P01", actor: "d01@example.com")
            }
            // A distributor learns nothing of other partners: an unknown code, a distributor and another's reseller alike.
            for code in ["Z99", "D01", "P01"] {
                await #expect(throws: MatchingError.notOneOfYourResellers(partner: code, source: "D02")) {
                    try await database.suggestPartner(source: "D02", name: "Assoc 1", partner: PartnerCode(code), actor: "d02@example.com")
                }
            }
            #expect(try await database.parkedNameCount(source: "D02") == 1)
            #expect(try await database.parkedNameCount(source: "D01") == 0)
            try await database.suggestPartner(source: "D02", name: "Assoc 1", partner: "A01", actor: "d02@example.com")
            let name = try #require(try await database.parkedNames(source: "D02").first)
            #expect(name.suggestion == "A01" && name.suggestedBy == "d02@example.com")
            _ = try await database.mapResellerName(source: "D02", name: name.writtenAs, to: name.suggestion!, actor: "admin")
            #expect(try await database.parkedNameCount(source: "D02") == 0)
            #expect(try await total(database, "A01") == 1000)
            // A distributor's exceptions counted per quarter agree with the lines listed.
            try await database.importText(.sales, Fixtures.sales)
            var exceptions = 0
            for source in ["D01", "D02", "DIRECT"] {
                let listed = Dictionary(grouping: try await database.routeExceptions(source: source, limit: 1000)) { Quarter(containing: $0.date) }.mapValues(\.count)
                let counted = try await database.routeExceptionCounts(source: source)
                #expect(Dictionary(uniqueKeysWithValues: counted.map { ($0.quarter, $0.count) }) == listed, "\(source)")
                #expect(counted.map(\.quarter) == counted.map(\.quarter).sorted(by: >))
                exceptions += counted.map(\.count).reduce(0, +)
            }
            #expect(exceptions == 3)  // the fixtures' three route exceptions
        }
    }

    /// What a review found: a parked line must not vanish when another line with its id arrives; a line id twice among
    /// one file's parked lines is present once or a conflict; a distributor's name maps only to its own resellers, and
    /// only those are suggested.
    @Test(arguments: TestDatabase.available)
    func parkedLinesKeepTheirIdentityAndNamesMapWithinTheRoute(database kind: TestDatabase) async throws {
        try await kind.with { database in
            try await seeded(database)
            try await database.importText(.sales, Fixtures.salesHeader + "K1,2026-01-10,D01,Nobody Known,Acme,HW-1,hardware,1,500.00,AUD\n")
            // The same id from the same source, for another sale with a known reseller: a conflict, the parked line kept.
            let reused = Fixtures.salesHeader + "K1,2026-01-11,D01,P01,Beta,HW-1,hardware,1,20.00,AUD\n"
            #expect(await problems { try await database.importText(.sales, reused) } == [
                "sales.csv:2: line_id: K1 from D01 is parked (from sales.csv) with other content; a correction is a new line"
            ])
            #expect(try await database.parkedNames().map(\.lines) == [1])
            // The same sale, its reseller now written by code: it enters the ledger and leaves the parking.
            let resolved = try await database.importText(.sales, Fixtures.salesHeader + "K1,2026-01-10,D01,P01,Acme,HW-1,hardware,1,500.00,AUD\n")
            #expect(resolved.new == 1 && resolved.resolvedFromParked == 1)
            #expect(try await database.parkedNames().isEmpty)
            // One file naming an unknown reseller twice under one id: the same line is present once; other content is a conflict.
            let twice = Fixtures.salesHeader + "T1,2026-01-10,D02,Somebody,Acme,HW-1,hardware,1,10.00,AUD\nT1,2026-01-10,D02,Somebody,Acme,HW-1,hardware,1,10.00,AUD\n"
            #expect(try await database.importText(.sales, twice).parked == 2)
            #expect(try await database.parkedNames().map(\.lines) == [1])
            let clash = Fixtures.salesHeader + "T2,2026-01-10,D02,Somebody,Acme,HW-1,hardware,1,10.00,AUD\nT2,2026-01-10,D02,Somebody,Acme,HW-1,hardware,1,11.00,AUD\n"
            #expect(await problems { try await database.importText(.sales, clash) } == ["sales.csv:3: line_id: T2 from D02 is already in this file (line 2) with other content"])
            // D02's name is suggested and mapped only to resellers that buy through D02 (P01 buys through D01 only).
            try await database.importText(.sales, Fixtures.salesHeader + "T3,2026-01-10,D02,Premier One Pty Ltd,Acme,HW-1,hardware,1,10.00,AUD\n")
            #expect(try await database.parkedNames(source: "D02").first { $0.writtenAs == "Premier One Pty Ltd" }?.suggestion == nil)
            await #expect(throws: MatchingError.notLinked(partner: "P01", source: "D02")) {
                try await database.mapResellerName(source: "D02", name: "Premier One Pty Ltd", to: "P01", actor: "admin")
            }
            _ = try await database.mapResellerName(source: "D02", name: "Premier One Pty Ltd", to: "P02", actor: "admin")
        }
    }

    @Test(arguments: TestDatabase.available)
    func returnsAndPriceAdjustmentsAreCredits(database kind: TestDatabase) async throws {
        try await kind.with { database in
            try await seeded(database)
            let lines = Fixtures.salesHeader + """
                R1,2026-01-10,D01,P01,Acme,SW-1,software,10,1200.00,AUD
                R2,2026-01-20,D01,P01,Acme,SW-1,software,-2,-240.00,AUD
                R3,2026-01-21,D01,P01,Acme,SW-1,software,0,-60.00,AUD
                """
            #expect(try await database.importText(.sales, lines).new == 3)
            #expect(try await total(database, "P01") == 90_000)
            let seats = try await database.sql.raw("SELECT seats FROM sales_lines ORDER BY line_id").all().map { try $0.decode(column: "seats", as: Int64.self) }
            #expect(seats == [10, -2, 0])
            let wrong = Fixtures.salesHeader + """
                W1,2026-01-10,D01,P01,Acme,SW-1,software,-2,240.00,AUD
                W2,2026-01-10,D01,P01,Acme,SW-1,software,0,60.00,AUD
                W3,2026-01-10,D01,P01,Acme,SW-1,software,-1,0.00,AUD
                W4,2026-01-10,D01,P01,Acme,SW-1,software,0,0.00,AUD
                """
            #expect(await problems { try await database.importText(.sales, wrong) } == [
                "sales.csv:2: seats: -2 seats is a return: its amount must be negative",
                "sales.csv:3: seats: 0 seats is a price adjustment: its amount must be negative",
                "sales.csv:4: seats: -1 seats is a return: its amount must be negative",
                "sales.csv:5: seats: 0 seats is a price adjustment: its amount must be negative",
            ])
            // The schema holds the same rule, whatever writes the row.
            await #expect(throws: (any Error).self) {
                try await database.sql.raw(
                    "INSERT INTO sales_lines (source, line_id, sale_date, quarter, reseller_id, customer, sku, category, seats, amount_minor, import_id, line_no) VALUES ('D01', 'X', '2026-01-10', '2026Q1', 1, 'c', 'SW-1', 'software', -1, 100, 1, 1)"
                ).run()
            }
        }
    }
}
