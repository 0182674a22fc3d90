import ChannelbookCore

/// Whose renewal opportunities a login may see and work — the one renewals scope rule, for the CLI, the pages
/// and the API alike (PRODUCT.md section 1 and 2):
/// - admin: every opportunity, to read, quote and lapse;
/// - a maintenance officer: the opportunities of contracts sold by the distributors assigned to it (`partner
///   assign`), to read, quote and lapse;
/// - finance and account managers: every opportunity, to read;
/// - a distributor's login: the opportunities it owns (`renewals.owner = distributor`), to read and quote;
/// - a reseller's login: the contracts it bought, to read.
/// Anything outside the scope does not exist for the login (404, "no opportunity has the id").
public struct RenewalAccess: Sendable, Equatable {
    public enum Scope: Sendable, Equatable {
        case all
        /// Contracts sold through these distributors (by code).
        case soldBy(Set<String>)
        /// Opportunities owned by this owner code (a distributor's, under `renewals.owner = distributor`).
        case ownedBy(String)
        /// Contracts bought by this reseller.
        case boughtBy(PartnerID)
    }

    public let scope: Scope
    public let mayQuote: Bool
    public let mayLapse: Bool

    public init(scope: Scope, mayQuote: Bool, mayLapse: Bool) {
        self.scope = scope
        self.mayQuote = mayQuote
        self.mayLapse = mayLapse
    }

    /// Which renewal line renewed an opportunity (`SOURCE:LINE_ID`), as this login may see it: a partner login sees the
    /// ids of its own lines only (another distributor's line ids are its own business).
    public func mayRead(renewalLine: String?) -> String? {
        guard let line = renewalLine else { return nil }
        switch scope {
        case .all, .soldBy: return line
        case .ownedBy(let owner): return line.hasPrefix(owner + ":") ? line : "another partner's renewal line"
        case .boughtBy: return "a renewal line"
        }
    }

    /// The command line acts for the vendor: everything, every action.
    public static let vendor = RenewalAccess(scope: .all, mayQuote: true, mayLapse: true)

    public static func of(_ user: SignedInUser, _ database: DatabasePool) async throws -> RenewalAccess {
        switch user.role {
        case .admin: return vendor
        case .finance, .accountManager: return RenewalAccess(scope: .all, mayQuote: false, mayLapse: false)
        case .maintenanceOfficer:
            let mine = try await database.read { try await $0.distributors(ofMaintenanceOfficer: user.email) }
            return RenewalAccess(scope: .soldBy(Set(mine.map(\.rawValue))), mayQuote: true, mayLapse: true)
        case .partner:
            // A partner login without a partner cannot exist (the schema refuses it); it would see nothing.
            guard let code = user.partner, let id = user.partnerID else { return RenewalAccess(scope: .soldBy([]), mayQuote: false, mayLapse: false) }
            if user.partnerKind == .distributor { return RenewalAccess(scope: .ownedBy(code.rawValue), mayQuote: true, mayLapse: false) }
            return RenewalAccess(scope: .boughtBy(id), mayQuote: false, mayLapse: false)
        }
    }
}
