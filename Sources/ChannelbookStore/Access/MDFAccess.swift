import ChannelbookCore

/// Whose MDF a login may see and act on — the one MDF scope rule, for the pages and the API alike:
/// - a partner login: only its own partner's (anything else does not exist for it);
/// - an account manager: its own partners', to read and to review;
/// - admin and finance: every partner's (admin reviews, finance reads what statements pay);
/// - a maintenance officer: none (renewals are its work, not MDF).
public struct MDFAccess: Sendable {
    /// The partner a partner login is bound to.
    public let partner: PartnerCode?
    /// The partners whose MDF the login may read; `nil`: all of them.
    public let readScope: Set<PartnerCode>?
    /// The partners whose requests and claims the login may decide on; `nil`: all of them.
    public let reviewScope: Set<PartnerCode>?

    public static func of(_ user: SignedInUser, _ database: DatabasePool) async throws -> MDFAccess {
        switch user.role {
        case .partner:
            // A partner login without a partner cannot exist (the schema refuses it); it would see nothing.
            let own: Set<PartnerCode> = user.partner.map { [$0] } ?? []
            return MDFAccess(partner: user.partner ?? PartnerCode(rawValue: ""), readScope: own, reviewScope: own)
        case .accountManager:
            let mine = Set(try await database.read { try await $0.partners(ofAccountManager: user.email) })
            return MDFAccess(partner: nil, readScope: mine, reviewScope: mine)
        case .maintenanceOfficer:
            return MDFAccess(partner: nil, readScope: [], reviewScope: [])
        case .admin, .finance:
            return MDFAccess(partner: nil, readScope: nil, reviewScope: nil)
        }
    }

    /// What a read asking for `partner` (or for all, `nil`) may see: the asked partner within the read scope.
    public func reading(_ partner: PartnerCode?) -> Set<PartnerCode>? { Self.narrowing(readScope, to: partner) }

    /// The partners a scope (`nil`: all) holds of the one asked for (`nil`: all of them): the asked one if the scope
    /// has it, none if not.
    static func narrowing(_ scope: Set<PartnerCode>?, to partner: PartnerCode?) -> Set<PartnerCode>? {
        guard let partner else { return scope }
        return scope.map { $0.contains(partner) ? [partner] : [] } ?? [partner]
    }
}
