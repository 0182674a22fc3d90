import ChannelbookCore
import Foundation
import Testing

@testable import ChannelbookCLI

@Suite struct DemoCommandTests {
    @Test func theDemoDatabaseHoldsEveryKindOfRecord() async throws {
        // Referral dates are relative to today: pin today so the test never reads the wall clock.
        try await Today.$provider.withValue({ BusinessDate(year: 2026, month: 11, day: 29)! }) { try await check() }
    }

    private func check() async throws {
        let path = FileManager.default.temporaryDirectory.appendingPathComponent("demo-\(UUID().uuidString).sqlite").path
        let built = await channelbook("demo", "--db", path, "--no-serve")
        #expect(built.exitCode == 0, "\(built.stderr)")
        #expect(built.stdoutLines.first == "building the demo database \(path) …")
        #expect(built.stdout.contains("demo logins (password for each: channelbook-demo):"))
        for email in ["admin@", "finance@", "maintenance@", "manager@", "partner@"] { #expect(built.stdout.contains(email)) }

        let q1 = await channelbook("statements", "2026Q1", "--status", "paid", "--format", "csv", "--db", path)
        #expect(q1.stdoutLines.count > 10)
        let q2 = await channelbook("statements", "2026Q2", "--format", "json", "--db", path)
        let statements = try #require(try JSONSerialization.jsonObject(with: Data(q2.stdout.utf8)) as? [[String: Any]])
        let kinds = Set(statements.flatMap { ($0["lines"] as? [[String: Any]] ?? []).compactMap { $0["kind"] as? String } })
        #expect(kinds.isSuperset(of: ["rebate", "referral_fee", "adjustment"]))
        let referrals = await channelbook("referral", "list", "--format", "csv", "--db", path)
        let statuses = Set(referrals.stdoutLines.dropFirst().compactMap { $0.split(separator: ",").dropFirst(3).first.map(String.init) })
        #expect(statuses == ["registered", "approved", "rejected", "expired", "won", "lost"])

        // Started again, the demo reuses its database.
        let again = await channelbook("demo", "--db", path, "--no-serve")
        #expect(again.stdoutLines.first == "demo logins (password for each: channelbook-demo):")
    }
}
