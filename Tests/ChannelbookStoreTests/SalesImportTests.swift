import ChannelbookCore
import Foundation
import ChannelbookImport
import Testing

@testable import ChannelbookStore

/// Sets up partners and the price book, the reference data every sales import needs.
func seeded(_ database: ChannelbookDatabase) async throws {
    try await database.importText(.partners, Fixtures.partners)
    try await database.importText(.pricebook, Fixtures.pricebook)
}

/// The problems an import reported, or none.
func problems(_ body: () async throws -> Void) async -> [String] {
    do {
        try await body()
        return []
    } catch let problems as ImportProblems {
        return problems.first.map(\.description)
    } catch {
        return ["unexpected error: \(error)"]
    }
}

@Suite struct SalesImportTests {
    @Test(arguments: TestDatabase.available)
    func thePriceBookDecidesALinesCategory(database kind: TestDatabase) async throws {
        try await kind.with { database in
            try await seeded(database)
            try await database.importText(.pricebook, "sku,name,category,partner_buy_price,effective_from,maintenance_months\nMX-1,Box with maintenance,hardware,500.00,2024-07-01,12\n")
            let wrong = Fixtures.salesHeader + """
                C1,2026-01-10,D01,P01,Acme,RN-1,software,1,10.00,AUD
                C2,2026-01-10,D01,P01,Acme,SW-1,hardware,1,10.00,AUD
                C3,2026-01-10,D01,P01,Acme,MX-1,software,1,10.00,AUD
                C4,2026-01-10,D01,P01,Acme,HW-1,renewal,1,10.00,AUD
                """
            let found = await problems { try await database.importText(.sales, wrong) }
            #expect(found == [
                "sales.csv:2: category: 'software' is not RN-1's category in the price book (renewal)",  // a renewal never enters the basis
                "sales.csv:3: category: 'hardware' is not SW-1's category in the price book (software)",
                "sales.csv:4: category: 'software' is not MX-1's category in the price book (hardware or renewal)",
                "sales.csv:5: category: 'renewal' is not HW-1's category in the price book (hardware)",  // no maintenance term
            ])
            // Every problem of a line, not the first: a bad SKU and bad seats, an unknown reseller and a bad amount.
            let several = Fixtures.salesHeader + "M1,2026-01-10,D01,P01,Acme,XX-9,hardware,0,10.00,AUD\nM2,2026-01-10,D09,D02,Acme,HW-1,hardware,1,ten,AUD\n"
            #expect(await problems { try await database.importText(.sales, several) } == [
                "sales.csv:2: seats: 0 seats is a price adjustment: its amount must be negative",
                "sales.csv:2: sku: 'XX-9' is not in the price book",
                "sales.csv:3: amount: 'ten' is not an amount: 't' at position 1 is not allowed (write amounts like 1234.50: digits, an optional leading '-', one '.', no thousands separators)",
                "sales.csv:3: source: 'D09' is neither DIRECT nor a distributor's code",
                "sales.csv:3: reseller: D02 is a distributor, not a reseller",
            ])
            // A SKU with a maintenance term may be sold (its category) or renewed.
            let right = Fixtures.salesHeader + "C5,2026-01-10,D01,P01,Acme,MX-1,hardware,1,500.00,AUD\nC6,2026-01-11,D01,P01,Acme,MX-1,renewal,1,50.00,AUD\n"
            #expect(await problems { try await database.importText(.sales, right) } == [])
        }
    }

    @Test(arguments: TestDatabase.available)
    func importsEveryLineAndCountsThem(database kind: TestDatabase) async throws {
        try await kind.with { database in
            try await seeded(database)
            let summary = try await database.importText(.sales, Fixtures.sales)
            #expect(summary.description == "imported 9 lines (9 new, 0 already present); 3 new route exceptions flagged for review")
            #expect(try await database.count("sales_lines") == 9)
        }
    }

    @Test(arguments: TestDatabase.available)
    func reimportingTheSameFileChangesNothing(database kind: TestDatabase) async throws {
        try await kind.with { database in
            try await seeded(database)
            try await database.importText(.sales, Fixtures.sales)
            let totalsBefore = try await database.sql.raw("SELECT CAST(SUM(amount_minor) AS BIGINT) AS s, CAST(SUM(line_count) AS BIGINT) AS n FROM sales_totals").first()!
            let again = try await database.importText(.sales, Fixtures.sales)
            #expect(again.description == "imported 9 lines (0 new, 9 already present)")
            let totalsAfter = try await database.sql.raw("SELECT CAST(SUM(amount_minor) AS BIGINT) AS s, CAST(SUM(line_count) AS BIGINT) AS n FROM sales_totals").first()!
            #expect(try totalsBefore.decode(column: "s", as: Int64.self) == totalsAfter.decode(column: "s", as: Int64.self))
            #expect(try totalsAfter.decode(column: "n", as: Int64.self) == 9)
            #expect(try await database.count("sales_lines") == 9)
            // A file with the old lines and one more adds only the new one.
            let more = try await database.importText(.sales, Fixtures.sales + "\nD01-9,2026-03-01,D01,P01,Acme,HW-1,hardware,1,10.00,AUD\n")
            #expect(more.description == "imported 10 lines (1 new, 9 already present)")
        }
    }

    @Test(arguments: TestDatabase.available)
    func theSameKeyWithOtherContentIsAConflict(database kind: TestDatabase) async throws {
        try await kind.with { database in
            try await seeded(database)
            try await database.importText(.sales, Fixtures.sales)
            let changed = Fixtures.salesHeader + "D01-1,2026-01-10,D01,P01,Acme Mining,HW-1,hardware,30,30000.01,AUD\nD01-7,2026-01-11,D01,P01,Acme,HW-1,hardware,1,5.00,AUD\n"
            let found = await problems { try await database.importText(.sales, changed) }
            #expect(found.count == 1)
            #expect(found.first?.hasPrefix("sales.csv:2: line_id: D01-1 from D01 is already recorded (import ") == true)
            #expect(found.first?.contains("line 2) with a different amount") == true)
            #expect(try await database.count("sales_lines") == 9)
        }
    }

    @Test(arguments: TestDatabase.available)
    func aRepeatedLineInOneFileIsPresentOnceOrAConflict(database kind: TestDatabase) async throws {
        try await kind.with { database in
            try await seeded(database)
            let line = "D01-1,2026-01-10,D01,P01,Acme,HW-1,hardware,30,30000.00,AUD\n"
            let repeated = try await database.importText(.sales, Fixtures.salesHeader + line + line)
            #expect(repeated.description == "imported 2 lines (1 new, 1 already present)")
            let conflicting = Fixtures.salesHeader + "D01-2,2026-01-10,D01,P01,Acme,HW-1,hardware,30,1.00,AUD\nD01-2,2026-01-10,D01,P01,Acme,HW-1,hardware,30,2.00,AUD\n"
            let found = await problems { try await database.importText(.sales, conflicting) }
            #expect(found == ["sales.csv:3: line_id: D01-2 from D01 is already recorded (line 2 of this file) with a different amount; a correction is a new line (a credit), not an edit"])
            #expect(try await database.count("sales_lines") == 1)
        }
    }

    /// Files longer than one insert statement (SQLite stores 32 lines a statement, a batch's remainder one a statement):
    /// a repeat or a conflict in the middle of a full statement is found as in a short file, and only new lines count.
    @Test(arguments: TestDatabase.available)
    func repeatsAndConflictsInsideLongFilesAreFoundLineByLine(database kind: TestDatabase) async throws {
        try await kind.with { database in
            try await seeded(database)
            func line(_ number: Int, cents: Int = 100) -> String {
                "L-\(number),2026-01-\(10 + number % 18),D01,P01,Acme \(number),HW-1,hardware,1,\(cents / 100).\(String(format: "%02d", cents % 100)),AUD"
            }
            // 100 lines, line L-10 repeated word for word at position 50 and at the very end.
            var lines = (1...100).map { line($0) }
            lines.insert(line(10), at: 49)
            lines.append(line(10))
            let first = try await database.importText(.sales, Fixtures.salesHeader + lines.joined(separator: "\n") + "\n")
            #expect(first.description == "imported 102 lines (100 new, 2 already present)")
            #expect(try await database.count("sales_lines") == 100)
            let totals = try await database.sql.raw("SELECT CAST(SUM(amount_minor) AS BIGINT) AS s, CAST(SUM(line_count) AS BIGINT) AS n FROM sales_totals").first()!
            #expect(try totals.decode(column: "s", as: Int64.self) == 10_000)
            #expect(try totals.decode(column: "n", as: Int64.self) == 100)
            // Again, with 40 new lines among them: only those are new; then one line changed in the middle of a statement.
            let again = try await database.importText(.sales, Fixtures.salesHeader + ((1...140).map { line($0) }).joined(separator: "\n") + "\n")
            #expect(again.description == "imported 140 lines (40 new, 100 already present)")
            var changed = (1...140).map { line($0) }
            changed[69] = line(70, cents: 101)
            let found = await problems { try await database.importText(.sales, Fixtures.salesHeader + changed.joined(separator: "\n") + "\n") }
            #expect(found.count == 1)
            #expect(found.first?.hasPrefix("sales.csv:71: line_id: L-70 from D01 is already recorded (import ") == true)
            #expect(found.first?.contains("with a different amount") == true)
            #expect(try await database.count("sales_lines") == 140)
        }
    }

    /// Two line ids that differ only in how an accented letter is spelled (one code point, or a letter and a combining
    /// accent) are two lines to both databases, which compare bytes: a file importing both again finds each present.
    @Test(arguments: TestDatabase.available)
    func lineIDsAreComparedByTheirBytes(database kind: TestDatabase) async throws {
        try await kind.with { database in
            try await seeded(database)
            // Among 40 lines, so both are looked up together when the file comes again.
            let others = (1...38).map { "L-\($0),2026-01-10,D01,P01,Acme,HW-1,hardware,1,1.00,AUD\n" }.joined()
            let file = Fixtures.salesHeader + "CAF\u{C9}-1,2026-01-10,D01,P01,Acme,HW-1,hardware,1,1.00,AUD\n"
                + "CAFE\u{301}-1,2026-01-10,D01,P01,Acme,HW-1,hardware,1,2.00,AUD\n" + others
            #expect(try await database.importText(.sales, file).description == "imported 40 lines (40 new, 0 already present)")
            var again = ""
            #expect(await problems { again = try await database.importText(.sales, file).description } == [])
            #expect(again == "imported 40 lines (0 new, 40 already present)")
            #expect(try await database.count("sales_lines") == 40)
        }
    }

    /// What the loaders write by hand (PostgreSQL's COPY text, SQLite's bound values) comes back exactly: a tab and a
    /// backslash in a name, a credit's negative amount and seats.
    @Test(arguments: TestDatabase.available)
    func namesAndNegativeFiguresComeBackAsWritten(database kind: TestDatabase) async throws {
        try await kind.with { database in
            try await seeded(database)
            let file = Fixtures.salesHeader + "T-1,2026-01-10,D01,P01,\"Tab\there \\ back\\slash\",HW-1,hardware,-12,-1234567.89,AUD\n"
            let summary = try await database.importText(.sales, file).description
            #expect(summary == "imported 1 line (1 new, 0 already present)")
            let row = try await database.sql.raw("SELECT customer, seats, amount_minor FROM sales_lines WHERE line_id = 'T-1'").first()!
            #expect(try row.decode(column: "customer", as: String.self) == "Tab\there \\ back\\slash")
            #expect(try row.decode(column: "seats", as: Int64.self) == -12)
            #expect(try row.decode(column: "amount_minor", as: Int64.self) == -123_456_789)
        }
    }

    @Test(arguments: TestDatabase.available)
    func everyBadFieldIsReportedAndNothingIsWritten(database kind: TestDatabase) async throws {
        try await kind.with { database in
            try await seeded(database)
            let bad = Fixtures.salesHeader + """
                L1,2026-01-10,D01,P01,Acme,HW-1,hardware,1,10.00,AUD
                L2,2026-13-10,D01,P01,Acme,HW-1,hardware,1,10.00,AUD
                L3,2026-01-10,D09,P01,Acme,HW-1,hardware,1,10.00,AUD
                L4,2026-01-10,D01,Z99,Acme,HW-1,hardware,1,10.00,AUD
                L5,2026-01-10,D01,P01,Acme,XX-1,hardware,1,10.00,AUD
                L6,2026-01-10,D01,P01,Acme,HW-1,services,1,10.00,AUD
                L7,2026-01-10,D01,P01,Acme,HW-1,hardware,1,10.00,USD
                L8,2026-01-10,D01,P01,Acme,HW-1,hardware,1,"1,5",AUD
                L9,2026-01-10,D01,D02,Acme,HW-1,hardware,1,10.00,AUD
                L10,2026-01-10,P02,P01,Acme,HW-1,hardware,1,10.00,AUD
                L11,2026-01-10,D01,\(validABN("111111111")),Acme,HW-1,hardware,1,10.00,AUD
                L12,2026-01-10,D01,P01,Acme,HW-1,hardware,1
                """
            let found = await problems { try await database.importText(.sales, bad) }
            #expect(
                found == [
                    "sales.csv:3: date: '2026-13-10' is not a day of the calendar",
                    "sales.csv:4: source: 'D09' is neither DIRECT nor a distributor's code",
                    // Z99 (line 5) and an ABN no partner holds (line 12) are not errors: such lines are parked (ResellerMatchingTests).
                    "sales.csv:6: sku: 'XX-1' is not in the price book",
                    "sales.csv:7: category: 'services' is not one of hardware, software, renewal",
                    "sales.csv:8: currency: 'USD' is not the program's currency (AUD)",
                    "sales.csv:9: amount: '1,5' is not an amount: ',' at position 2 is not allowed (write amounts like 1234.50: digits, an optional leading '-', one '.', no thousands separators)",
                    "sales.csv:10: reseller: D02 is a distributor, not a reseller",
                    "sales.csv:11: source: P02 is a reseller, not a distributor",
                    "sales.csv:13: has 8 fields; the header has 10",
                ])
            #expect(try await database.count("sales_lines") == 0)
            #expect(try await database.count("sales_totals") == 0)
        }
    }

    @Test(arguments: TestDatabase.available)
    func anInvalidLastLineLeavesNothingBehind(database kind: TestDatabase) async throws {
        try await kind.with { database in
            try await seeded(database)
            var text = Fixtures.salesHeader
            for index in 1...1_200 { text += "B\(index),2026-01-10,D01,P01,Acme,HW-1,hardware,1,10.00,AUD\n" }
            text += "B-last,2026-01-10,D01,P01,Acme,HW-1,hardware,1,ten,AUD\n"
            let found = await problems { try await database.importText(.sales, text) }
            #expect(found == ["sales.csv:1202: amount: 'ten' is not an amount: 't' at position 1 is not allowed (write amounts like 1234.50: digits, an optional leading '-', one '.', no thousands separators)"])
            #expect(try await database.count("sales_lines") == 0)
            #expect(try await database.count("sales_totals") == 0)
            #expect(try await database.count("imports WHERE kind = 'sales'") == 0)
        }
    }

    @Test(arguments: TestDatabase.available)
    func resellersNamedByABNResolveToTheirPartner(database kind: TestDatabase) async throws {
        try await kind.with { database in
            try await seeded(database)
            try await database.importText(.sales, Fixtures.salesHeader + "A1,2026-01-10,D01,\(Fixtures.premierABN),Acme,HW-1,hardware,1,10.00,AUD\n")
            let row = try await database.sql.raw("SELECT p.code FROM sales_lines s JOIN partners p ON p.id = s.reseller_id").first()!
            #expect(try row.decode(column: "code", as: String.self) == "P01")
        }
    }

    @Test(arguments: TestDatabase.available)
    func routeExceptionsAreStoredFlaggedAndListed(database kind: TestDatabase) async throws {
        try await kind.with { database in
            try await seeded(database)
            try await database.importText(.sales, Fixtures.sales)
            let exceptions = try await database.routeExceptions(in: Quarter.parse("2026Q1"))
            #expect(
                exceptions.map { "\($0.reseller.rawValue) \($0.lineID) \($0.reason.rawValue)" } == [
                    "N01 D01-5 distributor_for_national",
                    "P01 D02-2 unlinked_distributor",
                    "P02 INV-2 direct_for_non_national",
                ])
            #expect(try await database.routeExceptions(in: Quarter.parse("2026Q2")).isEmpty)
        }
    }
}
