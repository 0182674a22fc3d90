import ChannelbookCore
import SQLKit

/// A draft statement finance has held back from "approve all": who, when and why.
public struct StatementHold: Sendable, Equatable {
    public let partner: PartnerCode
    public let reason: String
    public let heldBy: String
    public let heldAtMicroseconds: Int64
}

extension ChannelbookDatabase {
    /// The quarter's holds, by partner.
    public func statementHolds(in quarter: Quarter) async throws -> [PartnerCode: StatementHold] {
        try await requireInitialised()
        let rows = try await plainRows(
            """
            SELECT p.code, h.reason, h.held_by, h.held_at_us FROM statement_holds h JOIN partners p ON p.id = h.partner_id
            WHERE h.quarter = $1
            """, [.text(quarter.description)])
        return Dictionary(
            try rows.map { row in
                let partner = PartnerCode(rawValue: try row.text(0))
                return (partner, StatementHold(partner: partner, reason: try row.text(1), heldBy: try row.text(2), heldAtMicroseconds: try row.integer(3)))
            }, uniquingKeysWith: { first, _ in first })
    }

    /// Holds the partner's draft statement for the quarter: "approve all" passes it by, and approving it alone is
    /// refused until it is released. Only a draft can be held; audited.
    public func holdStatement(_ quarter: Quarter, partner: PartnerCode, reason: String, actor: String) async throws {
        try await requireInitialised()
        guard !reason.allSatisfy(\.isWhitespace) else { throw StatementError.missingHoldReason }
        try TextRules.require("reason", reason, maximumLength: TextRules.Limit.reason)
        try await transaction(locking: [.ledger]) {
            let statement = try await statement(partner: partner, quarter: quarter)
            guard statement.status == .draft else { throw StatementError.notDraft(statement.reference, statement.status) }
            if let hold = try await statementHolds(in: quarter)[partner] { throw StatementError.alreadyHeld(statement.reference, reason: hold.reason) }
            // Its statement was found, so the partner exists.
            guard let partnerID = try await partnerID(partner) else { throw StatementError.noStatement(partner: partner.rawValue, quarter: quarter) }
            try await sql.raw(
                """
                INSERT INTO statement_holds (quarter, partner_id, reason, held_by, held_at_us)
                VALUES (\(bind: quarter.description), \(bind: partnerID.rawValue), \(bind: reason), \(bind: actor), \(bind: Self.nowMicroseconds()))
                """
            ).run()
            try await audit(
                actor: actor, action: "hold statement", partner: partnerID, subject: statement.reference,
                before: "draft \(statement.total.displayString)", after: "held: \(reason)")
        }
    }

    /// Releases a hold: the draft can be approved again, alone or with the others. Audited.
    public func releaseStatement(_ quarter: Quarter, partner: PartnerCode, actor: String) async throws {
        try await requireInitialised()
        try await transaction(locking: [.ledger]) {
            let statement = try await statement(partner: partner, quarter: quarter)
            guard let hold = try await statementHolds(in: quarter)[partner] else { throw StatementError.notHeld(statement.reference) }
            // Its statement was found, so the partner exists.
            guard let partnerID = try await partnerID(partner) else { throw StatementError.noStatement(partner: partner.rawValue, quarter: quarter) }
            try await sql.raw(
                "DELETE FROM statement_holds WHERE quarter = \(bind: quarter.description) AND partner_id = \(bind: partnerID.rawValue)"
            ).run()
            try await audit(
                actor: actor, action: "release statement", partner: partnerID, subject: statement.reference,
                before: "held: \(hold.reason)", after: "draft \(statement.total.displayString)")
        }
    }
}
