import ChannelbookCore
import SQLKit

/// The referral list's columns, as people sort it.
public enum ReferralColumn: String, SortColumn {
    case id, partner, customer, status, registered, expires

    public var sqlOrder: String {
        switch self {
        case .id: "id"
        case .partner: "code"
        case .customer: "lower(customer_name)"
        case .status: "current_status"
        case .registered: "registered_on"
        // Open-ended first either way round on both databases (they place NULLs differently).
        case .expires: "COALESCE(expires_on, '')"
        }
    }

    public var sortsAsText: Bool { self != .id }
}

/// What the referral list is narrowed to; nil or empty: no narrowing on it.
public struct ReferralFilter: Sendable {
    public var partner: PartnerCode?
    public var status: ReferralStatus?
    public var quarter: Quarter?
    /// Part of the customer's name, any case.
    public var customer: String?

    public init(partner: PartnerCode? = nil, status: ReferralStatus? = nil, quarter: Quarter? = nil, customer: String? = nil) {
        self.partner = partner
        self.status = status
        self.quarter = quarter
        self.customer = customer
    }
}

extension ReferralLifecycle {
    /// `status(on:)` as SQL over a `referral_registrations r` row, so a list is filtered and sorted by status in the
    /// database. The rule's words are `status(on:)`'s; `SortedListTests` holds the two to the same answer on every
    /// combination of dates, on both databases.
    static func sqlStatus(on date: BusinessDate) -> SQLQueryString {
        let day = date.description
        return """
            CASE WHEN r.ended_on IS NOT NULL AND r.ended_on <= \(bind: day) AND r.status IN ('rejected', 'won', 'lost') THEN r.status \
            WHEN r.approved_on IS NULL OR r.approved_on > \(bind: day) THEN 'registered' \
            WHEN r.expires_on IS NOT NULL AND r.expires_on <= \(bind: day) THEN 'expired' ELSE 'approved' END
            """
    }
}

extension ChannelbookDatabase {
    /// Registrations as they stand on `asOf` (none registered after it), narrowed by `filter`: a whole query, each row
    /// `r.*`, the partner's `code` and `current_status`.
    func referralSelection(_ filter: ReferralFilter, asOf: BusinessDate) -> SQLQueryString {
        var inner: SQLQueryString = "SELECT r.*, p.code, "
        inner += ReferralLifecycle.sqlStatus(on: asOf)
        inner += " AS current_status FROM referral_registrations r JOIN partners p ON p.id = r.partner_id WHERE r.registered_on <= \(bind: asOf.description)"
        if let partner = filter.partner { inner += " AND p.code = \(bind: partner.rawValue)" }
        if let quarter = filter.quarter {
            inner += " AND r.registered_on BETWEEN \(bind: quarter.firstDay.description) AND \(bind: quarter.lastDay.description)"
        }
        if let customer = filter.customer, !customer.isEmpty {
            inner += " AND lower(r.customer_name) LIKE \(bind: Self.likePattern(customer)) ESCAPE '\\'"
        }
        var outer: SQLQueryString = "SELECT * FROM (" + inner + ") listed WHERE 1 = 1"
        if let status = filter.status { outer += " AND current_status = \(bind: status.rawValue)" }
        return outer
    }

    /// Registrations on `asOf`, filtered, sorted and paged in SQL, with how many match.
    public func referralTable(_ filter: ReferralFilter, asOf: BusinessDate, _ slice: TableSlice<ReferralColumn>) async throws -> CountedPage<ReferralView> {
        try await requireInitialised()
        return try await sortedPage(referralSelection(filter, asOf: asOf), slice, tiebreak: ["id"]) { row in
            try referralView(of: row, asOf: asOf)
        }
    }
}
