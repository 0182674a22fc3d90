import ChannelbookCore
import ChannelbookStore
import ChannelbookWeb
import Foundation
import HTTPTypes
import Hummingbird
import HummingbirdTesting
import Testing

/// `/analytics` (PRODUCT.md section 3, "Is the strategy working?"): the sales report with filters, charts and a CSV
/// export for the vendor's roles; an account manager's resellers first; nothing for a partner's login.
@Suite struct AnalyticsWebTests {
    static func withSales() async throws -> ChannelbookDatabase {
        let database = try await preparedDatabase()
        let path = FileManager.default.temporaryDirectory.appendingPathComponent("cb-web-\(UUID().uuidString).csv").path
        try """
            line_id,date,source,reseller,customer,sku,category,seats,amount,currency
            Y1,2025-01-10,D01,P01,Acme,HW-1,hardware,2,20000.00,AUD
            S1,2026-01-12,D01,P01,Acme,HW-1,hardware,1,1000.00,AUD
            E1,2026-01-13,DIRECT,N01,Bank,HW-1,hardware,600,600000.00,AUD
            F1,2099-01-13,D01,P01,Far,HW-1,hardware,1,1.00,AUD

            """.write(toFile: path, atomically: true, encoding: .utf8)
        try await database.importFile(.sales, path: path, name: "more.csv")
        try await database.addUser(email: "am@vendor.example", role: .accountManager, partner: nil, password: "manager secret 123", actor: "t", bcryptCost: 4)
        try await database.assignContact(partner: "N01", email: "am@vendor.example", role: .accountManager, actor: "t")
        return database
    }

    @Test func theVendorSeesSalesBySegmentWithChangesChartsAndACSVExport() async throws {
        let database = try await Self.withSales()
        try await WebApp.build(database: try await database.pool(), clock: fixedClock).test(.router) { client in
            let finance = try await signedIn(client, database, "fin@vendor.example", "finance secret 123")
            let response = try await client.execute(uri: "/analytics", method: .get, headers: finance.headers)
            let page = String(buffer: response.body)
            #expect(response.status == .ok)
            // In the menu, marked as the page shown.
            #expect(page.contains(#"<a class="nav-link active" aria-current="page" href="/analytics">Analytics</a>"#))
            // By segment by default, over the four quarters up to the newest with sales (2025Q2–2026Q1): a line dated in
            // 2099 is in the ledger but moves nobody's window (the newest quarter is capped at today's, 2027Q1).
            #expect(page.contains("value=\"2025Q2\"") && page.contains("value=\"2026Q1\""))
            #expect(page.contains("<tr><td>2026Q1</td><td>single</td><td class=\"money\">1</td><td class=\"money\">\(amount("$1,000.00"))</td><td class=\"money\">\(amount("$0.00"))</td><td class=\"money\"></td><td class=\"money\"></td></tr>"), "\(page)")
            #expect(page.contains("<tr><td>2026Q1</td><td>smb</td><td class=\"money\">2</td><td class=\"money\">\(amount("$150,000.00"))</td><td class=\"money\">\(amount("$0.00"))</td><td class=\"money\"></td><td class=\"money\">+650%</td></tr>"))
            #expect(page.contains("<tr><td>2026Q1</td><td>enterprise</td><td class=\"money\">1</td><td class=\"money\">\(amount("$600,000.00"))</td>"))
            for chart in ["Net sales per quarter, stacked by segment", "Net sales per quarter, DIRECT against distribution", "SMB sales per quarter by distributor", "MDF paid per quarter"] {
                #expect(page.contains("aria-label=\"\(chart)\""), "\(chart)")
            }
            // Grouped by route and tier, filtered to the SMB segment: only the lines of 2 to 500 seats.
            let filtered = String(buffer: try await client.execute(uri: "/analytics?from=2026Q1&through=2026Q1&by=route&by=tier&segment=smb", method: .get, headers: finance.headers).body)
            #expect(filtered.contains("<tr><td>2026Q1</td><td>DIRECT</td><td>national</td><td class=\"money\">1</td><td class=\"money\">\(amount("$100,000.00"))</td>"))
            #expect(filtered.contains("<tr><td>2026Q1</td><td>distributor</td><td>premier</td><td class=\"money\">1</td><td class=\"money\">\(amount("$50,000.00"))</td>"))
            #expect(!filtered.contains("$600,000.00</td>"))
            #expect(filtered.contains("href=\"/analytics.csv?from=2026Q1&amp;through=2026Q1&amp;by=route&amp;by=tier&amp;segment=smb&amp;sort=quarter&amp;dir=asc\""))
            // The export is the command's CSV for the same query.
            let csv = try await client.execute(uri: "/analytics.csv?from=2026Q1&through=2026Q1&by=route&by=tier&segment=smb", method: .get, headers: finance.headers)
            #expect(csv.headers[.contentType] == "text/csv; charset=utf-8")
            #expect(String(buffer: csv.body) == "quarter,route,tier,lines,net_sales,renewals,change_prev_bps,change_year_bps\r\n2026Q1,DIRECT,national,1,100000.00,0.00,,\r\n2026Q1,distributor,premier,1,50000.00,0.00,,15000\r\n")
        }
        await database.close()
    }

    /// MDF paid (by the payment's quarter) beside the SMB sales of the tiers MDF goes to, and the stacked total and the
    /// distributors' SMB chart with real figures.
    @Test func mdfPaidStandsBesideTheSMBSalesOfTheFundedTiers() async throws {
        let database = try await Self.withSales()
        let q1 = try Quarter.parse("2026Q1")
        func day(_ text: String) throws -> BusinessDate { try BusinessDate.parse(text) }
        func aud(_ text: String) throws -> Money { try Money.parse(text, currency: .aud) }
        _ = try await database.allocateMDF(q1, actor: "admin")
        let id = try await database.requestMDF(
            partner: "P01", activity: "Partner breakfast", kind: .event, plannedCost: try aud("4000.00"), amount: try aud("2000.00"),
            startsOn: try day("2026-02-01"), endsOn: try day("2026-02-10"), on: try day("2026-01-15"), actor: "jo@p01.example")
        try await database.approveMDF(id, amount: nil, on: try day("2026-01-20"), actor: "admin")
        try await database.claimMDF(
            id, actualCost: try aud("4000.00"), amount: try aud("1900.00"), proofs: [ProofUpload(name: "invoice.pdf", bytes: Array("%PDF-1.7\n1 0 obj\n".utf8))],
            on: try day("2026-02-11"), actor: "jo@p01.example")
        try await database.acceptMDFClaim(id, amount: nil, on: try day("2026-03-01"), actor: "admin")
        _ = try await database.closeQuarter(q1)
        _ = try await database.approveStatements(q1, partner: "P01", actor: "finance")
        // Approving pays it: the ledger's `paid` entry is dated the approval's day, in this quarter of the real clock.
        let paidIn = Quarter(containing: BusinessDate(microsecondsSinceEpoch: Int64(Date().timeIntervalSince1970) * 1_000_000))
        #expect(try await database.mdfPaidByQuarter(from: q1, through: paidIn) == [paidIn: try aud("1900.00")])
        try await WebApp.build(database: try await database.pool(), clock: fixedClock).test(.router) { client in
            let finance = try await signedIn(client, database, "fin@vendor.example", "finance secret 123")
            let page = String(buffer: try await client.execute(uri: "/analytics?from=2026Q1&through=\(paidIn)", method: .get, headers: finance.headers).body)
            // P01 is premier: its 50 seats ($50,000.00) are SMB sales of a funded tier; N01's are national, not funded.
            #expect(page.contains("<tr><td>2026Q1</td><td class=\"money\">\(amount("$0.00"))</td><td class=\"money\">\(amount("$50,000.00"))</td><td class=\"money\"></td></tr>"), "\(page)")
            #expect(page.contains("<tr><td>\(paidIn)</td><td class=\"money\">\(amount("$1,900.00"))</td><td class=\"money\">\(amount("$0.00"))</td>"))
            // 2026Q1 stacked: $751,000.00 in all (single 1,000 + SMB 150,000 + enterprise 600,000), captioned short.
            #expect(page.contains(">$751.0K</text>"))
            #expect(page.contains("<title>2026Q1 enterprise: $600,000.00</title>"))
            // Each distributor's SMB sales: D01's $50,000.00; the DIRECT sale of 100 seats is not a distributor's.
            #expect(page.contains("<title>2026Q1 D01: $50,000.00</title>") && !page.contains("<title>2026Q1 DIRECT: $100,000.00</title>"))
        }
        await database.close()
    }

    @Test func aBadQueryIsSaidOnThePageWithWhatWasTyped() async throws {
        let database = try await Self.withSales()
        try await WebApp.build(database: try await database.pool(), clock: fixedClock).test(.router) { client in
            let admin = try await signedIn(client, database, "fin@vendor.example", "finance secret 123")
            let bad = try await client.execute(uri: "/analytics?from=2026Q9&through=2026Q1", method: .get, headers: admin.headers)
            #expect(bad.status == .badRequest)
            let page = String(buffer: bad.body)
            #expect(page.contains("From and through: quarters such as 2026Q1") && page.contains("value=\"2026Q9\""))
            let backwards = try await client.execute(uri: "/analytics?from=2026Q2&through=2026Q1", method: .get, headers: admin.headers)
            #expect(backwards.status == .badRequest && String(buffer: backwards.body).contains("the range 2026Q2..2026Q1 ends before it starts"))
            let long = try await client.execute(uri: "/analytics?from=2000Q1&through=2026Q1", method: .get, headers: admin.headers)
            #expect(long.status == .badRequest && String(buffer: long.body).contains("a report covers at most 40 quarters"))
            let unknown = try await client.execute(uri: "/analytics?by=colour", method: .get, headers: admin.headers)
            #expect(unknown.status == .badRequest && String(buffer: unknown.body).contains("Group by: unknown dimension &#39;colour&#39;"))
            let csv = try await client.execute(uri: "/analytics.csv?from=x&through=2026Q1", method: .get, headers: admin.headers)
            #expect(csv.status == .badRequest)
        }
        await database.close()
    }

    @Test func anAccountManagerSeesItsResellersFirstAndAPartnerNothing() async throws {
        let database = try await Self.withSales()
        try await WebApp.build(database: try await database.pool(), clock: fixedClock).test(.router) { client in
            let manager = try await signedIn(client, database, "am@vendor.example", "manager secret 123")
            let page = String(buffer: try await client.execute(uri: "/analytics?from=2026Q1&through=2026Q1", method: .get, headers: manager.headers).body)
            let mine = try #require(page.range(of: "<h2>My resellers</h2>"))
            let channel = try #require(page.range(of: "<h2>Net sales by segment</h2>"))
            #expect(mine.lowerBound < channel.lowerBound)
            #expect(page.contains("<tr><td><a href=\"/partners/N01\">N01</a></td><td>2026Q1</td><td class=\"money\">\(amount("$700,000.00"))</td>"))
            #expect(!page.contains("<a href=\"/partners/P01\">P01</a></td><td>2026Q1</td>"))
            // A partner's login: no analytics, no export (its own figures are on its dashboard).
            let partner = try await signedIn(client, database, "jo@p01.example", "partner secret 123")
            #expect(try await client.execute(uri: "/analytics", method: .get, headers: partner.headers).status == .notFound)
            #expect(try await client.execute(uri: "/analytics.csv", method: .get, headers: partner.headers).status == .notFound)
            #expect(try await client.execute(uri: "/analytics", method: .get).headers[.location] == "/login?next=%2Fanalytics")
        }
        await database.close()
    }
}

/// `GET /api/v1/reports/sales`: the same report as the command and the page, scoped by `AnalyticsAccess`.
@Suite struct AnalyticsAPITests {
    @Test func theReportIsScopedAndItsQueryChecked() async throws {
        let database = try await AnalyticsWebTests.withSales()
        try await database.addUser(email: "sales@d01.example", role: .partner, partner: "D01", password: "distributor secret 1", actor: "t", bcryptCost: 4)
        let api = RenewalAPITests()
        func token(_ email: String) async throws -> String { try await database.createAPIToken(email: email, name: "t", actor: "t").token }
        let finance = try await token("fin@vendor.example"), d01 = try await token("sales@d01.example"), reseller = try await token("jo@p01.example")
        try await WebApp.build(database: try await database.pool(), clock: fixedClock).test(.router) { client in
            #expect(try await api.call(client, .get, "/api/v1/reports/sales?quarters=2026Q1", nil).status == .unauthorized)
            #expect(try await api.call(client, .get, "/api/v1/reports/sales?quarters=bad", nil).status == .unauthorized)  // 401 before validation
            let report = try await api.call(client, .get, "/api/v1/reports/sales?quarters=2026Q1&by=route,segment", finance)
            #expect(report.status == .ok)
            let body = try #require(report.body as? [String: Any])
            #expect(body["currency"] as? String == "AUD" && body["dimensions"] as? [String] == ["route", "segment"])
            let rows = try #require(body["rows"] as? [[String: Any]])
            #expect(rows.map { "\($0["quarter"]!) \($0["route"]!) \($0["segment"]!) \($0["lines"]!) \($0["netSales"]!) \($0["renewals"]!)" } == [
                "2026Q1 DIRECT smb 1 100000.00 0.00", "2026Q1 DIRECT enterprise 1 600000.00 0.00",
                "2026Q1 distributor single 1 1000.00 0.00", "2026Q1 distributor smb 1 50000.00 0.00",
            ])
            // A change is a number of basis points, absent without a base; dimensions not asked for are absent.
            #expect(rows[3]["changeYearBps"] as? Int == 15000 && rows[3]["changePrevBps"] == nil && rows[3]["tier"] == nil)
            // Filters; a distributor's token kept to its own sell-through (the 2099 line is its too: a report asked for it shows it).
            let smb = try await api.call(client, .get, "/api/v1/reports/sales?quarters=2026Q1&by=distributor&segment=smb&tier=premier", finance)
            #expect(api.rows(smb.body).map { "\($0["distributor"]!) \($0["netSales"]!)" } == ["D01 50000.00"])
            let ownAll = try await api.call(client, .get, "/api/v1/reports/sales?quarters=2025Q1..2026Q1&by=reseller", d01)
            #expect(api.rows(ownAll.body).map { "\($0["quarter"]!) \($0["reseller"]!) \($0["netSales"]!)" } == ["2025Q1 P01 20000.00", "2026Q1 P01 51000.00"])
            let direct = try await api.call(client, .get, "/api/v1/reports/sales?quarters=2026Q1&by=reseller", finance)
            #expect(api.rows(direct.body).map { "\($0["reseller"]!) \($0["netSales"]!)" } == ["N01 700000.00", "P01 51000.00"])
            #expect(try await api.call(client, .get, "/api/v1/reports/sales?quarters=2026Q1", reseller).status == .notFound)
            // A distributor's sell-through is by segment and reseller only: a reseller's tier is the reseller's business.
            let bySegment = try await api.call(client, .get, "/api/v1/reports/sales?quarters=2026Q1&by=reseller,segment&segment=smb", d01)
            #expect(api.rows(bySegment.body).map { "\($0["reseller"]!) \($0["segment"]!) \($0["netSales"]!)" } == ["P01 smb 50000.00"])
            for query in ["by=tier", "by=reseller,route", "tier=premier", "route=DIRECT", "by=segment&distributor=D01"] {
                let refused = try await api.call(client, .get, "/api/v1/reports/sales?quarters=2026Q1&\(query)", d01)
                #expect(refused.status == .badRequest && api.error(refused.body)?.hasPrefix("this login's sell-through is reported by segment and reseller only, not by ") == true, "\(query)")
            }
            // Refusals in words.
            for (query, message) in [
                ("quarters=2026Q5", "quarters must be a quarter or a range such as 2025Q2..2026Q1"),
                ("quarters=2026Q2..2026Q1", "the range 2026Q2..2026Q1 ends before it starts"),
                ("quarters=2000Q1..2026Q1", "a report covers at most 40 quarters"),
                ("quarters=2026Q1&by=colour", "by: unknown dimension 'colour' (known: segment, route, distributor, tier, reseller)"),
                ("quarters=2026Q1&segment=%00", "segment must be 1 to 64 characters of text"),
                ("quarters=2026Q1&by=" + String(repeating: "segment,", count: 13), "by must be at most 100 characters"),
            ] {
                let refused = try await api.call(client, .get, "/api/v1/reports/sales?\(query)", finance)
                #expect(refused.status == .badRequest && api.error(refused.body) == message, "\(query)")
            }
        }
        await database.close()
    }
}
