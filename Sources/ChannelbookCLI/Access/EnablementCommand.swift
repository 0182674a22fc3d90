import ArgumentParser
import ChannelbookCore
import ChannelbookStore

/// `channelbook enablement record|report`: resellers' sales reps and the courses they completed.
struct EnablementCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "enablement", abstract: "Record resellers' reps and their completed courses, and report them (`import enablement FILE` loads many).",
        subcommands: [Record.self, Report.self])

    struct Record: AsyncParsableCommand {
        static let configuration = CommandConfiguration(abstract: "Record that a partner's rep completed a course on a date.")

        @Option(help: "The partner's code.") var partner: String
        @Option(help: "The rep's email (identifies the rep within the partner).") var rep: String
        @Option(help: "The rep's name.") var name = ""
        @Option(help: "The course completed.") var course: String
        @Option(help: "The date it was completed (default today).") var on: BusinessDate?
        @OptionGroup var actor: ActorOption
        @OptionGroup var database: DatabaseOptions

        func run() async throws {
            let date = on ?? Today.date
            let new = try await database.perform {
                try await $0.recordEnablement(partner: PartnerCode(rawValue: partner), repEmail: rep, repName: name, course: course, on: date, actor: actor.name)
            }
            Console.line(new ? "recorded \(rep.lowercased()) of \(partner): \(course) on \(date)" : "already recorded: \(rep.lowercased()) of \(partner): \(course) on \(date)")
        }
    }

    struct Report: AsyncParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "Every national reseller and any partner with records: partner,reps,trained_reps,courses_completed,last_completed.")

        @Option(help: "The date tiers are read on (default today).") var asOf: BusinessDate?
        @Option(help: "csv, json or table.") var format: ReportFormat = .csv
        @OptionGroup var database: DatabaseOptions

        func run() async throws {
            let rows = try await database.perform { try await $0.enablementReport(asOf: asOf ?? Today.date) }
            let report = ChannelbookCLI.Report(
                columns: ["partner", "reps", "trained_reps", "courses_completed", "last_completed"],
                rows: rows.map { [$0.partner.rawValue, String($0.reps), String($0.trainedReps), String($0.coursesCompleted), $0.lastCompleted?.description ?? ""] })
            try report.print(format) {
                try jsonText(report.rows.map { Dictionary(uniqueKeysWithValues: zip(report.columns, $0)) })
            }
        }
    }
}
