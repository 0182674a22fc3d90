import ChannelbookCore
import Foundation
import Hummingbird
import HummingbirdTesting
import Testing

@testable import ChannelbookStore
@testable import ChannelbookWeb

/// The frame every page shares (templates/layout.mustache): the stylesheets served by the app, the menu marking
/// the page shown, tables that scroll inside their own box, and styled error pages with a way back.
@Suite struct PageFrameTests {
    @Test func pagesShareTheStyledFrameAndErrorsHaveAWayBack() async throws {
        let database = try await preparedDatabase()
        try await WebApp.build(database: try await database.pool(), clock: fixedClock).test(.router) { client in
            // Bootstrap's CSS from Debian, and ours: served by the app (no CDN), cached, unlike the pages.
            let bootstrap = try await client.execute(uri: "/assets/bootstrap.min.css", method: .get)
            #expect(bootstrap.status == .ok)
            #expect(bootstrap.headers[.contentType] == "text/css; charset=utf-8")
            #expect(bootstrap.headers[.cacheControl] == "public, max-age=3600")
            #expect(String(buffer: bootstrap.body).hasPrefix("/*!\n   * Bootstrap  v5.2.3"))
            #expect(try await client.execute(uri: "/assets/channelbook.css", method: .get).status == .ok)
            #expect(try await client.execute(uri: "/assets/../Package.swift", method: .get).status == .notFound)
            #expect(try await client.execute(uri: "/assets/BOOTSTRAP-LICENSE", method: .get).status == .notFound)

            let finance = try await signedIn(client, database, "fin@vendor.example", "finance secret 123")
            let quarter = try await client.execute(uri: "/quarters/2026Q1", method: .get, headers: finance.headers)
            let page = String(buffer: quarter.body)
            #expect(quarter.headers[.cacheControl] == "no-store")
            #expect(page.contains(#"<link rel="stylesheet" href="/assets/bootstrap.min.css">"#))
            #expect(page.contains(##"<a class="visually-hidden-focusable" href="#main">Skip to the content</a>"##))
            // A quarter is under the menu's "Quarter end" (/quarters): that entry is marked, and only it.
            #expect(page.contains(#"aria-current="page" href="/quarters">Quarter end</a>"#))
            #expect(page.components(separatedBy: "nav-link active").count == 2)
            // Its way back: quarter end, the quarter itself the end of the trail.
            #expect(page.contains(#"<li class="breadcrumb-item"><a href="/quarters">Quarter end</a></li><li class="breadcrumb-item active" aria-current="page">Statements 2026Q1</li>"#))
            // The statements' table draws its own scrolling box, named; a table a page builds by hand gets one too.
            #expect(page.contains(#"<div class="table-scroll" tabindex="0" role="region" aria-label="Statements 2026Q1">"#))
            #expect(page.components(separatedBy: "<table").count == page.components(separatedBy: "class=\"table-scroll\"").count)
            // A partner's page under its own entry: /partners/P01 marks "My partner", the longest match.
            let partner = try await signedIn(client, database, "jo@p01.example", "partner secret 123")
            let own = String(buffer: try await client.execute(uri: "/partners/P01", method: .get, headers: partner.headers).body)
            #expect(own.contains(#"<a class="nav-link active" aria-current="page" href="/partners/P01">My partner</a>"#))
            #expect(own.components(separatedBy: "aria-current=\"page\"").count == 2)

            // An unknown page, and a page the login may not see: the styled page, the status, a way back.
            let unknown = try await client.execute(uri: "/no/such/page", method: .get, headers: partner.headers)
            #expect(unknown.status == .notFound)
            let text = String(buffer: unknown.body)
            #expect(text.contains("<title>404 Not Found · Channelbook</title>"))
            #expect(text.contains("There is no page at this address.") && text.contains(#"<a href="/">Back to the dashboard</a>"#))
            let forbidden = try await client.execute(uri: "/quarters/2026Q1/approve", method: .get, headers: partner.headers)
            #expect(forbidden.status == .notFound)
            #expect(String(buffer: forbidden.body).contains("Back to the dashboard"))
            // Signed in, an error page keeps the frame (the menu, who is signed in) and offers no sign-in.
            #expect(text.contains(#"<nav class="navbar"#) && text.contains("jo@p01.example") && !text.contains(#"href="/login""#))
            let notAllowed = try await client.execute(uri: "/webhooks", method: .get, headers: finance.headers)
            #expect(notAllowed.status == .forbidden)
            #expect(String(buffer: notAllowed.body).contains("<title>403 Forbidden · Channelbook</title>") && String(buffer: notAllowed.body).contains("fin@vendor.example"))
            // The API's unknown paths stay JSON.
            let api = try await client.execute(uri: "/api/v1/no-such-thing", method: .get, headers: partner.headers)
            #expect(api.status == .notFound)
            #expect(api.headers[.contentType]?.hasPrefix("application/json") == true)
        }
        await database.close()
    }
}
