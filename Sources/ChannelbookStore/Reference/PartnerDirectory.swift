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
    /// As the directory was loaded: the reseller's tier changes, oldest first, and the distributors it buys through.
    /// Each imported line's route is judged on them without a lookup (BENCHMARKS.md, *Import speed*).
    let tierChanges: [(from: BusinessDate, tier: ResellerTier)]
    let distributors: Set<PartnerID>

    init(
        id: PartnerID, code: PartnerCode, name: String, kind: PartnerKind, abn: ABN?, tierChanges: [(from: BusinessDate, tier: ResellerTier)] = [],
        distributors: Set<PartnerID> = []
    ) {
        self.id = id
        self.code = code
        self.name = name
        self.kind = kind
        self.abn = abn
        self.tierChanges = tierChanges
        self.distributors = distributors
    }

    /// The reseller's tier on `date`, as loaded (`TierHistory`'s rule).
    func tier(on date: BusinessDate) -> ResellerTier? { TierHistory.tier(in: tierChanges, on: date) }
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

    /// What was decided for names distributors write (`matching map` and `matching ignore`), per source.
    private(set) var nameDecisions: [SourceName: ResellerNameDecision] = [:]

    /// The date that stands for "from the beginning of time" in `partner_tiers`.
    public static let beginningOfTime = BusinessDate(year: 1, month: 1, day: 1)!

    public static func load(from database: ChannelbookDatabase) async throws -> PartnerDirectory {
        var directory = PartnerDirectory()
        // Tiers and links first: each partner's record carries its own.
        for row in try await database.plainRows("SELECT partner_id, effective_from, tier FROM partner_tiers ORDER BY partner_id, effective_from") {
            directory.tiers.append(PartnerID(try row.integer(0)), from: try BusinessDate.parse(row.text(1)), tier: try row.stored(ResellerTier.self, 2))
        }
        for row in try await database.plainRows("SELECT reseller_id, distributor_id FROM partner_distributors") {
            directory.distributorsOf[PartnerID(try row.integer(0)), default: []].insert(PartnerID(try row.integer(1)))
        }
        for row in try await database.plainRows("SELECT id, code, name, kind, abn FROM partners") {
            let abn = try row.optionalText(4).map { try ABN.parse($0) }
            let id = PartnerID(try row.integer(0))
            directory.add(
                PartnerRecord(
                    id: id, code: PartnerCode(rawValue: try row.text(1)), name: try row.text(2), kind: try row.stored(PartnerKind.self, 3), abn: abn,
                    tierChanges: directory.tiers.changes[id] ?? [], distributors: directory.distributorsOf[id] ?? []))
        }
        for row in try await database.plainRows("SELECT source, name_key, partner_id FROM reseller_names") {
            let name = SourceName(source: try row.text(0), key: try row.text(1))
            directory.nameDecisions[name] = try row.optionalInteger(2).map { .mapped(PartnerID($0)) } ?? .ignored
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

    /// The reseller a file's line names by code or ABN, or `nil` with the problem recorded against `field`
    /// (contract files: a name no partner holds is an error there, not parked).
    func reseller(_ reference: ResellerReference, line: Int, field: String = "reseller", _ problems: inout ImportProblems) -> PartnerRecord? {
        guard let found = partner(named: reference) else {
            switch reference {
            case .code(let code): problems.add(line: line, field: field, "no partner has the code '\(code.rawValue)'")
            case .abn(let abn): problems.add(line: line, field: field, "no partner has the ABN \(abn)")
            case .name(let name): problems.add(line: line, field: field, "'\(name)' is neither a partner's code nor a valid ABN")
            }
            return nil
        }
        return requireReseller(found, line: line, field: field, &problems)
    }

    /// How a sales line's reseller resolves (PRODUCT.md section 3): by code, then ABN, then the mapping recorded for
    /// (source, normalised name). `nil` with the problem recorded when it names a distributor or a name with no letter
    /// or digit; `.unresolved` (parked by the import) when nothing matches.
    func resolveReseller(_ reference: ResellerReference, source: SalesSource, line: Int, _ problems: inout ImportProblems) -> ResellerResolution? {
        if let found = partner(named: reference) { return requireReseller(found, line: line, field: "reseller", &problems).map { .partner($0) } }
        let name = SourceName(source: source.description, key: ResellerName.key(reference.description))
        guard !name.key.isEmpty else {
            problems.add(line: line, field: "reseller", "'\(reference)' names no partner and holds no letter or digit to match a name by")
            return nil
        }
        switch nameDecisions[name] {
        case .mapped(let id)?: return byID[id].map { .partner($0) } ?? .unresolved(name)
        case .ignored?: return .ignored(name)
        case nil: return .unresolved(name)
        }
    }

    /// Whether a reseller's sales may come from `source` without leaving its route: DIRECT for anyone (the route
    /// rule flags a non-national), a distributor only for the resellers linked to it. What mappings and suggestions of
    /// a distributor's names require, so its later uploads can name them.
    func buysThrough(_ reseller: PartnerRecord, source: String) -> Bool {
        guard source != SalesSource.direct.description else { return true }
        guard let distributor = byCode[PartnerCode(rawValue: source)] else { return false }
        return distributorsOf[reseller.id]?.contains(distributor.id) ?? false
    }

    /// The partner a code or ABN names, before any mapping.
    private func partner(named reference: ResellerReference) -> PartnerRecord? {
        switch reference {
        case .code(let code): return byCode[code]
        case .abn(let abn): return byABN[abn]
        case .name: return nil
        }
    }

    private func requireReseller(_ found: PartnerRecord, line: Int, field: String, _ problems: inout ImportProblems) -> PartnerRecord? {
        guard found.kind == .reseller else {
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

/// A name as a source writes it, by its normalised key (`ResellerName.key`): what a mapping is recorded for.
struct SourceName: Hashable, Sendable {
    let source: String
    let key: String
}

/// What was decided for a source's name: it is this partner, or it is set aside (its lines stay parked, unlisted).
enum ResellerNameDecision: Sendable {
    case mapped(PartnerID)
    case ignored
}

/// Where a sales line's reseller led: a partner, or a name nobody has mapped (parked) or one set aside.
enum ResellerResolution: Sendable {
    case partner(PartnerRecord)
    case unresolved(SourceName)
    case ignored(SourceName)
}

extension ChannelbookDatabase {
    /// A partner's row id by its code, or nil when no partner has it: one indexed lookup, for the paths that need one
    /// partner and not the whole directory.
    func partnerID(_ code: PartnerCode) async throws -> PartnerID? {
        try await plainRows("SELECT id FROM partners WHERE code = $1", [.text(code.rawValue)]).first.map { PartnerID(try $0.integer(0)) }
    }
}
