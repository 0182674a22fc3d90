import ArgumentParser
import ChannelbookStore

/// `channelbook`: the one executable. Each subcommand lives in the folder named after it.
@available(macOS 10.15, macCatalyst 13, iOS 13, tvOS 13, watchOS 6, *)
public struct ChannelbookCommand: AsyncParsableCommand {
    public static let configuration = CommandConfiguration(
        commandName: "channelbook",
        abstract: "The system of record for a vendor's two-tier sales channel.",
        discussion: """
            The article's program is built in; --program FILE replaces it with a TOML program file.
            Amounts are decimal strings in the program's currency (30000.00), never floating-point numbers.
            """,
        subcommands: [
            InitCommand.self, ImportCommand.self, CloseCommand.self, RebatesCommand.self, ReferralFeesCommand.self, ExceptionsCommand.self,
            StatementsCommand.self, ApproveCommand.self, PayoutsCommand.self, ExplainCommand.self, AuditCommand.self, WhatIfCommand.self, NearTierCommand.self, EnablementCommand.self, ServeCommand.self, ConfigCommand.self, BackupCommand.self, CheckCommand.self, DemoCommand.self,
            MDFCommand.self, RenewalsCommand.self, MatchingCommand.self, ReferralCommand.self, UserCommand.self, TokenCommand.self, PartnerCommand.self, ProgramCommand.self, QuoteCommand.self, GenerateCommand.self, ReportCommand.self, WebhookCommand.self,
        ]
    )

    public init() {}
}

extension ChannelbookCommand {
    /// Parses `arguments` (the process's own when `nil`) and runs the chosen command, synchronous or not.
    /// Spelled out because `main()` from another module resolves to ParsableCommand's synchronous entry point.
    public static func runCommand(_ arguments: [String]? = nil) async throws {
        var command = try await asyncParseAsRoot(arguments)
        if var asyncCommand = command as? any AsyncParsableCommand {
            try await asyncCommand.run()
        } else {
            try command.run()
        }
    }

    /// The executable's entry point: runs the command line and exits with its status.
    public static func runAsMain() async {
        do { try await runCommand() } catch { exit(withError: error) }
    }
}
