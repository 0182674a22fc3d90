import ChannelbookCore
import ChannelbookStore
import ChannelbookWeb
import Foundation
import HTTPTypes
import Hummingbird
import HummingbirdTesting
import Testing

/// Maintenance renewals over the JSON API: queues paged by cursor within each login's scope, quotes and lapses with
/// their permissions (404 outside the scope, 403 inside it), the pipeline and the renewal rate. (Today is 2027-01-15:
/// horizon 90 days, so contracts ending 2026-12-16 … 2027-04-15 are open.)
@Suite struct RenewalAPITests {
    /// Ids by contract: D01 sells C1, C2, C5–C8 to P01; D02 sells C3 to P02; the vendor sells C4 to N01 directly.
    /// C7 lapsed by its grace days, C8 renewed by a renewal line, C5 ends too far away (upcoming).
    static let contracts = """
        contract_id,customer,reseller,source,sku,seats,starts,ends
        C1,Acme,P01,D01,MT-12,10,2026-02-01,2027-01-31
        C2,Bolt,P01,D01,MT-12,4,2026-03-01,2027-02-28
        C3,Core,P02,D02,MT-12,6,2026-04-01,2027-03-31
        C4,Dart,N01,DIRECT,MT-12,2,2026-02-10,2027-02-09
        C5,Echo,P01,D01,MT-12,1,2026-07-01,2027-06-30
        C6,Fox,P01,D01,MT-12,3,2026-01-01,2026-12-31
        C7,Gum,P01,D01,MT-12,1,2025-12-01,2026-11-30
        C8,Hat,P01,D01,MT-12,3,2025-12-21,2026-12-20

        """

    /// The web tests' database with the contracts above, a second distributor and its reseller, and logins for a
    /// distributor (D01), a maintenance officer (assigned D02) and an admin; the reseller P01 and finance come with it.
    func renewalsDatabase() async throws -> ChannelbookDatabase {
        let database = try await preparedDatabase()
        try await database.importText(.partners, "code,name,kind,tier,distributors,abn\nD02,Dist Two,distributor,,,\nP02,Premier Two,reseller,premier,D02,\n")
        try await database.importText(
            .pricebook, "sku,name,category,partner_buy_price,effective_from,maintenance_months\nMT-12,Firewall with maintenance,hardware,500.00,2024-07-01,12\n")
        try await database.importText(.contracts, Self.contracts)
        try await database.importText(
            .sales, "line_id,date,source,reseller,customer,sku,category,seats,amount,currency\nR1,2027-01-05,D01,P01,Hat,MT-12,renewal,3,1500.00,AUD\n")
        try await database.addUser(email: "dee@d01.example", role: .partner, partner: "D01", password: "distributor secret 1", actor: "t", bcryptCost: 4)
        try await database.addUser(
            email: "mo@vendor.example", role: .maintenanceOfficer, partner: nil, password: "officer secret 123", actor: "t", bcryptCost: 4)
        try await database.addUser(email: "admin@vendor.example", role: .admin, partner: nil, password: "admin secret 1234", actor: "t", bcryptCost: 4)
        try await database.assignContact(partner: "D02", email: "mo@vendor.example", role: .maintenanceOfficer, actor: "t")
        return database
    }

    /// Bearer tokens by login.
    struct Tokens {
        let admin, distributor, officer, reseller, finance: String

        init(_ database: ChannelbookDatabase) async throws {
            func token(_ email: String) async throws -> String { try await database.createAPIToken(email: email, name: "t", actor: "t").token }
            admin = try await token("admin@vendor.example")
            distributor = try await token("dee@d01.example")
            officer = try await token("mo@vendor.example")
            reseller = try await token("jo@p01.example")
            finance = try await token("fin@vendor.example")
        }
    }

    /// Calls the API with a bearer token (or none): the status and the JSON answer.
    func call(_ client: some TestClientProtocol, _ method: HTTPRequest.Method, _ uri: String, _ token: String?, json: String? = nil) async throws
        -> (status: HTTPResponse.Status, body: Any?)
    {
        var headers: HTTPFields = token.map { [.authorization: "Bearer \($0)"] } ?? [:]
        if json != nil { headers[.contentType] = "application/json" }
        let response = try await client.execute(uri: uri, method: method, headers: headers, body: json.map { ByteBuffer(string: $0) })
        return (response.status, try? JSONSerialization.jsonObject(with: Data(buffer: response.body)))
    }

    func items(_ body: Any?) -> [[String: Any]] { (body as? [String: Any])?["items"] as? [[String: Any]] ?? [] }
    func rows(_ body: Any?) -> [[String: Any]] { (body as? [String: Any])?["rows"] as? [[String: Any]] ?? [] }
    func contracts(_ body: Any?) -> [String] { items(body).compactMap { $0["contractId"] as? String } }
    func error(_ body: Any?) -> String? { (body as? [String: Any])?["error"] as? String }

    static let pipelineFields = ["owner", "due0To30", "due31To60", "due61To90", "seats0To90", "value0To90"]
    static let rateFields = ["owner", "ending", "renewed", "lapsed", "open", "rateBps"]

    /// A row's fields in order, `-` for one absent (null).
    func fields(_ row: [String: Any], _ names: [String]) -> String { names.map { row[$0].map { "\($0)" } ?? "-" }.joined(separator: " ") }

    /// The opportunity's id, as the admin's queue gives it.
    func id(of contract: String, _ database: ChannelbookDatabase) async throws -> Int64 {
        let all = try await database.renewalOpportunities(
            RenewalFilter(asOf: BusinessDate.parse("2027-01-15"), statuses: RenewalStatus.allCases), access: .vendor, limit: 500)
        return try #require(all.items.first { $0.contractID == contract }?.id)
    }

    @Test func theQueueIsEachLoginsScopeAndPagesByCursor() async throws {
        let database = try await renewalsDatabase()
        let tokens = try await Tokens(database)
        let c3 = try await id(of: "C3", database)
        try await WebApp.build(database: try await database.pool(), clock: fixedClock).test(.router) { client in
            #expect(try await call(client, .get, "/api/v1/renewals", nil).status == .unauthorized)

            // The admin's default queue: open and quoted, by contract end; the opportunity's fields as the document has them.
            let admin = try await call(client, .get, "/api/v1/renewals", tokens.admin)
            #expect(admin.status == .ok)
            #expect(contracts(admin.body) == ["C6", "C1", "C4", "C2", "C3"])
            #expect((admin.body as? [String: Any])?["nextCursor"] == nil)
            let c1 = try #require(items(admin.body).first { $0["contractId"] as? String == "C1" })
            #expect(c1["customer"] as? String == "Acme" && c1["reseller"] as? String == "P01" && c1["resellerName"] as? String == "Premier One")
            #expect(c1["soldBy"] as? String == "D01" && c1["owner"] as? String == "D01" && c1["sku"] as? String == "MT-12" && c1["seats"] as? Int == 10)
            #expect(c1["starts"] as? String == "2026-02-01" && c1["ends"] as? String == "2027-01-31")
            #expect(c1["opensOn"] as? String == "2026-11-02" && c1["lapsesOn"] as? String == "2027-03-03")
            #expect(c1["status"] as? String == "open" && c1["daysToEnd"] as? Int == 16 && c1["quote"] == nil && c1["lapseReason"] == nil)

            // Filters: statuses (repeated), owner, days to the end, another day.
            #expect(contracts(try await call(client, .get, "/api/v1/renewals?status=lapsed&status=renewed", tokens.admin).body) == ["C7", "C8"])
            #expect(contracts(try await call(client, .get, "/api/v1/renewals?owner=D02", tokens.admin).body) == ["C3"])
            #expect(contracts(try await call(client, .get, "/api/v1/renewals?owner=DIRECT", tokens.admin).body) == ["C4"])
            #expect(contracts(try await call(client, .get, "/api/v1/renewals?dueWithin=30", tokens.admin).body) == ["C6", "C1", "C4"])
            #expect(contracts(try await call(client, .get, "/api/v1/renewals?asOf=2026-10-01", tokens.admin).body) == ["C7", "C8"])
            #expect(contracts(try await call(client, .get, "/api/v1/renewals?status=upcoming", tokens.admin).body) == ["C5", "D01:R1"])

            // Pages of two: each page's cursor gives the next; the last page has none.
            var seen: [String] = []
            var uri = "/api/v1/renewals?limit=2"
            var pages = 0
            while pages < 5 {
                let page = try await call(client, .get, uri, tokens.admin)
                #expect(page.status == .ok)
                seen += contracts(page.body)
                pages += 1
                guard let next = (page.body as? [String: Any])?["nextCursor"] as? String else { break }
                uri = "/api/v1/renewals?limit=2&cursor=\(next)"
            }
            #expect(seen == ["C6", "C1", "C4", "C2", "C3"] && pages == 3)

            // A distributor sees what it owns; a reseller what it bought; an officer what its distributors sold; finance all.
            #expect(contracts(try await call(client, .get, "/api/v1/renewals", tokens.distributor).body) == ["C6", "C1", "C2"])
            #expect(contracts(try await call(client, .get, "/api/v1/renewals", tokens.reseller).body) == ["C6", "C1", "C2"])
            #expect(contracts(try await call(client, .get, "/api/v1/renewals?status=lapsed", tokens.reseller).body) == ["C7"])
            #expect(contracts(try await call(client, .get, "/api/v1/renewals", tokens.officer).body) == ["C3"])
            #expect(contracts(try await call(client, .get, "/api/v1/renewals", tokens.finance).body) == ["C6", "C1", "C4", "C2", "C3"])
            #expect(contracts(try await call(client, .get, "/api/v1/renewals?owner=D02", tokens.distributor).body) == [])

            // One opportunity: another's is not found, as if it did not exist.
            let own = try await call(client, .get, "/api/v1/renewals/\(try await id(of: "C1", database))", tokens.distributor)
            #expect(own.status == .ok)
            #expect(((own.body as? [String: Any])?["opportunity"] as? [String: Any])?["contractId"] as? String == "C1")
            #expect(((own.body as? [String: Any])?["events"] as? [Any])?.count == 0)
            let others = try await call(client, .get, "/api/v1/renewals/\(c3)", tokens.distributor)
            #expect(others.status == .notFound && error(others.body) == "not found")
            #expect(try await call(client, .get, "/api/v1/renewals/\(c3)", tokens.reseller).status == .notFound)
            #expect(try await call(client, .get, "/api/v1/renewals/\(c3)", tokens.officer).status == .ok)
            #expect(try await call(client, .get, "/api/v1/renewals/999", tokens.admin).status == .notFound)
            let renewed = try await call(client, .get, "/api/v1/renewals/\(try await id(of: "C8", database))", tokens.admin)
            let c8 = try #require((renewed.body as? [String: Any])?["opportunity"] as? [String: Any])
            #expect(c8["status"] as? String == "renewed" && c8["renewedOn"] as? String == "2027-01-05" && c8["renewedBy"] as? String == "D01:R1")
            #expect(((renewed.body as? [String: Any])?["events"] as? [[String: Any]])?.map { $0["event"] as? String } == ["renewed"])
        }
        await database.close()
    }

    @Test func malformedQueriesAreA400InJSON() async throws {
        let database = try await renewalsDatabase()
        let tokens = try await Tokens(database)
        try await WebApp.build(database: try await database.pool(), clock: fixedClock).test(.router) { client in
            for (uri, message) in [
                ("/api/v1/renewals?limit=0", "limit must be 1 to 500"), ("/api/v1/renewals?limit=501", "limit must be 1 to 500"),
                ("/api/v1/renewals?cursor=next", "cursor must be the nextCursor of a previous page"),
                ("/api/v1/renewals?cursor=2027-01-31.0", "cursor must be the nextCursor of a previous page"),
                ("/api/v1/renewals?dueWithin=-1", "dueWithin must be 0 to 36500 days"),
                ("/api/v1/renewals?dueWithin=36501", "dueWithin must be 0 to 36500 days"),
                ("/api/v1/renewals?owner=\(String(repeating: "D", count: 65))", "owner must be a distributor's code or DIRECT, 1 to 64 characters"),
                ("/api/v1/renewals?asOf=2027-02-30", "asOf must be a date (YYYY-MM-DD) from 1900-01-01 to 9998-12-31"),
                ("/api/v1/renewals/0", "id must be a renewal opportunity's id, a whole number from 1"),
                ("/api/v1/renewals/rate/2026Q5", "'2026Q5' is not a quarter: write YYYYQn, such as 2026Q1"),
                ("/api/v1/renewals/pipeline?asOf=yesterday", "asOf must be a date (YYYY-MM-DD) from 1900-01-01 to 9998-12-31"),
            ] {
                let answer = try await call(client, .get, uri, tokens.admin)
                #expect(answer.status == .badRequest && error(answer.body) == message, "\(uri)")
            }
            // Past the last day a line may carry: refused. Near it, windows and horizons past year 9999 stop at the
            // calendar's end: an answer, never a stopped server.
            #expect(try await call(client, .get, "/api/v1/renewals?asOf=9999-12-31", tokens.admin).status == .badRequest)
            for uri in ["/api/v1/renewals?asOf=9998-12-31&dueWithin=36500", "/api/v1/renewals/pipeline?asOf=9998-12-31", "/api/v1/renewals/rate/9998Q4?asOf=9998-12-31"] {
                #expect(try await call(client, .get, uri, tokens.admin).status == .ok, "\(uri)")
            }
            // The earliest day is answered (the first program version holds before it), never a 500.
            #expect(try await call(client, .get, "/api/v1/renewals?asOf=1900-01-01", tokens.admin).status == .ok)
            #expect(try await call(client, .get, "/api/v1/renewals?owner=", tokens.admin).status == .badRequest)
            let early = try await call(client, .post, "/api/v1/renewals/1/quote", tokens.admin, json: #"{"amount":"1.00","on":"1900-01-01"}"#)
            #expect(early.status == .badRequest && error(early.body)?.hasPrefix("renewal opportunity 1 is not open yet") == true)
            // What the generated code cannot decode is a 400 too: an unknown status, an id that is not a number.
            for uri in ["/api/v1/renewals?status=pending", "/api/v1/renewals/abc", "/api/v1/renewals?limit=many"] {
                let answer = try await call(client, .get, uri, tokens.admin)
                #expect(answer.status == .badRequest && error(answer.body) != nil, "\(uri)")
            }
            // The documented paths take only their methods.
            #expect(try await call(client, .post, "/api/v1/renewals/pipeline", tokens.admin, json: "{}").status == .methodNotAllowed)
            #expect(try await call(client, .get, "/api/v1/renewals/1/quote", tokens.admin).status == .methodNotAllowed)
            #expect(try await call(client, .delete, "/api/v1/renewals/1", tokens.admin).status == .methodNotAllowed)
        }
        await database.close()
    }

    @Test func quotesAndLapsesFollowTheLoginsScopeAndPermissions() async throws {
        let database = try await renewalsDatabase()
        let tokens = try await Tokens(database)
        let (c1, c2) = (try await id(of: "C1", database), try await id(of: "C2", database))
        let (c3, c5) = (try await id(of: "C3", database), try await id(of: "C5", database))
        try await WebApp.build(database: try await database.pool(), clock: fixedClock).test(.router) { client in
            let quote = #"{"amount":"9000.00"}"#
            #expect(try await call(client, .post, "/api/v1/renewals/\(c1)/quote", nil, json: quote).status == .unauthorized)
            // A browser session reads but does not write: API writes take a bearer token.
            let session = try await signedIn(client, database, "admin@vendor.example", "admin secret 1234")
            var headers = session.headers
            headers[.contentType] = "application/json"
            let cookieWrite = try await client.execute(uri: "/api/v1/renewals/\(c1)/quote", method: .post, headers: headers, body: ByteBuffer(string: quote))
            #expect(cookieWrite.status == .unauthorized)
            #expect(try await client.execute(uri: "/api/v1/renewals", method: .get, headers: session.headers).status == .ok)

            // A reseller reads its contracts but may not quote them (403); another's is not found (404).
            let refused = try await call(client, .post, "/api/v1/renewals/\(c1)/quote", tokens.reseller, json: quote)
            #expect(refused.status == .forbidden && error(refused.body) == "this login may not quote renewal opportunities")
            #expect(try await call(client, .post, "/api/v1/renewals/\(c3)/quote", tokens.reseller, json: quote).status == .notFound)
            // The 403 comes before the body is looked at; finance reads everything and works nothing.
            #expect(try await call(client, .post, "/api/v1/renewals/\(c1)/quote", tokens.reseller, json: #"{"amount":"abc"}"#).status == .forbidden)
            #expect(try await call(client, .post, "/api/v1/renewals/\(c1)/lapse", tokens.finance, json: #"{"reason":"x"}"#).status == .forbidden)
            #expect(try await call(client, .post, "/api/v1/renewals/999/quote", tokens.finance, json: quote).status == .notFound)

            // The owning distributor quotes; the opportunity is quoted, with the quote and its day, and the history says so.
            let quoted = try await call(client, .post, "/api/v1/renewals/\(c1)/quote", tokens.distributor, json: quote)
            #expect(quoted.status == .ok)
            let view = try #require(quoted.body as? [String: Any])
            #expect(view["status"] as? String == "quoted" && view["quote"] as? String == "9000.00" && view["quotedOn"] as? String == "2027-01-15")
            let history = try await call(client, .get, "/api/v1/renewals/\(c1)", tokens.admin)
            let events = try #require((history.body as? [String: Any])?["events"] as? [[String: Any]])
            #expect(events.count == 1)
            #expect(events.first?["event"] as? String == "quoted" && events.first?["amount"] as? String == "9000.00")
            #expect(events.first?["date"] as? String == "2027-01-15" && events.first?["actor"] as? String == "dee@d01.example")
            #expect(contracts(try await call(client, .get, "/api/v1/renewals?status=quoted", tokens.admin).body) == ["C1"])
            // It may not lapse (403), nor quote another distributor's (404).
            let lapseRefused = try await call(client, .post, "/api/v1/renewals/\(c1)/lapse", tokens.distributor, json: #"{"reason":"gone"}"#)
            #expect(lapseRefused.status == .forbidden && error(lapseRefused.body) == "this login may not lapse renewal opportunities")
            #expect(try await call(client, .post, "/api/v1/renewals/\(c3)/quote", tokens.distributor, json: quote).status == .notFound)

            // The store's refusals in its words: a bad amount, a day that is no date, an opportunity not open yet.
            let badAmount = try await call(client, .post, "/api/v1/renewals/\(c2)/quote", tokens.admin, json: #"{"amount":"12abc"}"#)
            #expect(badAmount.status == .badRequest && error(badAmount.body)?.hasPrefix("amount: ") == true)
            let zero = try await call(client, .post, "/api/v1/renewals/\(c2)/quote", tokens.admin, json: #"{"amount":"0.00"}"#)
            #expect(zero.status == .badRequest && error(zero.body) == "amount: a quote is more than 0")
            let badDay = try await call(client, .post, "/api/v1/renewals/\(c2)/quote", tokens.admin, json: #"{"amount":"1.00","on":"2027-13-01"}"#)
            #expect(badDay.status == .badRequest && error(badDay.body) == "on must be a date (YYYY-MM-DD) from 1900-01-01 to 9998-12-31")
            let upcoming = try await call(client, .post, "/api/v1/renewals/\(c5)/quote", tokens.admin, json: quote)
            #expect(upcoming.status == .badRequest && error(upcoming.body)?.hasPrefix("renewal opportunity \(c5) is not open yet") == true)
            // A quote dated another day is recorded on that day.
            let dated = try await call(client, .post, "/api/v1/renewals/\(c2)/quote", tokens.admin, json: #"{"amount":"2000.00","on":"2027-01-10"}"#)
            #expect(dated.status == .ok && (dated.body as? [String: Any])?["quotedOn"] as? String == "2027-01-10")

            // The officer works only what its distributors sold: a lapse needs a reason, of at most 500 characters.
            #expect(try await call(client, .post, "/api/v1/renewals/\(c1)/lapse", tokens.officer, json: #"{"reason":"gone"}"#).status == .notFound)
            let noReason = try await call(client, .post, "/api/v1/renewals/\(c3)/lapse", tokens.officer, json: "{}")
            #expect(noReason.status == .badRequest && error(noReason.body) != nil)
            let blank = try await call(client, .post, "/api/v1/renewals/\(c3)/lapse", tokens.officer, json: #"{"reason":"   "}"#)
            #expect(blank.status == .badRequest && error(blank.body) == "a reason is required")
            let tooLong = "{\"reason\":\"\(String(repeating: "x", count: 501))\"}"
            let long = try await call(client, .post, "/api/v1/renewals/\(c3)/lapse", tokens.officer, json: tooLong)
            #expect(long.status == .badRequest && error(long.body) == "reason: is longer than 500 characters")
            #expect(try await call(client, .post, "/api/v1/renewals/\(c3)/lapse", tokens.officer, json: "not json").status == .badRequest)
            let lapsed = try await call(client, .post, "/api/v1/renewals/\(c3)/lapse", tokens.officer, json: #"{"reason":"moved to a competitor"}"#)
            #expect(lapsed.status == .ok)
            let lapsedView = try #require(lapsed.body as? [String: Any])
            #expect(lapsedView["status"] as? String == "lapsed" && lapsedView["lapsedOn"] as? String == "2027-01-15")
            #expect(lapsedView["lapseReason"] as? String == "moved to a competitor")
            // Lapsed, it is no longer worked.
            let again = try await call(client, .post, "/api/v1/renewals/\(c3)/quote", tokens.officer, json: quote)
            #expect(again.status == .badRequest && error(again.body) == "renewal opportunity \(c3) was lapsed on 2027-01-15: nothing more is recorded on it")
        }
        let audited = try await database.auditLog(partner: "P01").map(\.action).filter { $0.hasPrefix("renewal") }
        #expect(audited.sorted() == ["renewal quote", "renewal quote", "renewal renewed"])
        #expect(try await database.auditLog(partner: "P02").map(\.action).filter { $0.hasPrefix("renewal") } == ["renewal lapse"])
        await database.close()
    }

    @Test func thePipelineAndTheRateAreTheLoginsScope() async throws {
        let database = try await renewalsDatabase()
        let tokens = try await Tokens(database)
        try await WebApp.build(database: try await database.pool(), clock: fixedClock).test(.router) { client in
            #expect(try await call(client, .get, "/api/v1/renewals/pipeline", nil).status == .unauthorized)
            // Today: C6 has ended (in its grace days, not in the pipeline), C5 is upcoming; 500.00 a seat.
            let pipeline = try await call(client, .get, "/api/v1/renewals/pipeline", tokens.admin)
            #expect(pipeline.status == .ok)
            let rows = try #require(pipeline.body as? [[String: Any]])
            #expect(rows.map { fields($0, Self.pipelineFields) } == ["D01 1 1 0 14 7000.00", "D02 0 0 1 6 3000.00", "DIRECT 1 0 0 2 1000.00"])
            let officers = try #require(try await call(client, .get, "/api/v1/renewals/pipeline", tokens.officer).body as? [[String: Any]])
            #expect(officers.map { $0["owner"] as? String } == ["D02"])
            let earlier = try #require(try await call(client, .get, "/api/v1/renewals/pipeline?asOf=2026-12-01", tokens.admin).body as? [[String: Any]])
            // C8 and C6 end in 19 and 30 days, C1 and C2 in 61 and 89, C4 in 70; C7 has ended, C3 is not open yet.
            #expect(earlier.map { fields($0, Self.pipelineFields) } == ["D01 2 0 2 20 10000.00", "DIRECT 0 0 1 2 1000.00"])

            // 2026Q4: C6 open, C7 lapsed, C8 renewed → 1 ÷ 2 = 5000 bps. 2027Q1: nothing decided → no rate.
            let rate = try await call(client, .get, "/api/v1/renewals/rate/2026Q4", tokens.admin)
            #expect(rate.status == .ok)
            #expect((rate.body as? [[String: Any]])?.map { fields($0, Self.rateFields) } == ["D01 3 1 1 1 5000"])
            let undecided = try #require(try await call(client, .get, "/api/v1/renewals/rate/2027q1", tokens.admin).body as? [[String: Any]])
            #expect(undecided.map { fields($0, Self.rateFields) } == ["D01 2 0 0 2 -", "D02 1 0 0 1 -", "DIRECT 1 0 0 1 -"])
            // As of a day before the renewal line, C8 was still open.
            let before = try #require(try await call(client, .get, "/api/v1/renewals/rate/2026Q4?asOf=2027-01-04", tokens.admin).body as? [[String: Any]])
            #expect(before.first?["renewed"] as? Int == 0 && before.first?["rateBps"] as? Int == 0)
            // A reseller's rate covers what it bought.
            let resellers = try #require(try await call(client, .get, "/api/v1/renewals/rate/2027Q1", tokens.reseller).body as? [[String: Any]])
            #expect(resellers.map { fields($0, Self.rateFields) } == ["D01 2 0 0 2 -"])
        }
        await database.close()
    }
}
