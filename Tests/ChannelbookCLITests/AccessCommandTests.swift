import Foundation
import Synchronization
import Testing

@testable import ChannelbookCLI

@Suite struct AccessCommandTests {
    /// Runs a command with `input` as its standard input.
    func channelbook(_ arguments: [String], input: String) async -> CommandOutput {
        let lines = Mutex(input.split(separator: "\n").map(String.init))
        let captured = Mutex(CommandOutput())
        let console = Console(
            writeOut: { text in captured.withLock { $0.stdout += text } }, writeError: { text in captured.withLock { $0.stderr += text } },
            readLine: { lines.withLock { $0.isEmpty ? nil : $0.removeFirst() } })
        await Console.$current.withValue(console) {
            do { try await ChannelbookCommand.runCommand(arguments) } catch {
                let message = ChannelbookCommand.fullMessage(for: error)
                captured.withLock {
                    $0.exitCode = ChannelbookCommand.exitCode(for: error).rawValue
                    $0.stderr += message + "\n"
                }
            }
        }
        return captured.withLock { $0 }
    }

    @Test func usersAndTokensFromTheCommandLine() async throws {
        let db = try await ReferralCommandTests().prepared(.sqlite)
        let added = await channelbook(["user", "add", "jo@p01.example", "--role", "partner", "--partner", "P01", "--password-stdin"] + db, input: "a long enough secret\n")
        #expect(added.stdout == "created partner login jo@p01.example for partner P01\n", "\(added.stderr)")
        let generated = await channelbook(["user", "add", "boss@vendor.example", "--role", "admin"] + db, input: "")
        #expect(generated.stdoutLines[1].hasPrefix("password: ") && generated.stdoutLines[1].count == 30)
        let refused = await channelbook(["user", "add", "x@vendor.example", "--role", "partner", "--password-stdin"] + db, input: "a long enough secret\n")
        #expect(refused.stderr == "Error: a partner login needs --partner CODE: it sees only that partner's data\n")

        let token = await channelbook(["token", "create", "jo@p01.example", "--name", "erp"] + db, input: "")
        #expect(token.stdoutLines.count == 2 && token.stdoutLines[0].hasPrefix("cb_") && token.stdoutLines[1].isEmpty)
        #expect(token.stderr.hasPrefix("token 1 created for jo@p01.example"))
        let revoke = await channelbook(["token", "revoke", "1"] + db, input: "")
        #expect(revoke.stdout == "revoked token 1\n")
        let unknown = await channelbook(["token", "revoke", "42"] + db, input: "")
        #expect(unknown.stderr == "Error: no API token has the id 42\n")
    }
}

/// `channelbook webhook add|list|remove|attempts`: the id and secret printed once, every refusal named.
@Suite struct WebhookCommandTests {
    @Test func endpointsAreAddedListedAndRemovedFromTheCommandLine() async throws {
        let db = try await ReferralCommandTests().prepared(.sqlite)
        let added = await channelbook(["webhook", "add", "https://erp.example/hook", "--events", "statement.approved,referral.won"] + db)
        #expect(added.stdoutLines.first == "webhook 1: https://erp.example/hook for statement.approved,referral.won", "\(added.stderr)")
        #expect(added.stderrLines.isEmpty && added.stdoutLines.count == 3 && added.stdoutLines[1].hasPrefix("secret: whsec_") && added.stdoutLines[1].count == 78)
        let all = await channelbook(["webhook", "add", "http://127.0.0.1:9/in"] + db)
        #expect(all.stdoutLines.first == "webhook 2: http://127.0.0.1:9/in for every event")
        let unknown = await channelbook(["webhook", "add", "https://x.example/", "--events", "statement.aproved"] + db)
        #expect(unknown.stderr.hasPrefix("Error: unknown event 'statement.aproved': use statement.approved, statement.paid"), "\(unknown.stderr)")
        #expect(await channelbook(["webhook", "add", "file:///etc/passwd"] + db).stderr == "Error: 'file:///etc/passwd' is not an http:// or https:// URL with a host\n")

        let listed = await channelbook(["webhook", "list"] + db)
        #expect(listed.stdout.split(separator: "\n").map(String.init) == [
            "1\thttps://erp.example/hook\tstatement.approved,referral.won\t0 pending, 0 delivered, 0 failed",
            "2\thttp://127.0.0.1:9/in\tevery event\t0 pending, 0 delivered, 0 failed",
        ])
        #expect(await channelbook(["webhook", "remove", "1"] + db).stdout == "removed webhook 1\n")
        #expect(await channelbook(["webhook", "remove", "1"] + db).stderr == "Error: no webhook endpoint has the id 1\n")
        #expect(await channelbook(["webhook", "list"] + db).stdout.split(separator: "\n").count == 1)
        #expect(await channelbook(["webhook", "list", "--all"] + db).stdout.split(separator: "\n").first?.hasSuffix("\tremoved") == true)
        #expect(await channelbook(["webhook", "attempts"] + db).stdout == "")
    }
}
