import ChannelbookCore
import ChannelbookStore
import Foundation
import Hummingbird
import HummingbirdTesting
import Testing

@testable import ChannelbookWeb

/// Quarter end in the browser (issue 16): close (early only on purpose), approve one or all behind a confirmation
/// page, hold and release, mark paid behind a confirmation page, the payout file and its history, and the route
/// exceptions queue. The web tests' clock says 2027-01-15.
@Suite struct QuarterEndPageTests {
    /// The web tests' database plus an admin, and a route exception in 2026Q1 (D01 reporting a sale to the national
    /// reseller N01), closed again so the drafts are current.
    private func database() async throws -> ChannelbookDatabase {
        let database = try await preparedDatabase()
        try await database.addUser(email: "admin@vendor.example", role: .admin, partner: nil, password: "admin secret 1234", actor: "t", bcryptCost: 4)
        try await database.addUser(email: "desk@d01.example", role: .partner, partner: "D01", password: "distributor secret 1", actor: "t", bcryptCost: 4)
        try await database.importText(
            .sales, "line_id,date,source,reseller,customer,sku,category,seats,amount,currency\nX1,2026-02-01,D01,N01,Other,HW-1,hardware,1,1000.00,AUD\n")
        _ = try await database.closeQuarter(Quarter.parse("2026Q1"), today: try BusinessDate.parse("2027-01-15"))
        return database
    }

    private func page(_ client: some TestClientProtocol, _ uri: String, _ who: (headers: HTTPFields, csrf: String)) async throws -> (HTTPResponse.Status, String) {
        let response = try await client.execute(uri: uri, method: .get, headers: who.headers)
        return (response.status, String(buffer: response.body))
    }

    private func post(_ client: some TestClientProtocol, _ uri: String, _ who: (headers: HTTPFields, csrf: String), _ fields: [String: String] = [:])
        async throws -> TestResponse
    {
        try await client.execute(uri: uri, method: .post, headers: who.headers, body: form(fields.merging(["csrf": who.csrf]) { first, _ in first }))
    }

    /// The digest a confirmation page carries of the statements it shows (`shown`), as the browser would send it back.
    private func shown(_ page: String) throws -> String {
        let range = try #require(page.range(of: #"name="shown" value="[0-9a-f]{64}""#, options: .regularExpression))
        return String(page[range].dropFirst(20).prefix(64))
    }

    @Test func aQuarterThatHasNotEndedClosesOnlyEarlyOnPurpose() async throws {
        let database = try await database()
        try await database.importText(
            .sales, "line_id,date,source,reseller,customer,sku,category,seats,amount,currency\nQ1,2027-01-10,DIRECT,N01,Bank,HW-1,hardware,100,100000.00,AUD\n")
        try await WebApp.build(database: try await database.pool(), clock: fixedClock).test(.router) { client in
            let admin = try await signedIn(client, database, "admin@vendor.example", "admin secret 1234")
            let (_, before) = try await page(client, "/quarters/2027Q1", admin)
            #expect(before.contains(#"2027Q1 has not ended: its last day is <time datetime="2027-03-31">2027-03-31</time>"#))
            #expect(before.contains("<button>Close early</button>"))
            let refused = try await post(client, "/quarters/2027Q1/close", admin)
            #expect(refused.status == .badRequest)
            #expect(String(buffer: refused.body).contains("2027Q1 has not ended (its last day is 2027-03-31; today is 2027-01-15)"))
            #expect(try await database.statements(for: Quarter.parse("2027Q1")).isEmpty)
            let early = try await post(client, "/quarters/2027Q1/close", admin, ["early": "yes"])
            #expect(early.status == .seeOther)
            #expect(early.headers[.location]?.hasPrefix("/quarters/2027Q1?sort=partner&dir=asc&page=1&done=Closed%202027Q1") == true)
            #expect(try await database.statements(for: Quarter.parse("2027Q1")).map(\.partner) == ["N01"])
            #expect(try await database.auditLog().last.map { "\($0.actor) \($0.action)" } == "admin@vendor.example close early")
            // An ended quarter already closed says what closing it again does; a quarter not begun offers no close.
            let (_, ended) = try await page(client, "/quarters/2026Q1", admin)
            #expect(ended.contains("<button>Close 2026Q1 again</button>") && ended.contains("Closing it again recomputes its drafts"))
            #expect(!ended.contains("Close early"))
            let (_, future) = try await page(client, "/quarters/2027Q2", admin)
            #expect(future.contains(#"2027Q2 has not begun: it starts on <time datetime="2027-04-01">2027-04-01</time>."#))
            #expect(!future.contains("action=\"/quarters/2027Q2/close\""))
        }
        await database.close()
    }

    @Test func approvingShowsWhatWillHappenAndPassesHeldStatementsBy() async throws {
        let database = try await database()
        try await WebApp.build(database: try await database.pool(), clock: fixedClock).test(.router) { client in
            let finance = try await signedIn(client, database, "fin@vendor.example", "finance secret 123")
            let statements = try await database.statements(for: Quarter.parse("2026Q1"))
            let total = try Money.sum(statements.map(\.total), currency: .aud)
            // The confirmation page: how many, for whom, the total; nothing changed by looking.
            let (status, confirm) = try await page(client, "/quarters/2026Q1/approve", finance)
            #expect(status == .ok)
            #expect(confirm.contains("Approve <strong>2 statements</strong> totalling <strong>\(amount(total.displayString))</strong>?"))
            #expect(confirm.contains("N01 National &lt;One&gt;") && confirm.contains("P01 Premier One"))
            #expect(try await database.statements(for: Quarter.parse("2026Q1")).allSatisfy { $0.status == .draft })
            // Hold P01 with a reason; an empty reason is refused beside the field.
            let empty = try await post(client, "/quarters/2026Q1/statements/P01/hold", finance, ["reason": " "])
            #expect(empty.status == .badRequest)
            #expect(String(buffer: empty.body).contains("<span class=\"error\" id=\"hold-P01-error\">a reason for the hold is required</span>"))
            #expect(try await post(client, "/quarters/2026Q1/statements/P01/hold", finance, ["reason": "ABN <check>"]).status == .seeOther)
            let (_, quarter) = try await page(client, "/quarters/2026Q1", finance)
            #expect(quarter.contains("held: ABN &lt;check&gt;"))
            #expect(quarter.contains("Approve all 1 draft…"))
            let (_, held) = try await page(client, "/quarters/2026Q1/approve", finance)
            #expect(held.contains("Approve <strong>1 statement</strong>"))
            #expect(held.contains("Held, and not approved: P01 (ABN &lt;check&gt;)"))
            // Approving the held one by name is refused on the page, in the store's words.
            let named = try await post(client, "/quarters/2026Q1/approve", finance, ["partner": "P01", "confirm": "yes", "shown": StatementView.digest([])])
            #expect(named.status == .badRequest)
            #expect(String(buffer: named.body).contains("is held (ABN &lt;check&gt;): release the hold before approving it"))
            // Confirming without the page's digest only shows the page again; confirming what is no longer there
            // (P01 released, so approving all would now approve two) approves nothing.
            let bare = try await post(client, "/quarters/2026Q1/approve", finance, ["confirm": "yes"])
            #expect(bare.status == .seeOther && bare.headers[.location] == "/quarters/2026Q1/approve")
            let digestOfOne = try shown(held)
            try await database.releaseStatement(Quarter.parse("2026Q1"), partner: "P01", actor: "someone else")
            let stale = try await post(client, "/quarters/2026Q1/approve", finance, ["confirm": "yes", "shown": digestOfOne])
            #expect(stale.status == .badRequest)
            #expect(String(buffer: stale.body).contains("2026Q1&#39;s statements changed since they were shown"))
            #expect(try await database.statements(for: Quarter.parse("2026Q1")).allSatisfy { $0.status == .draft })
            try await database.holdStatement(Quarter.parse("2026Q1"), partner: "P01", reason: "ABN <check>", actor: "fin@vendor.example")
            let all = try await post(client, "/quarters/2026Q1/approve", finance, ["confirm": "yes", "shown": digestOfOne])
            #expect(all.status == .seeOther)
            #expect(try await database.statements(for: Quarter.parse("2026Q1")).map(\.status) == [.approved, .draft])
            #expect(try await post(client, "/quarters/2026Q1/statements/P01/release", finance).status == .seeOther)
            let (_, one) = try await page(client, "/quarters/2026Q1/approve?partner=P01", finance)
            #expect(one.contains("Approve <strong>1 statement</strong>") && one.contains("name=\"partner\" value=\"P01\""))
            #expect(try await post(client, "/quarters/2026Q1/approve", finance, ["partner": "P01", "confirm": "yes", "shown": try shown(one)]).status == .seeOther)
            #expect(try await database.statements(for: Quarter.parse("2026Q1")).map(\.status) == [.approved, .approved])
            // A partner's login finds none of it; an admin without the permission is refused.
            let partner = try await signedIn(client, database, "jo@p01.example", "partner secret 123")
            #expect(try await page(client, "/quarters/2026Q1/approve", partner).0 == .notFound)
            #expect(try await post(client, "/quarters/2026Q1/statements/P01/hold", partner, ["reason": "x"]).status == .notFound)
            let admin = try await signedIn(client, database, "admin@vendor.example", "admin secret 1234")
            #expect(try await page(client, "/quarters/2026Q1/approve", admin).0 == .forbidden)
        }
        await database.close()
    }

    @Test func payingShowsWhatWillBePaidAndTheHistory() async throws {
        let database = try await database()
        try await WebApp.build(database: try await database.pool(), clock: fixedClock).test(.router) { client in
            let finance = try await signedIn(client, database, "fin@vendor.example", "finance secret 123")
            // Nothing approved: no payout file, no mark-paid form.
            let (_, drafts) = try await page(client, "/quarters/2026Q1", finance)
            #expect(drafts.contains("No approved statement is waiting to be paid, so there is no payout file to export."))
            #expect(!drafts.contains("Payout file (CSV)"))
            try await database.approveStatements(Quarter.parse("2026Q1"), actor: "fin@vendor.example")
            let (_, approved) = try await page(client, "/quarters/2026Q1", finance)
            #expect(approved.contains("Payout file (CSV)"))
            let file = try await post(client, "/quarters/2026Q1/payouts.csv", finance)
            #expect(file.status == .ok)
            #expect(String(buffer: file.body).hasPrefix("partner,abn,amount,statement"))
            // A blank reference is refused beside its field; a real one shows what will be paid first.
            let blank = try await post(client, "/quarters/2026Q1/mark-paid", finance, ["reference": " "])
            #expect(blank.status == .badRequest)
            #expect(String(buffer: blank.body).contains("<span class=\"error\" id=\"reference-error\">a payment reference is required</span>"))
            let total = try Money.sum(try await database.statements(for: Quarter.parse("2026Q1")).map(\.total), currency: .aud)
            let confirm = try await post(client, "/quarters/2026Q1/mark-paid", finance, ["reference": "EFT-77"])
            #expect(confirm.status == .ok)
            #expect(String(buffer: confirm.body).contains("Mark <strong>2 statements</strong> totalling <strong>\(amount(total.displayString))</strong> paid under the reference <strong>EFT-77</strong>?"))
            #expect(try await database.statements(for: Quarter.parse("2026Q1")).allSatisfy { $0.status == .approved })
            let paid = try await post(client, "/quarters/2026Q1/mark-paid", finance, ["reference": "EFT-77", "confirm": "yes", "shown": try shown(String(buffer: confirm.body))])
            #expect(paid.status == .seeOther)
            #expect(try await database.statements(for: Quarter.parse("2026Q1")).allSatisfy { $0.status == .paid && $0.paymentReference == "EFT-77" })
            // The message after the redirect is signed for the session; a crafted link shows nothing.
            let location = try #require(paid.headers[.location])
            #expect(try await page(client, location, finance).1.contains("Marked 2 statements paid under EFT-77"))
            let crafted = try await page(client, "/quarters/2026Q1?done=Your%20payouts%20are%20suspended&sig=00", finance).1
            #expect(!crafted.contains("suspended"))
            let (_, history) = try await page(client, "/quarters/2026Q1", finance)
            #expect(history.contains("<h3>History</h3>"))
            #expect(history.contains("EFT-77: 2 statements, \(total.displayString)"))
            #expect(history.contains("payouts totalling") && history.contains("payouts-2026Q1.csv (browser)"))
        }
        await database.close()
    }

    @Test func routeExceptionsAreFilteredAndAcceptedWithANote() async throws {
        let database = try await database()
        try await WebApp.build(database: try await database.pool(), clock: fixedClock).test(.router) { client in
            let admin = try await signedIn(client, database, "admin@vendor.example", "admin secret 1234")
            let (status, queue) = try await page(client, "/quarters/2026Q1/exceptions?reviewed=no", admin)
            #expect(status == .ok)
            #expect(queue.contains("<td>X1</td><td>N01</td>"))
            #expect(queue.contains("a distributor sale to a national reseller, which buys direct"))
            // A blank note is refused beside the field, with the form shown again.
            let blank = try await post(client, "/quarters/2026Q1/exceptions/review", admin, ["source": "D01", "line": "X1", "note": " "])
            #expect(blank.status == .badRequest)
            #expect(String(buffer: blank.body).contains("<span class=\"error\" id=\"note-D01-X1-error\">say why the exception is accepted (note)</span>"))
            let accepted = try await post(client, "/quarters/2026Q1/exceptions/review", admin, ["source": "D01", "line": "X1", "note": "agreed <by phone>"])
            #expect(accepted.status == .seeOther)
            let (_, after) = try await page(client, "/quarters/2026Q1/exceptions?reviewed=no", admin)
            #expect(after.contains("No route exceptions left to review in 2026Q1."))
            let (_, reviewed) = try await page(client, "/quarters/2026Q1/exceptions?reviewed=yes", admin)
            #expect(reviewed.contains("<td>agreed &lt;by phone&gt; <small>(admin@vendor.example)</small></td>"))
            // Finance may look but not accept; the distributor sees its own reports' exceptions, read only; a reseller nothing.
            let finance = try await signedIn(client, database, "fin@vendor.example", "finance secret 123")
            #expect(try await post(client, "/quarters/2026Q1/exceptions/review", finance, ["source": "D01", "line": "X1", "note": "x"]).status == .forbidden)
            let distributor = try await signedIn(client, database, "desk@d01.example", "distributor secret 1")
            let (own, mine) = try await page(client, "/quarters/2026Q1/exceptions?source=D99", distributor)
            #expect(own == .ok)
            #expect(mine.contains("<td>X1</td>") && !mine.contains("name=\"note\""))
            let reseller = try await signedIn(client, database, "jo@p01.example", "partner secret 123")
            #expect(try await page(client, "/quarters/2026Q1/exceptions", reseller).0 == .notFound)
        }
        await database.close()
    }

    /// The quarter's statements sort by column, filter by status or partner, and download as CSV with the same order.
    @Test func theQuartersStatementsSortFilterAndDownload() async throws {
        let database = try await database()
        try await WebApp.build(database: try await database.pool(), clock: fixedClock).test(.router) { client in
            let finance = try await signedIn(client, database, "fin@vendor.example", "finance secret 123")
            func partners(_ html: String) -> [String] {
                ["N01 National &lt;One&gt;", "P01 Premier One"].compactMap { name in html.range(of: "<td>\(name)</td>").map { (name, $0.lowerBound) } }
                    .sorted { $0.1 < $1.1 }.map { String($0.0.prefix(3)) }
            }
            let (_, byPartner) = try await page(client, "/quarters/2026Q1", finance)
            #expect(partners(byPartner) == ["N01", "P01"])
            #expect(byPartner.contains(#"<th scope="col" class="money"><a href="/quarters/2026Q1?sort=total&amp;dir=asc">Total</a></th>"#))
            // P01's 50,000.00 at premier rates earns more than N01's 101,000.00 at national ones, or less: the order follows the totals.
            let totals = try await database.statements(for: Quarter.parse("2026Q1")).sorted { $0.total > $1.total }.map(\.partner.rawValue)
            #expect(partners(try await page(client, "/quarters/2026Q1?sort=total&dir=desc", finance).1) == totals)
            #expect(partners(try await page(client, "/quarters/2026Q1?sort=total&dir=asc", finance).1) == totals.reversed())
            #expect(partners(try await page(client, "/quarters/2026Q1?partner=premier", finance).1) == ["P01"])
            #expect(try await page(client, "/quarters/2026Q1?standing=paid", finance).1.contains("No statement matches these filters."))
            let csv = String(buffer: try await client.execute(uri: "/quarters/2026Q1/statements.csv?sort=total&dir=desc", method: .get, headers: finance.headers).body)
            let rows = csv.split(separator: "\r\n").map(String.init)
            #expect(rows.first == "statement,partner,name,status,held,total")
            #expect(rows.dropFirst().map { String($0.split(separator: ",")[1]) } == totals)
            // A partner's login gets no quarter's statements, as a page or as a file.
            let partner = try await signedIn(client, database, "jo@p01.example", "partner secret 123")
            #expect(try await client.execute(uri: "/quarters/2026Q1/statements.csv", method: .get, headers: partner.headers).status == .notFound)
        }
        await database.close()
    }

    /// An exception's line reassigned from the page: refusals beside the reseller field, then the move with its
    /// message, the queue sorted by amount, and the same rows as CSV.
    @Test func aRouteExceptionIsReassignedToTheResellerItBelongsTo() async throws {
        let database = try await database()
        try await WebApp.build(database: try await database.pool(), clock: fixedClock).test(.router) { client in
            let admin = try await signedIn(client, database, "admin@vendor.example", "admin secret 1234")
            let (_, queue) = try await page(client, "/quarters/2026Q1/exceptions", admin)
            #expect(queue.contains(#"<form method="post" action="/quarters/2026Q1/exceptions/reassign?sort=date&amp;dir=asc&amp;page=1">"#))
            // Posted with the queue's query, a refusal shows that same queue: its links still the queue's, with its filters.
            let unknown = try await post(
                client, "/quarters/2026Q1/exceptions/reassign?reviewed=no&sort=amount&dir=desc&page=1", admin, ["source": "D01", "line": "X1", "reseller": "ZZ9", "note": "typo"])
            #expect(unknown.status == .badRequest)
            let refused = String(buffer: unknown.body)
            #expect(refused.contains(#"<span class="error" id="reseller-D01-X1-error">ZZ9 is not a reseller&#39;s code</span>"#))
            #expect(refused.contains(#"name="reseller" size="10" value="ZZ9""#) && refused.contains("<details open>"))
            #expect(refused.contains(#"<a href="/quarters/2026Q1/exceptions?reviewed=no&amp;sort=amount&amp;dir=asc">Amount"#))
            #expect(refused.contains(#"<option value="no" selected>not yet</option>"#))
            let moved = try await post(client, "/quarters/2026Q1/exceptions/reassign", admin, ["source": "D01", "line": "X1", "reseller": "P01", "note": "P01's customer"])
            #expect(moved.status == .seeOther)
            let location = try #require(moved.headers[.location])
            #expect(location.hasPrefix("/quarters/2026Q1/exceptions?sort=date&dir=asc&page=1&done=Reassigned%20line%20X1%20of%20D01%20to%20P01."))
            let (_, after) = try await page(client, location, admin)
            #expect(after.contains("Reassigned line X1 of D01 to P01."))
            #expect(after.contains("<td>reassigned to P01: P01&#39;s customer <small>(admin@vendor.example)</small></td>"))
            #expect(after.contains("<td>X1~out</td>") && !after.contains("<td>X1~in</td>"), "the new line is on P01's route")
            // Sorted by amount, the reversal (negative) first; the CSV in the same order.
            let (_, byAmount) = try await page(client, "/quarters/2026Q1/exceptions?sort=amount&dir=asc", admin)
            #expect(try #require(byAmount.range(of: "<td>X1~out</td>")).lowerBound < (try #require(byAmount.range(of: "<td>X1</td>")).lowerBound))
            let csv = String(buffer: try await client.execute(uri: "/quarters/2026Q1/exceptions.csv?sort=amount&dir=asc", method: .get, headers: admin.headers).body)
            #expect(csv.split(separator: "\r\n").map { String($0.split(separator: ",")[2]) } == ["line_id", "X1~out", "X1"])
            #expect(try await database.integrityProblems() == [])
        }
        await database.close()
    }
}
