import Foundation
import Logging
import NIOCore
import NIOPosix
import PostgresKit
import PostgresNIO

/// How Channelbook connects to PostgreSQL: the URL's server and credentials, plus the limits that make a
/// stuck or lost server end a command with an error instead of a hang.
struct PostgresSettings: Sendable {
    let core: PostgresConnection.Configuration

    /// A statement running longer than this is cancelled by the server. A server's requests get 15 minutes; the
    /// CLI, which loads whole years of sales in one COPY (100M lines take tens of minutes), gets 4 hours.
    static let serverStatementTimeout = "15min", commandStatementTimeout = "4h"
    /// Waiting longer than this for a lock (another import or close holding the ledger) is refused as busy.
    static let lockTimeout = "2min"
    /// A transaction left idle this long by a hung client is ended by the server, releasing its locks.
    static let idleInTransactionTimeout = "5min"
    /// TCP keepalive on the CLI's connection: a silently vanished server is noticed within about 20 s.
    static let keepAliveIdleSeconds = 10, keepAliveIntervalSeconds = 3, keepAliveProbes = 3

    init(url: String) throws {
        do { core = try SQLPostgresConfiguration(url: url).coreConfiguration } catch { throw StoreError.badDatabaseURL(DatabaseLocation.redacted(url)) }
    }

    /// Settings sent in the startup message, so every connection has them from its first statement.
    static func startupParameters(statementTimeout: String) -> [(String, String)] {
        [
            ("application_name", "channelbook"), ("client_min_messages", "warning"), ("statement_timeout", statementTimeout),
            ("lock_timeout", lockTimeout), ("idle_in_transaction_session_timeout", idleInTransactionTimeout),
        ]
    }

    /// One connection over a TCP socket with keepalive on (PostgresNIO's own connect sets none).
    func connect(logger: Logger) async throws -> PostgresConnection {
        var configuration: PostgresConnection.Configuration
        var eventLoop = MultiThreadedEventLoopGroup.singleton.any()
        if let host = core.host, let port = core.port {
            let channel = try await ClientBootstrap(group: MultiThreadedEventLoopGroup.singleton)
                .connectTimeout(.seconds(10))
                .channelOption(ChannelOptions.socketOption(.so_keepalive), value: 1)
                .channelOption(ChannelOptions.Types.SocketOption(level: .tcp, name: .init(rawValue: TCP_KEEPIDLE)), value: Self.keepAliveIdleSeconds)
                .channelOption(ChannelOptions.Types.SocketOption(level: .tcp, name: .init(rawValue: TCP_KEEPINTVL)), value: Self.keepAliveIntervalSeconds)
                .channelOption(ChannelOptions.Types.SocketOption(level: .tcp, name: .init(rawValue: TCP_KEEPCNT)), value: Self.keepAliveProbes)
                .connect(host: host, port: port).get()
            eventLoop = channel.eventLoop  // the connection's handlers must be added on the channel's own loop
            configuration = PostgresConnection.Configuration(
                establishedChannel: channel, tls: core.tls, username: core.username, password: core.password, database: core.database)
            configuration.options.tlsServerName = core.options.tlsServerName ?? (host.first?.isLetter == true ? host : nil)
        } else {
            configuration = core
        }
        configuration.options.additionalStartupParameters = Self.startupParameters(statementTimeout: Self.commandStatementTimeout)
        return try await PostgresConnection.connect(on: eventLoop, configuration: configuration, id: 1, logger: logger)
    }

    /// The pool's configuration: `connections` at most, idle ones kept alive by a query every 30 s.
    func clientConfiguration(connections: Int) -> PostgresClient.Configuration {
        let tls: PostgresClient.Configuration.TLS =
            core.tls.isEnforced ? .require(.makeClientConfiguration()) : core.tls.isAllowed ? .prefer(.makeClientConfiguration()) : .disable
        var configuration: PostgresClient.Configuration
        if let host = core.host, let port = core.port {
            configuration = .init(host: host, port: port, username: core.username, password: core.password, database: core.database, tls: tls)
        } else {
            configuration = .init(unixSocketPath: core.unixSocketPath ?? "", username: core.username, password: core.password, database: core.database)
        }
        configuration.options.maximumConnections = max(1, connections)
        configuration.options.minimumConnections = 0
        configuration.options.connectTimeout = .seconds(10)
        configuration.options.keepAliveBehavior = .init(frequency: .seconds(30))
        configuration.options.additionalStartupParameters = Self.startupParameters(statementTimeout: Self.serverStatementTimeout)
        return configuration
    }
}
