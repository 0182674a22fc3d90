import ChannelbookStore
import Hummingbird

/// Who may see what: every route asks here, so the rules live in one place.
extension WebContext {
    /// The signed-in login, or 401.
    func requireUser(json: Bool) throws -> SignedInUser {
        guard let user else { throw WebError(.unauthorized, "sign in first", json: json) }
        return user
    }

    /// A vendor login (any vendor role), or 404 for a partner login: vendor pages do not exist for partners.
    func requireVendor(json: Bool) throws -> SignedInUser {
        let user = try requireUser(json: json)
        guard user.role.isVendor else { throw WebError.notFound(json: json) }
        return user
    }
}

/// Who of the vendor's staff acted (reviewed an exception, decided a name), as a login may know it: the vendor's own
/// roles see the email, a partner's login sees that the vendor did, not which of its staff.
func staffName(_ email: String, seenByVendor: Bool) -> String { seenByVendor ? email : "the vendor" }

/// Signed-in pages share one frame: the menu for the login's role with the page's own entry marked, who is signed
/// in, and sign-out.
func signedInPage(
    _ title: String, _ context: WebContext, _ body: String, script: String? = nil, crumbs: [(href: String, label: String)] = []
) -> Response {
    guard let user = context.user else { return HTMLPage(title: title, body: body, script: script, crumbs: crumbs).response() }
    var menu = [("/", "Dashboard"), ("/referrals", "Referrals")]
    if (user.role.isVendor && user.role != .maintenanceOfficer) || user.partnerKind == .reseller { menu.append(("/mdf", "MDF")) }
    menu.append(("/renewals", "Renewals"))
    if user.role.isVendor {
        menu += [("/quarters", "Quarter end"), ("/partners", "Partners"), ("/near-tier", "Near tier"), ("/enablement", "Enablement")]
        if user.role.may(.runWhatIf) { menu.append(("/whatif", "What if")) }
        if user.role.may(.viewChannelAnalytics) { menu.append(("/analytics", "Analytics")) }
        menu.append(("/audit", "Audit log"))
        if user.role.may(.manageWebhooks) { menu.append(("/webhooks", "Webhooks")) }
    }
    if let partner = user.partner { menu.append((PartnerRoutes.path(partner), "My partner")) }
    menu.append(("/tokens", "API tokens"))
    if MatchingAccess.of(user) != nil { menu.append(("/matching", "Reseller names")) }
    if user.role.may(.uploadSales) && (user.role.isVendor || user.partnerKind == .distributor) { menu.append(("/sales/upload", "Upload sales")) }
    var navigation: [String: Any] = [
        "items": Templates.navigationItems(menu.map { (href: $0.0, label: $0.1) }, path: context.path),
        "who": "\(user.email) (\(user.role.label)\(user.partner.map { ", \($0.rawValue)" } ?? ""))",
    ]
    if let session = context.session { navigation["csrf"] = session.csrfToken }
    return HTMLPage(title: title, body: body, script: script, navigation: navigation, crumbs: crumbs).response()
}

