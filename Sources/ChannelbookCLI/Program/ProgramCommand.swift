import ArgumentParser
import ChannelbookCore

/// `channelbook program show|check`: read and validate program files.
struct ProgramCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "program",
        abstract: "Show the program in force, or check a program file.",
        subcommands: [Show.self, Check.self]
    )

    struct Show: ParsableCommand {
        static let configuration = CommandConfiguration(abstract: "Print the program readably: tiers, rates, settings.")

        @OptionGroup var program: ProgramOptions

        func run() throws {
            let program = try program.load()
            for (index, section) in program.summary.enumerated() {
                if index > 0 { Console.line() }
                Console.line(section.title)
                let rows = section.rows.flatMap { row in row.lines.enumerated().map { ($0.offset == 0 ? row.label : "", $0.element) } }
                alignedRows(rows, indent: "  ").forEach { Console.line($0) }
            }
        }
    }

    struct Check: ParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "Validate a program file: exit 0 when valid, else print every problem with its TOML path and exit 1.")

        @Argument(help: "The TOML program file.", completion: .file())
        var file: String

        func run() throws {
            let program = try loadProgramFile(file)
            Console.line("\(file): ok: \(program.versionLabel), \(program.currency.code)")
        }
    }
}
