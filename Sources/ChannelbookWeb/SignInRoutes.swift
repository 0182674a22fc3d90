import ChannelbookStore
import Foundation
import Hummingbird

/// `/login` and `/logout`. The login form is protected against CSRF with a double-submit cookie (there is no
/// session yet); every form after sign-in carries the session's CSRF token.
struct SignInRoutes {
    let database: DatabasePool
    let clock: WebClock
    let settings: WebSettings

    private var secureCookies: Bool { settings.secureCookies }

    func register(on router: Router<WebContext>) {
        router.get("/login") { request, _ in
            let token = ChannelbookDatabase.randomToken()
            var response = loginPage(csrf: token, message: nil, next: Self.returnPath(request.formQuery.get("next").map { String($0) }))
            response.setCookie(Cookie(name: WebApp.loginCSRFCookie, value: token, path: "/", secure: secureCookies, httpOnly: true, sameSite: .strict))
            return response
        }
        router.post("/login") { request, context in try await signIn(request, context) }
        // Every browser this login is signed in on, this one included (a lost laptop, a shared desk).
        router.post("/logout/everywhere") { request, context in
            guard let session = context.session else { return Response.redirect(to: "/login", type: .normal) }
            let form = try await request.decode(as: CSRFForm.self, context: context)
            guard form.csrf == session.csrfToken else { throw WebError(.forbidden, "the form has expired: reload the page and try again", json: false) }
            try await database.write { try await $0.endAllSessions(of: session.user.id) }
            var response = Response.redirect(to: "/login", type: .normal)
            response.setCookie(Cookie(name: WebApp.sessionCookie, value: "", maxAge: 0, path: "/", secure: secureCookies, httpOnly: true, sameSite: .lax))
            return response
        }
        router.post("/logout") { request, context in
            guard let session = context.session else { return Response.redirect(to: "/login", type: .normal) }
            let form = try await request.decode(as: CSRFForm.self, context: context)
            guard form.csrf == session.csrfToken else { throw WebError(.forbidden, "the form has expired: reload the page and try again", json: false) }
            try await database.write { try await $0.endSession(token: session.token) }
            var response = Response.redirect(to: "/login", type: .normal)
            response.setCookie(Cookie(name: WebApp.sessionCookie, value: "", maxAge: 0, path: "/", secure: secureCookies, httpOnly: true, sameSite: .lax))
            return response
        }
    }

    struct LoginForm: Decodable {
        let email: String
        let password: String
        let csrf: String
        /// The page the signed-out visit asked for, to return to after signing in.
        let next: String?
    }

    /// A page of this app to return to after signing in: a path of ours (`/quarters/2026Q2?x=1`), never another
    /// site (`//evil.example`, `/\\evil.example`, `https://…`), nor the sign-in pages themselves.
    static func returnPath(_ text: String?) -> String? {
        guard let text, text.hasPrefix("/"), text.utf8.count <= 2000, !text.hasPrefix("//"), !text.hasPrefix("/\\"),
            !text.hasPrefix("/login"), !text.hasPrefix("/logout"),
            text.unicodeScalars.allSatisfy({ $0.value > 0x20 && $0.value < 0x7f && $0 != "\\" })
        else { return nil }
        return text
    }

    private func signIn(_ request: Request, _ context: WebContext) async throws -> Response {
        let form = try await request.decode(as: LoginForm.self, context: context)
        guard let expected = request.cookies[WebApp.loginCSRFCookie]?.value, !expected.isEmpty, form.csrf == expected else {
            throw WebError(.forbidden, "the form has expired: reload the page and try again", json: false)
        }
        do {
            let session = try await database.signIn(
                email: form.email, password: form.password, nowMicroseconds: clock.nowMicroseconds(), address: context.clientAddress,
                lifetimeSeconds: settings.sessionLifetimeSeconds)
            var response = Response.redirect(to: Self.returnPath(form.next) ?? "/", type: .normal)
            response.setCookie(
                Cookie(
                    name: WebApp.sessionCookie, value: session.token, maxAge: Int(settings.sessionLifetimeSeconds), path: "/",
                    secure: secureCookies, httpOnly: true, sameSite: .lax))
            return response
        } catch let error as AccountError {
            let next = Self.returnPath(form.next)
            // The email typed is kept (never the password), so a mistyped password is the only thing to type again.
            let email = String(form.email.prefix(254))
            if case .throttled = error { return loginPage(csrf: form.csrf, message: error.description, next: next, email: email, status: .tooManyRequests) }
            return loginPage(csrf: form.csrf, message: error.description, next: next, email: email, status: .unauthorized)
        }
    }

    private func loginPage(csrf: String, message: String?, next: String?, email: String = "", status: HTTPResponse.Status = .ok) -> Response {
        var values: [String: Any] = ["csrf": csrf, "email": email]
        if let message { values["message"] = message }
        if let next { values["next"] = next }
        return HTMLPage(title: "Sign in", body: Templates.render(.signIn, values)).response(status: status)
    }
}

struct CSRFForm: Decodable {
    let csrf: String
}
