import ChannelbookCore
import ChannelbookStore
import Foundation
import Hummingbird

/// `/tokens`: a login's own API bearer tokens — create (shown once), list, revoke.
struct TokenRoutes {
    let database: DatabasePool

    struct CreateForm: Decodable {
        let csrf: String
        let name: String
    }

    func register(on router: Router<WebContext>) {
        router.get("/tokens") { _, context in
            let user = try context.requireUser(json: false)
            return try await page(user, context, created: nil)
        }
        router.post("/tokens") { request, context in
            let user = try context.requireUser(json: false)
            let form = try await request.decode(as: CreateForm.self, context: context)
            try context.checkCSRF(form.csrf)
            let name = form.name.isEmpty ? "api" : String(form.name.prefix(100))
            let created = try await database.write { try await $0.createAPIToken(email: user.email, name: name, actor: user.email) }
            return try await page(user, context, created: created.token)
        }
        router.post("/tokens/:id/revoke") { request, context in
            let user = try context.requireUser(json: false)
            try context.checkCSRF(try await request.decode(as: CSRFForm.self, context: context).csrf)
            guard let id = context.parameters.get("id").flatMap(Int64.init) else { throw WebError.notFound(json: false) }
            do { try await database.write { try await $0.revokeOwnAPIToken(id: id, user: user) } } catch is AccountError { throw WebError.notFound(json: false) }
            return Response.redirect(to: "/tokens", type: .normal)
        }
    }

    /// The page from `tokens.mustache`: the login's tokens, the one just created (shown once), the forms.
    private func page(_ user: SignedInUser, _ context: WebContext, created: String?) async throws -> Response {
        let tokens = try await database.read { try await $0.apiTokens(of: user.id) }.map { token -> [String: Any] in
            let created = Date(timeIntervalSince1970: TimeInterval(token.createdAtMicroseconds / 1_000_000))
            return ["id": "\(token.id)", "name": token.name, "createdAt": ISO8601DateFormatter().string(from: created), "revoked": token.revoked]
        }
        var values: [String: Any] = ["tokens": tokens, "hasTokens": !tokens.isEmpty, "csrf": context.session?.csrfToken ?? ""]
        if let created { values["newToken"] = created }
        return signedInPage("API tokens", context, Templates.render(.tokens, values))
    }
}
