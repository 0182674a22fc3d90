import ChannelbookCore
import ChannelbookStore
import ChannelbookWeb
import Foundation
import HTTPTypes
import Hummingbird
import HummingbirdTesting
import Testing

/// The quarter's end, sales uploads and referrals over the JSON API: 401 before anything else, the pages' permissions
/// (403 for a vendor role without one, 404 for a partner's token), every refusal as `{"error", "code"}`, and
/// `Idempotency-Key` replaying the first answer. (The web tests' database: 2026Q1 closed; today is 2027-01-15.)
@Suite struct QuarterEndAPITests {
    struct Tokens {
        let admin, finance, reseller, distributor: String

        init(_ database: ChannelbookDatabase) async throws {
            try await database.addUser(email: "admin@vendor.example", role: .admin, partner: nil, password: "admin secret 1234", actor: "t", bcryptCost: 4)
            try await database.addUser(email: "dee@d01.example", role: .partner, partner: "D01", password: "distributor secret 1", actor: "t", bcryptCost: 4)
            func token(_ email: String) async throws -> String { try await database.createAPIToken(email: email, name: "t", actor: "t").token }
            admin = try await token("admin@vendor.example")
            finance = try await token("fin@vendor.example")
            reseller = try await token("jo@p01.example")
            distributor = try await token("dee@d01.example")
        }
    }

    struct Answer {
        let status: HTTPResponse.Status
        let headers: HTTPFields
        let text: String
        var json: [String: Any] { (try? JSONSerialization.jsonObject(with: Data(text.utf8))) as? [String: Any] ?? [:] }
        var list: [[String: Any]] { (try? JSONSerialization.jsonObject(with: Data(text.utf8))) as? [[String: Any]] ?? [] }
        var code: String? { json["code"] as? String }
    }

    func call(
        _ client: some TestClientProtocol, _ method: HTTPRequest.Method, _ uri: String, _ token: String?, json: String? = nil, csv: String? = nil,
        key: String? = nil
    ) async throws -> Answer {
        var headers: HTTPFields = token.map { [.authorization: "Bearer \($0)"] } ?? [:]
        if json != nil { headers[.contentType] = "application/json" }
        if csv != nil { headers[.contentType] = "text/csv" }
        if let key { headers[HTTPField.Name("Idempotency-Key")!] = key }
        let response = try await client.execute(uri: uri, method: method, headers: headers, body: (json ?? csv).map { ByteBuffer(string: $0) })
        return Answer(status: response.status, headers: response.headers, text: String(buffer: response.body))
    }

    @Test func anAnonymousRequestIsToldToAuthenticateBeforeAnythingIsValidated() async throws {
        let database = try await preparedDatabase()
        try await WebApp.build(database: try await database.pool(), clock: fixedClock).test(.router) { client in
            for (method, uri) in [(HTTPRequest.Method.get, "/api/v1/statements"), (.post, "/api/v1/quarters/not-a-quarter/close"), (.post, "/api/v1/sales")] {
                let answer = try await call(client, method, uri, nil, json: "{not json")
                #expect(answer.status == .unauthorized, "\(uri)")
                #expect(answer.code == "unauthorized")
            }
            // Known token, malformed request: now the request is looked at.
            let tokens = try await Tokens(database)
            let bad = try await call(client, .get, "/api/v1/statements", tokens.finance)
            #expect(bad.status == .badRequest)
            #expect(bad.code == "bad_request")
            #expect((bad.json["error"] as? String)?.isEmpty == false)
        }
        await database.close()
    }

    @Test func theQuarterEndsOverTheAPIWithThePagesPermissions() async throws {
        let database = try await preparedDatabase()
        let tokens = try await Tokens(database)
        try await WebApp.build(database: try await database.pool(), clock: fixedClock).test(.router) { client in
            // A partner's token: the vendor's actions do not exist for it. Finance may not close; admins may not approve.
            for uri in ["/api/v1/quarters/2026Q1/close", "/api/v1/quarters/2026Q1/approve", "/api/v1/quarters/2026Q1/payouts"] {
                let a = try await call(client, .post, uri, tokens.reseller)
                #expect(a.status == .notFound, "\(uri) \(a.text)")
            }
            let financeClose = try await call(client, .post, "/api/v1/quarters/2026Q1/close", tokens.finance)
            #expect(financeClose.status == .forbidden)
            #expect(financeClose.code == "forbidden")
            #expect(financeClose.json["error"] as? String == "your role (finance) may not close quarters")
            #expect(try await call(client, .post, "/api/v1/quarters/2026Q1/approve", tokens.admin).status == .forbidden)

            // A refused file imports nothing and names every problem by line.
            let refused = try await call(
                client, .post, "/api/v1/sales?fileName=late.csv", tokens.admin,
                csv: "line_id,date,source,reseller,customer,sku,category,seats,amount,currency\nL3,2026-02-30,D01,P01,Acme,HW-1,hardware,1,1000.00,AUD\n")
            #expect(refused.status == .badRequest)
            #expect((refused.json["problems"] as? [String])?.first?.hasPrefix("late.csv:2: date") == true)
            #expect(refused.json["error"] as? String == "late.csv: 1 problem; nothing was imported")
            // A distributor's token uploads its own sell-through only; a reseller's token cannot upload.
            #expect(try await call(client, .post, "/api/v1/sales", tokens.reseller, csv: "x").status == .notFound)
            let foreign = try await call(
                client, .post, "/api/v1/sales", tokens.distributor,
                csv: "line_id,date,source,reseller,customer,sku,category,seats,amount,currency\nL9,2026-02-01,DIRECT,N01,Bank,HW-1,hardware,1,1000.00,AUD\n")
            #expect(foreign.status == .badRequest)
            let upload = try await call(
                client, .post, "/api/v1/sales?fileName=more.csv", tokens.admin,
                csv: "line_id,date,source,reseller,customer,sku,category,seats,amount,currency\nL3,2026-02-20,D01,P01,Acme,HW-1,hardware,1,1000.00,AUD\nL1,2026-01-10,D01,P01,Acme,HW-1,hardware,50,50000.00,AUD\n")
            #expect(upload.status == .ok)
            #expect(upload.json["new"] as? Int == 1)
            #expect(upload.json["present"] as? Int == 1)

            let close = try await call(client, .post, "/api/v1/quarters/2026Q1/close", tokens.admin)
            #expect(close.status == .ok)
            #expect(close.json["quarter"] as? String == "2026Q1")
            #expect(close.json["draftStatements"] as? Int == 2)

            let one = try await call(client, .post, "/api/v1/quarters/2026Q1/approve?partner=P01", tokens.finance)
            #expect(one.status == .ok)
            #expect(one.list.map { $0["partner"] as? String } == ["P01"])
            #expect(one.list.first?["status"] as? String == "approved")
            let rest = try await call(client, .post, "/api/v1/quarters/2026Q1/approve", tokens.finance)
            #expect(rest.list.map { $0["partner"] as? String } == ["N01"])
            let none = try await call(client, .post, "/api/v1/quarters/2026Q1/approve", tokens.finance)
            #expect(none.status == .badRequest)

            let payouts = try await call(client, .post, "/api/v1/quarters/2026Q1/payouts", tokens.finance)
            #expect(payouts.status == .ok)
            let rows = payouts.json["rows"] as? [[String: Any]] ?? []
            #expect(rows.map { $0["partner"] as? String } == ["N01", "P01"])
            #expect(payouts.json["currency"] as? String == "AUD")
            // The accounts-payable file itself, for a client that asks for CSV.
            let file = try await client.execute(
                uri: "/api/v1/quarters/2026Q1/payouts", method: .post, headers: [.authorization: "Bearer \(tokens.finance)", .accept: "text/csv"])
            #expect(file.headers[.contentType]?.hasPrefix("text/csv") == true)
            #expect(String(buffer: file.body).hasPrefix("partner,abn,amount,statement_reference\nN01,"))

            let paid = try await call(client, .post, "/api/v1/quarters/2026Q1/mark-paid", tokens.finance, json: #"{"reference":"EFT-2026-04"}"#)
            #expect(paid.status == .ok)
            #expect(Set(paid.list.compactMap { $0["status"] as? String }) == ["paid"])
            let statement = try await call(client, .get, "/api/v1/statements/2026Q1/P01", tokens.reseller)
            #expect(statement.json["status"] as? String == "paid")
        }
        await database.close()
    }

    @Test func anIdempotencyKeyReplaysTheFirstAnswerAndRefusesAnotherBody() async throws {
        let database = try await preparedDatabase()
        let tokens = try await Tokens(database)
        try await WebApp.build(database: try await database.pool(), clock: fixedClock).test(.router) { client in
            let first = try await call(client, .post, "/api/v1/quarters/2026Q1/approve?partner=P01", tokens.finance, key: "approve-p01")
            #expect(first.status == .ok)
            #expect(first.headers[HTTPField.Name("Idempotent-Replayed")!] == nil)
            // Sent again (a retry after a lost answer): the same answer, and nothing approved twice.
            let again = try await call(client, .post, "/api/v1/quarters/2026Q1/approve?partner=P01", tokens.finance, key: "approve-p01")
            #expect(again.status == .ok)
            #expect(again.text == first.text)
            #expect(again.headers[HTTPField.Name("Idempotent-Replayed")!] == "true")
            let audit = try await database.auditLog().filter { $0.action == "approve statement" }
            #expect(audit.count == 1)
            // The same key for another request.
            let other = try await call(client, .post, "/api/v1/quarters/2026Q1/approve?partner=N01", tokens.finance, key: "approve-p01")
            #expect(other.status == .conflict)
            #expect(other.code == "idempotency_key_reused")
            // Another login's key of the same name is its own.
            #expect(try await call(client, .post, "/api/v1/quarters/2026Q1/close", tokens.admin, key: "approve-p01").status == .ok)
            // A refusal is replayed as well (the request would be refused the same way again).
            let refused = try await call(client, .post, "/api/v1/quarters/2026Q1/mark-paid", tokens.finance, json: #"{"reference":" "}"#, key: "pay")
            #expect(refused.status == .badRequest && refused.headers[HTTPField.Name("Idempotent-Replayed")!] == nil)
            let replayed = try await call(client, .post, "/api/v1/quarters/2026Q1/mark-paid", tokens.finance, json: #"{"reference":" "}"#, key: "pay")
            #expect(replayed.text == refused.text && replayed.headers[HTTPField.Name("Idempotent-Replayed")!] == "true")
            let badKey = try await call(client, .post, "/api/v1/quarters/2026Q1/close", tokens.admin, key: String(repeating: "k", count: 256))
            #expect(badKey.status == .badRequest)
            // A JSON body larger than any operation takes (2 MiB) is refused before it is read or spooled, key or none.
            let huge = #"{"customer":""# + String(repeating: "x", count: 3 << 20) + #"","domain":"x.example"}"#
            for key in [nil, "huge"] {
                let tooLarge = try await call(client, .post, "/api/v1/referrals", tokens.reseller, json: huge, key: key)
                #expect(tooLarge.status == .contentTooLarge && tooLarge.code == "too_large")
            }
        }
        await database.close()
    }

    @Test func referralsAreRegisteredAndDecidedWithinEachLoginsScope() async throws {
        let database = try await preparedDatabase()
        let tokens = try await Tokens(database)
        try await WebApp.build(database: try await database.pool(), clock: fixedClock).test(.router) { client in
            let registered = try await call(
                client, .post, "/api/v1/referrals", tokens.reseller, json: #"{"customer":"Coastal Health","domain":"coastal.example","expectedSeats":20}"#)
            #expect(registered.status == .created)
            #expect(registered.json["partner"] as? String == "P01")
            #expect(registered.json["status"] as? String == "registered")
            let id = try #require(registered.json["id"] as? Int)
            // For another partner: refused. The same customer again: refused, and recorded on the first.
            #expect(try await call(client, .post, "/api/v1/referrals", tokens.reseller, json: #"{"partner":"N01","customer":"X","domain":"x.example"}"#).status == .forbidden)
            let duplicate = try await call(client, .post, "/api/v1/referrals", tokens.admin, json: #"{"partner":"N01","customer":"Coastal","domain":"coastal.example"}"#)
            #expect(duplicate.status == .badRequest)
            #expect(duplicate.code == "bad_request")

            #expect(try await call(client, .post, "/api/v1/referrals/\(id)/approve", tokens.finance, json: "{}").status == .forbidden)
            #expect(try await call(client, .post, "/api/v1/referrals/\(id)/approve", tokens.reseller, json: "{}").status == .notFound)
            #expect(try await call(client, .post, "/api/v1/referrals/999/approve", tokens.admin, json: "{}").status == .notFound)
            let approved = try await call(client, .post, "/api/v1/referrals/\(id)/approve", tokens.admin, json: #"{"fulfiller":"N01"}"#)
            #expect(approved.status == .ok)
            #expect(approved.json["status"] as? String == "approved")
            #expect(approved.json["fulfiller"] as? String == "N01")
            let won = try await call(
                client, .post, "/api/v1/referrals/\(id)/close", tokens.admin, json: #"{"sku":"HW-1","seats":250,"closedOn":"2027-01-15"}"#)
            #expect(won.status == .ok, "\(won.text)")
            #expect(won.json["status"] as? String == "won")
            #expect(won.json["fee"] as? String == "12500.00")  // 250 seats × 1,000.00 at 5 %
            #expect(won.json["feeQuarter"] as? String == "2027Q1")

            let own = try await call(client, .get, "/api/v1/referrals/\(id)", tokens.reseller)
            #expect(own.status == .ok)
            // Who else tried to register the customer is the vendor's to know.
            #expect((own.json["refusedDuplicates"] as? [Any])?.isEmpty == true)
            let vendor = try await call(client, .get, "/api/v1/referrals/\(id)", tokens.admin)
            #expect((vendor.json["refusedDuplicates"] as? [[String: Any]])?.first?["partner"] as? String == "N01")
            try await database.addUser(email: "nat@n01.example", role: .partner, partner: "N01", password: "national secret 12", actor: "t", bcryptCost: 4)
            let other = try await database.createAPIToken(email: "nat@n01.example", name: "t", actor: "t").token
            #expect(try await call(client, .get, "/api/v1/referrals/\(id)", other).status == .notFound)
            #expect(try await call(client, .post, "/api/v1/referrals/\(id)/lose", tokens.admin, json: #"{"reason":"late"}"#).status == .badRequest)
        }
        await database.close()
    }
}
