import ChannelbookCore
import Foundation
import Testing

@Suite struct ProgramCommandTests {
    @Test func showPrintsTheBuiltInProgram() async {
        let output = await channelbook("program", "show")
        #expect(output.exitCode == 0)
        #expect(output.stdoutLines.first == "Australian channel program (effective 2005-01-01)")
        for line in [
            "  tiers           under 30000.00 AUD: nothing",
            "                  30000.00 AUD to under 50000.00 AUD: 5% (500 bps)",
            "                  50000.00 AUD to under 100000.00 AUD: 7.5% (750 bps)",
            "                  100000.00 AUD and over: 10% (1000 bps)",
            "  tiers            under 250 seats: nothing",
            "                   250 to 500 seats: 5% (500 bps)",
            "                   501 seats and over: 10% (1000 bps)",
        ] {
            #expect(output.stdoutLines.contains(line), "\(line)")
        }
    }

    @Test func checkAcceptsTheShippedProgram() async throws {
        let file = try temporaryFile(named: "default.toml", containing: Program.articleTOML)
        let output = await channelbook("program", "check", file)
        #expect(output.exitCode == 0)
        #expect(output.stdout == "\(file): ok: Australian channel program (effective 2005-01-01), AUD\n")
    }

    @Test func checkPrintsEveryProblemAndExitsOne() async throws {
        let broken = Program.articleTOML
            .replacingOccurrences(of: #"currency = "AUD""#, with: #"currency = "AUS""#)
            .replacingOccurrences(of: #"rate = "7.5%""#, with: #"rate = "-7.5%""#)
            .replacingOccurrences(of: "national_max = 10", with: "national_max = 10\nnationl_max = 5")
        let file = try temporaryFile(named: "broken.toml", containing: broken)
        let output = await channelbook("program", "check", file)
        #expect(output.exitCode == 1)
        #expect(output.stdout.isEmpty)
        #expect(
            output.stderrLines == [
                #"Error: \#(file): program.currency: 'AUS' is not an ISO 4217 currency code (such as "AUD")"#,
                "\(file): program.nationl_max: unknown key",
                "\(file): rebate.tiers[1].rate: rate '-7.5%' is negative",
            ])
    }

    @Test func checkReportsSyntaxErrorsWithTheirLine() async throws {
        let file = try temporaryFile(named: "syntax.toml", containing: "[program]\nname = \"x\"\ncurrency = AUD\n")
        let output = await channelbook("program", "check", file)
        #expect(output.exitCode == 1)
        #expect(output.stderr.hasPrefix("Error: \(file):3:"))
        #expect(output.stderr.contains("TOML syntax"))
    }

    @Test func checkRefusesFilesThatAreNotText() async throws {
        let folder = FileManager.default.temporaryDirectory.appendingPathComponent("channelbook-bin-\(UUID().uuidString).toml")
        try Data([0xFF, 0xFE, 0x00, 0x80]).write(to: folder)
        let output = await channelbook("program", "check", folder.path)
        #expect(output.exitCode == 1)
        #expect(output.stderr == "Error: \(folder.path): the program file is not UTF-8 text\n")
    }
}

@Suite struct ExecutableTests {
    /// The built `channelbook` binary, beside the test bundle in the build folder.
    static var executable: URL {
        var folder = Bundle.main.bundleURL
        while !FileManager.default.fileExists(atPath: folder.appendingPathComponent("channelbook").path) && folder.pathComponents.count > 1 {
            folder.deleteLastPathComponent()
        }
        return folder.appendingPathComponent("channelbook")
    }

    static func run(_ arguments: [String]) throws -> (status: Int32, stdout: String, stderr: String) {
        let process = Process()
        process.executableURL = executable
        process.arguments = arguments
        let out = Pipe(), err = Pipe()
        process.standardOutput = out
        process.standardError = err
        try process.run()
        let stdout = String(decoding: out.fileHandleForReading.readDataToEndOfFile(), as: UTF8.self)
        let stderr = String(decoding: err.fileHandleForReading.readDataToEndOfFile(), as: UTF8.self)
        process.waitUntilExit()
        return (process.terminationStatus, stdout, stderr)
    }

    @Test func theRealBinaryExitsNonZeroWithTheErrorOnStderr() async throws {
        let good = try Self.run(["quote", "rebate", "--tier", "premier", "--basis", "49999.50", "--format", "json"])
        #expect(good.status == 0)
        #expect(good.stdout.contains(#""amount" : "2499.98""#))
        let bad = try Self.run(["quote", "rebate", "--tier", "premier", "--basis", "12abc"])
        #expect(bad.status == 1)
        #expect(bad.stdout.isEmpty)
        #expect(bad.stderr.hasPrefix("Error: --basis: '12abc' is not an amount"))
    }
}
