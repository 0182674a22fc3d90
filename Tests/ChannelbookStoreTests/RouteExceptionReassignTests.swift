import ChannelbookCore
import Testing

@testable import ChannelbookStore

/// Reassigning a route exception's line to the reseller it belongs to (issue 16): the line stays as reported, two
/// correcting lines move its amount, and the totals, the reviews and the audit log agree — in an open quarter and
/// in an approved one (where the move reaches the statements as adjustments).
@Suite struct RouteExceptionReassignTests {
    private static let q1 = try! Quarter.parse("2026Q1")
    private static func day(_ text: String) -> BusinessDate { try! BusinessDate.parse(text) }

    /// D01 reports 40,000.00 of hardware to the national N01 (an exception: nationals buy direct); it was P01's.
    private static func misroutedSale(_ database: ChannelbookDatabase) async throws {
        try await seeded(database)
        try await database.importText(
            .sales,
            Fixtures.salesHeader + "A,2026-01-10,D01,P01,Acme,HW-1,hardware,10,10000.00,AUD\nX,2026-02-01,D01,N01,\"Harbour, Health\",HW-1,hardware,40,40000.00,AUD\n")
    }

    private static func net(_ database: ChannelbookDatabase, _ partner: String) async throws -> Int64 {
        try await database.plainRows(
            "SELECT CAST(COALESCE(SUM(t.amount_minor), 0) AS BIGINT) FROM sales_totals t JOIN partners p ON p.id = t.reseller_id WHERE p.code = $1 AND t.quarter = '2026Q1'",
            [.text(partner)]
        ).first!.integer(0)
    }

    @Test(arguments: TestDatabase.available)
    func aMisroutedLineMovesToItsResellerByCorrectingLines(database kind: TestDatabase) async throws {
        try await kind.with { database in
            try await Self.misroutedSale(database)
            #expect(try await Self.net(database, "N01") == 4_000_000)
            let summary = try await database.reassignRouteException(source: "D01", lineID: "X", to: "P01", note: "P01's deal, code mistyped", actor: "admin@v")
            #expect(summary.new == 2)
            // The amount moved between the resellers' totals; the line as reported is still there.
            #expect(try await Self.net(database, "N01") == 0)
            #expect(try await Self.net(database, "P01") == 5_000_000)
            let lines = try await database.plainRows("SELECT line_id, amount_minor FROM sales_lines WHERE source = 'D01' AND line_id LIKE 'X%' ORDER BY line_id")
            #expect(try lines.map { "\(try $0.text(0)) \(try $0.integer(1))" } == ["X 4000000", "X~in 4000000", "X~out -4000000"])
            // Reviewed: the line (with the note) and the reversal; the new line for P01 is on its right route.
            let exceptions = try await database.routeExceptionPage(Self.q1, limit: 10).items
            #expect(exceptions.map(\.lineID) == ["X", "X~out"])
            #expect(exceptions.map(\.reviewNote) == ["reassigned to P01: P01's deal, code mistyped", "reverses line X, reassigned to P01"])
            #expect(try await database.routeExceptionPage(Self.q1, reviewed: false, limit: 10).items.isEmpty)
            let audit = try #require(try await database.auditLog().last)
            #expect(audit.action == "reassign route exception" && audit.before == "N01, $40,000.00" && audit.after == "P01: P01's deal, code mistyped")
            #expect(try await database.integrityProblems() == [])
            // Closing sees P01's 50,000.00.
            _ = try await database.closeQuarter(Self.q1, today: Self.day("2026-04-01"))
            let p01 = try await database.statement(partner: "P01", quarter: Self.q1)
            #expect(p01.lines.contains { $0.explanation.contains { $0.contains("50000.00 AUD net hardware + software sales") } }, "\(p01.lines.map(\.explanation))")
        }
    }

    @Test(arguments: TestDatabase.available)
    func aReassignmentIsRefusedWithTheReasonAndChangesNothing(database kind: TestDatabase) async throws {
        try await kind.with { database in
            try await Self.misroutedSale(database)
            let before = try await database.count("sales_lines")
            await #expect(throws: RouteExceptionReassignError.sameReseller("N01")) {
                try await database.reassignRouteException(source: "D01", lineID: "X", to: "N01", note: "n", actor: "a")
            }
            await #expect(throws: RouteExceptionReassignError.notAReseller("D02")) {
                try await database.reassignRouteException(source: "D01", lineID: "X", to: "D02", note: "n", actor: "a")
            }
            await #expect(throws: RouteExceptionReassignError.notAReseller("NOPE")) {
                try await database.reassignRouteException(source: "D01", lineID: "X", to: "NOPE", note: "n", actor: "a")
            }
            await #expect(throws: RouteExceptionReviewError.notAnException(source: "D01", lineID: "A")) {
                try await database.reassignRouteException(source: "D01", lineID: "A", to: "P02", note: "n", actor: "a")
            }
            await #expect(throws: RouteExceptionReviewError.missingNote) {
                try await database.reassignRouteException(source: "D01", lineID: "X", to: "P01", note: " ", actor: "a")
            }
            #expect(try await database.count("sales_lines") == before)
            // Once reassigned, it is reviewed: not again, nor accepted afterwards.
            try await database.reassignRouteException(source: "D01", lineID: "X", to: "P01", note: "n", actor: "a")
            await #expect(throws: RouteExceptionReviewError.alreadyReviewed(source: "D01", lineID: "X", by: "a")) {
                try await database.reassignRouteException(source: "D01", lineID: "X", to: "P02", note: "n", actor: "a")
            }
            await #expect(throws: RouteExceptionReviewError.alreadyReviewed(source: "D01", lineID: "X", by: "a")) {
                _ = try await database.reviewRouteException(source: "D01", lineID: "X", note: "n", actor: "a")
            }
            #expect(try await database.count("sales_lines") == before + 2)
        }
    }

    /// In an approved quarter the correcting lines are late lines: the approved statements stay as they are, and the
    /// move reaches both resellers as adjustments on their next statements.
    @Test(arguments: TestDatabase.available)
    func inAnApprovedQuarterTheMoveArrivesAsAdjustments(database kind: TestDatabase) async throws {
        try await kind.with { database in
            try await Self.misroutedSale(database)
            _ = try await database.closeQuarter(Self.q1, today: Self.day("2026-04-01"))
            _ = try await database.approveStatements(Self.q1, actor: "finance@v")
            let approved = try await database.statements(for: Self.q1)
            let summary = try await database.reassignRouteException(source: "D01", lineID: "X", to: "P01", note: "P01's deal", actor: "admin@v")
            #expect(summary.lateLines == 2)
            #expect(try await database.statements(for: Self.q1) == approved)
        }
    }

    /// Credits move as credits: a return comes back as a sale, a credit note naming seats keeps its seats; ids and
    /// names starting with a sign stay exactly as written; a price adjustment and a SKU with maintenance are refused.
    @Test(arguments: TestDatabase.available)
    func creditsMoveExactlyAndWhatCannotMoveIsRefused(database kind: TestDatabase) async throws {
        try await kind.with { database in
            try await seeded(database)
            try await database.importText(.pricebook, RenewalTests.termPriceBook)
            _ = try await database.addWebhook(url: "https://erp.example/hooks", events: [.importCompleted], actor: "a")
            try await database.importText(
                .sales,
                Fixtures.salesHeader + "R,2026-02-01,D01,N01,Acme,HW-1,hardware,-2,-2000.00,AUD\n-17,2026-02-02,D01,N01,+61 Health,HW-1,hardware,3,-300.00,AUD\n"
                    + "A,2026-02-03,D01,N01,Acme,HW-1,hardware,0,-50.00,AUD\nM,2026-02-04,D01,N01,Acme,MT-12,hardware,1,500.00,AUD\n"
                    + "N,2026-02-05,D01,N01,Acme,RN-1,renewal,1,10.00,AUD\n")
            try await database.reassignRouteException(source: "D01", lineID: "R", to: "P01", note: "return of P01's sale", actor: "a")
            try await database.reassignRouteException(source: "D01", lineID: "-17", to: "P01", note: "credit note for P01", actor: "a")
            let lines = try await database.plainRows(
                "SELECT line_id, seats, amount_minor, customer FROM sales_lines WHERE source = 'D01' AND line_id NOT IN ('A', 'M', 'N') ORDER BY line_id")
            #expect(try lines.map { "\(try $0.text(0)) \(try $0.integer(1)) \(try $0.integer(2)) \(try $0.text(3))" } == [
                "-17 3 -30000 +61 Health", "-17~in 3 -30000 +61 Health", "-17~out 3 30000 +61 Health",
                "R -2 -200000 Acme", "R~in -2 -200000 Acme", "R~out 2 200000 Acme",
            ])
            #expect(try await database.routeExceptionPage(Self.q1, reviewed: false, limit: 10).items.map(\.lineID) == ["A", "M", "N"])
            await #expect(throws: RouteExceptionReassignError.priceAdjustment(lineID: "A")) {
                try await database.reassignRouteException(source: "D01", lineID: "A", to: "P01", note: "n", actor: "a")
            }
            await #expect(throws: RouteExceptionReassignError.maintainedSKU(lineID: "M", sku: "MT-12")) {
                try await database.reassignRouteException(source: "D01", lineID: "M", to: "P01", note: "n", actor: "a")
            }
            let queue = try await database.routeExceptionPage(Self.q1, reviewed: false, limit: 10).items
            #expect(queue.map { $0.reassignRefusal } == [.priceAdjustment(lineID: "A"), .maintainedSKU(lineID: "M", sku: "MT-12"), .maintainedSKU(lineID: "N", sku: "RN-1")])
            // Each reassignment is an import like any: audited, announced.
            #expect(try await database.integrityProblems() == [])
            let announced = try await database.plainRows("SELECT payload FROM webhook_events WHERE type = 'import.completed' ORDER BY id").map { try $0.text(0) }
            #expect(announced.filter { $0.contains("reassignment of line") }.count == 2)
        }
    }
}
