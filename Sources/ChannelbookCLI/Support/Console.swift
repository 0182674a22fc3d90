import Foundation

/// Where commands write: standard output and standard error, replaceable in tests.
public struct Console: Sendable {
    public var writeOut: @Sendable (String) -> Void
    public var writeError: @Sendable (String) -> Void
    /// Reads one line of standard input (`--password-stdin`); `nil` at its end.
    public var readLine: @Sendable () -> String?
    /// Whether standard error is a terminal a person watches: only then do long commands draw their progress there.
    public var errorIsTerminal: Bool

    public init(
        writeOut: @escaping @Sendable (String) -> Void, writeError: @escaping @Sendable (String) -> Void,
        readLine: @escaping @Sendable () -> String? = { Swift.readLine(strippingNewline: true) }, errorIsTerminal: Bool = false
    ) {
        self.writeOut = writeOut
        self.writeError = writeError
        self.readLine = readLine
        self.errorIsTerminal = errorIsTerminal
    }

    /// The process's own stdout and stderr.
    public static let standard = Console(
        writeOut: { FileHandle.standardOutput.write(Data($0.utf8)) },
        writeError: { FileHandle.standardError.write(Data($0.utf8)) }, errorIsTerminal: isatty(STDERR_FILENO) != 0)

    /// The console commands write to; tests bind their own with `Console.$current.withValue`.
    @TaskLocal public static var current = Console.standard

    /// Writes a line to standard output.
    static func line(_ text: String = "") { current.writeOut(text + "\n") }

    /// Writes a line to standard error.
    static func errorLine(_ text: String) { current.writeError(text + "\n") }
}
