import ChannelbookCore
import ChannelbookStore
import ChannelbookTestSupport
import ChannelbookWeb
import Foundation
import HTTPTypes
import Hummingbird
import HummingbirdTesting
import Testing

/// Distributors in the portal: a distributor uploads its own report with a name nobody knows, sees the name parked
/// and suggests the partner; the vendor's admin maps it and the lines reach the distributor's sell-through.
@Suite struct MatchingWebTests {
    static func withDistributors() async throws -> ChannelbookDatabase {
        let database = try await preparedDatabase()
        let path = FileManager.default.temporaryDirectory.appendingPathComponent("cb-web-\(UUID().uuidString).csv").path
        try "code,name,kind,tier,distributors,abn\nD02,Dist Two,distributor,,,\nA01,Associate One,reseller,associate,D01;D02,\n".write(toFile: path, atomically: true, encoding: .utf8)
        try await database.importFile(.partners, path: path, name: "p.csv")
        try await database.addUser(email: "sales@d01.example", role: .partner, partner: "D01", password: "distributor secret 1", actor: "t", bcryptCost: 4)
        try await database.addUser(email: "sales@d02.example", role: .partner, partner: "D02", password: "distributor secret 2", actor: "t", bcryptCost: 4)
        try await database.addUser(email: "admin@vendor.example", role: .admin, partner: nil, password: "admin secret 1234", actor: "t", bcryptCost: 4)
        return database
    }

    @Test func aDistributorSuggestsItsParkedNameAndTheVendorMapsIt() async throws {
        let database = try await Self.withDistributors()
        try await WebApp.build(database: try await database.pool(), clock: fixedClock).test(.router) { client in
            let d01 = try await signedIn(client, database, "sales@d01.example", "distributor secret 1")
            // The upload page shows the file's progress with our one script (the form works without it).
            let uploadPage = String(buffer: try await client.execute(uri: "/sales/upload", method: .get, headers: d01.headers).body)
            #expect(uploadPage.contains("<script src=\"/assets/upload.js\" defer></script>") && uploadPage.contains("id=\"upload-progress\" hidden"))
            let script = try await client.execute(uri: "/assets/upload.js", method: .get)
            #expect(script.headers[.contentType] == "text/javascript; charset=utf-8" && String(buffer: script.body).contains("upload.onprogress"))
            let report = "line_id,date,source,reseller,customer,sku,category,seats,amount,currency\nR1,2026-02-01,D01,P01,Acme,HW-1,hardware,1,1000.00,AUD\n"
                + "R2,2026-02-02,D01,ASSOCIATE ONE PTY LTD,Acme,HW-1,hardware,2,2000.00,AUD\nR3,2026-02-03,D01,Associate One,Beta,HW-1,hardware,-1,-1000.00,AUD\n"
            var (headers, body) = multipart(csrf: d01.csrf, file: report, name: "d01-feb.csv")
            headers[.cookie] = d01.headers[.cookie]
            let uploaded = try await client.execute(uri: "/sales/upload?csrf=\(d01.csrf)", method: .post, headers: headers, body: body)
            let page = String(buffer: uploaded.body)
            #expect(uploaded.status == .ok && page.contains("(1 new, 0 already present, 2 parked)") && page.contains("href=\"/matching\""), "\(page)")
            // The distributor's dashboard: its names waiting, its sell-through, its route exceptions.
            let dashboard = String(buffer: try await client.execute(uri: "/", method: .get, headers: d01.headers).body)
            #expect(dashboard.contains("1 name in your reports match no partner yet") && dashboard.contains("Sell-through by segment and reseller") && dashboard.contains("Route exceptions in your reports"))
            // D01 sees its name, with Channelbook's suggestion, and suggests it; D02 does not see it.
            let names = String(buffer: try await client.execute(uri: "/matching", method: .get, headers: d01.headers).body)
            #expect(names.contains("<td>ASSOCIATE ONE PTY LTD</td>") && names.contains("A01 (same name or ABN)") && names.contains("action=\"/matching/suggest\""))
            #expect(!names.contains("/matching/map"))
            // Every parked name as CSV: its own source's only.
            let parkedCSV = String(buffer: try await client.execute(uri: "/matching/parked.csv", method: .get, headers: d01.headers).body)
            #expect(parkedCSV.hasPrefix("source,reseller_as_written,lines,amount,first_date,last_date,likely_partner\r\nD01,ASSOCIATE ONE PTY LTD,"), "\(parkedCSV)")
            #expect(parkedCSV.hasSuffix(",A01\r\n"))
            let suggested = try await client.execute(uri: "/matching/suggest", method: .post, headers: d01.headers, body: form(["csrf": d01.csrf, "name": "Associate One", "partner": "A01"]))
            #expect(suggested.status == .seeOther)
            #expect(try await client.execute(uri: "/matching/map", method: .post, headers: d01.headers, body: form(["csrf": d01.csrf, "source": "D01", "name": "Associate One", "partner": "A01"])).status == .forbidden)
            let d02 = try await signedIn(client, database, "sales@d02.example", "distributor secret 2")
            #expect(String(buffer: try await client.execute(uri: "/matching", method: .get, headers: d02.headers).body).contains("No parked lines"))
            #expect(String(buffer: try await client.execute(uri: "/matching/parked.csv", method: .get, headers: d02.headers).body) == "source,reseller_as_written,lines,amount,first_date,last_date,likely_partner\r\n")
            // A reseller's login has no such page.
            let reseller = try await signedIn(client, database, "jo@p01.example", "partner secret 123")
            #expect(try await client.execute(uri: "/matching", method: .get, headers: reseller.headers).status == .notFound)
            // The vendor's admin sees the distributor's suggestion; a mapping to a distributor is refused on the page.
            let admin = try await signedIn(client, database, "admin@vendor.example", "admin secret 1234")
            let adminPage = String(buffer: try await client.execute(uri: "/matching", method: .get, headers: admin.headers).body)
            #expect(adminPage.contains("A01 (suggested by sales@d01.example)") && adminPage.contains("action=\"/matching/map\""))
            let refused = try await client.execute(uri: "/matching/map", method: .post, headers: admin.headers, body: form(["csrf": admin.csrf, "source": "D01", "name": "Associate One", "partner": "D02"]))
            #expect(refused.status == .badRequest && String(buffer: refused.body).contains("D02 is a distributor: a reseller&#39;s name is mapped to a reseller"))
            let mapped = try await client.execute(uri: "/matching/map", method: .post, headers: admin.headers, body: form(["csrf": admin.csrf, "source": "D01", "name": "ASSOCIATE ONE PTY LTD", "partner": "A01"]))
            #expect(mapped.status == .seeOther)
            let after = String(buffer: try await client.execute(uri: "/matching?done=mapped", method: .get, headers: admin.headers).body)
            #expect(after.contains("Mapped: the name") && after.contains("No parked lines") && after.contains("<td>ASSOCIATE ONE PTY LTD</td><td>A01</td>"))
            // Decided names sort by their columns and download as CSV (issue 16); the vendor sees who decided, the
            // distributor only that the vendor did, and may not sort by it.
            #expect(after.contains(#"<a href="/matching?sort=by&amp;dir=asc">By</a>"#) && after.contains("<td>admin@vendor.example</td>"))
            let adminCSV = String(buffer: try await client.execute(uri: "/matching/decided.csv?sort=at&dir=desc", method: .get, headers: admin.headers).body)
            #expect(adminCSV.hasPrefix("source,name,partner,set_aside,decided_by,decided_at\r\nD01,ASSOCIATE ONE PTY LTD,A01,,admin@vendor.example,"))
            let theirs = String(buffer: try await client.execute(uri: "/matching?sort=by&dir=desc", method: .get, headers: d01.headers).body)
            #expect(theirs.contains("<td>the vendor</td>") && !theirs.contains("admin@vendor.example") && theirs.contains(#"<th scope="col">By</th>"#))
            #expect(theirs.contains(#"aria-sort="ascending"><a href="/matching?sort=source&amp;dir=desc">Source"#), "an order by who decided is not one a distributor may ask for")
            let theirCSV = String(buffer: try await client.execute(uri: "/matching/decided.csv?sort=by", method: .get, headers: d01.headers).body)
            #expect(theirCSV.contains(",the vendor,") && !theirCSV.contains("admin@vendor.example"))
            #expect(!String(buffer: try await client.execute(uri: "/matching/decided.csv", method: .get, headers: d02.headers).body).contains("ASSOCIATE"))
            // A workbook with the same columns: a date cell, number cells, and the mapped name resolving now.
            let workbook = try XLSXFixture.sheet(
                [["line_id", "date", "source", "reseller", "customer", "sku", "category", "seats", "amount", "currency"],
                 ["R4", "2026-02-04", "D01", "Associate One Limited", "Gamma", "HW-1", "hardware", "1", "1000", "AUD"],
                 ["R5", "2026-02-05", "D01", "Someone Else", "Delta", "HW-1", "hardware", "1", "12.345", "AUD"]],
                kinds: [1: "date", 7: "number", 8: "number"]
            ).workbookData()
            var (xlsxHeaders, xlsxBody) = multipart(csrf: d01.csrf, bytes: Array(workbook), name: "d01-feb.xlsx")
            xlsxHeaders[.cookie] = d01.headers[.cookie]
            let badWorkbook = try await client.execute(uri: "/sales/upload?csrf=\(d01.csrf)", method: .post, headers: xlsxHeaders, body: xlsxBody)
            #expect(badWorkbook.status == .badRequest && String(buffer: badWorkbook.body).contains("d01-feb.xlsx:3: amount: &#39;12.345&#39; has more decimals than AUD has (2)"))
            let fixed = try XLSXFixture.sheet(
                [["line_id", "date", "source", "reseller", "customer", "sku", "category", "seats", "amount", "currency"],
                 ["R4", "2026-02-04", "D01", "Associate One Limited", "Gamma", "HW-1", "hardware", "1", "1000", "AUD"]],
                kinds: [1: "date", 7: "number", 8: "number"]
            ).workbookData()
            (xlsxHeaders, xlsxBody) = multipart(csrf: d01.csrf, bytes: Array(fixed), name: "d01-feb.xlsx")
            xlsxHeaders[.cookie] = d01.headers[.cookie]
            let accepted = try await client.execute(uri: "/sales/upload?csrf=\(d01.csrf)", method: .post, headers: xlsxHeaders, body: xlsxBody)
            #expect(accepted.status == .ok && String(buffer: accepted.body).contains("d01-feb.xlsx: imported 1 line (1 new, 0 already present)"))
            // The mapped lines are the distributor's sell-through now, by segment: 2,000.00 for 2 seats (SMB); the return
            // of 1 seat and the workbook's sale of 1 seat net to 0.00 in the single-seat segment.
            let sellThrough = String(buffer: try await client.execute(uri: "/", method: .get, headers: d01.headers).body)
            #expect(sellThrough.contains("<tr><td>2026Q1</td><td>A01</td><td>single</td><td class=\"money\">2</td><td class=\"money\">\(amount("$0.00"))</td>"), "\(sellThrough)")
            #expect(sellThrough.contains("<tr><td>2026Q1</td><td>A01</td><td>smb</td><td class=\"money\">1</td><td class=\"money\">\(amount("$2,000.00"))</td>"))
        }
        await database.close()
    }

    @Test func parkedNamesPageInSQL() async throws {
        let database = try await Self.withDistributors()
        let path = FileManager.default.temporaryDirectory.appendingPathComponent("cb-web-\(UUID().uuidString).csv").path
        let lines = (1...101).map { "N\($0),2026-02-01,D01,Reseller \(String(format: "%03d", $0)),Acme,HW-1,hardware,1,10.00,AUD" }
        try ("line_id,date,source,reseller,customer,sku,category,seats,amount,currency\n" + lines.joined(separator: "\n") + "\n").write(toFile: path, atomically: true, encoding: .utf8)
        try await database.importFile(.sales, path: path, name: "many.csv")
        try await WebApp.build(database: try await database.pool(), clock: fixedClock).test(.router) { client in
            let admin = try await signedIn(client, database, "admin@vendor.example", "admin secret 1234")
            let first = String(buffer: try await client.execute(uri: "/matching", method: .get, headers: admin.headers).body)
            #expect(first.contains("<td>Reseller 001</td>") && first.contains("<td>Reseller 100</td>") && !first.contains("<td>Reseller 101</td>"))
            let next = try #require(first.range(of: "href=\"/matching?after=")).upperBound
            let cursor = String(first[next...].prefix { $0 != "\"" })
            let second = String(buffer: try await client.execute(uri: "/matching?after=\(cursor)", method: .get, headers: admin.headers).body)
            #expect(second.contains("<td>Reseller 101</td>") && !second.contains("<td>Reseller 100</td>") && !second.contains("Next 100 names"))
            #expect(try await client.execute(uri: "/matching?after=%00", method: .get, headers: admin.headers).status == .ok)  // ignored, not a 500
        }
        await database.close()
    }
}
