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

/// Answers 405 (with `Allow: GET`) for another method on a documented API path, 404 staying for unknown paths.
/// Every operation in openapi.yaml is a GET today.
struct APIMethodMiddleware: RouterMiddleware {
    typealias Context = WebContext

    /// The documented paths, segment by segment; `*` stands for a path parameter.
    static let documentedPaths: [[String]] = [["api", "v1", "me"], ["api", "v1", "statements"], ["api", "v1", "statements", "*", "*"], ["api", "v1", "referrals"]]

    static func isDocumented(_ path: String) -> Bool {
        let segments = path.split(separator: "/").map(String.init)
        return documentedPaths.contains { pattern in
            pattern.count == segments.count && zip(pattern, segments).allSatisfy { $0 == "*" || $0 == $1 }
        }
    }

    func handle(_ request: Request, context: Context, next: (Request, Context) async throws -> Response) async throws -> Response {
        let path = request.uri.path
        if request.method != .get && request.method != .head && Self.isDocumented(path) {
            var response = try WebError(.methodNotAllowed, "\(request.method) is not allowed here; use GET", json: true).response(from: request, context: context)
            response.headers[.allow] = "GET"
            return response
        }
        return try await next(request, context)
    }
}
