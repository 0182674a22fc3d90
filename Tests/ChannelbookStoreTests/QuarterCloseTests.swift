import ChannelbookCore
import ChannelbookImport
import Testing

@testable import ChannelbookStore

@Suite struct QuarterCloseTests {
    private let q1 = try! Quarter.parse("2026Q1")

    @Test(arguments: TestDatabase.available)
    func creditsCrossingATierBoundaryAndRenewalsExcluded(database kind: TestDatabase) async throws {
        try await kind.with { database in
            try await seeded(database)
            try await database.importText(.sales, Fixtures.sales)
            let summary = try await database.closeQuarter(q1)
            #expect(summary.rebates == 3)
            let rebates = try await database.rebates(for: q1)
            #expect(rebates.map(\.partner.rawValue) == ["N01", "P01", "P02"])
            // P01: 30,000.00 + 20,000.00 − 0.50 (credit) = 49,999.50 → 5 %, renewals excluded; + the unlinked D02 line.
            let p01 = try #require(rebates.first { $0.partner == "P01" })
            #expect(p01.basis.decimalString == "51199.50")
            #expect(p01.rate == BasisPoints(750))
            #expect(p01.explanation.contains("basis by category: hardware 30000.00, software 21199.50, renewal 9000.00 (excluded)"))
            #expect(p01.explanation.contains("basis by source: D01 49999.50, D02 1200.00"))
            let n01 = try #require(rebates.first { $0.partner == "N01" })
            #expect(n01.rebate.decimalString == "10120.00")
            let p02 = try #require(rebates.first { $0.partner == "P02" })
            #expect(p02.rebate.decimalString == "0.00")
        }
    }

    @Test(arguments: TestDatabase.available)
    func exactlyAtTheBoundaryAfterACredit(database kind: TestDatabase) async throws {
        try await kind.with { database in
            try await seeded(database)
            try await database.importText(
                .sales,
                Fixtures.salesHeader + """
                    C1,2026-01-10,D01,P01,Acme,HW-1,hardware,50,50000.00,AUD
                    C2,2026-03-31,D01,P01,Acme,SW-1,software,1,-0.50,AUD
                    """)
            _ = try await database.closeQuarter(q1)
            let p01 = try #require(try await database.rebates(for: q1).first)
            #expect(p01.basis.decimalString == "49999.50")
            #expect(p01.rate == BasisPoints(500))
            #expect(p01.rebate.decimalString == "2499.98")
        }
    }

    @Test(arguments: TestDatabase.available)
    func theTierOnTheQuartersLastDayDecides(database kind: TestDatabase) async throws {
        try await kind.with { database in
            try await seeded(database)
            // A01 is promoted to premier mid-quarter; X01 is demoted to associate mid-quarter.
            try await database.importText(
                .partners,
                """
                code,name,kind,tier,distributors,abn,tier_since
                A01,Associate One,reseller,premier,D02,,2026-02-15
                X01,Demoted Premier,reseller,associate,D01,,2026-03-01
                """)
            try await database.importText(
                .sales,
                Fixtures.salesHeader + """
                    T1,2026-01-10,D02,A01,Acme,HW-1,hardware,40,40000.00,AUD
                    T2,2026-01-10,D01,X01,Acme,HW-1,hardware,40,40000.00,AUD
                    """)
            _ = try await database.closeQuarter(q1)
            let rebates = try await database.rebates(for: q1)
            #expect(rebates.map(\.partner.rawValue) == ["A01"])
            #expect(rebates.first?.tier == .premier)
            #expect(rebates.first?.rebate.decimalString == "2000.00")
        }
    }

    @Test(arguments: TestDatabase.available)
    func closingAgainGivesTheSameFigures(database kind: TestDatabase) async throws {
        try await kind.with { database in
            try await seeded(database)
            try await database.importText(.sales, Fixtures.sales)
            _ = try await database.closeQuarter(q1)
            let first = try await database.rebates(for: q1)
            let summary = try await database.closeQuarter(q1)
            #expect(try await database.rebates(for: q1) == first)
            #expect(summary.description == "closed 2026Q1 under Australian channel program (effective 2005-01-01): 3 rebates totalling 13959.96 AUD, 0 referral fees totalling 0.00 AUD; 2 draft statements, 0 adjustments")
        }
    }

    @Test(arguments: TestDatabase.available)
    func referralFeesUseTheCloseDatePrice(database kind: TestDatabase) async throws {
        try await kind.with { database in
            try await seeded(database)
            try await database.importText(
                .referrals,
                """
                referral_id,partner,customer,sku,seats,closed_on
                RF1,P01,Acme,SW-1,500,2026-02-14
                RF2,A01,"Acme, Two",SW-1,500,2026-02-15
                RF3,P02,Acme Three,SW-1,249,2026-03-01
                RF4,P02,Acme Four,SW-1,501,2026-03-01
                """)
            _ = try await database.closeQuarter(q1)
            let fees = try await database.referralFees(for: q1)
            #expect(fees.map { "\($0.referralID) \($0.partner.rawValue) \($0.price.decimalString) \($0.rate.rawValue) \($0.fee.decimalString)" } == [
                "RF2 A01 65000.00 500 3250.00",
                "RF1 P01 60000.00 500 3000.00",
                "RF3 P02 32370.00 0 0.00",
                "RF4 P02 65130.00 1000 6513.00",
            ])
        }
    }

    @Test(arguments: TestDatabase.available)
    func reportsRefuseAQuarterThatWasNotClosed(database kind: TestDatabase) async throws {
        try await kind.with { database in
            await #expect(throws: StoreError.quarterNotClosed(q1)) { try await database.rebates(for: q1) }
            await #expect(throws: StoreError.nothingToClose(q1)) { try await database.closeQuarter(q1) }
        }
    }
}

@Suite struct PartnerImportTests {
    @Test(arguments: TestDatabase.available)
    func theNationalCapIsEnforced(database kind: TestDatabase) async throws {
        var program = Program.articleTOML.replacingOccurrences(of: "national_max = 10 ", with: "national_max = 2  ")
        program = program.replacingOccurrences(of: "national_max = 10", with: "national_max = 2")
        try await kind.with(programTOML: program) { database in
            try await seeded(database)
            let found = await problems {
                try await database.importText(
                    .partners,
                    """
                    code,name,kind,tier,distributors,abn,tier_since
                    N02,National Two,reseller,national,,,
                    N03,National Three,reseller,national,,,
                    """)
            }
            #expect(found == ["partners.csv:3: tier: 3 resellers would be national from the beginning; the program allows at most 2 at once (national_max)"])
            #expect(try await database.count("partners") == 7)
        }
    }

    /// Finding 3 of the money audit: the cap holds on every date, not only on each reseller's latest tier.
    @Test(arguments: TestDatabase.available)
    func theNationalCapHoldsOnEveryDateNotOnlyTheLatest(database kind: TestDatabase) async throws {
        let program = Program.articleTOML.replacingOccurrences(of: "national_max = 10", with: "national_max = 2")
        try await kind.with(programTOML: program) { database in
            try await seeded(database)
            try await database.importText(.partners, "code,name,kind,tier,distributors,abn,tier_since\nN02,National Two,reseller,national,,,\n")
            // P01 promoted from 1 February while N02 is demoted only from 1 March: three nationals in February.
            let overlapping = await problems {
                try await database.importText(
                    .partners,
                    """
                    code,name,kind,tier,distributors,abn,tier_since
                    P01,Premier One,reseller,national,D01,\(Fixtures.premierABN),2026-02-01
                    N02,National Two,reseller,premier,D01,,2026-03-01
                    """)
            }
            #expect(overlapping == ["partners.csv:2: tier: 3 resellers would be national from 2026-02-01; the program allows at most 2 at once (national_max)"])
            // The same swap on one date never has three at once.
            try await database.importText(
                .partners,
                """
                code,name,kind,tier,distributors,abn,tier_since
                P01,Premier One,reseller,national,D01,\(Fixtures.premierABN),2026-03-01
                N02,National Two,reseller,premier,D01,,2026-03-01
                """)
            #expect(try await database.count("partner_tiers") > 0)
        }
    }

    @Test(arguments: TestDatabase.available)
    func reimportingPartnersIsIdempotentAndTierChangesNeedADate(database kind: TestDatabase) async throws {
        try await kind.with { database in
            try await seeded(database)
            #expect(try await database.importText(.partners, Fixtures.partners).description == "imported 7 lines (0 new, 7 already present)")
            let found = await problems {
                try await database.importText(.partners, "code,name,kind,tier,distributors,abn\nP02,Premier Two,reseller,associate,D01;D02,\n")
            }
            #expect(found == ["partners.csv:2: tier_since: is required to change P02's tier from premier to associate (the date the new tier holds from)"])
            let badLinks = await problems {
                try await database.importText(.partners, "code,name,kind,tier,distributors,abn\nP09,New,reseller,premier,D07;P01,\nD03,Third,distributor,gold,,123\n")
            }
            #expect(
                badLinks == [
                    "partners.csv:3: tier: must be blank for a distributor",
                    "partners.csv:3: abn: '123' is not an ABN: an ABN is 11 digits",
                    "partners.csv:2: distributors: no partner has the code 'D07'",
                    "partners.csv:2: distributors: 'P01' is a reseller, not a distributor",
                ])
        }
    }

    @Test(arguments: TestDatabase.available)
    func priceBookConflictsAreRefused(database kind: TestDatabase) async throws {
        try await kind.with { database in
            try await seeded(database)
            #expect(try await database.importText(.pricebook, Fixtures.pricebook).description == "imported 4 lines (0 new, 4 already present)")
            let found = await problems {
                try await database.importText(.pricebook, "sku,name,category,partner_buy_price,effective_from\nSW-1,Endpoint Suite,software,125.00,2026-02-15\n")
            }
            #expect(found == ["pricebook.csv:2: partner_buy_price: SW-1 from 2026-02-15 is already in the price book with another partner_buy_price; add a new effective_from instead of changing a price"])
        }
    }

    @Test func aMissingDatabaseSaysHowToCreateOne() async throws {
        let location = try await TestDatabase.sqlite.makeLocation()
        let database = try await ChannelbookDatabase.open(location)
        await #expect(throws: StoreError.notInitialised(location.description)) { try await database.closeQuarter(Quarter.parse("2026Q1")) }
        await database.close()
        try await TestDatabase.sqlite.dispose(location)
    }

    /// The close reads a quarter's totals in key order from `sales_totals_by_quarter` alone (migration 19): no row
    /// looked up in the table, no sort.
    @Test func theCloseReadsTheQuarterTotalsFromTheIndexInOrder() async throws {
        try await TestDatabase.sqlite.with { database in
            let plan = try await database.plainRows("EXPLAIN QUERY PLAN " + ChannelbookDatabase.keptQuarterTotals, [.text("2026Q1")]).map { try $0.text(3) }
            #expect(plan == ["SEARCH sales_totals USING COVERING INDEX sales_totals_by_quarter (quarter=?)"])
        }
    }
}
