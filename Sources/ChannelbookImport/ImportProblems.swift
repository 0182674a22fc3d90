/// One problem in an import file: `FILE:LINE: field: problem`.
public struct ImportProblem: Hashable, Sendable, CustomStringConvertible {
    public let file: String
    public let line: Int
    public let field: String
    public let message: String

    public var description: String { field.isEmpty ? "\(file):\(line): \(message)" : "\(file):\(line): \(field): \(message)" }
}

/// Every problem found in one import file. The first `keptInFull` are kept whole; the rest are counted,
/// so a file with a million bad lines reports quickly in bounded memory.
public struct ImportProblems: Error, Sendable, CustomStringConvertible {
    public static let keptInFull = 100

    public let file: String
    public private(set) var first: [ImportProblem] = []
    public private(set) var count = 0

    public init(file: String) { self.file = file }

    public var isEmpty: Bool { count == 0 }

    public mutating func add(line: Int, field: String, _ message: String) {
        count += 1
        if first.count < Self.keptInFull { first.append(ImportProblem(file: file, line: line, field: field, message: message)) }
    }

    /// Adds another list's problems: kept in full while room remains, counted after.
    public mutating func merge(_ other: ImportProblems) {
        for problem in other.first { add(line: problem.line, field: problem.field, problem.message) }
        count += other.count - other.first.count
    }

    /// Counts problems that are not described one by one (beyond what a report shows).
    public mutating func addCounted(_ number: Int) { count += max(0, number) }

    public mutating func add(_ csvError: CSVError) {
        add(line: csvError.line, field: "", csvError.message)
    }

    /// The report: one line per kept problem, then how many more there were, then the verdict.
    public var lines: [String] {
        var lines = first.map(\.description)
        if count > first.count { lines.append("… and \(count - first.count) more problems") }
        lines.append("\(file): \(count) problem\(count == 1 ? "" : "s"); nothing was imported")
        return lines
    }

    public var description: String { lines.joined(separator: "\n") }
}
