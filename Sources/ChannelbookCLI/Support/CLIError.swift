/// A command's failure, as the user will read it on stderr: what went wrong and where.
struct CLIError: Error, CustomStringConvertible, Equatable {
    let lines: [String]

    init(_ message: String) { self.lines = [message] }
    init(lines: [String]) { self.lines = lines }

    var description: String { lines.joined(separator: "\n") }
}
