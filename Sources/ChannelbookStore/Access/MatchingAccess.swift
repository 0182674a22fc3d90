import ChannelbookCore

/// Whose parked reseller names a login may see and what it may do with them — one rule for the pages and the API:
/// - admin: every source's names, to map or set aside;
/// - other vendor logins: every source's names, to read;
/// - a distributor's login: the names its own reports used, to suggest a partner (the vendor decides);
/// - a reseller's login: none (the page does not exist for it).
public struct MatchingAccess: Sendable, Equatable {
    /// The one source whose names the login sees, or nil for every source.
    public let source: String?
    public let mayDecide: Bool
    public let maySuggest: Bool

    public static func of(_ user: SignedInUser) -> MatchingAccess? {
        if user.role.isVendor { return MatchingAccess(source: nil, mayDecide: user.role.may(.mapResellerNames), maySuggest: false) }
        guard user.partnerKind == .distributor, let code = user.partner else { return nil }
        return MatchingAccess(source: code.rawValue, mayDecide: false, maySuggest: true)
    }
}
