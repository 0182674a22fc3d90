import AsyncHTTPClient
import ChannelbookCore
import ChannelbookStore
import ChannelbookWeb
import Crypto
import Foundation
import HTTPTypes
import Hummingbird
import HummingbirdTesting
import Testing

/// Webhooks sent to a real receiver on loopback: the signature checked independently (HMAC-SHA256 of `t.body` under the
/// secret), a 500 tried again, the delivery finished by a new sender after a "restart", and never sent twice.
@Suite struct WebhookDeliveryTests {
    /// What the receiver saw, and the answers it gives: 500 for the first request, 200 after.
    actor Receiver {
        var requests: [(headers: HTTPFields, body: String)] = []
        func record(_ headers: HTTPFields, _ body: String) -> HTTPResponse.Status {
            requests.append((headers, body))
            return requests.count == 1 ? .internalServerError : .ok
        }
    }

    static func hmac(_ secret: String, _ message: String) -> String {
        HMAC<SHA256>.authenticationCode(for: Data(message.utf8), using: SymmetricKey(data: Data(secret.utf8))).map { String(format: "%02x", $0) }.joined()
    }

    @Test func aDeliveryIsSignedRetriedAfterA500AndSentOnceAcrossARestart() async throws {
        let database = try await preparedDatabase()
        let pool = try await database.pool()
        let receiver = Receiver()
        let router = Router()
        router.post("/hook") { request, _ -> Response in
            let body = String(buffer: try await request.body.collect(upTo: 1 << 20))
            return Response(status: await receiver.record(request.headers, body))
        }
        let app = Application(router: router, configuration: .init(address: .hostname("127.0.0.1", port: 0)))
        try await app.test(.live) { client in
            let port = try #require(client.port)
            let hook = try await database.addWebhook(url: "http://127.0.0.1:\(port)/hook", events: [.statementApproved], actor: "admin")
            let elsewhere = try await database.addWebhook(url: "http://127.0.0.1:\(port)/other", events: [.referralWon], actor: "admin")
            let approved = try await database.approveStatements(Quarter.parse("2026Q1"), partner: "P01", actor: "fin@vendor.example")

            let start = Int64(Date().timeIntervalSince1970 + 1) * 1_000_000  // just after the event was written
            let clock = ManualClock(start)
            let firstClient = WebhookSender.makeClient()
            #expect(try await WebhookSender(database: pool, client: firstClient, clock: clock.web).deliverDue() == 1)
            try await firstClient.shutdown()
            // Not due again until 30 s have passed.
            clock.advance(seconds: 10)
            let secondClient = WebhookSender.makeClient()
            #expect(try await WebhookSender(database: pool, client: secondClient, clock: clock.web).deliverDue() == 0)
            // The server restarts: a new sender, the same outbox.
            clock.advance(seconds: 30)
            #expect(try await WebhookSender(database: pool, client: secondClient, clock: clock.web).deliverDue() == 1)
            clock.advance(seconds: 3600)
            #expect(try await WebhookSender(database: pool, client: secondClient, clock: clock.web).deliverDue() == 0)
            try await secondClient.shutdown()

            let requests = await receiver.requests
            #expect(requests.count == 2)
            let ids = Set(requests.compactMap { $0.headers[HTTPField.Name("Channelbook-Event-Id")!] })
            #expect(ids.count == 1)
            for request in requests {
                let body = try #require(JSONSerialization.jsonObject(with: Data(request.body.utf8)) as? [String: Any])
                #expect(body["id"] as? String == ids.first && body["type"] as? String == "statement.approved")
                #expect((body["data"] as? [String: Any])?["reference"] as? String == approved.first?.reference)
                #expect(request.headers[HTTPField.Name("Channelbook-Event-Type")!] == "statement.approved")
                // t=UNIX,v1=HMAC-SHA256(secret, "UNIX.BODY")
                let signature = try #require(request.headers[HTTPField.Name("Channelbook-Signature")!])
                let parts = Dictionary(uniqueKeysWithValues: signature.split(separator: ",").map { $0.split(separator: "=", maxSplits: 1).map(String.init) }.map { ($0[0], $0[1]) })
                let timestamp = try #require(parts["t"])
                #expect(parts["v1"] == Self.hmac(hook.secret, "\(timestamp).\(request.body)"))
            }
            let attempts = try await database.webhookAttempts(endpoint: hook.endpoint.id)
            #expect(attempts.map(\.httpStatus) == [200, 500])
            // An endpoint listening for other events is told nothing.
            #expect(try await database.webhookAttempts(endpoint: elsewhere.endpoint.id).isEmpty)
            #expect(try await database.webhooks().map(\.delivered) == [1, 0])
        }
        await database.close()
    }
}

extension WebhookDeliveryTests {
    /// A receiver that never finishes answering cannot hold the sender: the attempt ends at its deadline.
    @Test func anAttemptEndsAtItsDeadline() async throws {
        // The work would answer 0 after 30 s; the deadline's failure comes first.
        await #expect(throws: (any Error).self) {
            try await WebhookSender.withDeadline(seconds: 1) { try await Task.sleep(for: .seconds(30)); return 0 }
        }
    }
}

/// A clock the test moves by hand.
final class ManualClock: @unchecked Sendable {
    private let lock = NSLock()
    private var now: Int64

    init(_ start: Int64) { now = start }

    func advance(seconds: Int64) { lock.withLock { now += seconds * 1_000_000 } }

    var web: WebClock { WebClock { [self] in lock.withLock { now } } }
}
