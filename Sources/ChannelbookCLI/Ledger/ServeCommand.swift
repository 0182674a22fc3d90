import ArgumentParser
import ChannelbookStore
import ChannelbookWeb
import Hummingbird

/// `channelbook serve`: the web app and JSON API, until SIGINT or SIGTERM (then a graceful shutdown).
struct ServeCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "serve", abstract: "Serve the web app and the JSON API (sign-in, statements; more pages to come).")

    @Option(help: "Address to listen on.") var host = "127.0.0.1"
    @Option(help: "Port to listen on.") var port = 8080
    @Option(help: "Database connections: SQLite readers beside its one writer, or the PostgreSQL pool's maximum.")
    var connections = DatabasePool.defaultConnections
    @Flag(help: "Mark cookies Secure (HTTPS only): use it whenever the app is served behind TLS.") var secureCookies = false
    @OptionGroup var database: DatabaseOptions

    func validate() throws {
        if !(1...65535).contains(port) { throw ValidationError("--port: 1 to 65535") }
        if !(1...1000).contains(connections) { throw ValidationError("--connections: 1 to 1000") }
    }

    func run() async throws {
        // Refuse a database `init` has not prepared before listening, with the same words as every command.
        try await database.perform { try await $0.requireInitialised() }
        let pool = try await reportingStoreErrors { try await DatabasePool.open(database.location, connections: connections) }
        Console.line("serving \(pool.location) on http://\(host):\(port) with \(connections) connections (Ctrl-C to stop)")
        do {
            try await WebApp.build(database: pool, host: host, port: port, secureCookies: secureCookies).runService()
        } catch {
            await pool.close()
            throw error
        }
        await pool.close()
    }
}
