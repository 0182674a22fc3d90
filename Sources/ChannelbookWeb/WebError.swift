import ChannelbookCore
import ChannelbookStore
import Foundation
import Hummingbird

/// A refusal the web app answers with: a status and a message the person can act on. API paths get
/// `{"error": message}`; pages get the message in a page. Never a 500 for bad input.
public struct WebError: HTTPResponseError {
    public let status: HTTPResponse.Status
    public let message: String
    /// Answer as JSON (API routes) or HTML (pages).
    public let json: Bool
    /// The API's machine-readable `code`; `nil`: the one the status implies (`Self.code(for:)`).
    public var code: String?

    public init(_ status: HTTPResponse.Status, _ message: String, json: Bool, code: String? = nil) {
        self.status = status
        self.message = message
        self.json = json
        self.code = code
    }

    /// The `code` of openapi.yaml's Error for a status, so every JSON refusal has one.
    static func code(for status: HTTPResponse.Status) -> String {
        switch status.code {
        case 400: "bad_request"
        case 401: "unauthorized"
        case 403: "forbidden"
        case 404: "not_found"
        case 405: "method_not_allowed"
        case 409: "conflict"
        case 413: "too_large"
        case 422: "unprocessable"
        case 429: "rate_limited"
        case 503: "unavailable"
        default: "internal"
        }
    }

    public func response(from request: Request, context: some RequestContext) throws -> Response {
        if json {
            let body = try JSONEncoder().encode(["error": message, "code": code ?? Self.code(for: status)])
            return Response(status: status, headers: [.contentType: "application/json"], body: .init(byteBuffer: ByteBuffer(bytes: body)))
        }
        // A signed-out visit to a page goes to sign-in, and comes back to the page after it.
        if status == .unauthorized && request.method == .get {
            return Response.redirect(to: "/login?next=\(request.uri.description.addingPercentEncodingForQuery())", type: .normal)
        }
        let title = "\(status.code) \(status.reasonPhrase)"
        // Signed in (`AuthenticationMiddleware` renders a signed-in login's errors with its context): the page keeps
        // its frame, the menu and who is signed in, and offers no sign-in.
        if let context = context as? WebContext, context.user != nil {
            return signedInPage(title, context, Templates.render(.error, ["message": message])).withStatus(status)
        }
        let body = Templates.render(.error, ["message": message, "signIn": status == .unauthorized || status == .forbidden])
        return HTMLPage(title: title, body: body).response(status: status)
    }

    /// A database conflict (busy, deadlock, a duplicate written at the same moment) is 409: the request may be
    /// repeated; a lost or timed-out database is 503. Never a 500 with the driver's text.
    init(_ failure: DatabaseFailure, json: Bool) {
        let status: HTTPResponse.Status =
            switch failure.kind {
            case .outOfRange, .constraint: .unprocessableContent
            case .busy, .deadlock, .duplicate: .conflict
            case .timeout, .unavailable: .serviceUnavailable
            }
        self.init(status, failure.message, json: json)
    }

    /// A figure that cannot be computed (a stored sum beyond 64 bits): 422 naming the sum, never a 500 or a trap.
    init(_ overflow: MoneyError, json: Bool) {
        self.init(.unprocessableContent, "\(overflow); `channelbook check` shows what is stored wrong", json: json)
    }

    /// Hummingbird's own refusals (an unknown page, a wrong method): a styled page with a way back, or the API's
    /// JSON error under /api/.
    init(_ error: HTTPError, path: String) {
        let message = error.status == .notFound ? "There is no page at this address." : (error.body ?? error.status.reasonPhrase)
        self.init(error.status, message, json: path.hasPrefix("/api/"))
    }

    /// The answer for a missing or forbidden thing: 404, so another partner's data is not even confirmed to exist.
    static func notFound(json: Bool) -> WebError { WebError(.notFound, "not found", json: json) }
}
