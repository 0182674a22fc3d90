import ChannelbookCore

/// Whose sales a login's analytics cover — one rule for the pages and the API:
/// - the vendor's roles (`Permission.viewChannelAnalytics`): the whole channel;
/// - a distributor's login: its own sell-through (the lines its reports gave), on its dashboard and through the API;
/// - a reseller's login: none (its own figures are its statements and tier progress).
public struct AnalyticsAccess: Sendable, Equatable {
    /// The one source the login's reports are kept to, or nil for the whole channel.
    public let onlySource: String?

    public static func of(_ user: SignedInUser) -> AnalyticsAccess? {
        if user.role.may(.viewChannelAnalytics) { return AnalyticsAccess(onlySource: nil) }
        guard user.partnerKind == .distributor, let code = user.partner else { return nil }
        return AnalyticsAccess(onlySource: code.rawValue)
    }
}
