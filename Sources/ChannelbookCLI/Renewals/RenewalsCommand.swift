import ArgumentParser
import ChannelbookCore
import ChannelbookStore
import Foundation

/// `channelbook renewals list|show|quote|lapse|pipeline|rate` (PRODUCT.md section 6): maintenance renewals from the
/// contracts sales created (or `import contracts` loaded) to the owners' and maintenance officers' queues.
struct RenewalsCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "renewals",
        abstract: "Maintenance renewals: the queues, quotes, lapses, the pipeline and the renewal rate.",
        discussion: """
            A sales line with seats of a SKU whose price-book row has maintenance_months creates a contract from the
            line's date for that many months. Its renewal opportunity opens [renewals] horizon_days before the end,
            is quoted once a quote is recorded, renewed by a `renewal` line of the same SKU for the same customer
            (names matched as referrals are) dated within the window, and lapses lapse_after_days after the end, or
            by hand with a reason. The owner is the distributor that sold the contract (DIRECT for the vendor), or
            the vendor for every contract with [renewals] owner = "vendor". Statuses are taken on --as-of (default today).
            """,
        subcommands: [List.self, Show.self, Quote.self, Lapse.self, Pipeline.self, Rate.self])

    struct List: AsyncParsableCommand {
        static let configuration = CommandConfiguration(abstract: "A queue, by contract end then id: open and quoted opportunities unless --status says otherwise.")

        @Option(help: "Only this owner: a distributor's code, or DIRECT.") var owner: String?
        @Option(help: "Only contracts sold by the distributors assigned to this maintenance officer (email).") var officer: String?
        @Option(help: "Only this status (\(RenewalStatus.allCases.map(\.rawValue).joined(separator: ", "))); repeat for more.") var status: [RenewalStatus] = []
        @Option(name: .customLong("due-within"), help: "Only contracts ending within this many days.") var dueWithin: Int?
        @Option(help: "Only customers whose name holds this (case, punctuation and legal suffixes ignored).") var customer: String?
        @Option(name: .customLong("as-of"), help: "The date statuses are taken on (default today).") var asOf: BusinessDate?
        @Option(help: "csv, json or table.") var format: ReportFormat = .csv
        @OptionGroup var database: DatabaseOptions

        func run() async throws {
            let filter = RenewalFilter(
                asOf: asOf ?? Today.date, statuses: status.isEmpty ? RenewalStatus.worked : status, owner: owner, officer: officer, dueWithin: dueWithin,
                customer: customer)
            let columns = ["opportunity_id", "contract_id", "customer", "reseller", "owner", "sku", "seats", "ends", "status", "days_to_end"]
            func cells(_ view: RenewalOpportunity) -> [String] {
                [String(view.id), view.contractID, view.customer, view.reseller.rawValue, view.owner, view.sku, String(view.seats), view.ends.description,
                 view.status.rawValue, String(view.daysToEnd)]
            }
            // CSV streams a page at a time (a queue can hold millions of contracts); a table and JSON need every row first.
            if format == .csv { Console.line(CSVText.line(columns)) }
            var rows: [RenewalOpportunity] = []
            try await database.perform { database in
                var cursor: RenewalCursor?
                repeat {
                    let page = try await database.renewalOpportunities(filter, access: .vendor, after: cursor, limit: 500)
                    if format == .csv { page.items.forEach { Console.line(CSVText.line(cells($0))) } } else { rows += page.items }
                    cursor = page.next
                } while cursor != nil
            }
            guard format != .csv else { return }
            let report = Report(columns: columns, rows: rows.map(cells))
            try report.print(format) { try jsonText(rows.map(RenewalOpportunityJSON.init)) }
        }
    }

    struct Show: AsyncParsableCommand {
        static let configuration = CommandConfiguration(abstract: "One opportunity: its contract, window, status and history.")

        @Argument(help: "The opportunity's id.") var id: Int64
        @Option(name: .customLong("as-of"), help: "The date its status is taken on (default today).") var asOf: BusinessDate?
        @OptionGroup var database: DatabaseOptions

        func run() async throws {
            let (view, events) = try await database.perform { try await $0.renewalOpportunity(id, asOf: asOf ?? Today.date, access: .vendor) }
            Console.line("opportunity \(view.id): contract \(view.contractID), \(view.customer) (\(view.reseller.rawValue) \(view.resellerName))")
            Console.line("\(view.sku) × \(view.seats) seats, \(view.starts) to \(view.ends), sold by \(view.soldBy), owner \(view.owner)")
            Console.line("open \(view.window.opensOn) to \(view.window.lastDay); \(view.status.rawValue) (\(view.daysToEnd) days to the end)")
            for event in events {
                Console.line("\(event.date)  \(event.event)\(event.amount.map { " \($0.decimalString)" } ?? "")\(event.note.isEmpty ? "" : "  \(event.note)")  by \(event.actor)")
            }
        }
    }

    struct Quote: AsyncParsableCommand {
        static let configuration = CommandConfiguration(abstract: "Record a quote for an open or quoted opportunity.")

        @Argument(help: "The opportunity's id.") var id: Int64
        @Option(help: "The quote's amount.") var amount: String
        @Option(help: "The quote's date (default today).") var on: BusinessDate?
        @OptionGroup var actor: ActorOption
        @OptionGroup var database: DatabaseOptions

        func run() async throws {
            let date = on ?? Today.date
            try await database.perform { database in
                let money = try parseAmountOption("--amount", amount, try await database.program(on: date).program.currency)
                try await database.quoteRenewal(id, amount: money, on: date, access: .vendor, actor: actor.name)
            }
            Console.line("quoted \(amount) for renewal opportunity \(id) on \(date)")
        }
    }

    struct Lapse: AsyncParsableCommand {
        static let configuration = CommandConfiguration(abstract: "Lapse an open or quoted opportunity by hand, with a reason.")

        @Argument(help: "The opportunity's id.") var id: Int64
        @Option(help: "Why it will not renew.") var reason: String
        @Option(help: "The date (default today).") var on: BusinessDate?
        @OptionGroup var actor: ActorOption
        @OptionGroup var database: DatabaseOptions

        func run() async throws {
            let date = on ?? Today.date
            try await database.perform { try await $0.lapseRenewal(id, reason: reason, on: date, access: .vendor, actor: actor.name) }
            Console.line("lapsed renewal opportunity \(id) on \(date)")
        }
    }

    struct Pipeline: AsyncParsableCommand {
        static let configuration = CommandConfiguration(abstract: "Open and quoted opportunities per owner ending in 0–30, 31–60 and 61–90 days, with seats and value.")

        @Option(name: .customLong("as-of"), help: "The report's date (default today); values at its price book.") var asOf: BusinessDate?
        @Option(help: "csv, json or table.") var format: ReportFormat = .csv
        @OptionGroup var database: DatabaseOptions

        func run() async throws {
            let rows = try await database.perform { try await $0.renewalPipeline(asOf: asOf ?? Today.date, access: .vendor) }
            let report = Report(
                columns: ["owner", "due_0_30", "due_31_60", "due_61_90", "seats_0_90", "value_0_90"],
                rows: rows.map { [$0.owner, String($0.due0To30), String($0.due31To60), String($0.due61To90), String($0.seats0To90), $0.value0To90.decimalString] })
            try report.print(format) { try jsonText(rows.map(RenewalPipelineJSON.init)) }
        }
    }

    struct Rate: AsyncParsableCommand {
        static let configuration = CommandConfiguration(abstract: "The renewal rate of contracts ending in a quarter: renewed ÷ (renewed + lapsed), in basis points rounded down.")

        @Argument(help: "The quarter the contracts end in, such as 2026Q4.") var quarter: Quarter
        @Option(name: .customLong("as-of"), help: "The date statuses are taken on (default today).") var asOf: BusinessDate?
        @Option(help: "csv, json or table.") var format: ReportFormat = .csv
        @OptionGroup var database: DatabaseOptions

        func run() async throws {
            let rows = try await database.perform { try await $0.renewalRate(quarter, asOf: asOf ?? Today.date, access: .vendor) }
            let report = Report(
                columns: ["owner", "ending", "renewed", "lapsed", "open", "rate_bps"],
                rows: rows.map { [$0.owner, String($0.ending), String($0.renewed), String($0.lapsed), String($0.open), $0.rateBasisPoints.map(String.init) ?? ""] })
            try report.print(format) { try jsonText(rows.map(RenewalRateJSON.init)) }
        }
    }
}

extension RenewalStatus: ExpressibleByArgument {}

/// An opportunity in JSON: money as decimal strings, dates as YYYY-MM-DD.
struct RenewalOpportunityJSON: Encodable {
    let opportunity_id: Int64
    let contract_id, customer, reseller, owner, sold_by, sku, starts, ends, opens_on, lapses_on, status: String
    let seats: Int64
    let days_to_end: Int
    let quote, quoted_on, renewed_on, renewed_by, lapsed_on, lapse_reason: String?

    init(_ view: RenewalOpportunity) {
        opportunity_id = view.id
        contract_id = view.contractID
        customer = view.customer
        reseller = view.reseller.rawValue
        owner = view.owner
        sold_by = view.soldBy
        sku = view.sku
        starts = view.starts.description
        ends = view.ends.description
        opens_on = view.window.opensOn.description
        lapses_on = view.window.lapsesOn.description
        status = view.status.rawValue
        seats = view.seats
        days_to_end = view.daysToEnd
        quote = view.quote?.decimalString
        quoted_on = view.quotedOn?.description
        renewed_on = view.renewedOn?.description
        renewed_by = view.renewedBy
        lapsed_on = view.lapsedOn?.description
        lapse_reason = view.lapseReason
    }
}

struct RenewalPipelineJSON: Encodable {
    let owner: String
    let due_0_30, due_31_60, due_61_90: Int
    let seats_0_90: Int64
    let value_0_90: String

    init(_ row: RenewalPipelineRow) {
        owner = row.owner
        due_0_30 = row.due0To30
        due_31_60 = row.due31To60
        due_61_90 = row.due61To90
        seats_0_90 = row.seats0To90
        value_0_90 = row.value0To90.decimalString
    }
}

struct RenewalRateJSON: Encodable {
    let owner: String
    let ending, renewed, lapsed, open: Int
    let rate_bps: Int?

    init(_ row: RenewalRateRow) {
        owner = row.owner
        ending = row.ending
        renewed = row.renewed
        lapsed = row.lapsed
        open = row.open
        rate_bps = row.rateBasisPoints
    }
}
