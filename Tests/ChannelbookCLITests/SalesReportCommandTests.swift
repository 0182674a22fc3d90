import ChannelbookCore
import Foundation
import Testing

/// `channelbook report sales` on both databases (PRODUCT.md section 6): the columns the brief names, each format,
/// and bad arguments refused with a non-zero exit.
@Suite struct SalesReportCommandTests {
    @Test(arguments: CLIDatabase.available)
    func salesBySegmentAndRouteWithChanges(database: CLIDatabase) async throws {
        let db = try await database.freshFlags()
        let folder = try LedgerCommandTests().write([
            "partners.csv": LedgerCommandTests.partners, "pricebook.csv": LedgerCommandTests.pricebook,
            "sales.csv": """
                line_id,date,source,reseller,customer,sku,category,seats,amount,currency
                A1,2025-01-10,D01,P01,Acme,HW-1,hardware,2,2000.00,AUD
                B1,2026-01-10,D01,P01,Acme,HW-1,hardware,2,3000.00,AUD
                B2,2026-01-11,D01,P01,Acme,SW-1,software,-2,-500.00,AUD
                B3,2026-01-12,D01,P01,Acme,HW-1,hardware,0,-1.00,AUD

                """,
        ])
        func path(_ name: String) -> String { folder.appendingPathComponent(name).path }
        _ = await channelbook(["init", "--actor", "admin"] + db)
        for kind in ["partners", "pricebook", "sales"] { _ = await channelbook(["import", kind, path("\(kind).csv")] + db) }
        let csv = await channelbook(["report", "sales", "--quarters", "2026Q1", "--by", "route,segment"] + db)
        #expect(csv.exitCode == 0, "\(csv.stderr)")
        #expect(csv.stdout == """
            quarter,route,segment,lines,net_sales,renewals,change_prev_bps,change_year_bps
            2026Q1,distributor,smb,2,2500.00,0.00,,2500
            2026Q1,distributor,adjustment,1,-1.00,0.00,,

            """)
        let total = await channelbook(["report", "sales", "--quarters", "2025Q1..2026Q1", "--format", "json"] + db)
        let rows = try #require(try JSONSerialization.jsonObject(with: Data(total.stdout.utf8)) as? [[String: String]])
        #expect(rows == [
            ["quarter": "2025Q1", "lines": "1", "net_sales": "2000.00", "renewals": "0.00", "change_prev_bps": "", "change_year_bps": ""],
            ["quarter": "2026Q1", "lines": "3", "net_sales": "2499.00", "renewals": "0.00", "change_prev_bps": "", "change_year_bps": "2495"],
        ])
        let table = await channelbook(["report", "sales", "--quarters", "2026Q1", "--by", "segment", "--format", "table"] + db)
        #expect(table.stdoutLines.prefix(4) == [
            "quarter  segment     lines  net_sales  renewals  change_prev_bps  change_year_bps",
            "-------  ----------  -----  ---------  --------  ---------------  ---------------",
            "2026Q1   smb         2      2500.00    0.00                       2500           ",
            "2026Q1   adjustment  1      -1.00      0.00                                      ",
        ])
        let unknown = await channelbook(["report", "sales", "--quarters", "2026Q1", "--by", "colour"] + db)
        #expect(unknown.exitCode != 0 && unknown.stderr.contains("--by: unknown dimension 'colour' (known: segment, route, distributor, tier, reseller)"))
        let backwards = await channelbook(["report", "sales", "--quarters", "2026Q2..2026Q1"] + db)
        #expect(backwards.exitCode != 0 && backwards.stderr.contains("the range 2026Q2..2026Q1 ends before it starts"))
        let badRange = await channelbook(["report", "sales", "--quarters", "2026Q5"] + db)
        #expect(badRange.exitCode != 0 && badRange.stderr.contains("--quarters"))
    }
}
