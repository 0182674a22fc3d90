import ChannelbookStore

/// What an operator may set about the web app beyond where it listens (`channelbook config show` prints it).
public struct WebSettings: Sendable, Equatable {
    /// Marks cookies `Secure` (sent over HTTPS only): on for any deployment behind TLS.
    public var secureCookies: Bool
    /// How long a sign-in lasts.
    public var sessionLifetimeSeconds: Int64
    /// How long a sign-in lasts unused.
    public var sessionIdleSeconds: Int64
    /// The largest sales file an upload may carry; a larger body is refused with 413.
    public var uploadLimitBytes: Int
    /// Where uploads wait while imported; `nil`: a folder of this process's own in the temporary directory.
    public var uploadFolder: String? = nil
    /// The bearer token `/metrics` asks for (Prometheus's `authorization` setting); `nil`: `/metrics` is off (404),
    /// since request counts by route tell an outsider what the business does.
    public var metricsToken: String? = nil
    /// Whether this server sends webhook deliveries (every server of a cluster may: a delivery is leased to one).
    public var deliverWebhooks = true

    public static let defaultUploadLimitBytes = 256 * 1024 * 1024

    public init(
        secureCookies: Bool = false, sessionLifetimeSeconds: Int64 = AccountPolicy.sessionLifetimeSeconds,
        sessionIdleSeconds: Int64 = AccountPolicy.sessionIdleSeconds, uploadLimitBytes: Int = defaultUploadLimitBytes, metricsToken: String? = nil
    ) {
        self.metricsToken = metricsToken
        self.secureCookies = secureCookies
        self.sessionLifetimeSeconds = sessionLifetimeSeconds
        self.sessionIdleSeconds = sessionIdleSeconds
        self.uploadLimitBytes = uploadLimitBytes
    }
}
