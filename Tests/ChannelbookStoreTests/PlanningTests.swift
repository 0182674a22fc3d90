import ChannelbookCore
import SQLKit
import Testing

@testable import ChannelbookStore

/// What-if runs, near-tier lists, tier progress and enablement: the quarter engine on stored facts, both databases.
@Suite struct PlanningTests {
    private static let q1 = try! Quarter.parse("2026Q1")
    private static let q2 = try! Quarter.parse("2026Q2")

    /// Every row of every table, in a fixed order: what "nothing written" is checked against.
    private static func snapshot(_ database: ChannelbookDatabase) async throws -> [String: [String]] {
        let tables = database.dialect == .sqlite
            ? try await database.plainRows("SELECT name FROM sqlite_master WHERE type = 'table' AND name NOT LIKE 'sqlite_%' ORDER BY name").map { try $0.text(0) }
            : try await database.plainRows("SELECT table_name::text FROM information_schema.tables WHERE table_schema = current_schema() ORDER BY 1").map { try $0.text(0) }
        var rows: [String: [String]] = [:]
        for table in tables {
            rows[table] = try await database.sql.raw("SELECT * FROM \(unsafeRaw: table)").all().map { row in
                row.allColumns.map { column in
                    (try? row.decode(column: column, as: String?.self)).flatMap { $0 } ?? (try? row.decode(column: column, as: Int64?.self)).flatMap { $0 }.map(String.init) ?? "∅"
                }.joined(separator: "|")
            }.sorted()
        }
        return rows
    }

    private static let graduated = Program.articleTOML.replacingOccurrences(of: "mode = \"volume\"                  # or \"graduated\"", with: "mode = \"graduated\"")

    @Test(arguments: TestDatabase.available)
    func whatIfRecomputesClosedQuartersUnderAProposedProgramAndWritesNothing(database kind: TestDatabase) async throws {
        try await kind.with { database in
            try await seeded(database)
            try await database.importText(.sales, Fixtures.sales)
            _ = try await database.closeQuarter(Self.q1)
            let before = try await Self.snapshot(database)
            // The same program: no change anywhere.
            let same = try await database.whatIf(.article, from: Self.q1, through: Self.q1)
            #expect(same.rows.allSatisfy { $0.delta.isZero })
            #expect(same.current == same.proposed)
            #expect(!same.rows.isEmpty)
            // Graduated tiers: P01's 51,199.50 earns 5 % of 20,000.00 + 7.5 % of 1,199.50 = 1,089.9625 → 1,089.96
            // instead of 7.5 % of the whole basis, 3,839.96 (volume).
            let proposed = try ProgramFile.parse(Self.graduated)
            let result = try await database.whatIf(proposed, from: Self.q1, through: Self.q1)
            let p01 = try #require(result.rows.first { $0.partner == "P01" })
            #expect(p01.current.minorUnits == 3_839_96)
            #expect(p01.proposed.minorUnits == 1_089_96)
            #expect(p01.delta.minorUnits == -2_750_00)
            #expect(result.quarters.count == 1)
            #expect(result.delta == (try result.proposed.subtracting(result.current)))
            #expect(try await Self.snapshot(database) == before)
            // Only closed quarters; a range must run forwards.
            await #expect(throws: StoreError.quarterNotClosed(Self.q2)) { _ = try await database.whatIf(proposed, from: Self.q1, through: Self.q2) }
            await #expect(throws: WhatIfError.emptyRange(first: Self.q2, last: Self.q1)) { _ = try await database.whatIf(proposed, from: Self.q2, through: Self.q1) }
        }
    }

    @Test(arguments: TestDatabase.available)
    func progressAndNearTierCountSalesSoFar(database kind: TestDatabase) async throws {
        try await kind.with { database in
            try await seeded(database)
            try await database.importText(.sales, Fixtures.sales)
            // P01 on 2026-01-31: only D01-1 (30,000.00 hardware) so far.
            let january = try #require(try await database.tierProgress(of: "P01", on: try BusinessDate.parse("2026-01-31"), linesDatedThrough: try BusinessDate.parse("2026-01-31")))
            // Without a cut-off, everything imported so far counts (the dashboards).
            #expect(try await database.tierProgress(of: "P01", on: try BusinessDate.parse("2026-01-31"))?.basis.minorUnits == 51_199_50)
            #expect(january.basis.minorUnits == 30_000_00)
            #expect(january.rate == BasisPoints(500))
            #expect(january.next?.shortfall?.minorUnits == 20_000_00)
            // At the quarter's end: 49,999.50 + 1,200.00 (D02-2) = 51,199.50.
            let march = try #require(try await database.tierProgress(of: "P01", on: Self.q1.lastDay))
            #expect(march.basis.minorUnits == 51_199_50)
            // Near-tier at 10 %: nobody; at 50 %: P01 (48,800.50 short of 100,000.00).
            #expect(try await database.nearTier(Self.q1, within: BasisPoints(1_000), asOf: Self.q1.lastDay).isEmpty)
            let wide = try await database.nearTier(Self.q1, within: BasisPoints(5_000), asOf: Self.q1.lastDay)
            #expect(wide.map(\.partner.rawValue).contains("P01"))
            #expect(wide.first { $0.partner == "P01" }?.progress.next?.shortfall?.minorUnits == 48_800_50)
            // A distributor has no progress.
            #expect(try await database.tierProgress(of: "D01", on: Self.q1.lastDay) == nil)
        }
    }

    @Test(arguments: TestDatabase.available)
    func enablementIsRecordedOnceAndReportedForEveryNationalReseller(database kind: TestDatabase) async throws {
        try await kind.with { database in
            try await seeded(database)
            let on = try BusinessDate.parse("2026-03-01")
            #expect(try await database.recordEnablement(partner: "N01", repEmail: "Ann@N01.example", repName: "Ann", course: "The way we sell", on: on, actor: "am"))
            #expect(!(try await database.recordEnablement(partner: "N01", repEmail: "ann@n01.example", repName: "Ann", course: "The way we sell", on: on, actor: "am")))
            let summary = try await database.importText(
                .enablement,
                "partner,rep_email,rep_name,course,completed_on\nN01,bob@n01.example,Bob,,\nN01,ann@n01.example,Ann,Security basics,2026-03-05\nP01,cy@p01.example,Cy,The way we sell,2026-02-01\nN01,ann@n01.example,Ann,The way we sell,2026-03-01\n")
            #expect(summary.new == 3)
            #expect(summary.present == 1)
            let again = try await database.importText(.enablement, "partner,rep_email,rep_name,course,completed_on\nN01,bob@n01.example,Bob,,\n")
            #expect(again.new == 0)
            let report = try await database.enablementReport(asOf: on)
            #expect(report.map(\.partner.rawValue) == ["N01", "P01"])
            let n01 = try #require(report.first)
            #expect((n01.reps, n01.trainedReps, n01.coursesCompleted, n01.lastCompleted?.description) == (2, 1, 2, "2026-03-05"))
            let reps = try await database.enablementReps(of: "N01")
            #expect(reps.map(\.email) == ["ann@n01.example", "bob@n01.example"])
            #expect(reps[0].courses.map(\.course) == ["The way we sell", "Security basics"])
            let problems = await problems {
                try await database.importText(.enablement, "partner,rep_email,rep_name,course,completed_on\nZ99,x@y.example,X,C,2026-01-01\nN01,not-an-email,X,C,2026-01-01\nN01,a@b.example,A,Course,\n")
            }
            #expect(problems == [
                "enablement.csv:2: partner: no partner has the code 'Z99'",
                "enablement.csv:3: rep_email: 'not-an-email' is not an email address",
                "enablement.csv:4: completed_on: is required with a course",
            ])
            // Enablement is no money: drafts stay current.
            #expect(try await database.count("enablement_courses") == 3)
        }
    }

    @Test(arguments: TestDatabase.available)
    func theEnablementListReadsTiersOnItsDayAndSortsFiltersAndPagesInSQL(database kind: TestDatabase) async throws {
        try await kind.with { database in
            try await seeded(database)
            // P02 becomes national on 2026-03-15: listed from that day, with no rep recorded.
            try await database.importText(.partners, "code,name,kind,tier,distributors,abn,tier_since\nP02,Premier Two,reseller,national,D01;D02,,2026-03-15\n")
            try await database.importText(
                .enablement, "partner,rep_email,rep_name,course,completed_on\nA01,al@a01.example,Al,The way we sell,2026-02-01\nA01,bo@a01.example,Bo,,\n")
            let directory = try await PartnerDirectory.load(from: database)
            for day in ["2026-03-14", "2026-03-15", "2026-06-30"].map({ try! BusinessDate.parse($0) }) {
                let report = try await database.enablementReport(asOf: day)
                // The tier in SQL is the directory's on the day, for every row listed.
                for row in report { #expect(row.tier == directory.tier(of: directory.byCode[row.partner]!.id, on: day), "\(row.partner) on \(day)") }
                #expect(report.map(\.partner.rawValue) == (day.description == "2026-03-14" ? ["A01", "N01"] : ["A01", "N01", "P02"]), "\(day)")
            }
            let day = try BusinessDate.parse("2026-03-31")
            func partners(by column: EnablementColumn, descending: Bool = false, limit: Int = 50, manager: String? = nil) async throws -> ([String], Int) {
                let page = try await database.enablementTable(asOf: day, accountManager: manager, TableSlice(column: column, descending: descending, limit: limit))
                return (page.items.map(\.partner.rawValue), page.total)
            }
            #expect(try await partners(by: .reps, descending: true) == (["A01", "P02", "N01"], 3))  // 2 reps, then none by code descending
            #expect(try await partners(by: .tier, limit: 1) == (["A01"], 3))
            #expect(try await partners(by: .last).0 == ["N01", "P02", "A01"])  // no completion first
            _ = try await database.addUser(email: "am@vendor.example", role: .accountManager, partner: nil, password: "account manager secret", actor: "t", bcryptCost: 4)
            try await database.assignContact(partner: "P02", email: "AM@vendor.example", role: .accountManager, actor: "t")
            #expect(try await partners(by: .partner, manager: "am@vendor.example") == (["P02"], 1))
            #expect(try await partners(by: .manager, descending: true).0 == ["P02", "N01", "A01"])
        }
    }

    @Test(arguments: TestDatabase.available)
    func theChannelOverviewShowsTheLatestQuarterWithSalesThatCountTowardATier(database kind: TestDatabase) async throws {
        try await kind.with { database in
            try await seeded(database)
            try await database.importText(.sales, Fixtures.sales)
            // A renewal in 2026Q2 is no sale toward a tier: the overview stays on 2026Q1.
            try await database.importText(.sales, Fixtures.salesHeader + "RN-9,2026-04-10,D01,P01,Acme Mining,RN-1,renewal,10,900.00,AUD\n")
            let overview = try await database.channelOverview(asOf: try BusinessDate.parse("2026-05-01"))
            #expect(overview.quarter?.description == "2026Q1")
            try await database.importText(.sales, Fixtures.salesHeader + "HW-9,2026-04-11,D01,P01,Acme Mining,HW-1,hardware,1,1000.00,AUD\n")
            #expect(try await database.channelOverview(asOf: try BusinessDate.parse("2026-05-01")).quarter?.description == "2026Q2")
        }
    }
}
