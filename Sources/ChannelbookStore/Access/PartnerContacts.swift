import ChannelbookCore
import SQLKit

/// Why assigning a partner's contact at the vendor was refused.
public enum ContactError: RefusalError, Equatable, Sendable {
    case unknownPartner(String)
    case unknownUser(String)
    case wrongRole(email: String, needed: Role)
    case wrongPartnerKind(partner: String, contact: String)

    public var description: String {
        switch self {
        case .unknownPartner(let code): return "no partner has the code '\(code)'"
        case .unknownUser(let email): return "no login has the email \(email)"
        case let .wrongRole(email, needed): return "\(email) is not a \(needed.rawValue) login"
        case let .wrongPartnerKind(partner, contact): return "\(partner) cannot have a \(contact): account managers look after resellers, maintenance officers distributors"
        }
    }
}

extension ChannelbookDatabase {
    /// Names the vendor's account manager of a reseller, or maintenance officer of a distributor.
    public func assignContact(partner code: PartnerCode, email rawEmail: String, role: Role, actor: String) async throws {
        try await requireInitialised()
        let email = rawEmail.lowercased()
        try await transaction {
            guard let partner = try await PartnerDirectory.load(from: self).byCode[code] else { throw ContactError.unknownPartner(code.rawValue) }
            guard let user = try await users().first(where: { $0.email == email }) else { throw ContactError.unknownUser(email) }
            guard user.role == role else { throw ContactError.wrongRole(email: email, needed: role) }
            let column: String
            switch (role, partner.kind) {
            case (.accountManager, .reseller): column = "account_manager_id"
            case (.maintenanceOfficer, .distributor): column = "maintenance_officer_id"
            default: throw ContactError.wrongPartnerKind(partner: code.rawValue, contact: role == .accountManager ? "account manager" : "maintenance officer")
            }
            try await sql.raw("UPDATE partners SET \(unsafeRaw: column) = \(bind: user.id.rawValue) WHERE id = \(bind: partner.id.rawValue)").run()
            try await audit(actor: actor, action: "assign \(role.label)", partner: partner.id, subject: code.rawValue, after: email)
        }
    }

    /// The emails of a partner's account manager and maintenance officer, where assigned.
    public func contacts(of code: PartnerCode) async throws -> (accountManager: String?, maintenanceOfficer: String?) {
        let row = try await plainRows(
            """
            SELECT am.email, mo.email FROM partners p LEFT JOIN users am ON am.id = p.account_manager_id
            LEFT JOIN users mo ON mo.id = p.maintenance_officer_id WHERE p.code = $1
            """, [.text(code.rawValue)]
        ).first
        return (try row?.optionalText(0), try row?.optionalText(1))
    }
}
