import ChannelbookCore
import SQLKit
import Testing

@testable import ChannelbookStore

/// Lines for P01 in 2026Q1 that reach exactly 49,999.50: 5 %, 2,499.98.
private let justBelowTheSecondTier = Fixtures.salesHeader + """
    S1,2026-01-10,D01,P01,Acme,HW-1,hardware,50,50000.00,AUD
    S2,2026-03-31,D01,P01,Acme,SW-1,software,1,-0.50,AUD
    """

private let q1 = try! Quarter.parse("2026Q1")
private let q2 = try! Quarter.parse("2026Q2")

@Suite struct StatementTests {
    @Test(arguments: TestDatabase.available)
    func closeProducesDraftStatementsWithTheirLines(database kind: TestDatabase) async throws {
        try await kind.with { database in
            try await seeded(database)
            try await database.importText(.sales, justBelowTheSecondTier)
            try await database.importText(.referrals, "referral_id,partner,customer,sku,seats,closed_on\nRF1,P01,Acme,SW-1,300,2026-02-01\n")
            _ = try await database.closeQuarter(q1, actor: "manager")
            let statement = try await database.statement(partner: "P01", quarter: q1)
            #expect(statement.reference == "CB-2026Q1-P01-1")
            #expect(statement.status == .draft)
            #expect(statement.lines.map(\.kind) == [.rebate, .referralFee])
            #expect(statement.lines.map(\.amount.decimalString) == ["2499.98", "1800.00"])
            #expect(statement.total.decimalString == "4299.98")
            #expect(statement.lines[0].explanation.contains("basis by source: D01 49999.50"))
            // Closing again recomputes the draft in place: same reference, same figures.
            _ = try await database.closeQuarter(q1, actor: "manager")
            #expect(try await database.statements(for: q1).map(\.reference) == ["CB-2026Q1-P01-1"])
            #expect(try await database.statement(partner: "P01", quarter: q1) == statement)
        }
    }

    @Test(arguments: TestDatabase.available)
    func aLateLineAfterApprovalBecomesExactlyOneAdjustment(database kind: TestDatabase) async throws {
        try await kind.with { database in
            try await seeded(database)
            try await database.importText(.sales, justBelowTheSecondTier)
            _ = try await database.closeQuarter(q1)
            try await database.approveStatements(q1, actor: "finance")
            // A late line dated in the approved quarter moves P01 across the 50,000.00 boundary: 7.5 % of 50,000.00.
            let late = try await database.importText(.sales, Fixtures.salesHeader + "LATE1,2026-03-30,D01,P01,Acme,SW-1,software,1,0.50,AUD\n")
            // The import says so before any statement does.
            #expect(late.description == "imported 1 line (1 new, 0 already present); 1 line landed in approved quarters (2026Q1) for P01: the next close recomputes those figures and carries any difference on their next statements as adjustments")
            #expect(try await database.importText(.sales, Fixtures.salesHeader + "LATE1,2026-03-30,D01,P01,Acme,SW-1,software,1,0.50,AUD\n").lateLines == 0)  // again: not new
            let onTime = try await database.importText(.sales, Fixtures.salesHeader + "Q2-1,2026-04-02,D01,P02,Beta,HW-1,hardware,1,10.00,AUD\n")
            #expect(onTime.lateLines == 0 && onTime.latePartners.isEmpty)
            for _ in 0..<2 { _ = try await database.closeQuarter(q2) }  // twice: still one adjustment
            let next = try await database.statement(partner: "P01", quarter: q2)
            #expect(next.lines.map(\.kind) == [.adjustment])
            #expect(next.lines.first?.amount.decimalString == "1250.02")  // 3,750.00 − 2,499.98
            #expect(next.lines.first?.forQuarter == q1)
            let explanation = try #require(next.lines.first?.explanation)
            #expect(explanation.contains("adjustment: 3750.00 AUD − 2499.98 AUD = 1250.02 AUD"))
            #expect(explanation.contains { $0.hasPrefix("arrived after approval: D01 LATE1 dated 2026-03-30, software 0.50") })
            // The approved statement is untouched.
            let original = try await database.statement(partner: "P01", quarter: q1)
            #expect(original.status == .approved && original.total.decimalString == "2499.98")
            // Once the adjustment is approved, closing again finds nothing left to adjust.
            try await database.approveStatements(q2, actor: "finance")
            let summary = try await database.closeQuarter(q2)
            #expect(summary.adjustments == 0)
            #expect(try await database.statements(for: q2, partner: "P01").map(\.status) == [.approved])
        }
    }

    @Test(arguments: TestDatabase.available)
    func closingAnApprovedQuarterAgainPutsItsTrueUpOnTheNextQuarter(database kind: TestDatabase) async throws {
        try await kind.with { database in
            try await seeded(database)
            try await database.importText(.sales, justBelowTheSecondTier)
            _ = try await database.closeQuarter(q1)
            try await database.approveStatements(q1, actor: "finance")
            try await database.importText(.sales, Fixtures.salesHeader + "CREDIT,2026-02-01,D01,P01,Acme,HW-1,hardware,1,-20000.00,AUD\n")
            let summary = try await database.closeQuarter(q1)
            #expect(summary.adjustments == 1)
            let next = try await database.statement(partner: "P01", quarter: q2)
            #expect(next.lines.map(\.amount.decimalString) == ["-2499.98"])
            #expect(next.total.decimalString == "-2499.98")
        }
    }

    @Test(arguments: TestDatabase.available)
    func aNegativeTotalIsNotPaidButCarriedForward(database kind: TestDatabase) async throws {
        try await kind.with { database in
            try await seeded(database)
            try await database.importText(.sales, justBelowTheSecondTier)
            _ = try await database.closeQuarter(q1)
            try await database.approveStatements(q1, actor: "finance")
            try await database.markPaid(q1, reference: "PAY-Q1", actor: "finance")
            // A return after payment: Q1 recomputes to nothing, so Q2 carries −2,499.98.
            try await database.importText(.sales, Fixtures.salesHeader + "RETURN,2026-02-01,D01,P01,Acme,HW-1,hardware,1,-20000.00,AUD\n")
            try await database.importText(.sales, Fixtures.salesHeader + "Q2-1,2026-04-02,D01,P02,Beta,HW-1,hardware,1,10.00,AUD\n")
            _ = try await database.closeQuarter(q2)
            try await database.approveStatements(q2, actor: "finance")
            #expect(try await database.payouts(for: q2, actor: "finance", file: "q2.csv").isEmpty)
            // Q3: P01 earns 1,500.00 (5 % of 30,000.00); its statement offsets the carried −2,499.98.
            let q3 = q2.next
            try await database.importText(.sales, Fixtures.salesHeader + "Q3-1,2026-07-10,D01,P01,Acme,HW-1,hardware,30,30000.00,AUD\n")
            _ = try await database.closeQuarter(q3)
            let statement = try await database.statement(partner: "P01", quarter: q3)
            #expect(statement.lines.map(\.kind) == [.rebate, .carriedForward])
            #expect(statement.lines.map(\.amount.decimalString) == ["1500.00", "-2499.98"])
            #expect(statement.total.decimalString == "-999.98")
        }
    }

    @Test(arguments: TestDatabase.available)
    func payoutsListPositiveApprovedStatementsAndPaidOnesNeverChange(database kind: TestDatabase) async throws {
        try await kind.with { database in
            try await seeded(database)
            try await database.importText(.sales, Fixtures.sales)
            _ = try await database.closeQuarter(q1)
            await #expect(throws: StatementError.nothingToPay(q1)) { try await database.markPaid(q1, reference: "X", actor: "finance") }
            try await database.approveStatements(q1, partner: "N01", actor: "finance")
            #expect(try await database.statements(for: q1).map { "\($0.partner.rawValue) \($0.status.rawValue)" } == ["N01 approved", "P01 draft"])
            try await database.approveStatements(q1, actor: "finance")
            let payouts = try await database.payouts(for: q1, actor: "finance", file: "q1.csv")
            #expect(payouts.map { "\($0.partner.rawValue),\($0.abn),\($0.amount.decimalString),\($0.statementReference)" } == [
                "N01,,10120.00,CB-2026Q1-N01-1", "P01,\(Fixtures.premierABN),3839.96,CB-2026Q1-P01-1",
            ])
            let paid = try await database.markPaid(q1, reference: "EFT-2026-07", actor: "finance")
            #expect(paid.map(\.paymentReference) == ["EFT-2026-07", "EFT-2026-07"])
            // The database refuses to edit a paid figure or to delete its lines, whoever asks.
            await #expect(throws: (any Error).self) {
                try await database.sql.raw("UPDATE statements SET total_minor = 1 WHERE reference = 'CB-2026Q1-N01-1'").run()
            }
            await #expect(throws: (any Error).self) {
                try await database.sql.raw("DELETE FROM statement_lines WHERE statement_id = (SELECT id FROM statements WHERE reference = 'CB-2026Q1-N01-1')").run()
            }
            _ = try await database.closeQuarter(q1)
            #expect(try await database.statement(partner: "N01", quarter: q1).total.decimalString == "10120.00")
            #expect(try await database.statement(partner: "N01", quarter: q1).status == .paid)
        }
    }

    @Test(arguments: TestDatabase.available)
    func everyMoneyActionIsAuditedAndTheLogIsAppendOnly(database kind: TestDatabase) async throws {
        try await kind.with { database in
            try await database.importFile(.partners, path: try fixtureFile("partners.csv", Fixtures.partners), name: "partners.csv", actor: "admin")
            try await database.importFile(.pricebook, path: try fixtureFile("pricebook.csv", Fixtures.pricebook), name: "pricebook.csv", actor: "admin")
            try await database.importFile(
                .partners, path: try fixtureFile("p.csv", "code,name,kind,tier,distributors,abn,tier_since\nA01,Associate One,reseller,premier,D02,,2026-02-01\n"),
                name: "promotion.csv", actor: "admin")
            try await database.importFile(.sales, path: try fixtureFile("s.csv", justBelowTheSecondTier), name: "sales.csv", actor: "d01-upload")
            _ = try await database.closeQuarter(q1, actor: "manager")
            try await database.approveStatements(q1, actor: "finance")
            _ = try await database.payouts(for: q1, actor: "finance", file: "out.csv")
            try await database.markPaid(q1, reference: "EFT-1", actor: "finance")
            var program = Program.articleTOML.replacingOccurrences(of: "2005-01-01", with: "2026-07-01")
            program = program.replacingOccurrences(of: #"{ from = "30000.00",  rate = "5%" }"#, with: #"{ from = "25000.00",  rate = "5%" }"#)
            try await database.storeProgram(toml: program, actor: "admin")

            let log = try await database.auditLog()
            let actions = log.map { "\($0.actor): \($0.action) \($0.subject)" }
            #expect(actions.contains("system: store program Australian channel program (effective 2005-01-01)"))
            #expect(actions.contains("admin: add partner P01"))
            #expect(actions.contains("admin: import partners partners.csv"))
            #expect(actions.contains("admin: tier change A01"))
            #expect(actions.contains("d01-upload: import sales sales.csv"))
            #expect(actions.contains("manager: close 2026Q1"))
            #expect(actions.contains("finance: approve statement CB-2026Q1-P01-1"))
            #expect(actions.contains("finance: export payouts 2026Q1"))
            #expect(actions.contains("finance: mark paid CB-2026Q1-P01-1"))
            #expect(actions.contains("admin: store program Australian channel program (effective 2026-07-01)"))
            let tierChange = try #require(log.first { $0.action == "tier change" && $0.subject == "A01" && $0.before == "associate" })
            #expect(tierChange.after == "premier from 2026-02-01")
            #expect(try await database.auditLog(partner: "A01").allSatisfy { $0.partner == "A01" })

            await #expect(throws: (any Error).self) { try await database.sql.raw("UPDATE audit_log SET actor = 'someone else'").run() }
            await #expect(throws: (any Error).self) { try await database.sql.raw("DELETE FROM audit_log").run() }
            #expect(try await database.auditLog().count == log.count)
        }
    }
}
