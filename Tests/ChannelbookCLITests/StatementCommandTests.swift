import ChannelbookCore
import Foundation
import Testing

@Suite struct StatementCommandTests {
    @Test(arguments: CLIDatabase.available)
    func theQuarterEndRoutineFromImportToPayoutFile(database: CLIDatabase) async throws {
        let db = try await database.freshFlags()
        let folder = try LedgerCommandTests().write([
            "partners.csv": LedgerCommandTests.partners, "pricebook.csv": LedgerCommandTests.pricebook, "sales.csv": LedgerCommandTests.sales,
            "late.csv": "line_id,date,source,reseller,customer,sku,category,seats,amount,currency\nD01-LATE,2026-03-30,D01,P01,Acme,SW-1,software,1,0.50,AUD\n",
            "q2.csv": "line_id,date,source,reseller,customer,sku,category,seats,amount,currency\nQ2-1,2026-04-10,D01,P01,Acme,HW-1,hardware,1,100.00,AUD\n",
        ])
        func path(_ name: String) -> String { folder.appendingPathComponent(name).path }
        _ = await channelbook(["init", "--actor", "admin"] + db)
        for kind in ["partners", "pricebook", "sales"] { _ = await channelbook(["import", kind, path("\(kind).csv"), "--actor", "admin"] + db) }
        _ = await channelbook(["close", "2026Q1", "--actor", "manager"] + db)

        let drafts = await channelbook(["statements", "2026Q1", "--format", "csv"] + db)
        #expect(drafts.stdout == "reference,partner,quarter,status,total,lines\nCB-2026Q1-N01-1,N01,2026Q1,draft,10000.00,1\nCB-2026Q1-P01-1,P01,2026Q1,draft,2499.98,1\n")

        let approve = await channelbook(["approve", "2026Q1", "--actor", "finance"] + db)
        #expect(approve.stdout == "approved 2 statements of 2026Q1 totalling 12499.98 AUD\n")
        let again = await channelbook(["approve", "2026Q1"] + db)
        #expect(again.exitCode == 1)
        #expect(again.stderr == "Error: 2026Q1 has no draft statement to approve (run `channelbook close 2026Q1` first)\n")

        // A payout file that cannot be written is an error, and no audit row names it.
        let nowhere = path("missing-folder/payouts.csv")
        let failed = await channelbook(["payouts", "export", "2026Q1", "--out", nowhere, "--actor", "finance"] + db)
        #expect(failed.exitCode == 1)
        #expect(failed.stderr.hasPrefix("Error: cannot write the payout file \(nowhere): cannot create a file in"), "\(failed.stderr)")
        #expect(!FileManager.default.fileExists(atPath: nowhere))
        let noAudit = await channelbook(["audit", "--format", "csv"] + db)
        #expect(!noAudit.stdout.contains("export payouts"))

        let payoutFile = path("payouts-2026Q1.csv")
        let export = await channelbook(["payouts", "export", "2026Q1", "--out", payoutFile, "--actor", "finance"] + db)
        #expect(export.stdout == "wrote 2 payouts totalling 12499.98 AUD to \(payoutFile)\n")
        #expect(try String(contentsOfFile: payoutFile, encoding: .utf8) == "partner,abn,amount,statement_reference\nN01,,10000.00,CB-2026Q1-N01-1\nP01,,2499.98,CB-2026Q1-P01-1\n")
        // Written under a temporary name and renamed: nothing else is left in the folder.
        #expect(try FileManager.default.contentsOfDirectory(atPath: folder.path).filter { $0.contains(".tmp-") }.isEmpty)
        let exported = await channelbook(["audit", "--format", "csv"] + db)
        // The audit log is read by people: its amounts are written as they read them (issue 16).
        #expect(exported.stdout.contains("2 payouts totalling $12,499.98 to \(payoutFile)"))
        let paid = await channelbook(["payouts", "mark-paid", "2026Q1", "--reference", "EFT-0042", "--actor", "finance"] + db)
        #expect(paid.stdout == "marked 2 statements of 2026Q1 paid as EFT-0042\n")

        // A late line for the paid quarter becomes an adjustment on the next statement, explained.
        _ = await channelbook(["import", "sales", path("late.csv")] + db)
        _ = await channelbook(["import", "sales", path("q2.csv")] + db)
        let close = await channelbook(["close", "2026Q2"] + db)
        #expect(close.stdout.hasSuffix("; 1 draft statement, 1 adjustment\n"))
        let explain = await channelbook(["explain", "P01", "2026Q2"] + db)
        #expect(explain.exitCode == 0)
        #expect(explain.stdoutLines.first == "statement CB-2026Q2-P01-1: P01 Premier, One, 2026Q2, draft")
        #expect(explain.stdoutLines.contains("1. adjustment: 1250.02 AUD — adjustment for 2026Q1 (CB-2026Q1-P01-1): recomputed − approved"))
        #expect(explain.stdout.contains("arrived after approval: D01 D01-LATE dated 2026-03-30, software 0.50"))
        #expect(explain.stdout.hasSuffix("\ntotal: 1250.02 AUD\n"))
        let paidExplain = await channelbook(["explain", "P01", "2026Q1"] + db)
        #expect(paidExplain.stdoutLines.prefix(2) == ["statement CB-2026Q1-P01-1: P01 Premier, One, 2026Q1, paid", "paid as EFT-0042"])

        let audit = await channelbook(["audit", "--partner", "P01", "--format", "csv"] + db)
        let actions = audit.stdoutLines.dropFirst().compactMap { $0.split(separator: ",").dropFirst().prefix(2).joined(separator: " ") }
        #expect(actions.contains("admin add partner"))
        #expect(actions.contains("finance approve statement"))
        #expect(actions.contains("finance mark paid"))
        let none = await channelbook(["explain", "A01", "2026Q1"] + db)
        #expect(none.stderr == "Error: A01 has no statement for 2026Q1\n")
    }
}
