import ChannelbookCore
import Testing

@testable import ChannelbookStore

/// Partners, the price book and the audit log a page at a time on both databases: the same order (codes byte by
/// byte), filters (LIKE with its wildcards escaped, ABNs), and cursors that neither skip nor repeat a row.
@Suite struct ReferencePagesTests {
    @Test(arguments: TestDatabase.available)
    func pagesFollowEachOtherInTheSameOrderOnBothDatabases(database kind: TestDatabase) async throws {
        try await kind.with { database in
            try await seeded(database)
            var codes: [String] = []
            var cursor: String?
            repeat {
                let page = try await database.partnerPage(after: cursor, limit: 2)
                codes += page.items.map(\.code.rawValue)
                cursor = page.nextCursor
            } while cursor != nil
            #expect(codes == codes.sorted { Array($0.utf8).lexicographicallyPrecedes(Array($1.utf8)) })
            #expect(codes.count == (try await PartnerDirectory.load(from: database)).byCode.count)
            // The tier today is the latest, as the directory (in memory, independently of the SQL) has it.
            let directory = try await PartnerDirectory.load(from: database)
            let premier = directory.byCode.values.filter { directory.latestTier(of: $0.id) == .premier }.map(\.code.rawValue).sorted()
            #expect(premier.contains("P01"))
            #expect(try await database.partnerPage(kind: .reseller, tier: .premier, limit: 50).items.map(\.code.rawValue) == premier)
            #expect(try await database.partnerPage(search: "channelworx", limit: 50).items.map(\.code.rawValue) == ["D02"])
            #expect(try await database.partnerPage(search: "%", limit: 50).items.isEmpty)
            #expect(try await database.partnerPage(search: Fixtures.premierABN, limit: 50).items.map(\.code.rawValue) == ["P01"])
            #expect(try await database.partnerPage(only: "N01", limit: 50).items.map { "\($0.code.rawValue) \($0.tier?.rawValue ?? "")" } == ["N01 national"])

            var prices: [String] = []
            cursor = nil
            repeat {
                let page = try await database.priceBookPage(after: cursor, limit: 1)
                prices += page.items.map { "\($0.sku.rawValue) \($0.effectiveFrom)" }
                cursor = page.nextCursor
            } while cursor != nil
            #expect(prices == ["HW-1 2024-07-01", "RN-1 2024-07-01", "SW-1 2024-07-01", "SW-1 2026-02-15"])

            let everything = try await database.auditPage(AuditFilter(), limit: 500).items.map(\.id)
            #expect(everything == everything.sorted(by: >) && everything.count >= 2)
            let first = try await database.auditPage(AuditFilter(), limit: 1)
            let second = try await database.auditPage(AuditFilter(), before: Int64(first.nextCursor!), limit: 1)
            #expect(first.items.map(\.id) + second.items.map(\.id) == Array(everything.prefix(2)))
            #expect(try await database.auditPage(AuditFilter(action: "import partners"), limit: 10).items.map(\.action) == ["import partners"])

            // Route exceptions: the same lines as the quarter's report, a page at a time, and one review.
            try await database.importText(.sales, Fixtures.sales)
            let quarter = try Quarter.parse("2026Q1")
            let report = try await database.routeExceptions(in: quarter).map { "\($0.source) \($0.lineID)" }.sorted()
            var listed: [String] = []
            cursor = nil
            repeat {
                let page = try await database.routeExceptionPage(quarter, after: cursor, limit: 1)
                listed += page.items.map { "\($0.source) \($0.lineID)" }
                cursor = page.nextCursor
            } while cursor != nil
            #expect(listed.sorted() == report && report.count == 3)
            let open = try await database.routeExceptionPage(quarter, limit: 1).items[0]
            let reviewed = try await database.reviewRouteException(source: open.source, lineID: open.lineID, note: "agreed", actor: "admin")
            #expect(reviewed.reviewNote == "agreed")
            #expect(try await database.routeExceptionPage(quarter, reviewed: false, limit: 10).items.count == 2)
            await #expect(throws: RouteExceptionReviewError.alreadyReviewed(source: open.source, lineID: open.lineID, by: "admin")) {
                try await database.reviewRouteException(source: open.source, lineID: open.lineID, note: "again", actor: "admin")
            }

            // The quarter's lines in key order, a page at a time, as the totals count them.
            var keys: [String] = []
            cursor = nil
            repeat {
                let page = try await database.salesLinePage(quarter, after: cursor, limit: 2)
                keys += page.items.map { "\($0.source)|\($0.lineID)" }
                cursor = page.nextCursor
            } while cursor != nil
            let stored = try await database.plainRows("SELECT source, line_id FROM sales_lines WHERE quarter = '2026Q1'").map { "\(try $0.text(0))|\(try $0.text(1))" }
            #expect(keys == stored.sorted { Array($0.utf8).lexicographicallyPrecedes(Array($1.utf8)) })
            let p01 = try await database.salesLinePage(quarter, reseller: "P01", limit: 500).items
            #expect(!p01.isEmpty && p01.allSatisfy { $0.reseller == "P01" })
            #expect(try await database.salesLinePage(quarter, reseller: "A01", limit: 500).items.isEmpty)
            #expect(try await database.salesLinePage(quarter, reseller: "Z99", limit: 500).items.isEmpty)
        }
    }
}

extension ReferencePagesTests {
    /// Referrals a page at a time, filtered by their status on a date: the same as the whole list, across the batches
    /// the page is read in (more than 200 registrations).
    /// A search folds every letter's case, not only ASCII's, on SQLite as on PostgreSQL; the users' lower-case email
    /// check still holds.
    @Test(arguments: TestDatabase.available)
    func aSearchFindsANameWhateverTheCaseOfItsAccentedLetters(database kind: TestDatabase) async throws {
        try await kind.with { database in
            try await seeded(database)
            try await database.importText(.partners, "code,name,kind,tier,distributors,abn,tier_since\nR77,Émile Électrique Ökonomie,reseller,registered,D01,,\n")
            for search in ["émile", "ÉMILE", "électrique", "ökonomie", "ÖKON"] {
                let found = try await database.partnerTable(search: search, TableSlice(column: .code, limit: 10)).items.map(\.code.rawValue)
                #expect(found == ["R77"], "\(search)")
            }
            #expect(try await database.partnerTable(search: "emile", TableSlice(column: .code, limit: 10)).items.isEmpty)  // an accent is a letter
            _ = try await database.addUser(email: "Zoë@Vendor.example", role: .finance, partner: nil, password: "finance secret 123", actor: "t", bcryptCost: 4)
            #expect(try await database.users().contains { $0.email == "zoë@vendor.example" })
        }
    }

    @Test(arguments: TestDatabase.available)
    func referralPagesMatchTheWholeListAcrossBatches(database kind: TestDatabase) async throws {
        try await kind.with { database in
            try await seeded(database)
            let day = try BusinessDate.parse("2026-03-02")
            for n in 0..<230 {
                let id = try await database.registerReferral(
                    ReferralRequest(partner: n % 2 == 0 ? "P01" : "N01", customer: "Customer \(n)", domain: "c\(n).example"), on: day, actor: "t")
                if n % 3 == 0 { try await database.approveReferral(id, fulfiller: nil, on: day, actor: "t") }
            }
            for (partner, status) in [(nil, ReferralStatus.approved), ("P01", nil), (nil, nil)] as [(PartnerCode?, ReferralStatus?)] {
                let whole = try await database.referrals(partner: partner, status: status, asOf: day).map(\.id)
                var paged: [ReferralID] = []
                var cursor: Int64?
                repeat {
                    let page = try await database.referralPage(partner: partner, status: status, asOf: day, before: cursor, limit: 37)
                    paged += page.items.map(\.id)
                    cursor = page.nextCursor.flatMap(Int64.init)
                } while cursor != nil
                #expect(paged == whole && !whole.isEmpty, "\(String(describing: partner)) \(String(describing: status))")
            }
        }
    }
}
