import ChannelbookCore
import ChannelbookStore
import ChannelbookWeb
import Foundation
import Hummingbird
import Logging
import NIOConcurrencyHelpers
import HTTPTypes
import HummingbirdTesting
import SQLKit
import Testing

/// A fresh SQLite database with partners, a closed 2026Q1 and two logins: a partner user of P01 and finance.
/// An amount as the `money` partial draws it, from how people read it: `amount("$1,000.00")` is
/// `<data class="amount" value="1000.00">$1,000.00</data>`.
func amount(_ text: String) -> String {
    let negative = text.hasPrefix("-")
    let value = (negative ? "-" : "") + text.filter { $0.isNumber || $0 == "." }
    return "<data class=\"amount\(negative ? " negative" : "")\" value=\"\(value)\">\(text)</data>"
}

func preparedDatabase() async throws -> ChannelbookDatabase {
    let path = FileManager.default.temporaryDirectory.appendingPathComponent("cb-web-\(UUID().uuidString).sqlite").path
    let database = try await ChannelbookDatabase.open(.sqlite(path: path))
    try await database.initialise(programTOML: Program.articleTOML)
    func file(_ text: String) throws -> String {
        let path = FileManager.default.temporaryDirectory.appendingPathComponent("cb-web-\(UUID().uuidString).csv").path
        try text.write(toFile: path, atomically: true, encoding: .utf8)
        return path
    }
    try await database.importFile(
        .partners, path: try file("code,name,kind,tier,distributors,abn\nD01,Dist,distributor,,,\nN01,National <One>,reseller,national,,\nP01,Premier One,reseller,premier,D01,\n"),
        name: "partners.csv")
    try await database.importFile(.pricebook, path: try file("sku,name,category,partner_buy_price,effective_from\nHW-1,Box,hardware,1000.00,2024-07-01\n"), name: "pricebook.csv")
    try await database.importFile(
        .sales,
        path: try file(
            "line_id,date,source,reseller,customer,sku,category,seats,amount,currency\nL1,2026-01-10,D01,P01,Acme,HW-1,hardware,50,50000.00,AUD\nL2,2026-01-11,DIRECT,N01,Bank,HW-1,hardware,100,100000.00,AUD\n"),
        name: "sales.csv")
    _ = try await database.closeQuarter(Quarter.parse("2026Q1"))
    try await database.addUser(email: "jo@p01.example", role: .partner, partner: "P01", password: "partner secret 123", actor: "test", bcryptCost: 4)
    try await database.addUser(email: "fin@vendor.example", role: .finance, partner: nil, password: "finance secret 123", actor: "test", bcryptCost: 4)
    return database
}

let fixedClock = WebClock { 1_800_000_000_000_000 }

extension ChannelbookDatabase {
    /// Imports `text` as a file named after its kind (`sales.csv`), as an upload of it would.
    func importText(_ kind: ImportKind, _ text: String) async throws {
        let path = FileManager.default.temporaryDirectory.appendingPathComponent("cb-web-\(UUID().uuidString).csv").path
        try text.write(toFile: path, atomically: true, encoding: .utf8)
        try await importFile(kind, path: path, name: "\(kind.rawValue).csv")
    }
}

/// The value of a cookie set by a response.
func setCookie(_ name: String, in response: TestResponse) -> String? {
    for header in response.headers[values: .setCookie] {
        let pair = header.split(separator: ";")[0].split(separator: "=", maxSplits: 1)
        if pair.count == 2 && pair[0] == name { return String(pair[1]) }
    }
    return nil
}

func form(_ fields: [String: String]) -> ByteBuffer {
    let allowed = CharacterSet.alphanumerics.union(.init(charactersIn: "-._~"))
    let text = fields.sorted { $0.key < $1.key }
        .map { "\($0.key)=\($0.value.addingPercentEncoding(withAllowedCharacters: allowed)!)" }.joined(separator: "&")
    return ByteBuffer(string: text)
}

let formHeaders: HTTPFields = [.contentType: "application/x-www-form-urlencoded"]

/// Signs in through the login form and returns the session cookie.
func signIn(_ client: some TestClientProtocol, email: String, password: String) async throws -> String {
    let page = try await client.execute(uri: "/login", method: .get)
    let csrf = try #require(setCookie("cb_login_csrf", in: page))
    var headers = formHeaders
    headers[.cookie] = "cb_login_csrf=\(csrf)"
    let response = try await client.execute(
        uri: "/login", method: .post, headers: headers, body: form(["email": email, "password": password, "csrf": csrf]))
    #expect(response.status == .seeOther)
    return try #require(setCookie("cb_session", in: response))
}

/// The session cookie header and the session's CSRF token for a signed-in login.
func signedIn(_ client: some TestClientProtocol, _ database: ChannelbookDatabase, _ email: String, _ password: String) async throws
    -> (headers: HTTPFields, csrf: String)
{
    let session = try await signIn(client, email: email, password: password)
    let csrf = try #require(try await database.session(token: session, nowMicroseconds: fixedClock.nowMicroseconds())?.csrfToken)
    var headers = formHeaders
    headers[.cookie] = "cb_session=\(session)"
    return (headers, csrf)
}

@Suite struct WebTests {
    @Test func healthzAndMetricsBehindTheirToken() async throws {
        let database = try await preparedDatabase()
        let token = "metrics-token-0123456789"
        try await WebApp.build(database: try await database.pool(), clock: fixedClock, settings: WebSettings(metricsToken: token)).test(.router) { client in
            let response = try await client.execute(uri: "/healthz", method: .get)
            #expect(response.status == .ok)
            #expect(String(buffer: response.body) == #"{"status":"ok"}"#)
            _ = try await client.execute(uri: "/statements/2026Q1/P01", method: .get)
            // Request counts by route say what the business does: only the scraper with the token reads them.
            #expect(try await client.execute(uri: "/metrics", method: .get).status == .unauthorized)
            #expect(try await client.execute(uri: "/metrics", method: .get, headers: [.authorization: "Bearer \(token)x"]).status == .unauthorized)
            let metrics = String(buffer: try await client.execute(uri: "/metrics", method: .get, headers: [.authorization: "Bearer \(token)"]).body)
            #expect(metrics.contains(#"channelbook_http_requests_total{method="GET",route="/healthz",status="200"} 1"#))
            // Counted as the refusal it is (401), though the browser is sent on to sign in.
            #expect(metrics.contains(#"channelbook_http_requests_total{method="GET",route="/statements/{quarter}/{partner}",status="401"} 1"#))
        }
        // Without a token configured, /metrics is off.
        try await WebApp.build(database: try await database.pool(), clock: fixedClock).test(.router) { client in
            let off = try await client.execute(uri: "/metrics", method: .get)
            #expect(off.status == .notFound)
        }
        await database.close()
    }

    /// The statement page from its template: the lines in words with amounts for people, each explained, the total.
    @Test func aStatementIsDrawnFromItsTemplate() async throws {
        let database = try await preparedDatabase()
        let statement = try await database.statement(partner: "P01", quarter: Quarter.parse("2026Q1"))
        let line = try #require(statement.lines.first)
        // As a page writes text (the template escapes & < > " ').
        @Sendable func escaped(_ text: String) -> String {
            text.replacingOccurrences(of: "&", with: "&amp;").replacingOccurrences(of: "<", with: "&lt;").replacingOccurrences(of: ">", with: "&gt;")
                .replacingOccurrences(of: "\"", with: "&quot;").replacingOccurrences(of: "'", with: "&#39;")
        }
        try await WebApp.build(database: try await database.pool(), clock: fixedClock).test(.router) { client in
            let partner = try await signedIn(client, database, "jo@p01.example", "partner secret 123")
            let page = String(buffer: try await client.execute(uri: "/statements/2026Q1/P01", method: .get, headers: partner.headers).body)
            #expect(page.contains("<p>P01 Premier One · 2026Q1 · draft</p>"))
            // An amount through the money partial: for people, and exact for machines.
            @Sendable func money(_ amount: Money) -> String {
                "<data class=\"amount\(amount.isNegative ? " negative" : "")\" value=\"\(amount.decimalString)\">\(amount.displayString)</data>"
            }
            #expect(page.contains("<tr><td>\(line.kind.label)</td><td>\(escaped(line.description))</td><td class=\"money\">\(money(line.amount))</td></tr>"))
            #expect(page.contains("<details><summary>How it was computed</summary><ul><li>\(escaped(line.explanation[0]))</li>"))
            #expect(page.contains("<tfoot><tr><th></th><th>Total</th><th class=\"money\">\(money(statement.total))</th></tr></tfoot>"))
            #expect(statement.total.displayString.hasPrefix("$"))
        }
        await database.close()
    }

    @Test func aSignedOutVisitSignsInAndReturnsToThePage() async throws {
        let database = try await preparedDatabase()
        try await WebApp.build(database: try await database.pool(), clock: fixedClock).test(.router) { client in
            let visit = try await client.execute(uri: "/statements/2026Q1/P01?x=1", method: .get)
            #expect(visit.status == .seeOther)
            #expect(visit.headers[.location] == "/login?next=%2Fstatements%2F2026Q1%2FP01%3Fx%3D1")
            let login = try await client.execute(uri: try #require(visit.headers[.location]), method: .get)
            let body = String(buffer: login.body)
            #expect(body.contains(#"<input type="hidden" name="next" value="/statements/2026Q1/P01?x=1">"#))
            let csrf = try #require(setCookie("cb_login_csrf", in: login))
            var headers = formHeaders
            headers[.cookie] = "cb_login_csrf=\(csrf)"
            func signIn(next: String) async throws -> String? {
                let response = try await client.execute(
                    uri: "/login", method: .post, headers: headers,
                    body: form(["email": "jo@p01.example", "password": "partner secret 123", "csrf": csrf, "next": next]))
                #expect(response.status == .seeOther)
                return response.headers[.location]
            }
            #expect(try await signIn(next: "/statements/2026Q1/P01?x=1") == "/statements/2026Q1/P01?x=1")
            // Never to another site, nor back to the sign-in pages.
            for elsewhere in ["//evil.example/x", "/\\evil.example", "https://evil.example/", "/login?next=/", "/x\r\nSet-Cookie: a=b", ""] {
                #expect(try await signIn(next: elsewhere) == "/", "next=\(elsewhere)")
            }
            // The API still answers 401 as JSON; a POST to a page is still refused, not redirected.
            let api = try await client.execute(uri: "/api/v1/statements", method: .get)
            #expect(api.status == .unauthorized)
            #expect(String(buffer: api.body).contains(#""code":"unauthorized""#))
            #expect(try await client.execute(uri: "/quarters/2026Q1/close", method: .post, headers: formHeaders, body: form(["csrf": "x"])).status == .unauthorized)
        }
        await database.close()
    }

    @Test func signInWithTheFormThenSeeTheDashboardAndSignOut() async throws {
        let database = try await preparedDatabase()
        try await WebApp.build(database: try await database.pool(), clock: fixedClock).test(.router) { client in
            #expect(try await client.execute(uri: "/", method: .get).status == .seeOther)
            let session = try await signIn(client, email: "jo@p01.example", password: "partner secret 123")
            let dashboard = try await client.execute(uri: "/", method: .get, headers: [.cookie: "cb_session=\(session)"])
            #expect(dashboard.status == .ok)
            let html = String(buffer: dashboard.body)
            #expect(html.contains("jo@p01.example (partner, P01)"))
            // The partner's progress in the current quarter (the clock's: 2027Q1, no sales yet), and its own statement.
            #expect(html.contains("2027Q1 so far: net hardware + software sales $0.00, rebate rate 0%; $30,000.00 to the next tier (5% from $30,000.00)"))
            #expect(html.contains("<svg width=\"420\" height=\"34\""))
            #expect(html.contains("CB-2026Q1-P01-1") && !html.contains("CB-2026Q1-N01-1"))
            // From the dashboard's template: a mark per tier, the statement linked, an empty state in words.
            #expect(html.components(separatedBy: "stroke=\"#333\"").count == 4)
            #expect(html.contains(#"<td><a href="/statements/2026Q1/P01">CB-2026Q1-P01-1</a></td><td>2026Q1</td><td>draft</td>"#))
            #expect(html.contains(#"<p class="empty-state">No referrals yet.</p>"#))
            let csrf = try #require(try await database.session(token: session, nowMicroseconds: fixedClock.nowMicroseconds())?.csrfToken)
            var headers = formHeaders
            headers[.cookie] = "cb_session=\(session)"
            // Signing out needs the session's CSRF token.
            #expect(try await client.execute(uri: "/logout", method: .post, headers: headers, body: form(["csrf": "forged"])).status == .forbidden)
            #expect(try await client.execute(uri: "/logout", method: .post, headers: headers, body: form(["csrf": csrf])).status == .seeOther)
            #expect(try await database.session(token: session, nowMicroseconds: fixedClock.nowMicroseconds()) == nil)
        }
        await database.close()
    }

    @Test func aLoginFormWithoutItsCSRFTokenIsRejected() async throws {
        let database = try await preparedDatabase()
        try await WebApp.build(database: try await database.pool(), clock: fixedClock).test(.router) { client in
            var headers = formHeaders
            headers[.cookie] = "cb_login_csrf=abc"
            let response = try await client.execute(
                uri: "/login", method: .post, headers: headers, body: form(["email": "jo@p01.example", "password": "partner secret 123", "csrf": "xyz"]))
            #expect(response.status == .forbidden)
            #expect(setCookie("cb_session", in: response) == nil)
        }
        await database.close()
    }

    @Test func repeatedFailedSignInsAreThrottled() async throws {
        let database = try await preparedDatabase()
        try await WebApp.build(database: try await database.pool(), clock: fixedClock).test(.router) { client in
            var headers = formHeaders
            headers[.cookie] = "cb_login_csrf=abc"
            var statuses: [HTTPResponse.Status] = []
            for _ in 0..<6 {
                let response = try await client.execute(
                    uri: "/login", method: .post, headers: headers, body: form(["email": "fin@vendor.example", "password": "wrong", "csrf": "abc"]))
                statuses.append(response.status)
            }
            #expect(statuses == [.unauthorized, .unauthorized, .unauthorized, .unauthorized, .unauthorized, .tooManyRequests])
            let right = try await client.execute(
                uri: "/login", method: .post, headers: headers, body: form(["email": "fin@vendor.example", "password": "finance secret 123", "csrf": "abc"]))
            #expect(right.status == .tooManyRequests)
        }
        await database.close()
    }

    @Test func aPartnerSeesOnlyItsOwnStatementInPagesAndAPI() async throws {
        let database = try await preparedDatabase()
        let token = try await database.createAPIToken(email: "jo@p01.example", name: "test", actor: "test")
        try await WebApp.build(database: try await database.pool(), clock: fixedClock).test(.router) { client in
            let session = try await signIn(client, email: "jo@p01.example", password: "partner secret 123")
            let own = try await client.execute(uri: "/statements/2026Q1/P01", method: .get, headers: [.cookie: "cb_session=\(session)"])
            #expect(own.status == .ok)
            #expect(String(buffer: own.body).contains("$3,750.00"))
            let other = try await client.execute(uri: "/statements/2026Q1/N01", method: .get, headers: [.cookie: "cb_session=\(session)"])
            #expect(other.status == .notFound)
            #expect(!String(buffer: other.body).contains("National"))

            let bearer: HTTPFields = [.authorization: "Bearer \(token.token)"]
            let api = try await client.execute(uri: "/api/v1/statements/2026Q1/P01", method: .get, headers: bearer)
            #expect(api.status == .ok)
            let json = try #require(try JSONSerialization.jsonObject(with: Data(buffer: api.body)) as? [String: Any])
            #expect(json["total"] as? String == "3750.00")
            let apiOther = try await client.execute(uri: "/api/v1/statements/2026Q1/N01", method: .get, headers: bearer)
            #expect(apiOther.status == .notFound)
            #expect(try errorMessage(apiOther) == "not found")

            try await database.revokeAPIToken(id: token.id, actor: "test")
            let revoked = try await client.execute(uri: "/api/v1/me", method: .get, headers: bearer)
            #expect(revoked.status == .unauthorized)
            #expect(try errorMessage(revoked) == "sign in first: send Authorization: Bearer TOKEN")
        }
        await database.close()
    }

    @Test func vendorRolesSeeEveryPartnerAndPagesEscapeWhatTheyShow() async throws {
        let database = try await preparedDatabase()
        try await WebApp.build(database: try await database.pool(), clock: fixedClock).test(.router) { client in
            let session = try await signIn(client, email: "fin@vendor.example", password: "finance secret 123")
            let page = try await client.execute(uri: "/statements/2026Q1/N01", method: .get, headers: [.cookie: "cb_session=\(session)"])
            #expect(page.status == .ok)
            #expect(String(buffer: page.body).contains("National &lt;One&gt;"))
            #expect(try await client.execute(uri: "/statements/2026Q9/N01", method: .get, headers: [.cookie: "cb_session=\(session)"]).status == .notFound)
        }
        await database.close()
    }

    @Test func vendorPagesAreNotFoundForPartnersAndReferralsAreScoped() async throws {
        let database = try await preparedDatabase()
        let day = try BusinessDate.parse("2027-01-10")
        _ = try await database.registerReferral(ReferralRequest(partner: "P01", customer: "Acme Own", domain: "acme-own.example"), on: day, actor: "t")
        _ = try await database.registerReferral(ReferralRequest(partner: "N01", customer: "Other Co", domain: "other.example"), on: day, actor: "t")
        try await WebApp.build(database: try await database.pool(), clock: fixedClock).test(.router) { client in
            let partner = try await signIn(client, email: "jo@p01.example", password: "partner secret 123")
            let partnerCookie: HTTPFields = [.cookie: "cb_session=\(partner)"]
            #expect(try await client.execute(uri: "/audit", method: .get, headers: partnerCookie).status == .notFound)
            #expect(try await client.execute(uri: "/quarters/2026Q1", method: .get, headers: partnerCookie).status == .notFound)
            let ownReferrals = String(buffer: try await client.execute(uri: "/referrals", method: .get, headers: partnerCookie).body)
            #expect(ownReferrals.contains("Acme Own") && !ownReferrals.contains("Other Co"))

            let vendor = try await signIn(client, email: "fin@vendor.example", password: "finance secret 123")
            let vendorCookie: HTTPFields = [.cookie: "cb_session=\(vendor)"]
            let dashboard = String(buffer: try await client.execute(uri: "/", method: .get, headers: vendorCookie).body)
            #expect(dashboard.contains("<a href=\"/quarters/2026Q1\">2026Q1</a></td><td>draft</td><td>2</td><td class=\"money\">\(amount("$13,750.00"))</td>"))
            let quarter = String(buffer: try await client.execute(uri: "/quarters/2026Q1", method: .get, headers: vendorCookie).body)
            #expect(quarter.contains("CB-2026Q1-N01-1") && quarter.contains("CB-2026Q1-P01-1"))
            let audit = try await client.execute(uri: "/audit", method: .get, headers: vendorCookie)
            #expect(audit.status == .ok && String(buffer: audit.body).contains("register referral"))
            let all = String(buffer: try await client.execute(uri: "/referrals", method: .get, headers: vendorCookie).body)
            #expect(all.contains("Acme Own") && all.contains("Other Co"))
        }
        await database.close()
    }

    @Test func formsRegisterAndReviewReferralsWithCSRFAndPermissions() async throws {
        let database = try await preparedDatabase()
        try await database.addUser(email: "am@vendor.example", role: .accountManager, partner: nil, password: "manager secret 123", actor: "t", bcryptCost: 4)
        try await WebApp.build(database: try await database.pool(), clock: fixedClock).test(.router) { client in
            let partner = try await signedIn(client, database, "jo@p01.example", "partner secret 123")
            let fields = ["customer": "Harbour Health", "domain": "harbour.example", "seats": "300", "sku": "HW-1"]
            let forged = try await client.execute(uri: "/referrals", method: .post, headers: partner.headers, body: form(fields.merging(["csrf": "x"]) { $1 }))
            #expect(forged.status == .forbidden)
            let registered = try await client.execute(
                uri: "/referrals", method: .post, headers: partner.headers, body: form(fields.merging(["csrf": partner.csrf]) { $1 }))
            #expect(registered.status == .seeOther)
            // Browsers send empty number fields; a wrong one is a 400 with the reason, a missing field too.
            let badSeats = try await client.execute(
                uri: "/referrals", method: .post, headers: partner.headers,
                body: form(["customer": "Other", "domain": "other.example", "seats": "many", "csrf": partner.csrf]))
            #expect(badSeats.status == .badRequest && String(buffer: badSeats.body).contains("expected seats must be a whole number"))
            let noCustomer = try await client.execute(uri: "/referrals", method: .post, headers: partner.headers, body: form(["csrf": partner.csrf]))
            #expect(noCustomer.status == .badRequest)
            #expect(String(buffer: noCustomer.body).contains(#"<span class="error" id="field-customer-error">the customer&#39;s name is required</span>"#))
            // What was typed stays in the form.
            #expect(String(buffer: badSeats.body).contains(#"name="domain" size="20" value="other.example""#))
            let duplicate = try await client.execute(
                uri: "/referrals", method: .post, headers: partner.headers,
                body: form(["customer": "HARBOUR HEALTH PTY LTD", "domain": "other.example", "csrf": partner.csrf]))
            #expect(duplicate.status == .badRequest)
            #expect(String(buffer: duplicate.body).contains("already has an open registration (registered on 2027-01-15)"))
            // A partner cannot review.
            let self_review = try await client.execute(uri: "/referrals/1/approve", method: .post, headers: partner.headers, body: form(["csrf": partner.csrf]))
            #expect(self_review.status == .notFound)

            let manager = try await signedIn(client, database, "am@vendor.example", "manager secret 123")
            let list = String(buffer: try await client.execute(uri: "/referrals", method: .get, headers: manager.headers).body)
            #expect(list.contains("<a href=\"/referrals/1\">"))
            let page = String(buffer: try await client.execute(uri: "/referrals/1", method: .get, headers: manager.headers).body)
            #expect(page.contains("action=\"/referrals/1/approve\""))
            let approved = try await client.execute(
                uri: "/referrals/1/approve", method: .post, headers: manager.headers, body: form(["csrf": manager.csrf, "fulfiller": "D01"]))
            #expect(approved.status == .seeOther)
            let view = try await database.referral(ReferralID(1), asOf: try BusinessDate.parse("2027-01-15"))
            #expect(view.status == .approved && view.fulfiller == "D01")
            let again = try await client.execute(uri: "/referrals/1/approve", method: .post, headers: manager.headers, body: form(["csrf": manager.csrf]))
            #expect(again.status == .badRequest)
            // Rejecting needs a reason and the reviewer's permission.
            let second = try await database.registerReferral(
                ReferralRequest(partner: "P01", customer: "Second Co", domain: "second.example"), on: try BusinessDate.parse("2027-01-15"), actor: "t")
            #expect(try await client.execute(uri: "/referrals/\(second.rawValue)/reject", method: .post, headers: partner.headers, body: form(["csrf": partner.csrf, "reason": "x"])).status == .notFound)
            #expect(try await client.execute(uri: "/referrals/\(second.rawValue)/reject", method: .post, headers: manager.headers, body: form(["csrf": manager.csrf, "reason": " "])).status == .badRequest)
            #expect(try await client.execute(uri: "/referrals/\(second.rawValue)/reject", method: .post, headers: manager.headers, body: form(["csrf": manager.csrf, "reason": "existing customer"])).status == .seeOther)
            #expect(try await database.referral(second, asOf: try BusinessDate.parse("2027-01-15")).status == .rejected)
            #expect(try await client.execute(uri: "/referrals/999/approve", method: .post, headers: manager.headers, body: form(["csrf": manager.csrf])).status == .notFound)
        }
        await database.close()
    }

    @Test func closingAndApprovingAQuarterFromThePages() async throws {
        let database = try await preparedDatabase()
        try await database.addUser(email: "admin@vendor.example", role: .admin, partner: nil, password: "admin secret 1234", actor: "t", bcryptCost: 4)
        try await WebApp.build(database: try await database.pool(), clock: fixedClock).test(.router) { client in
            let partner = try await signedIn(client, database, "jo@p01.example", "partner secret 123")
            #expect(try await client.execute(uri: "/quarters/2026Q1/close", method: .post, headers: partner.headers, body: form(["csrf": partner.csrf])).status == .notFound)
            let finance = try await signedIn(client, database, "fin@vendor.example", "finance secret 123")
            #expect(try await client.execute(uri: "/quarters/2026Q1/close", method: .post, headers: finance.headers, body: form(["csrf": finance.csrf])).status == .forbidden)
            let admin = try await signedIn(client, database, "admin@vendor.example", "admin secret 1234")
            #expect(try await client.execute(uri: "/quarters/2026Q1/close", method: .post, headers: admin.headers, body: form(["csrf": admin.csrf])).status == .seeOther)
            // Without the confirmation page's "yes", approving shows that page first and changes nothing.
            let unconfirmed = try await client.execute(uri: "/quarters/2026Q1/approve", method: .post, headers: finance.headers, body: form(["csrf": finance.csrf]))
            #expect(unconfirmed.status == .seeOther)
            #expect(unconfirmed.headers[.location] == "/quarters/2026Q1/approve")
            #expect(try await database.statements(for: Quarter.parse("2026Q1")).map(\.status) == [.draft, .draft])
            let digest = StatementView.digest(try await database.approvalCandidates(Quarter.parse("2026Q1")).approving)
            let confirmed = ["csrf": finance.csrf, "confirm": "yes", "shown": digest]
            #expect(try await client.execute(uri: "/quarters/2026Q1/approve", method: .post, headers: finance.headers, body: form(confirmed)).status == .seeOther)
            #expect(try await database.statements(for: Quarter.parse("2026Q1")).map(\.status) == [.approved, .approved])
            let nothingLeft = try await client.execute(uri: "/quarters/2026Q1/approve", method: .post, headers: finance.headers, body: form(confirmed))
            #expect(nothingLeft.status == .badRequest)
            #expect(String(buffer: nothingLeft.body).contains("2026Q1 has no draft statement to approve"))
            #expect(try await database.auditLog().contains { $0.actor == "fin@vendor.example" && $0.action == "approve statement" })
        }
        await database.close()
    }

    @Test func salesUploadsImportAllOrNothingAndDistributorsUploadOnlyTheirOwn() async throws {
        let database = try await preparedDatabase()
        try await database.addUser(email: "admin@vendor.example", role: .admin, partner: nil, password: "admin secret 1234", actor: "t", bcryptCost: 4)
        try await database.addUser(email: "ops@d01.example", role: .partner, partner: "D01", password: "distributor secret", actor: "t", bcryptCost: 4)
        let header = "line_id,date,source,reseller,customer,sku,category,seats,amount,currency\n"
        try await WebApp.build(database: try await database.pool(), clock: fixedClock).test(.router) { client in
            let admin = try await signedIn(client, database, "admin@vendor.example", "admin secret 1234")
            var (headers, body) = multipart(csrf: admin.csrf, file: header + "U1,2026-02-01,D01,P01,Acme,HW-1,hardware,1,10.00,AUD\n")
            headers[.cookie] = admin.headers[.cookie]
            let ok = try await client.execute(uri: "/sales/upload", method: .post, headers: headers, body: body)
            #expect(ok.status == .ok)
            #expect(String(buffer: ok.body).contains("sales.csv: imported 1 line (1 new, 0 already present)"))
            // Uploads wait in a folder of this process's own that only its user may open.
            let folder = FileManager.default.temporaryDirectory.appendingPathComponent("channelbook-uploads-\(getpid())").path
            let permissions = try FileManager.default.attributesOfItem(atPath: folder)[.posixPermissions] as? Int
            #expect(permissions == 0o700)
            // A body cut off before its closing boundary is refused, not imported as if complete.
            (headers, body) = multipart(csrf: admin.csrf, file: header + "CUT-1,2026-02-01,D01,P01,Acme,HW-1,hardware,1,10.00,AUD\n")
            headers[.cookie] = admin.headers[.cookie]
            let cut = try await client.execute(uri: "/sales/upload", method: .post, headers: headers, body: body.getSlice(at: 0, length: body.readableBytes - 20)!)
            #expect(cut.status == .badRequest)
            #expect(try await database.count(salesLines: ()) == 3)

            (headers, body) = multipart(csrf: admin.csrf, file: header + "U2,2026-02-01,D01,P01,Acme,HW-1,hardware,1,ten,AUD\n", name: "bad.csv")
            headers[.cookie] = admin.headers[.cookie]
            let bad = try await client.execute(uri: "/sales/upload", method: .post, headers: headers, body: body)
            #expect(bad.status == .badRequest)
            #expect(String(buffer: bad.body).contains("bad.csv:2: amount: &#39;ten&#39; is not an amount"))

            (headers, body) = multipart(csrf: "forged", file: header)
            headers[.cookie] = admin.headers[.cookie]
            #expect(try await client.execute(uri: "/sales/upload", method: .post, headers: headers, body: body).status == .forbidden)

            // uploads.maxBytes: a body beyond the limit is refused with 413 and nothing is imported.
            let small = try await database.pool()
            try await WebApp.build(database: small, clock: fixedClock, settings: WebSettings(uploadLimitBytes: 2048)).test(.router) { limited in
                let lines = (0..<40).map { "BIG-\($0),2026-02-01,D01,P01,Acme,HW-1,hardware,1,10.00,AUD\n" }.joined()
                var (bigHeaders, bigBody) = multipart(csrf: admin.csrf, file: header + lines)
                bigHeaders[.cookie] = admin.headers[.cookie]
                let refused = try await limited.execute(uri: "/sales/upload", method: .post, headers: bigHeaders, body: bigBody)
                #expect(refused.status == .contentTooLarge)
                #expect(String(buffer: refused.body).contains("uploads.maxBytes"))
            }
            #expect(try await database.sql.raw("SELECT COUNT(*) AS n FROM sales_lines WHERE line_id LIKE 'BIG-%'").first()!.decode(column: "n", as: Int.self) == 0)

            let distributor = try await signedIn(client, database, "ops@d01.example", "distributor secret")
            (headers, body) = multipart(csrf: distributor.csrf, file: header + "U3,2026-02-01,DIRECT,P01,Acme,HW-1,hardware,1,10.00,AUD\n")
            headers[.cookie] = distributor.headers[.cookie]
            let foreign = try await client.execute(uri: "/sales/upload", method: .post, headers: headers, body: body)
            #expect(foreign.status == .badRequest)
            #expect(String(buffer: foreign.body).contains("a distributor uploads only its own sell-through"))
            // Its own source, but a reseller that does not buy through it (N01, national): refused per line.
            (headers, body) = multipart(csrf: distributor.csrf, file: header + "U4,2026-02-01,D01,N01,Bank,HW-1,hardware,1,100000.00,AUD\n")
            headers[.cookie] = distributor.headers[.cookie]
            let unlinked = try await client.execute(uri: "/sales/upload", method: .post, headers: headers, body: body)
            #expect(unlinked.status == .badRequest)
            #expect(String(buffer: unlinked.body).contains("sales.csv:2: reseller: N01 does not buy through D01"))

            let reseller = try await signedIn(client, database, "jo@p01.example", "partner secret 123")
            #expect(try await client.execute(uri: "/sales/upload", method: .get, headers: reseller.headers).status == .notFound)
            #expect(try await database.count(salesLines: ()) == 3)
        }
        await database.close()
    }

    /// What the single shared connection got wrong: two uploads, a failing one and a sign-in at the same
    /// moment. Each request has its own connection now: both good uploads land, the bad one rolls back only
    /// itself, and the session opened meanwhile survives.
    @Test func uploadsAndSignInsAtTheSameMomentEachKeepTheirOwnTransaction() async throws {
        let database = try await preparedDatabase()
        try await database.addUser(email: "admin@vendor.example", role: .admin, partner: nil, password: "admin secret 1234", actor: "t", bcryptCost: 4)
        let header = "line_id,date,source,reseller,customer,sku,category,seats,amount,currency\n"
        @Sendable func file(_ prefix: String, _ count: Int, bad: Bool = false) -> String {
            header + (0..<count).map { "\(prefix)\($0),2026-02-01,D01,P01,Acme,HW-1,hardware,1,10.00,AUD\n" }.joined()
                + (bad ? "\(prefix)X,2026-02-01,D01,P01,Acme,XX-9,hardware,1,10.00,AUD\n" : "")
        }
        try await WebApp.build(database: try await database.pool(), clock: fixedClock).test(.router) { client in
            let admin = try await signedIn(client, database, "admin@vendor.example", "admin secret 1234")
            let files = [("a.csv", file("A", 3000)), ("b.csv", file("B", 3000)), ("bad.csv", file("C", 3000, bad: true))]
            let statuses = try await withThrowingTaskGroup(of: (String, HTTPResponse.Status).self) { group in
                for (name, text) in files {
                    group.addTask {
                        var (headers, body) = multipart(csrf: admin.csrf, file: text, name: name)
                        headers[.cookie] = admin.headers[.cookie]
                        return (name, try await client.execute(uri: "/sales/upload", method: .post, headers: headers, body: body).status)
                    }
                }
                group.addTask { ("sign-in", try await signedIn(client, database, "jo@p01.example", "partner secret 123").csrf.isEmpty ? .internalServerError : .ok) }
                return try await group.reduce(into: [String: HTTPResponse.Status]()) { $0[$1.0] = $1.1 }
            }
            #expect(statuses == ["a.csv": .ok, "b.csv": .ok, "bad.csv": .badRequest, "sign-in": .ok])
            #expect(try await database.count(salesLines: ()) == 2 + 6000)
        }
        await database.close()
    }

    @Test func partnersDashboardChartsAndPayoutFile() async throws {
        let database = try await preparedDatabase()
        try await database.addUser(email: "am@vendor.example", role: .accountManager, partner: nil, password: "manager secret 123", actor: "t", bcryptCost: 4)
        try await WebApp.build(database: try await database.pool(), clock: fixedClock).test(.router) { client in
            let vendor = try await signedIn(client, database, "fin@vendor.example", "finance secret 123")
            let dashboard = String(buffer: try await client.execute(uri: "/", method: .get, headers: vendor.headers).body)
            #expect(dashboard.contains("<title>Resellers by tier</title>"))
            #expect(dashboard.contains("0 route exceptions in 2026Q1"))
            #expect(dashboard.contains("0 referrals awaiting review"))
            let list = String(buffer: try await client.execute(uri: "/partners?kind=reseller&q=one", method: .get, headers: vendor.headers).body)
            #expect(list.contains(">N01</a>") && list.contains(">P01</a>") && !list.contains(">D01</a>"))
            #expect(!list.contains("rel=\"next\""))
            // By ABN as people write it (the API's query, in SQL), and the same filter as CSV.
            try await database.importText(.partners, "code,name,kind,tier,distributors,abn\nP09,Taxed Co,reseller,premier,D01,53004085616\n")
            let byABN = String(buffer: try await client.execute(uri: "/partners?q=53+004+085+616", method: .get, headers: vendor.headers).body)
            #expect(byABN.contains(">P09</a>") && byABN.contains("<td>53 004 085 616</td>") && !byABN.contains(">P01</a>"))
            let csv = String(buffer: try await client.execute(uri: "/partners.csv?kind=reseller&q=one", method: .get, headers: vendor.headers).body)
            #expect(csv == "code,name,kind,tier,abn\r\nN01,National <One>,reseller,national,\r\nP01,Premier One,reseller,premier,\r\n")
            // Sorted by a column either way (issue 16), the CSV in the same order.
            let byTier = String(buffer: try await client.execute(uri: "/partners?kind=reseller&sort=tier&dir=desc", method: .get, headers: vendor.headers).body)
            let positions = ["P09", "P01", "N01"].map { byTier.range(of: ">\($0)</a>")?.lowerBound }
            #expect(positions.allSatisfy { $0 != nil } && positions[0]! < positions[1]! && positions[1]! < positions[2]!, "premier (by code, the same way round) before national")
            #expect(byTier.contains(#"aria-sort="descending"><a href="/partners?kind=reseller&amp;sort=tier&amp;dir=asc">Tier"#))
            let sortedCSV = String(buffer: try await client.execute(uri: "/partners.csv?kind=reseller&sort=name&dir=desc", method: .get, headers: vendor.headers).body)
            #expect(sortedCSV.split(separator: "\r\n").dropFirst().map { String($0.prefix(3)) } == ["P09", "P01", "N01"])
            #expect(try await client.execute(uri: "/partners.csv", method: .get, headers: signedIn(client, database, "jo@p01.example", "partner secret 123").headers).status == .notFound)
            let detail = String(buffer: try await client.execute(uri: "/partners/P01", method: .get, headers: vendor.headers).body)
            #expect(detail.contains("premier from the beginning") && detail.contains("<h2>Buys through</h2>\n<p>D01"))
            #expect(detail.contains("<title>Net sales per quarter of P01</title>"))
            // Its statements, and the vendor's ways into its referrals and MDF, filtered to it.
            #expect(detail.contains(#"aria-label="Statements of P01""#) && detail.contains(#"<a href="/referrals?partner=P01">Referrals</a>"#))
            #expect(detail.contains(#"<a href="/mdf?partner=P01">MDF requests</a>"#))
            // The payout file is a POST with the form's CSRF token: a GET changes nothing and writes no audit row.
            #expect(try await client.execute(uri: "/quarters/2026Q1/payouts.csv", method: .get, headers: vendor.headers).status != .ok)
            let forged = try await client.execute(uri: "/quarters/2026Q1/payouts.csv", method: .post, headers: vendor.headers, body: form(["csrf": "forged"]))
            #expect(forged.status == .forbidden)
            let payouts = try await client.execute(uri: "/quarters/2026Q1/payouts.csv", method: .post, headers: vendor.headers, body: form(["csrf": vendor.csrf]))
            #expect(payouts.status == .ok)
            #expect(payouts.headers[.cacheControl] == "no-store")
            #expect(String(buffer: payouts.body) == "partner,abn,amount,statement_reference\n")  // nothing approved yet

            let partner = try await signedIn(client, database, "jo@p01.example", "partner secret 123")
            #expect(try await client.execute(uri: "/partners/P01", method: .get, headers: partner.headers).status == .ok)
            #expect(try await client.execute(uri: "/partners/N01", method: .get, headers: partner.headers).status == .notFound)
            #expect(try await client.execute(uri: "/partners", method: .get, headers: partner.headers).status == .notFound)
            #expect(try await client.execute(uri: "/quarters/2026Q1/payouts.csv", method: .post, headers: partner.headers, body: form(["csrf": partner.csrf])).status == .notFound)

            // An approved referral is closed as won from the list.
            let id = try await database.registerReferral(ReferralRequest(partner: "P01", customer: "Won Co", domain: "won.example"), on: try BusinessDate.parse("2027-01-02"), actor: "t")
            try await database.approveReferral(id, fulfiller: nil, on: try BusinessDate.parse("2027-01-03"), actor: "t")
            let manager = try await signedIn(client, database, "am@vendor.example", "manager secret 123")
            let win = ["csrf": manager.csrf, "sku": "HW-1", "seats": "300", "closedOn": "2027-01-10"]
            // The fee first, nothing recorded; then the win.
            let preview = try await client.execute(uri: "/referrals/\(id.rawValue)/close", method: .post, headers: manager.headers, body: form(win))
            #expect(preview.status == .ok)
            #expect(String(buffer: preview.body).contains("P01 earns a referral fee of\n<strong><data class=\"amount\" value=\""))
            #expect(try await database.referral(id, asOf: try BusinessDate.parse("2027-01-15")).status == .approved)
            let closed = try await client.execute(
                uri: "/referrals/\(id.rawValue)/close", method: .post, headers: manager.headers, body: form(win.merging(["confirm": "yes"]) { $1 }))
            #expect(closed.status == .seeOther)
            #expect(try await database.referral(id, asOf: try BusinessDate.parse("2027-01-15")).status == .won)
            // Won again, dated before the win (when it was still approved): refused as won, the one fee kept.
            let again = try await client.execute(
                uri: "/referrals/\(id.rawValue)/close", method: .post, headers: manager.headers,
                body: form(win.merging(["confirm": "yes", "closedOn": "2027-01-05"]) { $1 }))
            #expect(again.status == .badRequest)
            #expect(String(buffer: again.body).contains("referral REG-\(id.rawValue) is won and cannot be closed"))
            #expect(try await database.referral(id, asOf: try BusinessDate.parse("2027-01-15")).endedOn == BusinessDate.parse("2027-01-10"))
        }
        await database.close()
    }

    @Test func usersManageTheirOwnTokensAndSeeContactsAndPages() async throws {
        let database = try await preparedDatabase()
        try await database.addUser(email: "am@vendor.example", role: .accountManager, partner: nil, password: "manager secret 123", actor: "t", bcryptCost: 4)
        try await database.assignContact(partner: "P01", email: "am@vendor.example", role: .accountManager, actor: "t")
        let others = try await database.createAPIToken(email: "fin@vendor.example", name: "finance's", actor: "t")
        for index in 0..<60 { _ = try await database.createAPIToken(email: "fin@vendor.example", name: "bulk \(index)", actor: "t") }
        try await WebApp.build(database: try await database.pool(), clock: fixedClock).test(.router) { client in
            let partner = try await signedIn(client, database, "jo@p01.example", "partner secret 123")
            #expect(try await client.execute(uri: "/tokens", method: .post, headers: partner.headers, body: form(["csrf": "forged", "name": "x"])).status == .forbidden)
            let created = String(buffer: try await client.execute(uri: "/tokens", method: .post, headers: partner.headers, body: form(["csrf": partner.csrf, "name": "erp"])).body)
            let token = try #require(created.firstMatch(of: /<code>(cb_[0-9a-f]+)<\/code>/)?.output.1)
            #expect(try await database.user(apiToken: String(token))?.email == "jo@p01.example")
            let listed = String(buffer: try await client.execute(uri: "/tokens", method: .get, headers: partner.headers).body)
            #expect(listed.contains("erp") && !listed.contains("cb_") && !listed.contains("finance&#39;s"))
            let jo = try #require(try await database.users().first { $0.email == "jo@p01.example" })
            let ownID = try #require(try await database.apiTokens(of: jo.id).first?.id)
            #expect(try await client.execute(uri: "/tokens/\(others.id)/revoke", method: .post, headers: partner.headers, body: form(["csrf": partner.csrf])).status == .notFound)
            #expect(try await client.execute(uri: "/tokens/\(ownID)/revoke", method: .post, headers: partner.headers, body: form(["csrf": partner.csrf])).status == .seeOther)
            #expect(try await database.user(apiToken: String(token)) == nil)
            #expect(try await database.user(apiToken: others.token) != nil)

            let detail = String(buffer: try await client.execute(uri: "/partners/P01", method: .get, headers: partner.headers).body)
            #expect(detail.contains("Account manager: am@vendor.example"))
            #expect(!detail.contains("/mdf?partner="))  // the vendor's links are the vendor's
            let dashboard = String(buffer: try await client.execute(uri: "/", method: .get, headers: partner.headers).body)
            #expect(dashboard.contains("<h2>Referrals</h2>"))

            let vendor = try await signedIn(client, database, "fin@vendor.example", "finance secret 123")
            // The audit log pages by cursor (AuditPageTests): newest first, the token's creation among the entries.
            let audit = String(buffer: try await client.execute(uri: "/audit", method: .get, headers: vendor.headers).body)
            #expect(audit.contains("<td>create API token</td>") && !audit.contains("Older entries"))
        }
        await database.close()
    }

    @Test func theAPIFollowsItsOpenAPIDocumentAndScopesEveryList() async throws {
        let database = try await preparedDatabase()
        let partner = try await database.createAPIToken(email: "jo@p01.example", name: "t", actor: "t")
        let vendor = try await database.createAPIToken(email: "fin@vendor.example", name: "t", actor: "t")
        _ = try await database.registerReferral(ReferralRequest(partner: "P01", customer: "Own", domain: "own.example"), on: try BusinessDate.parse("2027-01-10"), actor: "t")
        _ = try await database.registerReferral(ReferralRequest(partner: "N01", customer: "Other", domain: "other.example"), on: try BusinessDate.parse("2027-01-10"), actor: "t")
        try await WebApp.build(database: try await database.pool(), clock: fixedClock).test(.router) { client in
            let document = try await client.execute(uri: "/openapi.yaml", method: .get)
            #expect(document.status == .ok)
            #expect(String(buffer: document.body).hasPrefix("openapi: \"3.1.0\""))

            func json(_ uri: String, _ token: String) async throws -> (HTTPResponse.Status, Any) {
                let response = try await client.execute(uri: uri, method: .get, headers: [.authorization: "Bearer \(token)"])
                return (response.status, try JSONSerialization.jsonObject(with: Data(buffer: response.body)))
            }
            let (status, me) = try await json("/api/v1/me", partner.token)
            #expect(status == .ok && (me as? [String: Any])?["partner"] as? String == "P01")
            let partnerStatements = try await json("/api/v1/statements?quarter=2026Q1", partner.token).1 as? [[String: Any]]
            #expect(partnerStatements?.map { $0["partner"] as? String } == ["P01"])
            let allStatements = try await json("/api/v1/statements?quarter=2026Q1", vendor.token).1 as? [[String: Any]]
            #expect(allStatements?.map { $0["partner"] as? String } == ["N01", "P01"])
            let badQuarter = try await json("/api/v1/statements?quarter=2026Q5", vendor.token)
            #expect(badQuarter.0 == .badRequest)
            let ownReferrals = (try await json("/api/v1/referrals", partner.token).1 as? [String: Any])?["items"] as? [[String: Any]]
            #expect(ownReferrals?.map { $0["customer"] as? String } == ["Own"])
            let registered = (try await json("/api/v1/referrals?status=registered", vendor.token).1 as? [String: Any])?["items"] as? [[String: Any]]
            #expect(registered?.count == 2)
            // A page at a time, newest first: the cursor continues after the last id.
            let first = try await json("/api/v1/referrals?limit=1", vendor.token).1 as? [String: Any]
            let cursor = try #require(first?["nextCursor"] as? String)
            let second = try await json("/api/v1/referrals?limit=1&cursor=\(cursor)", vendor.token).1 as? [String: Any]
            let ids = [first, second].compactMap { (($0?["items"] as? [[String: Any]])?.first?["id"] as? Int) }
            #expect(ids.count == 2 && ids[0] > ids[1])
            let anonymous = try await client.execute(uri: "/api/v1/referrals", method: .get)
            #expect(anonymous.status == .unauthorized)
            // Malformed requests are the client's mistake: 400 with the reason, never a 500.
            let missing = try await client.execute(uri: "/api/v1/statements", method: .get, headers: [.authorization: "Bearer \(vendor.token)"])
            #expect(missing.status == .badRequest)
            #expect(try errorMessage(missing)?.hasPrefix("invalid request") == true)
            let badStatus = try await client.execute(uri: "/api/v1/referrals?status=pending", method: .get, headers: [.authorization: "Bearer \(vendor.token)"])
            #expect(badStatus.status == .badRequest)
            let trace = try await client.execute(uri: "/api/v1/me", method: .trace, headers: [.authorization: "Bearer \(vendor.token)"])
            #expect(trace.status == .methodNotAllowed && trace.headers[.allow] == "GET")
            #expect(try await client.execute(uri: "/api/v1/nothing", method: .post).status == .notFound)
        }
        await database.close()
    }
}

extension ChannelbookDatabase {
    /// A server's pool on the same SQLite file, as `serve` would open it. Kept open until the test process
    /// ends (SQLite connections must be closed before they are freed, and a test's app outlives its closure).
    func pool() async throws -> DatabasePool {
        let pool = try await DatabasePool.open(location, connections: 2)
        openPools.withLockedValue { $0.append(pool) }
        return pool
    }

    func count(salesLines: Void) async throws -> Int {
        try await sql.raw("SELECT COUNT(*) AS n FROM sales_lines").first()!.decode(column: "n", as: Int.self)
    }
}

private let openPools = NIOLockedValueBox<[DatabasePool]>([])

/// The `error` of a JSON error body.
private func errorMessage(_ response: TestResponse) throws -> String? {
    (try JSONSerialization.jsonObject(with: Data(buffer: response.body)) as? [String: Any])?["error"] as? String
}

@Suite struct SecureCookieTests {
    @Test func cookiesAreSecureWhenAskedForAndAlwaysHttpOnlyAndSameSite() async throws {
        let database = try await preparedDatabase()
        for secure in [false, true] {
            try await WebApp.build(database: try await database.pool(), clock: fixedClock, settings: WebSettings(secureCookies: secure)).test(.router) { client in
                let page = try await client.execute(uri: "/login", method: .get)
                let header = try #require(page.headers[values: .setCookie].first { $0.hasPrefix("cb_login_csrf=") })
                #expect(header.contains("HttpOnly") && header.contains("SameSite=Strict"))
                #expect(header.contains("Secure") == secure)
            }
        }
        await database.close()
    }
}


/// Stored figures at the edges of 64 bits (an older release, a manual edit): every page and API read answers
/// with a status below 500 — the overflowing sums as 422 naming the sum — and the server keeps serving.
@Suite struct ExtremeFiguresTests {
    @Test func everyPageAnswersWithoutAServerErrorOrATrap() async throws {
        let database = try await preparedDatabase()
        try await database.addUser(email: "admin@vendor.example", role: .admin, partner: nil, password: "admin secret 1234", actor: "t", bcryptCost: 4)
        try await database.sql.raw("UPDATE sales_totals SET amount_minor = \(bind: Int64.min) WHERE reseller_id = (SELECT id FROM partners WHERE code = 'P01')").run()
        try await database.sql.raw("UPDATE sales_totals SET amount_minor = \(bind: Int64.max) WHERE reseller_id = (SELECT id FROM partners WHERE code = 'N01')").run()
        try await database.sql.raw(
            "INSERT INTO sales_totals (reseller_id, quarter, category, source, segment, amount_minor, line_count) SELECT id, '2026Q1', 'software', 'DIRECT', 'enterprise', \(bind: Int64.max), 1 FROM partners WHERE code = 'N01'"
        ).run()
        try await database.sql.raw("UPDATE statement_lines SET amount_minor = \(bind: Int64.max)").run()
        try await database.sql.raw("UPDATE statements SET total_minor = \(bind: Int64.max)").run()
        try await WebApp.build(database: try await database.pool(), clock: fixedClock).test(.router) { client in
            for (email, password, pages) in [
                ("fin@vendor.example", "finance secret 123", [
                    "/", "/partners", "/partners/P01", "/partners/N01", "/quarters/2026Q1", "/statements/2026Q1/P01", "/statements/2026Q1/N01",
                    "/referrals", "/audit", "/tokens", "/quarters/2026Q1/payouts.csv", "/api/v1/statements?quarter=2026Q1",
                    "/api/v1/statements/2026Q1/P01", "/analytics", "/analytics?by=tier&by=reseller", "/analytics.csv?from=2026Q1&through=2026Q1",
                    "/api/v1/reports/sales?quarters=2026Q1&by=segment",
                ]),
                ("jo@p01.example", "partner secret 123", ["/", "/statements/2026Q1/P01", "/referrals", "/tokens", "/api/v1/me"]),
                ("admin@vendor.example", "admin secret 1234", ["/", "/quarters/2026Q1", "/partners", "/audit"]),
            ] {
                let session = try await signIn(client, email: email, password: password)
                for page in pages {
                    let response = try await client.execute(uri: page, method: .get, headers: [.cookie: "cb_session=\(session)"])
                    #expect(response.status.code < 500, "\(email) \(page): \(response.status)")
                }
                // The close itself: the overflow is a 422 naming the sum, and nothing is written.
                if email == "admin@vendor.example" {
                    let csrf = try #require(try await database.session(token: session, nowMicroseconds: fixedClock.nowMicroseconds())?.csrfToken)
                    var headers = formHeaders
                    headers[.cookie] = "cb_session=\(session)"
                    let close = try await client.execute(uri: "/quarters/2026Q1/close", method: .post, headers: headers, body: form(["csrf": csrf]))
                    #expect(close.status == .unprocessableContent, "\(close.status)")
                    #expect(String(buffer: close.body).contains("amount out of range while computing"))
                }
            }
            #expect(try await client.execute(uri: "/healthz", method: .get).status == .ok)
        }
        await database.close()
    }
}

/// The partner dashboard's progress is the current quarter's, with its sales so far; an ineligible reseller
/// is told why it earns nothing instead of being shown a rate (the registered reseller that was told 10 %).
@Suite struct TierProgressPageTests {
    @Test func progressIsTheCurrentQuarterSoFarAndIneligiblePartnersAreToldWhy() async throws {
        let database = try await preparedDatabase()
        let midQuarter = WebClock { 1_771_200_000_000_000 }  // 2026-02-16: L1 (2026-01-10) is in, nothing after
        try await WebApp.build(database: try await database.pool(), clock: midQuarter).test(.router) { client in
            let session = try await signIn(client, email: "jo@p01.example", password: "partner secret 123")
            let html = String(buffer: try await client.execute(uri: "/", method: .get, headers: [.cookie: "cb_session=\(session)"]).body)
            #expect(html.contains("2026Q1 so far: net hardware + software sales $50,000.00, rebate rate 7.5%; $50,000.00 to the next tier (10% from $100,000.00)"))
            // The tier marks on the bar, at $30,000, $50,000 and $100,000.
            #expect(html.contains(">$30,000.00</text>") && html.contains(">$50,000.00</text>") && html.contains(">$100,000.00</text>"))
        }
        // A registered reseller is not eligible: no rate, and why.
        try await database.importText(.partners, "code,name,kind,tier,distributors,abn\nR01,Registered One,reseller,registered,D01,\n")
        try await database.importText(.sales, "line_id,date,source,reseller,customer,sku,category,seats,amount,currency\nR-1,2026-01-20,D01,R01,Acme,HW-1,hardware,120,120000.00,AUD\n")
        try await database.addUser(email: "ro@r01.example", role: .partner, partner: "R01", password: "partner secret 456", actor: "test", bcryptCost: 4)
        try await WebApp.build(database: try await database.pool(), clock: midQuarter).test(.router) { client in
            let session = try await signIn(client, email: "ro@r01.example", password: "partner secret 456")
            let html = String(buffer: try await client.execute(uri: "/", method: .get, headers: [.cookie: "cb_session=\(session)"]).body)
            #expect(html.contains("2026Q1 so far: net hardware + software sales $120,000.00. No rebate this quarter: as a registered reseller, registered resellers earn no rebate: the program rebates national and premier resellers."))
            #expect(!html.contains("rebate rate 10%"))
        }
        await database.close()
    }
}

/// `/whatif`, `/near-tier` and `/enablement` in the web app.
@Suite struct PlanningPageTests {
    private func body(_ fields: [(String, String)], program: String, boundary: String = "----cb-whatif") -> (HTTPFields, ByteBuffer) {
        var text = ""
        for (name, value) in fields { text += "--\(boundary)\r\nContent-Disposition: form-data; name=\"\(name)\"\r\n\r\n\(value)\r\n" }
        text += "--\(boundary)\r\nContent-Disposition: form-data; name=\"file\"; filename=\"proposed.toml\"\r\nContent-Type: text/plain\r\n\r\n\(program)\r\n--\(boundary)--\r\n"
        let csrf = fields.first { $0.0 == "csrf" }?.1 ?? ""
        return ([.contentType: "multipart/form-data; boundary=\(boundary)", HTTPField.Name("X-CSRF-Token")!: csrf], ByteBuffer(string: text))
    }

    @Test func aVendorUploadsAProposedProgramAndSeesTheCostNothingWritten() async throws {
        let database = try await preparedDatabase()
        try await database.addUser(email: "partner2@p01.example", role: .partner, partner: "P01", password: "partner secret 789", actor: "t", bcryptCost: 4)
        let statementsBefore = try await database.sql.raw("SELECT COUNT(*) AS n FROM statements").first()!.decode(column: "n", as: Int.self)
        try await WebApp.build(database: try await database.pool(), clock: fixedClock).test(.router) { client in
            let session = try await signIn(client, email: "fin@vendor.example", password: "finance secret 123")
            let csrf = try #require(try await database.session(token: session, nowMicroseconds: fixedClock.nowMicroseconds())?.csrfToken)
            let form = try await client.execute(uri: "/whatif", method: .get, headers: [.cookie: "cb_session=\(session)"])
            #expect(String(buffer: form.body).contains("value=\"2026Q1\""))
            let graduated = Program.articleTOML.replacingOccurrences(of: "mode = \"volume\"                  # or \"graduated\"", with: "mode = \"graduated\"")
            var (headers, upload) = body([("csrf", csrf), ("from", "2026Q1"), ("through", "2026Q1")], program: graduated)
            headers[.cookie] = "cb_session=\(session)"
            let result = try await client.execute(uri: "/whatif", method: .post, headers: headers, body: upload)
            let html = String(buffer: result.body)
            #expect(result.status == .ok, "\(html)")
            // P01: 50,000.00 → 7.5 % volume = 3,750.00; graduated 5 % of 20,000.00 = 1,000.00. N01: 10,000.00 → 4,750.00.
            #expect(html.contains("Total: current $13,750.00, proposed $5,750.00, change -$8,000.00"), "\(html)")
            #expect(html.contains("<svg") && html.contains("2026Q1 new"))
            // Largest change first: N01's -5,250.00 before P01's -2,750.00 (both listed: fewer than the page's 50).
            #expect(html.contains("Every partner and quarter, largest change first"))
            let (p01, n01) = (try #require(html.range(of: ">P01</a>")), try #require(html.range(of: ">N01</a>")))
            #expect(n01.lowerBound < p01.lowerBound)
            // An invalid program: every problem, nothing run.
            (headers, upload) = body([("csrf", csrf), ("from", "2026Q1"), ("through", "2026Q1")], program: "[#]\n")
            headers[.cookie] = "cb_session=\(session)"
            let broken = try await client.execute(uri: "/whatif", method: .post, headers: headers, body: upload)
            #expect(broken.status == .badRequest)
            #expect(String(buffer: broken.body).contains("proposed.toml: line 1, column 2: TOML syntax: &#39;#&#39; cannot start a key")
                || String(buffer: broken.body).contains("proposed.toml: line 1, column 2: TOML syntax:"), "\(String(buffer: broken.body))")
            // A forged form is refused; a partner has no such page.
            (headers, upload) = body([("csrf", "forged"), ("from", "2026Q1"), ("through", "2026Q1")], program: graduated)
            headers[.cookie] = "cb_session=\(session)"
            #expect(try await client.execute(uri: "/whatif", method: .post, headers: headers, body: upload).status == .forbidden)
            let partner = try await signIn(client, email: "partner2@p01.example", password: "partner secret 789")
            #expect(try await client.execute(uri: "/whatif", method: .get, headers: [.cookie: "cb_session=\(partner)"]).status == .notFound)
            // Near-tier and enablement pages answer for vendors.
            let near = try await client.execute(uri: "/near-tier?quarter=2026Q1&within=100", method: .get, headers: [.cookie: "cb_session=\(session)"])
            #expect(String(buffer: near.body).contains("<td>P01</td>") || String(buffer: near.body).contains(">P01</a>"))
            let enablement = try await client.execute(uri: "/enablement", method: .get, headers: [.cookie: "cb_session=\(session)"])
            #expect(String(buffer: enablement.body).contains(">N01</a>"))
        }
        #expect(try await database.sql.raw("SELECT COUNT(*) AS n FROM statements").first()!.decode(column: "n", as: Int.self) == statementsBefore)
        await database.close()
    }
}

/// Answers carry the security headers, refusals included; signing out everywhere ends every session.
@Suite struct SecurityHeaderTests {
    @Test func everyAnswerCarriesTheHeadersAndSignOutEverywhereEndsEverySession() async throws {
        let database = try await preparedDatabase()
        try await WebApp.build(database: try await database.pool(), clock: fixedClock, settings: WebSettings(secureCookies: true)).test(.router) { client in
            for uri in ["/login", "/nowhere", "/statements/2026Q1/P01"] {
                let response = try await client.execute(uri: uri, method: .get)
                #expect(response.headers[.contentSecurityPolicy]?.contains("frame-ancestors 'none'") == true, "\(uri)")
                // Our own scripts only: none inline, none from elsewhere.
                #expect(response.headers[.contentSecurityPolicy]?.contains("script-src 'self';") == true, "\(uri)")
                #expect(response.headers[.contentSecurityPolicy]?.contains("unsafe-eval") == false && response.headers[.contentSecurityPolicy]?.contains("script-src 'self' 'unsafe-inline'") == false)
                #expect(response.headers[.xContentTypeOptions] == "nosniff")
                #expect(response.headers[.cacheControl] == "no-store")
                #expect(response.headers[.strictTransportSecurity]?.hasPrefix("max-age=") == true)
            }
            let first = try await signIn(client, email: "fin@vendor.example", password: "finance secret 123")
            let second = try await signIn(client, email: "fin@vendor.example", password: "finance secret 123")
            let csrf = try #require(try await database.session(token: first, nowMicroseconds: fixedClock.nowMicroseconds())?.csrfToken)
            var headers = formHeaders
            headers[.cookie] = "cb_session=\(first)"
            #expect(try await client.execute(uri: "/logout/everywhere", method: .post, headers: headers, body: form(["csrf": "forged"])).status == .forbidden)
            #expect(try await client.execute(uri: "/logout/everywhere", method: .post, headers: headers, body: form(["csrf": csrf])).status == .seeOther)
            #expect(try await client.execute(uri: "/", method: .get, headers: [.cookie: "cb_session=\(second)"]).status == .seeOther)
        }
        await database.close()
    }
}

/// Every way an upload can fail leaves nothing in the upload folder; a new SQLite database is 0600; every
/// answer, refusals included, is logged without the token.
@Suite struct UploadLeftoversTests {
    @Test func noFailedUploadLeavesAFileBehind() async throws {
        let database = try await preparedDatabase()
        try await database.addUser(email: "admin@vendor.example", role: .admin, partner: nil, password: "admin secret 1234", actor: "t", bcryptCost: 4)
        let folder = FileManager.default.temporaryDirectory.appendingPathComponent("cb-upload-test-\(UUID().uuidString)").path
        var settings = WebSettings(uploadLimitBytes: 4096)
        settings.uploadFolder = folder
        let header = "line_id,date,source,reseller,customer,sku,category,seats,amount,currency\n"
        try await WebApp.build(database: try await database.pool(), clock: fixedClock, settings: settings).test(.router) { client in
            let session = try await signIn(client, email: "admin@vendor.example", password: "admin secret 1234")
            let csrf = try #require(try await database.session(token: session, nowMicroseconds: fixedClock.nowMicroseconds())?.csrfToken)
            func upload(_ file: String, csrf token: String, cut: Int = 0, boundary: String = "b0undary") async throws -> HTTPResponse.Status {
                let text = "--\(boundary)\r\nContent-Disposition: form-data; name=\"file\"; filename=\"s.csv\"\r\n\r\n\(file)\r\n--\(boundary)--\r\n"
                var body = ByteBuffer(string: text)
                if cut > 0 { body = body.getSlice(at: 0, length: body.readableBytes - cut)! }
                return try await client.execute(
                    uri: "/sales/upload", method: .post,
                    headers: [.contentType: "multipart/form-data; boundary=\(boundary)", .cookie: "cb_session=\(session)", HTTPField.Name("X-CSRF-Token")!: token],
                    body: body
                ).status
            }
            #expect(try await upload(header + "L9,2026-02-01,D01,P01,Acme,HW-1,hardware,1,ten,AUD\n", csrf: csrf) == .badRequest)  // bad line
            #expect(try await upload(header, csrf: "forged") == .forbidden)  // never read
            #expect(try await upload(header + String(repeating: "x", count: 5000), csrf: csrf) == .contentTooLarge)  // too large
            #expect(try await upload(header + "L8,2026-02-01,D01,P01,Acme,HW-1,hardware,1,1.00,AUD\n", csrf: csrf, cut: 10) == .badRequest)  // cut off
            #expect(try await upload(header + "L7,2026-02-01,D01,P01,Acme,HW-1,hardware,1,1.00,AUD\n", csrf: csrf) == .ok)  // imported
        }
        let left = (try? FileManager.default.contentsOfDirectory(atPath: folder)) ?? []
        #expect(left.isEmpty, "\(left)")
        await database.close()
    }

    @Test func aNewSQLiteDatabaseIsReadableByItsOwnerOnly() async throws {
        let path = FileManager.default.temporaryDirectory.appendingPathComponent("cb-mode-\(UUID().uuidString).sqlite").path
        let database = try await ChannelbookDatabase.open(.sqlite(path: path))
        try await database.initialise(programTOML: Program.articleTOML)
        await database.close()
        #expect(try FileManager.default.attributesOfItem(atPath: path)[.posixPermissions] as? Int == 0o600)
    }

    @Test func everyAnswerIsLoggedRefusalsIncludedNeverTheToken() async throws {
        let database = try await preparedDatabase()
        let lines = LogCapture.lines
        lines.withLockedValue { $0 = [] }
        var logger = Logger(label: "test") { _ in LogCapture() }
        logger.logLevel = .info
        try await WebApp.build(database: try await database.pool(), clock: fixedClock, logger: logger).test(.router) { client in
            _ = try await client.execute(uri: "/statements/2026Q1/P01", method: .get)  // 401
            _ = try await client.execute(uri: "/api/v1/me", method: .get, headers: [.authorization: "Bearer cb_secret-token-value"])  // 401
            _ = try await client.execute(uri: "/nowhere?token=abc", method: .get)  // 404
        }
        let logged = lines.withLockedValue { $0 }.joined(separator: "\n")
        #expect(logged.contains("path=/statements/2026Q1/P01") && logged.contains("status=401"), "\(logged)")
        #expect(logged.contains("path=/nowhere") && logged.contains("status=404"))
        #expect(!logged.contains("secret-token-value") && !logged.contains("token=abc"))
        await database.close()
    }
}

/// Collects log lines for a test.
struct LogCapture: LogHandler {
    static let lines = NIOLockedValueBox<[String]>([])
    var metadata: Logger.Metadata = [:]
    var logLevel: Logger.Level = .info
    subscript(metadataKey key: String) -> Logger.Metadata.Value? {
        get { metadata[key] }
        set { metadata[key] = newValue }
    }
    func log(level: Logger.Level, message: Logger.Message, metadata: Logger.Metadata?, source: String, file: String, function: String, line: UInt) {
        let all = self.metadata.merging(metadata ?? [:]) { $1 }
        Self.lines.withLockedValue { $0.append("\(message) " + all.sorted { $0.key < $1.key }.map { "\($0.key)=\($0.value)" }.joined(separator: " ")) }
    }
}

/// An account manager's dashboard starts with its own resellers, their standing this quarter and reps trained.
@Suite struct MyPartnersTests {
    @Test func anAccountManagersDashboardListsItsPartnersFirst() async throws {
        let database = try await preparedDatabase()
        try await database.addUser(email: "am@vendor.example", role: .accountManager, partner: nil, password: "manager secret 123", actor: "t", bcryptCost: 4)
        try await database.assignContact(partner: "P01", email: "am@vendor.example", role: .accountManager, actor: "t")
        let midQuarter = WebClock { 1_771_200_000_000_000 }  // 2026-02-16
        try await WebApp.build(database: try await database.pool(), clock: midQuarter).test(.router) { client in
            let session = try await signIn(client, email: "am@vendor.example", password: "manager secret 123")
            let html = String(buffer: try await client.execute(uri: "/", method: .get, headers: [.cookie: "cb_session=\(session)"]).body)
            #expect(html.contains("<h2>My partners</h2>"))
            #expect(html.contains(">P01</a></td><td>premier</td><td>$50,000.00 at 7.5%; $50,000.00 to 10%</td><td>0 of 0</td>"), "\(html)")
            #expect(html.range(of: "My partners")!.lowerBound < html.range(of: "Statements by quarter")!.lowerBound)
        }
        await database.close()
    }
}

/// An upload as the form sends it; the CSRF token travels outside the body (here as `X-CSRF-Token`).
/// Binary files (a workbook) as they are; text files through the overload below.
func multipart(csrf: String, bytes: [UInt8], name: String, contentType: String = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet")
    -> (HTTPFields, ByteBuffer)
{
    let boundary = "----channelbook-test-boundary"
    var body = ByteBuffer(string: "--\(boundary)\r\nContent-Disposition: form-data; name=\"csrf\"\r\n\r\n\(csrf)\r\n--\(boundary)\r\n"
        + "Content-Disposition: form-data; name=\"file\"; filename=\"\(name)\"\r\nContent-Type: \(contentType)\r\n\r\n")
    body.writeBytes(bytes)
    body.writeString("\r\n--\(boundary)--\r\n")
    return ([.contentType: "multipart/form-data; boundary=\(boundary)", HTTPField.Name("X-CSRF-Token")!: csrf], body)
}

/// An upload of a text file (a CSV) as the form sends it.
func multipart(csrf: String, file: String, name: String = "sales.csv") -> (HTTPFields, ByteBuffer) {
    multipart(csrf: csrf, bytes: Array(file.utf8), name: name, contentType: "text/csv")
}
