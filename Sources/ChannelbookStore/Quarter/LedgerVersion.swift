import ChannelbookCore
import SQLKit

extension ChannelbookDatabase {
    /// Records that something a statement's figures follow has changed (an import, a referral won, a program
    /// version): every draft computed before is stale until its quarter is closed again. In the caller's transaction.
    func noteLedgerChange() async throws {
        try await sql.raw("UPDATE ledger_version SET version = version + 1 WHERE id = 1").run()
    }

    /// The ledger's current version: what a close stamps on the drafts it computes.
    func ledgerVersion() async throws -> Int64 {
        try await plainRows("SELECT version FROM ledger_version WHERE id = 1").first?.integer(0) ?? 0
    }

    /// The references of the quarter's drafts (one partner's, or all) computed before the ledger's latest change.
    func staleDrafts(_ quarter: Quarter, partner: PartnerCode?) async throws -> [String] {
        var query = """
            SELECT s.reference FROM statements s JOIN partners p ON p.id = s.partner_id
            WHERE s.quarter = $1 AND s.status = 'draft'
              AND (s.computed_version IS NULL OR s.computed_version < (SELECT version FROM ledger_version WHERE id = 1))
            """
        var binds: [PlainValue] = [.text(quarter.description)]
        if let partner {
            query += " AND p.code = $2"
            binds.append(.text(partner.rawValue))
        }
        return try await plainRows(query + " ORDER BY s.reference", binds).map { try $0.text(0) }
    }
}
