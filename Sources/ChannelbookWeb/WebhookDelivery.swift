import AsyncHTTPClient
import ChannelbookCore
import ChannelbookStore
import Foundation
import Logging
import NIOCore
import ServiceLifecycle

/// Sends the webhook deliveries that are due: each POSTed to its endpoint's URL with the event's JSON, its id and type
/// in headers, and `Channelbook-Signature` (`WebhookSignature`); every attempt recorded, a failure tried again by
/// `WebhookRetry`. A delivery is leased while it is sent, so two servers never send one event at the same time; a server
/// that dies mid-send leaves the lease to run out and the delivery to be sent again — receivers de-duplicate by event id.
public struct WebhookSender: Sendable {
    let database: DatabasePool
    let client: HTTPClient
    let clock: WebClock

    public init(database: DatabasePool, client: HTTPClient, clock: WebClock = .system) {
        self.database = database
        self.client = client
        self.clock = clock
    }

    /// The client a sender needs: no redirect followed (a delivery goes only where it was registered), short timeouts.
    public static func makeClient() -> HTTPClient {
        var configuration = HTTPClient.Configuration(redirectConfiguration: .disallow, timeout: .init(connect: .seconds(5), read: .seconds(10)))
        configuration.decompression = .disabled
        return HTTPClient(eventLoopGroupProvider: .singleton, configuration: configuration)
    }

    /// Sends what is due now; returns how many deliveries were attempted.
    @discardableResult
    public func deliverDue() async throws -> Int {
        let due = try await database.write { try await $0.claimDueWebhookDeliveries(now: clock.nowMicroseconds()) }
        for delivery in due {
            let started = ContinuousClock.now
            var status: Int?
            var failure: String?
            do {
                var request = HTTPClientRequest(url: delivery.url)
                request.method = .POST
                request.headers.add(name: "Content-Type", value: "application/json")
                request.headers.add(name: "User-Agent", value: "Channelbook-Webhooks/1")
                request.headers.add(name: "Channelbook-Event-Id", value: delivery.eventID)
                request.headers.add(name: "Channelbook-Event-Type", value: delivery.type)
                request.headers.add(
                    name: WebhookSignature.header,
                    value: WebhookSignature.header(secret: delivery.secret, timestamp: clock.nowMicroseconds() / 1_000_000, body: delivery.payload))
                request.body = .bytes(ByteBuffer(string: delivery.payload))
                // The status is all that is kept; the body is not read (a receiver trickling one would hold the sender).
                // One deadline for the whole attempt, however the receiver answers.
                let ready = request
                status = try await Self.withDeadline(seconds: 15) { Int(try await client.execute(ready, timeout: .seconds(15)).status.code) }
            } catch {
                failure = "\(error)"
            }
            let elapsed = ContinuousClock.now - started
            let milliseconds = elapsed.components.seconds * 1000 + elapsed.components.attoseconds / 1_000_000_000_000_000
            try await database.write {
                try await $0.recordWebhookAttempt(delivery, at: clock.nowMicroseconds(), httpStatus: status, error: failure, durationMilliseconds: milliseconds)
            }
        }
        return due.count
    }

    /// The work's answer, or a failure once `seconds` have passed (the work is cancelled).
    public static func withDeadline<T: Sendable>(seconds: Int64, _ work: @escaping @Sendable () async throws -> T) async throws -> T {
        try await withThrowingTaskGroup(of: T.self) { group in
            group.addTask { try await work() }
            group.addTask {
                try await Task.sleep(for: .seconds(seconds))
                throw DeadlinePassed(seconds: seconds)
            }
            defer { group.cancelAll() }
            return try await group.next()!
        }
    }

    struct DeadlinePassed: Error, CustomStringConvertible {
        let seconds: Int64
        var description: String { "no answer within \(seconds) s" }
    }
}

/// `serve`'s webhook sender: every second, what is due; at start and when the day changes, the renewals that lapsed
/// by the passing of their grace days (`announceLapsedRenewals`, once each however many servers look). Deliveries are
/// rows, so a restarted server carries on where the last one stopped.
struct WebhookDeliveryService: Service {
    let database: DatabasePool
    let clock: WebClock
    let logger: Logger
    var interval: Duration = .seconds(1)

    func run() async throws {
        let client = WebhookSender.makeClient()
        let sender = WebhookSender(database: database, client: client, clock: clock)
        var announcedFor: BusinessDate?
        while !Task.isShuttingDownGracefully && !Task.isCancelled {
            let today = clock.today()
            if announcedFor != today {
                do {
                    try await database.write { try await $0.announceLapsedRenewals(asOf: today) }
                    announcedFor = today
                } catch { logger.warning("renewal lapses: \(error)") }
            }
            do { try await sender.deliverDue() } catch { logger.warning("webhook deliveries: \(error)") }
            try? await cancelWhenGracefulShutdown { try await Task.sleep(for: interval) }
        }
        try? await client.shutdown()
    }
}
