import ChannelbookCore
import Foundation
import Testing

/// `whatif`, `near-tier` and `enablement` from the command line, on both databases.
@Suite struct PlanningCommandTests {
    @Test(arguments: CLIDatabase.available)
    func whatIfNearTierAndEnablement(database: CLIDatabase) async throws {
        let db = try await database.freshFlags()
        let graduated = Program.articleTOML.replacingOccurrences(of: "mode = \"volume\"                  # or \"graduated\"", with: "mode = \"graduated\"")
        let folder = try LedgerCommandTests().write([
            "partners.csv": LedgerCommandTests.partners, "pricebook.csv": LedgerCommandTests.pricebook, "sales.csv": LedgerCommandTests.sales,
            "graduated.toml": graduated, "broken.toml": "[#]\n",
            "enablement.csv": "partner,rep_email,rep_name,course,completed_on\nN01,ann@n01.example,Ann,The way we sell,2026-03-01\nN01,bob@n01.example,Bob,,\n",
        ])
        func path(_ name: String) -> String { folder.appendingPathComponent(name).path }
        _ = await channelbook(["init", "--actor", "admin"] + db)
        for kind in ["partners", "pricebook", "sales"] { _ = await channelbook(["import", kind, path("\(kind).csv"), "--actor", "admin"] + db) }
        _ = await channelbook(["close", "2026Q1", "--actor", "manager"] + db)

        let whatif = await channelbook(["whatif", path("graduated.toml"), "--quarters", "2026Q1..2026Q1"] + db)
        #expect(whatif.exitCode == 0, "\(whatif.stderr)")
        #expect(whatif.stdout == """
            partner,quarter,current,proposed,delta
            N01,2026Q1,10000.00,4750.00,-5250.00
            P01,2026Q1,2499.98,999.98,-1500.00
            TOTAL,2026Q1..2026Q1,12499.98,5749.98,-6750.00

            """)
        let broken = await channelbook(["whatif", path("broken.toml"), "--quarters", "2026Q1"] + db)
        #expect(broken.exitCode == 1)
        #expect(broken.stderr.hasSuffix("broken.toml:1:2: TOML syntax: '#' cannot start a key\n"), "\(broken.stderr)")
        let notClosed = await channelbook(["whatif", path("graduated.toml"), "--quarters", "2026Q2"] + db)
        #expect(notClosed.stderr == "Error: 2026Q2 has not been closed: run `channelbook close 2026Q2` first\n")

        let near = await channelbook(["near-tier", "2026Q1", "--as-of", "2026-03-31"] + db)
        #expect(near.stdout == "partner,tier,basis,next_from,shortfall,next_rate_bps\nP01,premier,49999.50,50000.00,0.50,750\n")
        // On 2026-03-30 the credit of 2026-03-31 has not happened: 50,000.00 reached, 50,000.00 short of the top tier.
        let earlier = await channelbook(["near-tier", "2026Q1", "--as-of", "2026-03-30", "--within", "50%"] + db)
        #expect(earlier.stdout == "partner,tier,basis,next_from,shortfall,next_rate_bps\nP01,premier,50000.00,100000.00,50000.00,1000\n")
        let badWithin = await channelbook(["near-tier", "2026Q1", "--within", "ten"] + db)
        #expect(badWithin.exitCode == 1)

        let recorded = await channelbook(["enablement", "record", "--partner", "N01", "--rep", "Cy@N01.example", "--name", "Cy", "--course", "The way we sell", "--on", "2026-03-02"] + db)
        #expect(recorded.stdout == "recorded cy@n01.example of N01: The way we sell on 2026-03-02\n")
        let imported = await channelbook(["import", "enablement", path("enablement.csv")] + db)
        #expect(imported.stdout == "imported 2 lines (2 new, 0 already present)\n", "\(imported.stderr)")
        let report = await channelbook(["enablement", "report", "--as-of", "2026-03-31"] + db)
        #expect(report.stdout == "partner,reps,trained_reps,courses_completed,last_completed\nN01,3,2,2,2026-03-02\n")
    }
}
