import ArgumentParser
import ChannelbookCore
import ChannelbookStore
import Foundation

/// `channelbook webhook add|list|remove|attempts`: endpoints told of statements approved and paid, referrals, imports,
/// MDF claims accepted and renewals lapsed. `serve` delivers, signed (see the README's "The JSON API and webhooks").
struct WebhookCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "webhook", abstract: "Register the endpoints Channelbook tells of events.", subcommands: [Add.self, List.self, Remove.self, Attempts.self])

    struct Add: AsyncParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "Register an endpoint; prints its id and signing secret (shown once).",
            discussion: "Events: \(WebhookEventType.allCases.map(\.rawValue).joined(separator: ", ")). Without --events, all of them.")

        @Argument(help: "The endpoint's http:// or https:// URL.") var url: String
        @Option(help: "Comma-separated events (default: all).") var events: String?
        @OptionGroup var actor: ActorOption
        @OptionGroup var database: DatabaseOptions

        func run() async throws {
            let list = try events.map { try WebhookEventType.parseList($0) }
            let added = try await database.perform { try await $0.addWebhook(url: url, events: list, actor: actor.name) }
            Console.line("webhook \(added.endpoint.id): \(added.endpoint.url) for \(WebhookCommand.describe(added.endpoint.events))")
            Console.line("secret: \(added.secret)")
        }
    }

    struct List: AsyncParsableCommand {
        static let configuration = CommandConfiguration(abstract: "The endpoints, with their deliveries pending, delivered and failed.")

        @Flag(help: "Also endpoints that were removed.") var all = false
        @OptionGroup var database: DatabaseOptions

        func run() async throws {
            let endpoints = try await database.perform { try await $0.webhooks(includeRemoved: all) }
            if endpoints.isEmpty { Console.line("no webhook endpoints: add one with `channelbook webhook add URL`") }
            for endpoint in endpoints {
                Console.line(
                    "\(endpoint.id)\t\(endpoint.url)\t\(WebhookCommand.describe(endpoint.events))\t\(endpoint.pending) pending, \(endpoint.delivered) delivered, "
                        + "\(endpoint.failed) failed\(endpoint.removed ? "\tremoved" : "")")
            }
        }
    }

    struct Remove: AsyncParsableCommand {
        static let configuration = CommandConfiguration(abstract: "Stop telling an endpoint of events (what is pending is not sent).")

        @Argument(help: "The endpoint's id.") var id: Int64
        @OptionGroup var actor: ActorOption
        @OptionGroup var database: DatabaseOptions

        func run() async throws {
            try await database.perform { try await $0.removeWebhook(id, actor: actor.name) }
            Console.line("removed webhook \(id)")
        }
    }

    struct Attempts: AsyncParsableCommand {
        static let configuration = CommandConfiguration(abstract: "The newest delivery attempts, with the receiver's answer.")

        @Option(help: "Only this endpoint's.") var endpoint: Int64?
        @Option(help: "How many (at most 1000).") var limit = 50
        @OptionGroup var database: DatabaseOptions

        func run() async throws {
            let attempts = try await database.perform { try await $0.webhookAttempts(endpoint: endpoint, limit: limit) }
            for attempt in attempts {
                Console.line("\(attempt.attemptedAt)\twebhook \(attempt.endpoint)\t\(attempt.type)\t\(attempt.eventID)\t\(attempt.answer)\t\(attempt.status)")
            }
        }
    }

    static func describe(_ events: [WebhookEventType]?) -> String { events.map { $0.map(\.rawValue).joined(separator: ",") } ?? "every event" }
}
