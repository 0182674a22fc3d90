import ArgumentParser
import ChannelbookCore
import ChannelbookStore
import Foundation

/// `channelbook matching list|map|ignore|mappings` (PRODUCT.md section 6): the names distributors' reports give
/// resellers that no partner code, ABN or mapping resolves, and what is decided for them.
struct MatchingCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "matching",
        abstract: "Reseller names distributors' reports use: parked lines, mappings, names set aside.",
        discussion: """
            A sales line's reseller resolves by partner code, then ABN, then a mapping recorded for (source, normalised
            name: case, punctuation and legal suffixes ignored). A line that does not resolve is parked with its file and
            line while the rest of the file imports. Mapping a name once moves its parked lines into the ledger as if
            imported then (totals, route exceptions, late lines and true-ups) and resolves it in every later file from
            that source. A name set aside keeps its lines out of the ledger and off the list.
            """,
        subcommands: [List.self, Map.self, Ignore.self, Mappings.self])

    struct List: AsyncParsableCommand {
        static let configuration = CommandConfiguration(abstract: "Parked names by source then name, with a suggested partner.")

        @Option(help: "Only this source: a distributor's code, or DIRECT.") var source: String?
        @Option(help: "csv, json or table.") var format: ReportFormat = .csv
        @OptionGroup var database: DatabaseOptions

        func run() async throws {
            let names = try await database.perform { database in
                var all: [ParkedName] = []
                var after: String?
                repeat {
                    let page = try await database.parkedNames(source: source, after: after, limit: 500)
                    all += page
                    after = page.count == 500 ? page.last?.cursor : nil
                } while after != nil
                return all
            }
            let currency = try await database.perform { try await $0.latestProgram().program.currency }
            let report = Report(
                columns: ["source", "reseller_as_written", "lines", "amount", "first_date", "last_date", "suggestion"],
                rows: names.map {
                    [$0.source, $0.writtenAs, String($0.lines), Money(minorUnits: $0.amountMinor, currency: currency).decimalString, $0.firstDate, $0.lastDate,
                     $0.suggestion?.rawValue ?? ""]
                })
            try report.print(format) { try report.jsonText() }
        }
    }

    struct Map: AsyncParsableCommand {
        static let configuration = CommandConfiguration(abstract: "Map a source's name to a reseller, once: its parked lines move into the ledger.")

        @Option(help: "The source that writes the name: a distributor's code, or DIRECT.") var source: String
        @Option(help: "The name as written (any spelling that normalises alike).") var name: String
        @Option(help: "The reseller's partner code.") var partner: String
        @OptionGroup var actor: ActorOption
        @OptionGroup var database: DatabaseOptions

        func run() async throws {
            let outcome = try await database.perform { try await $0.mapResellerName(source: source, name: name, to: PartnerCode(partner), actor: actor.name) }
            Console.line("'\(name)' from \(source) \(outcome)")
        }
    }

    struct Ignore: AsyncParsableCommand {
        static let configuration = CommandConfiguration(abstract: "Set a source's name aside with a reason: its lines stay out of the ledger and off the list.")

        @Option(help: "The source that writes the name: a distributor's code, or DIRECT.") var source: String
        @Option(help: "The name as written.") var name: String
        @Option(help: "Why its lines are not sales of a partner.") var reason: String
        @OptionGroup var actor: ActorOption
        @OptionGroup var database: DatabaseOptions

        func run() async throws {
            let lines = try await database.perform { try await $0.ignoreResellerName(source: source, name: name, reason: reason, actor: actor.name) }
            Console.line("'\(name)' from \(source) set aside: \(lines) parked line\(lines == 1 ? "" : "s")")
        }
    }

    struct Mappings: AsyncParsableCommand {
        static let configuration = CommandConfiguration(abstract: "Every decision recorded for names: mapped to a partner, or set aside with its reason.")

        @Option(help: "Only this source.") var source: String?
        @Option(help: "csv, json or table.") var format: ReportFormat = .csv
        @OptionGroup var database: DatabaseOptions

        func run() async throws {
            let decisions = try await database.perform { try await $0.resellerNameDecisions(source: source) }
            let report = Report(
                columns: ["source", "name", "partner", "ignored_because", "decided_by", "decided_at"],
                rows: decisions.map {
                    [$0.source, $0.writtenAs, $0.partner?.rawValue ?? "", $0.ignoreReason ?? "", $0.decidedBy, $0.decidedAt]
                })
            try report.print(format) { try report.jsonText() }
        }
    }
}
