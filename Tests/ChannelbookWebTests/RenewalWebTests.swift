import ChannelbookCore
import ChannelbookStore
import ChannelbookWeb
import Foundation
import HTTPTypes
import Hummingbird
import HummingbirdTesting
import Testing

/// Renewals in the browser: the maintenance officer's dashboard is its queue, a distributor records quotes on its
/// own opportunities, a reseller sees the contracts it bought, the vendor sees every owner. (Today is 2027-01-15.)
@Suite struct RenewalWebTests {
    static func text(_ file: String) throws -> String {
        let path = FileManager.default.temporaryDirectory.appendingPathComponent("cb-web-\(UUID().uuidString).csv").path
        try file.write(toFile: path, atomically: true, encoding: .utf8)
        return path
    }

    /// D01 sold K-1 to P01, D02 sold K-2 to P02, the vendor K-3 to N01; an officer looks after D01.
    static func withContracts() async throws -> ChannelbookDatabase {
        let database = try await preparedDatabase()
        try await database.importFile(.partners, path: try text("code,name,kind,tier,distributors,abn\nD02,Dist Two,distributor,,,\nP02,Premier Two,reseller,premier,D02,\n"), name: "p.csv")
        try await database.importFile(
            .pricebook, path: try text("sku,name,category,partner_buy_price,effective_from,maintenance_months\nMT-12,Firewall care,hardware,500.00,2024-07-01,12\n"), name: "pb.csv")
        try await database.importFile(
            .contracts,
            path: try text(
                """
                contract_id,customer,reseller,source,sku,seats,starts,ends
                K-1,Harbour <Dental>,P01,D01,MT-12,10,2026-02-02,2027-02-01
                K-2,Wattle Council,P02,D02,MT-12,4,2026-02-11,2027-02-10
                K-3,Big Bank,N01,DIRECT,MT-12,8,2026-03-02,2027-03-01

                """), name: "contracts.csv")
        try await database.addUser(email: "officer@vendor.example", role: .maintenanceOfficer, partner: nil, password: "officer secret 123", actor: "t", bcryptCost: 4)
        try await database.assignContact(partner: "D01", email: "officer@vendor.example", role: .maintenanceOfficer, actor: "t")
        try await database.addUser(email: "sales@d01.example", role: .partner, partner: "D01", password: "distributor secret 1", actor: "t", bcryptCost: 4)
        try await database.addUser(email: "admin@vendor.example", role: .admin, partner: nil, password: "admin secret 1234", actor: "t", bcryptCost: 4)
        return database
    }

    @Test func theOfficersDashboardIsItsQueueAndOtherQueuesDoNotExistForIt() async throws {
        let database = try await Self.withContracts()
        try await WebApp.build(database: try await database.pool(), clock: fixedClock).test(.router) { client in
            let officer = try await signedIn(client, database, "officer@vendor.example", "officer secret 123")
            let dashboard = String(buffer: try await client.execute(uri: "/", method: .get, headers: officer.headers).body)
            #expect(dashboard.contains("Renewals of contracts sold by D01."))
            #expect(dashboard.contains("<td>K-1</td>") && dashboard.contains("Harbour &lt;Dental&gt;"))
            #expect(!dashboard.contains("K-2") && !dashboard.contains("K-3"))
            #expect(dashboard.contains("<svg") && dashboard.contains("Open and quoted renewals by days to the contract"))
            #expect(try await client.execute(uri: "/renewals/2", method: .get, headers: officer.headers).status == .notFound)
            // The officer lapses with a reason; without one the page says so beside the field.
            let noReason = try await client.execute(uri: "/renewals/1/lapse", method: .post, headers: officer.headers, body: form(["csrf": officer.csrf, "reason": " "]))
            #expect(noReason.status == .badRequest)
            #expect(String(buffer: noReason.body).contains("id=\"lapse-error\" role=\"alert\">a reason is required"))
            let lapsed = try await client.execute(uri: "/renewals/1/lapse", method: .post, headers: officer.headers, body: form(["csrf": officer.csrf, "reason": "moved away"]))
            #expect(lapsed.status == .seeOther)
            let detail = String(buffer: try await client.execute(uri: "/renewals/1", method: .get, headers: officer.headers).body)
            #expect(detail.contains("<td>lapsed (17 days to the end)</td>") && detail.contains("moved away"))
        }
        await database.close()
    }

    @Test func aDistributorQuotesItsOwnRenewalsOnly() async throws {
        let database = try await Self.withContracts()
        try await WebApp.build(database: try await database.pool(), clock: fixedClock).test(.router) { client in
            let distributor = try await signedIn(client, database, "sales@d01.example", "distributor secret 1")
            let queue = String(buffer: try await client.execute(uri: "/renewals", method: .get, headers: distributor.headers).body)
            #expect(queue.contains("The renewals D01 owns") && queue.contains("<td>K-1</td>") && !queue.contains("K-2"))
            let bad = try await client.execute(uri: "/renewals/1/quote", method: .post, headers: distributor.headers, body: form(["csrf": distributor.csrf, "amount": "12.345"]))
            #expect(bad.status == .badRequest)
            let badPage = String(buffer: bad.body)
            #expect(badPage.contains("id=\"quote-error\"") && badPage.contains("value=\"12.345\""))
            let quoted = try await client.execute(uri: "/renewals/1/quote", method: .post, headers: distributor.headers, body: form(["csrf": distributor.csrf, "amount": "4800.00"]))
            #expect(quoted.status == .seeOther)
            let detail = String(buffer: try await client.execute(uri: "/renewals/1?done=quoted", method: .get, headers: distributor.headers).body)
            #expect(detail.contains("Quote recorded.") && detail.contains("<td>quoted (17 days to the end)</td>") && detail.contains("$4,800.00 on 2027-01-15"))
            #expect(!detail.contains("renewal-lapse"))  // a distributor records quotes; the vendor lapses
            #expect(try await client.execute(uri: "/renewals/1/lapse", method: .post, headers: distributor.headers, body: form(["csrf": distributor.csrf, "reason": "x"])).status == .forbidden)
            #expect(try await client.execute(uri: "/renewals/2/quote", method: .post, headers: distributor.headers, body: form(["csrf": distributor.csrf, "amount": "1.00"])).status == .notFound)
            #expect(try await client.execute(uri: "/renewals/1/quote", method: .post, headers: distributor.headers, body: form(["csrf": "forged", "amount": "1.00"])).status == .forbidden)
        }
        await database.close()
    }

    @Test func aResellerReadsItsContractsAndTheVendorEveryOwner() async throws {
        let database = try await Self.withContracts()
        try await WebApp.build(database: try await database.pool(), clock: fixedClock).test(.router) { client in
            let reseller = try await signedIn(client, database, "jo@p01.example", "partner secret 123")
            let mine = String(buffer: try await client.execute(uri: "/renewals", method: .get, headers: reseller.headers).body)
            #expect(mine.contains("<td>K-1</td>") && !mine.contains("K-2") && !mine.contains("K-3"))
            #expect(!String(buffer: try await client.execute(uri: "/renewals/1", method: .get, headers: reseller.headers).body).contains("renewal-quote"))
            let admin = try await signedIn(client, database, "admin@vendor.example", "admin secret 1234")
            let all = String(buffer: try await client.execute(uri: "/renewals", method: .get, headers: admin.headers).body)
            #expect(all.contains("<td>K-1</td>") && all.contains("<td>K-2</td>") && all.contains("<td>K-3</td>"))
            let direct = String(buffer: try await client.execute(uri: "/renewals?owner=DIRECT&status=open", method: .get, headers: admin.headers).body)
            #expect(direct.contains("<td>K-3</td>") && !direct.contains("<td>K-1</td>"))
            #expect(try await client.execute(uri: "/renewals/x", method: .get, headers: admin.headers).status == .notFound)
            #expect(try await client.execute(uri: "/renewals", method: .get).headers[.location] == "/login?next=%2Frenewals")
        }
        await database.close()
    }
}
