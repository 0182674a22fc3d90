import Testing

@testable import ChannelbookCore

/// The MDF rules of PRODUCT.md section 2 without a database: the share of cost, expiry, the claim deadline,
/// statuses on a date, proof files by their first bytes, and the ledger's derived entries.
@Suite struct MDFPolicyTests {
    static let rules = Program.article.mdf
    static func day(_ text: String) -> BusinessDate { try! BusinessDate.parse(text) }

    @Test func theArticleProgramFundsHalfAndExpiresAfterTheNextQuarter() {
        #expect(Self.rules.maxShareOfCost == BasisPoints(5_000))
        #expect(Self.rules.allocationExpiresAfterQuarters == 1)
        #expect(MDFPolicy.allocation(for: .premier, Self.rules)?.decimalString == "5000.00")
        #expect(MDFPolicy.allocation(for: .associate, Self.rules)?.decimalString == "2000.00")
        #expect(MDFPolicy.allocation(for: .national, Self.rules) == nil)
        #expect(MDFPolicy.allocation(for: nil, Self.rules) == nil)
    }

    @Test func theShareOfCostIsRoundedDownToTheCent() {
        #expect(MDFPolicy.maximumFunding(of: 300_000, Self.rules) == 150_000)
        #expect(MDFPolicy.maximumFunding(of: 300_001, Self.rules) == 150_000)  // 1,500.005 → 1,500.00
        #expect(MDFPolicy.maximumFunding(of: 1, Self.rules) == 0)
        #expect(MDFPolicy.maximumFunding(of: Int64.max, Self.rules) == Int64.max / 2)  // Int128 inside: no overflow
    }

    @Test func allocationsExpireOnTheFirstDayAfterTheNextQuarter() {
        #expect(MDFPolicy.expiresOn(try! Quarter.parse("2026Q1"), Self.rules) == Self.day("2026-07-01"))
        #expect(MDFPolicy.expiresOn(try! Quarter.parse("2026Q4"), Self.rules) == Self.day("2027-04-01"))
        var sameQuarter = Self.rules
        sameQuarter.allocationExpiresAfterQuarters = 0
        #expect(MDFPolicy.expiresOn(try! Quarter.parse("2026Q4"), sameQuarter) == Self.day("2027-01-01"))
        #expect(MDFPolicy.expiresOn(try! Quarter.parse("9999Q4"), Self.rules) == Self.day("9999-12-31"))  // the calendar's end, not a trap
    }

    @Test func claimsCloseSixtyDaysAfterTheActivityEnds() {
        #expect(MDFPolicy.claimDeadline(endsOn: Self.day("2026-02-10"), Self.rules) == Self.day("2026-04-11"))
        #expect(MDFPolicy.claimDeadline(endsOn: Self.day("9999-12-30"), Self.rules) == Self.day("9999-12-31"))
    }

    @Test func proofFilesAreRecognisedByTheirFirstBytes() throws {
        #expect(ProofFile.kind(of: Array("%PDF-1.7".utf8)) == .pdf)
        #expect(ProofFile.kind(of: [0x89, 0x50, 0x4E, 0x47, 0x0D, 0x0A, 0x1A, 0x0A]) == .png)
        #expect(ProofFile.kind(of: [0xFF, 0xD8, 0xFF, 0xE0]) == .jpeg)
        #expect(ProofFile.kind(of: Array("GIF89a".utf8)) == nil)
        #expect(ProofFile.kind(of: [0x89, 0x50, 0x4E]) == nil)  // a PNG's first three bytes are not a PNG
        #expect(throws: MDFError.proof(.notPDFPNGOrJPEG("a.pdf"))) { try ProofFile.check(name: "a.pdf", bytes: Array("<html>".utf8)) }
        #expect(throws: MDFError.proof(.empty("a.pdf"))) { try ProofFile.check(name: "a.pdf", bytes: [UInt8]()) }
        let limit = Array("%PDF-".utf8) + [UInt8](repeating: 0, count: ProofFile.maximumBytes - 5)
        #expect(try ProofFile.check(name: "exactly-10MB.pdf", bytes: limit) == .pdf)
        #expect(throws: MDFError.proof(.tooLarge("big.pdf", bytes: ProofFile.maximumBytes + 1))) { try ProofFile.check(name: "big.pdf", bytes: limit + [0]) }
        #expect(throws: MDFError.proof(.badName("a\u{0}.pdf"))) { try ProofFile.check(name: "a\u{0}.pdf", bytes: limit) }
    }

    @Test func proofFileNamesLoseTheirFoldersAndTextLimitsCountCodePointsAsTheDatabasesDo() {
        #expect(ProofFile.baseName("../../etc/passwd.pdf") == "passwd.pdf")
        #expect(ProofFile.baseName("C:\\scans\\invoice.pdf") == "invoice.pdf")
        #expect(ProofFile.baseName("plain.png") == "plain.png")
        // 150 letters each with a combining accent: 150 characters on screen, 300 code points in the database.
        let accented = String(repeating: "e\u{301}", count: 150)
        #expect(throws: TextProblem(field: "activity", problem: "is longer than 200 characters")) { try TextRules.require("activity", accented, maximumLength: 200) }
        #expect(throws: Never.self) { try TextRules.require("activity", String(repeating: "e\u{301}", count: 100), maximumLength: 200) }
    }

    @Test func aRequestsStatusIsTakenOnADate() {
        let request = MDFRequestFacts(
            id: 1, partner: PartnerID(1), activity: "Breakfast", kind: .event, plannedCost: 400_000, requested: 200_000, startsOn: Self.day("2026-02-01"),
            endsOn: Self.day("2026-02-10"), requestedOn: Self.day("2026-01-15"),
            claimDeadline: MDFPolicy.claimDeadline(endsOn: Self.day("2026-02-10"), Self.rules), stored: .approved, approved: 150_000, approvedOn: Self.day("2026-01-20"),
            reason: nil, actualCost: nil, claimed: nil, claimedOn: nil, accepted: nil, decidedOn: nil, paidOn: nil, proofCount: 0)
        #expect(request.status(on: Self.day("2026-01-14")) == nil)
        #expect(request.status(on: Self.day("2026-01-19")) == .requested)
        #expect(request.status(on: Self.day("2026-04-11")) == .approved)  // the deadline itself
        #expect(request.status(on: Self.day("2026-04-12")) == .lapsed)
    }

    @Test func theLedgerDerivesExpiryAndLateReleasesFromTheRecordedEntries() throws {
        let q1 = MDFAllocationFact(id: 1, quarter: try Quarter.parse("2026Q1"), amount: 500_000, expiresOn: Self.day("2026-07-01"))
        let recorded = [
            MDFEntry(date: Self.day("2026-01-01"), kind: .allocated, allocationID: 1, requestID: nil, amount: 500_000),
            MDFEntry(date: Self.day("2026-03-01"), kind: .reserved, allocationID: 1, requestID: 7, amount: 200_000),
        ]
        let ledger = MDFLedger(allocations: [q1], recorded: recorded, claimDeadlines: [7: Self.day("2026-08-01")])
        #expect(try ledger.balance(asOf: Self.day("2026-06-30")).available == 300_000)
        let expiry = try ledger.balance(asOf: Self.day("2026-07-01"))
        #expect((expiry.expired, expiry.reserved, expiry.available) == (300_000, 200_000, 0))
        // Unclaimed by 2026-08-01: released on 2026-08-02 into an expired allocation, so expired at once.
        let released = try ledger.balance(asOf: Self.day("2026-08-02"))
        #expect((released.expired, released.reserved, released.available) == (500_000, 0, 0))
        #expect(ledger.entries(asOf: Self.day("2026-08-02")).suffix(2).map(\.kind) == [.released, .expired])
        #expect(throws: MDFError.self) { try ledger.reserve(300_001, for: 8, on: Self.day("2026-06-30"), currency: .aud) }
        #expect(try ledger.reserve(300_000, for: 8, on: Self.day("2026-06-30"), currency: .aud).map(\.amount) == [300_000])
    }
}
