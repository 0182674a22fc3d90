/// Reads and validates a TOML program file (PRODUCT.md section 5) into a `Program`.
///
/// Validation does not stop at the first problem: every problem in the file is reported with its
/// TOML path, so a channel manager fixes the file in one pass.
public enum ProgramFile {
    /// Longest accepted program file; a program is a page of settings, not a data set.
    public static let maximumBytes = 256 * 1024
    /// Bound on any count of days in a program (ten years).
    static let maximumDays = 3650

    public static func parse(_ text: String) throws(ProgramFileError) -> Program {
        guard text.utf8.count <= maximumBytes else {
            throw .invalid([ProgramProblem(path: "", message: "the file is larger than \(maximumBytes / 1024) KiB")])
        }
        let problems = ProblemList()
        let root = ProgramTableReader(entries: try TOMLNode.parse(text), path: "", problems: problems)
        let header = root.table("program").flatMap(readHeader)
        // Amount checks need the currency; when it is missing or invalid, still check the amounts' syntax.
        let currency = header?.currency ?? provisionalCurrency
        let rebate = root.table("rebate").flatMap { readRebate($0, currency: currency) }
        let referral = root.table("referral").flatMap(readReferral)
        let mdf = root.table("mdf").flatMap { readMDF($0, currency: currency) }
        let renewals = root.table("renewals").flatMap(readRenewals)
        // Optional, so program versions stored before segments existed still read (as the article's strategy).
        let segments = root.has("segments") ? root.table("segments").flatMap(readSegments) : .standard
        root.finish()
        guard problems.problems.isEmpty, let header, let rebate, let referral, let mdf, let renewals, let segments else {
            throw .invalid(problems.problems)
        }
        return Program(
            name: header.name, currency: header.currency!, effectiveFrom: header.effectiveFrom,
            nationalMax: header.nationalMax, rebate: rebate, referral: referral, mdf: mdf, renewals: renewals, segments: segments)
    }

    /// Stands in for an invalid currency: four decimals, the most any ISO 4217 currency has.
    private static let provisionalCurrency = Currency(code: "CLF")!

    private struct Header {
        var name: String
        var currency: Currency?
        var effectiveFrom: BusinessDate
        var nationalMax: Int
    }

    private static func readHeader(_ table: ProgramTableReader) -> Header? {
        defer { table.finish() }
        let name = table.string("name")
        if let name, name.allSatisfy(\.isWhitespace) || name.count > 200 {
            table.problem("name", "must be 1 to 200 characters")
        }
        var currency: Currency?
        if let code = table.string("currency") {
            currency = Currency(code: code)
            if currency == nil { table.problem("currency", "'\(code)' is not an ISO 4217 currency code (such as \"AUD\")") }
        }
        let effectiveFrom = table.date("effective_from")
        let nationalMax = table.integer("national_max", in: 1...1000)
        guard let name, let effectiveFrom, let nationalMax else { return nil }
        return Header(name: name, currency: currency, effectiveFrom: effectiveFrom, nationalMax: nationalMax)
    }

    private static func readRebate(_ table: ProgramTableReader, currency: Currency) -> RebateRules? {
        defer { table.finish() }
        let eligible = table.choices("eligible_tiers", ResellerTier.self, noun: "tier")
        let tierOn = table.choice("tier_on", TierEvaluationDate.self)
        let categories = table.choices("basis_categories", SalesCategory.self, noun: "category")
        if let categories, categories.isEmpty { table.problem("basis_categories", "must name at least one category") }
        let schedule = readSchedule(table, unit: .minorUnits) { tier in tier.money("from", currency: currency)?.minorUnits }
        guard let eligible, let tierOn, let categories, !categories.isEmpty, let schedule else { return nil }
        return RebateRules(eligibleTiers: eligible, tierOn: tierOn, basisCategories: categories, schedule: schedule)
    }

    private static func readReferral(_ table: ProgramTableReader) -> ReferralRules? {
        defer { table.finish() }
        let measure = table.choice("measure", ReferralMeasure.self)
        let price = table.choice("price", ReferralPrice.self)
        let selfFulfilmentPays = table.boolean("self_fulfilment_pays")
        let expiryDays = table.integer("expiry_days", in: 1...maximumDays)
        let schedule = readSchedule(table, unit: .seats) { tier in
            guard let node = tier.node("from") else { return nil }
            guard case .integer(let seats) = node else {
                tier.problem("from", "must be a whole number of seats, not \(node.kindName)")
                return nil
            }
            return Int64(seats)
        }
        guard let measure, let price, let selfFulfilmentPays, let expiryDays, let schedule else { return nil }
        return ReferralRules(
            measure: measure, price: price, schedule: schedule, selfFulfilmentPays: selfFulfilmentPays, expiryDays: expiryDays)
    }

    /// Reads `mode`, `rounding` and `tiers` — `{ from, rate }` tables whose `from` strictly increases.
    private static func readSchedule(_ table: ProgramTableReader, unit: TierUnit, readFrom: (ProgramTableReader) -> Int64?) -> TierSchedule? {
        let mode = table.choice("mode", TierMode.self)
        let rounding = table.choice("rounding", RoundingMode.self)
        guard let tierTables = table.tables("tiers") else { return nil }
        if tierTables.isEmpty { table.problem("tiers", "must have at least one tier") }
        var tiers: [RateTier] = []
        var valid = !tierTables.isEmpty
        var previous: (from: Int64, path: String)?
        for tier in tierTables {
            defer { tier.finish() }
            let from = readFrom(tier)
            let rate = tier.rate("rate")
            if let from, from < 0 { tier.problem("from", "must not be negative") }
            if let from, let last = previous, from <= last.from {
                tier.problem("from", "must be greater than the previous tier's from (\(last.path).from)")
            }
            if let from { previous = (from, tier.path) }
            guard let from, let rate, from >= 0 else {
                valid = false
                continue
            }
            tiers.append(RateTier(from: from, rate: rate))
        }
        guard valid, let mode, let rounding, zip(tiers, tiers.dropFirst()).allSatisfy({ $0.from < $1.from }) else { return nil }
        return TierSchedule(unit: unit, mode: mode, rounding: rounding, tiers: tiers)
    }

    private static func readMDF(_ table: ProgramTableReader, currency: Currency) -> MDFRules? {
        defer { table.finish() }
        let eligible = table.choices("eligible_tiers", ResellerTier.self, noun: "tier")
        let claimWithinDays = table.integer("claim_within_days", in: 1...maximumDays)
        // Both have the article's defaults, so program versions stored before they existed still read.
        var maxShare: BasisPoints? = MDFRules.defaultMaxShareOfCost
        if table.has("max_share_of_cost") {
            maxShare = table.rate("max_share_of_cost")
            if let share = maxShare, share.rawValue <= 0 || share.rawValue > 10_000 {
                table.problem("max_share_of_cost", "must be more than 0% and at most 100%")
                maxShare = nil
            }
        }
        var expiresAfter: Int? = MDFRules.defaultAllocationExpiresAfterQuarters
        if table.has("allocation_expires_after_quarters") { expiresAfter = table.integer("allocation_expires_after_quarters", in: 0...40) }
        guard let allocationTable = table.table("allocation_per_quarter") else { return nil }
        var allocations: [ResellerTier: Money] = [:]
        var valid = true
        for (key, _) in allocationTable.allEntries() {
            guard let tier = ResellerTier(rawValue: key) else {
                let known = ResellerTier.allCases.map(\.rawValue).joined(separator: ", ")
                allocationTable.problem(key, "unknown tier '\(key)' (known: \(known))")
                valid = false
                continue
            }
            guard let amount = allocationTable.money(key, currency: currency) else {
                valid = false
                continue
            }
            if amount.isNegative {
                allocationTable.problem(key, "must not be negative")
                valid = false
            }
            if let eligible, !eligible.contains(tier) {
                allocationTable.problem(key, "tier '\(key)' is not in mdf.eligible_tiers, so it would never be allocated")
                valid = false
            }
            allocations[tier] = amount
        }
        for tier in (eligible ?? []).sorted() where allocations[tier] == nil && valid {
            table.problem("allocation_per_quarter", "no allocation for eligible tier '\(tier.rawValue)'")
            valid = false
        }
        guard valid, let eligible, let claimWithinDays, let maxShare, let expiresAfter else { return nil }
        return MDFRules(
            eligibleTiers: eligible, allocationPerQuarter: allocations, claimWithinDays: claimWithinDays, maxShareOfCost: maxShare,
            allocationExpiresAfterQuarters: expiresAfter)
    }

    private static func readRenewals(_ table: ProgramTableReader) -> RenewalRules? {
        defer { table.finish() }
        // `split` (the half-and-half before the article) was a setting until version 14 and may be in stored program
        // versions: it still reads, as `vendor` — the old way, when the vendor kept renewals.
        let owner = table.has("owner") && table.string("owner") == "split" ? .vendor : table.choice("owner", RenewalOwner.self)
        let horizonDays = table.integer("horizon_days", in: 1...maximumDays)
        let lapseAfterDays = table.integer("lapse_after_days", in: 0...maximumDays)
        guard let owner, let horizonDays, let lapseAfterDays else { return nil }
        return RenewalRules(owner: owner, horizonDays: horizonDays, lapseAfterDays: lapseAfterDays)
    }

    /// `[segments]`: each segment's name set to the fewest seats it starts at (`smb = 2`).
    private static func readSegments(_ table: ProgramTableReader) -> SalesSegments? {
        var entries: [(name: String, from: Int64)] = []
        var valid = true
        for (key, node) in table.allEntries() {
            guard case .integer(let from) = node else {
                table.problem(key, "must be the whole number of seats the segment starts at, not \(node.kindName)")
                valid = false
                continue
            }
            entries.append((key, Int64(from)))
        }
        guard valid else { return nil }
        switch SalesSegments.make(entries) {
        case .success(let segments): return segments
        case .failure(let problem):
            for message in problem.messages { table.problem(message) }
            return nil
        }
    }
}
