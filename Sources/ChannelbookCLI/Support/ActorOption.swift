import ArgumentParser
import Foundation

/// `--actor NAME`: who the audit log records for a money-affecting command (default: the USER variable).
struct ActorOption: ParsableArguments {
    @Option(name: .customLong("actor"), help: "Who is acting, for the audit log (default: $USER).")
    var given: String?

    var name: String { actorName(given) }
}

/// Who the CLI user is: `--actor`, else the USER environment variable, else `cli`.
func actorName(_ given: String?) -> String {
    given ?? ProcessInfo.processInfo.environment["USER"].flatMap { $0.isEmpty ? nil : $0 } ?? "cli"
}
