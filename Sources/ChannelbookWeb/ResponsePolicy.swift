import ChannelbookCore
import ChannelbookStore
import HTTPTypes
import Hummingbird
import NIOCore

/// Headers every answer carries, error pages included: no script but our own, no framing, no sniffing, no
/// referrer beyond the site, nothing cached (every page is someone's data), HSTS when served over TLS.
struct SecurityHeadersMiddleware: RouterMiddleware {
    typealias Context = WebContext
    let secureCookies: Bool

    func handle(_ request: Request, context: Context, next: (Request, Context) async throws -> Response) async throws -> Response {
        var response: Response
        do { response = try await next(request, context) } catch let error as WebError {
            response = try error.response(from: request, context: context)
        } catch let error as HTTPError {
            response = try WebError(error, path: request.uri.path).response(from: request, context: context)
        } catch let error as any HTTPResponseError {
            response = try error.response(from: request, context: context)
        } catch {
            // Not a refusal: a failure of ours. Logged with its detail; the person gets the styled page (or the API's
            // JSON) without it.
            context.logger.error("request failed", metadata: ["path": .string(request.uri.path), "error": .string(String(describing: error))])
            let message = "The request could not be completed. Try again; if it happens again, tell the vendor's Channelbook administrator."
            response = try WebError(.internalServerError, message, json: request.uri.path.hasPrefix("/api/")).response(from: request, context: context)
        }
        // The stylesheets and the one script are ours (`/assets/`), never inline; inline SVG carries style attributes.
        response.headers[.contentSecurityPolicy] =
            "default-src 'none'; script-src 'self'; connect-src 'self'; style-src 'self' 'unsafe-inline'; img-src 'self' data:; form-action 'self'; frame-ancestors 'none'; base-uri 'none'"
        response.headers[.xContentTypeOptions] = "nosniff"
        response.headers[HTTPField.Name("Referrer-Policy")!] = "same-origin"
        response.headers[HTTPField.Name("X-Frame-Options")!] = "DENY"
        // Every page is someone's data: nothing cached. The stylesheets are the same for everyone.
        response.headers[.cacheControl] = request.uri.path.hasPrefix("/assets/") && response.status == .ok ? "public, max-age=3600" : "no-store"
        if secureCookies { response.headers[.strictTransportSecurity] = "max-age=31536000; includeSubDomains" }
        return response
    }
}

/// One structured log line per answer, refusals included: method, path, status, duration and the login's id.
/// Never a query string, a body, a cookie, a token or a password.
struct LogRequestsMiddleware: RouterMiddleware {
    typealias Context = WebContext

    func handle(_ request: Request, context: Context, next: (Request, Context) async throws -> Response) async throws -> Response {
        let start = ContinuousClock.now
        func log(_ status: HTTPResponse.Status) {
            let elapsed = ContinuousClock.now - start
            let milliseconds = elapsed.components.seconds * 1000 + elapsed.components.attoseconds / 1_000_000_000_000_000
            context.logger.info(
                "request",
                metadata: [
                    "method": "\(request.method)", "path": "\(request.uri.path)", "status": "\(status.code)", "ms": "\(milliseconds)",
                    "user": "\(context.user.map { String($0.id.rawValue) } ?? "-")",
                ])
        }
        do {
            let response = try await next(request, context)
            log(response.status)
            return response
        } catch {
            log(Self.status(of: error, path: request.uri.path))
            throw error
        }
    }

    /// The status an error will be answered with (the mapping outer middlewares apply).
    static func status(of error: any Error, path: String) -> HTTPResponse.Status {
        switch error {
        case let error as any HTTPResponseError: return error.status
        case let failure as DatabaseFailure: return WebError(failure, json: true).status
        case let overflow as MoneyError: return WebError(overflow, json: true).status
        default: return .internalServerError
        }
    }
}
