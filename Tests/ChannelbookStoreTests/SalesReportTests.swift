import ChannelbookCore
import Testing

@testable import ChannelbookStore

/// Channel analytics (PRODUCT.md sections 3 and 6, `report sales`): segments by seats, credits by their seats'
/// absolute value, renewals apart, changes on the previous quarter and the same quarter last year — read from the
/// totals kept at import, on both databases, and equal to a brute-force sum of the lines.
@Suite struct SalesReportTests {
    private static let q1 = try! Quarter.parse("2026Q1")
    private static let q2 = try! Quarter.parse("2026Q2")

    private static func report(
        _ database: ChannelbookDatabase, _ first: Quarter, _ last: Quarter, by dimensions: [SalesDimension], filters: [SalesDimension: String] = [:],
        source: String? = nil
    ) async throws -> [[String]] {
        try await database.salesReport(SalesReportQuery(first: first, last: last, dimensions: dimensions, filters: filters, onlySource: source)).cells
    }

    @Test(arguments: TestDatabase.available)
    func segmentEdgesCreditsAndRenewals(database kind: TestDatabase) async throws {
        try await kind.with { database in
            try await seeded(database)
            try await database.importText(.sales, Fixtures.salesHeader + """
                S1,2026-01-10,D01,P01,Acme,SW-1,software,1,100.00,AUD
                S2,2026-01-10,D01,P01,Acme,SW-1,software,2,200.00,AUD
                S500,2026-01-10,D01,P01,Acme,SW-1,software,500,50000.00,AUD
                S501,2026-01-10,D01,P01,Acme,SW-1,software,501,50100.00,AUD
                R3,2026-01-11,D01,P01,Acme,SW-1,software,-3,-300.00,AUD
                R501,2026-01-11,D01,P01,Acme,SW-1,software,-501,-100.00,AUD
                ADJ,2026-01-12,D01,P01,Acme,SW-1,software,0,-7.00,AUD
                RN,2026-01-13,D01,P01,Acme,RN-1,renewal,600,6000.00,AUD
                INV,2026-01-14,DIRECT,N01,Bank,HW-1,hardware,1,1000.00,AUD
                """)
            let bySegment = try await Self.report(database, Self.q1, Self.q1, by: [.segment])
            #expect(bySegment == [
                ["2026Q1", "single", "2", "1100.00", "0.00", "", ""],
                ["2026Q1", "smb", "3", "49900.00", "0.00", "", ""],  // 2 + 500 seats, and the return of 3
                ["2026Q1", "enterprise", "3", "50000.00", "6000.00", "", ""],  // 501, the return of 501, the renewal of 600 apart
                ["2026Q1", "adjustment", "1", "-7.00", "0.00", "", ""],
            ])
            let byRouteAndTier = try await Self.report(database, Self.q1, Self.q1, by: [.route, .tier])
            #expect(byRouteAndTier == [
                ["2026Q1", "DIRECT", "national", "1", "1000.00", "0.00", "", ""],
                ["2026Q1", "distributor", "premier", "8", "99993.00", "6000.00", "", ""],
            ])
            // Filters keep only the lines with a value, grouped by it or not: each distributor's SMB sales.
            #expect(try await Self.report(database, Self.q1, Self.q1, by: [.distributor], filters: [.segment: "smb"]) == [["2026Q1", "D01", "3", "49900.00", "0.00", "", ""]])
            #expect(try await Self.report(database, Self.q1, Self.q1, by: [], source: "DIRECT") == [["2026Q1", "1", "1000.00", "0.00", "", ""]])
            #expect(try await database.integrityProblems().isEmpty)
            if database.dialect == .postgres {  // codes compare byte by byte on PostgreSQL too (the rebuilt table keeps it)
                let collation = try await database.plainRows(
                    "SELECT collation_name FROM information_schema.columns WHERE table_name = 'sales_totals' AND column_name = 'source'", [])
                #expect(try collation.first?.optionalText(0) == "C")
            }
            #expect(try await database.latestSalesQuarter(asOf: try BusinessDate.parse("2026-02-01")) == Self.q1)
            #expect(try await database.latestSalesQuarter(asOf: try BusinessDate.parse("2025-12-31")) == nil)
            #expect(try await database.latestSalesQuarter(asOf: try BusinessDate.parse("2026-12-31"), source: "D02") == nil)
            // Closing reads every segment's total of a category and source: P01's basis is all its software lines.
            _ = try await database.closeQuarter(Self.q1)
            let p01 = try await database.rebates(for: Self.q1).first { $0.partner == "P01" }
            #expect(p01?.basis.decimalString == "99993.00" && p01?.rebate.decimalString == "7499.48")
        }
    }

    @Test(arguments: TestDatabase.available)
    func changesOnThePreviousQuarterAndTheSameQuarterLastYear(database kind: TestDatabase) async throws {
        try await kind.with { database in
            try await seeded(database)
            try await database.importText(.sales, Fixtures.salesHeader + """
                A1,2025-01-10,D01,P01,Acme,SW-1,software,10,1000.00,AUD
                B1,2025-01-10,D02,A01,Acme,SW-1,software,10,500.00,AUD
                B2,2025-01-11,D02,A01,Acme,SW-1,software,-10,-500.00,AUD
                C1,2025-04-10,D01,P01,Acme,SW-1,software,10,800.00,AUD
                D1,2025-04-10,D02,A01,Acme,RN-1,renewal,10,100.00,AUD
                A2,2026-01-10,D01,P01,Acme,SW-1,software,10,1500.00,AUD
                B3,2026-01-10,D02,A01,Acme,SW-1,software,10,250.00,AUD
                C2,2026-04-10,D01,P01,Acme,SW-1,software,10,1200.00,AUD
                C3,2026-04-10,DIRECT,N01,Acme,SW-1,software,10,-33.33,AUD
                """)
            let rows = try await Self.report(database, Self.q1, Self.q2, by: [.distributor])
            #expect(rows == [
                // D01: +50 % on 2025Q1; no 2025Q4 sales, so no change on the previous quarter.
                ["2026Q1", "D01", "1", "1500.00", "0.00", "", "5000"],
                // D02: its 2025Q1 base nets to 0 (a sale and its return): blank, not a division by zero.
                ["2026Q1", "D02", "1", "250.00", "0.00", "", ""],
                ["2026Q2", "DIRECT", "1", "-33.33", "0.00", "", ""],
                // D01: 1,200 on 1,500 is −20 %; on 800 a year before, +50 %.
                ["2026Q2", "D01", "1", "1200.00", "0.00", "-2000", "5000"],
            ])
            // A group with only renewals in its base quarter has net sales of 0 there: blank too.
            let a01 = try await Self.report(database, try Quarter.parse("2025Q2"), try Quarter.parse("2025Q2"), by: [.reseller])
            #expect(a01 == [["2025Q2", "A01", "1", "0.00", "100.00", "", ""], ["2025Q2", "P01", "1", "800.00", "0.00", "-2000", ""]])
            // Rounded toward zero: 1,000 → 1,500 is exactly +5,000; 3 → 2 is −3,333.33… → −3,333.
            #expect(SalesChange.basisPoints(current: 2, base: 3) == -3333 && SalesChange.basisPoints(current: -2, base: 3) == -16666)
            #expect(SalesChange.basisPoints(current: 5, base: nil) == nil && SalesChange.basisPoints(current: 5, base: 0) == nil)
            #expect(SalesChange.basisPoints(current: Int64.max, base: 1) == nil)  // beyond 64 bits: blank, never a trap
        }
    }

    @Test(arguments: TestDatabase.available)
    func rangesAreChecked(database kind: TestDatabase) async throws {
        try await kind.with { database in
            try await seeded(database)
            await #expect(throws: SalesReportError(message: "the range 2026Q2..2026Q1 ends before it starts")) {
                _ = try await database.salesReport(SalesReportQuery(first: Self.q2, last: Self.q1, dimensions: []))
            }
            await #expect(throws: SalesReportError(message: "a report covers at most 40 quarters")) {
                _ = try await database.salesReport(SalesReportQuery(first: try Quarter.parse("2010Q1"), last: Self.q1, dimensions: []))
            }
            // The first year has no year before it: no base, no trap.
            #expect(try await Self.report(database, try Quarter.parse("0001Q1"), try Quarter.parse("0001Q4"), by: [.segment]).isEmpty)
        }
    }

    /// Every combination of dimensions, over generated lines in six quarters, equals a sum of the lines written here
    /// independently: segments by the article's seat bounds, tiers from the fixture (X01 demoted on 2025-08-15, so its
    /// tier is read on each quarter's last day), routes from the source. The lines arrive in two overlapping files,
    /// so PostgreSQL's totals come from both its paths (COPY of new lines, and the merge beside lines already present).
    @Test(arguments: TestDatabase.available)
    func everyCombinationOfDimensionsEqualsABruteForceSumOfTheLines(database kind: TestDatabase) async throws {
        try await kind.with { database in
            try await seeded(database)
            try await database.importText(.partners, "code,name,kind,tier,distributors,abn,tier_since\nX01,Demoted Premier,reseller,associate,D01,,2025-08-15\n")
            let lines = Self.generatedLines(count: 600)
            try await database.importText(.sales, Fixtures.salesHeader + lines[..<400].map(\.csv).joined(separator: "\n") + "\n")
            try await database.importText(.sales, Fixtures.salesHeader + lines[200...].map(\.csv).joined(separator: "\n") + "\n")
            #expect(try await database.integrityProblems().isEmpty)
            let last = try Quarter.parse("2026Q2")
            for mask in 0..<(1 << SalesDimension.allCases.count) {
                let dimensions = SalesDimension.allCases.enumerated().filter { mask & (1 << $0.offset) != 0 }.map(\.element)
                let report = try await database.salesReport(SalesReportQuery(first: try Quarter.parse("2025Q3"), last: last, dimensions: dimensions))
                let expected = Self.bruteForce(lines, dimensions: dimensions, from: try Quarter.parse("2025Q3"), through: last)
                #expect(Set(report.cells) == Set(expected), "by \(dimensions.map(\.rawValue))")
                #expect(report.cells.count == expected.count)
            }
        }
    }

    struct Line {
        let id: Int
        let date: String
        let source: String
        let reseller: String
        let category: String
        let seats: Int64
        let amountMinor: Int64

        var quarter: String { let month = Int(date.dropFirst(5).prefix(2))!; return "\(date.prefix(4))Q\((month - 1) / 3 + 1)" }
        var csv: String {
            let sku = category == "hardware" ? "HW-1" : category == "software" ? "SW-1" : "RN-1"
            let sign = amountMinor < 0 ? "-" : ""
            let cents = amountMinor.magnitude
            return "G\(id),\(date),\(source),\(reseller),Customer \(id % 7),\(sku),\(category),\(seats),\(sign)\(cents / 100).\(cents % 100 < 10 ? "0" : "")\(cents % 100),AUD"
        }
    }

    /// Deterministic lines (a linear congruential sequence) over 2025Q1–2026Q2, with returns, price adjustments and renewals.
    static func generatedLines(count: Int) -> [Line] {
        var state: UInt64 = 20_261_130
        func next(_ bound: Int) -> Int {
            state = state &* 6_364_136_223_846_793_005 &+ 1_442_695_040_888_963_407
            return Int((state >> 33) % UInt64(bound))
        }
        let routes = [("DIRECT", "N01"), ("D01", "P01"), ("D01", "P02"), ("D02", "P02"), ("D02", "A01"), ("D01", "X01"), ("D01", "N01"), ("DIRECT", "P01")]
        let seatChoices: [Int64] = [1, 2, 3, 250, 499, 500, 501, 502, 1000]
        let months = ["2025-01", "2025-02", "2025-04", "2025-05", "2025-08", "2025-11", "2026-01", "2026-03", "2026-04", "2026-06"]
        return (0..<count).map { id in
            let (source, reseller) = routes[next(routes.count)]
            let category = ["hardware", "software", "renewal"][next(3)]
            var seats = seatChoices[next(seatChoices.count)]
            var amount = Int64(next(1_000_000) + 1)
            switch next(10) {
            case 0: seats = -seats; amount = -amount  // a return
            case 1: seats = 0; amount = -Int64(next(10_000) + 1)  // a price adjustment
            default: break
            }
            return Line(id: id, date: "\(months[next(months.count)])-\(10 + next(18))", source: source, reseller: reseller, category: category, seats: seats, amountMinor: amount)
        }
    }

    static func bruteForce(_ lines: [Line], dimensions: [SalesDimension], from: Quarter, through: Quarter) -> [[String]] {
        let tiers = ["N01": "national", "P01": "premier", "P02": "premier", "A01": "associate", "X01": "premier"]
        func tier(_ line: Line) -> String {
            let quarter = try! Quarter.parse(line.quarter)
            return line.reseller == "X01" && quarter.lastDay >= (try! BusinessDate.parse("2025-08-15")) ? "associate" : tiers[line.reseller]!
        }
        func value(_ line: Line, _ dimension: SalesDimension) -> String {
            switch dimension {
            case .segment:
                let size = line.seats.magnitude
                return size == 0 ? "adjustment" : size >= 501 ? "enterprise" : size >= 2 ? "smb" : "single"
            case .route: return line.source == "DIRECT" ? "DIRECT" : "distributor"
            case .distributor: return line.source
            case .tier: return tier(line)
            case .reseller: return line.reseller
            }
        }
        struct Key: Hashable { let quarter: String; let values: [String] }
        var sums: [Key: (lines: Int64, net: Int64, renewals: Int64)] = [:]
        for line in lines {
            let key = Key(quarter: line.quarter, values: dimensions.map { value(line, $0) })
            var sum = sums[key, default: (0, 0, 0)]
            sum.lines += 1
            if line.category == "renewal" { sum.renewals += line.amountMinor } else { sum.net += line.amountMinor }
            sums[key] = sum
        }
        func decimal(_ minor: Int64) -> String { "\(minor < 0 ? "-" : "")\(minor.magnitude / 100).\(minor.magnitude % 100 < 10 ? "0" : "")\(minor.magnitude % 100)" }
        func change(_ current: Int64, _ base: Int64?) -> String {
            guard let base, base != 0 else { return "" }
            return String((Int128(current) - Int128(base)) * 10_000 / Int128(base))
        }
        return sums.compactMap { key, sum in
            let quarter = try! Quarter.parse(key.quarter)
            guard quarter >= from && quarter <= through else { return nil }
            let previous = sums[Key(quarter: quarter.previous.description, values: key.values)]?.net
            let yearAgo = sums[Key(quarter: Quarter(year: quarter.year - 1, number: quarter.number)!.description, values: key.values)]?.net
            return [key.quarter] + key.values + [String(sum.lines), decimal(sum.net), decimal(sum.renewals), change(sum.net, previous), change(sum.net, yearAgo)]
        }
    }

    @Test(arguments: TestDatabase.available)
    func aProgramWithOtherSegmentsRegroupsTheKeptTotals(database kind: TestDatabase) async throws {
        try await kind.with { database in
            try await seeded(database)
            try await database.importText(.sales, Fixtures.salesHeader + """
                S1,2026-01-10,D01,P01,Acme,SW-1,software,1,100.00,AUD
                S50,2026-01-10,D01,P01,Acme,SW-1,software,50,200.00,AUD
                S500,2026-01-10,D01,P01,Acme,SW-1,software,500,300.00,AUD
                E19,2026-01-10,D01,P01,Acme,SW-1,software,19,19.00,AUD
                E20,2026-01-10,D01,P01,Acme,SW-1,software,20,20.00,AUD
                R20,2026-01-10,D01,P01,Acme,SW-1,software,-20,-2.00,AUD
                """)
            // The same segments in a later version: nothing to regroup.
            let same = Program.articleTOML.replacingOccurrences(of: "2005-01-01", with: "2026-01-01")
            try await database.storeProgram(toml: same, actor: "admin@vendor.example")
            #expect(try await database.auditLog().filter { $0.action == "resegment sales totals" }.isEmpty)
            let resegmented = Program.articleTOML.replacingOccurrences(of: "2005-01-01", with: "2026-04-01")
                .replacingOccurrences(of: "smb = 2 ", with: "small = 2\nmid = 20 ")
            try await database.storeProgram(toml: resegmented, actor: "admin@vendor.example")
            // At the new edges: 19 seats small; 20 and a return of 20 mid — the same in Swift (imports) and SQL (regrouping, check).
            #expect(try await Self.report(database, Self.q1, Self.q1, by: [.segment]) == [
                ["2026Q1", "single", "1", "100.00", "0.00", "", ""],
                ["2026Q1", "small", "1", "19.00", "0.00", "", ""],
                ["2026Q1", "mid", "4", "518.00", "0.00", "", ""],
            ])
            let audit = try await database.auditLog().filter { $0.action == "resegment sales totals" }
            #expect(audit.map(\.actor) == ["admin@vendor.example"])
            #expect(audit.first?.after == "single: 1 seat; small: 2 to 19 seats; mid: 20 to 500 seats; enterprise: 501 seats and over; adjustment: price adjustments (0 seats)")
            #expect(try await database.integrityProblems().isEmpty)
            // Later imports keep the new segments; closing the quarter still reads every segment's total.
            try await database.importText(.sales, Fixtures.salesHeader + "S3,2026-01-11,D01,P01,Acme,SW-1,software,3,30.00,AUD\n")
            #expect(try await Self.report(database, Self.q1, Self.q1, by: [.segment])[1] == ["2026Q1", "small", "2", "49.00", "0.00", "", ""])
            try await database.importText(.sales, Fixtures.salesHeader + "E20B,2026-01-12,D01,P01,Acme,SW-1,software,20,1.00,AUD\nR19,2026-01-12,D01,P01,Acme,SW-1,software,-19,-1.00,AUD\n")
            #expect(try await Self.report(database, Self.q1, Self.q1, by: [.segment]).map { $0[1] + " " + $0[2] } == ["single 1", "small 3", "mid 5"])
            #expect(try await database.integrityProblems().isEmpty)
            _ = try await database.closeQuarter(Self.q1)
            #expect(try await database.rebates(for: Self.q1).first { $0.partner == "P01" }?.basis.decimalString == "667.00")
        }
    }
}
