import ArgumentParser
import ChannelbookCore
import ChannelbookStore
import Foundation

/// `channelbook statements QUARTER`: the quarter's statements and their totals.
struct StatementsCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "statements", abstract: "List a quarter's statements: reference, partner, status, total, lines.")

    @Argument(help: "The quarter, such as 2026Q1.") var quarter: Quarter
    @Option(help: "Only statements in this status (draft, approved, paid, void).") var status: StatementStatus?
    @Option(help: "Only this partner's statement.") var partner: String?
    @Option(help: "csv, json or table.") var format: ReportFormat = .table
    @OptionGroup var database: DatabaseOptions

    func run() async throws {
        let views = try await database.perform { try await $0.statements(for: quarter, status: status, partner: partner.map { PartnerCode(rawValue: $0) }) }
        let report = Report(
            columns: ["reference", "partner", "quarter", "status", "total", "lines"],
            rows: views.map { [$0.reference, $0.partner.rawValue, $0.quarter.description, $0.status.rawValue, $0.total.decimalString, String($0.lines.count)] })
        try report.print(format) { try jsonText(views.map(StatementJSON.init)) }
    }
}

/// `channelbook approve QUARTER [--partner CODE]`.
struct ApproveCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "approve", abstract: "Approve a quarter's draft statements (or one partner's). Approved figures are never edited.")

    @Argument(help: "The quarter, such as 2026Q1.") var quarter: Quarter
    @Option(help: "Only this partner's statement.") var partner: String?
    @OptionGroup var actor: ActorOption
    @OptionGroup var database: DatabaseOptions

    func run() async throws {
        let approved = try await database.perform {
            try await $0.approveStatements(quarter, partner: partner.map { PartnerCode(rawValue: $0) }, actor: actor.name)
        }
        let total = try Money.sum(approved.map(\.total), currency: approved.first?.total.currency ?? .aud)
        Console.line("approved \(approved.count) statement\(approved.count == 1 ? "" : "s") of \(quarter) totalling \(total)")
    }
}

/// `channelbook payouts export|mark-paid QUARTER`.
struct PayoutsCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "payouts", abstract: "Export approved statements for accounts payable, and mark them paid.",
        subcommands: [Export.self, MarkPaid.self])

    struct Export: AsyncParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "Write the quarter's payable statements as CSV: partner,abn,amount,statement_reference. Negative totals carry forward instead.",
            discussion: """
                The file is written to a temporary name, synced and renamed, and only then audited. A cell starting with =, +, -, @, \
                tab or CR that is not a plain number is prefixed with ' so a spreadsheet shows it as text instead of running it.
                """)

        @Argument(help: "The quarter, such as 2026Q1.") var quarter: Quarter
        @Option(help: "The CSV file to write.", completion: .file()) var out: String
        @OptionGroup var actor: ActorOption
        @OptionGroup var database: DatabaseOptions

        func run() async throws {
            // The file is written durably (temporary name, fsync, rename) before the export is audited.
            let rows = try await database.perform {
                try await $0.payouts(for: quarter, actor: actor.name, file: out) { rows in
                    do {
                        try DurableFile.write(Array(PayoutRow.csv(rows).utf8), to: out)
                    } catch {
                        throw CLIError("cannot write the payout file \(error)")
                    }
                }
            }
            let total = try Money.sum(rows.map(\.amount), currency: rows.first?.amount.currency ?? .aud)
            Console.line("wrote \(rows.count) payout\(rows.count == 1 ? "" : "s") totalling \(total) to \(out)")
        }
    }

    struct MarkPaid: AsyncParsableCommand {
        static let configuration = CommandConfiguration(
            commandName: "mark-paid", abstract: "Mark the quarter's approved statements paid under a payment reference.")

        @Argument(help: "The quarter, such as 2026Q1.") var quarter: Quarter
        @Option(help: "The payment run's reference (from the accounts-payable system).") var reference: String
        @OptionGroup var actor: ActorOption
        @OptionGroup var database: DatabaseOptions

        func run() async throws {
            let paid = try await database.perform { try await $0.markPaid(quarter, reference: reference, actor: actor.name) }
            Console.line("marked \(paid.count) statement\(paid.count == 1 ? "" : "s") of \(quarter) paid as \(reference)")
        }
    }
}

/// `channelbook explain PARTNER QUARTER`: every line of a statement with how it was computed.
struct ExplainCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "explain", abstract: "Print a partner's statement for a quarter, every line with how it was computed.")

    @Argument(help: "The partner's code.") var partner: String
    @Argument(help: "The quarter, such as 2026Q1.") var quarter: Quarter
    @OptionGroup var database: DatabaseOptions

    func run() async throws {
        let statement = try await database.perform { try await $0.statement(partner: PartnerCode(rawValue: partner), quarter: quarter) }
        Console.line("statement \(statement.reference): \(statement.partner.rawValue) \(statement.partnerName), \(statement.quarter), \(statement.status.rawValue)")
        if let reference = statement.paymentReference { Console.line("paid as \(reference)") }
        for (index, line) in statement.lines.enumerated() {
            Console.line()
            Console.line("\(index + 1). \(line.kind.rawValue): \(line.amount) — \(line.description)")
            line.explanation.forEach { Console.line("     " + $0) }
        }
        Console.line()
        Console.line("total: \(statement.total)")
    }
}

/// `channelbook audit [--since DATE] [--partner CODE]`.
struct AuditCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "audit", abstract: "List the audit log: who changed what and when, for every money-affecting action.")

    @Option(help: "From this date (UTC) on.") var since: BusinessDate?
    @Option(help: "Only actions on this partner.") var partner: String?
    @Option(help: "csv, json or table.") var format: ReportFormat = .table
    @OptionGroup var database: DatabaseOptions

    func run() async throws {
        let entries = try await database.perform { try await $0.auditLog(since: since, partner: partner.map { PartnerCode(rawValue: $0) }) }
        let report = Report(
            columns: ["at", "actor", "action", "partner", "subject", "before", "after"],
            rows: entries.map { [$0.timestamp, $0.actor, $0.action, $0.partner?.rawValue ?? "", $0.subject, $0.before, $0.after] })
        try report.print(format) { try jsonText(entries.map(AuditJSON.init)) }
    }

    struct AuditJSON: Encodable {
        let at, actor, action, subject, before, after: String
        let partner: String?

        init(_ entry: AuditEntry) {
            at = entry.timestamp
            actor = entry.actor
            action = entry.action
            subject = entry.subject
            before = entry.before
            after = entry.after
            partner = entry.partner?.rawValue
        }
    }
}

extension StatementStatus: ExpressibleByArgument {}

/// A statement in JSON: money as decimal strings, every line with its explanation.
struct StatementJSON: Encodable {
    let reference, partner, quarter, status, total, currency: String
    let lines: [Line]

    struct Line: Encodable {
        let kind, for_quarter, amount, description: String
        let explanation: [String]
    }

    init(_ view: StatementView) {
        reference = view.reference
        partner = view.partner.rawValue
        quarter = view.quarter.description
        status = view.status.rawValue
        total = view.total.decimalString
        currency = view.total.currency.code
        lines = view.lines.map {
            Line(kind: $0.kind.rawValue, for_quarter: $0.forQuarter.description, amount: $0.amount.decimalString, description: $0.description, explanation: $0.explanation)
        }
    }
}
