import ChannelbookCore
import SQLKit
import Testing

@testable import ChannelbookStore

/// The findings of the money audit (issue 11), each on both databases with integer-only expectations.
@Suite struct MoneyEdgeCaseTests {
    private static let q1 = try! Quarter.parse("2026Q1")
    private static let q2 = try! Quarter.parse("2026Q2")
    private static let q4of2025 = try! Quarter.parse("2025Q4")

    /// Lines written as `line_id,date,source,reseller,amount` (hardware, one seat).
    private static func sales(_ lines: [(String, String, String, String, String)]) -> String {
        Fixtures.salesHeader + lines.map { "\($0.0),\($0.1),\($0.2),\($0.3),Customer,HW-1,hardware,1,\($0.4),AUD\n" }.joined()
    }

    /// Every adjustment line for `quarter` on any live statement: (partner statement reference, amount).
    private static func adjustments(of quarter: Quarter, in database: ChannelbookDatabase) async throws -> [String] {
        try await database.plainRows(
            """
            SELECT s.reference, l.amount_minor FROM statement_lines l JOIN statements s ON s.id = l.statement_id
            WHERE l.kind = 'adjustment' AND l.for_quarter = $1 AND s.status <> 'void' ORDER BY s.reference
            """, [.text(quarter.description)]
        ).map { "\(try $0.text(0)) \(try $0.integer(1))" }
    }

    // 1. A late line is paid although the partner had nothing approved for its quarter.
    @Test(arguments: TestDatabase.available)
    func aLateLineIsPaidOnTheNextStatementWhenThePartnerHadNothingApproved(database kind: TestDatabase) async throws {
        try await kind.with { database in
            try await seeded(database)
            try await database.importText(.sales, Self.sales([("N1", "2026-01-10", "DIRECT", "N01", "100000.00")]))
            _ = try await database.closeQuarter(Self.q1)
            try await database.approveStatements(Self.q1, actor: "finance")
            // P01 had no statement in the approved 2026Q1; its line arrives late: 5 % of 30,000.00.
            try await database.importText(.sales, Self.sales([("LATE", "2026-02-10", "D01", "P01", "30000.00")]))
            try await database.importText(.sales, Self.sales([("N2", "2026-04-10", "DIRECT", "N01", "10.00")]))
            _ = try await database.closeQuarter(Self.q2)
            let next = try await database.statement(partner: "P01", quarter: Self.q2)
            #expect(next.lines.map(\.kind) == [.adjustment])
            #expect(next.lines.map(\.amount.minorUnits) == [1_500_00])
            #expect(next.lines.first?.forQuarter == Self.q1)
            let explanation = try #require(next.lines.first?.explanation)
            #expect(explanation.contains { $0.hasPrefix("arrived after approval: D01 LATE dated 2026-02-10") })
            // Closing 2026Q1 again does not open a draft inside the approved quarter, nor a second adjustment.
            _ = try await database.closeQuarter(Self.q1)
            await #expect(throws: StatementError.noStatement(partner: "P01", quarter: Self.q1)) {
                _ = try await database.statement(partner: "P01", quarter: Self.q1)
            }
            #expect(try await Self.adjustments(of: Self.q1, in: database) == ["CB-2026Q2-P01-1 150000"])
            // Once approved, it is settled: no further adjustment.
            try await database.approveStatements(Self.q2, actor: "finance")
            #expect(try await database.closeQuarter(Self.q2).adjustments == 0)
        }
    }

    /// Late money of two approved quarters for a partner with no statement in either: both adjustments on the
    /// first quarter after them, none inside an approved quarter, the same on every close; the approved report
    /// shows the partner's money as pending, not as approved.
    @Test(arguments: TestDatabase.available)
    func lateMoneyOfTwoApprovedQuartersLandsOnceAndTheSameOnEveryClose(database kind: TestDatabase) async throws {
        try await kind.with { database in
            try await seeded(database)
            let q3 = Self.q2.next
            try await database.importText(.sales, Self.sales([("N1", "2026-01-10", "DIRECT", "N01", "100000.00"), ("N2", "2026-04-10", "DIRECT", "N01", "100000.00")]))
            for quarter in [Self.q1, Self.q2] {
                _ = try await database.closeQuarter(quarter)
                try await database.approveStatements(quarter, actor: "finance")
            }
            try await database.importText(
                .sales, Self.sales([("L1", "2026-02-10", "D01", "P01", "30000.00"), ("L2", "2026-05-10", "D01", "P01", "50000.00"), ("N3", "2026-07-10", "DIRECT", "N01", "10.00")]))
            var seen: [[String]] = []
            for _ in 0..<2 {
                _ = try await database.closeQuarter(q3)
                seen.append(try await Self.adjustments(of: Self.q1, in: database) + Self.adjustments(of: Self.q2, in: database))
            }
            #expect(seen[0] == ["CB-2026Q3-P01-1 150000", "CB-2026Q3-P01-1 375000"])
            #expect(seen[1] == seen[0])
            await #expect(throws: StatementError.noStatement(partner: "P01", quarter: Self.q2)) {
                _ = try await database.statement(partner: "P01", quarter: Self.q2)
            }
            // Closing the approved 2026Q1 again: P01 gets no row there as if approved; its money is pending.
            _ = try await database.closeQuarter(Self.q1)
            #expect(try await database.rebates(for: Self.q1).map(\.partner.rawValue) == ["N01"])
            #expect(try await database.pendingAdjustments(of: Self.q1).map(\.statementReference) == ["CB-2026Q3-P01-1"])
        }
    }

    /// An explanation lists twenty late lines and counts and sums the rest: every line is accounted for.
    @Test(arguments: TestDatabase.available)
    func aTrueUpExplanationAccountsForEveryLateLine(database kind: TestDatabase) async throws {
        try await kind.with { database in
            try await seeded(database)
            try await database.importText(.sales, Self.sales([("A", "2026-01-10", "D01", "P01", "30000.00")]))
            _ = try await database.closeQuarter(Self.q1)
            try await database.approveStatements(Self.q1, actor: "finance")
            try await database.importText(.sales, Self.sales((0..<25).map { ("LATE\($0)", "2026-02-10", "D01", "P01", "1000.00") }))
            _ = try await database.closeQuarter(Self.q1)
            let adjustment = try #require(try await database.statement(partner: "P01", quarter: Self.q2).lines.first)
            #expect(adjustment.explanation.filter { $0.hasPrefix("arrived after approval: D01 LATE") }.count == 20)
            #expect(adjustment.explanation.contains("arrived after approval: and 5 more lines totalling 5000.00"))
        }
    }

    // 2. An adjustment goes on the partner's next statement after the quarter it adjusts, never an earlier one.
    @Test(arguments: TestDatabase.available)
    func closingAnEarlierQuarterNeverTakesALaterQuartersAdjustment(database kind: TestDatabase) async throws {
        try await kind.with { database in
            try await seeded(database)
            try await database.importText(.sales, Self.sales([("A", "2026-01-10", "D01", "P01", "30000.00")]))
            _ = try await database.closeQuarter(Self.q1)
            try await database.approveStatements(Self.q1, actor: "finance")
            try await database.importText(
                .sales, Self.sales([("B", "2026-02-10", "D01", "P01", "20000.00"), ("OLD", "2025-11-10", "D01", "P01", "30000.00")]))
            _ = try await database.closeQuarter(Self.q4of2025)
            // 2025Q4's draft holds 2025Q4's own rebate only; 2026Q1's true-up (7.5 % of 50,000.00 − 1,500.00) waits for 2026Q2.
            let earlier = try await database.statement(partner: "P01", quarter: Self.q4of2025)
            #expect(earlier.lines.map(\.kind) == [.rebate])
            #expect(earlier.lines.map(\.forQuarter) == [Self.q4of2025])
            #expect(try await Self.adjustments(of: Self.q1, in: database) == ["CB-2026Q2-P01-1 225000"])
            // That 2026Q2 draft was made by another quarter's close: it waits for 2026Q2's own close to be approved.
            await #expect(throws: StatementError.staleDrafts(Self.q2, references: ["CB-2026Q2-P01-1"])) {
                try await database.approveStatements(Self.q2, actor: "finance")
            }
            _ = try await database.closeQuarter(Self.q2)  // no 2026Q2 sales, but a draft to compute: allowed
            #expect(try await database.approveStatements(Self.q2, actor: "finance").map(\.total.minorUnits) == [2_250_00])
        }
    }

    // 4. A route is judged on the tier history as it now stands.
    @Test(arguments: TestDatabase.available)
    func aBackDatedTierChangeJudgesTheRoutesOfStoredLinesAgain(database kind: TestDatabase) async throws {
        try await kind.with { database in
            try await seeded(database)
            try await database.importText(.sales, Fixtures.sales)
            let before = try await database.routeExceptions(in: Self.q1).filter { $0.reseller == "P02" }.map { "\($0.lineID) \($0.reason.rawValue)" }
            #expect(before == ["INV-2 direct_for_non_national"])
            // P02 becomes national from the start of the year: its DIRECT line is now right, its distributor line is not.
            try await database.importText(.partners, "code,name,kind,tier,distributors,abn,tier_since\nP02,Premier Two,reseller,national,D01;D02,,2026-01-01\n")
            let after = try await database.routeExceptions(in: Self.q1).filter { $0.reseller == "P02" }.map { "\($0.lineID) \($0.reason.rawValue)" }
            #expect(after == ["D02-1 distributor_for_national"])
            // Dropping a distributor link flags that distributor's lines for the reseller.
            try await database.importText(.partners, "code,name,kind,tier,distributors,abn,tier_since\nP01,Premier One,reseller,premier,D02,\(Fixtures.premierABN),\n")
            let unlinked = try await database.routeExceptions(in: Self.q1).filter { $0.reseller == "P01" }.map(\.lineID)
            #expect(Set(unlinked) == ["D01-1", "D01-2", "D01-3", "D01-4"])
        }
    }

    // 5. A chain of negative statements is settled by the payment that settles its last link.
    @Test(arguments: TestDatabase.available)
    func aChainOfNegativeStatementsIsPaidWithThePositiveOneThatSettlesIt(database kind: TestDatabase) async throws {
        try await kind.with { database in
            try await seeded(database)
            let q3 = Self.q2.next, q4 = q3.next
            // 2026Q1: 1,500.00 approved and paid; then a return makes it nothing: −1,500.00 carried on.
            try await database.importText(.sales, Self.sales([("A", "2026-01-10", "D01", "P01", "30000.00")]))
            _ = try await database.closeQuarter(Self.q1)
            try await database.approveStatements(Self.q1, actor: "finance")
            try await database.markPaid(Self.q1, reference: "EFT-1", actor: "finance")
            try await database.importText(.sales, Self.sales([("R", "2026-01-11", "D01", "P01", "-30000.00"), ("B", "2026-04-10", "D01", "P02", "10.00")]))
            _ = try await database.closeQuarter(Self.q2)
            try await database.approveStatements(Self.q2, actor: "finance")  // CB-2026Q2-P01-1: −1,500.00
            // 2026Q3: 5 % of 20,000.00... below the first tier: nothing, so −1,500.00 is carried again.
            try await database.importText(.sales, Self.sales([("C", "2026-07-10", "D01", "P01", "20000.00")]))
            _ = try await database.closeQuarter(q3)
            try await database.approveStatements(q3, actor: "finance")  // CB-2026Q3-P01-1: −1,500.00 carried
            // 2026Q4: 7.5 % of 50,000.00 = 3,750.00 − 1,500.00 = 2,250.00, paid.
            try await database.importText(.sales, Self.sales([("D", "2026-10-10", "D01", "P01", "50000.00")]))
            _ = try await database.closeQuarter(q4, today: q4.next.firstDay)  // as on the day after the quarter
            try await database.approveStatements(q4, actor: "finance")
            #expect(try await database.statement(partner: "P01", quarter: q4).total.minorUnits == 2_250_00)
            try await database.markPaid(q4, reference: "EFT-4", actor: "finance")
            let chain = try await database.statements(ofPartner: "P01").map { "\($0.reference) \($0.status.rawValue) \($0.paymentReference ?? "")" }
            #expect(chain == [
                "CB-2026Q4-P01-1 paid EFT-4", "CB-2026Q3-P01-1 paid offset on CB-2026Q4-P01-1", "CB-2026Q2-P01-1 paid offset on CB-2026Q3-P01-1",
                "CB-2026Q1-P01-1 paid EFT-1",
            ])
            #expect(try await database.auditLog().filter { $0.action == "settle by offset" }.count == 2)
        }
    }

    // 6. A draft computed before a change is not approved: close again first. Then every line is in the figures.
    @Test(arguments: TestDatabase.available)
    func approvingADraftComputedBeforeAnImportIsRefusedUntilClosedAgain(database kind: TestDatabase) async throws {
        try await kind.with { database in
            try await seeded(database)
            try await database.importText(.sales, Self.sales([("A", "2026-01-10", "D01", "P01", "30000.00")]))
            _ = try await database.closeQuarter(Self.q1)
            try await database.importText(.sales, Self.sales([("B", "2026-02-10", "D01", "P01", "20000.00")]))
            await #expect(throws: StatementError.staleDrafts(Self.q1, references: ["CB-2026Q1-P01-1"])) {
                try await database.approveStatements(Self.q1, actor: "finance")
            }
            await #expect(throws: StatementError.staleDrafts(Self.q1, references: ["CB-2026Q1-P01-1"])) {
                try await database.approveStatements(Self.q1, partner: "P01", actor: "finance")
            }
            #expect(try await database.statement(partner: "P01", quarter: Self.q1).status == .draft)
            // Importing a file already stored changes nothing, so it does not make drafts stale.
            _ = try await database.closeQuarter(Self.q1)
            try await database.importText(.sales, Self.sales([("B", "2026-02-10", "D01", "P01", "20000.00")]))
            let approved = try await database.approveStatements(Self.q1, actor: "finance")
            #expect(approved.map(\.total.minorUnits) == [3_750_00])
            // The refusal says what to do.
            #expect(StatementError.staleDrafts(Self.q1, references: ["CB-2026Q1-P01-1"]).description.contains("close 2026Q1 again first"))
        }
    }

    // 7. Reports sort partner codes byte by byte on both databases.
    @Test(arguments: TestDatabase.available)
    func partnerCodesSortByteByByteOnBothDatabases(database kind: TestDatabase) async throws {
        try await kind.with { database in
            try await seeded(database)
            try await database.importText(
                .partners, "code,name,kind,tier,distributors,abn\na1,Lower,reseller,premier,D01,\nB1,Upper,reseller,premier,D01,\nA1,Upper A,reseller,premier,D01,\n")
            try await database.importText(
                .sales,
                Self.sales([("x", "2026-01-10", "D01", "a1", "30000.00"), ("y", "2026-01-10", "D01", "B1", "30000.00"), ("z", "2026-01-10", "D01", "A1", "30000.00")]))
            _ = try await database.closeQuarter(Self.q1)
            #expect(try await database.rebates(for: Self.q1).map(\.partner.rawValue) == ["A1", "B1", "a1"])
            #expect(try await database.statements(for: Self.q1).map(\.partner.rawValue) == ["A1", "B1", "a1"])
        }
    }

    // 8. After a re-close, the report of an approved quarter says what was approved; the difference waits apart.
    @Test(arguments: TestDatabase.available)
    func theRebateReportOfAnApprovedQuarterShowsWhatWasApproved(database kind: TestDatabase) async throws {
        try await kind.with { database in
            try await seeded(database)
            try await database.importText(.sales, Self.sales([("A", "2026-01-10", "D01", "P01", "30000.00"), ("B", "2026-01-10", "D01", "P02", "30000.00")]))
            _ = try await database.closeQuarter(Self.q1)
            try await database.approveStatements(Self.q1, partner: "P01", actor: "finance")
            try await database.importText(.sales, Self.sales([("C", "2026-02-10", "D01", "P01", "20000.00"), ("D", "2026-02-10", "D01", "P02", "20000.00")]))
            _ = try await database.closeQuarter(Self.q1)
            let report = try await database.rebates(for: Self.q1).map { "\($0.partner.rawValue) \($0.rebate.minorUnits)" }
            // P01 was approved at 1,500.00 and still reads so; P02's draft was recomputed to 3,750.00.
            #expect(report == ["P01 150000", "P02 375000"])
            let pending = try await database.pendingAdjustments(of: Self.q1).map { "\($0.partner.rawValue) \($0.amount.minorUnits) \($0.statementReference)" }
            #expect(pending == ["P01 225000 CB-2026Q2-P01-1"])
            #expect(try await database.statement(partner: "P01", quarter: Self.q1).total.minorUnits == 1_500_00)
        }
    }
}

/// A file imported again after part of it arrived: its new late lines are the ones the true-up explains,
/// however many already-stored lines come first (the first thousand candidates were all old ones).
@Suite struct LateLinesOfAReimportTests {
    @Test(arguments: TestDatabase.available)
    func theNewLateLinesOfAFileImportedAgainAreRecorded(database kind: TestDatabase) async throws {
        try await kind.with { database in
            try await seeded(database)
            let q1 = try Quarter.parse("2026Q1")
            try await database.importText(.sales, Fixtures.salesHeader + "BASE,2026-01-05,DIRECT,N01,Bank,HW-1,hardware,1,100000.00,AUD\n")
            _ = try await database.closeQuarter(q1)
            try await database.approveStatements(q1, actor: "finance")
            let old = (0..<1_001).map { "OLD-\($0),2026-02-01,D01,P01,Acme,HW-1,hardware,1,10.00,AUD\n" }.joined()
            try await database.importText(.sales, Fixtures.salesHeader + old)
            let again = try await database.importText(.sales, Fixtures.salesHeader + old + "NEW-1,2026-03-01,D01,P01,Acme,HW-1,hardware,1,30000.00,AUD\n")
            #expect(again.new == 1)
            let recorded = try await database.plainRows(
                "SELECT l.line_id FROM late_sales_lines l WHERE l.import_id = (SELECT MAX(id) FROM imports)"
            ).map { try $0.text(0) }
            #expect(recorded == ["NEW-1"])
            try await database.importText(.sales, Fixtures.salesHeader + "Q2-1,2026-04-02,DIRECT,N01,Bank,HW-1,hardware,1,10.00,AUD\n")
            _ = try await database.closeQuarter(try Quarter.parse("2026Q2"))
            let explanation = try await database.plainRows(
                "SELECT l.explanation FROM statement_lines l WHERE l.kind = 'adjustment'"
            ).map { try $0.text(0) }.joined(separator: "\n")
            // Twenty old lines are listed by date; the rest, NEW-1's 30,000.00 with them, are counted and summed:
            // 1,000 old lines recorded by the first import (its cap) and NEW-1 by the second.
            #expect(explanation.contains("arrived after approval: and 981 more lines totalling 39800.00"), "\(explanation.suffix(400))")
        }
    }
}
