import ChannelbookCore
import ChannelbookStore
import Foundation
import Hummingbird
import OpenAPIRuntime

/// Turns what the generated API code throws into JSON answers: a request that does not match the document
/// (a missing or malformed parameter) is the client's mistake, a 400 with the reason — never a 500.
struct APIErrorMiddleware: RouterMiddleware {
    typealias Context = WebContext

    func handle(_ request: Request, context: Context, next: (Request, Context) async throws -> Response) async throws -> Response {
        do {
            return try await next(request, context)
        } catch let error as ServerError where error.underlyingError is DatabaseFailure {
            // The generated code wraps what a handler throws: a busy or lost database is still 409 or 503, never 500.
            throw WebError(error.underlyingError as! DatabaseFailure, json: true)
        } catch let error as ServerError where error.underlyingError is MoneyError {
            throw WebError(error.underlyingError as! MoneyError, json: true)
        } catch let error as ServerError where error.operationInput == nil {
            // Thrown while turning the request into the operation's input: the request is malformed.
            throw WebError(.badRequest, "invalid request: \(error.causeDescription)", json: true)
        }
    }
}

/// Answers 405 (with `Allow`) for a method a documented API path does not take, 404 staying for unknown paths.
struct APIMethodMiddleware: RouterMiddleware {
    typealias Context = WebContext

    /// The documented paths, segment by segment (`*` stands for a path parameter), with the methods each takes.
    static let documentedPaths: [(pattern: [String], methods: [HTTPRequest.Method])] = [
        (["api", "v1", "me"], [.get]), (["api", "v1", "statements"], [.get]), (["api", "v1", "statements", "*", "*"], [.get]),
        (["api", "v1", "referrals"], [.get, .post]), (["api", "v1", "referrals", "*"], [.get]),
        (["api", "v1", "referrals", "*", "approve"], [.post]), (["api", "v1", "referrals", "*", "reject"], [.post]),
        (["api", "v1", "referrals", "*", "lose"], [.post]), (["api", "v1", "referrals", "*", "close"], [.post]),
        (["api", "v1", "sales"], [.post]), (["api", "v1", "quarters", "*", "close"], [.post]), (["api", "v1", "quarters", "*", "approve"], [.post]),
        (["api", "v1", "quarters", "*", "payouts"], [.post]), (["api", "v1", "quarters", "*", "mark-paid"], [.post]), (["api", "v1", "mdf", "balances"], [.get]), (["api", "v1", "mdf", "ledger", "*"], [.get]),
        (["api", "v1", "mdf", "requests"], [.get, .post]), (["api", "v1", "mdf", "requests", "*"], [.get]),
        (["api", "v1", "mdf", "requests", "*", "approve"], [.post]), (["api", "v1", "mdf", "requests", "*", "reject"], [.post]),
        (["api", "v1", "mdf", "requests", "*", "claim"], [.post]), (["api", "v1", "mdf", "requests", "*", "accept-claim"], [.post]),
        (["api", "v1", "mdf", "requests", "*", "reject-claim"], [.post]), (["api", "v1", "mdf", "proofs", "*"], [.get]),
        // The constant segments before `*`: the first match wins, as the router prefers `pipeline` and `rate` to an id.
        (["api", "v1", "renewals"], [.get]), (["api", "v1", "renewals", "pipeline"], [.get]), (["api", "v1", "renewals", "rate", "*"], [.get]),
        (["api", "v1", "renewals", "*"], [.get]), (["api", "v1", "renewals", "*", "quote"], [.post]), (["api", "v1", "renewals", "*", "lapse"], [.post]),
        (["api", "v1", "matching", "names"], [.get]), (["api", "v1", "matching", "names", "map"], [.post]),
        (["api", "v1", "matching", "names", "ignore"], [.post]), (["api", "v1", "matching", "names", "suggest"], [.post]),
        (["api", "v1", "reports", "sales"], [.get]),
        (["api", "v1", "partners"], [.get, .post]), (["api", "v1", "partners", "*"], [.get]), (["api", "v1", "partners", "*", "tier"], [.post]),
        (["api", "v1", "partners", "*", "contacts"], [.post]), (["api", "v1", "pricebook"], [.get, .post]), (["api", "v1", "audit"], [.get]),
        (["api", "v1", "whatif"], [.post]), (["api", "v1", "enablement"], [.get, .post]),
        (["api", "v1", "quarters", "*", "exceptions"], [.get]), (["api", "v1", "route-exceptions", "review"], [.post]),
    ]

    /// The methods a documented path takes; `nil` for a path the document does not have.
    static func methods(of path: String) -> [HTTPRequest.Method]? {
        let segments = path.split(separator: "/").map(String.init)
        return documentedPaths.first { entry in
            entry.pattern.count == segments.count && zip(entry.pattern, segments).allSatisfy { $0 == "*" || $0 == $1 }
        }?.methods
    }

    func handle(_ request: Request, context: Context, next: (Request, Context) async throws -> Response) async throws -> Response {
        if let methods = Self.methods(of: request.uri.path), !methods.contains(request.method), !(request.method == .head && methods.contains(.get)) {
            let allowed = methods.map(\.rawValue).joined(separator: ", ")
            var response = try WebError(.methodNotAllowed, "\(request.method) is not allowed here; use \(allowed)", json: true).response(from: request, context: context)
            response.headers[.allow] = allowed
            return response
        }
        return try await next(request, context)
    }
}
