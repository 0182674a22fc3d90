import ChannelbookCore
import Testing

@testable import ChannelbookStore

/// The quarter-end rules the browser and the commands share (issue 16): a quarter closes after its end (or early,
/// on purpose, audited), a referral is not won in the future, a held draft is passed by, and payments are listed.
@Suite struct QuarterEndRuleTests {
    private static let q1 = try! Quarter.parse("2026Q1")

    private static func day(_ text: String) -> BusinessDate { try! BusinessDate.parse(text) }

    /// P01 (premier) and N01 (national) with a 2026Q1 statement each.
    private static func twoDrafts(_ database: ChannelbookDatabase) async throws {
        try await seeded(database)
        try await database.importText(
            .sales,
            Fixtures.salesHeader + "A,2026-01-10,D01,P01,Acme,HW-1,hardware,1,50000.00,AUD\nB,2026-01-11,DIRECT,N01,Bank,HW-1,hardware,1,100000.00,AUD\n")
        _ = try await database.closeQuarter(q1, today: day("2026-04-01"))
    }

    @Test(arguments: TestDatabase.available)
    func aQuarterClosesTheDayAfterItsLastDayOrEarlyOnPurpose(database kind: TestDatabase) async throws {
        try await kind.with { database in
            try await seeded(database)
            try await database.importText(.sales, Fixtures.salesHeader + "A,2026-01-10,D01,P01,Acme,HW-1,hardware,1,50000.00,AUD\n")
            // On its last day the quarter has not ended: sales of that day may still come in.
            await #expect(throws: StoreError.quarterNotEnded(Self.q1, today: Self.day("2026-03-31"))) {
                _ = try await database.closeQuarter(Self.q1, today: Self.day("2026-03-31"))
            }
            #expect(try await database.statements(for: Self.q1).isEmpty)
            #expect(StoreError.quarterNotEnded(Self.q1, today: Self.day("2026-03-31")).description.hasPrefix(
                "2026Q1 has not ended (its last day is 2026-03-31; today is 2026-03-31)"))
            // Early, on purpose: closed, and the audit log says so.
            _ = try await database.closeQuarter(Self.q1, actor: "admin@v", today: Self.day("2026-03-31"), early: true)
            let early = try #require(try await database.auditLog().last)
            #expect(early.action == "close early")
            #expect(early.after.hasPrefix("on 2026-03-31, before the quarter ended (last day 2026-03-31): closed 2026Q1"))
            // The next day it is an ordinary close.
            _ = try await database.closeQuarter(Self.q1, actor: "admin@v", today: Self.day("2026-04-01"))
            #expect(try await database.auditLog().last?.action == "close")
        }
    }

    @Test(arguments: TestDatabase.available)
    func aReferralIsNotWonOnADateThatHasNotCome(database kind: TestDatabase) async throws {
        try await kind.with { database in
            try await seeded(database)
            let id = try await database.registerReferral(
                ReferralRequest(partner: "P01", customer: "Acme", domain: "acme.example"), on: Self.day("2026-01-05"), actor: "p")
            try await database.approveReferral(id, fulfiller: nil, on: Self.day("2026-01-06"), actor: "v")
            await #expect(throws: ReferralError.wonInFuture(on: Self.day("2026-02-02"), today: Self.day("2026-02-01"))) {
                _ = try await database.closeReferral(id, sku: "HW-1", seats: 10, on: Self.day("2026-02-02"), fulfiller: nil, actor: "v", today: Self.day("2026-02-01"))
            }
            #expect(try await database.referral(id, asOf: Self.day("2026-02-01")).status == .approved)
            // Today itself is fine.
            let won = try await database.closeReferral(id, sku: "HW-1", seats: 10, on: Self.day("2026-02-01"), fulfiller: nil, actor: "v", today: Self.day("2026-02-01"))
            #expect(won.quarter == Self.q1)
        }
    }

    @Test(arguments: TestDatabase.available)
    func aHeldDraftIsPassedByUntilReleased(database kind: TestDatabase) async throws {
        try await kind.with { database in
            try await Self.twoDrafts(database)
            await #expect(throws: StatementError.missingHoldReason) { try await database.holdStatement(Self.q1, partner: "P01", reason: "  ", actor: "fin") }
            try await database.holdStatement(Self.q1, partner: "P01", reason: "ABN check", actor: "fin")
            await #expect(throws: StatementError.alreadyHeld("CB-2026Q1-P01-1", reason: "ABN check")) {
                try await database.holdStatement(Self.q1, partner: "P01", reason: "again", actor: "fin")
            }
            #expect(try await database.statementHolds(in: Self.q1)["P01"]?.reason == "ABN check")
            // A close again redrafts the statement; the hold stays (it is the partner's for the quarter).
            _ = try await database.closeQuarter(Self.q1, today: Self.day("2026-04-02"))
            #expect(try await database.statementHolds(in: Self.q1)["P01"]?.heldBy == "fin")
            // Naming the held statement is refused; approving all passes it by.
            await #expect(throws: StatementError.held("CB-2026Q1-P01-1", reason: "ABN check")) {
                try await database.approveStatements(Self.q1, partner: "P01", actor: "fin")
            }
            let approved = try await database.approveStatements(Self.q1, actor: "fin")
            #expect(approved.map(\.partner) == ["N01"])
            await #expect(throws: StatementError.everyDraftHeld(Self.q1, count: 1)) { try await database.approveStatements(Self.q1, actor: "fin") }
            // Only a draft can be held.
            await #expect(throws: StatementError.notDraft("CB-2026Q1-N01-1", .approved)) {
                try await database.holdStatement(Self.q1, partner: "N01", reason: "late", actor: "fin")
            }
            await #expect(throws: StatementError.notHeld("CB-2026Q1-N01-1")) { try await database.releaseStatement(Self.q1, partner: "N01", actor: "fin") }
            try await database.releaseStatement(Self.q1, partner: "P01", actor: "fin")
            #expect(try await database.statementHolds(in: Self.q1).isEmpty)
            #expect(try await database.approveStatements(Self.q1, partner: "P01", actor: "fin").map(\.partner) == ["P01"])
            let actions = try await database.auditLog().map(\.action)
            #expect(actions.filter { $0 == "hold statement" }.count == 1)
            #expect(actions.filter { $0 == "release statement" }.count == 1)
        }
    }

    @Test(arguments: TestDatabase.available)
    func paymentsAreListedByReferenceNewestFirst(database kind: TestDatabase) async throws {
        try await kind.with { database in
            try await Self.twoDrafts(database)
            #expect(try await database.quarterPayments(Self.q1).isEmpty)
            try await database.approveStatements(Self.q1, partner: "N01", actor: "fin")
            try await database.markPaid(Self.q1, reference: "EFT-1", actor: "fin")
            // A payment confirmed on a page that showed only N01's statement, after P01's was approved: nothing paid.
            let shownBefore = StatementView.digest(try await database.statements(for: Self.q1, status: .approved).filter(\.isSettledByPayment))
            try await database.approveStatements(Self.q1, partner: "P01", actor: "fin")
            await #expect(throws: StatementError.changedSinceShown(Self.q1)) {
                try await database.markPaid(Self.q1, reference: "EFT-X", actor: "fin2", shown: shownBefore)
            }
            let shownNow = StatementView.digest(try await database.statements(for: Self.q1, status: .approved).filter(\.isSettledByPayment))
            try await database.markPaid(Self.q1, reference: "EFT-2", actor: "fin2", shown: shownNow)
            let payments = try await database.quarterPayments(Self.q1)
            #expect(payments.map(\.reference) == ["EFT-2", "EFT-1"])
            #expect(payments.map(\.statements) == [1, 1])
            // Each payment's total is its statement's.
            let totals = try await database.statements(for: Self.q1).reduce(into: [String: Int64]()) { $0[$1.paymentReference ?? ""] = $1.total.minorUnits }
            #expect(payments.map(\.total.minorUnits) == [totals["EFT-2"], totals["EFT-1"]])
            #expect(payments.map(\.paidBy) == ["fin2", "fin"])
            #expect(throws: StatementError.missingPaymentReference) { try StatementError.checkPaymentReference(" ") }
        }
    }
}
