import ChannelbookCore
import ChannelbookStore
import Foundation
import Hummingbird
import HummingbirdTesting
import Testing

@testable import ChannelbookWeb

/// A referral's own page (issue 16): what was registered, duplicate attempts and history for the vendor only, and
/// the review actions with their refusals beside the field. The web tests' clock says 2027-01-15.
@Suite struct ReferralPageTests {
    @Test func aReferralsPageShowsItAndItsActionsToTheRightLogins() async throws {
        let database = try await preparedDatabase()
        try await database.addUser(email: "admin@vendor.example", role: .admin, partner: nil, password: "admin secret 1234", actor: "t", bcryptCost: 4)
        try await database.importText(.partners, "code,name,kind,tier,distributors,abn\nP02,Premier Two,reseller,premier,D01,\n")
        try await database.addUser(email: "ann@p02.example", role: .partner, partner: "P02", password: "partner secret 456", actor: "t", bcryptCost: 4)
        @Sendable func day(_ text: String) throws -> BusinessDate { try BusinessDate.parse(text) }
        let id = try await database.registerReferral(
            ReferralRequest(partner: "P01", customer: "Harbour Health", abn: "53004085616", domain: nil), on: day("2027-01-02"), actor: "jo@p01.example")
        // P02 tries the same customer: refused, recorded for the vendor.
        await #expect(throws: ReferralError.self) {
            _ = try await database.registerReferral(ReferralRequest(partner: "P02", customer: "Harbour Health", abn: "53 004 085 616", domain: nil), on: day("2027-01-03"), actor: "ann@p02.example")
        }
        try await WebApp.build(database: try await database.pool(), clock: fixedClock).test(.router) { client in
            let owner = try await signedIn(client, database, "jo@p01.example", "partner secret 123")
            let own = String(buffer: try await client.execute(uri: "/referrals/\(id.rawValue)", method: .get, headers: owner.headers).body)
            #expect(own.contains("<dt class=\"col-sm-3\">ABN</dt><dd class=\"col-sm-9\">53 004 085 616</dd>"))
            #expect(!own.contains("Duplicate attempts") && !own.contains("P02") && !own.contains("action=\"/referrals/"))
            let other = try await signedIn(client, database, "ann@p02.example", "partner secret 456")
            #expect(try await client.execute(uri: "/referrals/\(id.rawValue)", method: .get, headers: other.headers).status == .notFound)

            let admin = try await signedIn(client, database, "admin@vendor.example", "admin secret 1234")
            let page = String(buffer: try await client.execute(uri: "/referrals/\(id.rawValue)", method: .get, headers: admin.headers).body)
            #expect(page.contains("<li>P02 on 2027-01-03</li>"))
            #expect(page.contains("<option value=\"DIRECT\">DIRECT (the vendor)</option><option value=\"D01\">D01 Dist</option>"))
            #expect(page.contains("<h2>History</h2>"))
            // Approve with a fulfiller from the list, then a win dated tomorrow is refused beside its date.
            #expect(try await client.execute(uri: "/referrals/\(id.rawValue)/approve", method: .post, headers: admin.headers, body: form(["csrf": admin.csrf, "fulfiller": "D01"])).status == .seeOther)
            let future = try await client.execute(
                uri: "/referrals/\(id.rawValue)/close", method: .post, headers: admin.headers,
                body: form(["csrf": admin.csrf, "sku": "HW-1", "seats": "10", "closedOn": "2027-01-16", "fulfiller": "D01"]))
            #expect(future.status == .badRequest)
            let refused = String(buffer: future.body)
            #expect(refused.contains(#"<span class="error" id="field-closedOn-error">a referral cannot be won on 2027-01-16, a date that has not come yet (today is 2027-01-15)"#))
            #expect(refused.contains(#"name="sku" size="10" value="HW-1""#))
            #expect(try await database.referral(id, asOf: day("2027-01-15")).status == .approved)
            // Lost, with the reason.
            #expect(try await client.execute(uri: "/referrals/\(id.rawValue)/lose", method: .post, headers: admin.headers, body: form(["csrf": admin.csrf, "reason": "went elsewhere"])).status == .seeOther)
            let lost = try await database.referral(id, asOf: day("2027-01-15"))
            #expect(lost.status == .lost && lost.reason == "went elsewhere")
            #expect(try await client.execute(uri: "/referrals/\(id.rawValue)/nonsense", method: .post, headers: admin.headers, body: form(["csrf": admin.csrf])).status == .notFound)
        }
        await database.close()
    }
}
