import ChannelbookCore
import ChannelbookImport
import Foundation
import SQLKit
import Testing

@testable import ChannelbookStore

/// Several writers at the same moment, as several servers (or a server and the CLI) would be: each writer has
/// its own connection, like a separate process, or borrows one from a server's pool. Whatever the order the
/// database lets them in, nothing is lost, nothing is counted twice and every action is audited once.
@Suite struct ConcurrencyTests {
    private static let q1 = try! Quarter.parse("2026Q1")

    /// `count` sales lines for 2026Q1 with ids starting `prefix`, spread over P01, P02 and A01 (a few route exceptions).
    static func salesFile(prefix: String, count: Int, cents: Int = 1_000_00) -> String {
        let resellers = ["P01", "P02", "A01"]
        var text = Fixtures.salesHeader
        for index in 0..<count {
            let reseller = resellers[index % resellers.count]
            let source = reseller == "A01" ? "D02" : "D01"
            text += "\(prefix)-\(index),2026-0\(1 + index % 3)-1\(index % 10),\(source),\(reseller),Customer \(index),HW-1,hardware,1,\(cents / 100).\(String(format: "%02d", cents % 100)),AUD\n"
        }
        return text
    }

    /// Runs `body` with `count` more connections to the same database, as other processes would have;
    /// they are closed whatever `body` does.
    static func withWriters<T>(_ count: Int, to database: ChannelbookDatabase, _ body: ([ChannelbookDatabase]) async throws -> T) async throws -> T {
        var opened: [ChannelbookDatabase] = []
        do {
            for _ in 0..<count { opened.append(try await ChannelbookDatabase.open(database.location)) }
            let result = try await body(opened)
            for writer in opened { await writer.close() }
            return result
        } catch {
            for writer in opened { await writer.close() }
            throw error
        }
    }

    /// Runs `action` at the same moment on `count` more connections to the database (as that many processes
    /// would), each given its index; the outcomes in index order. The connections are closed afterwards.
    static func atOnce<T: Sendable>(
        _ count: Int, on database: ChannelbookDatabase, _ action: @escaping @Sendable (Int, ChannelbookDatabase) async throws -> T
    ) async throws -> [Result<T, any Error>] {
        try await withWriters(count, to: database) { writers in
            await withTaskGroup(of: (Int, Result<T, any Error>).self) { group in
                for (index, writer) in writers.enumerated() {
                    group.addTask {
                        do { return (index, .success(try await action(index, writer))) } catch { return (index, .failure(error)) }
                    }
                }
                return await group.reduce(into: [(Int, Result<T, any Error>)]()) { $0.append($1) }.sorted { $0.0 < $1.0 }.map(\.1)
            }
        }
    }

    /// Totals kept at import agree with the lines: the invariant a race between imports would break.
    static func expectTotalsEqualLines(_ database: ChannelbookDatabase) async throws {
        let lines = try await database.sql.raw("SELECT COUNT(*) AS n, CAST(COALESCE(SUM(amount_minor), 0) AS BIGINT) AS total FROM sales_lines").first()!
        let totals = try await database.sql.raw(
            "SELECT CAST(COALESCE(SUM(line_count), 0) AS BIGINT) AS n, CAST(COALESCE(SUM(amount_minor), 0) AS BIGINT) AS total FROM sales_totals"
        ).first()!
        #expect(try lines.decode(column: "n", as: Int64.self) == totals.decode(column: "n", as: Int64.self))
        #expect(try lines.decode(column: "total", as: Int64.self) == totals.decode(column: "total", as: Int64.self))
    }

    @Test(arguments: TestDatabase.available)
    func twoImportsOfTheSameFileAtOnceStoreItOnce(database kind: TestDatabase) async throws {
        try await kind.with { database in
            try await seeded(database)
            let path = try fixtureFile("sales.csv", Self.salesFile(prefix: "SAME", count: 3000))
            let summaries = try await Self.atOnce(2, on: database) { _, writer in
                try await writer.importFile(.sales, path: path, name: "sales.csv")
            }.map { try $0.get() }
            // One import stored every line; the other found every line already present.
            #expect(summaries.map(\.new).sorted() == [0, 3000])
            #expect(summaries.map(\.present).sorted() == [0, 3000])
            #expect(try await database.count("sales_lines") == 3000)
            try await Self.expectTotalsEqualLines(database)
            #expect(try await database.auditLog().filter { $0.action == "import sales" }.count == 2)
        }
    }

    @Test(arguments: TestDatabase.available)
    func importsOfDifferentFilesAtOnceAllLand(database kind: TestDatabase) async throws {
        try await kind.with { database in
            try await seeded(database)
            let paths = try (0..<4).map { try fixtureFile("sales-\($0).csv", Self.salesFile(prefix: "F\($0)", count: 1500, cents: 1_000_00 + $0)) }
            for outcome in try await Self.atOnce(paths.count, on: database, { index, writer in
                try await writer.importFile(.sales, path: paths[index], name: "sales.csv")
            }) { _ = try outcome.get() }
            #expect(try await database.count("sales_lines") == 6000)
            try await Self.expectTotalsEqualLines(database)
        }
    }

    @Test(arguments: TestDatabase.available)
    func twoApprovalsAtOnceApproveEachStatementOnce(database kind: TestDatabase) async throws {
        try await kind.with { database in
            try await seeded(database)
            try await database.importText(.sales, Fixtures.sales)
            _ = try await database.closeQuarter(Self.q1)
            let drafts = try await database.statements(for: Self.q1, status: .draft).count
            #expect(drafts > 1)
            let outcomes = try await Self.atOnce(2, on: database) { index, writer in
                try await writer.approveStatements(Self.q1, actor: "finance-\(index)").count
            }
            // One approval approved every draft; the other was told there was nothing left to approve.
            let approved = outcomes.compactMap { try? $0.get() }
            #expect(approved == [drafts])
            let refusals = outcomes.compactMap { outcome -> (any Error)? in if case .failure(let error) = outcome { return error } else { return nil } }
            #expect(refusals.count == 1)
            #expect(refusals.first as? StatementError == .nothingToApprove(Self.q1))
            #expect(try await database.auditLog().filter { $0.action == "approve statement" }.count == drafts)
        }
    }

    @Test(arguments: TestDatabase.available)
    func twoPaymentsAtOncePayEachStatementOnceUnderOneReference(database kind: TestDatabase) async throws {
        try await kind.with { database in
            try await seeded(database)
            try await database.importText(.sales, Fixtures.sales)
            _ = try await database.closeQuarter(Self.q1)
            try await database.approveStatements(Self.q1, actor: "finance")
            let references = ["EFT-A", "EFT-B"]
            let outcomes = try await Self.atOnce(2, on: database) { index, writer in
                try await writer.markPaid(Self.q1, reference: references[index], actor: "finance")
            }
            let winners = zip(references, outcomes).filter { (try? $0.1.get()) != nil }.map(\.0)
            #expect(winners.count == 1)
            let paid = try await database.statements(for: Self.q1, status: .paid)
            #expect(!paid.isEmpty)
            #expect(Set(paid.map(\.paymentReference)).count == 1)
            let audits = try await database.auditLog().filter { $0.action == "mark paid" }
            #expect(audits.count == paid.count)
            #expect(audits.allSatisfy { $0.after.hasSuffix("as \(winners[0])") })
        }
    }

    @Test(arguments: TestDatabase.available)
    func anImportBesideAnApprovalKeepsTotalsEqualToLines(database kind: TestDatabase) async throws {
        try await kind.with { database in
            try await seeded(database)
            try await database.importText(.sales, Fixtures.sales)
            _ = try await database.closeQuarter(Self.q1)
            let path = try fixtureFile("late.csv", Self.salesFile(prefix: "LATE", count: 4000))
            let (summary, approval) = try await Self.withWriters(2, to: database) { writers in
                let importer = writers[0], approver = writers[1]
                async let imported = importer.importFile(.sales, path: path, name: "late.csv")
                async let approved: Result<[StatementView], any Error> = {
                    do { return .success(try await approver.approveStatements(Self.q1, actor: "finance")) } catch { return .failure(error) }
                }()
                return (try await imported, await approved)
            }
            #expect(summary.new == 4000)
            // Whichever went first: the approval came before the import, or it was refused as stale after it.
            switch approval {
            case .success(let approved): #expect(approved.count == 2)
            case .failure(let error):
                guard case StatementError.staleDrafts(let quarter, _)? = error as? StatementError else {
                    Issue.record("unexpected \(error)")
                    return
                }
                #expect(quarter == Self.q1)
            }
            #expect(try await database.count("sales_lines") == 4000 + 9)
            try await Self.expectTotalsEqualLines(database)
        }
    }

    @Test(arguments: TestDatabase.available)
    func twoClosesAtOnceGiveTheFiguresOfOne(database kind: TestDatabase) async throws {
        try await kind.with { database in
            try await seeded(database)
            try await database.importText(.sales, Fixtures.sales)
            for outcome in try await Self.atOnce(3, on: database, { _, writer in try await writer.closeQuarter(Self.q1, actor: "admin") }) {
                _ = try outcome.get()
            }
            let concurrent = try await database.statements(for: Self.q1)
            _ = try await database.closeQuarter(Self.q1, actor: "admin")
            #expect(try await database.statements(for: Self.q1) == concurrent)
            #expect(concurrent.map(\.reference).allSatisfy { $0.hasSuffix("-1") })
        }
    }

    @Test(arguments: TestDatabase.available)
    func oneCustomerRegisteredByTwoPartnersAtOnceIsRegisteredOnce(database kind: TestDatabase) async throws {
        try await kind.with { database in
            try await seeded(database)
            let day = try BusinessDate.parse("2026-02-01")
            let partners = ["P01", "P02"]
            let outcomes = try await Self.atOnce(2, on: database) { index, writer in
                let request = ReferralRequest(
                    partner: PartnerCode(rawValue: partners[index]), customer: "Harbour Freight Pty Ltd", abn: nil, domain: "harbourfreight.example")
                return try await writer.registerReferral(request, on: day, actor: partners[index])
            }
            #expect(outcomes.filter { (try? $0.get()) != nil }.count == 1)
            #expect(try await database.count("referral_registrations") == 1)
            #expect(try await database.count("referral_duplicate_attempts") == 1)
        }
    }

    @Test(arguments: TestDatabase.available)
    func oneReferralWonAtTwoPlacesAtOnceIsClosedOnceWithOneFee(database kind: TestDatabase) async throws {
        try await kind.with { database in
            try await seeded(database)
            let day = try BusinessDate.parse("2026-02-01")
            let id = try await database.registerReferral(
                ReferralRequest(partner: "P01", customer: "Harbour Freight Pty Ltd", abn: nil, domain: "harbourfreight.example"), on: day, actor: "P01")
            try await database.approveReferral(id, fulfiller: nil, on: day, actor: "manager")
            let outcomes = try await Self.atOnce(2, on: database) { _, writer in
                try await writer.closeReferral(id, sku: "SW-1", seats: 300, on: day, fulfiller: nil, actor: "manager")
            }
            #expect(outcomes.filter { (try? $0.get()) != nil }.count == 1)
            #expect(try await database.count("closed_referrals") == 1)
            #expect(try await database.auditLog().filter { $0.action == "close referral" }.count == 1)
        }
    }

    /// A server's pool: many requests at once, each on a borrowed connection. Uploads, sign-ins and reads
    /// interleave; every upload lands whole and every session opened is found.
    @Test(arguments: TestDatabase.available)
    func aPoolServesConcurrentWritesAndReadsWithoutSharingTransactions(database kind: TestDatabase) async throws {
        try await kind.with { database in
            try await seeded(database)
            try await database.addUser(
                email: "p01@example.com", role: .partner, partner: "P01", password: "partner secret 123", actor: "t", bcryptCost: 4)
            let pool = try await DatabasePool.open(database.location, connections: 4)
            try await withThrowingTaskGroup(of: Void.self) { running in
                running.addTask { try await pool.run() }
                let paths = try (0..<3).map { try fixtureFile("s\($0).csv", Self.salesFile(prefix: "POOL\($0)", count: 2000)) }
                // One upload is bad: its rollback must not take anyone else's work with it.
                let bad = try fixtureFile("bad.csv", Self.salesFile(prefix: "BAD", count: 1500) + "BAD-X,2026-01-01,D01,P01,C,XX-9,hardware,1,1.00,AUD\n")
                let sessions = try await withThrowingTaskGroup(of: Session?.self) { group in
                    for path in paths { group.addTask { _ = try await pool.write { try await $0.importFile(.sales, path: path, name: "s.csv") }; return nil } }
                    group.addTask {
                        do { _ = try await pool.write { try await $0.importFile(.sales, path: bad, name: "bad.csv") } } catch is ImportProblems {}
                        return nil
                    }
                    // Six browsers (six addresses: one address may have at most five attempts in flight).
                    for browser in 0..<6 {
                        group.addTask {
                            try await pool.signIn(
                                email: "p01@example.com", password: "partner secret 123", nowMicroseconds: 1_800_000_000_000_000, address: "10.0.1.\(browser)")
                        }
                        group.addTask {
                            _ = try await pool.read { try await $0.partners() }
                            return nil
                        }
                    }
                    return try await group.reduce(into: [Session]()) { if let session = $1 { $0.append(session) } }
                }
                #expect(sessions.count == 6)
                for session in sessions {
                    let found = try await pool.read { try await $0.session(token: session.token, nowMicroseconds: 1_800_000_000_000_000) }
                    #expect(found?.user.email == "p01@example.com")
                }
                running.cancelAll()
            }
            await pool.close()
            #expect(try await database.count("sales_lines") == 6000)
            try await Self.expectTotalsEqualLines(database)
        }
    }

    @Test func aSQLiteReaderRefusesWrites() async throws {
        try await TestDatabase.sqlite.with { database in
            let pool = try await DatabasePool.open(database.location, connections: 1)
            await #expect(throws: (any Error).self) {
                try await pool.read { try await $0.sql.raw("INSERT INTO login_failures (email, at_us) VALUES ('x@y.z', 1)").run() }
            }
            await pool.close()
        }
    }

    @Test func aBusySQLiteDatabaseIsSaidInWords() async throws {
        try await TestDatabase.sqlite.with { database in
            // Another process holds the write lock; this one waits its (here shortened) busy timeout, then is told.
            try await database.sql.raw("BEGIN IMMEDIATE").run()
            let other = try await ChannelbookDatabase.open(database.location)
            try await other.sql.raw("PRAGMA busy_timeout = 100").run()
            await #expect(throws: DatabaseFailure.self) {
                try await other.transaction { try await other.sql.raw("DELETE FROM login_failures").run() }
            }
            do { try await other.transaction {} } catch let failure as DatabaseFailure {
                #expect(failure.kind == .busy && failure.isConflict && failure.message.contains("busy"))
            }
            try await database.sql.raw("ROLLBACK").run()
            await other.close()
        }
    }
}
