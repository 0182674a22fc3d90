import ChannelbookStore
import Foundation
import Hummingbird

/// The request context every route sees: who is signed in, and how.
public struct WebContext: RequestContext {
    public var coreContext: CoreRequestContextStorage
    /// The browser session, when the request carried a valid session cookie.
    public var session: Session?
    /// The login behind the request: from the session, or from an API bearer token.
    public var user: SignedInUser?
    /// The app's clock (set by the authentication middleware), so pages never read the wall clock themselves.
    public var clock: WebClock = .system
    /// The path asked for (set by the authentication middleware), so the menu can mark the page's own entry.
    public var path = "/"

    /// The client's IP address, for the sign-in throttle ("" when unknown). Behind a reverse proxy this is
    /// the proxy's address: the throttle then counts per email across the proxy.
    public var clientAddress: String

    public init(source: ApplicationRequestContextSource) {
        self.coreContext = .init(source: source)
        self.clientAddress = source.channel.remoteAddress?.ipAddress ?? ""
    }

    /// Forms arrive URL-encoded, API bodies as JSON.
    public var requestDecoder: WebRequestDecoder { WebRequestDecoder() }

    /// Forms and API bodies are small: 64 KB, then 413. Uploads (sales files, program files) stream their
    /// bodies and are bounded by `uploads.maxBytes` and the program file limit instead.
    public var maxUploadSize: Int { 64 * 1024 }
}

/// Decodes a body by its content type: URL-encoded forms from pages, JSON from API clients.
public struct WebRequestDecoder: RequestDecoder {
    public func decode<T: Decodable>(_ type: T.Type, from request: Request, context: some RequestContext) async throws -> T {
        if request.headers[.contentType]?.hasPrefix("application/x-www-form-urlencoded") == true {
            // A form repeating a field or with a broken `%` escape is the sender's mistake: a 400, never a 500.
            do { return try await URLEncodedFormDecoder().decode(type, from: request, context: context) } catch let error as DecodingError {
                throw error
            } catch let error as HTTPError {
                throw error
            } catch {
                throw HTTPError(.badRequest, message: "the form is malformed (a field given twice, or a broken % escape)")
            }
        }
        return try await JSONDecoder().decode(type, from: request, context: context)
    }
}
