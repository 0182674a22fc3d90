import ChannelbookCore
import ChannelbookStore
import ChannelbookWeb
import Foundation
import HTTPTypes
import Hummingbird
import HummingbirdTesting
import Testing

/// `/webhooks` for admins: add an endpoint (the secret shown once), a refusal said on the page with the URL kept,
/// remove one; finance 403, a partner 404.
@Suite struct WebhookPageTests {
    @Test func anAdminAddsAndRemovesEndpointsInTheBrowser() async throws {
        let database = try await preparedDatabase()
        try await database.addUser(email: "admin@vendor.example", role: .admin, partner: nil, password: "admin secret 1234", actor: "t", bcryptCost: 4)
        try await WebApp.build(database: try await database.pool(), clock: fixedClock).test(.router) { client in
            let admin = try await signedIn(client, database, "admin@vendor.example", "admin secret 1234")
            let empty = String(buffer: try await client.execute(uri: "/webhooks", method: .get, headers: admin.headers).body)
            #expect(empty.contains("No webhook endpoints yet.") && empty.contains(#"<a class="nav-link active" aria-current="page" href="/webhooks">Webhooks</a>"#))

            let added = try await client.execute(
                uri: "/webhooks", method: .post, headers: admin.headers,
                body: ByteBuffer(string: "csrf=\(admin.csrf)&url=https%3A%2F%2Ferp.example%2Fhook%3Ftoken%3Ds3cret&events[]=statement.approved&events[]=statement.paid"))
            #expect(added.status == .ok)
            let page = String(buffer: added.body)
            let secret = try #require(page.range(of: "whsec_[0-9a-f]{64}", options: .regularExpression).map { String(page[$0]) })
            #expect(page.contains("https://erp.example/hook") && page.contains("statement.approved, statement.paid"))
            let endpoint = try #require(try await database.webhooks().first)
            #expect(endpoint.events == [.statementApproved, .statementPaid])
            // The audit log says where events go, not the token the URL carries.
            let audited = try #require(try await database.auditLog().last { $0.action == "add webhook" })
            #expect(audited.after == "https://erp.example/hook?… for statement.approved,statement.paid")
            // The secret is not shown again.
            #expect(!String(buffer: try await client.execute(uri: "/webhooks", method: .get, headers: admin.headers).body).contains(secret))

            let refused = try await client.execute(
                uri: "/webhooks", method: .post, headers: admin.headers, body: ByteBuffer(string: "csrf=\(admin.csrf)&url=ftp%3A%2F%2Fx.example%2F"))
            #expect(refused.status == .badRequest)
            let refusedPage = String(buffer: refused.body)
            #expect(refusedPage.contains("is not an http:// or https:// URL") && refusedPage.contains(#"value="ftp://x.example/""#))

            let removed = try await client.execute(
                uri: "/webhooks/\(endpoint.id)/remove", method: .post, headers: admin.headers, body: ByteBuffer(string: "csrf=\(admin.csrf)"))
            #expect(removed.status == .seeOther)
            #expect(try await database.webhooks().isEmpty)
            #expect(try await client.execute(uri: "/webhooks/999/remove", method: .post, headers: admin.headers, body: ByteBuffer(string: "csrf=\(admin.csrf)")).status == .notFound)

            let finance = try await signedIn(client, database, "fin@vendor.example", "finance secret 123")
            #expect(try await client.execute(uri: "/webhooks", method: .get, headers: finance.headers).status == .forbidden)
            let partner = try await signedIn(client, database, "jo@p01.example", "partner secret 123")
            #expect(try await client.execute(uri: "/webhooks", method: .get, headers: partner.headers).status == .notFound)
        }
        await database.close()
    }
}
