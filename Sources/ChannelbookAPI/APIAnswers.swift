import ChannelbookCore
import ChannelbookStore

/// The API's refusals, one JSON shape for all: `{"error": words for a person, "code": a value for programs}`.
/// Every handler answers through these, so a status and its `code` never disagree.
extension APIHandler {
    static let unauthorized = Components.Responses.Unauthorized(body: .json(.init(error: "sign in first: send Authorization: Bearer TOKEN", code: .unauthorized)))

    static let notFound = Components.Responses.NotFound(body: .json(.init(error: "not found", code: .not_found)))

    static func badRequest(_ message: String, problems: [String]? = nil) -> Components.Responses.BadRequest {
        .init(body: .json(.init(error: message, code: .bad_request, problems: problems)))
    }

    /// The first query value the document's lengths refuse — empty, or longer than its maximum — in words (the
    /// generated code checks types, not lengths). An absent value is no problem.
    static func lengthProblem(_ values: [(name: String, value: String?, maximum: Int)]) -> String? {
        for (name, value, maximum) in values {
            guard let value else { continue }
            if value.isEmpty { return "\(name) must not be empty (leave it out instead)" }
            // Counted as JSON Schema counts a string's length: in Unicode code points, not in what a reader sees as letters.
            if value.unicodeScalars.count > maximum { return "\(name) is longer than \(maximum) characters" }
        }
        return nil
    }

    static func forbidden(_ message: String) -> Components.Responses.Forbidden { .init(body: .json(.init(error: message, code: .forbidden))) }

    /// The answer for a login whose role lacks a permission: which role, and that it may not.
    static func forbidden(_ user: SignedInUser, _ permission: Permission) -> Components.Responses.Forbidden {
        forbidden("your role (\(user.role.rawValue)) may not \(permission.phrase)")
    }
}

/// The answers every gated operation has: 400 (a refusal in words), 401, 403 and 404.
protocol GatedOutput {
    static func badRequest(_ response: Components.Responses.BadRequest) -> Self
    static func unauthorized(_ response: Components.Responses.Unauthorized) -> Self
    static func forbidden(_ response: Components.Responses.Forbidden) -> Self
    static func notFound(_ response: Components.Responses.NotFound) -> Self
}

extension APIHandler {
    /// Runs an operation for the request's login: 401 without one (before anything of the request is looked at),
    /// then the role's refusal of `permission` (`Role.refusal(lacking:)`: 403 for a vendor role, 404 for a partner's),
    /// and the store's refusals as 400 with its words.
    func gated<Output: GatedOutput>(_ permission: Permission?, _ body: (SignedInUser) async throws -> Output) async throws -> Output {
        guard let user = Self.currentUser else { return .unauthorized(Self.unauthorized) }
        if let permission {
            switch user.role.refusal(lacking: permission) {
            case .forbidden?: return .forbidden(Self.forbidden(user, permission))
            case .notFound?: return .notFound(Self.notFound)
            case nil: break
            }
        }
        do { return try await body(user) } catch let refusal as any RefusalError { return .badRequest(Self.badRequest(refusal.description)) }
    }
}
