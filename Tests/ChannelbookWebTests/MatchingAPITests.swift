import ChannelbookCore
import ChannelbookStore
import ChannelbookWeb
import Foundation
import HTTPTypes
import Hummingbird
import HummingbirdTesting
import Testing

/// Reseller matching over the JSON API: each login's scope (a distributor its own source, a reseller nothing: 404),
/// who may decide (403 otherwise), cursor paging, and the same refusals as the pages and the CLI.
@Suite struct MatchingAPITests {
    @Test func namesAreScopedDecidedByAdminsAndSuggestedByDistributors() async throws {
        let database = try await MatchingWebTests.withDistributors()
        func sales(_ text: String) async throws {
            let path = FileManager.default.temporaryDirectory.appendingPathComponent("cb-web-\(UUID().uuidString).csv").path
            try ("line_id,date,source,reseller,customer,sku,category,seats,amount,currency\n" + text).write(toFile: path, atomically: true, encoding: .utf8)
            try await database.importFile(.sales, path: path, name: "s.csv")
        }
        try await sales("A1,2026-02-01,D01,Associate One Pty Ltd,Acme,HW-1,hardware,1,1000.00,AUD\nA2,2026-02-02,D01,Beta Reseller,Acme,HW-1,hardware,1,1000.00,AUD\nA3,2026-02-03,D02,Gamma Co,Acme,HW-1,hardware,1,1000.00,AUD\n")
        let api = RenewalAPITests()
        func token(_ email: String) async throws -> String { try await database.createAPIToken(email: email, name: "t", actor: "t").token }
        let admin = try await token("admin@vendor.example"), d01 = try await token("sales@d01.example"), reseller = try await token("jo@p01.example")
        let finance = try await token("fin@vendor.example")
        try await WebApp.build(database: try await database.pool(), clock: fixedClock).test(.router) { client in
            #expect(try await api.call(client, .get, "/api/v1/matching/names", nil).status == .unauthorized)
            #expect(try await api.call(client, .get, "/api/v1/matching/names?limit=0", nil).status == .unauthorized)  // 401 before validation
            let all = try await api.call(client, .get, "/api/v1/matching/names?limit=2", admin)
            #expect(api.items(all.body).map { "\($0["source"]!) \($0["resellerAsWritten"]!) \($0["amount"]!)" } == ["D01 Associate One Pty Ltd 1000.00", "D01 Beta Reseller 1000.00"])
            #expect(api.items(all.body).first?["suggestion"] as? String == "A01")
            let cursor = try #require((all.body as? [String: Any])?["nextCursor"] as? String)
            let next = try await api.call(client, .get, "/api/v1/matching/names?limit=2&cursor=\(cursor.addingPercentEncoding(withAllowedCharacters: .alphanumerics)!)", admin)
            #expect(api.items(next.body).map { $0["resellerAsWritten"] as? String } == ["Gamma Co"])
            // A distributor sees its own source only, whatever it asks for; a reseller has no such list.
            let own = try await api.call(client, .get, "/api/v1/matching/names?source=D02", d01)
            #expect(api.items(own.body).compactMap { $0["source"] as? String } == ["D01", "D01"])
            #expect(try await api.call(client, .get, "/api/v1/matching/names", reseller).status == .notFound)
            // Suggest: a distributor for its own names; the vendor may not suggest, the distributor may not map.
            #expect(try await api.call(client, .post, "/api/v1/matching/names/suggest", d01, json: #"{"name":"beta reseller","partner":"P01"}"#).status == .noContent)
            #expect(try await api.call(client, .post, "/api/v1/matching/names/suggest", admin, json: #"{"name":"Gamma Co","partner":"P01"}"#).status == .forbidden)
            #expect(try await api.call(client, .post, "/api/v1/matching/names/suggest", d01, json: #"{"name":"Gamma Co","partner":"P01"}"#).status == .badRequest)  // D02's name
            #expect(try await api.call(client, .post, "/api/v1/matching/names/map", d01, json: #"{"source":"D01","name":"Beta Reseller","partner":"P01"}"#).status == .forbidden)
            #expect(try await api.call(client, .post, "/api/v1/matching/names/map", finance, json: #"{"source":"D01","name":"Beta Reseller","partner":"P01"}"#).status == .forbidden)
            // Map and ignore: the admin; refusals in words.
            let toDistributor = try await api.call(client, .post, "/api/v1/matching/names/map", admin, json: #"{"source":"D01","name":"Beta Reseller","partner":"D02"}"#)
            #expect(toDistributor.status == .badRequest && api.error(toDistributor.body) == "D02 is a distributor: a reseller's name is mapped to a reseller")
            let mapped = try await api.call(client, .post, "/api/v1/matching/names/map", admin, json: #"{"source":"D01","name":"Beta Reseller","partner":"P01"}"#)
            #expect(mapped.status == .ok && (mapped.body as? [String: Any])?["lines"] as? Int == 1)
            let ignored = try await api.call(client, .post, "/api/v1/matching/names/ignore", admin, json: #"{"source":"D02","name":"Gamma Co","reason":"a test account"}"#)
            #expect(ignored.status == .ok && (ignored.body as? [String: Any])?["lines"] as? Int == 1)
            let again = try await api.call(client, .post, "/api/v1/matching/names/ignore", admin, json: #"{"source":"D02","name":"GAMMA CO","reason":"again"}"#)
            #expect(again.status == .badRequest && api.error(again.body) == "'GAMMA CO' is already set aside: a name is mapped once")
            #expect(api.items(try await api.call(client, .get, "/api/v1/matching/names", admin).body).map { $0["resellerAsWritten"] as? String } == ["Associate One Pty Ltd"])
            #expect(try await api.call(client, .put, "/api/v1/matching/names/map", admin).status == .methodNotAllowed)
        }
        await database.close()
    }
}
