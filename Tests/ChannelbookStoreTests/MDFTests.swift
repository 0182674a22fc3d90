import ChannelbookCore
import Foundation
import SQLKit
import Testing

@testable import ChannelbookStore

/// Market development funds on both databases: allocations, requests, claims with proof, the ledger and its
/// balance as of any date, and MDF on statements (PRODUCT.md section 2).
@Suite struct MDFTests {
    static let q1 = try! Quarter.parse("2026Q1")
    static let q2 = try! Quarter.parse("2026Q2")
    static let pdf = ProofUpload(name: "invoice.pdf", bytes: Array("%PDF-1.7\n1 0 obj\n".utf8))
    static let png = ProofUpload(name: "photo.png", bytes: [0x89, 0x50, 0x4E, 0x47, 0x0D, 0x0A, 0x1A, 0x0A, 0, 0, 0, 13])

    static func date(_ text: String) -> BusinessDate { try! BusinessDate.parse(text) }
    static func aud(_ text: String) -> Money { try! Money.parse(text, currency: .aud) }

    /// The fixtures' partners, with 2026Q1 allocated.
    private static func allocated(_ database: ChannelbookDatabase) async throws {
        try await seeded(database)
        #expect(try await database.allocateMDF(q1, actor: "admin") == 4)
    }

    private static func balance(_ database: ChannelbookDatabase, _ partner: String, _ day: String) async throws -> MDFBalanceRow? {
        try await database.mdfBalances(partner: PartnerCode(rawValue: partner), asOf: date(day)).first
    }

    private static func request(
        _ database: ChannelbookDatabase, _ partner: String = "P01", planned: String = "4000.00", amount: String = "2000.00", starts: String = "2026-02-01",
        ends: String = "2026-02-10", on day: String = "2026-01-15"
    ) async throws -> Int64 {
        try await database.requestMDF(
            partner: PartnerCode(rawValue: partner), activity: "Partner breakfast", kind: .event, plannedCost: aud(planned), amount: aud(amount),
            startsOn: date(starts), endsOn: date(ends), on: date(day), actor: "partner@p01.example")
    }

    private static func refusal(_ body: () async throws -> Void) async -> String {
        do {
            try await body()
            return "no refusal"
        } catch { return "\(error)" }
    }

    @Test(arguments: TestDatabase.available)
    func allocationGoesToEligibleResellersOncePerQuarterDatedItsFirstDay(database kind: TestDatabase) async throws {
        try await kind.with { database in
            try await Self.allocated(database)
            #expect(try await database.allocateMDF(Self.q1, actor: "admin") == 0)  // once per partner and quarter
            let balances = try await database.mdfBalances(asOf: Self.date("2026-01-01"))
            #expect(balances.map(\.partner.rawValue) == ["A01", "P01", "P02", "X01"])  // no national, no distributor
            #expect(balances.map(\.allocated) == [Self.aud("2000.00"), Self.aud("5000.00"), Self.aud("5000.00"), Self.aud("5000.00")])
            #expect(try await database.mdfBalances(asOf: Self.date("2025-12-31")).isEmpty)  // dated the quarter's first day
            let ledger = try await database.mdfLedgerRows(partner: PartnerCode(rawValue: "P01"), asOf: Self.date("2026-03-31"))
            #expect(ledger == [MDFLedgerRow(date: Self.date("2026-01-01"), entry: .allocated, requestID: nil, amount: Self.aud("5000.00"))])
            let audited = try await database.auditLog(partner: PartnerCode(rawValue: "P01")).filter { $0.action == "mdf allocate" }
            #expect(audited.count == 1)
        }
    }

    @Test(arguments: TestDatabase.available)
    func requestApproveClaimAcceptMovesMoneyThroughTheLedger(database kind: TestDatabase) async throws {
        try await kind.with { database in
            try await Self.allocated(database)
            let id = try await Self.request(database, planned: "6000.00", amount: "3000.00")
            try await database.approveMDF(id, amount: Self.aud("2500.00"), on: Self.date("2026-01-20"), actor: "admin")
            var balance = try await Self.balance(database, "P01", "2026-01-20")!
            #expect((balance.reserved, balance.available) == (Self.aud("2500.00"), Self.aud("2500.00")))
            try await database.claimMDF(
                id, actualCost: Self.aud("4400.00"), amount: Self.aud("2200.00"), proofs: [Self.pdf, Self.png], on: Self.date("2026-02-15"), actor: "partner@p01.example")
            balance = try await Self.balance(database, "P01", "2026-02-15")!
            // Claiming 2,200 of 2,500 reserved releases 300.
            #expect((balance.reserved, balance.available) == (Self.aud("2200.00"), Self.aud("2800.00")))
            try await database.acceptMDFClaim(id, amount: Self.aud("2000.00"), on: Self.date("2026-02-20"), actor: "admin")
            balance = try await Self.balance(database, "P01", "2026-02-20")!
            #expect((balance.reserved, balance.payable, balance.available) == (Self.aud("0.00"), Self.aud("2000.00"), Self.aud("3000.00")))
            let view = try await database.mdfRequest(id, asOf: Self.date("2026-02-20"))
            #expect(view.status == .accepted)
            #expect((view.approved, view.claimed, view.accepted) == (Self.aud("2500.00"), Self.aud("2200.00"), Self.aud("2000.00")))
            #expect(view.proofs.map(\.contentType) == ["application/pdf", "image/png"])
            // Seen the day before it was claimed, it was approved.
            #expect(try await database.mdfRequest(id, asOf: Self.date("2026-02-14")).status == .approved)
            let entries = try await database.mdfLedgerRows(partner: PartnerCode(rawValue: "P01"), asOf: Self.date("2026-02-28")).map { "\($0.date) \($0.entry.rawValue) \($0.amount.decimalString)" }
            #expect(entries == [
                "2026-01-01 allocated 5000.00", "2026-01-20 reserved 2500.00", "2026-02-15 released 300.00", "2026-02-20 released 200.00",
                "2026-02-20 payable 2000.00",
            ])
        }
    }

    @Test(arguments: TestDatabase.available)
    func theProofFileIsStoredWithItsHashAndOnlyItsOwnerAndTheVendorGetIt(database kind: TestDatabase) async throws {
        try await kind.with { database in
            try await Self.allocated(database)
            let id = try await Self.request(database)
            try await database.approveMDF(id, amount: nil, on: Self.date("2026-01-20"), actor: "admin")
            try await database.claimMDF(id, actualCost: Self.aud("4000.00"), amount: Self.aud("2000.00"), proofs: [Self.pdf], on: Self.date("2026-02-10"), actor: "p")
            let proof = try await database.mdfRequest(id, asOf: Self.date("2026-02-10")).proofs[0]
            let (stored, bytes) = try await database.mdfProof(proof.id, within: [PartnerCode(rawValue: "P01")])
            #expect(bytes == Self.pdf.bytes)
            #expect(stored.sha256 == "f5117edb193052414d3b7496857953fd5c40d289c84ce675aa0bd361d40ffd76")  // sha256sum of the same bytes
            #expect(stored.sizeBytes == Int64(Self.pdf.bytes.count))
            #expect(try await database.mdfProof(proof.id).bytes == Self.pdf.bytes)  // the vendor
            await #expect(throws: MDFStoreError.proofNotFound(proof.id)) { try await database.mdfProof(proof.id, within: [PartnerCode(rawValue: "P02")]) }
            await #expect(throws: MDFStoreError.notFound(id)) { try await database.mdfRequest(id, asOf: Self.date("2026-02-10"), within: [PartnerCode(rawValue: "P02")]) }
        }
    }

    @Test(arguments: TestDatabase.available)
    func everyRefusalSaysWhy(database kind: TestDatabase) async throws {
        try await kind.with { database in
            try await Self.allocated(database)
            // A request over what is available, or over half the planned cost.
            #expect(await Self.refusal { _ = try await Self.request(database, planned: "20000.00", amount: "5000.01") }.contains("available"))
            #expect(await Self.refusal { _ = try await Self.request(database, planned: "3000.00", amount: "1500.01") }.contains("50%"))
            _ = try await Self.request(database, planned: "3000.00", amount: "1500.00")  // exactly half: accepted
            // Not for distributors, not for unknown partners.
            #expect(await Self.refusal { _ = try await Self.request(database, "D01") }.contains("distributor"))
            #expect(await Self.refusal { _ = try await Self.request(database, "ZZ9") }.contains("no partner"))
            let id = try await Self.request(database, planned: "4000.00", amount: "2000.00", on: "2026-01-16")
            // An approval over the request, or dated before it.
            #expect(await Self.refusal { try await database.approveMDF(id, amount: Self.aud("2000.01"), on: Self.date("2026-01-20"), actor: "a") }.contains("requested"))
            #expect(await Self.refusal { try await database.approveMDF(id, amount: nil, on: Self.date("2026-01-15"), actor: "a") }.contains("date order"))
            try await database.approveMDF(id, amount: Self.aud("1800.00"), on: Self.date("2026-01-20"), actor: "a")
            // Claims: before the activity ended, late, without proof, a file that is not PDF/PNG/JPEG, over 10 MB,
            // over the reservation, over half the actual cost, and a partner claiming another's request.
            func claim(_ amount: String = "1800.00", actual: String = "3600.00", proofs: [ProofUpload] = [Self.pdf], on day: String = "2026-02-11", as partner: String? = nil)
                async -> String
            {
                await Self.refusal {
                    try await database.claimMDF(
                        id, actualCost: Self.aud(actual), amount: Self.aud(amount), proofs: proofs, on: Self.date(day), actor: "p",
                        partner: partner.map { PartnerCode(rawValue: $0) })
                }
            }
            #expect(await claim(on: "2026-02-09").contains("has not ended"))
            #expect(await claim(on: "2026-04-12").contains("late"))  // 2026-02-10 + 60 days = 2026-04-11
            #expect(await claim(proofs: []).contains("at least one proof"))
            #expect(await claim(proofs: [ProofUpload(name: "notes.txt", bytes: Array("hello".utf8))]).contains("not a PDF, PNG or JPEG"))
            #expect(await claim(proofs: [ProofUpload(name: "big.pdf", bytes: Array("%PDF-".utf8) + [UInt8](repeating: 0, count: ProofFile.maximumBytes))]).contains("10 MB"))
            #expect(await claim(proofs: Array(repeating: Self.pdf, count: 11)).contains("at most 10"))
            #expect(await claim("1800.01", actual: "4000.00").contains("reserved"))
            #expect(await claim("1800.00", actual: "3599.98").contains("50%"))
            #expect(await claim(as: "P02").contains("no MDF request has the id"))
            #expect(try await database.mdfRequest(id, asOf: Self.date("2026-02-11")).status == .approved)  // nothing was written
            try await database.claimMDF(id, actualCost: Self.aud("3600.00"), amount: Self.aud("1800.00"), proofs: [Self.pdf], on: Self.date("2026-04-11"), actor: "p")
            // Acceptance over the claim; a claim accepted twice.
            #expect(await Self.refusal { try await database.acceptMDFClaim(id, amount: Self.aud("1800.01"), on: Self.date("2026-04-12"), actor: "a") }.contains("claimed"))
            try await database.acceptMDFClaim(id, amount: nil, on: Self.date("2026-04-12"), actor: "a")
            #expect(await Self.refusal { try await database.acceptMDFClaim(id, amount: nil, on: Self.date("2026-04-12"), actor: "a") }.contains("accepted, not claimed"))
            #expect(await Self.refusal { try await database.rejectMDF(id, reason: " ", on: Self.date("2026-04-12"), actor: "a") }.contains("reason"))
        }
    }

    @Test(arguments: TestDatabase.available)
    func anApprovalOverWhatIsAvailableOnItsDateIsRefused(database kind: TestDatabase) async throws {
        try await kind.with { database in
            try await Self.allocated(database)
            // Two requests of 3,000 each fit the 5,000 available when made; approving both does not.
            let first = try await Self.request(database, planned: "6000.00", amount: "3000.00", on: "2026-01-15")
            let second = try await Self.request(database, planned: "6000.00", amount: "3000.00", on: "2026-01-15")
            try await database.approveMDF(first, amount: nil, on: Self.date("2026-01-20"), actor: "a")
            let refused = await Self.refusal { try await database.approveMDF(second, amount: nil, on: Self.date("2026-01-20"), actor: "a") }
            #expect(refused == "$3,000.00 is more than the $2,000.00 of MDF available on 2026-01-20")
            try await database.approveMDF(second, amount: Self.aud("2000.00"), on: Self.date("2026-01-20"), actor: "a")  // part of it fits
            let balance = try await Self.balance(database, "P01", "2026-01-20")!
            #expect((balance.reserved, balance.available) == (Self.aud("5000.00"), Self.aud("0.00")))
        }
    }

    @Test(arguments: TestDatabase.available)
    func allocationsExpireAtTheEndOfTheNextQuarterAndReservationsDrawTheOldestFirst(database kind: TestDatabase) async throws {
        try await kind.with { database in
            try await Self.allocated(database)
            #expect(try await database.allocateMDF(Self.q2, actor: "admin") == 4)
            // 2026Q2: 10,000 allocated; 7,000 reserved on 2026-04-10 takes 5,000 of Q1's and 2,000 of Q2's.
            let id = try await Self.request(database, planned: "14000.00", amount: "7000.00", starts: "2026-05-01", ends: "2026-05-02", on: "2026-04-05")
            try await database.approveMDF(id, amount: nil, on: Self.date("2026-04-10"), actor: "a")
            var before = try await Self.balance(database, "P01", "2026-06-30")!
            #expect((before.allocated, before.reserved, before.expired, before.available) == (Self.aud("10000.00"), Self.aud("7000.00"), Self.aud("0.00"), Self.aud("3000.00")))
            // Claiming 4,000 releases 3,000, newest allocation first: 2,000 back to Q2's and 1,000 to Q1's.
            try await database.claimMDF(id, actualCost: Self.aud("8000.00"), amount: Self.aud("4000.00"), proofs: [Self.pdf], on: Self.date("2026-05-20"), actor: "p")
            before = try await Self.balance(database, "P01", "2026-06-30")!
            #expect((before.reserved, before.available) == (Self.aud("4000.00"), Self.aud("6000.00")))
            // Q1's allocation expires on 2026-07-01 with the 1,000 it has left.
            let after = try await Self.balance(database, "P01", "2026-07-01")!
            #expect((after.expired, after.available) == (Self.aud("1000.00"), Self.aud("5000.00")))
            // Rejecting the claim in Q3 releases 4,000: to Q1's allocation (expired, so expired at once) and nothing to Q2's.
            try await database.rejectMDFClaim(id, reason: "no attendee list", on: Self.date("2026-07-05"), actor: "a")
            let rejected = try await Self.balance(database, "P01", "2026-07-05")!
            #expect((rejected.reserved, rejected.expired, rejected.available) == (Self.aud("0.00"), Self.aud("5000.00"), Self.aud("5000.00")))
            // Q2's allocation expires on 2026-10-01.
            let end = try await Self.balance(database, "P01", "2026-10-01")!
            #expect((end.expired, end.available) == (Self.aud("10000.00"), Self.aud("0.00")))
            #expect(try await Self.balance(database, "P01", "2026-09-30")!.available == Self.aud("5000.00"))
        }
    }

    @Test(arguments: TestDatabase.available)
    func aRequestsStatusInSQLIsTheRequestsOwnOnEveryDayAndTheListSortsAndPagesInSQL(database kind: TestDatabase) async throws {
        try await kind.with { database in
            try await Self.allocated(database)
            try await database.importText(.sales, Fixtures.sales)
            func request(_ amount: String) async throws -> Int64 { try await Self.request(database, planned: "2000.00", amount: amount) }
            let (requested, lapses, rejected, paid, claimRejected, claimed) = (
                try await request("100.00"), try await request("200.00"), try await request("300.00"), try await request("400.00"),
                try await request("500.00"), try await request("600.00")
            )
            for id in [lapses, paid, claimRejected, claimed] { try await database.approveMDF(id, amount: nil, on: Self.date("2026-01-20"), actor: "a") }
            try await database.rejectMDF(rejected, reason: "not this quarter", on: Self.date("2026-01-20"), actor: "a")
            for id in [paid, claimRejected, claimed] {
                try await database.claimMDF(id, actualCost: Self.aud("2000.00"), amount: Self.aud("100.00"), proofs: [Self.pdf], on: Self.date("2026-02-11"), actor: "p")
            }
            try await database.acceptMDFClaim(paid, amount: nil, on: Self.date("2026-03-01"), actor: "a")
            try await database.rejectMDFClaim(claimRejected, reason: "no photos", on: Self.date("2026-03-01"), actor: "a")
            _ = try await database.closeQuarter(Self.q1)
            try await database.approveStatements(Self.q1, partner: PartnerCode(rawValue: "P01"), actor: "finance")
            let today = BusinessDate(microsecondsSinceEpoch: ChannelbookDatabase.nowMicroseconds())
            // Each day around every event: the SQL filter finds exactly the requests whose own status (Swift's) it is.
            for day in ["2026-01-14", "2026-01-15", "2026-01-20", "2026-02-11", "2026-03-01", "2026-04-11", "2026-04-12"].map(Self.date) + [today] {
                let all = try await database.mdfRequests(asOf: day)
                for status in MDFRequestStatus.allCases {
                    let bySQL = try await database.mdfRequests(status: status, asOf: day).map(\.id)
                    #expect(bySQL == all.filter { $0.status == status }.map(\.id), "\(status) on \(day)")
                }
            }
            let now = try await database.mdfRequests(asOf: today)
            #expect(Dictionary(uniqueKeysWithValues: now.map { ($0.id, $0.status) }) == [
                requested: .requested, lapses: .lapsed, rejected: .rejected, paid: .paid, claimRejected: .claimRejected, claimed: .claimed,
            ])
            // Sorted by any column either way round, paged, counted, and held to a reviewer's partners.
            func ids(by column: MDFRequestColumn, descending: Bool = false, offset: Int = 0, limit: Int = 50, _ filter: MDFRequestFilter = MDFRequestFilter())
                async throws -> (ids: [Int64], total: Int)
            {
                let page = try await database.mdfRequestTable(filter, asOf: today, TableSlice(column: column, descending: descending, offset: offset, limit: limit))
                return (page.items.map(\.id), page.total)
            }
            #expect(try await ids(by: .requested).ids == [requested, lapses, rejected, paid, claimRejected, claimed])
            #expect(try await ids(by: .requested, descending: true, offset: 1, limit: 2) == ([claimRejected, paid], 6))
            // A page past the end is the last page.
            #expect(try await ids(by: .id, offset: 100, limit: 4) == ([claimRejected, claimed], 6))
            #expect(try await ids(by: .status).ids == [claimRejected, claimed, lapses, paid, rejected, requested])
            #expect(try await ids(by: .claimed).ids.prefix(3) == [requested, lapses, rejected])  // not claimed first, by id
            #expect(try await ids(by: .id, MDFRequestFilter(status: .claimed)) == ([claimed], 1))
            #expect(try await ids(by: .id, MDFRequestFilter(partners: [PartnerCode(rawValue: "P02")])) == ([], 0))
            #expect(try await ids(by: .id, MDFRequestFilter(partners: [])) == ([], 0))
        }
    }

    @Test(arguments: TestDatabase.available)
    func aReservationNotClaimedByTheDeadlineIsReleasedTheDayAfter(database kind: TestDatabase) async throws {
        try await kind.with { database in
            try await Self.allocated(database)
            let id = try await Self.request(database)
            try await database.approveMDF(id, amount: nil, on: Self.date("2026-01-20"), actor: "a")
            // Ends 2026-02-10; claims close 2026-04-11; released on 2026-04-12.
            #expect(try await Self.balance(database, "P01", "2026-04-11")!.reserved == Self.aud("2000.00"))
            #expect(try await database.mdfRequest(id, asOf: Self.date("2026-04-11")).status == .approved)
            let released = try await Self.balance(database, "P01", "2026-04-12")!
            #expect((released.reserved, released.available) == (Self.aud("0.00"), Self.aud("5000.00")))
            #expect(try await database.mdfRequest(id, asOf: Self.date("2026-04-12")).status == .lapsed)
            #expect(try await database.mdfRequests(status: .lapsed, asOf: Self.date("2026-04-12")).map(\.id) == [id])
        }
    }

    @Test(arguments: TestDatabase.available)
    func anAcceptedClaimIsAnMDFLineOnTheQuarterStatementAndApprovingItPaysIt(database kind: TestDatabase) async throws {
        try await kind.with { database in
            try await Self.allocated(database)
            try await database.importText(.sales, Fixtures.sales)
            let id = try await Self.request(database)
            try await database.approveMDF(id, amount: nil, on: Self.date("2026-01-20"), actor: "a")
            try await database.claimMDF(id, actualCost: Self.aud("4000.00"), amount: Self.aud("1900.00"), proofs: [Self.pdf], on: Self.date("2026-02-11"), actor: "p")
            try await database.acceptMDFClaim(id, amount: nil, on: Self.date("2026-03-01"), actor: "a")
            _ = try await database.closeQuarter(Self.q1)
            let statement = try await database.statement(partner: PartnerCode(rawValue: "P01"), quarter: Self.q1)
            let mdf = statement.lines.filter { $0.kind == .mdf }
            #expect(mdf.map(\.amount) == [Self.aud("1900.00")])
            #expect(mdf[0].explanation.contains { $0.contains("claimed 1900.00") && $0.contains("2026-02-11") })
            #expect(mdf[0].explanation.contains { $0.contains("with 1 proof file") })
            // The rebate, 7.5 % of 51,199.50 = 3,839.96 (half even), plus the MDF.
            #expect(statement.lines.filter { $0.kind == .rebate }.map(\.amount) == [Self.aud("3839.96")])
            #expect(statement.total == Self.aud("5739.96"))
            try await database.approveStatements(Self.q1, partner: PartnerCode(rawValue: "P01"), actor: "finance")
            let today = BusinessDate(microsecondsSinceEpoch: ChannelbookDatabase.nowMicroseconds())
            let paid = try await Self.balance(database, "P01", today.description)!
            #expect((paid.payable, paid.paid) == (Self.aud("0.00"), Self.aud("1900.00")))
            #expect(try await database.mdfRequest(id, asOf: today).status == .paid)
        }
    }

    @Test(arguments: TestDatabase.available)
    func aClaimAcceptedInAnApprovedQuarterIsAnAdjustmentOnTheNextStatement(database kind: TestDatabase) async throws {
        try await kind.with { database in
            try await Self.allocated(database)
            try await database.importText(.sales, Fixtures.sales)
            let id = try await Self.request(database)
            try await database.approveMDF(id, amount: nil, on: Self.date("2026-01-20"), actor: "a")
            _ = try await database.closeQuarter(Self.q1)
            try await database.approveStatements(Self.q1, actor: "finance")
            try await database.claimMDF(id, actualCost: Self.aud("4000.00"), amount: Self.aud("2000.00"), proofs: [Self.pdf], on: Self.date("2026-02-11"), actor: "p")
            try await database.acceptMDFClaim(id, amount: Self.aud("1500.00"), on: Self.date("2026-03-20"), actor: "a")
            try await database.importText(.sales, Fixtures.salesHeader + "D01-9,2026-04-10,D01,P01,Acme Mining,HW-1,hardware,1,1000.00,AUD\n")
            _ = try await database.closeQuarter(Self.q2)
            let next = try await database.statement(partner: PartnerCode(rawValue: "P01"), quarter: Self.q2)
            let adjustment = next.lines.filter { $0.kind == .adjustment }
            #expect(adjustment.map(\.amount) == [Self.aud("1500.00")])
            #expect(adjustment[0].explanation.contains { $0.contains("MDF 1500.00") })
            try await database.approveStatements(Self.q2, partner: PartnerCode(rawValue: "P01"), actor: "finance")
            let today = BusinessDate(microsecondsSinceEpoch: ChannelbookDatabase.nowMicroseconds())
            #expect(try await database.mdfRequest(id, asOf: today).status == .paid)
            _ = try await database.closeQuarter(Self.q2)  // closing again: no second adjustment
            #expect(try await database.statements(ofPartner: PartnerCode(rawValue: "P01")).filter { $0.quarter == Self.q2 && $0.status == .draft }.isEmpty)
        }
    }

    @Test(arguments: TestDatabase.available)
    func aClaimDeadlineIsFixedWhenTheRequestIsMadeAndNothingIsApprovedPastIt(database kind: TestDatabase) async throws {
        try await kind.with { database in
            try await Self.allocated(database)
            let id = try await Self.request(database)  // ends 2026-02-10: claims close 2026-04-11
            try await database.approveMDF(id, amount: nil, on: Self.date("2026-01-20"), actor: "a")
            // A later program version with a longer claim window does not revive a reservation already released.
            let longer = Program.articleTOML.replacingOccurrences(of: "2005-01-01", with: "2026-04-01").replacingOccurrences(
                of: "claim_within_days = 60", with: "claim_within_days = 90")
            _ = try await database.storeProgram(toml: longer)
            #expect(try await Self.balance(database, "P01", "2026-04-12")!.reserved == Self.aud("0.00"))
            let late = await Self.refusal {
                try await database.claimMDF(id, actualCost: Self.aud("4000.00"), amount: Self.aud("2000.00"), proofs: [Self.pdf], on: Self.date("2026-04-20"), actor: "p")
            }
            #expect(late == "too late: claims for this activity close on 2026-04-11 (this is dated 2026-04-20)")
            // A request (or an approval) after its activity's claim deadline is refused: it could never be claimed.
            let past = await Self.refusal { _ = try await Self.request(database, starts: "2026-01-02", ends: "2026-01-03", on: "2026-04-21") }
            #expect(past == "too late: claims for this activity close on 2026-04-03 (this is dated 2026-04-21)")  // 90 days now
            let pending = try await Self.request(database, starts: "2026-04-22", ends: "2026-04-22", on: "2026-04-21")
            let approvedLate = await Self.refusal { try await database.approveMDF(pending, amount: nil, on: Self.date("2026-07-22"), actor: "a") }
            #expect(approvedLate == "too late: claims for this activity close on 2026-07-21 (this is dated 2026-07-22)")
            // An activity must end early enough for the day after its deadline to exist.
            let end = await Self.refusal { _ = try await Self.request(database, starts: "9998-11-02", ends: "9998-11-02", on: "2026-04-21") }
            #expect(end.contains("must end early enough"))
        }
    }

    @Test(arguments: TestDatabase.available)
    func aReviewerOutsideItsScopeFindsNothing(database kind: TestDatabase) async throws {
        try await kind.with { database in
            try await Self.allocated(database)
            let id = try await Self.request(database)
            let notMine: Set<PartnerCode> = [PartnerCode(rawValue: "A01")]
            await #expect(throws: MDFStoreError.notFound(id)) { try await database.approveMDF(id, amount: nil, on: Self.date("2026-01-20"), actor: "am", reviewer: notMine) }
            await #expect(throws: MDFStoreError.notFound(id)) { try await database.rejectMDF(id, reason: "no", on: Self.date("2026-01-20"), actor: "am", reviewer: notMine) }
            #expect(try await database.mdfRequests(within: notMine, asOf: Self.date("2026-01-20")).isEmpty)
            #expect(try await database.mdfBalances(within: notMine, asOf: Self.date("2026-01-20")).map(\.partner.rawValue) == ["A01"])
            try await database.approveMDF(id, amount: nil, on: Self.date("2026-01-20"), actor: "am", reviewer: [PartnerCode(rawValue: "P01")])
            #expect(try await database.mdfRequest(id, asOf: Self.date("2026-01-20")).status == .approved)
        }
    }

    @Test(arguments: TestDatabase.available)
    func aStatusFilterTakesTheStatusOnTheDayAskedAbout(database kind: TestDatabase) async throws {
        try await kind.with { database in
            try await Self.allocated(database)
            let id = try await Self.request(database)
            try await database.approveMDF(id, amount: nil, on: Self.date("2026-01-20"), actor: "a")
            try await database.claimMDF(id, actualCost: Self.aud("4000.00"), amount: Self.aud("2000.00"), proofs: [Self.pdf], on: Self.date("2026-02-11"), actor: "p")
            #expect(try await database.mdfRequests(status: .approved, asOf: Self.date("2026-02-01")).map(\.id) == [id])
            #expect(try await database.mdfRequests(status: .claimed, asOf: Self.date("2026-02-01")).isEmpty)
            #expect(try await database.mdfRequests(status: .claimed, asOf: Self.date("2026-02-11")).map(\.id) == [id])
            #expect(try await database.mdfRequests(asOf: Self.date("2026-01-14")).isEmpty)  // not made yet
        }
    }

    @Test(arguments: TestDatabase.available)
    func checkFindsAnMDFLedgerThatDoesNotHoldTogether(database kind: TestDatabase) async throws {
        try await kind.with { database in
            try await Self.allocated(database)
            let id = try await Self.request(database)
            try await database.approveMDF(id, amount: nil, on: Self.date("2026-01-20"), actor: "a")
            try await database.claimMDF(id, actualCost: Self.aud("4000.00"), amount: Self.aud("2000.00"), proofs: [Self.pdf], on: Self.date("2026-02-11"), actor: "p")
            try await database.acceptMDFClaim(id, amount: nil, on: Self.date("2026-02-12"), actor: "a")
            #expect(try await database.integrityProblems() == [])
            // A reservation written by hand, beyond the allocation.
            try await database.sql.raw(
                """
                INSERT INTO mdf_ledger (partner_id, on_date, entry, allocation_id, request_id, amount_minor, recorded_at_us)
                SELECT partner_id, '2026-03-01', 'reserved', id, NULL, 400000, 0 FROM mdf_allocations WHERE partner_id = (SELECT id FROM partners WHERE code = 'P01')
                """
            ).run()
            #expect(try await database.integrityProblems() == ["MDF of P01 on 2026-03-01: available -100000, reserved 400000, payable 200000 minor units (below zero)"])
        }
    }

    @Test(arguments: TestDatabase.available)
    func theLedgerIsAppendOnly(database kind: TestDatabase) async throws {
        try await kind.with { database in
            try await Self.allocated(database)
            await #expect(throws: (any Error).self) { try await database.sql.raw("UPDATE mdf_ledger SET amount_minor = 1").run() }
            await #expect(throws: (any Error).self) { try await database.sql.raw("DELETE FROM mdf_ledger").run() }
            #expect(try await Self.balance(database, "P01", "2026-01-01")!.allocated == Self.aud("5000.00"))
        }
    }
}
