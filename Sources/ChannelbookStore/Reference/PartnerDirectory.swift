import ChannelbookCore
import ChannelbookImport
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
    /// Tier changes per reseller, oldest first (Core's `TierHistory` answers which tier held on a date).
    public private(set) var tiers = TierHistory()
    public var tierHistory: [PartnerID: [(from: BusinessDate, tier: ResellerTier)]] { tiers.changes }
    /// The distributors each reseller buys through.
    public private(set) var distributorsOf: [PartnerID: Set<PartnerID>] = [:]

    /// The date that stands for "from the beginning of time" in `partner_tiers`.
    public static let beginningOfTime = BusinessDate(year: 1, month: 1, day: 1)!

    public static func load(from database: ChannelbookDatabase) async throws -> PartnerDirectory {
        var directory = PartnerDirectory()
        for row in try await database.plainRows("SELECT id, code, name, kind, abn FROM partners") {
            let abn = try row.optionalText(4).map { try ABN.parse($0) }
            directory.add(
                PartnerRecord(
                    id: PartnerID(try row.integer(0)), code: PartnerCode(rawValue: try row.text(1)), name: try row.text(2),
                    kind: PartnerKind(rawValue: try row.text(3))!, abn: abn))
        }
        for row in try await database.plainRows("SELECT partner_id, effective_from, tier FROM partner_tiers ORDER BY partner_id, effective_from") {
            directory.tiers.append(PartnerID(try row.integer(0)), from: try BusinessDate.parse(row.text(1)), tier: ResellerTier(rawValue: try row.text(2))!)
        }
        for row in try await database.plainRows("SELECT reseller_id, distributor_id FROM partner_distributors") {
            directory.distributorsOf[PartnerID(try row.integer(0)), default: []].insert(PartnerID(try row.integer(1)))
        }
        return directory
    }

    mutating func add(_ record: PartnerRecord) {
        byCode[record.code] = record
        byID[record.id] = record
        if let abn = record.abn { byABN[abn] = record }
    }

    /// The reseller's tier on `date`, or `nil` when it held none yet (or is a distributor).
    public func tier(of id: PartnerID, on date: BusinessDate) -> ResellerTier? { tiers.tier(of: id, on: date) }

    /// The reseller a file's line names by code or ABN, or `nil` with the problem recorded against `field`.
    func reseller(_ reference: ResellerReference, line: Int, field: String = "reseller", _ problems: inout ImportProblems) -> PartnerRecord? {
        let found: PartnerRecord?
        switch reference {
        case .code(let code):
            found = byCode[code]
            if found == nil { problems.add(line: line, field: field, "no partner has the code '\(code.rawValue)'") }
        case .abn(let abn):
            found = byABN[abn]
            if found == nil { problems.add(line: line, field: field, "no partner has the ABN \(abn)") }
        }
        if let found, found.kind != .reseller {
            problems.add(line: line, field: field, "\(found.code.rawValue) is a distributor, not a reseller")
            return nil
        }
        return found
    }

    /// The distributor a line's source names (`nil` for DIRECT); `.none` with the problem recorded when it names none.
    func distributor(_ source: SalesSource, line: Int, field: String = "source", _ problems: inout ImportProblems) -> PartnerRecord?? {
        guard case .distributor(let code) = source else { return .some(nil) }
        guard let found = byCode[code] else {
            problems.add(line: line, field: field, "'\(code.rawValue)' is neither DIRECT nor a distributor's code")
            return .none
        }
        guard found.kind == .distributor else {
            problems.add(line: line, field: field, "\(code.rawValue) is a reseller, not a distributor")
            return .none
        }
        return .some(found)
    }

    /// The reseller's most recent tier.
    public func latestTier(of id: PartnerID) -> ResellerTier? { tiers.latestTier(of: id) }
}
