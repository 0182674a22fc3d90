/// Who a login is (PRODUCT.md section 1). A partner user is bound to one partner and sees only its data.
public enum Role: String, CaseIterable, Sendable, Codable {
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
