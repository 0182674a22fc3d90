import ChannelbookUpload
import Hummingbird

/// A request body larger than its route allows.
struct BodyTooLarge: Error {}

extension MultipartUpload {
    /// Feeds a request's body into the upload chunk by chunk and finishes it; past `limit` bytes of body
    /// (counted as they arrive, whatever part they belong to) it stops reading and throws `BodyTooLarge`.
    mutating func read(_ body: RequestBody, limit: Int) async throws -> Result {
        var received = 0
        for try await chunk in body {
            received += chunk.readableBytes
            guard received <= limit else { throw BodyTooLarge() }
            try consume(chunk)
        }
        return try finish()
    }
}
