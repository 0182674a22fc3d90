/// Who a login is (PRODUCT.md section 1). A partner user is bound to one partner and sees only its data.
public enum Role: String, CaseIterable, Sendable, Codable {
    /// The role in words, as pages show it (the raw value is what commands and the API take).
    public var label: String {
        switch self {
        case .admin: "admin"
        case .accountManager: "account manager"
        case .maintenanceOfficer: "maintenance officer"
        case .finance: "finance"
        case .partner: "partner"
        }
    }

    /// The vendor's channel manager: program, partners, tiers, closing quarters.
    case admin
    /// A national reseller account manager.
    case accountManager = "account_manager"
    /// A maintenance officer working distributors' renewal queues.
    case maintenanceOfficer = "maintenance_officer"
    /// The vendor's finance team: approves statements, exports payouts.
    case finance
    /// A user of one partner organisation.
    case partner

    /// Whether the role belongs to the vendor (sees every partner) rather than to one partner.
    public var isVendor: Bool { self != .partner }
}

/// What a login may do beyond reading. One table, so a newcomer finds every permission in one place.
public enum Permission: Sendable {
    /// Close a quarter (compute figures and draft statements).
    case closeQuarter
    /// Approve statements and export or pay payouts.
    case approveStatements
    /// Approve or reject referral registrations.
    case reviewReferrals
    /// Register a referral for one's own partner.
    case registerReferral
    /// Upload a sales file (a partner login only for its own distributor's sell-through).
    case uploadSales
    /// Run a proposed program against closed quarters (reads only).
    case runWhatIf
    /// Request MDF for one's own reseller and claim it with proof.
    case requestMDF
    /// Approve or reject MDF requests and claims (an account manager: of its own partners).
    case reviewMDF
    /// Map a name a distributor's report gives a reseller to a partner, or set it aside (a distributor only suggests).
    case mapResellerNames
    /// See channel analytics: net sales by segment, route, distributor and tier (a distributor sees its own on its dashboard).
    case viewChannelAnalytics
    /// Add partners, change a reseller's tier, assign contacts, add price book rows.
    case managePartners
    /// Read the audit log.
    case viewAuditLog
    /// See which partners' reps are trained.
    case viewEnablement
    /// Record a course a partner's rep completed.
    case recordEnablement
    /// Register and remove the endpoints webhooks are sent to.
    case manageWebhooks
    /// Accept a route exception with a note.
    case reviewRouteExceptions

    /// The roles holding the permission.
    public var roles: Set<Role> {
        switch self {
        case .closeQuarter: return [.admin]
        case .approveStatements: return [.finance]
        case .reviewReferrals: return [.admin, .accountManager]
        case .registerReferral: return [.partner, .admin]
        case .uploadSales: return [.admin, .partner]
        case .runWhatIf: return [.admin, .finance, .accountManager]
        case .requestMDF: return [.partner]
        case .reviewMDF: return [.admin, .accountManager]
        case .mapResellerNames: return [.admin]
        case .viewChannelAnalytics: return [.admin, .finance, .accountManager, .maintenanceOfficer]
        case .managePartners: return [.admin]
        case .viewAuditLog, .viewEnablement: return [.admin, .finance, .accountManager, .maintenanceOfficer]
        case .recordEnablement: return [.admin, .accountManager]
        case .manageWebhooks, .reviewRouteExceptions: return [.admin]
        }
    }
}

/// How a login without a permission is refused, the same on pages and the API.
public enum PermissionRefusal: Sendable, Equatable {
    /// A partner's login: the vendor's actions do not exist for it, so it is not even told they do (404).
    case notFound
    /// A vendor role without the permission: told so (403).
    case forbidden
}

extension Permission {
    /// What the permission allows, for a refusal's words ("may not close quarters").
    public var phrase: String {
        switch self {
        case .closeQuarter: "close quarters"
        case .approveStatements: "approve statements or pay them"
        case .reviewReferrals: "review referrals"
        case .registerReferral: "register referrals"
        case .uploadSales: "upload sales"
        case .runWhatIf: "run what-if"
        case .requestMDF: "request MDF"
        case .reviewMDF: "review MDF"
        case .mapResellerNames: "map reseller names"
        case .viewChannelAnalytics: "see channel analytics"
        case .managePartners: "manage partners or the price book"
        case .viewAuditLog: "read the audit log"
        case .viewEnablement: "see enablement"
        case .recordEnablement: "record enablement"
        case .manageWebhooks: "manage webhooks"
        case .reviewRouteExceptions: "review route exceptions"
        }
    }
}

extension Role {
    public func may(_ permission: Permission) -> Bool { permission.roles.contains(self) }

    /// `nil` when the role holds the permission; otherwise how it is refused (`PermissionRefusal`).
    public func refusal(lacking permission: Permission) -> PermissionRefusal? {
        may(permission) ? nil : isVendor ? .forbidden : .notFound
    }
}
