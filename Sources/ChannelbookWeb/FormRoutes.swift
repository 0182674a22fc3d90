import HTTPTypes
import ChannelbookCore
import ChannelbookStore
import Hummingbird

/// Reading a form's body: its fields, or a 400 page naming what is missing or malformed, never a 500. The routes
/// that change things (referrals, quarter end, MDF, renewals…) each check the session's CSRF token and the login's
/// permission before touching the store.
enum FormRoutes {
    /// A form's fields, or 400 when a required one is missing or malformed.
    static func decodeForm<Form: Decodable>(_ type: Form.Type, _ request: Request, _ context: WebContext) async throws -> Form {
        do { return try await request.decode(as: type, context: context) } catch let error as DecodingError {
            throw WebError(.badRequest, "the form is incomplete or malformed: \(Self.describe(error))", json: false)
        } catch let error as HTTPError where error.status == .badRequest {
            // Hummingbird reports the decoding error itself; keep its reason, answer as a page.
            throw WebError(.badRequest, "the form is incomplete or malformed: \(error.body ?? "a field is missing")", json: false)
        }
    }

    static func describe(_ error: DecodingError) -> String {
        switch error {
        case .keyNotFound(let key, _): return "\(key.stringValue) is required"
        case .typeMismatch(_, let context), .valueNotFound(_, let context), .dataCorrupted(let context):
            return (context.codingPath.last?.stringValue).map { "\($0) is not valid" } ?? "not valid"
        @unknown default: return "not valid"
        }
    }
}

extension WebContext {
    /// A login holding `permission`: 404 for a partner (vendor actions do not exist for it), 403 for a vendor role without it.
    func require(_ permission: Permission) throws -> SignedInUser {
        let user = try requireUser(json: false)
        switch user.role.refusal(lacking: permission) {
        case nil: break
        case .forbidden?: throw WebError(.forbidden, "your role (\(user.role.label)) may not \(permission.phrase)", json: false)
        case .notFound?: throw WebError.notFound(json: false)
        }
        return user
    }

    /// For uploads, checked before a byte of the body is read: the token comes in the form's action URL
    /// (`?csrf=…`) or an `X-CSRF-Token` header, so a forged or anonymous upload is refused without being streamed.
    func checkCSRFBeforeBody(_ request: Request) throws {
        try checkCSRF(request.headers[HTTPField.Name("X-CSRF-Token")!] ?? request.formQuery.get("csrf") ?? "")
    }

    /// The form's CSRF token must be the session's: a bearer-token client has no forms.
    func checkCSRF(_ token: String) throws {
        guard let session, WebApp.sameBytes(token, session.csrfToken) else {
            throw WebError(.forbidden, "the form has expired: reload the page and try again", json: false)
        }
    }
}

extension Optional where Wrapped == String {
    /// `nil` for an absent or empty form field.
    var nonEmpty: String? { flatMap { $0.isEmpty ? nil : $0 } }
}
