import ChannelbookAPI
import ChannelbookCore
import ChannelbookStore
import ChannelbookWeb
import Foundation
import HTTPTypes
import Hummingbird
import HummingbirdTesting
import Testing

/// Every operation of openapi.yaml, read from the document itself: without a token each answers 401 with the error's
/// `code` before looking at the request; every vendor action answers a reseller's token 404 and a vendor role without
/// the permission (a maintenance officer) 403.
@Suite struct APIAccessTests {
    /// `(method, path)` of every operation in the document (`ChannelbookAPI.paths`), each parameter filled with a
    /// value that fits any of them (`2026Q1` is a quarter, a partner code and a path id's text alike).
    static func operations() throws -> [(HTTPRequest.Method, String)] {
        ChannelbookAPI.paths.flatMap { entry in
            entry.methods.map { (HTTPRequest.Method($0)!, "/" + entry.segments.map { $0 == "*" ? "2026Q1" : $0 }.joined(separator: "/")) }
        }
    }

    @Test func everyOperationAsksForATokenFirst() async throws {
        let operations = try Self.operations()
        #expect(operations.count >= 50)
        #expect(operations.contains { $0 == (.post, "/api/v1/quarters/2026Q1/close") } && operations.contains { $0 == (.get, "/api/v1/renewals/pipeline") })
        let database = try await preparedDatabase()
        try await WebApp.build(database: try await database.pool(), clock: fixedClock).test(.router) { client in
            for (method, path) in operations {
                // A malformed body too: 401 comes first.
                let response = try await client.execute(uri: path, method: method, headers: [.contentType: "application/json"], body: ByteBuffer(string: "{"))
                #expect(response.status == .unauthorized, "\(method) \(path)")
                let body = try? JSONSerialization.jsonObject(with: Data(buffer: response.body)) as? [String: Any]
                #expect(body?["code"] as? String == "unauthorized", "\(method) \(path)")
            }
        }
        await database.close()
    }

    /// The vendor's actions: a reseller's token is told they do not exist, a maintenance officer that it may not.
    static let vendorActions: [(String, String)] = [
        ("/api/v1/quarters/2026Q1/close", "{}"), ("/api/v1/quarters/2026Q1/approve", "{}"), ("/api/v1/quarters/2026Q1/payouts", "{}"),
        ("/api/v1/quarters/2026Q1/mark-paid", #"{"reference":"R"}"#), ("/api/v1/referrals/1/approve", "{}"), ("/api/v1/referrals/1/reject", #"{"reason":"r"}"#),
        ("/api/v1/referrals/1/lose", #"{"reason":"r"}"#), ("/api/v1/referrals/1/close", #"{"sku":"HW-1","seats":1,"closedOn":"2027-01-15"}"#),
        ("/api/v1/partners", #"{"code":"R9","name":"R","kind":"reseller"}"#), ("/api/v1/partners/P01/tier", #"{"tier":"national","tierSince":"2027-01-01"}"#),
        ("/api/v1/partners/P01/contacts", #"{"role":"account_manager","email":"a@b.example"}"#),
        ("/api/v1/pricebook", #"{"rows":[{"sku":"X","name":"X","category":"hardware","partnerBuyPrice":"1.00","effectiveFrom":"2026-01-01"}]}"#),
        ("/api/v1/whatif", #"{"program":"x","quarters":"2026Q1"}"#), ("/api/v1/enablement", #"{"partner":"N01","rep":"a@b.example","course":"c"}"#),
    ]

    @Test func theVendorsActionsAre404ForAResellerAnd403ForARoleWithoutThePermission() async throws {
        let database = try await preparedDatabase()
        let tokens = try await QuarterEndAPITests.Tokens(database)
        try await database.addUser(email: "mo@vendor.example", role: .maintenanceOfficer, partner: nil, password: "officer secret 123", actor: "t", bcryptCost: 4)
        let officer = try await database.createAPIToken(email: "mo@vendor.example", name: "t", actor: "t").token
        try await WebApp.build(database: try await database.pool(), clock: fixedClock).test(.router) { client in
            for (path, json) in Self.vendorActions {
                let reseller = try await QuarterEndAPITests().call(client, .post, path, tokens.reseller, json: json)
                #expect(reseller.status == .notFound && reseller.code == "not_found", "\(path): \(reseller.text)")
                let forbidden = try await QuarterEndAPITests().call(client, .post, path, officer, json: json)
                #expect(forbidden.status == .forbidden && forbidden.code == "forbidden", "\(path): \(forbidden.text)")
                #expect((forbidden.json["error"] as? String)?.hasPrefix("your role (maintenance_officer) may not ") == true)
            }
            // Reads of the vendor's own records: a reseller is told nothing exists.
            for path in ["/api/v1/audit", "/api/v1/enablement"] {
                #expect(try await QuarterEndAPITests().call(client, .get, path, tokens.reseller).status == .notFound, "\(path)")
            }
            // Uploads: a reseller's token 404, a maintenance officer 403.
            #expect(try await QuarterEndAPITests().call(client, .post, "/api/v1/sales", tokens.reseller, csv: "x").status == .notFound)
            #expect(try await QuarterEndAPITests().call(client, .post, "/api/v1/sales", officer, csv: "x").status == .forbidden)
        }
        await database.close()
    }
}
