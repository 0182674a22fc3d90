import ChannelbookCore
import Foundation
import Hummingbird
import HummingbirdTesting
import Testing

@testable import ChannelbookStore
@testable import ChannelbookWeb

/// `/audit` pages the whole log in SQL, newest first, with filters; `/audit.csv` streams every matching row.
@Suite struct AuditPageTests {
    @Test func theAuditLogPagesToItsFirstEntryAndFilters() async throws {
        let database = try await preparedDatabase()
        let before = try await database.auditLog().count
        for number in 1...250 {
            try await database.audit(actor: number % 2 == 0 ? "even@vendor.example" : "odd@vendor.example", action: "test entry", subject: "entry \(number)")
        }
        try await WebApp.build(database: try await database.pool(), clock: fixedClock).test(.router) { client in
            let finance = try await signedIn(client, database, "fin@vendor.example", "finance secret 123")
            // Every page, following "Older entries" to the end: every entry once, newest first.
            var uri: String? = "/audit", subjects: [String] = [], pages = 0
            while let next = uri {
                let page = String(buffer: try await client.execute(uri: next, method: .get, headers: finance.headers).body)
                pages += 1
                subjects += page.components(separatedBy: "<td>entry ").dropFirst().map { String($0.prefix { $0 != "<" }) }
                uri = page.range(of: #"<a href="(/audit\?[^"]*)">Older entries"#, options: .regularExpression).map { range in
                    String(page[range].dropFirst(9).prefix { $0 != "\"" }).replacingOccurrences(of: "&amp;", with: "&")
                }
            }
            #expect(subjects == (1...250).reversed().map(String.init))
            #expect(pages == (250 + before + 2 + AuditRoutes.entriesPerPage - 1) / AuditRoutes.entriesPerPage)  // + the two sign-ins
            // Filtered by who, in SQL: 125 entries, across two pages.
            let odd = String(buffer: try await client.execute(uri: "/audit?actor=odd%40vendor.example&action=test+entry", method: .get, headers: finance.headers).body)
            #expect(odd.components(separatedBy: "<td>odd@vendor.example</td>").count - 1 == AuditRoutes.entriesPerPage)
            #expect(!odd.contains("<td>even@vendor.example</td>"))
            #expect(odd.contains("Older entries") && odd.contains("actor=odd%40vendor.example"))
            // A date after today's entries: none.
            let later = String(buffer: try await client.execute(uri: "/audit?since=2099-01-01", method: .get, headers: finance.headers).body)
            #expect(later.contains("No audit entries match the filter."))
            // A malformed date is refused in words, with what was typed kept.
            let bad = try await client.execute(uri: "/audit?since=yesterday", method: .get, headers: finance.headers)
            #expect(bad.status == .badRequest)
            #expect(String(buffer: bad.body).contains("since: must be a date (YYYY-MM-DD)") && String(buffer: bad.body).contains("value=\"yesterday\""))
            // The CSV: every matching row, whatever the page size.
            let csv = String(buffer: try await client.execute(uri: "/audit.csv?action=test+entry", method: .get, headers: finance.headers).body)
            let lines = csv.split(separator: "\r\n")
            #expect(lines.first == "at,actor,action,partner,subject,before,after")
            #expect(lines.count == 251)
            #expect(lines[1].contains(",test entry,,entry 250,"))
            // A partner's login: no audit log.
            let partner = try await signedIn(client, database, "jo@p01.example", "partner secret 123")
            #expect(try await client.execute(uri: "/audit", method: .get, headers: partner.headers).status == .notFound)
            #expect(try await client.execute(uri: "/audit.csv", method: .get, headers: partner.headers).status == .notFound)
        }
        await database.close()
    }
}
