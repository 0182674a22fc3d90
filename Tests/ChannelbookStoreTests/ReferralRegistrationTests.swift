import ChannelbookCore
import Testing

@testable import ChannelbookStore

private func day(_ text: String) -> BusinessDate { try! BusinessDate.parse(text) }

private func request(_ partner: String, _ customer: String, abn: String? = nil, domain: String? = nil) -> ReferralRequest {
    ReferralRequest(partner: PartnerCode(partner), customer: customer, abn: abn, domain: domain)
}

/// The error a referral action refused with, or nil.
private func refusal(_ body: () async throws -> Void) async -> ReferralError? {
    do {
        try await body()
        return nil
    } catch let error as ReferralError {
        return error
    } catch {
        Issue.record("unexpected error \(error)")
        return nil
    }
}

@Suite struct ReferralRegistrationTests {
    static let customerABN = validABN("123456782")

    @Test(arguments: TestDatabase.available)
    func duplicatesByABNDomainOrNameAreRefusedNamingTheDateOnly(database kind: TestDatabase) async throws {
        try await kind.with { database in
            try await seeded(database)
            let first = try await database.registerReferral(
                request("P01", "Acme Mining Pty Ltd", abn: Self.customerABN, domain: "acme.com.au"), on: day("2026-01-10"), actor: "p01@example")
            for duplicate in [
                request("P02", "Totally Different", abn: Self.customerABN), request("P02", "Other Name", domain: "https://www.ACME.com.au/"),
                request("A01", "ACME MINING LIMITED", domain: "acme-mining.net"),
            ] {
                let error = await refusal { _ = try await database.registerReferral(duplicate, on: day("2026-01-20"), actor: "x") }
                #expect(error == .duplicate(registeredOn: day("2026-01-10")))
                #expect(error?.description.contains("P01") == false)
            }
            // The vendor sees both sides.
            let view = try await database.referral(first, asOf: day("2026-01-21"))
            #expect(view.refusedDuplicates.map(\.partner.rawValue) == ["P02", "P02", "A01"])
            #expect(view.registeredBy == "p01@example")
        }
    }

    @Test(arguments: TestDatabase.available)
    func aDuplicateIsAllowedOnceTheEarlierExpiredOrWasLost(database kind: TestDatabase) async throws {
        try await kind.with { database in
            try await seeded(database)
            let first = try await database.registerReferral(request("P01", "Acme", domain: "acme.com"), on: day("2026-01-01"), actor: "a")
            try await database.approveReferral(first, fulfiller: nil, on: day("2026-01-02"))  // expires 2026-04-02
            let tooEarly = await refusal { _ = try await database.registerReferral(request("P02", "Acme", domain: "acme.com"), on: day("2026-04-01"), actor: "b") }
            #expect(tooEarly == .duplicate(registeredOn: day("2026-01-01")))
            let second = try await database.registerReferral(request("P02", "Acme", domain: "acme.com"), on: day("2026-04-02"), actor: "b")
            try await database.loseReferral(second, reason: "went elsewhere", on: day("2026-04-10"))
            let third = try await database.registerReferral(request("A01", "Acme", domain: "acme.com"), on: day("2026-04-11"), actor: "c")
            #expect(third.rawValue > second.rawValue)
            #expect(try await database.referral(first, asOf: day("2026-04-11")).status == .expired)
            #expect(try await database.referral(second, asOf: day("2026-04-11")).status == .lost)
        }
    }

    @Test(arguments: TestDatabase.available)
    func expiryIsOnTheExactDayBoundary(database kind: TestDatabase) async throws {
        try await kind.with { database in
            try await seeded(database)
            let id = try await database.registerReferral(request("P01", "Acme", domain: "acme.com"), on: day("2026-01-01"), actor: "a")
            try await database.approveReferral(id, fulfiller: "D01", on: day("2026-01-01"))
            #expect(try await database.referral(id, asOf: day("2026-03-31")).status == .approved)
            #expect(try await database.referral(id, asOf: day("2026-04-01")).status == .expired)
            let expired = await refusal { _ = try await database.closeReferral(id, sku: "SW-1", seats: 300, on: day("2026-04-01"), fulfiller: nil) }
            #expect(expired == .notAllowed(action: "closed", id: id, status: .expired))
            let outcome = try await database.closeReferral(id, sku: "SW-1", seats: 300, on: day("2026-03-31"), fulfiller: nil)
            #expect(outcome.fee.amount.decimalString == "1950.00")  // 300 × 130.00 × 5 %
        }
    }

    @Test(arguments: TestDatabase.available)
    func feesFollowTheSeatBandsAndTheCloseDatePrice(database kind: TestDatabase) async throws {
        try await kind.with { database in
            try await seeded(database)
            var fees: [String] = []
            for (index, seats) in [249, 250, 500, 501].enumerated() {
                let id = try await database.registerReferral(request("P01", "Customer \(index)", domain: "c\(index).com"), on: day("2026-01-01"), actor: "a")
                try await database.approveReferral(id, fulfiller: nil, on: day("2026-01-02"))
                // SW-1 costs 120.00 until 2026-02-14 and 130.00 from 2026-02-15: registered before, closed after.
                fees.append(try await database.closeReferral(id, sku: "SW-1", seats: Int64(seats), on: day("2026-02-15"), fulfiller: "DIRECT").fee.amount.decimalString)
            }
            #expect(fees == ["0.00", "1625.00", "3250.00", "6513.00"])
        }
    }

    @Test(arguments: TestDatabase.available)
    func selfFulfilmentEarnsNothingAndTheFeeLandsInTheCloseQuarter(database kind: TestDatabase) async throws {
        try await kind.with { database in
            try await seeded(database)
            let selfFulfilled = try await database.registerReferral(request("P01", "Self", domain: "self.com"), on: day("2026-03-01"), actor: "a")
            try await database.approveReferral(selfFulfilled, fulfiller: "P01", on: day("2026-03-02"))
            let zero = try await database.closeReferral(selfFulfilled, sku: "SW-1", seats: 600, on: day("2026-03-20"), fulfiller: nil)
            #expect(zero.fee.amount.decimalString == "0.00")
            let paid = try await database.registerReferral(request("P02", "Paid", domain: "paid.com"), on: day("2026-03-01"), actor: "a")
            try await database.approveReferral(paid, fulfiller: "D01", on: day("2026-03-02"))
            let outcome = try await database.closeReferral(paid, sku: "SW-1", seats: 600, on: day("2026-04-01"), fulfiller: nil)
            #expect(outcome.quarter.description == "2026Q2")
            #expect(outcome.fee.amount.decimalString == "7800.00")
            _ = try await database.closeQuarter(Quarter.parse("2026Q1"))
            _ = try await database.closeQuarter(Quarter.parse("2026Q2"))
            let q1 = try await database.referralFees(for: Quarter.parse("2026Q1"))
            let q2 = try await database.referralFees(for: Quarter.parse("2026Q2"))
            #expect(q1.map { "\($0.referralID) \($0.partner.rawValue) \($0.fee.decimalString)" } == ["REG-\(selfFulfilled.rawValue) P01 0.00"])
            #expect(q2.map { "\($0.referralID) \($0.partner.rawValue) \($0.fee.decimalString)" } == ["REG-\(paid.rawValue) P02 7800.00"])
            // The fee is a line on the referring partner's statement for the close date's quarter.
            let statement = try await database.statement(partner: "P02", quarter: Quarter.parse("2026Q2"))
            #expect(statement.lines.map { "\($0.kind.rawValue) \($0.amount.decimalString)" } == ["referral_fee 7800.00"])
            #expect(statement.lines.first?.description == "referral REG-\(paid.rawValue) (Paid), closed 2026-04-01")
            // A self-fulfilled referral earns nothing, so it puts nothing on a statement.
            await #expect(throws: StatementError.noStatement(partner: "P01", quarter: try Quarter.parse("2026Q1"))) {
                try await database.statement(partner: "P01", quarter: Quarter.parse("2026Q1"))
            }
        }
    }

    @Test(arguments: TestDatabase.available)
    func refusalsSayWhy(database kind: TestDatabase) async throws {
        try await kind.with { database in
            try await seeded(database)
            #expect(await refusal { _ = try await database.registerReferral(request("Z99", "Acme", domain: "a.com"), on: day("2026-01-01"), actor: "a") } == .unknownPartner("Z99"))
            #expect(await refusal { _ = try await database.registerReferral(request("P01", "Acme"), on: day("2026-01-01"), actor: "a") } == .needsIdentifier)
            #expect(await refusal { _ = try await database.registerReferral(request("P01", "Acme", domain: "not a domain"), on: day("2026-01-01"), actor: "a") } == .invalidDomain("not a domain"))
            var withSKU = request("P01", "Acme", domain: "a.com")
            withSKU.sku = "XX-9"
            #expect(await refusal { _ = try await database.registerReferral(withSKU, on: day("2026-01-01"), actor: "a") } == .unknownSKU("XX-9"))
            let id = try await database.registerReferral(request("P01", "Acme", domain: "a.com"), on: day("2026-01-01"), actor: "a")
            #expect(await refusal { _ = try await database.closeReferral(id, sku: "SW-1", seats: 10, on: day("2026-01-05"), fulfiller: nil) } == .notAllowed(action: "closed", id: id, status: .registered))
            try await database.rejectReferral(id, reason: "existing customer", on: day("2026-01-03"))
            #expect(await refusal { _ = try await database.closeReferral(id, sku: "SW-1", seats: 10, on: day("2026-01-05"), fulfiller: nil) } == .notAllowed(action: "closed", id: id, status: .rejected))
            #expect(await refusal { try await database.approveReferral(id, fulfiller: nil, on: day("2026-01-05")) } == .notAllowed(action: "approved", id: id, status: .rejected))
            let other = try await database.registerReferral(request("P02", "Beta", domain: "b.com"), on: day("2026-01-01"), actor: "a")
            try await database.approveReferral(other, fulfiller: nil, on: day("2026-01-02"))
            #expect(await refusal { _ = try await database.closeReferral(other, sku: "SW-1", seats: 0, on: day("2026-01-05"), fulfiller: nil) } == .nonPositiveSeats(0))
            #expect(await refusal { _ = try await database.closeReferral(other, sku: "XX-1", seats: 10, on: day("2026-01-05"), fulfiller: nil) } == .unknownSKU("XX-1"))
            #expect(await refusal { _ = try await database.closeReferral(other, sku: "SW-1", seats: 10, on: day("2026-01-05"), fulfiller: "Q77") } == .unknownPartner("Q77"))
            #expect(await refusal { try await database.rejectReferral(other, reason: " ", on: day("2026-01-05")) } == .missingReason)
            #expect(await refusal { _ = try await database.referral(ReferralID(9999), asOf: day("2026-01-05")) } == .notFound(ReferralID(9999)))
        }
    }

    /// An action may be dated in the past, but not behind the referral's later history: a won referral is not won
    /// again (its fee counted twice) nor lost by a date before the win, a rejected one is not approved by a date before
    /// the rejection, and an approval is not repeated by a date before it.
    @Test(arguments: TestDatabase.available)
    func aBackDatedActionCannotRewriteWhatFollowedIt(database kind: TestDatabase) async throws {
        try await kind.with { database in
            try await seeded(database)
            let won = try await database.registerReferral(request("P01", "Acme", domain: "a.com"), on: day("2026-01-01"), actor: "a")
            try await database.approveReferral(won, fulfiller: "D01", on: day("2026-01-02"))
            _ = try await database.closeReferral(won, sku: "SW-1", seats: 600, on: day("2026-02-10"), fulfiller: nil)
            #expect(await refusal { _ = try await database.closeReferral(won, sku: "SW-1", seats: 1, on: day("2026-02-01"), fulfiller: nil) } == .notAllowed(action: "closed", id: won, status: .won))
            #expect(await refusal { try await database.loseReferral(won, reason: "gone", on: day("2026-02-01")) } == .notAllowed(action: "closed as lost", id: won, status: .won))
            #expect(try await database.referral(won, asOf: day("2026-03-01")).status == .won)
            _ = try await database.closeQuarter(Quarter.parse("2026Q1"))
            let fees = try await database.referralFees(for: Quarter.parse("2026Q1"))
            #expect(fees.map { "\($0.referralID) \($0.fee.decimalString)" } == ["REG-\(won.rawValue) 7200.00"])

            let rejected = try await database.registerReferral(request("P02", "Beta", domain: "b.com"), on: day("2026-01-01"), actor: "a")
            try await database.rejectReferral(rejected, reason: "existing customer", on: day("2026-01-10"))
            #expect(await refusal { try await database.approveReferral(rejected, fulfiller: nil, on: day("2026-01-05")) } == .notAllowed(action: "approved", id: rejected, status: .rejected))
            #expect(try await database.referral(rejected, asOf: day("2026-03-01")).status == .rejected)

            let approved = try await database.registerReferral(request("P02", "Gamma", domain: "g.com"), on: day("2026-01-01"), actor: "a")
            try await database.approveReferral(approved, fulfiller: nil, on: day("2026-01-10"))
            #expect(await refusal { try await database.approveReferral(approved, fulfiller: "D01", on: day("2026-01-05")) } == .notAllowed(action: "approved", id: approved, status: .approved))
            #expect(await refusal { _ = try await database.closeReferral(approved, sku: "SW-1", seats: 1, on: day("2026-01-09"), fulfiller: nil) } == .notAllowed(action: "closed", id: approved, status: .registered))
            #expect(await refusal { try await database.loseReferral(approved, reason: "gone", on: day("2026-01-05")) } == .beforeApproval(action: "closed as lost", on: day("2026-01-05"), approvedOn: day("2026-01-10")))
            #expect(try await database.referral(approved, asOf: day("2026-01-20")).approvedOn == day("2026-01-10"))
            #expect(try await database.referral(approved, asOf: day("2026-01-20")).status == .approved)
        }
    }

    @Test(arguments: TestDatabase.available)
    func listFiltersByPartnerStatusAndQuarter(database kind: TestDatabase) async throws {
        try await kind.with { database in
            try await seeded(database)
            let a = try await database.registerReferral(request("P01", "A", domain: "a.com"), on: day("2026-01-01"), actor: "x")
            let b = try await database.registerReferral(request("P02", "B", domain: "b.com"), on: day("2026-02-01"), actor: "x")
            let c = try await database.registerReferral(request("P01", "C", domain: "c.com"), on: day("2026-04-01"), actor: "x")
            try await database.approveReferral(a, fulfiller: nil, on: day("2026-01-02"))
            let asOf = day("2026-05-01")
            #expect(try await database.referrals(asOf: asOf).map(\.id) == [c, b, a])
            #expect(try await database.referrals(partner: "P01", asOf: asOf).map(\.id) == [c, a])
            #expect(try await database.referrals(status: .expired, asOf: asOf).map(\.id) == [a])
            #expect(try await database.referrals(quarter: Quarter.parse("2026Q1"), asOf: asOf).map(\.id) == [b, a])
            #expect(try await database.referrals(asOf: day("2026-01-15")).map(\.id) == [a])
        }
    }

    @Test(arguments: TestDatabase.available)
    func importedReferralIdsMayNotTakeTheRegisteredPrefix(database kind: TestDatabase) async throws {
        try await kind.with { database in
            try await seeded(database)
            let found = await problems {
                try await database.importText(.referrals, "referral_id,partner,customer,sku,seats,closed_on\nREG-1,P01,Acme,SW-1,300,2026-02-01\n")
            }
            #expect(found == ["referrals.csv:2: referral_id: 'REG-1': ids starting REG- are reserved for referrals registered in Channelbook"])
        }
    }

    /// A closed referral imported with a date after the importer's today is refused, as a win recorded here is.
    @Test(arguments: TestDatabase.available)
    func anImportedReferralIsNotWonInTheFuture(database kind: TestDatabase) async throws {
        try await kind.with { database in
            try await seeded(database)
            let path = try fixtureFile("referrals.csv", "referral_id,partner,customer,sku,seats,closed_on\nX-1,P01,Acme,SW-1,300,2026-02-01\nX-2,P01,Bank,SW-1,300,2026-02-02\n")
            let found = await problems { try await database.importFile(.referrals, path: path, name: "referrals.csv", today: try BusinessDate.parse("2026-02-01")) }
            #expect(found == ["referrals.csv:3: closed_on: 2026-02-02 has not come yet (today is 2026-02-01): a referral is not won in the future"])
            #expect(try await database.count("closed_referrals") == 0)
            // On the day itself, both are fine.
            #expect(try await database.importFile(.referrals, path: path, name: "referrals.csv", today: try BusinessDate.parse("2026-02-02")).new == 2)
        }
    }
}
