import ChannelbookCore
import Foundation
import SQLKit
import Testing

@testable import ChannelbookStore

/// Maintenance renewals on both databases: contracts from sales lines and from `contracts.csv`, opportunity
/// windows, renewal by name-matched lines (oldest first), owners in both settings, scopes, quotes and lapses,
/// the pipeline and the renewal rate (PRODUCT.md section 2, "Maintenance renewals").
@Suite struct RenewalTests {
    static func date(_ text: String) -> BusinessDate { try! BusinessDate.parse(text) }
    static func aud(_ text: String) -> Money { try! Money.parse(text, currency: .aud) }

    /// SKUs with a maintenance term: a year (hardware), a month (software).
    static let termPriceBook = """
        sku,name,category,partner_buy_price,effective_from,maintenance_months
        MT-12,Firewall with a year of maintenance,hardware,500.00,2024-07-01,12
        MT-1,Monthly support,software,20.00,2024-07-01,1
        """

    static func seededWithTerms(_ database: ChannelbookDatabase) async throws {
        try await seeded(database)
        try await database.importText(.pricebook, termPriceBook)
    }

    static func sales(_ lines: String) -> String { Fixtures.salesHeader + lines }

    static func queue(
        _ database: ChannelbookDatabase, asOf: String, statuses: [RenewalStatus] = RenewalStatus.allCases, access: RenewalAccess = .vendor, owner: String? = nil
    ) async throws -> [RenewalOpportunity] {
        try await database.renewalOpportunities(RenewalFilter(asOf: date(asOf), statuses: statuses, owner: owner), access: access, limit: 500).items
    }

    static func status(_ database: ChannelbookDatabase, _ contract: String, asOf: String) async throws -> RenewalStatus? {
        try await queue(database, asOf: asOf).first { $0.contractID == contract }?.status
    }

    private static func refusal(_ body: () async throws -> Void) async -> String {
        do {
            try await body()
            return "no refusal"
        } catch { return "\(error)" }
    }

    @Test(arguments: TestDatabase.available)
    func salesLinesOfSKUsWithATermCreateContractsEndingTheDayBeforeTheAnniversary(database kind: TestDatabase) async throws {
        try await kind.with { database in
            try await Self.seededWithTerms(database)
            let file = Self.sales(
                """
                L1,2026-01-15,D01,P01,Acme Mining,MT-12,hardware,10,5000.00,AUD
                L2,2026-01-31,D01,P01,Acme Mining,MT-1,software,3,60.00,AUD
                L3,2024-02-29,DIRECT,N01,Big Bank,MT-12,hardware,2,1000.00,AUD
                L4,2026-03-31,D01,P01,Acme Mining,MT-1,software,1,20.00,AUD
                L5,2026-02-10,D01,P01,Acme Mining,HW-1,hardware,1,1000.00,AUD
                L6,2026-02-10,D01,P01,Acme Mining,MT-1,software,1,-20.00,AUD
                """)
            try await database.importText(.sales, file)
            let contracts = try await Self.queue(database, asOf: "2026-01-01")
            let ends = Dictionary(uniqueKeysWithValues: contracts.map { ($0.contractID, $0.ends.description) })
            #expect(ends["D01:L1"] == "2027-01-14")  // the article's example
            #expect(ends["D01:L2"] == "2026-02-28")  // 31 January + a month: February has no 31st
            #expect(ends["DIRECT:L3"] == "2025-02-28")  // 29 February + a year
            #expect(ends["D01:L4"] == "2026-04-30")  // 31 March + a month: April has no 31st
            #expect(ends["D01:L6"] == nil)  // a credit sells no maintenance
            #expect(ends["D01:L5"] == nil && contracts.count == 4)  // HW-1 has no term
            let l1 = contracts.first { $0.contractID == "D01:L1" }!
            #expect((l1.customer, l1.reseller.rawValue, l1.soldBy, l1.sku, l1.seats, l1.starts) == ("Acme Mining", "P01", "D01", "MT-12", 10, Self.date("2026-01-15")))
            // Importing the same file again creates nothing again.
            try await database.importText(.sales, file)
            #expect(try await database.count("maintenance_contracts") == 4)
        }
    }

    @Test(arguments: TestDatabase.available)
    func anOpportunityOpensAtTheHorizonAndLapsesTheDayAfterItsGraceDays(database kind: TestDatabase) async throws {
        try await kind.with { database in
            try await Self.seededWithTerms(database)
            try await database.importText(.sales, Self.sales("L1,2026-01-15,D01,P01,Acme Mining,MT-12,hardware,10,5000.00,AUD\n"))
            // Ends 2027-01-14; horizon 90 days → opens 2026-10-16; lapse after 30 days → last day 2027-02-13.
            #expect(try await Self.status(database, "D01:L1", asOf: "2026-10-15") == .upcoming)
            #expect(try await Self.status(database, "D01:L1", asOf: "2026-10-16") == .open)
            #expect(try await Self.status(database, "D01:L1", asOf: "2027-02-13") == .open)
            #expect(try await Self.status(database, "D01:L1", asOf: "2027-02-14") == .lapsed)
            // The default queue shows the worked statuses only.
            #expect(try await database.renewalOpportunities(RenewalFilter(asOf: Self.date("2026-10-15")), access: .vendor).items.isEmpty)
            #expect(try await database.renewalOpportunities(RenewalFilter(asOf: Self.date("2026-10-16")), access: .vendor).items.count == 1)
            let view = try await database.renewalOpportunity(1, asOf: Self.date("2026-12-15"), access: .vendor).0
            #expect((view.window.opensOn, view.window.lastDay, view.window.lapsesOn, view.daysToEnd) == (Self.date("2026-10-16"), Self.date("2027-02-13"), Self.date("2027-02-14"), 30))
        }
    }

    @Test(arguments: TestDatabase.available)
    func aRenewalLineRenewsTheOldestOpenOpportunityOfItsSKUAndCustomerByName(database kind: TestDatabase) async throws {
        try await kind.with { database in
            try await Self.seededWithTerms(database)
            try await database.importText(
                .sales,
                Self.sales(
                    """
                    A1,2026-01-15,D01,P01,Acme Pty Ltd,MT-12,hardware,10,5000.00,AUD
                    A2,2026-03-02,D01,P01,ACME,MT-12,hardware,4,2000.00,AUD
                    """))
            // Ends 2027-01-14 and 2027-03-01; a renewal for "The Acme Limited" on 2027-01-05 lies in both windows.
            try await database.importText(
                .sales,
                Self.sales(
                    """
                    R1,2027-01-05,D02,P02,The Acme Limited,MT-12,renewal,10,5000.00,AUD
                    R2,2027-01-06,D01,P01,Acme Mining,MT-12,renewal,10,5000.00,AUD
                    R3,2027-01-07,D01,P01,Acme Pty Ltd,MT-1,renewal,10,200.00,AUD
                    """))
            #expect(try await Self.status(database, "D01:A1", asOf: "2027-01-05") == .renewed)
            #expect(try await Self.status(database, "D01:A1", asOf: "2027-01-04") == .open)  // as of before the line: still open
            #expect(try await Self.status(database, "D01:A2", asOf: "2027-01-10") == .open)  // another customer and another SKU renew nothing
            let renewed = try await database.renewalOpportunity(1, asOf: Self.date("2027-01-10"), access: .vendor)
            #expect((renewed.0.renewedOn, renewed.0.renewedBy) == (Self.date("2027-01-05"), "D02:R1"))
            #expect(renewed.1.map(\.event) == ["renewed"])
            // The renewal line starts the next contract.
            #expect(try await Self.queue(database, asOf: "2027-01-10").first { $0.contractID == "D02:R1" }?.ends == Self.date("2028-01-04"))
            // Importing the renewals again renews nothing twice; a later line renews the next oldest.
            try await database.importText(.sales, Self.sales("R1,2027-01-05,D02,P02,The Acme Limited,MT-12,renewal,10,5000.00,AUD\n"))
            #expect(try await Self.status(database, "D01:A2", asOf: "2027-01-10") == .open)
            try await database.importText(.sales, Self.sales("R4,2027-02-20,D01,P01,acme,MT-12,renewal,4,2000.00,AUD\n"))
            #expect(try await Self.status(database, "D01:A2", asOf: "2027-02-20") == .renewed)
        }
    }

    @Test(arguments: TestDatabase.available)
    func aLineOutsideTheWindowOrAfterALapseRenewsNothing(database kind: TestDatabase) async throws {
        try await kind.with { database in
            try await Self.seededWithTerms(database)
            try await database.importText(
                .sales,
                Self.sales(
                    """
                    A1,2026-01-15,D01,P01,Acme,MT-12,hardware,10,5000.00,AUD
                    B1,2026-01-15,D01,P01,Bolt,MT-12,hardware,10,5000.00,AUD
                    """))
            try await database.lapseRenewal(2, reason: "customer moved to a competitor", on: Self.date("2026-12-01"), access: .vendor, actor: "officer")
            try await database.importText(
                .sales,
                Self.sales(
                    """
                    R1,2026-10-15,D01,P01,Acme,MT-12,renewal,10,5000.00,AUD
                    R2,2027-02-14,D01,P01,Acme,MT-12,renewal,10,5000.00,AUD
                    R3,2026-12-02,D01,P01,Bolt,MT-12,renewal,10,5000.00,AUD
                    """))
            #expect(try await Self.status(database, "D01:A1", asOf: "2027-02-20") == .lapsed)  // the day before opening, the first day lapsed
            #expect(try await Self.status(database, "D01:B1", asOf: "2027-01-01") == .lapsed)  // lapsed by hand first
            #expect(try await Self.status(database, "D01:B1", asOf: "2026-11-30") == .open)  // not yet lapsed then
        }
    }

    @Test(arguments: TestDatabase.available)
    func nothingIsRecordedOnADecidedOpportunityOrBeforeItsHistory(database kind: TestDatabase) async throws {
        try await kind.with { database in
            try await Self.seededWithTerms(database)
            try await database.importText(.sales, Self.sales("A1,2026-01-15,D01,P01,Acme,MT-12,hardware,10,5000.00,AUD\nB1,2026-01-15,D01,P01,Bolt,MT-12,hardware,1,500.00,AUD\n"))
            let summary = try await database.importText(.sales, Self.sales("R1,2026-12-01,D01,P01,Acme,MT-12,renewal,10,5000.00,AUD\n"))
            #expect(summary.description.hasSuffix("; 1 renewal opportunity renewed"))
            // Renewed on 2026-12-01: a quote or a lapse dated before it is refused, not slipped in underneath.
            #expect(await Self.refusal { try await database.quoteRenewal(1, amount: Self.aud("1.00"), on: Self.date("2026-11-01"), access: .vendor, actor: "a") }
                == "renewal opportunity 1 was renewed on 2026-12-01: nothing more is recorded on it")
            #expect(await Self.refusal { try await database.lapseRenewal(1, reason: "x", on: Self.date("2026-11-01"), access: .vendor, actor: "a") }
                == "renewal opportunity 1 was renewed on 2026-12-01: nothing more is recorded on it")
            try await database.quoteRenewal(2, amount: Self.aud("450.00"), on: Self.date("2026-11-20"), access: .vendor, actor: "a")
            #expect(await Self.refusal { try await database.quoteRenewal(2, amount: Self.aud("400.00"), on: Self.date("2026-11-10"), access: .vendor, actor: "a") }
                == "renewal opportunity 2 has a record dated 2026-11-20: date this one on or after it")
            try await database.lapseRenewal(2, reason: "gone", on: Self.date("2026-12-10"), access: .vendor, actor: "a")
            #expect(await Self.refusal { try await database.lapseRenewal(2, reason: "again", on: Self.date("2026-12-05"), access: .vendor, actor: "a") }
                == "renewal opportunity 2 was lapsed on 2026-12-10: nothing more is recorded on it")
            #expect(try await database.count("renewal_events") == 3)
            #expect(try await database.integrityProblems() == [])
        }
    }

    @Test(arguments: TestDatabase.available)
    func awkwardLinesNeitherBreakNorMisleadTheMatch(database kind: TestDatabase) async throws {
        try await kind.with { database in
            try await Self.seededWithTerms(database)
            // A tab inside a name; a name of punctuation only; the same renewal line twice in one file.
            try await database.importText(
                .sales,
                Self.sales(
                    """
                    A1,2026-01-15,D01,P01,"Acme\tMining",MT-12,hardware,10,5000.00,AUD
                    A2,2026-01-15,D01,P01,"A\tB",MT-12,hardware,1,500.00,AUD
                    B1,2026-01-15,D01,P01,???,MT-12,hardware,10,5000.00,AUD
                    """))
            let customers = try await Self.queue(database, asOf: "2026-12-01").map(\.customer)
            #expect(customers == ["Acme\tMining", "A\tB", "???"])
            let summary = try await database.importText(
                .sales,
                Self.sales(
                    """
                    R1,2026-12-01,D01,P01,acme mining,MT-12,renewal,10,5000.00,AUD
                    R1,2026-12-01,D01,P01,acme mining,MT-12,renewal,10,5000.00,AUD
                    R2,2026-12-02,D01,P01,!!!,MT-12,renewal,10,5000.00,AUD
                    """))
            #expect(summary.renewalsRenewed == 1)
            #expect(try await Self.status(database, "D01:A1", asOf: "2026-12-05") == .renewed)
            #expect(try await Self.status(database, "D01:B1", asOf: "2026-12-05") == .open)  // no name, no match
            let audited = try await database.auditLog(partner: PartnerCode(rawValue: "P01")).filter { $0.action == "renewal renewed" }
            #expect(audited.map(\.after) == ["renewed on 2026-12-01 by renewal line D01:R1"])
        }
    }

    @Test(arguments: TestDatabase.available)
    func theOwnerIsTheSellingDistributorOrTheVendor(database kind: TestDatabase) async throws {
        let lines = Self.sales(
            """
            A1,2026-01-15,D01,P01,Acme,MT-12,hardware,10,5000.00,AUD
            A2,2026-01-15,DIRECT,N01,Big Bank,MT-12,hardware,10,5000.00,AUD
            """)
        try await kind.with { database in
            try await Self.seededWithTerms(database)
            try await database.importText(.sales, lines)
            let owners = try await Self.queue(database, asOf: "2026-12-01").map { "\($0.contractID) \($0.owner)" }
            #expect(owners == ["D01:A1 D01", "DIRECT:A2 DIRECT"])
            #expect(try await Self.queue(database, asOf: "2026-12-01", owner: "D01").map(\.contractID) == ["D01:A1"])
            // The customer search compares names as referrals are: case, punctuation and legal suffixes aside.
            let found = try await database.renewalOpportunities(RenewalFilter(asOf: Self.date("2026-12-01"), customer: "BIG-bank Ltd"), access: .vendor)
            #expect(found.items.map(\.contractID) == ["DIRECT:A2"])
            #expect(try await database.renewalOpportunities(RenewalFilter(asOf: Self.date("2026-12-01"), customer: "%"), access: .vendor).items.count == 2)
        }
        let vendorProgram = Program.articleTOML.replacingOccurrences(of: "owner = \"distributor\"", with: "owner = \"vendor\"")
        try await kind.with(programTOML: vendorProgram) { database in
            try await Self.seededWithTerms(database)
            try await database.importText(.sales, lines)
            let owners = try await Self.queue(database, asOf: "2026-12-01").map { "\($0.contractID) \($0.owner)" }
            #expect(owners == ["D01:A1 DIRECT", "DIRECT:A2 DIRECT"])
            #expect(try await Self.queue(database, asOf: "2026-12-01", owner: "D01").isEmpty)
            // A distributor owns nothing when the vendor owns every renewal.
            #expect(try await Self.queue(database, asOf: "2026-12-01", access: RenewalAccess(scope: .ownedBy("D01"), mayQuote: true, mayLapse: false)).isEmpty)
            let rate = try await database.renewalRate(try Quarter.parse("2027Q1"), asOf: Self.date("2027-01-01"), access: .vendor)
            #expect(rate.map(\.owner) == ["DIRECT"])
        }
    }

    @Test(arguments: TestDatabase.available)
    func eachLoginSeesAndWorksOnlyItsScope(database kind: TestDatabase) async throws {
        try await kind.with { database in
            try await Self.seededWithTerms(database)
            try await database.importText(
                .sales,
                Self.sales(
                    """
                    A1,2026-01-15,D01,P01,Acme,MT-12,hardware,10,5000.00,AUD
                    A2,2026-01-16,D02,P02,Bolt,MT-12,hardware,10,5000.00,AUD
                    A3,2026-01-17,DIRECT,N01,Big Bank,MT-12,hardware,10,5000.00,AUD
                    """))
            _ = try await database.addUser(email: "officer@vendor.example", role: .maintenanceOfficer, partner: nil, password: "long enough password", actor: "t", bcryptCost: 4)
            try await database.assignContact(partner: PartnerCode(rawValue: "D02"), email: "officer@vendor.example", role: .maintenanceOfficer, actor: "t")
            let mine = try await database.distributors(ofMaintenanceOfficer: "officer@vendor.example")
            let officer = RenewalAccess(scope: .soldBy(Set(mine.map(\.rawValue))), mayQuote: true, mayLapse: true)
            #expect(try await Self.queue(database, asOf: "2026-12-01", access: officer).map(\.contractID) == ["D02:A2"])
            var filter = RenewalFilter(asOf: Self.date("2026-12-01"))
            filter.officer = "officer@vendor.example"
            #expect(try await database.renewalOpportunities(filter, access: .vendor).items.map(\.contractID) == ["D02:A2"])
            let distributor = RenewalAccess(scope: .ownedBy("D01"), mayQuote: true, mayLapse: false)
            #expect(try await Self.queue(database, asOf: "2026-12-01", access: distributor).map(\.contractID) == ["D01:A1"])
            let reseller = RenewalAccess(scope: .boughtBy(PartnerID(try await database.plainRows("SELECT id FROM partners WHERE code = 'N01'")[0].integer(0))), mayQuote: false, mayLapse: false)
            #expect(try await Self.queue(database, asOf: "2026-12-01", access: reseller).map(\.contractID) == ["DIRECT:A3"])
            // Outside its scope an opportunity does not exist; inside, what the login may not do is refused.
            #expect(await Self.refusal { try await database.quoteRenewal(1, amount: Self.aud("900.00"), on: Self.date("2026-12-01"), access: officer, actor: "o") } == "no renewal opportunity has the id 1")
            #expect(await Self.refusal { try await database.lapseRenewal(1, reason: "x", on: Self.date("2026-12-01"), access: distributor, actor: "d") } == "this login may not lapse renewal opportunities")
            #expect(await Self.refusal { try await database.quoteRenewal(3, amount: Self.aud("900.00"), on: Self.date("2026-12-01"), access: reseller, actor: "r") } == "this login may not quote renewal opportunities")
            try await database.quoteRenewal(1, amount: Self.aud("4800.00"), on: Self.date("2026-12-01"), access: distributor, actor: "d01@partner.example")
            #expect(try await Self.status(database, "D01:A1", asOf: "2026-12-01") == .quoted)
        }
    }

    @Test(arguments: TestDatabase.available)
    func quotesAndLapsesAreRecordedAuditedAndRefusedOutsideTheWindow(database kind: TestDatabase) async throws {
        try await kind.with { database in
            try await Self.seededWithTerms(database)
            try await database.importText(.sales, Self.sales("A1,2026-01-15,D01,P01,Acme,MT-12,hardware,10,5000.00,AUD\n"))
            #expect(await Self.refusal { try await database.quoteRenewal(1, amount: Self.aud("4800.00"), on: Self.date("2026-10-15"), access: .vendor, actor: "a") }
                .hasPrefix("renewal opportunity 1 is not open yet"))
            #expect(await Self.refusal { try await database.quoteRenewal(1, amount: Self.aud("0.00"), on: Self.date("2026-11-01"), access: .vendor, actor: "a") } == "amount: a quote is more than 0")
            #expect(await Self.refusal { try await database.quoteRenewal(9, amount: Self.aud("1.00"), on: Self.date("2026-11-01"), access: .vendor, actor: "a") } == "no renewal opportunity has the id 9")
            try await database.quoteRenewal(1, amount: Self.aud("4800.00"), on: Self.date("2026-11-01"), access: .vendor, actor: "a")
            try await database.quoteRenewal(1, amount: Self.aud("4500.00"), on: Self.date("2026-11-20"), access: .vendor, actor: "a")
            #expect(try await Self.status(database, "D01:A1", asOf: "2026-10-31") == .open)
            #expect(try await Self.status(database, "D01:A1", asOf: "2026-11-01") == .quoted)
            #expect(await Self.refusal { try await database.lapseRenewal(1, reason: "  ", on: Self.date("2026-12-01"), access: .vendor, actor: "a") } == "a reason is required")
            try await database.lapseRenewal(1, reason: "budget cut", on: Self.date("2026-12-01"), access: .vendor, actor: "a")
            #expect(await Self.refusal { try await database.lapseRenewal(1, reason: "again", on: Self.date("2026-12-02"), access: .vendor, actor: "a") }
                == "renewal opportunity 1 was lapsed on 2026-12-01: nothing more is recorded on it")
            let (view, events) = try await database.renewalOpportunity(1, asOf: Self.date("2026-12-05"), access: .vendor)
            #expect((view.status, view.quote, view.lapseReason) == (.lapsed, Self.aud("4500.00"), "budget cut"))
            #expect(events.map { "\($0.date) \($0.event) \($0.amount?.decimalString ?? "") \($0.note)" } == [
                "2026-11-01 quoted 4800.00 ", "2026-11-20 quoted 4500.00 ", "2026-12-01 lapsed  budget cut",
            ])
            let audited = try await database.auditLog(partner: PartnerCode(rawValue: "P01")).map(\.action).filter { $0.hasPrefix("renewal") }
            #expect(audited.sorted() == ["renewal lapse", "renewal quote", "renewal quote"])
            // The history is append-only.
            #expect(await Self.refusal { try await database.sql.raw("DELETE FROM renewal_events").run() } != "no refusal")
            #expect(try await database.count("renewal_events") == 3)
        }
    }

    @Test(arguments: TestDatabase.available)
    func checkFindsAQueueThatDisagreesWithItsHistory(database kind: TestDatabase) async throws {
        try await kind.with { database in
            try await Self.seededWithTerms(database)
            try await database.importText(.sales, Self.sales("A1,2026-01-15,D01,P01,Acme,MT-12,hardware,10,5000.00,AUD\nB1,2026-01-15,D01,P01,Bolt,MT-12,hardware,1,500.00,AUD\n"))
            try await database.quoteRenewal(1, amount: Self.aud("4000.00"), on: Self.date("2026-11-01"), access: .vendor, actor: "a")
            try await database.importText(.sales, Self.sales("R1,2026-12-01,D01,P01,Acme,MT-12,renewal,10,5000.00,AUD\n"))
            #expect(try await database.integrityProblems() == [])
            // A lapse written into the queue by hand, with no history behind it.
            try await database.sql.raw("UPDATE maintenance_contracts SET lapsed_on = '2026-12-01', lapse_reason = 'by hand' WHERE contract_ref = 'D01:B1'").run()
            #expect(try await database.integrityProblems() == ["renewal opportunity 2 (contract D01:B1): its renewed, lapsed or quoted state disagrees with its history"])
        }
    }

    @Test(arguments: TestDatabase.available)
    func thePipelineBucketsByDaysToTheEndAndValuesAtThePriceBook(database kind: TestDatabase) async throws {
        try await kind.with { database in
            try await Self.seededWithTerms(database)
            try await database.importText(.contracts, ContractImportTests.header + """
                E30,Acme,P01,D01,MT-12,2,2025-12-31,2026-12-31
                E31,Acme,P01,D01,MT-12,3,2026-01-01,2027-01-01
                E60,Acme,P01,D01,MT-1,5,2026-01-30,2027-01-30
                E61,Acme,P01,D01,MT-12,7,2026-01-31,2027-01-31
                E90,Acme,P01,D02,MT-12,11,2026-03-01,2027-03-01
                E91,Acme,P01,D02,MT-12,13,2026-03-02,2027-03-02
                PAST,Acme,P01,D02,MT-12,17,2025-11-01,2026-11-30
                """)
            // As of 2026-12-01 (horizon 90: everything ending by 2027-03-01 is open).
            let rows = try await database.renewalPipeline(asOf: Self.date("2026-12-01"), access: .vendor)
            #expect(rows.map(\.owner) == ["D01", "D02"])
            #expect((rows[0].due0To30, rows[0].due31To60, rows[0].due61To90, rows[0].seats0To90) == (1, 2, 1, 17))
            // 2 × 500 + 3 × 500 + 5 × 20 + 7 × 500 = 6,100.00
            #expect(rows[0].value0To90 == Self.aud("6100.00"))
            // Ending in 90 days counts; in 91, not yet (upcoming); already ended, not in the pipeline.
            #expect((rows[1].due0To30, rows[1].due31To60, rows[1].due61To90, rows[1].seats0To90, rows[1].value0To90) == (0, 0, 1, 11, Self.aud("5500.00")))
        }
    }

    @Test(arguments: TestDatabase.available)
    func theRateIsRenewedOverDecidedRoundedDown(database kind: TestDatabase) async throws {
        try await kind.with { database in
            try await Self.seededWithTerms(database)
            try await database.importText(.contracts, ContractImportTests.header + """
                C1,Acme,P01,D01,MT-12,1,2026-01-01,2026-12-31
                C2,Bolt,P01,D01,MT-12,1,2026-01-01,2026-12-31
                C3,Core,P01,D01,MT-12,1,2026-01-01,2026-12-31
                C4,Dart,P01,D01,MT-12,1,2026-01-01,2026-12-31
                C5,Echo,P02,D02,MT-12,1,2026-01-01,2026-12-31
                """)
            try await database.importText(
                .sales,
                Self.sales(
                    """
                    R1,2026-12-01,D01,P01,Acme,MT-12,renewal,1,500.00,AUD
                    R2,2026-12-02,D01,P01,Bolt,MT-12,renewal,1,500.00,AUD
                    """))
            try await database.lapseRenewal(3, reason: "closed down", on: Self.date("2026-12-03"), access: .vendor, actor: "a")
            let quarter = try Quarter.parse("2026Q4")
            var rows = try await database.renewalRate(quarter, asOf: Self.date("2026-12-10"), access: .vendor)
            // D01: 2 renewed, 1 lapsed, 1 open → 2 / 3 = 6666.67 → 6666 bps; D02: nothing decided → no rate.
            #expect(rows == [
                RenewalRateRow(owner: "D01", ending: 4, renewed: 2, lapsed: 1, open: 1, rateBasisPoints: 6666),
                RenewalRateRow(owner: "D02", ending: 1, renewed: 0, lapsed: 0, open: 1, rateBasisPoints: nil),
            ])
            // After the grace days the open ones have lapsed.
            rows = try await database.renewalRate(quarter, asOf: Self.date("2027-01-31"), access: .vendor)
            #expect(rows.map(\.rateBasisPoints) == [5000, 0])
        }
    }
}

/// `import contracts` on both databases: streaming validation, every problem, all or nothing, idempotent.
@Suite struct ContractImportTests {
    static let header = "contract_id,customer,reseller,source,sku,seats,starts,ends\n"

    @Test(arguments: TestDatabase.available)
    func contractsImportAllOrNothingAndAgainChangeNothing(database kind: TestDatabase) async throws {
        try await kind.with { database in
            try await RenewalTests.seededWithTerms(database)
            let file = Self.header + """
                K-1,Acme,P01,D01,MT-12,10,2025-06-01,2026-05-31
                K-2,Big Bank,N01,DIRECT,MT-12,5,2025-07-01,2026-06-30
                """
            #expect(try await database.importText(.contracts, file).description == "imported 2 lines (2 new, 0 already present)")
            #expect(try await database.importText(.contracts, file).description == "imported 2 lines (0 new, 2 already present)")
            let bad = Self.header + """
                K-3,Acme,Z99,D01,MT-12,10,2025-06-01,2026-05-31
                K-4,Acme,P01,P02,HW-1,0,2025-06-01,2025-05-31
                K-1,Acme,P01,D01,MT-12,11,2025-06-01,2026-05-31
                K:5,Acme,D01,D01,MT-12,1,2025-06-01,2026-05-31
                """
            let reported = await problems { try await database.importText(.contracts, bad) }
            #expect(reported == [
                "contracts.csv:2: reseller: no partner has the code 'Z99'",
                "contracts.csv:3: seats: 0 is out of range (1 to \(LineLimits.maximumSeats))",
                "contracts.csv:3: ends: 2025-05-31 is before the contract starts (2025-06-01)",
                // What a line names is checked even when another of its fields is bad: every problem at once.
                "contracts.csv:3: source: P02 is a reseller, not a distributor",
                "contracts.csv:3: sku: 'HW-1' has no maintenance term in the price book",
                "contracts.csv:5: contract_id: 'K:5' may hold only letters, digits, '-', '_', '.' and '/'",
                "contracts.csv:5: reseller: D01 is a distributor, not a reseller",
                // Compared with what is stored a batch at a time, after the batch's own checks.
                "contracts.csv:4: contract_id: K-1 is already recorded with a different seats",
            ])
            #expect(try await database.count("maintenance_contracts") == 2)
            // DIRECT is the vendor's route, never a partner: a distributor coded DIRECT would own the vendor's renewals.
            let direct = await problems { try await database.importText(.partners, "code,name,kind,tier,distributors,abn\nDIRECT,Sneaky,distributor,,,\n") }
            #expect(direct == ["partners.csv:2: code: DIRECT is the vendor's own route (a sale's source), not a partner code"])
            let noTerm = await problems { try await database.importText(.contracts, Self.header + "K-6,Acme,P01,P02,HW-1,1,2025-06-01,2026-05-31\n") }
            #expect(noTerm == ["contracts.csv:2: source: P02 is a reseller, not a distributor", "contracts.csv:2: sku: 'HW-1' has no maintenance term in the price book"])
        }
    }
}
