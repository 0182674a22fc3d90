import ChannelbookCore

/// Whose MDF a login may see and act on: a partner login only its own partner's; an account manager reviews
/// its own partners' (and reads every partner's, as the vendor does); other vendor roles every partner's. The
/// one MDF scope rule, for the pages and the API alike.
public struct MDFAccess: Sendable {
    /// The partner a partner login is bound to: everything else does not exist for it.
    public let partner: PartnerCode?
    /// The partners whose requests and claims the login may decide on; `nil`: all of them.
    public let reviewScope: Set<PartnerCode>?

    public static func of(_ user: SignedInUser, _ database: DatabasePool) async throws -> MDFAccess {
        switch user.role {
        case .partner:
            // A partner login without a partner (it cannot exist: the schema refuses it) would see nothing.
            let own = user.partner ?? PartnerCode(rawValue: "")
            return MDFAccess(partner: own, reviewScope: [own])
        case .accountManager:
            return MDFAccess(partner: nil, reviewScope: Set(try await database.read { try await $0.partners(ofAccountManager: user.email) }))
        default:
            return MDFAccess(partner: nil, reviewScope: nil)
        }
    }
}
