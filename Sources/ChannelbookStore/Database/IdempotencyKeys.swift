import ChannelbookCore
import Foundation
import Crypto
import SQLKit

/// What an API request carrying an `Idempotency-Key` finds when it starts.
public enum IdempotentStart: Sendable, Equatable {
    /// The key is new (or its earlier request was abandoned): run the request, then `finishIdempotentRequest`.
    case run
    /// The same key and request were answered before: send this answer again, and do nothing.
    case replay(status: Int, contentType: String?, body: [UInt8])
    /// The key was used for another request.
    case reused
    /// The key's first request is still running.
    case inProgress
}

/// The API's idempotency keys, per login (one login's key never answers another's request). A key is kept for
/// `keptMicroseconds` (24 hours), as payment APIs keep theirs; one left running longer than `abandonedMicroseconds` by
/// a server that died is run again (every money action of the store refuses to do twice what it did once:
/// approving, paying, importing the same lines, closing).
extension ChannelbookDatabase {
    public static let idempotencyKeptMicroseconds: Int64 = 24 * 3600 * 1_000_000
    public static let idempotencyAbandonedMicroseconds: Int64 = 3600 * 1_000_000

    /// Claims `key` for the request whose SHA-256 is `requestHash`, or says how it was used before.
    public func startIdempotentRequest(login: String, key: String, requestHash: String, now: Int64? = nil) async throws -> IdempotentStart {
        let now = now ?? Self.nowMicroseconds()
        return try await transaction {
            try await sql.raw("DELETE FROM idempotency_keys WHERE created_at_us < \(bind: now - Self.idempotencyKeptMicroseconds)").run()
            // A row back: the key is this request's.
            if try await sql.raw(
                """
                INSERT INTO idempotency_keys (login, idempotency_key, request_sha256, created_at_us)
                VALUES (\(bind: login), \(bind: key), \(bind: requestHash), \(bind: now)) ON CONFLICT DO NOTHING RETURNING created_at_us
                """
            ).first() != nil { return .run }
            guard let row = try await sql.raw(
                """
                SELECT request_sha256, status, content_type, body, created_at_us FROM idempotency_keys
                WHERE login = \(bind: login) AND idempotency_key = \(bind: key)
                """
            ).first() else { return .run }
            let createdAt = try row.decode(column: "created_at_us", as: Int64.self)
            guard try row.decode(column: "request_sha256", as: String.self) == requestHash else { return .reused }
            if let status = try row.decode(column: "status", as: Int?.self) {
                let body = try row.decode(column: "body", as: Data?.self) ?? Data()
                return .replay(status: status, contentType: try row.decode(column: "content_type", as: String?.self), body: Array(body))
            }
            guard now - createdAt > Self.idempotencyAbandonedMicroseconds else { return .inProgress }
            try await sql.raw(
                "UPDATE idempotency_keys SET created_at_us = \(bind: now) WHERE login = \(bind: login) AND idempotency_key = \(bind: key)"
            ).run()
            return .run
        }
    }

    /// Records the answer to replay for the key.
    public func finishIdempotentRequest(login: String, key: String, status: Int, contentType: String?, body: [UInt8]) async throws {
        try await sql.raw(
            """
            UPDATE idempotency_keys SET status = \(bind: status), content_type = \(bind: contentType), body = \(bind: Data(body))
            WHERE login = \(bind: login) AND idempotency_key = \(bind: key)
            """
        ).run()
    }

    /// Frees the key of a request that failed in a way worth repeating (a conflict, an unavailable database).
    public func releaseIdempotencyKey(login: String, key: String) async throws {
        try await sql.raw("DELETE FROM idempotency_keys WHERE login = \(bind: login) AND idempotency_key = \(bind: key) AND status IS NULL").run()
    }
}

/// The SHA-256 of what makes a request itself (its method, path, query, content type and body), fed as the body arrives:
/// the same key with another fingerprint is another request.
public struct IdempotencyFingerprint: Sendable {
    private var hash = SHA256()

    public init(method: String, target: String, contentType: String?) {
        for part in [method, target, contentType ?? ""] { hash.update(data: Data((part + "\n").utf8)) }
    }

    public mutating func update<Bytes: Sequence>(_ bytes: Bytes) where Bytes.Element == UInt8 { hash.update(data: Data(bytes)) }

    public var hex: String { hash.finalize().map { String(format: "%02x", $0) }.joined() }
}
