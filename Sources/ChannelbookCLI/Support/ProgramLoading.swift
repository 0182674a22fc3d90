import ArgumentParser
import ChannelbookCore
import Foundation

/// `--program FILE`: the program file replacing the built-in article program.
struct ProgramOptions: ParsableArguments {
    @Option(name: .customLong("program"), help: "A TOML program file replacing the built-in program.", completion: .file())
    var path: String?

    /// The program in force: the file's, or the article's when no file is given.
    func load() throws -> Program { try loadSource().program }

    /// The program and the TOML text it was read from (the text is what a database stores).
    func loadSource() throws -> (program: Program, toml: String) {
        guard let path else { return (Program.article, Program.articleTOML) }
        let text = try readProgramText(path)
        return (try parseProgram(text, path: path), text)
    }
}

/// Reads and validates a program file; every problem becomes a `FILE: path: message` line.
func loadProgramFile(_ path: String) throws -> Program {
    try parseProgram(try readProgramText(path), path: path)
}

/// The text of a program file, refused when missing, too large or not UTF-8.
func readProgramText(_ path: String) throws -> String {
    let url = URL(fileURLWithPath: path)
    let attributes: [FileAttributeKey: Any]
    do { attributes = try FileManager.default.attributesOfItem(atPath: path) } catch {
        throw CLIError("\(path): cannot read the program file: no such file")
    }
    if let size = attributes[.size] as? Int, size > ProgramFile.maximumBytes {
        throw CLIError("\(path): the program file is larger than \(ProgramFile.maximumBytes / 1024) KiB")
    }
    guard let data = try? Data(contentsOf: url) else { throw CLIError("\(path): cannot read the program file") }
    guard let text = String(data: data, encoding: .utf8) else { throw CLIError("\(path): the program file is not UTF-8 text") }
    return text
}

func parseProgram(_ text: String, path: String) throws -> Program {
    do {
        return try ProgramFile.parse(text)
    } catch let .syntax(line, column, message) {
        throw CLIError("\(path):\(line):\(column): TOML syntax: \(message)")
    } catch let .invalid(problems) {
        throw CLIError(lines: problems.map { "\(path): \($0)" })
    }
}
