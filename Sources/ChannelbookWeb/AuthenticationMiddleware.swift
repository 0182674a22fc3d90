import ChannelbookCore
import ChannelbookStore
import Foundation
import Hummingbird

/// Finds who is behind a request: a session cookie (pages) or an `Authorization: Bearer` token (API).
/// It only identifies; each route decides what the login may see.
struct AuthenticationMiddleware: RouterMiddleware {
    typealias Context = WebContext

    let database: DatabasePool
    let clock: WebClock
    var idleSeconds = AccountPolicy.sessionIdleSeconds

    func handle(_ request: Request, context: Context, next: (Request, Context) async throws -> Response) async throws -> Response {
        var context = context
        context.clock = clock
        context.path = request.uri.path
        if let token = request.headers[.authorization].flatMap(WebApp.bearerToken) {
            context.user = try await database.read { try await $0.user(apiToken: token) }
        } else if let token = request.cookies[WebApp.sessionCookie]?.value {
            let now = clock.nowMicroseconds()
            context.session = try await database.read { try await $0.session(token: token, nowMicroseconds: now, idleSeconds: idleSeconds) }
            context.user = context.session?.user
            // The idle clock restarts at most once a minute: not a write for every page.
            if let session = context.session, now - session.lastSeenMicroseconds > 60_000_000 {
                try? await database.write { try await $0.touchSession(token: token, nowMicroseconds: now) }
            }
        }
        guard context.user != nil else { return try await next(request, context) }
        // A page's refusal for a signed-in login is drawn here, where the login is known, so the error page keeps
        // the menu; everything else (the API's JSON, a database failure) goes on to the outer middlewares.
        do { return try await next(request, context) } catch let error as WebError where !error.json {
            return try error.response(from: request, context: context)
        } catch let error as HTTPError where !request.uri.path.hasPrefix("/api/") {
            return try WebError(error, path: request.uri.path).response(from: request, context: context)
        }
    }
}

/// The web app's clock, injected so tests never read the wall clock.
public struct WebClock: Sendable {
    public let nowMicroseconds: @Sendable () -> Int64

    public init(nowMicroseconds: @escaping @Sendable () -> Int64) { self.nowMicroseconds = nowMicroseconds }

    public static let system = WebClock { Int64((Date().timeIntervalSince1970 * 1_000_000).rounded()) }

    /// The calendar day (UTC) of the clock's instant: what referral statuses are taken on.
    func today() -> BusinessDate { BusinessDate(microsecondsSinceEpoch: nowMicroseconds()) }

    static func today(_ context: WebContext) -> BusinessDate { context.clock.today() }
}
