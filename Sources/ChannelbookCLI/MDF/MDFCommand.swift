import ArgumentParser
import ChannelbookCore
import ChannelbookStore
import Foundation

/// `channelbook mdf allocate|request|approve|reject|claim|accept-claim|reject-claim|requests|balance|ledger`
/// (PRODUCT.md section 6): market development funds from allocation to payment.
struct MDFCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "mdf",
        abstract: "Market development funds: allocate, request, approve, claim with proof, and the ledger.",
        discussion: """
            Eligible resellers get their tier's allocation each quarter (dated its first day). A partner requests funds
            for an activity (at most what is available and the program's share of the planned cost); the vendor
            approves all or part (reserved from the oldest allocation first) or rejects it; after the activity the
            partner claims with proof files (PDF, PNG or JPEG, at most 10 MB each) within the program's claim window;
            an accepted claim is paid on the partner's statement for the quarter it was accepted in. Unused money
            expires at the end of the quarter after its allocation's. Every action takes --on DATE (default today)
            and MDF actions of a partner are recorded in date order.
            """,
        subcommands: [Allocate.self, Request.self, Approve.self, Reject.self, Claim.self, AcceptClaim.self, RejectClaim.self, Requests.self, Balance.self, Ledger.self])

    struct Allocate: AsyncParsableCommand {
        static let configuration = CommandConfiguration(abstract: "Allocate the quarter's MDF to every eligible reseller; prints how many were added.")

        @Argument(help: "The quarter, such as 2026Q1.") var quarter: Quarter
        @OptionGroup var actor: ActorOption
        @OptionGroup var database: DatabaseOptions

        func run() async throws {
            let added = try await database.perform { try await $0.allocateMDF(quarter, actor: actor.name) }
            Console.line(String(added))
            Console.line("allocated \(quarter) MDF to \(added) reseller\(added == 1 ? "" : "s") (dated \(quarter.firstDay)); running it again adds nothing")
        }
    }

    struct Request: AsyncParsableCommand {
        static let configuration = CommandConfiguration(abstract: "Request funds for an activity; prints the request's id alone on the first line.")

        @Option(help: "The requesting reseller's code.") var partner: String
        @Option(help: "What the activity is.") var activity: String
        @Option(help: "event, campaign, training or other.") var kind: MDFActivityKind
        @Option(name: .customLong("planned-cost"), help: "What the activity will cost.") var plannedCost: String
        @Option(help: "The funds requested.") var amount: String
        @Option(help: "The activity's first day.") var starts: BusinessDate
        @Option(help: "The activity's last day.") var ends: BusinessDate
        @Option(help: "The request's date (default today).") var on: BusinessDate?
        @OptionGroup var actor: ActorOption
        @OptionGroup var database: DatabaseOptions

        func run() async throws {
            let date = on ?? Today.date
            let id = try await database.perform { database in
                try await database.requestMDF(
                    partner: PartnerCode(partner), activity: activity, kind: kind, plannedCost: try await money("--planned-cost", plannedCost, database, date),
                    amount: try await money("--amount", amount, database, date), startsOn: starts, endsOn: ends, on: date, actor: actor.name)
            }
            Console.line(String(id))
            Console.line("requested \(amount) of MDF for \(partner) on \(date) (request \(id)); awaiting review")
        }
    }

    struct Approve: AsyncParsableCommand {
        static let configuration = CommandConfiguration(abstract: "Approve a request in full, or --amount of it: that much is reserved.")

        @Argument(help: "The request's id.") var id: Int64
        @Option(help: "Approve only this much (default: all requested).") var amount: String?
        @Option(help: "The approval's date (default today).") var on: BusinessDate?
        @OptionGroup var actor: ActorOption
        @OptionGroup var database: DatabaseOptions

        func run() async throws {
            let date = on ?? Today.date
            let view = try await database.perform { database in
                try await database.approveMDF(id, amount: try await money("--amount", amount, database, date), on: date, actor: actor.name)
                return try await database.mdfRequest(id, asOf: date)
            }
            Console.line("approved MDF request \(id) on \(date): \(view.approved!.decimalString) reserved; claim by \(view.claimDeadline)")
        }
    }

    struct Reject: AsyncParsableCommand {
        static let configuration = CommandConfiguration(abstract: "Reject a request with a reason.")

        @Argument(help: "The request's id.") var id: Int64
        @Option(help: "Why (the partner reads it).") var reason: String
        @Option(help: "The date (default today).") var on: BusinessDate?
        @OptionGroup var actor: ActorOption
        @OptionGroup var database: DatabaseOptions

        func run() async throws {
            let date = on ?? Today.date
            try await database.perform { try await $0.rejectMDF(id, reason: reason, on: date, actor: actor.name) }
            Console.line("rejected MDF request \(id) on \(date)")
        }
    }

    struct Claim: AsyncParsableCommand {
        static let configuration = CommandConfiguration(abstract: "Claim after the activity with its actual cost and proof files.")

        @Argument(help: "The request's id.") var id: Int64
        @Option(name: .customLong("actual-cost"), help: "What the activity cost.") var actualCost: String
        @Option(help: "The amount claimed.") var amount: String
        @Option(help: "A proof-of-performance file (PDF, PNG or JPEG, at most 10 MB); repeat for more, at most 10.") var proof: [String] = []
        @Option(help: "The claim's date (default today).") var on: BusinessDate?
        @OptionGroup var actor: ActorOption
        @OptionGroup var database: DatabaseOptions

        func run() async throws {
            let date = on ?? Today.date
            let proofs = try proof.map(Self.read)
            try await database.perform { database in
                try await database.claimMDF(
                    id, actualCost: try await money("--actual-cost", actualCost, database, date), amount: try await money("--amount", amount, database, date),
                    proofs: proofs, on: date, actor: actor.name)
            }
            Console.line("claimed \(amount) for MDF request \(id) on \(date) with \(proofs.count) proof file\(proofs.count == 1 ? "" : "s"); awaiting review")
        }

        /// A proof file's bytes, read only up to one byte past the limit: a huge file is refused, not loaded.
        static func read(_ path: String) throws -> ProofUpload {
            guard let handle = FileHandle(forReadingAtPath: path) else { throw CLIError("\(path): cannot be read") }
            defer { try? handle.close() }
            let data = try handle.read(upToCount: ProofFile.maximumBytes + 1) ?? Data()
            return ProofUpload(name: URL(fileURLWithPath: path).lastPathComponent, bytes: Array(data))
        }
    }

    struct AcceptClaim: AsyncParsableCommand {
        static let configuration = CommandConfiguration(
            commandName: "accept-claim", abstract: "Accept a claim in full, or --amount of it: payable on the partner's statement for the quarter of --on.")

        @Argument(help: "The request's id.") var id: Int64
        @Option(help: "Accept only this much (default: all claimed).") var amount: String?
        @Option(help: "The date (default today).") var on: BusinessDate?
        @OptionGroup var actor: ActorOption
        @OptionGroup var database: DatabaseOptions

        func run() async throws {
            let date = on ?? Today.date
            let view = try await database.perform { database in
                try await database.acceptMDFClaim(id, amount: try await money("--amount", amount, database, date), on: date, actor: actor.name)
                return try await database.mdfRequest(id, asOf: date)
            }
            Console.line(
                "accepted \(view.accepted!.decimalString) of MDF request \(id) on \(date): payable on \(view.partner.rawValue)'s \(Quarter(containing: date)) statement (close \(Quarter(containing: date)) to draft it)")
        }
    }

    struct RejectClaim: AsyncParsableCommand {
        static let configuration = CommandConfiguration(commandName: "reject-claim", abstract: "Reject a claim with a reason: its reservation is released.")

        @Argument(help: "The request's id.") var id: Int64
        @Option(help: "Why (the partner reads it).") var reason: String
        @Option(help: "The date (default today).") var on: BusinessDate?
        @OptionGroup var actor: ActorOption
        @OptionGroup var database: DatabaseOptions

        func run() async throws {
            let date = on ?? Today.date
            try await database.perform { try await $0.rejectMDFClaim(id, reason: reason, on: date, actor: actor.name) }
            Console.line("rejected the claim of MDF request \(id) on \(date); its reservation is released")
        }
    }

    struct Requests: AsyncParsableCommand {
        static let configuration = CommandConfiguration(abstract: "List requests, newest first, with their status on a date (default today).")

        @Option(help: "Only this partner's requests.") var partner: String?
        @Option(help: "Only requests in this status (\(MDFRequestStatus.allCases.map(\.rawValue).joined(separator: ", "))).") var status: MDFRequestStatus?
        @Option(name: .customLong("as-of"), help: "The date statuses are taken on (default today).") var asOf: BusinessDate?
        @Option(help: "csv, json or table.") var format: ReportFormat = .csv
        @OptionGroup var database: DatabaseOptions

        func run() async throws {
            let rows = try await database.perform {
                try await $0.mdfRequests(partner: partner.map { PartnerCode($0) }, status: status, asOf: asOf ?? Today.date, limit: 100_000)
            }
            let report = Report(
                columns: ["id", "partner", "activity", "kind", "requested", "approved", "claimed", "accepted", "status"],
                rows: rows.map {
                    [String($0.id), $0.partner.rawValue, $0.activity, $0.kind.rawValue, $0.requested.decimalString, $0.approved?.decimalString ?? "",
                     $0.claimed?.decimalString ?? "", $0.accepted?.decimalString ?? "", $0.status.rawValue]
                })
            try report.print(format) { try jsonText(rows.map(MDFRequestJSON.init)) }
        }
    }

    struct Balance: AsyncParsableCommand {
        static let configuration = CommandConfiguration(abstract: "Balances as of a date: one row per partner with any MDF.")

        @Option(help: "Only this partner.") var partner: String?
        @Option(name: .customLong("as-of"), help: "The date (default today).") var asOf: BusinessDate?
        @Option(help: "csv, json or table.") var format: ReportFormat = .csv
        @OptionGroup var database: DatabaseOptions

        func run() async throws {
            let rows = try await database.perform { try await $0.mdfBalances(partner: partner.map { PartnerCode($0) }, asOf: asOf ?? Today.date) }
            let report = Report(
                columns: ["partner", "allocated", "expired", "reserved", "payable", "paid", "available"],
                rows: rows.map { row in [row.partner.rawValue] + [row.allocated, row.expired, row.reserved, row.payable, row.paid, row.available].map(\.decimalString) })
            try report.print(format) { try jsonText(rows.map(MDFBalanceJSON.init)) }
        }
    }

    struct Ledger: AsyncParsableCommand {
        static let configuration = CommandConfiguration(abstract: "A partner's MDF ledger: every entry, recorded or made by time (expiry, lapsed reservations).")

        @Option(help: "The partner.") var partner: String
        @Option(name: .customLong("as-of"), help: "Entries up to this date (default today).") var asOf: BusinessDate?
        @Option(help: "csv, json or table.") var format: ReportFormat = .csv
        @OptionGroup var database: DatabaseOptions

        func run() async throws {
            let rows = try await database.perform { try await $0.mdfLedgerRows(partner: PartnerCode(partner), asOf: asOf ?? Today.date) }
            let report = Report(
                columns: ["date", "entry", "request_id", "amount"],
                rows: rows.map { [$0.date.description, $0.entry.rawValue, $0.requestID.map(String.init) ?? "", $0.amount.decimalString] })
            try report.print(format) {
                try jsonText(rows.map { MDFLedgerJSON(date: $0.date.description, entry: $0.entry.rawValue, request_id: $0.requestID, amount: $0.amount.decimalString) })
            }
        }
    }
}

/// An amount option in the currency of the program in force on `date`.
private func money(_ option: String, _ text: String, _ database: ChannelbookDatabase, _ date: BusinessDate) async throws -> Money {
    try parseAmountOption(option, text, try await database.program(on: date).program.currency)
}

/// An optional amount option (`--amount`: all when absent).
private func money(_ option: String, _ text: String?, _ database: ChannelbookDatabase, _ date: BusinessDate) async throws -> Money? {
    guard let text else { return nil }
    return try parseAmountOption(option, text, try await database.program(on: date).program.currency)
}

extension MDFActivityKind: ExpressibleByArgument {}
extension MDFRequestStatus: ExpressibleByArgument {}

/// An MDF request in JSON: money as decimal strings, dates as YYYY-MM-DD.
struct MDFRequestJSON: Encodable {
    let id: Int64
    let partner, activity, kind, status, planned_cost, requested, starts_on, ends_on, requested_on, claim_deadline: String
    let approved, actual_cost, claimed, accepted, approved_on, claimed_on, decided_on, paid_on, reason: String?
    let proof_files: Int

    init(_ view: MDFRequestView) {
        id = view.id
        partner = view.partner.rawValue
        activity = view.activity
        kind = view.kind.rawValue
        status = view.status.rawValue
        planned_cost = view.plannedCost.decimalString
        requested = view.requested.decimalString
        starts_on = view.startsOn.description
        ends_on = view.endsOn.description
        requested_on = view.requestedOn.description
        claim_deadline = view.claimDeadline.description
        approved = view.approved?.decimalString
        actual_cost = view.actualCost?.decimalString
        claimed = view.claimed?.decimalString
        accepted = view.accepted?.decimalString
        approved_on = view.approvedOn?.description
        claimed_on = view.claimedOn?.description
        decided_on = view.decidedOn?.description
        paid_on = view.paidOn?.description
        reason = view.reason
        proof_files = view.proofs.count
    }
}

struct MDFBalanceJSON: Encodable {
    let partner, allocated, expired, reserved, payable, paid, available: String

    init(_ row: MDFBalanceRow) {
        partner = row.partner.rawValue
        allocated = row.allocated.decimalString
        expired = row.expired.decimalString
        reserved = row.reserved.decimalString
        payable = row.payable.decimalString
        paid = row.paid.decimalString
        available = row.available.decimalString
    }
}

struct MDFLedgerJSON: Encodable {
    let date, entry: String
    let request_id: Int64?
    let amount: String
}
