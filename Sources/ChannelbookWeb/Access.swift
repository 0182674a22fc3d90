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

/// Signed-in pages share one frame: who is signed in, the menu for their role, and sign-out.
func signedInPage(_ title: String, _ context: WebContext, _ body: String, script: String? = nil) -> Response {
    guard let user = context.user else { return HTMLPage(title: title, body: body, script: script).response() }
    var menu = ["<a href=\"/\">Dashboard</a>", "<a href=\"/referrals\">Referrals</a>"]
    if (user.role.isVendor && user.role != .maintenanceOfficer) || user.partnerKind == .reseller { menu.append("<a href=\"/mdf\">MDF</a>") }
    menu.append("<a href=\"/renewals\">Renewals</a>")
    if user.role.isVendor {
        menu += ["<a href=\"/partners\">Partners</a>", "<a href=\"/near-tier\">Near tier</a>", "<a href=\"/enablement\">Enablement</a>"]
        if user.role.may(.runWhatIf) { menu.append("<a href=\"/whatif\">What if</a>") }
        if user.role.may(.viewChannelAnalytics) { menu.append("<a href=\"/analytics\">Analytics</a>") }
        menu.append("<a href=\"/audit\">Audit log</a>")
        if user.role.may(.manageWebhooks) { menu.append("<a href=\"/webhooks\">Webhooks</a>") }
    }
    if let partner = user.partner { menu.append("<a href=\"/partners/\(HTML.escape(partner.rawValue))\">My partner</a>") }
    menu.append("<a href=\"/tokens\">API tokens</a>")
    if MatchingAccess.of(user) != nil { menu.append("<a href=\"/matching\">Reseller names</a>") }
    if user.role.may(.uploadSales) && (user.role.isVendor || user.partnerKind == .distributor) {
        menu.append("<a href=\"/sales/upload\">Upload sales</a>")
    }
    let signOut = context.session.map { session in
        "<form method=\"post\" action=\"/logout\" style=\"display:inline\"><input type=\"hidden\" name=\"csrf\" value=\"\(HTML.escape(session.csrfToken))\"><button>Sign out</button></form>"
    } ?? ""
    let header = "<nav>\(menu.joined(separator: " · ")) · \(HTML.escape(user.email)) (\(user.role.rawValue)\(user.partner.map { ", \(HTML.escape($0.rawValue))" } ?? "")) \(signOut)</nav>"
    return HTMLPage(title: title, body: header + body, script: script).response()
}

