import ChannelbookCore
import ChannelbookStore
import Hummingbird
import NIOCore
import OpenAPIRuntime

/// How large an API request's body may be, checked before a byte of it is decoded: a file upload up to the server's
/// upload limit, an MDF claim up to its proof files, a list of price rows 16 MiB, anything else (JSON) 2 MiB. A larger `Content-Length` is refused at
/// once; a body without one is cut off the moment it passes the limit. Either is a 413 — never memory held for a
/// body no operation would take.
struct APIBodyLimitMiddleware: RouterMiddleware {
    typealias Context = WebContext
    static let jsonBytes = 2 << 20
    static let priceRowsBytes = 16 << 20

    let uploadLimitBytes: Int

    /// The limit for a path: the API's file uploads take large bodies, everything else is JSON.
    func limit(for path: String) -> Int {
        let segments = path.split(separator: "/")
        if segments == ["api", "v1", "sales"] { return uploadLimitBytes }
        // Up to 1,000 price rows in one request.
        if segments == ["api", "v1", "pricebook"] { return Self.priceRowsBytes }
        if segments.count == 6, segments.starts(with: ["api", "v1", "mdf", "requests"]), segments.last == "claim" {
            return ProofFile.maximumBytes * ProofFile.maximumPerClaim + Self.jsonBytes
        }
        return Self.jsonBytes
    }

    func handle(_ request: Request, context: Context, next: (Request, Context) async throws -> Response) async throws -> Response {
        let limit = limit(for: request.uri.path)
        if let length = request.headers[.contentLength].flatMap(Int.init), length > limit {
            throw WebError(.contentTooLarge, "the body is \(length) bytes: this operation takes at most \(limit)", json: true)
        }
        var request = request
        request.body = RequestBody(asyncSequence: LimitedBody(base: request.body, limit: limit))
        do {
            return try await next(request, context)
        } catch let error where Self.isTooLarge(error) {
            throw WebError(.contentTooLarge, "the body is larger than this operation takes (at most \(limit) bytes)", json: true)
        }
    }

    /// The cut-off, wherever it surfaced: directly, or wrapped by the generated code while it read the body.
    static func isTooLarge(_ error: any Error) -> Bool {
        if error is BodyPastLimit { return true }
        if let server = error as? ServerError { return isTooLarge(server.underlyingError) }
        return false
    }
}

/// The error a body passing its limit throws.
struct BodyPastLimit: Error {}

/// A request body that throws `BodyPastLimit` once more than `limit` bytes have come.
struct LimitedBody: AsyncSequence, Sendable {
    typealias Element = ByteBuffer
    let base: RequestBody
    let limit: Int

    struct AsyncIterator: AsyncIteratorProtocol {
        var base: RequestBody.AsyncIterator
        let limit: Int
        var seen = 0

        mutating func next() async throws -> ByteBuffer? {
            guard let chunk = try await base.next() else { return nil }
            seen += chunk.readableBytes
            if seen > limit { throw BodyPastLimit() }
            return chunk
        }
    }

    func makeAsyncIterator() -> AsyncIterator { AsyncIterator(base: base.makeAsyncIterator(), limit: limit) }
}
