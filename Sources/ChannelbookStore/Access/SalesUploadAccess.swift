import ChannelbookCore

/// Which sales a login may upload — the one rule for the upload page and the API: the vendor's admin any source;
/// a distributor's login only its own sell-through (every line must name it as the source); anyone else nothing.
public enum SalesUploadAccess: Sendable, Equatable {
    case anySource
    case onlySource(PartnerCode)
    /// The role may not upload (a vendor role without the permission: 403).
    case forbidden
    /// A reseller's login: uploads do not exist for it (404, as on every vendor action).
    case notFound

    public static func of(_ user: SignedInUser) -> SalesUploadAccess {
        switch user.role.refusal(lacking: .uploadSales) {
        case .forbidden?: return .forbidden
        case .notFound?: return .notFound
        case nil: break
        }
        guard user.role == .partner else { return .anySource }
        guard let distributor = user.distributor else { return .notFound }
        return .onlySource(distributor)
    }

    /// The source every line must name, for the import (`nil`: any).
    public var onlySource: PartnerCode? {
        if case .onlySource(let source) = self { return source }
        return nil
    }
}

extension SignedInUser {
    /// The distributor a distributor's login works for; `nil` for every other login.
    public var distributor: PartnerCode? { role == .partner && partnerKind == .distributor ? partner : nil }
}
