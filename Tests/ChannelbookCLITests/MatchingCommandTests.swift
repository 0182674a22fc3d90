import ChannelbookCore
import Foundation
import Testing

/// `channelbook matching …` on both databases (PRODUCT.md section 6): parked names listed with a suggestion, mapped
/// once (the lines enter the ledger), set aside with a reason, and every decision listed.
@Suite struct MatchingCommandTests {
    @Test(arguments: CLIDatabase.available)
    func parkedNamesAreListedMappedAndSetAside(database: CLIDatabase) async throws {
        let db = try await database.freshFlags()
        let folder = try LedgerCommandTests().write([
            "partners.csv": LedgerCommandTests.partners, "pricebook.csv": LedgerCommandTests.pricebook,
            "sales.csv": """
                line_id,date,source,reseller,customer,sku,category,seats,amount,currency
                S1,2026-01-10,D01,P01,Acme,HW-1,hardware,2,2000.00,AUD
                S2,2026-01-11,D01,"Premier One Pty Ltd",Acme,HW-1,hardware,1,1000.00,AUD
                S3,2026-01-12,D01,PREMIER ONE,Acme,SW-1,software,-1,-120.00,AUD
                S4,2026-01-13,D01,Staff purchases,Acme,SW-1,software,1,120.00,AUD

                """,
        ])
        func path(_ name: String) -> String { folder.appendingPathComponent(name).path }
        _ = await channelbook(["init", "--actor", "admin"] + db)
        for kind in ["partners", "pricebook"] { _ = await channelbook(["import", kind, path("\(kind).csv")] + db) }
        let imported = await channelbook(["import", "sales", path("sales.csv")] + db)
        #expect(imported.exitCode == 0, "\(imported.stderr)")
        #expect(imported.stdout.hasPrefix("imported 4 lines (1 new, 0 already present, 3 parked); 3 lines name resellers not known yet"))
        let list = await channelbook(["matching", "list"] + db)
        #expect(list.stdout == """
            source,reseller_as_written,lines,amount,first_date,last_date,suggestion
            D01,PREMIER ONE,2,880.00,2026-01-11,2026-01-12,P01
            D01,Staff purchases,1,120.00,2026-01-13,2026-01-13,

            """, "\(list.stderr)")
        let toDistributor = await channelbook(["matching", "map", "--source", "D01", "--name", "premier one", "--partner", "D01"] + db)
        #expect(toDistributor.exitCode != 0 && toDistributor.stderr.contains("D01 is a distributor: a reseller's name is mapped to a reseller"))
        let mapped = await channelbook(["matching", "map", "--source", "D01", "--name", "premier one", "--partner", "P01", "--actor", "admin"] + db)
        #expect(mapped.stdout == "'premier one' from D01 mapped to P01: 2 parked lines moved into the ledger\n", "\(mapped.stderr)")
        let ignored = await channelbook(["matching", "ignore", "--source", "D01", "--name", "Staff purchases", "--reason", "staff, not a partner", "--actor", "admin"] + db)
        #expect(ignored.stdout == "'Staff purchases' from D01 set aside: 1 parked line\n", "\(ignored.stderr)")
        #expect(await channelbook(["matching", "list"] + db).stdout == "source,reseller_as_written,lines,amount,first_date,last_date,suggestion\n")
        let mappings = await channelbook(["matching", "mappings", "--format", "json"] + db)
        #expect(mappings.stdout.contains("\"partner\" : \"P01\"") && mappings.stdout.contains("\"ignored_because\" : \"staff, not a partner\""), "\(mappings.stdout)")
        // The mapped lines count: P01's 2026Q1 hardware and software sales are 2,000.00 + 1,000.00 − 120.00.
        let again = await channelbook(["import", "sales", path("sales.csv")] + db)
        #expect(again.stdout.hasPrefix("imported 4 lines (0 new, 3 already present, 1 of names set aside)"), "\(again.stdout)")
    }
}
