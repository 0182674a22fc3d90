import ArgumentParser
import ChannelbookCore
import Foundation

/// `channelbook generate`: sample data in the import formats, for demos and benchmarks.
struct GenerateCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "generate",
        abstract: "Write a realistic, deterministic data set (partners, pricebook, sales, referrals CSV) into a folder.")

    @Option(help: "Partners, the three distributors included (at least 20).")
    var partners = 200

    @Option(help: "Sales lines.")
    var lines = 10_000

    @Option(help: "The folder to write into (created if missing).", completion: .directory)
    var out: String

    @Option(help: "Comma-separated quarters the sales are dated in.")
    var quarters = "2026Q1,2026Q2"

    @Option(help: "Seed: the same seed and options give byte-identical files.")
    var seed: UInt64 = 20_260_101

    func validate() throws {
        if partners < 20 { throw ValidationError("--partners: at least 20 (3 distributors and their resellers)") }
        if lines < 1 || lines > 1_000_000_000 { throw ValidationError("--lines: 1 to 1000000000") }
    }

    func run() throws {
        let parsed = try quarters.split(separator: ",").map { text in
            do { return try Quarter.parse(String(text)) } catch { throw ValidationError("--quarters: \(error)") }
        }.sorted()
        guard !parsed.isEmpty else { throw ValidationError("--quarters: name at least one quarter") }
        let generator = SampleDataGenerator(partners: partners, lines: lines, quarters: parsed, seed: seed)
        try generator.write(to: URL(fileURLWithPath: out))
        Console.line("wrote \(partners) partners, \(lines) sales lines and \(max(20, partners / 10)) referrals to \(out)")
    }
}
