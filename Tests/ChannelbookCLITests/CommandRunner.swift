import Foundation
import Synchronization

@testable import ChannelbookCLI

/// What a `channelbook` invocation printed and how it exited.
struct CommandOutput {
    var stdout = ""
    var stderr = ""
    var exitCode: Int32 = 0

    var stdoutLines: [String] { stdout.split(separator: "\n", omittingEmptySubsequences: false).map(String.init) }
    var stderrLines: [String] { stderr.split(separator: "\n").map(String.init) }
}

/// Runs `channelbook ARGS` in-process, capturing its output and exit code exactly as `main()` would report them.
func channelbook(_ arguments: String...) async -> CommandOutput { await channelbook(arguments) }

func channelbook(_ arguments: [String]) async -> CommandOutput {
    let captured = Mutex(CommandOutput())
    let console = Console(
        writeOut: { text in captured.withLock { $0.stdout += text } },
        writeError: { text in captured.withLock { $0.stderr += text } })
    await Console.$current.withValue(console) {
        do {
            try await ChannelbookCommand.runCommand(arguments)
        } catch {
            let code = ChannelbookCommand.exitCode(for: error).rawValue
            let message = ChannelbookCommand.fullMessage(for: error)
            captured.withLock {
                $0.exitCode = code
                if !message.isEmpty { $0.stderr += message + "\n" }
            }
        }
    }
    return captured.withLock { $0 }
}

/// A file in a fresh temporary folder holding `text`.
func temporaryFile(named name: String, containing text: String) throws -> String {
    let folder = FileManager.default.temporaryDirectory.appendingPathComponent("channelbook-tests-\(UUID().uuidString)")
    try FileManager.default.createDirectory(at: folder, withIntermediateDirectories: true)
    let file = folder.appendingPathComponent(name)
    try text.write(to: file, atomically: true, encoding: .utf8)
    return file.path
}
