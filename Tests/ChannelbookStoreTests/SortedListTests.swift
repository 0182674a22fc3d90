import ChannelbookCore
import Testing

@testable import ChannelbookStore

/// The lists people sort, filter and page (issue 16): every cut is made in SQL, and a referral's status in SQL is
/// the one `ReferralLifecycle.status(on:)` gives.
@Suite struct SortedListTests {
    private static func day(_ text: String) -> BusinessDate { try! BusinessDate.parse(text) }

    /// Referrals in every status on 2026-03-01: registered, approved, expired, rejected, won, lost, one rejected
    /// later than that day, and one registered after it.
    private static func referralsInEveryStatus(_ database: ChannelbookDatabase) async throws -> [String: ReferralID] {
        try await seeded(database)
        func register(_ partner: String, _ customer: String, _ on: String) async throws -> ReferralID {
            try await database.registerReferral(
                ReferralRequest(partner: PartnerCode(partner), customer: customer, domain: "\(customer.lowercased()).example"), on: day(on), actor: "p")
        }
        var ids: [String: ReferralID] = [:]
        ids["registered"] = try await register("P01", "Bravo", "2026-02-01")
        ids["approved"] = try await register("P02", "Alpha", "2026-02-02")
        try await database.approveReferral(ids["approved"]!, fulfiller: nil, on: day("2026-02-03"), actor: "v")
        ids["expired"] = try await register("P01", "Delta", "2025-09-01")
        try await database.approveReferral(ids["expired"]!, fulfiller: nil, on: day("2025-09-02"), actor: "v")
        ids["rejected"] = try await register("A01", "Echo", "2026-01-05")
        try await database.rejectReferral(ids["rejected"]!, reason: "not ours", on: day("2026-01-06"), actor: "v")
        ids["won"] = try await register("P01", "Foxtrot", "2026-01-07")
        try await database.approveReferral(ids["won"]!, fulfiller: nil, on: day("2026-01-08"), actor: "v")
        _ = try await database.closeReferral(ids["won"]!, sku: "HW-1", seats: 10, on: day("2026-02-10"), fulfiller: nil, actor: "v", today: day("2026-02-10"))
        ids["lost"] = try await register("P02", "Golf", "2026-01-09")
        try await database.loseReferral(ids["lost"]!, reason: "price", on: day("2026-01-10"), actor: "v")
        ids["rejectedLater"] = try await register("N01", "Hotel", "2026-02-20")
        try await database.rejectReferral(ids["rejectedLater"]!, reason: "late", on: day("2026-03-05"), actor: "v")
        ids["future"] = try await register("P01", "India", "2026-03-02")
        return ids
    }

    @Test(arguments: TestDatabase.available)
    func aReferralsStatusInSQLIsTheLifecyclesOnEveryDay(database kind: TestDatabase) async throws {
        try await kind.with { database in
            _ = try await Self.referralsInEveryStatus(database)
            // Each day around every event: the SQL filter finds exactly the registrations the lifecycle gives that status.
            for date in ["2025-09-01", "2025-12-01", "2026-01-06", "2026-02-03", "2026-02-10", "2026-03-01", "2026-03-05", "2026-06-01"].map(Self.day) {
                let all = try await database.referrals(asOf: date)
                for status in ReferralStatus.allCases {
                    let bySQL = try await database.referrals(status: status, asOf: date).map(\.id)
                    #expect(bySQL == all.filter { $0.status == status }.map(\.id), "\(status) on \(date)")
                }
            }
            let onMarch1 = try await database.referrals(asOf: Self.day("2026-03-01"))
            #expect(Set(onMarch1.map(\.status)) == Set(ReferralStatus.allCases))
            #expect(onMarch1.count == 7, "the referral registered on 2026-03-02 is not listed on 2026-03-01")
        }
    }

    @Test(arguments: TestDatabase.available)
    func theReferralListSortsFiltersAndPagesInSQL(database kind: TestDatabase) async throws {
        try await kind.with { database in
            let ids = try await Self.referralsInEveryStatus(database)
            let asOf = Self.day("2026-03-01")
            func customers(by column: ReferralColumn, _ filter: ReferralFilter = ReferralFilter(), descending: Bool = false, offset: Int = 0, limit: Int = 50)
                async throws -> [String]
            {
                try await database.referralTable(filter, asOf: asOf, TableSlice(column: column, descending: descending, offset: offset, limit: limit)).items.map(\.customer)
            }
            #expect(try await customers(by: .customer) == ["Alpha", "Bravo", "Delta", "Echo", "Foxtrot", "Golf", "Hotel"])
            #expect(try await customers(by: .customer, descending: true) == ["Hotel", "Golf", "Foxtrot", "Echo", "Delta", "Bravo", "Alpha"])
            // By status (its words sort: approved, expired, lost, registered, registered, rejected, won), equal ones by id.
            #expect(try await customers(by: .status) == ["Alpha", "Delta", "Golf", "Bravo", "Hotel", "Echo", "Foxtrot"])
            #expect(try await customers(by: .registered) == ["Delta", "Echo", "Foxtrot", "Golf", "Bravo", "Alpha", "Hotel"])
            // Open-ended (never approved) first, then by date of expiry.
            #expect(try await customers(by: .expires).prefix(4).sorted() == ["Bravo", "Echo", "Golf", "Hotel"])
            // Pages: two of three, then the last one; the count is of every match.
            let page = try await database.referralTable(ReferralFilter(), asOf: asOf, TableSlice(column: .customer, offset: 6, limit: 3))
            #expect(page.items.map(\.customer) == ["Hotel"])
            #expect(page.total == 7)
            // Filters: a status, a partner, part of a customer's name in any case (a % is taken literally).
            #expect(try await customers(by: .id, ReferralFilter(status: .registered)) == ["Bravo", "Hotel"])
            #expect(try await customers(by: .id, ReferralFilter(partner: "P01"), descending: true) == ["Foxtrot", "Delta", "Bravo"])
            #expect(try await customers(by: .id, ReferralFilter(customer: "OTE")) == ["Hotel"])
            #expect(try await customers(by: .id, ReferralFilter(customer: "%")).isEmpty)
            #expect(try await database.referralTable(ReferralFilter(partner: "P01", status: .won), asOf: asOf, TableSlice(column: .id, limit: 5)).items.map(\.id) == [ids["won"]!])
        }
    }

    @Test(arguments: TestDatabase.available)
    func aQuartersStatementsSortFilterAndStandInSQL(database kind: TestDatabase) async throws {
        try await kind.with { database in
            try await seeded(database)
            let q1 = try Quarter.parse("2026Q1")
            try await database.importText(
                .sales,
                Fixtures.salesHeader + "A,2026-01-10,D01,P01,Acme,HW-1,hardware,1,50000.00,AUD\nB,2026-01-11,DIRECT,N01,Bank,HW-1,hardware,1,100000.00,AUD\n"
                    + "C,2026-01-12,D01,P02,Cog,HW-1,hardware,1,30000.00,AUD\n")
            _ = try await database.closeQuarter(q1, today: Self.day("2026-04-01"))
            try await database.holdStatement(q1, partner: "P02", reason: "checking a credit", actor: "finance@v")
            _ = try await database.approveStatements(q1, partner: "N01", actor: "finance@v")
            func partners(by column: StatementColumn, _ filter: StatementFilter = StatementFilter(), descending: Bool = false) async throws -> [String] {
                try await database.statementTable(q1, filter, TableSlice(column: column, descending: descending, limit: 50)).items.map(\.partner.rawValue)
            }
            #expect(try await partners(by: .partner) == ["N01", "P01", "P02"])
            #expect(try await partners(by: .total, descending: true) == ["N01", "P01", "P02"])
            #expect(try await partners(by: .total) == ["P02", "P01", "N01"])
            #expect(try await partners(by: .partner, StatementFilter(standing: .held)) == ["P02"])
            #expect(try await partners(by: .partner, StatementFilter(standing: .draft)) == ["P01", "P02"])
            #expect(try await partners(by: .partner, StatementFilter(standing: .approved)) == ["N01"])
            #expect(try await partners(by: .partner, StatementFilter(search: "premier two")) == ["P02"])
            let held = try #require(try await database.statementTable(q1, StatementFilter(standing: .held), TableSlice(column: StatementColumn.partner, limit: 5)).items.first)
            #expect(held.hold?.reason == "checking a credit" && held.isHeld)
            let standing = try await database.quarterStanding(q1)
            #expect(standing == QuarterStanding(drafts: 2, held: 1, approved: 1, paid: 0, inPayoutFile: 1, settledByPayment: 1))
        }
    }
}
