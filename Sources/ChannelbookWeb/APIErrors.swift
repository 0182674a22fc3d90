import ChannelbookAPI
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
        } catch let error as ServerError where APIBodyLimitMiddleware.isTooLarge(error) {
            throw WebError(.contentTooLarge, "the body is larger than this operation takes", json: true)
        } catch let error as ServerError where error.operationInput == nil {
            // Thrown while turning the request into the operation's input: the request is malformed.
            throw WebError(.badRequest, "invalid request: \(error.causeDescription)", json: true)
        } catch let error as ServerError {
            // Anything else a handler threw is the server's failure: logged, and answered in the API's one shape.
            context.logger.error("API operation \(error.operationID) failed: \(error.underlyingError)")
            throw WebError(.internalServerError, "the server failed to answer; the failure is logged", json: true)
        }
    }
}

/// Answers 405 (with `Allow`) for a method a documented API path does not take, 404 staying for unknown paths.
struct APIMethodMiddleware: RouterMiddleware {
    typealias Context = WebContext

    /// The methods a documented path takes; `nil` for a path the document does not have.
    /// The documented paths (`ChannelbookAPI.paths`, read from openapi.yaml) are matched segment by segment; where a
    /// constant segment and a parameter both match (`renewals/pipeline`, `renewals/{id}`), the constant wins, as in the router.
    static func methods(of path: String) -> [HTTPRequest.Method]? {
        let segments: [String] = path.split(separator: "/").map(String.init)
        func matches(_ pattern: [String]) -> Bool {
            pattern.count == segments.count && zip(pattern, segments).allSatisfy { wanted, given in wanted == "*" || wanted == given }
        }
        func parameters(_ pattern: [String]) -> Int { pattern.filter { $0 == "*" }.count }
        let best = ChannelbookAPI.paths.filter { matches($0.segments) }.min { parameters($0.segments) < parameters($1.segments) }
        return best?.methods.compactMap { HTTPRequest.Method($0) }
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
