import ChannelbookCore
import Foundation
import Testing

/// `channelbook import contracts` and `channelbook renewals …` on both databases (PRODUCT.md section 6).
@Suite struct RenewalsCommandTests {
    static let pricebook = "sku,name,category,partner_buy_price,effective_from,maintenance_months\nMT-12,Firewall with maintenance,hardware,500.00,2024-07-01,12\n"
    static let contracts = """
        contract_id,customer,reseller,source,sku,seats,starts,ends
        K-1,Harbour Dental,P01,D01,MT-12,10,2026-01-01,2026-12-31
        K-2,Big Bank,N01,DIRECT,MT-12,4,2026-02-01,2027-01-31

        """

    @Test(arguments: CLIDatabase.available)
    func contractsFlowToTheQueueThroughQuotesRenewalsAndReports(database: CLIDatabase) async throws {
        let db = try await database.freshFlags()
        let folder = try LedgerCommandTests().write([
            "partners.csv": LedgerCommandTests.partners, "pricebook.csv": Self.pricebook, "contracts.csv": Self.contracts,
            "bad.csv": "contract_id,customer,reseller,source,sku,seats,starts,ends\nK-9,Acme,Z99,D01,MT-12,1,2026-01-01,2025-12-31\n",
            "renewals.csv": "line_id,date,source,reseller,customer,sku,category,seats,amount,currency\nR-1,2026-12-20,D01,P01,HARBOUR DENTAL PTY LTD,MT-12,renewal,10,5000.00,AUD\n",
        ])
        func path(_ name: String) -> String { folder.appendingPathComponent(name).path }
        _ = await channelbook(["init", "--actor", "admin"] + db)
        for kind in ["partners", "pricebook"] { _ = await channelbook(["import", kind, path("\(kind).csv")] + db) }
        let imported = await channelbook(["import", "contracts", path("contracts.csv"), "--actor", "admin"] + db)
        #expect(imported.stdout == "imported 2 lines (2 new, 0 already present)\n", "\(imported.stderr)")
        let bad = await channelbook(["import", "contracts", path("bad.csv")] + db)
        #expect(bad.exitCode == 1)
        #expect(bad.stderr.contains("bad.csv:2: reseller: no partner has the code 'Z99'") && bad.stderr.contains("bad.csv:2: ends: 2025-12-31 is before the contract starts (2026-01-01)"))

        let queue = await channelbook(["renewals", "list", "--as-of", "2026-12-01"] + db)
        #expect(queue.stdout == """
            opportunity_id,contract_id,customer,reseller,owner,sku,seats,ends,status,days_to_end
            1,K-1,Harbour Dental,P01,D01,MT-12,10,2026-12-31,open,30
            2,K-2,Big Bank,N01,DIRECT,MT-12,4,2027-01-31,open,61

            """, "\(queue.stderr)")
        #expect(await channelbook(["renewals", "list", "--owner", "DIRECT", "--as-of", "2026-12-01"] + db).stdout.hasSuffix("2,K-2,Big Bank,N01,DIRECT,MT-12,4,2027-01-31,open,61\n"))
        #expect(await channelbook(["renewals", "list", "--due-within", "30", "--as-of", "2026-12-01"] + db).stdout.split(separator: "\n").count == 2)

        let quoted = await channelbook(["renewals", "quote", "1", "--amount", "4800.00", "--on", "2026-12-02", "--actor", "officer"] + db)
        #expect(quoted.stdout == "quoted 4800.00 for renewal opportunity 1 on 2026-12-02\n", "\(quoted.stderr)")
        let early = await channelbook(["renewals", "quote", "2", "--amount", "1.00", "--on", "2026-10-01"] + db)
        #expect(early.stderr.hasPrefix("Error: renewal opportunity 2 is not open yet"))
        let noReason = await channelbook(["renewals", "lapse", "2", "--reason", " ", "--on", "2026-12-02"] + db)
        #expect(noReason.stderr == "Error: a reason is required\n")

        // The renewal line names the customer its own way; it renews K-1.
        _ = await channelbook(["import", "sales", path("renewals.csv"), "--actor", "d01-feed"] + db)
        let show = await channelbook(["renewals", "show", "1", "--as-of", "2026-12-31"] + db)
        #expect(show.stdout.contains("renewed (0 days to the end)") && show.stdout.contains("2026-12-20  renewed  renewal line D01:R-1  by d01-feed"), "\(show.stdout)")

        let pipeline = await channelbook(["renewals", "pipeline", "--as-of", "2026-12-01"] + db)
        #expect(pipeline.stdout == "owner,due_0_30,due_31_60,due_61_90,seats_0_90,value_0_90\nD01,1,0,0,10,5000.00\nDIRECT,0,0,1,4,2000.00\n")
        let rate = await channelbook(["renewals", "rate", "2026Q4", "--as-of", "2027-01-31", "--format", "json"] + db)
        let json = try JSONSerialization.jsonObject(with: Data(rate.stdout.utf8)) as? [[String: Any]]
        #expect(json?.first?["owner"] as? String == "D01" && json?.first?["rate_bps"] as? Int == 10000, "\(rate.stdout)")
    }
}
