import ChannelbookCore
import Foundation
import Testing

/// `channelbook mdf …` from allocation to payment, on both databases (PRODUCT.md section 6).
@Suite struct MDFCommandTests {
    @Test(arguments: CLIDatabase.available)
    func fromAllocationToAPaidStatementLine(database: CLIDatabase) async throws {
        let db = try await database.freshFlags()
        let folder = try LedgerCommandTests().write([
            "partners.csv": LedgerCommandTests.partners, "pricebook.csv": LedgerCommandTests.pricebook, "sales.csv": LedgerCommandTests.sales,
            "flyer.pdf": "%PDF-1.4\nflyer\n", "notes.txt": "not a proof",
        ])
        func path(_ name: String) -> String { folder.appendingPathComponent(name).path }
        _ = await channelbook(["init", "--actor", "admin"] + db)
        for kind in ["partners", "pricebook", "sales"] { _ = await channelbook(["import", kind, path("\(kind).csv"), "--actor", "admin"] + db) }

        let allocated = await channelbook(["mdf", "allocate", "2026Q1", "--actor", "admin"] + db)
        #expect(allocated.stdout.hasPrefix("2\n"), "\(allocated.stderr)")  // P01 (premier) and A01 (associate)
        #expect(await channelbook(["mdf", "allocate", "2026Q1"] + db).stdout.hasPrefix("0\n"))

        let request = await channelbook(
            ["mdf", "request", "--partner", "P01", "--activity", "Roadshow, Perth", "--kind", "event", "--planned-cost", "6000.00", "--amount", "3000.00",
             "--starts", "2026-02-01", "--ends", "2026-02-03", "--on", "2026-01-10", "--actor", "ann@p01.example"] + db)
        #expect(request.exitCode == 0, "\(request.stderr)")
        let id = String(request.stdout.split(separator: "\n")[0])
        let tooMuch = await channelbook(
            ["mdf", "request", "--partner", "P01", "--activity", "Big", "--kind", "campaign", "--planned-cost", "20000.00", "--amount", "5000.01",
             "--starts", "2026-02-01", "--ends", "2026-02-03", "--on", "2026-01-11"] + db)
        #expect(tooMuch.exitCode == 1)
        #expect(tooMuch.stderr == "Error: $5,000.01 is more than the $5,000.00 of MDF available on 2026-01-11\n")

        let approved = await channelbook(["mdf", "approve", id, "--amount", "2500.00", "--on", "2026-01-12", "--actor", "admin"] + db)
        #expect(approved.stdout == "approved MDF request \(id) on 2026-01-12: 2500.00 reserved; claim by 2026-04-04\n", "\(approved.stderr)")
        let noProof = await channelbook(["mdf", "claim", id, "--actual-cost", "5000.00", "--amount", "2500.00", "--proof", path("notes.txt"), "--on", "2026-02-05"] + db)
        #expect(noProof.stderr == "Error: proof file 'notes.txt' is not a PDF, PNG or JPEG file\n")
        let claimed = await channelbook(["mdf", "claim", id, "--actual-cost", "5000.00", "--amount", "2400.00", "--proof", path("flyer.pdf"), "--on", "2026-02-05"] + db)
        #expect(claimed.exitCode == 0, "\(claimed.stderr)")
        let accepted = await channelbook(["mdf", "accept-claim", id, "--on", "2026-02-20", "--actor", "admin"] + db)
        #expect(accepted.stdout.hasPrefix("accepted 2400.00 of MDF request \(id) on 2026-02-20"), "\(accepted.stderr)")

        let requests = await channelbook(["mdf", "requests", "--as-of", "2026-02-20"] + db)
        #expect(requests.stdout == "id,partner,activity,kind,requested,approved,claimed,accepted,status\n\(id),P01,\"Roadshow, Perth\",event,3000.00,2500.00,2400.00,2400.00,accepted\n")
        let balance = await channelbook(["mdf", "balance", "--as-of", "2026-02-20"] + db)
        #expect(balance.stdout == """
            partner,allocated,expired,reserved,payable,paid,available
            A01,2000.00,0.00,0.00,0.00,0.00,2000.00
            P01,5000.00,0.00,0.00,2400.00,0.00,2600.00

            """)
        // 2026Q1's allocation expires on 2026-07-01.
        let expired = await channelbook(["mdf", "balance", "--partner", "P01", "--as-of", "2026-07-01"] + db)
        #expect(expired.stdout.hasSuffix("P01,5000.00,2600.00,0.00,2400.00,0.00,0.00\n"))
        let ledger = await channelbook(["mdf", "ledger", "--partner", "P01", "--as-of", "2026-07-01"] + db)
        #expect(ledger.stdout == """
            date,entry,request_id,amount
            2026-01-01,allocated,,5000.00
            2026-01-12,reserved,\(id),2500.00
            2026-02-05,released,\(id),100.00
            2026-02-20,payable,\(id),2400.00
            2026-07-01,expired,,2600.00

            """)

        let closed = await channelbook(["close", "2026Q1", "--actor", "admin"] + db)
        #expect(closed.stdout.contains(", 1 MDF claim totalling 2400.00 AUD; "), "\(closed.stdout)")
        let explained = await channelbook(["explain", "P01", "2026Q1"] + db)
        #expect(explained.stdout.contains("MDF request \(id): Roadshow, Perth (event, 2026-02-01 to 2026-02-03)"), "\(explained.stdout)\(explained.stderr)")
        _ = await channelbook(["approve", "2026Q1", "--actor", "finance"] + db)
        let paid = await channelbook(["mdf", "requests", "--partner", "P01", "--format", "json"] + db)
        #expect(paid.stdout.contains("\"status\" : \"paid\""), "\(paid.stdout)")
    }
}
