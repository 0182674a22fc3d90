import ChannelbookAPI
import ChannelbookStore
import Foundation
import HTTPTypes
import Hummingbird
import NIOCore

/// `Idempotency-Key` on the API's POSTs, as payment APIs have it: the same key and request replays the first answer
/// (status, type and body, with `Idempotent-Replayed: true`) and does nothing again; the same key with another request is
/// a 409 `idempotency_key_reused`; while the first is running, a 409 `idempotency_key_in_progress`. Answers worth
/// repeating (409 conflicts, 429, 5xx) free the key instead of being kept.
///
/// The body is read once to fingerprint it: kept in memory up to `memoryBytes`, beyond that in a file of the upload
/// folder (removed when the request ends), and handed on unchanged. Its size is `APIBodyLimitMiddleware`'s to limit.
struct IdempotencyMiddleware: RouterMiddleware {
    typealias Context = WebContext
    static let header = HTTPField.Name("Idempotency-Key")!
    static let replayedHeader = HTTPField.Name("Idempotent-Replayed")!
    static let memoryBytes = 1 << 20

    let database: DatabasePool
    let uploadFolder: String?

    func handle(_ request: Request, context: Context, next: (Request, Context) async throws -> Response) async throws -> Response {
        guard request.method == .post, let key = request.headers[Self.header], let user = ChannelbookAPI.currentUser else {
            return try await next(request, context)
        }
        // A login that may not upload is refused by the operation before it reads a byte: nothing to keep a key for.
        if request.uri.path == "/api/v1/sales" {
            switch SalesUploadAccess.of(user) {
            case .forbidden, .notFound: return try await next(request, context)
            case .anySource, .onlySource: break
            }
        }
        let login = user.email
        guard (1...255).contains(key.utf8.count), key.unicodeScalars.allSatisfy({ $0.value >= 0x20 && $0.value < 0x7f }) else {
            throw WebError(.badRequest, "Idempotency-Key must be 1 to 255 printable ASCII characters", json: true)
        }
        var request = request
        var fingerprint = IdempotencyFingerprint(method: request.method.rawValue, target: request.uri.description, contentType: request.headers[.contentType])
        let spooled = try await spool(request.body, into: &fingerprint)
        defer { if let path = spooled.path { try? FileManager.default.removeItem(atPath: path) } }
        request.body = spooled.body

        switch try await database.write({ try await $0.startIdempotentRequest(login: login, key: key, requestHash: fingerprint.hex) }) {
        case .replay(let status, let contentType, let body):
            var headers: HTTPFields = [Self.replayedHeader: "true"]
            if let contentType { headers[.contentType] = contentType }
            return Response(status: .init(code: status), headers: headers, body: .init(byteBuffer: ByteBuffer(bytes: body)))
        case .reused:
            throw WebError(.conflict, "this Idempotency-Key was used for another request: use a new key for a new request", json: true, code: "idempotency_key_reused")
        case .inProgress:
            throw WebError(.conflict, "the first request with this Idempotency-Key is still running: ask again shortly", json: true, code: "idempotency_key_in_progress")
        case .run:
            break
        }
        let response: Response
        do {
            response = try await next(request, context)
        } catch let error as any HTTPResponseError {
            response = try error.response(from: request, context: context)
        } catch {
            try? await database.write { try await $0.releaseIdempotencyKey(login: login, key: key) }
            throw error
        }
        guard Self.keeps(response.status) else {
            try? await database.write { try await $0.releaseIdempotencyKey(login: login, key: key) }
            return response
        }
        var collector = CollectingWriter()
        var headers = response.headers
        try await response.body.write(collector.reference)
        let bytes = collector.reference.bytes
        try await database.write {
            try await $0.finishIdempotentRequest(login: login, key: key, status: Int(response.status.code), contentType: headers[.contentType], body: bytes)
        }
        headers[.contentLength] = nil
        return Response(status: response.status, headers: headers, body: .init(byteBuffer: ByteBuffer(bytes: bytes)))
    }

    /// An answer kept for replay: a success or a refusal that would be the same again. A conflict, a throttle or a
    /// server's failure may go differently next time.
    static func keeps(_ status: HTTPResponse.Status) -> Bool { status.code < 500 && status != .conflict && status != .tooManyRequests }

    /// Reads the body once, fingerprinting it, and returns a body that gives the same bytes again.
    private func spool(_ body: RequestBody, into fingerprint: inout IdempotencyFingerprint) async throws -> (body: RequestBody, path: String?) {
        var memory = ByteBuffer()
        var file: FileHandle?
        var path: String?
        do {
            for try await chunk in body {
                fingerprint.update(chunk.readableBytesView)
                if file == nil && memory.readableBytes + chunk.readableBytes > Self.memoryBytes {
                    let newPath = try UploadDirectory.newFile(suffix: ".body", in: uploadFolder)
                    path = newPath
                    file = FileHandle(forWritingAtPath: newPath)
                    try file?.write(contentsOf: Data(memory.readableBytesView))
                    memory.clear()
                }
                if let file { try file.write(contentsOf: Data(chunk.readableBytesView)) } else { memory.writeImmutableBuffer(chunk) }
            }
            try file?.close()
        } catch {
            try? file?.close()
            if let path { try? FileManager.default.removeItem(atPath: path) }
            throw error
        }
        guard let path else { return (RequestBody(buffer: memory), nil) }
        return (RequestBody(asyncSequence: FileChunks(path: path)), path)
    }
}

/// A response body's bytes, collected to be kept and sent.
private struct CollectingWriter {
    final class Bytes: ResponseBodyWriter, @unchecked Sendable {
        var bytes: [UInt8] = []
        func write(_ buffer: ByteBuffer) async throws { bytes += buffer.readableBytesView }
        func finish(_ trailingHeaders: HTTPFields?) async throws {}
    }
    let reference = Bytes()
}

/// A spooled body read back in 64 KiB chunks.
struct FileChunks: AsyncSequence, Sendable {
    typealias Element = ByteBuffer
    let path: String

    struct AsyncIterator: AsyncIteratorProtocol {
        let handle: FileHandle?
        mutating func next() async throws -> ByteBuffer? {
            guard let handle, let data = try handle.read(upToCount: 1 << 16), !data.isEmpty else {
                try? handle?.close()
                return nil
            }
            return ByteBuffer(bytes: data)
        }
    }

    func makeAsyncIterator() -> AsyncIterator { AsyncIterator(handle: FileHandle(forReadingAtPath: path)) }
}
