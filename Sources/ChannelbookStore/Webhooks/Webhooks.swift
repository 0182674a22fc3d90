import ChannelbookCore
import Crypto
import Foundation
import SQLKit

/// What a webhook endpoint can be told of.
public enum WebhookEventType: String, CaseIterable, Sendable, Codable {
    case statementApproved = "statement.approved"
    case statementPaid = "statement.paid"
    case referralRegistered = "referral.registered"
    case referralApproved = "referral.approved"
    case referralWon = "referral.won"
    case importCompleted = "import.completed"
    case mdfClaimAccepted = "mdf.claim_accepted"
    case renewalLapsed = "renewal.lapsed"

    /// How an endpoint's events are stored: `*` for every event, else the names separated by commas.
    static func storing(_ events: [WebhookEventType]?) -> String { events.map { $0.map(\.rawValue).joined(separator: ",") } ?? "*" }

    /// The stored list read back; `nil`: every event.
    static func stored(_ text: String) -> [WebhookEventType]? {
        text == "*" ? nil : text.split(separator: ",").compactMap { WebhookEventType(rawValue: String($0)) }
    }

    /// A comma-separated list of event names; every problem named at once.
    public static func parseList(_ text: String) throws -> [WebhookEventType] {
        let names = text.split(separator: ",").map { $0.trimmingCharacters(in: .whitespaces) }.filter { !$0.isEmpty }
        let unknown = names.filter { WebhookEventType(rawValue: $0) == nil }
        guard unknown.isEmpty, !names.isEmpty else {
            throw WebhookError.unknownEvents(unknown, known: allCases.map(\.rawValue))
        }
        return names.compactMap(WebhookEventType.init(rawValue:)).reduce(into: []) { if !$0.contains($1) { $0.append($1) } }
    }
}

/// A value in an event's `data`: text (money as a decimal string) or a whole number.
public enum WebhookValue: Sendable, Encodable, Equatable {
    case text(String)
    case number(Int64)

    public func encode(to encoder: any Encoder) throws {
        var container = encoder.singleValueContainer()
        switch self {
        case .text(let text): try container.encode(text)
        case .number(let number): try container.encode(number)
        }
    }
}

public enum WebhookError: RefusalError, Equatable {
    case unknownEvents([String], known: [String])
    case invalidURL(String)
    case notFound(Int64)

    public var description: String {
        switch self {
        case let .unknownEvents(unknown, known):
            return unknown.isEmpty ? "name at least one event: \(known.joined(separator: ", "))"
                : "unknown event\(unknown.count == 1 ? "" : "s") \(unknown.map { "'\($0)'" }.joined(separator: ", ")): use \(known.joined(separator: ", "))"
        case .invalidURL(let url): return "'\(url)' is not an http:// or https:// URL with a host"
        case .notFound(let id): return "no webhook endpoint has the id \(id)"
        }
    }
}

/// A registered endpoint, with how its deliveries stand.
public struct WebhookEndpointView: Sendable, Equatable {
    public let id: Int64
    public let url: String
    /// `nil`: every event.
    public let events: [WebhookEventType]?
    public let createdBy: String
    public let createdOn: BusinessDate
    public let removed: Bool
    public let pending: Int
    public let delivered: Int
    public let failed: Int
}

/// One attempt to deliver one event to one endpoint.
public struct WebhookAttemptView: Sendable, Equatable {
    public let endpoint: Int64
    public let eventID: String
    public let type: String
    public let attemptedAtMicroseconds: Int64
    /// The receiver's status; `nil` when none came back (refused, timed out).
    public let httpStatus: Int?
    public let error: String?
    public let status: String

    /// `2027-01-15T09:30:00Z`.
    public var attemptedAt: String { ChannelbookDatabase.timestamp(attemptedAtMicroseconds) }

    /// What the receiver answered: `HTTP 500`, or why nothing came back.
    public var answer: String { httpStatus.map { "HTTP \($0)" } ?? "no answer: \(error ?? "")" }
}

/// A delivery claimed for sending: where, what, and how it is signed.
public struct WebhookDelivery: Sendable, Equatable {
    public let id: Int64
    public let url: String
    public let secret: String
    public let eventID: String
    public let type: String
    public let payload: String
    public let eventCreatedAtMicroseconds: Int64
    public let attempts: Int
    /// The lease this sender holds: its attempt is recorded only while the lease is still its own.
    public let leasedUntilMicroseconds: Int64
}

/// The signature a receiver checks: `t=UNIX_SECONDS,v1=HEX` where HEX is HMAC-SHA256 under the endpoint's secret of
/// `UNIX_SECONDS.BODY` — the timestamp is signed with the body, so a captured delivery cannot be replayed later as new.
public enum WebhookSignature {
    public static let header = "Channelbook-Signature"

    public static func header(secret: String, timestamp: Int64, body: String) -> String {
        let mac = HMAC<SHA256>.authenticationCode(for: Data("\(timestamp).\(body)".utf8), using: SymmetricKey(data: Data(secret.utf8)))
        return "t=\(timestamp),v1=\(mac.map { String(format: "%02x", $0) }.joined())"
    }
}

/// When a failed delivery is tried again: soon at first, then less often, for a day after the event.
public enum WebhookRetry {
    /// Seconds after the `attempts`-th failed attempt: 30 s, 2 min, 10 min, 30 min, 1 h, then every 3 h.
    public static func delaySeconds(afterAttempt attempts: Int) -> Int64 {
        let schedule: [Int64] = [30, 120, 600, 1800, 3600]
        return attempts >= 1 && attempts <= schedule.count ? schedule[attempts - 1] : 3 * 3600
    }

    /// A delivery still failing this long after its event is given up (`failed`).
    public static let giveUpAfterMicroseconds: Int64 = 24 * 3600 * 1_000_000
}

extension ChannelbookDatabase {
    /// Registers an endpoint for `events` (`nil`: all); returns it with its signing secret, shown only now. Audited.
    public func addWebhook(url: String, events: [WebhookEventType]?, actor: String) async throws -> (endpoint: WebhookEndpointView, secret: String) {
        try await requireInitialised()
        try TextRules.require("url", url, maximumLength: 2000)
        guard let parsed = URL(string: url), ["http", "https"].contains(parsed.scheme?.lowercased() ?? ""), parsed.host?.isEmpty == false,
            parsed.user == nil, parsed.password == nil
        else { throw WebhookError.invalidURL(url) }
        var generator = SystemRandomNumberGenerator()
        let secret = "whsec_" + (0..<32).map { _ in String(format: "%02x", UInt8.random(in: 0...255, using: &generator)) }.joined()
        let eventList = WebhookEventType.storing(events)
        let now = Self.nowMicroseconds()
        let id = try await transaction {
            let id = try await sql.raw(
                """
                INSERT INTO webhook_endpoints (url, events, secret, created_at_us, created_by)
                VALUES (\(bind: url), \(bind: eventList), \(bind: secret), \(bind: now), \(bind: actor)) RETURNING id
                """
            ).first()!.decode(column: "id", as: Int64.self)
            // The audit log names where events go, not a token a receiver may carry in its URL's query.
            try await audit(actor: actor, action: "add webhook", subject: "webhook \(id)", after: "\(Self.redacted(url)) for \(eventList == "*" ? "every event" : eventList)")
            return id
        }
        guard let endpoint = try await webhooks(includeRemoved: true).first(where: { $0.id == id }) else { throw WebhookError.notFound(id) }
        return (endpoint, secret)
    }

    /// Stops deliveries to an endpoint (those pending are not sent). Audited.
    public func removeWebhook(_ id: Int64, actor: String) async throws {
        try await requireInitialised()
        try await transaction {
            guard let row = try await sql.raw(
                "UPDATE webhook_endpoints SET removed_at_us = \(bind: Self.nowMicroseconds()) WHERE id = \(bind: id) AND removed_at_us IS NULL RETURNING url"
            ).first() else { throw WebhookError.notFound(id) }
            try await audit(actor: actor, action: "remove webhook", subject: "webhook \(id)", before: Self.redacted(try row.decode(column: "url", as: String.self)))
        }
    }

    /// The endpoints, oldest first, with their deliveries counted by status.
    public func webhooks(includeRemoved: Bool = false) async throws -> [WebhookEndpointView] {
        try await requireInitialised()
        let rows = try await sql.raw(
            """
            SELECT e.id, e.url, e.events, e.created_by, e.created_at_us, e.removed_at_us,
                   COALESCE(SUM(CASE WHEN d.status = 'pending' THEN 1 ELSE 0 END), 0) AS pending,
                   COALESCE(SUM(CASE WHEN d.status = 'delivered' THEN 1 ELSE 0 END), 0) AS delivered,
                   COALESCE(SUM(CASE WHEN d.status = 'failed' THEN 1 ELSE 0 END), 0) AS failed
            FROM webhook_endpoints e LEFT JOIN webhook_deliveries d ON d.endpoint_id = e.id
            WHERE \(unsafeRaw: includeRemoved ? "1 = 1" : "e.removed_at_us IS NULL")
            GROUP BY e.id, e.url, e.events, e.created_by, e.created_at_us, e.removed_at_us ORDER BY e.id
            """
        ).all()
        return try rows.map { row in
            WebhookEndpointView(
                id: try row.decode(column: "id", as: Int64.self), url: try row.decode(column: "url", as: String.self),
                events: WebhookEventType.stored(try row.decode(column: "events", as: String.self)),
                createdBy: try row.decode(column: "created_by", as: String.self),
                createdOn: BusinessDate(microsecondsSinceEpoch: try row.decode(column: "created_at_us", as: Int64.self)),
                removed: try row.decode(column: "removed_at_us", as: Int64?.self) != nil,
                pending: try row.decode(column: "pending", as: Int.self), delivered: try row.decode(column: "delivered", as: Int.self),
                failed: try row.decode(column: "failed", as: Int.self))
        }
    }

    /// Writes an event to the outbox, with one delivery per endpoint listening for it, in the caller's transaction:
    /// the event exists exactly when its change does. Without a listener nothing is written.
    func emitWebhookEvent(_ type: WebhookEventType, _ data: [String: WebhookValue], now: Int64? = nil) async throws {
        let endpoints = try await sql.raw("SELECT id, events FROM webhook_endpoints WHERE removed_at_us IS NULL").all().filter { row in
            WebhookEventType.stored(try row.decode(column: "events", as: String.self))?.contains(type) ?? true
        }
        guard !endpoints.isEmpty else { return }
        let now = now ?? Self.nowMicroseconds()
        let eventID = UUID().uuidString.lowercased()
        let envelope = WebhookEnvelope(id: eventID, type: type.rawValue, createdAt: Self.timestamp(now), data: data)
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.sortedKeys, .withoutEscapingSlashes]
        let payload = String(decoding: try encoder.encode(envelope), as: UTF8.self)
        let eventRow = try await sql.raw(
            """
            INSERT INTO webhook_events (event_id, type, payload, created_at_us) VALUES (\(bind: eventID), \(bind: type.rawValue), \(bind: payload), \(bind: now))
            RETURNING id
            """
        ).first()!.decode(column: "id", as: Int64.self)
        for endpoint in endpoints {
            try await sql.raw(
                """
                INSERT INTO webhook_deliveries (event_row, endpoint_id, status, attempts, next_attempt_at_us)
                VALUES (\(bind: eventRow), \(bind: try endpoint.decode(column: "id", as: Int64.self)), 'pending', 0, \(bind: now))
                """
            ).run()
        }
    }

    /// Takes up to `limit` deliveries due at `now` for `leaseMicroseconds`: while leased, no other server (or loop)
    /// takes them, so one event is not sent twice at once. A lease that runs out (its server died) frees the delivery.
    /// The default lease (5 min) outlasts a whole batch: 10 deliveries of at most 15 s each.
    public func claimDueWebhookDeliveries(now: Int64, limit: Int = 10, leaseMicroseconds: Int64 = 300_000_000) async throws -> [WebhookDelivery] {
        try await transaction(locking: [.webhooks]) {
            let rows = try await sql.raw(
                """
                SELECT d.id, d.attempts, e.url, e.secret, v.event_id, v.type, v.payload, v.created_at_us
                FROM webhook_deliveries d JOIN webhook_endpoints e ON e.id = d.endpoint_id JOIN webhook_events v ON v.id = d.event_row
                WHERE d.status = 'pending' AND d.next_attempt_at_us <= \(bind: now) AND (d.leased_until_us IS NULL OR d.leased_until_us <= \(bind: now))
                  AND e.removed_at_us IS NULL
                ORDER BY d.next_attempt_at_us, d.id LIMIT \(bind: limit)
                """
            ).all()
            var claimed: [WebhookDelivery] = []
            for row in rows {
                let id = try row.decode(column: "id", as: Int64.self)
                try await sql.raw("UPDATE webhook_deliveries SET leased_until_us = \(bind: now + leaseMicroseconds) WHERE id = \(bind: id)").run()
                claimed.append(
                    WebhookDelivery(
                        id: id, url: try row.decode(column: "url", as: String.self), secret: try row.decode(column: "secret", as: String.self),
                        eventID: try row.decode(column: "event_id", as: String.self), type: try row.decode(column: "type", as: String.self),
                        payload: try row.decode(column: "payload", as: String.self),
                        eventCreatedAtMicroseconds: try row.decode(column: "created_at_us", as: Int64.self), attempts: try row.decode(column: "attempts", as: Int.self),
                        leasedUntilMicroseconds: now + leaseMicroseconds))
            }
            return claimed
        }
    }

    /// Records an attempt: a 2xx delivers; anything else is tried again by `WebhookRetry`, and given up a day after the event.
    /// The delivery's state changes only while this sender's lease holds (`leased_until_us` still the one it claimed): a
    /// sender whose lease ran out and was taken over records its attempt and changes nothing else.
    public func recordWebhookAttempt(_ delivery: WebhookDelivery, at now: Int64, httpStatus: Int?, error: String?, durationMilliseconds: Int64) async throws {
        try await transaction(locking: [.webhooks]) {
            try await sql.raw(
                """
                INSERT INTO webhook_attempts (delivery_id, attempted_at_us, http_status, error, duration_ms)
                VALUES (\(bind: delivery.id), \(bind: now), \(bind: httpStatus), \(bind: error.map { String($0.prefix(500)) }), \(bind: durationMilliseconds))
                """
            ).run()
            let attempts = delivery.attempts + 1
            if let httpStatus, (200..<300).contains(httpStatus) {
                try await sql.raw(
                    """
                    UPDATE webhook_deliveries SET status = 'delivered', attempts = \(bind: attempts), leased_until_us = NULL, finished_at_us = \(bind: now)
                    WHERE id = \(bind: delivery.id) AND status = 'pending' AND leased_until_us = \(bind: delivery.leasedUntilMicroseconds)
                    """
                ).run()
                return
            }
            let next = now + WebhookRetry.delaySeconds(afterAttempt: attempts) * 1_000_000
            let givesUp = next - delivery.eventCreatedAtMicroseconds > WebhookRetry.giveUpAfterMicroseconds
            try await sql.raw(
                """
                UPDATE webhook_deliveries SET status = \(bind: givesUp ? "failed" : "pending"), attempts = \(bind: attempts), leased_until_us = NULL,
                       next_attempt_at_us = \(bind: next), finished_at_us = \(bind: givesUp ? now : nil as Int64?)
                WHERE id = \(bind: delivery.id) AND status = 'pending' AND leased_until_us = \(bind: delivery.leasedUntilMicroseconds)
                """
            ).run()
        }
    }

    /// The newest attempts, of one endpoint or all, newest first (limited in SQL).
    public func webhookAttempts(endpoint: Int64? = nil, limit: Int = 50) async throws -> [WebhookAttemptView] {
        try await requireInitialised()
        var query = SQLQueryString(
            """
            SELECT d.endpoint_id, v.event_id, v.type, a.attempted_at_us, a.http_status, a.error, d.status
            FROM webhook_attempts a JOIN webhook_deliveries d ON d.id = a.delivery_id JOIN webhook_events v ON v.id = d.event_row
            """)
        if let endpoint { query.appendInterpolation(" WHERE d.endpoint_id = \(bind: endpoint)" as SQLQueryString) }
        query.appendInterpolation(" ORDER BY a.id DESC LIMIT \(bind: max(1, min(limit, 1000)))" as SQLQueryString)
        return try await sql.raw(query).all().map { row in
            WebhookAttemptView(
                endpoint: try row.decode(column: "endpoint_id", as: Int64.self), eventID: try row.decode(column: "event_id", as: String.self),
                type: try row.decode(column: "type", as: String.self), attemptedAtMicroseconds: try row.decode(column: "attempted_at_us", as: Int64.self),
                httpStatus: try row.decode(column: "http_status", as: Int?.self), error: try row.decode(column: "error", as: String?.self),
                status: try row.decode(column: "status", as: String.self))
        }
    }

    /// A URL without its query and fragment (`https://erp.example/hook?token=…` → `https://erp.example/hook`).
    static func redacted(_ url: String) -> String {
        guard var components = URLComponents(string: url) else { return "(a URL)" }
        let hidden = components.query != nil || components.fragment != nil
        components.query = nil
        components.fragment = nil
        return (components.string ?? "(a URL)") + (hidden ? "?…" : "")
    }

    /// `2027-01-15T09:30:00Z`.
    public static func timestamp(_ microseconds: Int64) -> String {
        let formatter = ISO8601DateFormatter()
        formatter.formatOptions = [.withInternetDateTime]
        return formatter.string(from: Date(timeIntervalSince1970: TimeInterval(microseconds / 1_000_000)))
    }
}

/// The body every delivery carries: `{"createdAt", "data", "id", "type"}`; `id` is the event's, the same on every retry.
struct WebhookEnvelope: Encodable {
    let id: String
    let type: String
    let createdAt: String
    let data: [String: WebhookValue]
}
