import ChannelbookStore
import ChannelbookWeb
import Configuration
import Foundation
import Logging

/// Everything `serve` is configured with, resolved with swift-configuration in one order:
/// command-line flags, then environment variables (`CHANNELBOOK_HTTP_PORT`…), then a JSON file
/// (`--config FILE` or `CHANNELBOOK_CONFIG`), then the defaults here. `channelbook config show` prints
/// the result with each value's source and the database password masked (`***`).
struct ServeSettings {
    var host: String
    var port: Int
    var database: DatabaseLocation
    var connections: Int
    var web: WebSettings
    var logLevel: Logger.Level
    /// Each key's value as printed (secrets masked) and where it came from, in the order of `keys`.
    var shown: [(key: String, value: String, source: String)]

    /// Every key, with its environment variable: the README's table is this list.
    static let keys = [
        "http.host", "http.port", "database.path", "database.url", "database.connections", "uploads.maxBytes", "cookies.secure",
        "log.level", "sessions.lifetimeHours", "sessions.idleMinutes", "metrics.token",
    ]

    /// Keys whose values are never printed: the database URL's password, the metrics token.
    static let secretKeys: Set = ["database.url", "metrics.token"]

    /// `CHANNELBOOK_HTTP_PORT` for `http.port`: the environment provider's own encoding, with our prefix.
    static func environmentName(_ key: String) -> String {
        var name = "CHANNELBOOK"
        for component in key.split(separator: ".") {
            name += "_"
            for character in component {
                if character.isUppercase { name += "_" }
                name += character.uppercased()
            }
        }
        return name
    }

    /// Resolves the settings; a value that is present but malformed is an error naming its source.
    static func resolve(
        flags: [String: ConfigContent], configFile: String?, environment: [String: String] = ProcessInfo.processInfo.environment
    ) async throws -> ServeSettings {
        var layers: [(source: String, reader: ConfigReader, describe: (String) -> String)] = [
            ("flag", ConfigReader(provider: InMemoryProvider(name: "flags", values: Dictionary(uniqueKeysWithValues: flags.map {
                (AbsoluteConfigKey($0.key.split(separator: ".").map(String.init)), ConfigValue($0.value, isSecret: secretKeys.contains($0.key)))
            }))), { "--\(flagName($0))" }),
            ("environment", ConfigReader(provider: KeyMappingProvider(upstream: EnvironmentVariablesProvider(environmentVariables: environment)) {
                $0.prepending(["channelbook"])
            }), { environmentName($0) }),
        ]
        // The database URL keeps its conventional variable, below Channelbook's own.
        if let url = environment["DATABASE_URL"], !url.isEmpty {
            layers.append(("environment", ConfigReader(provider: InMemoryProvider(name: "DATABASE_URL", values: [
                AbsoluteConfigKey(["database", "url"]): ConfigValue(.string(url), isSecret: true),
            ])), { _ in "DATABASE_URL" }))
        }
        if let file = configFile ?? environment["CHANNELBOOK_CONFIG"].flatMap({ $0.isEmpty ? nil : $0 }) {
            guard FileManager.default.fileExists(atPath: file) else { throw CLIError("\(file): the configuration file does not exist") }
            let provider: FileProvider<JSONSnapshot>
            do { provider = try await FileProvider<JSONSnapshot>(filePath: .init(file)) } catch {
                throw CLIError("\(file): not a JSON configuration file (\(error))")
            }
            layers.append(("file", ConfigReader(provider: provider), { "\(file): \($0)" }))
        }
        var resolver = Resolver(layers: layers)
        let host = try resolver.string("http.host", default: "127.0.0.1")
        let port = try resolver.int("http.port", default: 8080, in: 1...65535)
        let path = try resolver.optionalString("database.path")
        let url = try resolver.optionalString("database.url", secret: true)
        let connections = try resolver.int("database.connections", default: DatabasePool.defaultConnections, in: 1...1000)
        let upload = try resolver.int("uploads.maxBytes", default: WebSettings.defaultUploadLimitBytes, in: 1024...(64 << 30))
        // Secure cookies unless the app is only reachable from this machine (the demo, a local trial).
        let secure = try resolver.bool("cookies.secure", default: !["127.0.0.1", "localhost", "::1"].contains(host))
        let level = try resolver.string("log.level", default: "info") { Logger.Level(rawValue: $0) != nil }
        let hours = try resolver.int("sessions.lifetimeHours", default: Int(AccountPolicy.sessionLifetimeSeconds / 3600), in: 1...720)
        let idle = try resolver.int("sessions.idleMinutes", default: Int(AccountPolicy.sessionIdleSeconds / 60), in: 1...(720 * 60))
        // Prometheus scrapes with this bearer token; without one, /metrics is off (404).
        let metricsToken = try resolver.optionalString("metrics.token", secret: true)
        if let metricsToken, metricsToken.value.utf8.count < 16 {
            throw CLIError("\(metricsToken.source): the metrics token must be at least 16 characters (metrics.token)")
        }

        // The higher layer wins between a path and a URL; both in one layer is ambiguous.
        let database: DatabaseLocation
        switch (path, url) {
        case let (path?, url?) where path.rank == url.rank:
            throw CLIError("database.path and database.url are both set (\(path.source)): give one")
        case let (path?, url?):
            database = path.rank < url.rank ? .sqlite(path: path.value) : .postgres(url: url.value)
        case let (path?, nil): database = .sqlite(path: path.value)
        case let (nil, url?): database = .postgres(url: url.value)
        case (nil, nil): database = .sqlite(path: DatabaseOptions.defaultPath)
        }
        if path == nil { resolver.shown[2].value = url == nil ? DatabaseOptions.defaultPath : "(not used)" }
        return ServeSettings(
            host: host, port: port, database: database, connections: connections,
            web: WebSettings(
                secureCookies: secure, sessionLifetimeSeconds: Int64(hours) * 3600, sessionIdleSeconds: Int64(idle) * 60, uploadLimitBytes: upload,
                metricsToken: metricsToken?.value),
            logLevel: Logger.Level(rawValue: level)!, shown: resolver.shown)
    }

    /// `--upload-limit` for `uploads.maxBytes`: the serve command's own flag names.
    static func flagName(_ key: String) -> String {
        switch key {
        case "http.host": return "host"
        case "http.port": return "port"
        case "database.path": return "db"
        case "database.url": return "database-url"
        case "database.connections": return "connections"
        case "uploads.maxBytes": return "upload-limit"
        case "cookies.secure": return "secure-cookies"
        case "log.level": return "log-level"
        case "sessions.lifetimeHours": return "session-hours"
        case "sessions.idleMinutes": return "session-idle-minutes"
        case "metrics.token": return "metrics-token"
        default: return key
        }
    }

}

/// Reads one key through the layers in order, keeping where each value came from.
private struct Resolver {
    struct Found {
        let value: String
        let source: String
        let rank: Int
    }

    let layers: [(source: String, reader: ConfigReader, describe: (String) -> String)]
    var shown: [(key: String, value: String, source: String)] = []

    mutating func optionalString(_ key: String, secret: Bool = false) throws -> Found? {
        let found = try lookup(key) { reader, configKey in reader.string(forKey: configKey, isSecret: secret) }
        shown.append((key, found.map { secret ? Self.masked(key, $0.value) : $0.value } ?? "(not set)", found?.source ?? "default"))
        return found
    }

    mutating func string(_ key: String, default fallback: String, valid: (String) -> Bool = { !$0.isEmpty }) throws -> String {
        let found = try lookup(key) { reader, configKey in reader.string(forKey: configKey) }
        if let found, !valid(found.value) { throw CLIError("\(found.source): '\(found.value)' is not a valid \(key)") }
        shown.append((key, found?.value ?? fallback, found?.source ?? "default"))
        return found?.value ?? fallback
    }

    mutating func int(_ key: String, default fallback: Int, in range: ClosedRange<Int>) throws -> Int {
        let found = try lookup(key) { reader, configKey in
            reader.int(forKey: configKey).map(String.init) ?? reader.string(forKey: configKey)
        }
        guard let found else {
            shown.append((key, String(fallback), "default"))
            return fallback
        }
        guard let value = Int(found.value), range.contains(value) else {
            throw CLIError("\(found.source): '\(found.value)' is not a whole number from \(range.lowerBound) to \(range.upperBound) (\(key))")
        }
        shown.append((key, String(value), found.source))
        return value
    }

    mutating func bool(_ key: String, default fallback: Bool) throws -> Bool {
        let found = try lookup(key) { reader, configKey in
            reader.bool(forKey: configKey).map { $0 ? "true" : "false" } ?? reader.string(forKey: configKey)
        }
        guard let found else {
            shown.append((key, String(fallback), "default"))
            return fallback
        }
        guard found.value == "true" || found.value == "false" else { throw CLIError("\(found.source): '\(found.value)' is not true or false (\(key))") }
        shown.append((key, found.value, found.source))
        return found.value == "true"
    }

    /// A secret as `config show` prints it: a URL with its password as `***`, any other secret as `***`.
    private static func masked(_ key: String, _ value: String) -> String {
        key == "database.url" ? DatabaseLocation.postgres(url: value).description : "***"
    }

    /// The first layer that has the key, as text; a present value of another JSON type is still found.
    private func lookup(_ key: String, _ read: (ConfigReader, ConfigKey) -> String?) throws -> Found? {
        let configKey = ConfigKey(key.split(separator: ".").map(String.init))
        for (rank, layer) in layers.enumerated() {
            if let value = read(layer.reader, configKey) {
                return Found(value: value, source: "\(layer.source) \(layer.describe(key))", rank: rank)
            }
            if layer.reader.double(forKey: configKey) != nil || layer.reader.bool(forKey: configKey) != nil
                || layer.reader.int(forKey: configKey) != nil
            {
                throw CLIError("\(layer.source) \(layer.describe(key)): the value has the wrong type for \(key)")
            }
        }
        return nil
    }
}
