import ChannelbookCore

/// Whose sales a login's analytics cover, and by what — one rule for the pages and the API:
/// - the vendor's roles (`Permission.viewChannelAnalytics`): the whole channel, by every dimension;
/// - a distributor's login: its own sell-through (the lines its reports gave), by segment and reseller only — a
///   reseller's tier is the reseller's own business, and route and distributor say nothing of one source;
/// - a reseller's login: none (its own figures are its statements and tier progress).
public struct AnalyticsAccess: Sendable, Equatable {
    /// The one source the login's reports are kept to, or nil for the whole channel.
    public let onlySource: String?
    /// What the login may group and filter by.
    public let dimensions: Set<SalesDimension>

    public static func of(_ user: SignedInUser) -> AnalyticsAccess? {
        if user.role.may(.viewChannelAnalytics) { return AnalyticsAccess(onlySource: nil, dimensions: Set(SalesDimension.allCases)) }
        guard user.partnerKind == .distributor, let code = user.partner else { return nil }
        return AnalyticsAccess(onlySource: code.rawValue, dimensions: [.segment, .reseller])
    }

    /// Why the login may not ask for these dimensions or filters, or nil when it may.
    public func refusal(groupingBy grouping: [SalesDimension], filteringBy filters: some Collection<SalesDimension>) -> String? {
        let refused = Set(grouping).union(filters).subtracting(dimensions)
        guard !refused.isEmpty else { return nil }
        return "this login's sell-through is reported by \(dimensions.sorted().map(\.rawValue).joined(separator: " and ")) only, not by "
            + refused.sorted().map(\.rawValue).joined(separator: " or ")
    }
}
