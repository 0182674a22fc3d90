import ChannelbookCore
import SQLKit

/// A partner as imports and closes need it. A class: looking one up for each of millions of sales
/// lines then costs one reference count, not a copy of its strings.
public final class PartnerRecord: Sendable {
    public let id: PartnerID
    public let code: PartnerCode
    public let name: String
    public let kind: PartnerKind
    public let abn: ABN?

    init(id: PartnerID, code: PartnerCode, name: String, kind: PartnerKind, abn: ABN?) {
        self.id = id
        self.code = code
        self.name = name
        self.kind = kind
        self.abn = abn
    }
}

/// Every partner, its tier history and distributor links, held in memory while an import or close runs.
///
/// A vendor has thousands of partners, not millions: holding them lets each of millions of sales lines be
/// resolved without a query.
public struct PartnerDirectory: Sendable {
    public private(set) var byCode: [PartnerCode: PartnerRecord] = [:]
    public private(set) var byABN: [ABN: PartnerRecord] = [:]
    public private(set) var byID: [PartnerID: PartnerRecord] = [:]
    /// Tier changes per reseller, oldest first.
    public private(set) var tierHistory: [PartnerID: [(from: BusinessDate, tier: ResellerTier)]] = [:]
    /// The distributors each reseller buys through.
    public private(set) var distributorsOf: [PartnerID: Set<PartnerID>] = [:]

    /// The date that stands for "from the beginning of time" in `partner_tiers`.
    public static let beginningOfTime = BusinessDate(year: 1, month: 1, day: 1)!

    public static func load(from database: ChannelbookDatabase) async throws -> PartnerDirectory {
        var directory = PartnerDirectory()
        for row in try await database.sql.raw("SELECT id, code, name, kind, abn FROM partners").all() {
            let abn = try row.decodeNil(column: "abn") ? nil : try ABN.parse(row.decode(column: "abn", as: String.self))
            let record = PartnerRecord(
                id: PartnerID(try row.decode(column: "id", as: Int64.self)), code: PartnerCode(try row.decode(column: "code", as: String.self)),
                name: try row.decode(column: "name", as: String.self),
                kind: PartnerKind(rawValue: try row.decode(column: "kind", as: String.self))!, abn: abn)
            directory.add(record)
        }
        for row in try await database.sql.raw("SELECT partner_id, effective_from, tier FROM partner_tiers ORDER BY partner_id, effective_from").all() {
            let id = PartnerID(try row.decode(column: "partner_id", as: Int64.self))
            let from = try BusinessDate.parse(row.decode(column: "effective_from", as: String.self))
            directory.tierHistory[id, default: []].append((from, ResellerTier(rawValue: try row.decode(column: "tier", as: String.self))!))
        }
        for row in try await database.sql.raw("SELECT reseller_id, distributor_id FROM partner_distributors").all() {
            let reseller = PartnerID(try row.decode(column: "reseller_id", as: Int64.self))
            directory.distributorsOf[reseller, default: []].insert(PartnerID(try row.decode(column: "distributor_id", as: Int64.self)))
        }
        return directory
    }

    mutating func add(_ record: PartnerRecord) {
        byCode[record.code] = record
        byID[record.id] = record
        if let abn = record.abn { byABN[abn] = record }
    }

    /// The reseller's tier on `date`, or `nil` when it held none yet (or is a distributor).
    public func tier(of id: PartnerID, on date: BusinessDate) -> ResellerTier? {
        tierHistory[id]?.last { $0.from <= date }?.tier
    }

    /// The reseller's most recent tier.
    public func latestTier(of id: PartnerID) -> ResellerTier? { tierHistory[id]?.last?.tier }
}
