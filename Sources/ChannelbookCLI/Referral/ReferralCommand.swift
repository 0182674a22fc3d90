import ArgumentParser
import ChannelbookCore
import ChannelbookStore
import Foundation

/// `channelbook referral register|approve|reject|lose|close|list|show`: the life of a referral.
struct ReferralCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "referral",
        abstract: "Register, review, close and list referrals.",
        discussion: """
            A partner registers an end-customer opportunity; the vendor approves (optionally naming the fulfilling
            partner) or rejects it; approved registrations expire after the program's expiry_days unless closed.
            Closing records the won sale and its fee, which appears on the referring partner's statement for the
            quarter of the close date. A customer with an open registration cannot be registered again.
            """,
        subcommands: [Register.self, Approve.self, Reject.self, Lose.self, Close.self, List.self, Show.self])

    struct Register: AsyncParsableCommand {
        static let configuration = CommandConfiguration(abstract: "Register a referral; prints its id (REG-12) alone on the first line.")

        @Option(help: "The referring partner's code.") var partner: String
        @Option(help: "The end customer's name.") var customer: String
        @Option(help: "The end customer's ABN.") var abn: String?
        @Option(help: "The end customer's email domain (acme.com.au).") var domain: String?
        @Option(help: "Who to talk to at the customer.") var contact: String?
        @Option(help: "Expected seats.") var seats: Int64?
        @Option(help: "The SKU of interest.") var sku: String?
        @Option(help: "Notes for the vendor.") var notes: String?
        @Option(help: "The registration date (default today).") var on: BusinessDate?
        @OptionGroup var actor: ActorOption
        @OptionGroup var database: DatabaseOptions

        func run() async throws {
            var request = ReferralRequest(partner: PartnerCode(partner), customer: customer, abn: abn, domain: domain)
            request.contact = contact ?? ""
            request.expectedSeats = seats
            request.sku = sku.map { SKU($0) }
            request.notes = notes ?? ""
            let date = on ?? Today.date
            let id = try await database.perform { try await $0.registerReferral(request, on: date, actor: actor.name) }
            Console.line(id.reference)
            Console.line("registered referral \(id.reference) for \(customer) by \(partner) on \(date); awaiting review")
        }
    }

    struct Approve: AsyncParsableCommand {
        static let configuration = CommandConfiguration(abstract: "Approve a registered referral, optionally naming who fulfils the sale.")

        @Argument(help: "The referral: REG-12 as register printed it (or 12).") var referral: ReferralArgument
        @Option(help: "The fulfilling partner's code, or DIRECT.") var fulfiller: String?
        @Option(help: "The approval date (default today).") var on: BusinessDate?
        @OptionGroup var actor: ActorOption
        @OptionGroup var database: DatabaseOptions

        func run() async throws {
            let date = on ?? Today.date, id = referral.id
            let view = try await database.perform { database in
                try await database.approveReferral(id, fulfiller: fulfiller, on: date, actor: actor.name)
                return try await database.referral(id, asOf: date)
            }
            Console.line("approved referral \(id.reference) on \(date); it expires on \(view.expiresOn!) unless closed")
        }
    }

    struct Reject: AsyncParsableCommand {
        static let configuration = CommandConfiguration(abstract: "Reject a registered referral with a reason.")

        @Argument(help: "The referral: REG-12 as register printed it (or 12).") var referral: ReferralArgument
        @Option(help: "Why (the partner reads it).") var reason: String
        @Option(help: "The date (default today).") var on: BusinessDate?
        @OptionGroup var actor: ActorOption
        @OptionGroup var database: DatabaseOptions

        func run() async throws {
            let date = on ?? Today.date, id = referral.id
            try await database.perform { try await $0.rejectReferral(id, reason: reason, on: date, actor: actor.name) }
            Console.line("rejected referral \(id.reference) on \(date)")
        }
    }

    struct Lose: AsyncParsableCommand {
        static let configuration = CommandConfiguration(abstract: "Close a referral as lost: no fee.")

        @Argument(help: "The referral: REG-12 as register printed it (or 12).") var referral: ReferralArgument
        @Option(help: "Why it was lost.") var reason: String?
        @Option(help: "The date (default today).") var on: BusinessDate?
        @OptionGroup var actor: ActorOption
        @OptionGroup var database: DatabaseOptions

        func run() async throws {
            let date = on ?? Today.date, id = referral.id
            try await database.perform { try await $0.loseReferral(id, reason: reason ?? "", on: date, actor: actor.name) }
            Console.line("closed referral \(id.reference) as lost on \(date)")
        }
    }

    struct Close: AsyncParsableCommand {
        static let configuration = CommandConfiguration(abstract: "Record the won sale of an approved referral and its fee.")

        @Argument(help: "The referral: REG-12 as register printed it (or 12).") var referral: ReferralArgument
        @Option(help: "The SKU sold.") var sku: String
        @Option(help: "Seats in the closed sale.") var seats: Int64
        @Option(help: "The close date: its price is the one that counts.") var on: BusinessDate
        @Option(help: "Who fulfilled the sale: a partner's code, or DIRECT.") var fulfiller: String?
        @OptionGroup var actor: ActorOption
        @OptionGroup var database: DatabaseOptions

        func run() async throws {
            let id = referral.id
            let outcome = try await database.perform {
                try await $0.closeReferral(id, sku: SKU(sku), seats: seats, on: on, fulfiller: fulfiller, actor: actor.name, today: Today.date)
            }
            Console.line(
                "closed referral \(id.reference) as won on \(on): fee \(outcome.fee.amount) for \(outcome.partner.rawValue), on its \(outcome.quarter) statement")
            outcome.fee.explanation.lines.forEach { Console.line("  " + $0) }
        }
    }

    struct List: AsyncParsableCommand {
        static let configuration = CommandConfiguration(abstract: "List referrals with their status on a date (default today), newest first.")

        @Option(help: "Only this partner's referrals.") var partner: String?
        @Option(help: "Only referrals in this status (\(ReferralStatus.allCases.map(\.rawValue).joined(separator: ", "))).")
        var status: ReferralStatus?
        @Option(help: "Only referrals registered in this quarter.") var quarter: Quarter?
        @Option(name: .customLong("as-of"), help: "The date statuses are taken on (default today).") var asOf: BusinessDate?
        @Option(help: "csv, json or table.") var format: ReportFormat = .table
        @OptionGroup var database: DatabaseOptions

        func run() async throws {
            let date = asOf ?? Today.date
            let rows = try await database.perform {
                try await $0.referrals(partner: partner.map { PartnerCode($0) }, status: status, quarter: quarter, asOf: date)
            }
            let report = Report(
                columns: ["id", "partner", "customer", "status", "registered_on", "expires_on", "fulfiller"],
                rows: rows.map {
                    [$0.id.reference, $0.partner.rawValue, $0.customer, $0.status.rawValue, $0.registeredOn.description,
                     $0.expiresOn?.description ?? "", $0.fulfiller ?? ""]
                })
            try report.print(format) { try jsonText(rows.map(ReferralJSON.init)) }
        }
    }

    struct Show: AsyncParsableCommand {
        static let configuration = CommandConfiguration(abstract: "Show one referral, with duplicates refused against it.")

        @Argument(help: "The referral: REG-12 as register printed it (or 12).") var referral: ReferralArgument
        @Option(name: .customLong("as-of"), help: "The date its status is taken on (default today).") var asOf: BusinessDate?
        @OptionGroup var database: DatabaseOptions

        func run() async throws {
            let view = try await database.perform { try await $0.referral(referral.id, asOf: asOf ?? Today.date) }
            var rows: [(String, String)] = [
                ("referral", view.id.reference), ("partner", view.partner.rawValue), ("customer", view.customer),
                ("abn", view.abn ?? ""), ("domain", view.domain ?? ""), ("contact", view.contact),
                ("expected seats", view.expectedSeats.map(String.init) ?? ""), ("sku", view.sku ?? ""), ("notes", view.notes),
                ("status", view.status.rawValue), ("registered", "\(view.registeredOn) by \(view.registeredBy)"),
            ]
            if let approved = view.approvedOn { rows.append(("approved", "\(approved), expires \(view.expiresOn!)")) }
            if let fulfiller = view.fulfiller { rows.append(("fulfiller", fulfiller)) }
            if let ended = view.endedOn { rows.append(("ended", "\(ended)\(view.reason.isEmpty ? "" : ": \(view.reason)")")) }
            for duplicate in view.refusedDuplicates { rows.append(("refused duplicate", "\(duplicate.partner.rawValue) on \(duplicate.on)")) }
            alignedRows(rows).forEach { Console.line($0) }
        }
    }
}

extension ReferralStatus: ExpressibleByArgument {}

/// A referral named on the command line as `register` printed it (`REG-12`), or by its number (`12`).
struct ReferralArgument: ExpressibleByArgument {
    let id: ReferralID

    init?(argument: String) {
        guard let id = ReferralID(reference: argument) else { return nil }
        self.id = id
    }
}

/// A referral in JSON.
struct ReferralJSON: Encodable {
    let id: Int64
    /// The id as people see it: `REG-12`.
    let reference: String
    let partner, customer, status, registered_on: String
    let abn, domain, sku, approved_on, expires_on, fulfiller, ended_on: String?
    let expected_seats: Int64?
    let reason: String

    init(_ view: ReferralView) {
        id = view.id.rawValue
        reference = view.id.reference
        partner = view.partner.rawValue
        customer = view.customer
        status = view.status.rawValue
        registered_on = view.registeredOn.description
        abn = view.abn
        domain = view.domain
        sku = view.sku
        approved_on = view.approvedOn?.description
        expires_on = view.expiresOn?.description
        fulfiller = view.fulfiller
        ended_on = view.endedOn?.description
        expected_seats = view.expectedSeats
        reason = view.reason
    }
}
