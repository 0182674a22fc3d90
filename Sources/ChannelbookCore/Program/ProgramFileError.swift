/// One thing wrong in a program file, at its TOML path (`rebate.tiers[1].from`).
public struct ProgramProblem: Hashable, Sendable, CustomStringConvertible {
    public let path: String
    public let message: String

    public init(path: String, message: String) {
        self.path = path
        self.message = message
    }

    /// `rebate.tiers[1].from: must be greater than ...`.
    public var description: String { path.isEmpty ? message : "\(path): \(message)" }
}

/// Why a program file was refused: a TOML syntax error, or every problem validation found.
public enum ProgramFileError: Error, Equatable, Sendable, CustomStringConvertible {
    case syntax(line: Int, column: Int, message: String)
    case invalid([ProgramProblem])

    /// Each problem on a line of its own, in the order of the file's sections.
    public var lines: [String] {
        switch self {
        case let .syntax(line, column, message): return ["line \(line), column \(column): TOML syntax: \(message)"]
        case let .invalid(problems): return problems.map(\.description)
        }
    }

    public var description: String { lines.joined(separator: "\n") }
}
