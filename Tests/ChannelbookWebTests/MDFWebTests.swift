import ChannelbookCore
import ChannelbookStore
import ChannelbookWeb
import Foundation
import HTTPTypes
import Hummingbird
import HummingbirdTesting
import Testing

/// MDF in the browser: a reseller requests and claims with proof files, the vendor reviews; errors come back
/// beside their fields; proofs and requests are the owner's and the vendor's only. (The web clock's today is 2027-01-15.)
@Suite struct MDFWebTests {
    static let pdf = "%PDF-1.4\nevent flyer\n"

    /// A claim as the form sends it: fields, then each file as a part named `file`.
    func claimBody(_ fields: [String: String], files: [(name: String, type: String, bytes: [UInt8])], boundary: String = "----cb-claim") -> (HTTPFields, ByteBuffer) {
        var body: [UInt8] = []
        for (name, value) in fields.sorted(by: { $0.key < $1.key }) {
            body += Array("--\(boundary)\r\nContent-Disposition: form-data; name=\"\(name)\"\r\n\r\n\(value)\r\n".utf8)
        }
        for file in files {
            body += Array("--\(boundary)\r\nContent-Disposition: form-data; name=\"file\"; filename=\"\(file.name)\"\r\nContent-Type: \(file.type)\r\n\r\n".utf8)
            body += file.bytes + Array("\r\n".utf8)
        }
        body += Array("--\(boundary)--\r\n".utf8)
        return ([.contentType: "multipart/form-data; boundary=\(boundary)"], ByteBuffer(bytes: body))
    }

    @Test func aResellerRequestsAndClaimsWithProofAndTheVendorReviews() async throws {
        let database = try await preparedDatabase()
        try await database.addUser(email: "admin@vendor.example", role: .admin, partner: nil, password: "admin secret 1234", actor: "t", bcryptCost: 4)
        try await database.addUser(email: "ned@n01.example", role: .partner, partner: "N01", password: "national secret 123", actor: "t", bcryptCost: 4)
        #expect(try await database.allocateMDF(Quarter.parse("2027Q1"), actor: "admin") == 1)  // P01, premier
        try await WebApp.build(database: try await database.pool(), clock: fixedClock).test(.router) { client in
            let partner = try await signedIn(client, database, "jo@p01.example", "partner secret 123")
            let page = String(buffer: try await client.execute(uri: "/mdf", method: .get, headers: partner.headers).body)
            #expect(page.contains("value=\"5000.00\">$5,000.00</data></td>"))
            #expect(page.contains("action=\"/mdf/requests\""))
            let dashboard = String(buffer: try await client.execute(uri: "/", method: .get, headers: partner.headers).body)
            #expect(dashboard.contains("$5,000.00 available"), "\(dashboard)")

            // Over half the planned cost: the page comes back with the error beside the amount and what was typed.
            var fields = ["csrf": partner.csrf, "activity": "Roadshow <Perth>", "kind": "event", "planned_cost": "3000.00", "amount": "1600.00",
                          "starts": "2027-01-10", "ends": "2027-01-14"]
            let refused = try await client.execute(uri: "/mdf/requests", method: .post, headers: partner.headers, body: form(fields))
            #expect(refused.status == .badRequest)
            let refusedPage = String(buffer: refused.body)
            #expect(refusedPage.contains("id=\"request-amount-error\""))
            #expect(refusedPage.contains("$1,600.00 is more than 50% of the planned cost $3,000.00 (at most $1,500.00)"))
            #expect(refusedPage.contains("value=\"Roadshow &lt;Perth&gt;\""))
            // A field given twice, or a broken % escape, is a 400, never a 500.
            var twice = String(buffer: form(fields))
            twice += "&csrf=forged"
            #expect(try await client.execute(uri: "/mdf/requests", method: .post, headers: partner.headers, body: ByteBuffer(string: twice)).status == .badRequest)
            #expect(try await client.execute(uri: "/mdf/requests", method: .post, headers: partner.headers, body: ByteBuffer(string: "csrf=\(partner.csrf)&activity=a%zz")).status == .badRequest)
            fields["amount"] = "1500.00"
            let sent = try await client.execute(uri: "/mdf/requests", method: .post, headers: partner.headers, body: form(fields))
            #expect(sent.status == .seeOther)
            let id = try #require(try await database.mdfRequests(partner: "P01", asOf: BusinessDate.parse("2027-01-15")).first?.id)

            // The vendor approves part; finance may not; a forged form is refused.
            let admin = try await signedIn(client, database, "admin@vendor.example", "admin secret 1234")
            let finance = try await signedIn(client, database, "fin@vendor.example", "finance secret 123")
            #expect(try await client.execute(uri: "/mdf/requests/\(id)/approve", method: .post, headers: finance.headers, body: form(["csrf": finance.csrf])).status == .forbidden)
            #expect(try await client.execute(uri: "/mdf/requests/\(id)/approve", method: .post, headers: admin.headers, body: form(["csrf": "forged"])).status == .forbidden)
            let approved = try await client.execute(
                uri: "/mdf/requests/\(id)/approve", method: .post, headers: admin.headers, body: form(["csrf": admin.csrf, "amount": "1200.00"]))
            #expect(approved.status == .seeOther)

            // Another partner's login finds neither the request nor a way to claim it.
            let other = try await signedIn(client, database, "ned@n01.example", "national secret 123")
            #expect(try await client.execute(uri: "/mdf/requests/\(id)", method: .get, headers: other.headers).status == .notFound)
            var (headers, body) = claimBody(["actual_cost": "2400.00", "amount": "1200.00"], files: [("flyer.pdf", "application/pdf", Array(Self.pdf.utf8))])
            headers[.cookie] = other.headers[.cookie]
            #expect(try await client.execute(uri: "/mdf/requests/\(id)/claim?csrf=\(other.csrf)", method: .post, headers: headers, body: body).status == .notFound)

            // A file that is not PDF/PNG/JPEG is refused beside the file input; nothing is stored.
            (headers, body) = claimBody(["actual_cost": "2400.00", "amount": "1200.00"], files: [("notes.pdf", "application/pdf", Array("just text".utf8))])
            headers[.cookie] = partner.headers[.cookie]
            let badFile = try await client.execute(uri: "/mdf/requests/\(id)/claim?csrf=\(partner.csrf)", method: .post, headers: headers, body: body)
            #expect(badFile.status == .badRequest)
            #expect(String(buffer: badFile.body).contains("proof file &#39;notes.pdf&#39; is not a PDF, PNG or JPEG file"))
            // No file at all: the error stands beside the file input; an amount given twice is refused, never joined.
            (headers, body) = claimBody(["actual_cost": "2400.00", "amount": "1200.00"], files: [])
            headers[.cookie] = partner.headers[.cookie]
            let noFile = try await client.execute(uri: "/mdf/requests/\(id)/claim?csrf=\(partner.csrf)", method: .post, headers: headers, body: body)
            #expect(noFile.status == .badRequest && String(buffer: noFile.body).contains("a claim needs at least one proof-of-performance file"))
            var twiceBody = claimBody(["actual_cost": "2400.00", "amount": "5"], files: [("flyer.pdf", "application/pdf", Array(Self.pdf.utf8))]).1
            twiceBody = ByteBuffer(string: "------cb-claim\r\nContent-Disposition: form-data; name=\"amount\"\r\n\r\n0\r\n" + String(buffer: twiceBody))
            let twiceClaim = try await client.execute(uri: "/mdf/requests/\(id)/claim?csrf=\(partner.csrf)", method: .post, headers: headers, body: twiceBody)
            #expect(twiceClaim.status == .badRequest && String(buffer: twiceClaim.body).contains("the form gives the field &#39;amount&#39; twice"))
            // Two proofs, and an empty file input the browser sent along.
            (headers, body) = claimBody(
                ["actual_cost": "2400.00", "amount": "1200.00"],
                files: [("flyer.pdf", "application/pdf", Array(Self.pdf.utf8)), ("stand.png", "image/png", [0x89, 0x50, 0x4E, 0x47, 0x0D, 0x0A, 0x1A, 0x0A, 1, 2]), ("", "application/octet-stream", [])])
            headers[.cookie] = partner.headers[.cookie]
            let claimed = try await client.execute(uri: "/mdf/requests/\(id)/claim?csrf=\(partner.csrf)", method: .post, headers: headers, body: body)
            #expect(claimed.status == .seeOther, "\(String(buffer: claimed.body))")

            // The vendor's queue links the proofs; the owner and the vendor download them, another partner cannot.
            let queue = String(buffer: try await client.execute(uri: "/mdf", method: .get, headers: admin.headers).body)
            #expect(queue.contains("Claims awaiting review"))
            let view = try await database.mdfRequest(id, asOf: BusinessDate.parse("2027-01-15"))
            #expect(view.proofs.map(\.fileName) == ["flyer.pdf", "stand.png"])
            let proof = view.proofs[0].id
            #expect(queue.contains("href=\"/mdf/proofs/\(proof)\""))
            let download = try await client.execute(uri: "/mdf/proofs/\(proof)", method: .get, headers: admin.headers)
            #expect(download.headers[.contentType] == "application/pdf")
            #expect(String(buffer: download.body) == Self.pdf)
            #expect(try await client.execute(uri: "/mdf/proofs/\(proof)", method: .get, headers: partner.headers).status == .ok)
            #expect(try await client.execute(uri: "/mdf/proofs/\(proof)", method: .get, headers: other.headers).status == .notFound)

            // Accepting over the claim is refused beside the amount; accepting part of it works and is audited.
            let over = try await client.execute(
                uri: "/mdf/requests/\(id)/accept-claim", method: .post, headers: admin.headers, body: form(["csrf": admin.csrf, "amount": "1200.01"]))
            #expect(over.status == .badRequest)
            #expect(String(buffer: over.body).contains("$1,200.01 is more than the $1,200.00 claimed"))
            let accepted = try await client.execute(
                uri: "/mdf/requests/\(id)/accept-claim", method: .post, headers: admin.headers, body: form(["csrf": admin.csrf, "amount": "1000.00"]))
            #expect(accepted.status == .seeOther)
            let balance = try #require(try await database.mdfBalances(partner: "P01", asOf: BusinessDate.parse("2027-01-15")).first)
            #expect((balance.payable, balance.available) == (try Money.parse("1000.00", currency: .aud), try Money.parse("4000.00", currency: .aud)))
            let actions = try await database.auditLog(partner: "P01").map(\.action).filter { $0.hasPrefix("mdf") }
            #expect(actions == ["mdf allocate", "mdf request", "mdf approve", "mdf claim", "mdf accept claim"])
            let partnerPage = String(buffer: try await client.execute(uri: "/mdf", method: .get, headers: partner.headers).body)
            #expect(partnerPage.contains("<td>payable</td><td>\(id)</td><td class=\"money\"><data class=\"amount\" value=\"1000.00\">$1,000.00</data></td>"))
        }
        await database.close()
    }

    @Test func theAPIRequestsClaimsAndReviewsMDFScopedToItsPartner() async throws {
        let database = try await preparedDatabase()
        try await database.addUser(email: "admin@vendor.example", role: .admin, partner: nil, password: "admin secret 1234", actor: "t", bcryptCost: 4)
        try await database.addUser(email: "ned@n01.example", role: .partner, partner: "N01", password: "national secret 123", actor: "t", bcryptCost: 4)
        _ = try await database.allocateMDF(Quarter.parse("2027Q1"), actor: "admin")
        let partner = try await database.createAPIToken(email: "jo@p01.example", name: "t", actor: "t").token
        let other = try await database.createAPIToken(email: "ned@n01.example", name: "t", actor: "t").token
        let admin = try await database.createAPIToken(email: "admin@vendor.example", name: "t", actor: "t").token
        let finance = try await database.createAPIToken(email: "fin@vendor.example", name: "t", actor: "t").token
        try await WebApp.build(database: try await database.pool(), clock: fixedClock).test(.router) { client in
            func call(_ method: HTTPRequest.Method, _ uri: String, _ token: String?, json: String? = nil) async throws -> (HTTPResponse.Status, [String: Any]) {
                var headers: HTTPFields = token.map { [.authorization: "Bearer \($0)"] } ?? [:]
                if json != nil { headers[.contentType] = "application/json" }
                let response = try await client.execute(uri: uri, method: method, headers: headers, body: json.map { ByteBuffer(string: $0) })
                let object = (try? JSONSerialization.jsonObject(with: Data(buffer: response.body))) as? [String: Any] ?? [:]
                return (response.status, object)
            }
            let body = #"{"activity":"Webinar","kind":"campaign","plannedCost":"3000.00","amount":"1500.00","startsOn":"2027-01-05","endsOn":"2027-01-12"}"#
            #expect(try await call(.post, "/api/v1/mdf/requests", nil, json: body).0 == .unauthorized)
            #expect(try await call(.post, "/api/v1/mdf/requests", admin, json: body).0 == .forbidden)  // only a reseller requests
            let over = try await call(.post, "/api/v1/mdf/requests", partner, json: body.replacingOccurrences(of: "\"1500.00\"", with: "\"1500.01\""))
            #expect(over.0 == .badRequest)
            #expect(over.1["error"] as? String == "$1,500.01 is more than 50% of the planned cost $3,000.00 (at most $1,500.00)")
            let created = try await call(.post, "/api/v1/mdf/requests", partner, json: body)
            #expect(created.0 == .created)
            #expect(created.1["status"] as? String == "requested")
            let id = try #require(created.1["id"] as? Int)

            #expect(try await call(.get, "/api/v1/mdf/requests/\(id)", other).0 == .notFound)
            #expect(try await call(.post, "/api/v1/mdf/requests/\(id)/approve", finance, json: "{}").0 == .forbidden)
            #expect(try await call(.post, "/api/v1/mdf/requests/\(id)/approve", other, json: "{}").0 == .forbidden)
            #expect(try await call(.post, "/api/v1/mdf/requests/\(id)/approve", partner, json: "{}").0 == .forbidden)  // not even its own
            let approved = try await call(.post, "/api/v1/mdf/requests/\(id)/approve", admin, json: #"{"amount":"1400.00"}"#)
            #expect(approved.0 == .ok)
            #expect((approved.1["status"] as? String, approved.1["approved"] as? String) == ("approved", "1400.00"))

            // The claim is multipart: the fields and a PDF part sent with its own content type.
            let boundary = "cb-api-claim"
            func claim(_ token: String, file: String) async throws -> (HTTPResponse.Status, String) {
                let text = "--\(boundary)\r\nContent-Disposition: form-data; name=\"actualCost\"\r\n\r\n2800.00\r\n"
                    + "--\(boundary)\r\nContent-Disposition: form-data; name=\"amount\"\r\n\r\n1400.00\r\n"
                    + "--\(boundary)\r\nContent-Disposition: form-data; name=\"file\"; filename=\"report.pdf\"\r\nContent-Type: application/pdf\r\n\r\n\(file)\r\n"
                    + "--\(boundary)--\r\n"
                let response = try await client.execute(
                    uri: "/api/v1/mdf/requests/\(id)/claim", method: .post,
                    headers: [.authorization: "Bearer \(token)", .contentType: "multipart/form-data; boundary=\(boundary)"], body: ByteBuffer(string: text))
                return (response.status, String(buffer: response.body))
            }
            #expect(try await claim(other, file: Self.pdf).0 == .notFound)
            let notPDF = try await claim(partner, file: "plain text")
            #expect(notPDF.0 == .badRequest && notPDF.1.contains("is not a PDF, PNG or JPEG file"))
            let claimed = try await claim(partner, file: Self.pdf)
            #expect(claimed.0 == .ok, "\(claimed.1)")
            let view = try await call(.get, "/api/v1/mdf/requests/\(id)", partner)
            let proofs = try #require(view.1["proofs"] as? [[String: Any]])
            #expect(proofs.map { $0["fileName"] as? String } == ["report.pdf"])
            let proof = try #require(proofs.first?["id"] as? Int)
            let download = try await client.execute(uri: "/api/v1/mdf/proofs/\(proof)", method: .get, headers: [.authorization: "Bearer \(admin)"])
            #expect(download.headers[.contentType] == "application/pdf" && String(buffer: download.body) == Self.pdf)
            #expect(try await call(.get, "/api/v1/mdf/proofs/\(proof)", other).0 == .notFound)

            let accepted = try await call(.post, "/api/v1/mdf/requests/\(id)/accept-claim", admin, json: "{}")
            #expect((accepted.0, accepted.1["accepted"] as? String) == (.ok, "1400.00"))
            let response = try await client.execute(uri: "/api/v1/mdf/balances", method: .get, headers: [.authorization: "Bearer \(partner)"])
            let balances = try JSONSerialization.jsonObject(with: Data(buffer: response.body)) as? [[String: String]]
            #expect(balances == [["partner": "P01", "allocated": "5000.00", "expired": "0.00", "reserved": "0.00", "payable": "1400.00", "paid": "0.00", "available": "3600.00"]])
            let othersBalances = try await client.execute(uri: "/api/v1/mdf/balances?partner=P01", method: .get, headers: [.authorization: "Bearer \(other)"])
            #expect((try JSONSerialization.jsonObject(with: Data(buffer: othersBalances.body)) as? [Any])?.count == 0)
            #expect(try await call(.get, "/api/v1/mdf/ledger/P01", other).0 == .notFound)
            #expect(try await client.execute(uri: "/api/v1/mdf/requests/\(id)/approve", method: .get, headers: [.authorization: "Bearer \(admin)"]).status == .methodNotAllowed)
        }
        await database.close()
    }

    @Test func anAPIWriteNeedsABearerTokenNotASessionCookie() async throws {
        let database = try await preparedDatabase()
        _ = try await database.allocateMDF(Quarter.parse("2027Q1"), actor: "admin")
        try await WebApp.build(database: try await database.pool(), clock: fixedClock).test(.router) { client in
            let partner = try await signedIn(client, database, "jo@p01.example", "partner secret 123")
            var headers = partner.headers
            headers[.contentType] = "application/json"
            let body = #"{"activity":"Webinar","kind":"campaign","plannedCost":"3000.00","amount":"1500.00","startsOn":"2027-01-05","endsOn":"2027-01-12"}"#
            let write = try await client.execute(uri: "/api/v1/mdf/requests", method: .post, headers: headers, body: ByteBuffer(string: body))
            #expect(write.status == .unauthorized)
            #expect(try await database.mdfRequests(asOf: BusinessDate.parse("2027-01-15")).isEmpty)
            #expect(try await client.execute(uri: "/api/v1/mdf/requests", method: .get, headers: partner.headers).status == .ok)  // reads still work
        }
        await database.close()
    }

    @Test func anAccountManagerSeesAndReviewsOnlyItsOwnPartnersAndAMaintenanceOfficerNone() async throws {
        let database = try await preparedDatabase()
        try await database.addUser(email: "am@vendor.example", role: .accountManager, partner: nil, password: "manager secret 123", actor: "t", bcryptCost: 4)
        try await database.addUser(email: "mo@vendor.example", role: .maintenanceOfficer, partner: nil, password: "officer secret 123", actor: "t", bcryptCost: 4)
        try await database.assignContact(partner: "N01", email: "am@vendor.example", role: .accountManager, actor: "t")
        _ = try await database.allocateMDF(Quarter.parse("2027Q1"), actor: "admin")
        let id = try await database.requestMDF(
            partner: "P01", activity: "Breakfast", kind: .event, plannedCost: try Money.parse("2000.00", currency: .aud), amount: try Money.parse("1000.00", currency: .aud),
            startsOn: BusinessDate.parse("2027-01-20"), endsOn: BusinessDate.parse("2027-01-20"), on: BusinessDate.parse("2027-01-15"), actor: "jo")
        try await WebApp.build(database: try await database.pool(), clock: fixedClock).test(.router) { client in
            let manager = try await signedIn(client, database, "am@vendor.example", "manager secret 123")
            #expect(try await client.execute(uri: "/mdf/requests/\(id)", method: .get, headers: manager.headers).status == .notFound)
            let approve = try await client.execute(uri: "/mdf/requests/\(id)/approve", method: .post, headers: manager.headers, body: form(["csrf": manager.csrf]))
            #expect(approve.status == .notFound)
            let page = String(buffer: try await client.execute(uri: "/mdf", method: .get, headers: manager.headers).body)
            #expect(!page.contains("Breakfast") && !page.contains("P01"))
            let officer = try await signedIn(client, database, "mo@vendor.example", "officer secret 123")
            let officerPage = String(buffer: try await client.execute(uri: "/mdf", method: .get, headers: officer.headers).body)
            #expect(officerPage.contains("reviewed by admins") && !officerPage.contains("Breakfast"))
        }
        #expect(try await database.mdfRequest(id, asOf: BusinessDate.parse("2027-01-15")).status == .requested)
        await database.close()
    }
}
