import ChannelbookCore
import Foundation
import Testing

@testable import ChannelbookStore

/// The webhook outbox on both databases: events written in the change's transaction (and not when it rolls back), one
/// delivery per listening endpoint, leases that keep two senders off one delivery, retries on schedule, and giving up
/// a day after the event.
@Suite struct WebhookOutboxTests {
    @Test(arguments: TestDatabase.available)
    func eventsAreWrittenWithTheirChangeAndDeliveredOnceOnSchedule(database kind: TestDatabase) async throws {
        try await kind.with { database in
            try await seeded(database)
            // Without an endpoint, nothing is written.
            try await database.importText(.sales, Fixtures.sales)
            #expect(try await database.plainRows("SELECT COUNT(*) FROM webhook_events").first?.integer(0) == 0)

            let all = try await database.addWebhook(url: "https://erp.example/hooks", events: nil, actor: "admin")
            let referrals = try await database.addWebhook(url: "http://crm.example:8080/in", events: [.referralWon], actor: "admin")
            #expect(all.secret.hasPrefix("whsec_") && all.secret.count == 70)
            #expect(try await database.webhooks().map(\.events) == [nil, [.referralWon]])
            await #expect(throws: WebhookError.invalidURL("ftp://x.example/")) { try await database.addWebhook(url: "ftp://x.example/", events: nil, actor: "a") }
            #expect(throws: WebhookError.unknownEvents(["statement.aproved"], known: WebhookEventType.allCases.map(\.rawValue))) {
                try WebhookEventType.parseList("statement.aproved,referral.won")
            }

            _ = try await database.closeQuarter(Quarter.parse("2026Q1"))
            let approved = try await database.approveStatements(Quarter.parse("2026Q1"), partner: "P01", actor: "finance")
            // A refused change writes no event: the transaction that would have carried it rolled back.
            await #expect(throws: StatementError.self) { try await database.approveStatements(Quarter.parse("2026Q1"), partner: "P01", actor: "finance") }
            let events = try await database.plainRows("SELECT type, payload FROM webhook_events ORDER BY id")
            #expect(try events.map { try $0.text(0) } == ["statement.approved"])
            let payload = try JSONSerialization.jsonObject(with: Data((try events.first?.text(1) ?? "").utf8)) as? [String: Any]
            let data = payload?["data"] as? [String: Any]
            #expect(data?["reference"] as? String == approved.first?.reference)
            #expect(data?["partner"] as? String == "P01" && data?["total"] as? String == approved.first?.total.decimalString)
            #expect((payload?["id"] as? String)?.count == 36)

            // One delivery, to the endpoint listening for everything; leased to the first sender only. (Events are stamped
            // with the wall clock; the test's instants follow it.)
            let t0 = Int64(Date().timeIntervalSince1970 + 1) * 1_000_000
            let first = try await database.claimDueWebhookDeliveries(now: t0)
            try #require(first.map(\.url) == ["https://erp.example/hooks"])
            #expect(first.first?.secret == all.secret)
            #expect(try await database.claimDueWebhookDeliveries(now: t0 + 1_000_000).isEmpty)
            // A failed attempt: tried again 30 s later, not before.
            try await database.recordWebhookAttempt(first[0], at: t0 + 2_000_000, httpStatus: 500, error: nil, durationMilliseconds: 3)
            #expect(try await database.claimDueWebhookDeliveries(now: t0 + 31_000_000).isEmpty)
            let second = try await database.claimDueWebhookDeliveries(now: t0 + 32_000_000)
            try #require(second.map(\.eventID) == first.map(\.eventID) && second.first?.attempts == 1)
            // A sender stalled past its lease (5 minutes): another takes the delivery; the first one's late answer is recorded
            // as an attempt but changes nothing, so the delivery is neither sent again by it nor marked by it.
            #expect(try await database.claimDueWebhookDeliveries(now: t0 + 200_000_000).isEmpty)
            let third = try await database.claimDueWebhookDeliveries(now: t0 + 333_000_000)
            try #require(third.map(\.eventID) == first.map(\.eventID))
            try await database.recordWebhookAttempt(second[0], at: t0 + 334_000_000, httpStatus: 500, error: nil, durationMilliseconds: 15_000)
            #expect(try await database.claimDueWebhookDeliveries(now: t0 + 400_000_000).isEmpty)
            try await database.recordWebhookAttempt(third[0], at: t0 + 401_000_000, httpStatus: 204, error: nil, durationMilliseconds: 5)
            #expect(try await database.claimDueWebhookDeliveries(now: t0 + 3_600_000_000).isEmpty)
            let attempts = try await database.webhookAttempts()
            #expect(attempts.map(\.httpStatus) == [204, 500, 500])
            #expect(attempts.first?.status == "delivered" && attempts.first?.answer == "HTTP 204")
            #expect(try await database.webhooks().map(\.delivered) == [1, 0])

            // A delivery failing for a day is given up.
            try await database.removeWebhook(referrals.endpoint.id, actor: "admin")
            _ = try await database.approveStatements(Quarter.parse("2026Q1"), actor: "finance")
            let now = Int64(Date().timeIntervalSince1970) * 1_000_000
            var due = try await database.claimDueWebhookDeliveries(now: now + 1_000_000)
            #expect(!due.isEmpty)
            var clock = now + 1_000_000
            while let delivery = due.first {
                clock += WebhookRetry.delaySeconds(afterAttempt: delivery.attempts + 1) * 1_000_000
                try await database.recordWebhookAttempt(delivery, at: clock, httpStatus: nil, error: "connection refused", durationMilliseconds: 1)
                due = try await database.claimDueWebhookDeliveries(now: clock + WebhookRetry.delaySeconds(afterAttempt: delivery.attempts + 1) * 1_000_000)
            }
            let endpoint = try #require(try await database.webhooks().first)
            #expect(endpoint.failed == 1 && endpoint.pending == 0)  // N01's approval, given up
            #expect(try await database.webhooks(includeRemoved: true).last?.removed == true)
            let log = try await database.auditLog().map(\.action)
            #expect(log.contains("add webhook") && log.contains("remove webhook"))
        }
    }
}

/// The API's idempotency keys on both databases: claimed once, replayed byte for byte, refused for another request,
/// in progress while running, per login, released for a retry, forgotten after a day.
@Suite struct IdempotencyKeyTests {
    @Test(arguments: TestDatabase.available)
    func aKeyIsClaimedOnceAndItsAnswerReplayed(database kind: TestDatabase) async throws {
        try await kind.with { database in
            let t0: Int64 = 1_800_000_000_000_000
            let hash = String(repeating: "a", count: 64), other = String(repeating: "b", count: 64)
            #expect(try await database.startIdempotentRequest(login: "fin@v.example", key: "k1", requestHash: hash, now: t0) == .run)
            #expect(try await database.startIdempotentRequest(login: "fin@v.example", key: "k1", requestHash: hash, now: t0 + 1) == .inProgress)
            #expect(try await database.startIdempotentRequest(login: "fin@v.example", key: "k1", requestHash: other, now: t0 + 1) == .reused)
            #expect(try await database.startIdempotentRequest(login: "admin@v.example", key: "k1", requestHash: other, now: t0 + 1) == .run)
            let body: [UInt8] = Array(#"{"total":"1.00"}"#.utf8) + [0, 255]
            try await database.finishIdempotentRequest(login: "fin@v.example", key: "k1", status: 201, contentType: "application/json", body: body)
            #expect(try await database.startIdempotentRequest(login: "fin@v.example", key: "k1", requestHash: hash, now: t0 + 2)
                == .replay(status: 201, contentType: "application/json", body: body))
            // A request that failed in a way worth repeating frees its key.
            try await database.releaseIdempotencyKey(login: "admin@v.example", key: "k1")
            #expect(try await database.startIdempotentRequest(login: "admin@v.example", key: "k1", requestHash: hash, now: t0 + 3) == .run)
            // A request a dead server left running is run again after an hour; every key is forgotten after a day.
            #expect(try await database.startIdempotentRequest(login: "admin@v.example", key: "k1", requestHash: hash, now: t0 + 3_700_000_000) == .run)
            #expect(try await database.startIdempotentRequest(login: "fin@v.example", key: "k1", requestHash: other, now: t0 + 90_000_000_000) == .run)
        }
    }
}

/// Renewals that lapse by the passing of their grace days are announced once each (`renewal.lapsed`); those lapsed by
/// hand (announced when recorded), renewed, or lapsed too long ago are not.
@Suite struct LapseAnnouncementTests {
    @Test(arguments: TestDatabase.available)
    func aRenewalLapsingByTimeIsAnnouncedOnce(database kind: TestDatabase) async throws {
        try await kind.with { database in
            try await RenewalTests.seededWithTerms(database)
            // Today 2027-02-05; 30 grace days: a contract ending 2027-01-01 lapsed on 2027-02-01, one ending 2026-11-30 on 2026-12-31.
            try await database.importText(.contracts, ContractImportTests.header + """
                NEW,Acme,P01,D01,MT-12,2,2026-01-02,2027-01-01
                OLD,Bolt,P01,D01,MT-12,2,2025-12-01,2026-11-30
                HAND,Core,P01,D01,MT-12,2,2026-01-02,2027-01-01
                OPEN,Dart,P01,D01,MT-12,2,2026-02-01,2027-01-31
                """)
            _ = try await database.addWebhook(url: "https://crm.example/in", events: [.renewalLapsed], actor: "admin")
            let hand = try #require(try await RenewalTests.queue(database, asOf: "2027-01-15").first { $0.contractID == "HAND" })
            try await database.lapseRenewal(hand.id, reason: "customer moved to a competitor", on: RenewalTests.date("2027-01-15"), access: .vendor, actor: "mo")
            let today = RenewalTests.date("2027-02-05")
            #expect(try await database.announceLapsedRenewals(asOf: today) == 1)
            #expect(try await database.announceLapsedRenewals(asOf: today) == 0)
            #expect(try await database.announceLapsedRenewals(asOf: today.addingClamped(days: 1)) == 0)
            let events = try await database.plainRows("SELECT payload FROM webhook_events ORDER BY id").map { try $0.text(0) }
            #expect(events.count == 2)  // the hand lapse, then NEW
            #expect(events.last?.contains(#""contractId":"NEW""#) == true && events.last?.contains(#""lapsedOn":"2027-02-01""#) == true)
            #expect(events.first?.contains(#""contractId":"HAND""#) == true)
        }
    }
}
