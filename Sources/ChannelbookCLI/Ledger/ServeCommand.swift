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
    @Flag(help: "Mark cookies Secure (HTTPS only): use it whenever the app is served behind TLS.") var secureCookies = false
    @OptionGroup var database: DatabaseOptions

    func validate() throws {
        if !(1...65535).contains(port) { throw ValidationError("--port: 1 to 65535") }
    }

    func run() async throws {
        try await database.perform { database in
            try await database.requireInitialised()
            Console.line("serving \(database.location) on http://\(host):\(port) (Ctrl-C to stop)")
            let app = try WebApp.build(database: database, host: host, port: port, secureCookies: secureCookies)
            try await app.runService()
        }
    }
}
