import ChannelbookAPI
import ChannelbookCore
import ChannelbookStore
import Hummingbird
import Logging
import OpenAPIHummingbird
import Prometheus

/// The composition root of the web app: one pool of database connections, one clock, the routes.
public enum WebApp {
    static let sessionCookie = "cb_session"
    static let loginCSRFCookie = "cb_login_csrf"

    /// The application serving pages and the JSON API on `host:port`. The pool runs as one of the
    /// application's services (PostgreSQL's client needs a task of its own).
    public static func build(
        database: DatabasePool, host: String = "127.0.0.1", port: Int = 8080, clock: WebClock = .system,
        logger: Logger = Logger(label: "channelbook.web"), metrics: PrometheusCollectorRegistry = PrometheusCollectorRegistry(),
        settings: WebSettings = WebSettings()
    ) throws -> some ApplicationProtocol {
        UploadDirectory.removeAbandoned()
        // A server without its templates or stylesheets refuses to start rather than serve broken pages.
        _ = try Templates.library.get()
        _ = try Templates.assets.get()
        let router = Router(context: WebContext.self)
        router.add(middleware: SecurityHeadersMiddleware(secureCookies: settings.secureCookies))
        router.add(middleware: RequestMetricsMiddleware(registry: metrics))
        router.add(middleware: DatabaseFailureMiddleware())
        router.add(middleware: AuthenticationMiddleware(database: database, clock: clock, idleSeconds: settings.sessionIdleSeconds))
        router.add(middleware: LogRequestsMiddleware())
        router.add(middleware: APIMethodMiddleware())
        router.get("/healthz") { _, _ in HealthStatus(status: "ok") }
        router.get("/assets/:name") { _, context in
            guard let name = context.parameters.get("name"), name.hasSuffix(".css"), let css = Templates.asset(name) else {
                throw WebError(.notFound, "There is no such file.", json: false)
            }
            return Response(status: .ok, headers: [.contentType: "text/css; charset=utf-8"], body: .init(byteBuffer: css))
        }
        router.get("/metrics") { request, _ in
            guard let expected = settings.metricsToken else { throw WebError(.notFound, "metrics are off: set metrics.token to scrape them", json: true) }
            guard let given = request.headers[.authorization].flatMap(Self.bearerToken), Self.sameBytes(given, expected) else {
                throw WebError(.unauthorized, "send the metrics token as a bearer token", json: true)
            }
            return Response(
                status: .ok, headers: [.contentType: "text/plain; version=0.0.4"],
                body: .init(byteBuffer: ByteBuffer(bytes: metrics.emitToBuffer())))
        }
        SignInRoutes(database: database, clock: clock, settings: settings).register(on: router)
        StatementRoutes(database: database).register(on: router)
        DashboardRoutes(database: database).register(on: router)
        NearTierRoutes(database: database).register(on: router)
        WhatIfRoutes(database: database).register(on: router)
        AnalyticsRoutes(database: database).register(on: router)
        EnablementRoutes(database: database).register(on: router)
        MDFRoutes(database: database).register(on: router)
        RenewalsRoutes(database: database).register(on: router)
        MatchingRoutes(database: database).register(on: router)
        ReferralRoutes(database: database).register(on: router)
        QuarterEndRoutes(database: database).register(on: router)
        RouteExceptionRoutes(database: database).register(on: router)
        AuditRoutes(database: database).register(on: router)
        SalesUploadRoutes(database: database, uploadLimitBytes: settings.uploadLimitBytes, uploadFolder: settings.uploadFolder).register(on: router)
        PartnerRoutes(database: database).register(on: router)
        TokenRoutes(database: database).register(on: router)
        WebhookRoutes(database: database).register(on: router)
        router.get("/openapi.yaml") { _, _ in
            guard let document = ChannelbookAPI.document else { throw WebError(.notFound, "not found", json: true) }
            return Response(status: .ok, headers: [.contentType: "application/yaml"], body: .init(byteBuffer: ByteBuffer(bytes: document)))
        }
        // The JSON API: handlers generated from openapi.yaml, the login passed through a task-local.
        // Outermost first: the login (401 before anything), the body's size, idempotency keys, the generated code's errors as JSON.
        let api = router.group().add(middleware: APIUserMiddleware())
            .add(middleware: APIBodyLimitMiddleware(uploadLimitBytes: settings.uploadLimitBytes))
            .add(middleware: IdempotencyMiddleware(database: database, uploadFolder: settings.uploadFolder))
            .add(middleware: APIErrorMiddleware())
        let uploadFolder = settings.uploadFolder
        try ChannelbookAPI.register(
            on: api, database: database, today: { clock.today() },
            uploads: UploadSpool(limitBytes: settings.uploadLimitBytes) { try UploadDirectory.newFile(suffix: ".upload", in: uploadFolder) })
        return Application(
            // A connection silent for 30 s (a half-sent request, a stalled body) is closed.
            router: router, server: .http1(configuration: .init(idleTimeout: .seconds(30))),
            configuration: .init(address: .hostname(host, port: port), serverName: "channelbook"),
            services: settings.deliverWebhooks ? [database, WebhookDeliveryService(database: database, clock: clock, logger: logger)] : [database], logger: logger)
    }
}

extension WebApp {
    /// The token of an `Authorization: Bearer TOKEN` header.
    static func bearerToken(_ header: String) -> String? {
        header.hasPrefix("Bearer ") ? String(header.dropFirst(7)) : nil
    }

    /// Compares two secrets in time that depends on their length only, not on where they first differ.
    static func sameBytes(_ given: String, _ expected: String) -> Bool {
        let a = Array(given.utf8), b = Array(expected.utf8)
        guard a.count == b.count else { return false }
        return zip(a, b).reduce(UInt8(0)) { $0 | ($1.0 ^ $1.1) } == 0
    }
}

/// Hands the request's login to the generated API handlers, which see only the OpenAPI request. An API write
/// needs a bearer token: a browser's session cookie, sent along by any page that posts here, authorises reads only
/// (an API write carries no CSRF token).
struct APIUserMiddleware: RouterMiddleware {
    typealias Context = WebContext

    func handle(_ request: Request, context: Context, next: (Request, Context) async throws -> Response) async throws -> Response {
        let reads = request.method == .get || request.method == .head
        let user = reads || context.session == nil ? context.user : nil
        // Every operation needs a login: told before anything of the request is validated (401, then 400).
        if user == nil, APIMethodMiddleware.methods(of: request.uri.path) != nil {
            let message = context.session == nil ? "sign in first: send Authorization: Bearer TOKEN" : "an API write needs a bearer token (Authorization: Bearer TOKEN), not a browser's session"
            throw WebError(.unauthorized, message, json: true)
        }
        return try await ChannelbookAPI.$currentUser.withValue(user) { try await next(request, context) }
    }
}

struct HealthStatus: ResponseEncodable {
    let status: String
}


/// Answers a database conflict 409, an unavailable database 503 and a figure beyond 64 bits 422, with the reason
/// in words (JSON on the API).
struct DatabaseFailureMiddleware: RouterMiddleware {
    typealias Context = WebContext

    func handle(_ request: Request, context: Context, next: (Request, Context) async throws -> Response) async throws -> Response {
        do { return try await next(request, context) } catch let failure as DatabaseFailure {
            throw WebError(failure, json: request.uri.path.hasPrefix("/api/"))
        } catch let overflow as MoneyError {
            throw WebError(overflow, json: request.uri.path.hasPrefix("/api/"))
        }
    }
}
