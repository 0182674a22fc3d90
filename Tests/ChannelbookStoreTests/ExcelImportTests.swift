import ChannelbookCore
import ChannelbookImport
import ChannelbookTestSupport
import Foundation
import Testing

@testable import ChannelbookStore

/// Excel workbooks as distributors send them (issue 15, item 6): the first worksheet read with the same columns and
/// checks as CSV, dates and amounts from their cells exactly, problems as `FILE:ROW: column: problem` — both databases.
@Suite struct ExcelImportTests {
    static let header = ["line_id", "date", "source", "reseller", "customer", "sku", "category", "seats", "amount", "currency"]
    static let kinds = [1: "date", 7: "number", 8: "number"]

    private func workbook(_ rows: [[String]], kinds: [Int: String] = ExcelImportTests.kinds) throws -> String {
        try XLSXFixture.sheet(rows, kinds: kinds).write()
    }

    @Test(arguments: TestDatabase.available)
    func aSalesWorkbookImportsParksAndRefusesLikeCSV(database kind: TestDatabase) async throws {
        try await kind.with { database in
            try await seeded(database)
            let path = try workbook([
                Self.header,
                ["X1", "2026-01-15", "D01", "P01", "Acme", "HW-1", "hardware", "30", "30000", "AUD"],
                ["X2", "2026-03-31", "D01", "Premier One (WA)", "Acme", "SW-1", "software", "2", "49999.5", "AUD"],
                ["X3", "2026-02-01", "D01", "P01", "Acme", "SW-1", "software", "-1", "-120", "AUD"],
            ])
            let summary = try await database.importFile(.sales, path: path, name: "d01-march.xlsx")
            #expect(summary.description.hasPrefix("imported 3 lines (2 new, 0 already present, 1 parked)"))
            let stored = try await database.sql.raw("SELECT line_id, sale_date, seats, amount_minor FROM sales_lines ORDER BY line_id").all().map {
                "\(try $0.decode(column: "line_id", as: String.self)) \(try $0.decode(column: "sale_date", as: String.self)) \(try $0.decode(column: "seats", as: Int64.self)) \(try $0.decode(column: "amount_minor", as: Int64.self))"
            }
            #expect(stored == ["X1 2026-01-15 30 3000000", "X3 2026-02-01 -1 -12000"])
            #expect(try await database.parkedNames().map { "\($0.writtenAs) \($0.amountMinor) \($0.firstDate)" } == ["Premier One (WA) 4999950 2026-03-31"])
            // The same workbook again: nothing new, nothing parked twice.
            let again = try await database.importFile(.sales, path: path, name: "d01-march.xlsx")
            #expect(again.new == 0 && again.present == 2 && again.parked == 1)
            // A number with more decimals than the currency, a date and time, a text date: refused by row and column.
            let bad = try workbook(
                [
                    Self.header,
                    ["Y1", "2026-01-15", "D01", "P01", "Acme", "HW-1", "hardware", "1", "0.30000000000000004", "AUD"],
                    ["Y2", "2026-01-16", "D01", "P01", "Acme", "HW-1", "hardware", "1.5", "10", "AUD"],
                ])
            let found = await problems { try await database.importFile(.sales, path: bad, name: "bad.xlsx") }
            #expect(found == [
                "bad.xlsx:2: amount: '0.30000000000000004' has more decimals than AUD has (2)",
                "bad.xlsx:3: seats: '1.5' is not a whole number",
            ], "\(found)")
        }
    }

    @Test(arguments: TestDatabase.available)
    func everyImportKindReadsAWorkbook(database kind: TestDatabase) async throws {
        try await kind.with { database in
            let partners = try workbook(
                [["code", "name", "kind", "tier", "distributors", "abn"], ["D01", "Dist One", "distributor", "", "", ""],
                 ["P01", "Premier One", "reseller", "premier", "D01", Fixtures.premierABN]], kinds: [:])
            #expect(try await database.importFile(.partners, path: partners, name: "partners.xlsx").new == 2)
            let pricebook = try workbook(
                [["sku", "name", "category", "partner_buy_price", "effective_from", "maintenance_months"], ["MT-12", "Firewall", "hardware", "500", "2024-07-01", "12"]],
                kinds: [3: "number", 4: "date", 5: "number"])
            #expect(try await database.importFile(.pricebook, path: pricebook, name: "pricebook.xlsx").new == 1)
            let contracts = try workbook(
                [["contract_id", "customer", "reseller", "source", "sku", "seats", "starts", "ends"], ["K-1", "Harbour Dental", "P01", "D01", "MT-12", "10", "2026-01-01", "2026-12-31"]],
                kinds: [5: "number", 6: "date", 7: "date"])
            #expect(try await database.importFile(.contracts, path: contracts, name: "contracts.xlsx").new == 1)
            let ends = try await database.sql.raw("SELECT ends FROM maintenance_contracts").first()?.decode(column: "ends", as: String.self)
            #expect(ends == "2026-12-31")
        }
    }

    /// A workbook LibreOffice saved from CSV: dates as numbers with a `yyyy-mm-dd` style, text in shared strings, an ABN
    /// that became a number. It imports as the CSV it came from would.
    @Test(arguments: TestDatabase.available)
    func aWorkbookSavedByASpreadsheetProgramImports(database kind: TestDatabase) async throws {
        try await kind.with { database in
            try await database.importText(.partners, "code,name,kind,tier,distributors,abn\nD01,Dist One,distributor,,,\nP01,Fabrikam Reseller,reseller,premier,D01,53004085616\n")
            try await database.importText(.pricebook, "sku,name,category,partner_buy_price,effective_from\nSW-STD,Standard,software,120.00,2024-07-01\nHW-1,Box,hardware,1000.00,2024-07-01\n")
            let fixture = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent()
                .appendingPathComponent("ChannelbookImportTests/Fixtures/sell-through-libreoffice.xlsx").path
            let summary = try await database.importFile(.sales, path: fixture, name: "sell-through-libreoffice.xlsx")
            #expect(summary.description.hasPrefix("imported 2 lines (1 new, 0 already present, 1 parked)"))
            let line = try #require(try await database.sql.raw("SELECT sale_date, amount_minor FROM sales_lines").first())
            #expect(try line.decode(column: "sale_date", as: String.self) == "2026-02-03" && line.decode(column: "amount_minor", as: Int64.self) == 4_999_950)
            #expect(try await database.parkedNames().map(\.writtenAs) == ["Acme Pty Ltd"])
        }
    }
}
