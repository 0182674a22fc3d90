import ArgumentParser
import ChannelbookStore
import ChannelbookWeb
import Configuration
import Hummingbird
import Logging

/// `serve`'s options, shared with `config show` so both resolve the same settings. No option has a default
/// here: an option given wins, else the environment, else the configuration file, else `ServeSettings`.
struct ServeOptions: ParsableArguments {
    @Option(help: "Address to listen on (http.host, default 127.0.0.1).") var host: String?
    @Option(help: "Port to listen on (http.port, default 8080).") var port: Int?
    @Option(help: "Database connections: SQLite readers beside its one writer, or the PostgreSQL pool's maximum (database.connections).")
    var connections: Int?
    @Option(help: "Largest sales file an upload may carry, in bytes (uploads.maxBytes, default 256 MiB).") var uploadLimit: Int?
    @Flag(inversion: .prefixedNo, help: "Mark cookies Secure (HTTPS only): use it whenever the app is served behind TLS (cookies.secure).")
    var secureCookies: Bool?
    @Option(help: "Log level: trace, debug, info, notice, warning, error or critical (log.level, default info).") var logLevel: String?
    @Option(help: "How long a sign-in lasts, in hours (sessions.lifetimeHours, default 12).") var sessionHours: Int?
    @Option(help: "How long a sign-in lasts unused, in minutes (sessions.idleMinutes, default 60).") var sessionIdleMinutes: Int?
    @Option(help: "The bearer token Prometheus scrapes /metrics with, at least 16 characters; without one /metrics is off (metrics.token).")
    var metricsToken: String?
    @Option(help: "A JSON configuration file (also CHANNELBOOK_CONFIG); flags and the environment override it.", completion: .file())
    var config: String?
    @OptionGroup var database: DatabaseOptions

    func settings() async throws -> ServeSettings {
        var flags: [String: ConfigContent] = [:]
        if let host { flags["http.host"] = .string(host) }
        if let port { flags["http.port"] = .int(port) }
        if let connections { flags["database.connections"] = .int(connections) }
        if let uploadLimit { flags["uploads.maxBytes"] = .int(uploadLimit) }
        if let secureCookies { flags["cookies.secure"] = .bool(secureCookies) }
        if let logLevel { flags["log.level"] = .string(logLevel) }
        if let sessionHours { flags["sessions.lifetimeHours"] = .int(sessionHours) }
        if let sessionIdleMinutes { flags["sessions.idleMinutes"] = .int(sessionIdleMinutes) }
        if let metricsToken { flags["metrics.token"] = .string(metricsToken) }
        if let path = database.path { flags["database.path"] = .string(path) }
        if let url = database.url { flags["database.url"] = .string(url) }
        return try await ServeSettings.resolve(flags: flags, configFile: config)
    }
}

/// `channelbook serve`: the web app and JSON API, until SIGINT or SIGTERM (then a graceful shutdown).
struct ServeCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "serve", abstract: "Serve the web app and the JSON API (settings: flags > environment > --config file > defaults).")

    @OptionGroup var options: ServeOptions

    func run() async throws {
        let settings = try await options.settings()
        // Refuse a database `init` has not prepared before listening, with the same words as every command.
        try await reportingStoreErrors { try await DatabaseOptions.withDatabase(at: settings.database) { try await $0.requireInitialised() } }
        let pool = try await reportingStoreErrors { try await DatabasePool.open(settings.database, connections: settings.connections) }
        var logger = Logger(label: "channelbook.web")
        logger.logLevel = settings.logLevel
        Console.line("serving \(pool.location) on http://\(settings.host):\(settings.port) with \(settings.connections) connections (Ctrl-C to stop)")
        do {
            try await WebApp.build(database: pool, host: settings.host, port: settings.port, logger: logger, settings: settings.web).runService()
        } catch {
            await pool.close()
            throw error
        }
        await pool.close()
    }
}

/// `channelbook config show`: the settings `serve` would run with, each with its source, secrets masked.
struct ConfigCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "config", abstract: "Show the settings `serve` resolves (flags > environment > file > defaults).", subcommands: [Show.self])

    struct Show: AsyncParsableCommand {
        static let configuration = CommandConfiguration(abstract: "Print every setting, its value (passwords masked) and where it came from.")

        @OptionGroup var options: ServeOptions

        func run() async throws {
            let settings = try await options.settings()
            let width = settings.shown.map(\.key.count).max() ?? 0
            for entry in settings.shown {
                Console.line("\(entry.key.padding(toLength: width, withPad: " ", startingAt: 0))  \(entry.value)  (\(entry.source))")
            }
        }
    }
}
