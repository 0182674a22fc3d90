import ChannelbookCore
import Foundation
import SQLKit

/// One audit record: who did what, when, to whom, and the state before and after.
public struct AuditEntry: Sendable, Equatable {
    public let id: Int64
    /// Microseconds since 1970, UTC.
    public let atMicroseconds: Int64
    public let actor: String
    public let action: String
    public let partner: PartnerCode?
    public let subject: String
    public let before: String
    public let after: String

    /// `2026-11-29T08:45:12Z`.
    public var timestamp: String { Self.timestamp(atMicroseconds) }

    /// An ISO 8601 UTC timestamp for a time stored in microseconds (whole seconds).
    public static func timestamp(_ microseconds: Int64) -> String {
        ISO8601DateFormatter().string(from: Date(timeIntervalSince1970: TimeInterval(microseconds / 1_000_000)))
    }
}

extension ChannelbookDatabase {
    /// Appends an audit record in the caller's transaction: it lands with the change it describes, or not at all.
    func audit(actor: String, action: String, partner: PartnerID? = nil, subject: String, before: String = "", after: String = "") async throws {
        try await sql.raw(
            """
            INSERT INTO audit_log (at_us, actor, action, partner_id, subject, before_state, after_state)
            VALUES (\(bind: Self.nowMicroseconds()), \(bind: actor.isEmpty ? "unknown" : actor), \(bind: action), \(bind: partner?.rawValue),
                    \(bind: subject), \(bind: before), \(bind: after))
            """
        ).run()
    }

    /// The audit log, oldest first, optionally from a date (UTC) on and for one partner.
    public func auditLog(since: BusinessDate? = nil, partner: PartnerCode? = nil, limit: Int = 10_000) async throws -> [AuditEntry] {
        try await requireInitialised()
        var query = SQLQueryString("\(unsafeRaw: AuditEntry.selection) WHERE 1 = 1")
        if let since {
            query.appendInterpolation(" AND a.at_us >= \(bind: Int64(since.daysSinceEpoch) * 86_400_000_000)" as SQLQueryString)
        }
        if let partner { query.appendInterpolation(" AND p.code = \(bind: partner.rawValue)" as SQLQueryString) }
        query.appendInterpolation(" ORDER BY a.id LIMIT \(unsafeRaw: String(limit))" as SQLQueryString)
        return try await sql.raw(query).all().map(AuditEntry.init(row:))
    }
}

extension AuditEntry {
    /// The audit log's rows with their partner's code, for `WHERE …` to follow.
    static let selection =
        "SELECT a.id, a.at_us, a.actor, a.action, p.code, a.subject, a.before_state, a.after_state FROM audit_log a LEFT JOIN partners p ON p.id = a.partner_id"

    /// An entry from a row of `selection`.
    init(row: any SQLRow) throws {
        self.init(
            id: try row.decode(column: "id", as: Int64.self), atMicroseconds: try row.decode(column: "at_us", as: Int64.self),
            actor: try row.decode(column: "actor", as: String.self), action: try row.decode(column: "action", as: String.self),
            partner: try row.decode(column: "code", as: String?.self).map { PartnerCode(rawValue: $0) },
            subject: try row.decode(column: "subject", as: String.self), before: try row.decode(column: "before_state", as: String.self),
            after: try row.decode(column: "after_state", as: String.self))
    }
}
