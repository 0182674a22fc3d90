import ArgumentParser

/// `channelbook`: the one executable. Each subcommand lives in the folder named after it.
public struct ChannelbookCommand: ParsableCommand {
    public static let configuration = CommandConfiguration(
        commandName: "channelbook",
        abstract: "The system of record for a vendor's two-tier sales channel.",
        discussion: """
            The article's program is built in; --program FILE replaces it with a TOML program file.
            Amounts are decimal strings in the program's currency (30000.00), never floating-point numbers.
            """,
        subcommands: [ProgramCommand.self, QuoteCommand.self]
    )

    public init() {}
}
