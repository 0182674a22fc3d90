import ChannelbookCore
import SQLKit

/// A quarter's statement as its list shows it: no lines, with its hold if it has one.
public struct StatementListing: Sendable, Equatable {
    public let reference: String
    public let partner: PartnerCode
    public let partnerName: String
    public let status: StatementStatus
    public let total: Money
    /// Its hold, while it is a held draft (`heldSQL`).
    public let hold: StatementHold?

    public var isInPayoutFile: Bool { StatementView.isInPayoutFile(status, total) }
    public var isSettledByPayment: Bool { StatementView.isSettledByPayment(status, total) }
    public var isHeld: Bool { hold != nil }
}

/// The statement list's columns, as people sort it.
public enum StatementColumn: String, SortColumn {
    case statement, partner, status, total

    public var sqlOrder: String {
        switch self {
        case .statement: "reference"
        case .partner: "code"
        case .status: "status"
        case .total: "total_minor"
        }
    }

    public var sortsAsText: Bool { self != .total }
}

/// What a quarter's statement list is narrowed to: a status, or the held drafts; a partner's code or name.
public struct StatementFilter: Sendable {
    public enum Standing: String, CaseIterable, Sendable {
        case draft, held, approved, paid
    }

    public var standing: Standing?
    public var search: String?

    public init(standing: Standing? = nil, search: String? = nil) {
        self.standing = standing
        self.search = search
    }
}

/// How a quarter's statements stand: the counts its page leads with, and whether there is a payout file to export
/// and anything for "mark paid" to settle — by the same rules as the payout file and the payment.
public struct QuarterStanding: Sendable, Equatable {
    public var drafts = 0, held = 0, approved = 0, paid = 0
    public var inPayoutFile = 0, settledByPayment = 0
    public var total: Int { drafts + approved + paid }
}

extension ChannelbookDatabase {
    /// A held statement, over `statements s` joined to its `statement_holds h`: a draft with a hold. (A hold only
    /// exists on a draft; approving refuses a held one.) The one place the lists' "held" is decided.
    static let heldSQL = "(s.status = 'draft' AND h.reason IS NOT NULL)"

    /// A quarter's statements (not void), narrowed, sorted and paged in SQL, with how many match.
    public func statementTable(_ quarter: Quarter, _ filter: StatementFilter, _ slice: TableSlice<StatementColumn>) async throws -> CountedPage<StatementListing> {
        try await requireInitialised()
        let currency = try await program(on: quarter.lastDay).program.currency
        var select: SQLQueryString = """
            SELECT s.id, s.reference, p.code, p.name, s.status, s.total_minor, h.reason AS hold_reason, h.held_by, h.held_at_us,
                   CASE WHEN \(unsafeRaw: Self.heldSQL) THEN 1 ELSE 0 END AS held
            FROM statements s JOIN partners p ON p.id = s.partner_id
            LEFT JOIN statement_holds h ON h.quarter = s.quarter AND h.partner_id = s.partner_id
            WHERE s.quarter = \(bind: quarter.description) AND s.status <> 'void'
            """
        switch filter.standing {
        case nil: break
        case .held: select += " AND \(unsafeRaw: Self.heldSQL)"
        case let standing?: select += " AND s.status = \(bind: standing.rawValue)"
        }
        if let search = filter.search, !search.isEmpty {
            let pattern = Self.likePattern(search)
            select += " AND (lower(p.code) LIKE \(bind: pattern) ESCAPE '\\' OR lower(p.name) LIKE \(bind: pattern) ESCAPE '\\')"
        }
        return try await sortedPage(select, slice, tiebreak: ["id"]) { row in
            let partner = PartnerCode(rawValue: try row.decode(column: "code", as: String.self))
            let held = try row.decode(column: "held", as: Int.self) == 1
            let hold = try row.decode(column: "hold_reason", as: String?.self).flatMap { reason in held ? reason : nil }.map { reason in
                StatementHold(
                    partner: partner, reason: reason, heldBy: try row.decode(column: "held_by", as: String.self),
                    heldAtMicroseconds: try row.decode(column: "held_at_us", as: Int64.self))
            }
            return StatementListing(
                reference: try row.decode(column: "reference", as: String.self), partner: partner, partnerName: try row.decode(column: "name", as: String.self),
                status: try row.stored(StatementStatus.self, column: "status"),
                total: Money(minorUnits: try row.decode(column: "total_minor", as: Int64.self), currency: currency), hold: hold)
        }
    }

    /// How the quarter's statements stand, from one read of their status, total and hold (never their lines).
    public func quarterStanding(_ quarter: Quarter) async throws -> QuarterStanding {
        try await requireInitialised()
        let currency = try await program(on: quarter.lastDay).program.currency
        let rows = try await plainRows(
            """
            SELECT s.status, s.total_minor, CASE WHEN \(Self.heldSQL) THEN 1 ELSE 0 END FROM statements s
            LEFT JOIN statement_holds h ON h.quarter = s.quarter AND h.partner_id = s.partner_id
            WHERE s.quarter = $1 AND s.status <> 'void'
            """, [.text(quarter.description)])
        var standing = QuarterStanding()
        for row in rows {
            guard let status = StatementStatus(rawValue: try row.text(0)) else { continue }
            let total = Money(minorUnits: try row.integer(1), currency: currency)
            switch status {
            case .draft: standing.drafts += 1
            case .approved: standing.approved += 1
            case .paid: standing.paid += 1
            case .void: break
            }
            if try row.integer(2) == 1 { standing.held += 1 }
            if StatementView.isInPayoutFile(status, total) { standing.inPayoutFile += 1 }
            if StatementView.isSettledByPayment(status, total) { standing.settledByPayment += 1 }
        }
        return standing
    }
}
