import ChannelbookCore
import Foundation
import Synchronization
import Testing

@testable import ChannelbookCLI

/// Progress on long work (issue 15, item 7): drawn on a terminal's standard error at most ten times a second, never
/// when standard error is not a terminal or with `--quiet`.
@Suite struct ProgressTests {
    @Test func theLineShowsLinesRateShareAndTimeLeft() {
        let reading = WorkProgress(task: "reading sales.csv", done: 250_000, total: 1_000_000, records: 1_234_567)
        #expect(TerminalProgress.line(reading, elapsedNanoseconds: 8_000_000_000) == "reading sales.csv: 1,234,567 lines, 154,320 lines/s, 25 %, 0:24 left")
        let closing = WorkProgress(task: "closing 2026Q1", done: 2, total: 4, step: "drafting statements")
        #expect(TerminalProgress.line(closing, elapsedNanoseconds: 500_000_000) == "closing 2026Q1: drafting statements, 50 %, 0:00 left")
        #expect(TerminalProgress.clock(3723) == "1:02:03" && TerminalProgress.grouped(999) == "999" && TerminalProgress.grouped(1000) == "1,000")
        #expect(WorkProgress(task: "t", done: 5, total: 0).percent == nil)
    }

    @Test func itRedrawsAtMostTenTimesASecondAndAlwaysTheEnd() {
        let written = Mutex([String]())
        let clock = Mutex<UInt64>(0)
        let progress = TerminalProgress(write: { text in written.withLock { $0.append(text) } }, now: { clock.withLock { $0 } })
        for millisecond in 0..<250 {
            clock.withLock { $0 = UInt64(millisecond) * 1_000_000 }
            progress.report(WorkProgress(task: "reading f", done: Int64(millisecond), total: 1000, records: millisecond))
        }
        #expect(written.withLock { $0.count } == 3)  // at 0, 100 and 200 ms
        progress.report(WorkProgress(task: "reading f", done: 1000, total: 1000, records: 1000))  // the end, drawn at once
        progress.finish()
        let lines = written.withLock { $0 }
        #expect(lines.count == 5 && lines.allSatisfy { $0.hasPrefix("\r\u{1B}[K") } && lines.last == "\r\u{1B}[K")
    }

    @Test(arguments: [(true, false), (true, true), (false, false)])
    func importsDrawOnlyOnATerminalWithoutQuiet(terminal: Bool, quiet: Bool) async throws {
        let db = try await CLIDatabase.sqlite.freshFlags()
        var sales = "line_id,date,source,reseller,customer,sku,category,seats,amount,currency\n"
        for index in 0..<5000 { sales += "L\(index),2026-01-10,D01,P01,Acme,HW-1,hardware,1,10.00,AUD\n" }
        let folder = try LedgerCommandTests().write(["partners.csv": LedgerCommandTests.partners, "pricebook.csv": LedgerCommandTests.pricebook, "sales.csv": sales])
        _ = await channelbook(["init", "--actor", "admin"] + db)
        for kind in ["partners", "pricebook"] { _ = await channelbook(["import", kind, folder.appendingPathComponent("\(kind).csv").path] + db) }
        let captured = Mutex(("", ""))
        let console = Console(
            writeOut: { text in captured.withLock { $0.0 += text } }, writeError: { text in captured.withLock { $0.1 += text } }, errorIsTerminal: terminal)
        try await Console.$current.withValue(console) {
            try await ChannelbookCommand.runCommand(["import", "sales", folder.appendingPathComponent("sales.csv").path] + (quiet ? ["--quiet"] : []) + db)
            try await ChannelbookCommand.runCommand(["close", "2026Q1"] + (quiet ? ["--quiet"] : []) + db)
        }
        let (stdout, stderr) = captured.withLock { $0 }
        #expect(stdout.hasPrefix("imported 5000 lines (5000 new, 0 already present)"))
        if terminal && !quiet {
            #expect(stderr.contains("sales.csv: 5,000 lines") && stderr.contains("100 %") && stderr.contains("closing 2026Q1: done, 100 %"), "\(stderr)")
            #expect(stderr.hasSuffix("\r\u{1B}[K"))
        } else {
            #expect(stderr.isEmpty)
        }
    }
}
