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

    private func page(_ user: SignedInUser, _ context: WebContext, created: String?) async throws -> Response {
        let csrf = HTML.escape(context.session?.csrfToken ?? "")
        let rows = try await database.read { try await $0.apiTokens(of: user.id) }.map { token in
            let created = Date(timeIntervalSince1970: TimeInterval(token.createdAtMicroseconds / 1_000_000))
            let action = token.revoked ? "revoked"
                : "<form method=\"post\" action=\"/tokens/\(token.id)/revoke\"><input type=\"hidden\" name=\"csrf\" value=\"\(csrf)\"><button>Revoke</button></form>"
            return "<tr><td>\(token.id)</td><td>\(HTML.escape(token.name))</td><td>\(ISO8601DateFormatter().string(from: created))</td><td>\(action)</td></tr>"
        }.joined()
        var body = ""
        if let created {
            body += "<p>Your new token (shown once — copy it now): <code>\(HTML.escape(created))</code></p>"
        }
        body += """
            <table><thead><tr><th>id</th><th>name</th><th>created</th><th></th></tr></thead><tbody>\(rows)</tbody></table>
            <h2>Create a token</h2>
            <form method="post" action="/tokens"><input type="hidden" name="csrf" value="\(csrf)">
            <label>Name <input name="name" placeholder="what it is for"></label> <button>Create</button></form>
            <h2>Sessions</h2>
            <form method="post" action="/logout/everywhere"><input type="hidden" name="csrf" value="\(csrf)">
            <p>Signed in on another browser, or lost a laptop? <button>Sign out everywhere</button></p></form>
            """
        return signedInPage("API tokens", context, body)
    }
}
