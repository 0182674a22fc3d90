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

    /// The list sorts by a column either way, filters, pages in SQL and downloads the same rows as CSV; a partner's
    /// list and CSV hold only its own referrals, whatever the query asks. Every page and the CSV say `REG-N`.
    @Test func theReferralListSortsFiltersPagesAndDownloads() async throws {
        let database = try await preparedDatabase()
        try await database.addUser(email: "admin@vendor.example", role: .admin, partner: nil, password: "admin secret 1234", actor: "t", bcryptCost: 4)
        try await database.importText(.partners, "code,name,kind,tier,distributors,abn\nP02,Premier Two,reseller,premier,D01,\n")
        let day = try BusinessDate.parse("2027-01-02")
        var registered: [ReferralID] = []
        for (partner, customer) in [("P01", "Zeta Mining"), ("P02", "Alpha Health"), ("P01", "Mike & Co")] {
            registered.append(try await database.registerReferral(ReferralRequest(partner: PartnerCode(partner), customer: customer, domain: "\(registered.count).example"), on: day, actor: "t"))
        }
        let ids = registered
        try await WebApp.build(database: try await database.pool(), clock: fixedClock).test(.router) { client in
            let admin = try await signedIn(client, database, "admin@vendor.example", "admin secret 1234")
            func page(_ uri: String, _ headers: HTTPFields) async throws -> String {
                String(buffer: try await client.execute(uri: uri, method: .get, headers: headers).body)
            }
            func order(_ html: String) -> [String] {
                ["Zeta Mining", "Alpha Health", "Mike &amp; Co"].compactMap { name in html.range(of: ">\(name)</a>").map { (name, $0.lowerBound) } }
                    .sorted { $0.1 < $1.1 }.map(\.0)
            }
            // Newest first by default; the customer column sorts A–Z, then Z–A, and says so to screen readers.
            let newest = try await page("/referrals", admin.headers)
            #expect(order(newest) == ["Mike &amp; Co", "Alpha Health", "Zeta Mining"])
            #expect(newest.contains(">REG-\(ids[0].rawValue)</a>"))
            #expect(newest.contains(#"<a href="/referrals?sort=customer&amp;dir=asc">Customer</a>"#))
            let byName = try await page("/referrals?sort=customer&dir=asc", admin.headers)
            #expect(order(byName) == ["Alpha Health", "Mike &amp; Co", "Zeta Mining"])
            #expect(byName.contains(#"aria-sort="ascending"><a href="/referrals?sort=customer&amp;dir=desc">Customer"#))
            #expect(order(try await page("/referrals?sort=customer&dir=desc", admin.headers)) == ["Zeta Mining", "Mike &amp; Co", "Alpha Health"])
            // Filters, kept by the sort links; an unknown sort is the default order, not an error.
            let p01 = try await page("/referrals?partner=P01&q=mi", admin.headers)
            #expect(order(p01) == ["Mike &amp; Co", "Zeta Mining"])
            #expect(p01.contains(#"<a href="/referrals?partner=P01&amp;q=mi&amp;sort=customer&amp;dir=asc">Customer</a>"#))
            #expect(order(try await page("/referrals?sort=nonsense&dir=up", admin.headers)) == ["Mike &amp; Co", "Alpha Health", "Zeta Mining"])
            #expect(try await page("/referrals?q=nobody", admin.headers).contains(#"<p class="empty-state">No referral matches these filters.</p>"#))
            // The CSV: every row, the list's order and filters.
            let csv = try await client.execute(uri: "/referrals.csv?sort=customer&dir=asc", method: .get, headers: admin.headers)
            #expect(csv.headers[.contentType] == "text/csv; charset=utf-8")
            let lines = String(buffer: csv.body).split(separator: "\r\n").map(String.init)
            #expect(lines.first == "referral,partner,customer,abn,domain,status,registered_on,expires_on,fulfiller,ended_on")
            #expect(lines.dropFirst().map { $0.split(separator: ",")[2] } == ["Alpha Health", "Mike & Co", "Zeta Mining"])
            #expect(lines[1].hasPrefix("REG-\(ids[1].rawValue),P02,Alpha Health,"))
            // A partner sees its own, in the page and the CSV, even when it asks for another's.
            let owner = try await signedIn(client, database, "jo@p01.example", "partner secret 123")
            #expect(order(try await page("/referrals?partner=P02", owner.headers)) == ["Mike &amp; Co", "Zeta Mining"])
            let own = String(buffer: try await client.execute(uri: "/referrals.csv?partner=P02", method: .get, headers: owner.headers).body)
            #expect(!own.contains("Alpha Health") && own.contains("Zeta Mining"))
            // A referral's page answers at the id people read as well as at its number.
            #expect(try await page("/referrals/REG-\(ids[1].rawValue)", admin.headers).contains("Referral REG-\(ids[1].rawValue): Alpha Health"))
        }
        await database.close()
    }

    /// Pages of 50: the pager links keep the order; page 2 holds the rest.
    @Test func aLongListPagesInTheDatabase() async throws {
        let database = try await preparedDatabase()
        try await database.addUser(email: "admin@vendor.example", role: .admin, partner: nil, password: "admin secret 1234", actor: "t", bcryptCost: 4)
        let day = try BusinessDate.parse("2027-01-02")
        for number in 1...55 {
            _ = try await database.registerReferral(ReferralRequest(partner: "P01", customer: "Customer \(number)", domain: "c\(number).example"), on: day, actor: "t")
        }
        try await WebApp.build(database: try await database.pool(), clock: fixedClock).test(.router) { client in
            let admin = try await signedIn(client, database, "admin@vendor.example", "admin secret 1234")
            let first = String(buffer: try await client.execute(uri: "/referrals", method: .get, headers: admin.headers).body)
            #expect(first.contains("Page 1 of 2 (55)"))
            #expect(first.contains(#"<a href="/referrals?sort=id&amp;dir=desc&amp;page=2" rel="next">next</a>"#))
            #expect(first.contains(">Customer 55</a>") && !first.contains(">Customer 5</a>"))
            let second = String(buffer: try await client.execute(uri: "/referrals?sort=id&dir=desc&page=2", method: .get, headers: admin.headers).body)
            #expect(second.contains("Page 2 of 2 (55)") && second.contains(">Customer 5</a>") && second.contains(">Customer 1</a>") && !second.contains(">Customer 6</a>"))
        }
        await database.close()
    }
}
