import ChannelbookCore
import SQLKit
import Testing

@testable import ChannelbookStore

/// Inputs that once killed the process (issue 10): each is refused per line with `FILE:LINE: field: problem`,
/// or, where it is already stored, turns into an error naming what overflowed — on both databases.
@Suite struct HostileInputTests {
    private static let q1 = try! Quarter.parse("2026Q1")

    private static func line(_ id: String, reseller: String = "P01", customer: String = "Customer", seats: String = "1", amount: String) -> String {
        "\(id),2026-01-10,D01,\(reseller),\(customer),HW-1,hardware,\(seats),\(amount),AUD\n"
    }

    @Test(arguments: TestDatabase.available)
    func amountsBeyondTheLineLimitAreRefusedPerLine(database kind: TestDatabase) async throws {
        try await kind.with { database in
            try await seeded(database)
            let found = await problems {
                try await database.importText(
                    .sales,
                    Fixtures.salesHeader + Self.line("A", amount: "92233720368547758.07") + Self.line("B", amount: "92233720368547758.07")
                        + Self.line("C", amount: "-92233720368547758.08") + Self.line("D", amount: "1000000000.01")
                        + Self.line("E", amount: "-1000000000.01") + Self.line("F", seats: "10000001", amount: "1.00")
                        + "G,9999-12-31,D01,P01,Customer,HW-1,hardware,1,1.00,AUD\n")
            }
            #expect(
                found == [
                    "sales.csv:2: amount: 92233720368547758.07 is beyond the limit of 1000000000.00 a line (either sign)",
                    "sales.csv:3: amount: 92233720368547758.07 is beyond the limit of 1000000000.00 a line (either sign)",
                    "sales.csv:4: amount: -92233720368547758.08 is beyond the limit of 1000000000.00 a line (either sign)",
                    "sales.csv:5: amount: 1000000000.01 is beyond the limit of 1000000000.00 a line (either sign)",
                    "sales.csv:6: amount: -1000000000.01 is beyond the limit of 1000000000.00 a line (either sign)",
                    "sales.csv:7: seats: 10000001 is out of range (-10000000 to 10000000)",
                    // The last quarter of the calendar has no next one for a true-up to land in.
                    "sales.csv:8: date: 9999-12-31 is outside 1900-01-01…9998-12-31",
                ])
            #expect(try await database.count("sales_lines") == 0)
            // The limits themselves are accepted, and their sums are exact.
            try await database.importText(
                .sales,
                Fixtures.salesHeader + Self.line("MAX1", amount: "1000000000.00") + Self.line("MAX2", seats: "10000000", amount: "1000000000.00")
                    + Self.line("MIN", amount: "-1000000000.00"))
            let total = try await database.plainRows("SELECT CAST(SUM(amount_minor) AS BIGINT) FROM sales_totals").first?.integer(0)
            #expect(total == 100_000_000_000)
        }
    }

    @Test(arguments: TestDatabase.available)
    func controlCharactersInTextFieldsAreRefusedPerLine(database kind: TestDatabase) async throws {
        try await kind.with { database in
            try await seeded(database)
            let found = await problems {
                try await database.importText(
                    .sales,
                    Fixtures.salesHeader + Self.line("N1", customer: "Acme\u{0}Mining", amount: "1.00")
                        + Self.line("N2", customer: "\"Acme\nMining\"", amount: "1.00") + Self.line("N3", customer: "Acme\u{1B}[31m", amount: "1.00")
                        + Self.line("N4\u{7F}", amount: "1.00") + Self.line("TAB", customer: "Acme\tMining", amount: "1.00"))
            }
            #expect(
                found == [
                    "sales.csv:2: customer: control character U+0000 is not allowed",
                    "sales.csv:3: customer: control character U+000A is not allowed",
                    "sales.csv:5: customer: control character U+001B is not allowed",
                    "sales.csv:6: line_id: control character U+007F is not allowed",
                ])
            #expect(try await database.count("sales_lines") == 0)
            // Referral registrations and reasons follow the same rule.
            await #expect(throws: TextProblem(field: "customer", problem: "control character U+0000 is not allowed")) {
                _ = try await database.registerReferral(
                    ReferralRequest(partner: "P01", customer: "Acme\u{0}", domain: "acme.com.au"),
                    on: try BusinessDate.parse("2026-01-05"), actor: "p01")
            }
            await #expect(throws: TextProblem(field: "reference", problem: "control character U+0000 is not allowed")) {
                _ = try await database.markPaid(Self.q1, reference: "EFT\u{0}1", actor: "finance")
            }
            await #expect(throws: TextProblem(field: "name", problem: "control character U+001B is not allowed")) {
                _ = try await database.createAPIToken(email: "nobody@example.com", name: "erp\u{1B}[2J", actor: "admin")
            }
        }
    }

    /// Totals an older release may have stored beyond the limits: the close, the dashboard's figures and the
    /// partner's progress report the overflow as an error naming the sum; nothing traps.
    @Test(arguments: TestDatabase.available)
    func storedTotalsBeyondInt64AreErrorsNotTraps(database kind: TestDatabase) async throws {
        try await kind.with { database in
            try await seeded(database)
            try await database.importText(.sales, Fixtures.salesHeader + Self.line("H", amount: "1.00") + Self.line("S", amount: "2.00"))
            try await database.sql.raw("UPDATE sales_totals SET amount_minor = \(bind: Int64.max)").run()
            try await database.sql.raw(
                "INSERT INTO sales_totals (reseller_id, quarter, category, source, segment, amount_minor, line_count) SELECT reseller_id, quarter, 'software', source, 'enterprise', \(bind: Int64.max), 1 FROM sales_totals"
            ).run()
            await #expect(throws: MoneyError.self) { _ = try await database.closeQuarter(Self.q1) }
            await #expect(throws: MoneyError.self) { _ = try await database.tierProgress(of: "P01", on: try BusinessDate.parse("2026-03-31")) }
            await #expect(throws: MoneyError.self) { _ = try await database.channelOverview(asOf: try BusinessDate.parse("2026-04-01")) }
            do {
                _ = try await database.closeQuarter(Self.q1)
            } catch let error as MoneyError {
                #expect("\(error)".hasPrefix("amount out of range while computing"), "\(error)")
            }
            #expect(try await database.count("statements") == 0)
        }
    }

    /// The smallest amount an `Int64` holds, stored by an older release: the close and the dashboards
    /// compute (a negative basis earns nothing) instead of trapping.
    @Test(arguments: TestDatabase.available)
    func theMostNegativeStoredTotalClosesAndShows(database kind: TestDatabase) async throws {
        try await kind.with { database in
            try await seeded(database)
            try await database.importText(.sales, Fixtures.salesHeader + Self.line("H", amount: "1.00"))
            try await database.sql.raw("UPDATE sales_totals SET amount_minor = \(bind: Int64.min)").run()
            let close = try await database.closeQuarter(Self.q1)
            #expect(close.rebateTotal.minorUnits == 0)
            let progress = try #require(try await database.tierProgress(of: "P01", on: try BusinessDate.parse("2026-03-31")))
            #expect(progress.basis.minorUnits == Int64.min)
            #expect(progress.basis.displayString == "-$92,233,720,368,547,758.08")
            let overview = try await database.channelOverview(asOf: try BusinessDate.parse("2026-04-01"))
            #expect(overview.nearTier.isEmpty)
        }
    }

    /// `check` on figures beyond 64 bits names the lines beyond the limits and says which sums cannot be
    /// compared, instead of failing with the overflow it is meant to diagnose.
    @Test(arguments: TestDatabase.available)
    func checkNamesLinesBeyondTheLimitsAndSumsBeyond64Bits(database kind: TestDatabase) async throws {
        try await kind.with { database in
            try await seeded(database)
            try await database.importText(.sales, Fixtures.salesHeader + Self.line("A", amount: "1.00") + Self.line("B", amount: "2.00"))
            try await database.sql.raw("UPDATE sales_lines SET amount_minor = \(bind: Int64.max)").run()
            let problems = try await database.integrityProblems()
            #expect(problems.contains("sales line D01 A: amount 9223372036854775807 minor units, 1 seats, beyond the line limits"), "\(problems)")
            #expect(problems.contains("sales totals: sums of stored amounts exceed 64 bits, so they cannot be compared"), "\(problems)")
        }
    }

    /// Every typed text has a limit: the store says it in words, and the schema holds it too.
    @Test(arguments: TestDatabase.available)
    func textFieldsHaveLimitsInTheStoreAndTheSchema(database kind: TestDatabase) async throws {
        try await kind.with { database in
            try await seeded(database)
            var request = ReferralRequest(partner: "P01", customer: String(repeating: "C", count: 201), domain: "acme.com.au")
            await #expect(throws: TextProblem(field: "customer", problem: "is longer than 200 characters")) {
                _ = try await database.registerReferral(request, on: try BusinessDate.parse("2026-01-05"), actor: "p01")
            }
            request.customer = "Acme"
            request.notes = String(repeating: "n", count: 2001)
            await #expect(throws: TextProblem(field: "notes", problem: "is longer than 2000 characters")) {
                _ = try await database.registerReferral(request, on: try BusinessDate.parse("2026-01-05"), actor: "p01")
            }
            request.notes = String(repeating: "n", count: 2000)
            let id = try await database.registerReferral(request, on: try BusinessDate.parse("2026-01-05"), actor: "p01")
            // Behind the store's back, the schema refuses the same.
            do {
                try await database.sql.raw("UPDATE referral_registrations SET notes = \(bind: String(repeating: "n", count: 2001)) WHERE id = \(bind: id.rawValue)").run()
                Issue.record("the schema accepted 2001 characters of notes")
            } catch {
                let failure = DatabaseFailure.translate(error) as? DatabaseFailure
                #expect(failure?.kind == .constraint, "\(error)")
            }
        }
    }

    /// A stored name this version does not know (the CHECK constraints keep them out; SQLite can be told to ignore
    /// them, as a file edited by hand or written by a newer version might be): an error naming it, not a crash.
    @Test func anUnknownStoredStatusIsAnErrorNamingItNotACrash() async throws {
        try await TestDatabase.sqlite.with { database in
            try await seeded(database)
            try await database.importText(.sales, Fixtures.sales)
            _ = try await database.closeQuarter(Self.q1)
            try await database.sql.raw("PRAGMA ignore_check_constraints = ON").run()
            try await database.sql.raw("UPDATE statements SET status = 'weird'").run()
            await #expect(throws: UnknownStoredValue(type: "StatementStatus", value: "weird")) { try await database.statementSummaries() }
            try await database.sql.raw("UPDATE partner_tiers SET tier = 'platinum'").run()
            await #expect(throws: UnknownStoredValue(type: "ResellerTier", value: "platinum")) { _ = try await PartnerDirectory.load(from: database) }
        }
    }
}
