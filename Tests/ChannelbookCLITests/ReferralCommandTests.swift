import ChannelbookCore
import Foundation
import Testing

@Suite struct ReferralCommandTests {
    /// A database with partners and the price book of `LedgerCommandTests`, on each available kind.
    func prepared(_ database: CLIDatabase) async throws -> [String] {
        let db = try await database.freshFlags()
        let folder = try LedgerCommandTests().write(["partners.csv": LedgerCommandTests.partners, "pricebook.csv": LedgerCommandTests.pricebook])
        _ = await channelbook(["init"] + db)
        _ = await channelbook(["import", "partners", folder.appendingPathComponent("partners.csv").path] + db)
        _ = await channelbook(["import", "pricebook", folder.appendingPathComponent("pricebook.csv").path] + db)
        return db
    }

    @Test(arguments: CLIDatabase.available)
    func theLifeOfAReferralFromTheCommandLine(database: CLIDatabase) async throws {
        let db = try await prepared(database)
        let registered = await channelbook(
            ["referral", "register", "--partner", "P01", "--customer", "Acme Mining Pty Ltd", "--domain", "acme.com.au", "--seats", "600",
             "--sku", "SW-1", "--on", "2026-01-10", "--actor", "p01-user"] + db)
        #expect(registered.exitCode == 0, "\(registered.stderr)")
        let id = try #require(registered.stdoutLines.first)
        // One id everywhere (issue 16): register prints REG-N, and the fee report, list and show say the same.
        #expect(id.hasPrefix("REG-") && Int(id.dropFirst(4)) != nil)

        let duplicate = await channelbook(["referral", "register", "--partner", "A01", "--customer", "ACME MINING LIMITED", "--domain", "other.com", "--on", "2026-01-11"] + db)
        #expect(duplicate.exitCode == 1)
        #expect(duplicate.stderr == "Error: this customer already has an open registration (registered on 2026-01-10); the first registration wins\n")

        let approved = await channelbook(["referral", "approve", id, "--fulfiller", "D01", "--on", "2026-01-12"] + db)
        #expect(approved.stdout == "approved referral \(id) on 2026-01-12; it expires on 2026-04-12 unless closed\n")

        let closed = await channelbook(["referral", "close", id, "--sku", "SW-1", "--seats", "501", "--on", "2026-03-01"] + db)
        #expect(closed.exitCode == 0, "\(closed.stderr)")
        #expect(closed.stdoutLines.first == "closed referral \(id) as won on 2026-03-01: fee 6012.00 AUD for P01, on its 2026Q1 statement")

        let list = await channelbook(["referral", "list", "--as-of", "2026-03-02", "--format", "csv"] + db)
        #expect(list.stdout == "id,partner,customer,status,registered_on,expires_on,fulfiller\n\(id),P01,Acme Mining Pty Ltd,won,2026-01-10,2026-04-12,D01\n")

        let show = await channelbook(["referral", "show", id, "--as-of", "2026-03-02"] + db)
        #expect(show.stdoutLines.contains("refused duplicate  A01 on 2026-01-11"))
        #expect(show.stdoutLines.contains("status             won"))
        #expect(show.stdoutLines.first == "referral           \(id)")
        // Its number alone still names it, as scripts written before used it.
        let byNumber = await channelbook(["referral", "show", String(id.dropFirst(4)), "--as-of", "2026-03-02"] + db)
        #expect(byNumber.stdout == show.stdout)

        _ = await channelbook(["close", "2026Q1"] + db)
        let fees = await channelbook(["referral-fees", "2026Q1"] + db)
        #expect(fees.stdout == "referral_id,partner,seats,price,rate_bps,fee\n\(id),P01,501,60120.00,1000,6012.00\n")
    }

    @Test func badInputIsAClearErrorWithANonZeroExit() async throws {
        let db = try await prepared(.sqlite)
        let noIdentifier = await channelbook(["referral", "register", "--partner", "P01", "--customer", "Acme", "--on", "2026-01-10"] + db)
        #expect(noIdentifier.exitCode == 1)
        #expect(noIdentifier.stderr == "Error: give the customer's ABN or email domain (at least one), so duplicates can be recognised\n")
        let badDate = await channelbook(["referral", "register", "--partner", "P01", "--customer", "Acme", "--domain", "a.com", "--on", "2026-02-30"] + db)
        #expect(badDate.exitCode == 64)
        let unknown = await channelbook(["referral", "approve", "4242", "--on", "2026-01-10"] + db)
        #expect(unknown.stderr == "Error: no referral has the id REG-4242\n")
        let notAnID = await channelbook(["referral", "show", "REF-1"] + db)
        #expect(notAnID.exitCode == 64)
        let badStatus = await channelbook(["referral", "list", "--status", "pending"] + db)
        #expect(badStatus.exitCode == 64)
    }
}
