import ChannelbookCore
import SQLKit

/// The MDF request list's columns.
public enum MDFRequestColumn: String, SortColumn {
    case id, partner, activity, kind, starts, requested, approved, claimed, accepted, status

    public var sqlOrder: String {
        switch self {
        case .id: "id"
        case .partner: "partner"
        case .activity: "lower(activity)"
        case .kind: "kind"
        case .starts: "starts_on"
        // Not yet approved, claimed or accepted sorts first either way round on both databases (as -1).
        case .requested: "requested_minor"
        case .approved: "COALESCE(approved_minor, -1)"
        case .claimed: "COALESCE(claimed_minor, -1)"
        case .accepted: "COALESCE(accepted_minor, -1)"
        case .status: "status_on"
        }
    }

    public var sortsAsText: Bool { [.partner, .activity, .kind, .starts, .status].contains(self) }
}

extension MDFRequestFacts {
    /// `status(on:)` as SQL over `mdf_requests r` with its `paid_on` (the first `paid` ledger entry), so a status
    /// filter, a sort and a page are the database's work; `MDFTests` holds the two to the same answer on every day.
    static func sqlStatus(on date: BusinessDate) -> SQLQueryString {
        let day = date.description
        return """
            CASE WHEN paid_on IS NOT NULL AND paid_on <= \(bind: day) THEN 'paid' \
            WHEN r.decided_on IS NOT NULL AND r.decided_on <= \(bind: day) AND r.status IN ('rejected', 'accepted', 'claim_rejected') THEN r.status \
            WHEN r.claimed_on IS NOT NULL AND r.claimed_on <= \(bind: day) AND r.status NOT IN ('approved', 'requested') THEN 'claimed' \
            WHEN r.approved_on IS NULL OR r.approved_on > \(bind: day) OR r.status IN ('requested', 'rejected') THEN 'requested' \
            WHEN r.claim_deadline < \(bind: day) THEN 'lapsed' ELSE 'approved' END
            """
    }
}

/// Which requests a list shows: some partners' (nil: every partner's) in some status on the day, made by then.
public struct MDFRequestFilter: Sendable {
    public var partners: Set<PartnerCode>?
    public var status: MDFRequestStatus?

    public init(partners: Set<PartnerCode>? = nil, status: MDFRequestStatus? = nil) {
        self.partners = partners
        self.status = status
    }
}

extension ChannelbookDatabase {
    /// Requests made by `date` with their status on it, narrowed by `filter`: a whole query, each row the request's
    /// id, partner code, the sorted columns and `status_on`.
    func mdfRequestSelection(_ filter: MDFRequestFilter, asOf date: BusinessDate) -> SQLQueryString {
        var inner: SQLQueryString = """
            SELECT r.*, p.code AS partner, (SELECT MIN(l.on_date) FROM mdf_ledger l WHERE l.request_id = r.id AND l.entry = 'paid') AS paid_on
            FROM mdf_requests r JOIN partners p ON p.id = r.partner_id WHERE r.requested_on <= \(bind: date.description)
            """
        if let partners = filter.partners { inner += partners.isEmpty ? " AND 1 = 0" : " AND p.code IN (\(binds: partners.map(\.rawValue).sorted()))" }
        var outer: SQLQueryString = "SELECT id, partner, activity, kind, starts_on, requested_minor, approved_minor, claimed_minor, accepted_minor, "
        outer += MDFRequestFacts.sqlStatus(on: date)
        outer += " AS status_on FROM (" + inner + ") r"
        guard let status = filter.status else { return outer }
        return "SELECT * FROM (" + outer + ") listed WHERE status_on = \(bind: status.rawValue)"
    }

    /// Requests on `date`, filtered, sorted and paged in SQL, with how many match: the MDF page's lists and CSV.
    public func mdfRequestTable(_ filter: MDFRequestFilter, asOf date: BusinessDate, _ slice: TableSlice<MDFRequestColumn>) async throws
        -> CountedPage<MDFRequestView>
    {
        try await requireInitialised()
        return try await readTransaction {
            let ids = try await sortedPage(mdfRequestSelection(filter, asOf: date), slice, tiebreak: ["id"]) { try $0.decode(column: "id", as: Int64.self) }
            return CountedPage(items: try await mdfViews(ids.items, asOf: date), total: ids.total)
        }
    }
}
