import ChannelbookCore
import ChannelbookImport
import SQLKit

/// Imports `partners.csv`: new partners, changed names and ABNs, effective-dated tier changes and
/// distributor links, refusing anything that would break the program (such as one national too many).
struct PartnerImporter {
    let database: ChannelbookDatabase
    /// Who imports: tier changes and new partners are audited in their name.
    let actor: String

    /// Partners files are lists of organisations; a bound keeps a wrong file from being held in memory.
    static let maximumRows = 1_000_000

    func run(path: String, name: String) async throws -> ImportSummary {
        let program = try await database.latestProgram().program
        var directory = try await PartnerDirectory.load(from: database)
        var rows: [PartnerRow] = []
        var limit = RowLimit(maximum: Self.maximumRows, noun: "partners")
        var problems = try await ImportFile.read(path: path, name: name, required: PartnerRow.requiredColumns, optional: PartnerRow.optionalColumns) {
            record, header, problems in
            guard limit.admit(record, &problems) else { return }
            if let row = PartnerRow.parse(record, header: header, problems: &problems) { rows.append(row) }
        }
        check(rows, against: directory, nationalMax: program.nationalMax, &problems)
        guard problems.isEmpty else { throw problems }

        let importID = try await database.startImport(.partners, name: name)
        var new: Set<PartnerCode> = [], changed: Set<PartnerCode> = []
        var rerouted: Set<PartnerID> = []  // resellers whose tiers or links changed: their lines' routes are judged again
        for row in rows {
            if let existing = directory.byCode[row.code] {
                if let tier = row.tier, directory.latestTier(of: existing.id) != tier { rerouted.insert(existing.id) }
                if try await update(existing, to: row, directory) { changed.insert(row.code) }
            } else {
                directory.add(try await insert(row))
                new.insert(row.code)
            }
        }
        // Links last: a reseller may name a distributor that appears further down the file.
        for row in rows where row.kind == .reseller {
            let reseller = directory.byCode[row.code]!
            let wanted = Set(row.distributors.map { directory.byCode[$0]!.id })
            if wanted != directory.distributorsOf[reseller.id] ?? [] {
                try await link(reseller, to: wanted)
                if !new.contains(row.code) {
                    changed.insert(row.code)
                    rerouted.insert(reseller.id)
                }
            }
        }
        if !rerouted.isEmpty { _ = try await database.reevaluateRoutes(of: rerouted, try await PartnerDirectory.load(from: database)) }
        var summary = ImportSummary(kind: .partners, lines: rows.count, new: new.count, present: rows.count - new.count - changed.count)
        summary.changed = changed.count
        try await database.finishImport(importID, summary)
        return summary
    }

    /// Everything that depends on other rows or on what is stored: duplicates, references, the national cap.
    private func check(_ rows: [PartnerRow], against directory: PartnerDirectory, nationalMax: Int, _ problems: inout ImportProblems) {
        var firstLineOfCode: [PartnerCode: Int] = [:]
        var firstLineOfABN: [ABN: (line: Int, code: PartnerCode)] = [:]
        var kindInFile: [PartnerCode: PartnerKind] = [:]
        for row in rows {
            if let earlier = firstLineOfCode[row.code] {
                problems.add(line: row.line, field: "code", "'\(row.code.rawValue)' is already on line \(earlier)")
            } else {
                firstLineOfCode[row.code] = row.line
            }
            kindInFile[row.code] = row.kind
            if let existing = directory.byCode[row.code], existing.kind != row.kind {
                problems.add(line: row.line, field: "kind", "\(row.code.rawValue) is stored as a \(existing.kind.rawValue); a partner's kind cannot change")
            }
            if let abn = row.abn {
                if let earlier = firstLineOfABN[abn], earlier.code != row.code {
                    problems.add(line: row.line, field: "abn", "\(abn) is also the ABN of \(earlier.code.rawValue) on line \(earlier.line)")
                } else if let holder = directory.byABN[abn], holder.code != row.code, !rows.contains(where: { $0.code == holder.code && $0.abn != abn }) {
                    problems.add(line: row.line, field: "abn", "\(abn) is already the ABN of partner \(holder.code.rawValue)")
                }
                firstLineOfABN[abn] = (row.line, row.code)
            }
            if let existing = directory.byCode[row.code], let tier = row.tier, let latest = directory.tierHistory[existing.id]?.last,
                latest.tier != tier
            {
                if let since = row.tierSince {
                    if since <= latest.from {
                        problems.add(
                            line: row.line, field: "tier_since",
                            "\(since) is not after \(row.code.rawValue)'s latest tier change (\(latest.tier.rawValue) from \(display(latest.from)))")
                    }
                } else {
                    problems.add(
                        line: row.line, field: "tier_since",
                        "is required to change \(row.code.rawValue)'s tier from \(latest.tier.rawValue) to \(tier.rawValue) (the date the new tier holds from)")
                }
            }
        }
        for row in rows {
            for distributor in row.distributors {
                let kind = kindInFile[distributor] ?? directory.byCode[distributor]?.kind
                if kind == nil { problems.add(line: row.line, field: "distributors", "no partner has the code '\(distributor.rawValue)'") }
                if kind == .reseller { problems.add(line: row.line, field: "distributors", "'\(distributor.rawValue)' is a reseller, not a distributor") }
            }
        }
        checkNationalCap(rows, directory, nationalMax, &problems)
    }

    /// At most `national_max` resellers may be national at once, on every date: the tier histories as they
    /// would stand after the import, checked by the program's rule (`NationalCap`).
    private func checkNationalCap(_ rows: [PartnerRow], _ directory: PartnerDirectory, _ nationalMax: Int, _ problems: inout ImportProblems) {
        var histories: [PartnerCode: [(from: BusinessDate, tier: ResellerTier)]] = [:]
        for (id, history) in directory.tierHistory { histories[directory.byID[id]!.code] = history }
        let stored = Array(histories.values)
        for row in rows {
            guard let tier = row.tier, histories[row.code]?.last?.tier != tier else { continue }
            // Rows whose tier_since is refused above are reported there; here they count from their date as given.
            histories[row.code, default: []].append((row.tierSince ?? PartnerDirectory.beginningOfTime, tier))
        }
        guard let breach = NationalCap.firstBreach(Array(histories.values), maximum: nationalMax, before: stored) else { return }
        // Name the row that makes a national stretch covering the date, or the file's last row.
        let culprit = rows.last { row in
            row.tier == .national && (row.tierSince ?? PartnerDirectory.beginningOfTime) <= breach.date
                && directory.byCode[row.code].flatMap { directory.tier(of: $0.id, on: breach.date) } != .national
        }
        problems.add(
            line: culprit?.line ?? rows.last?.line ?? 1, field: "tier",
            "\(breach.nationals) resellers would be national from \(display(breach.date)); the program allows at most \(nationalMax) at once (national_max)")
    }

    private func insert(_ row: PartnerRow) async throws -> PartnerRecord {
        let inserted = try await database.sql.raw(
            "INSERT INTO partners (code, name, kind, abn) VALUES (\(bind: row.code.rawValue), \(bind: row.name), \(bind: row.kind.rawValue), \(bind: row.abn?.digits)) RETURNING id"
        ).first()
        let id = PartnerID(try inserted!.decode(column: "id", as: Int64.self))
        try await database.audit(
            actor: actor, action: "add partner", partner: id, subject: row.code.rawValue,
            after: "\(row.kind.rawValue) \(row.name)\(row.abn.map { ", ABN \($0)" } ?? "")")
        if let tier = row.tier {
            try await insertTier(id, code: row.code, tier, from: row.tierSince ?? PartnerDirectory.beginningOfTime, previous: nil)
        }
        return PartnerRecord(id: id, code: row.code, name: row.name, kind: row.kind, abn: row.abn)
    }

    /// Applies a row to a stored partner; returns whether anything changed.
    private func update(_ existing: PartnerRecord, to row: PartnerRow, _ directory: PartnerDirectory) async throws -> Bool {
        var changed = false
        if existing.name != row.name || existing.abn != row.abn {
            try await database.sql.raw(
                "UPDATE partners SET name = \(bind: row.name), abn = \(bind: row.abn?.digits) WHERE id = \(bind: existing.id.rawValue)"
            ).run()
            try await database.audit(
                actor: actor, action: "change partner", partner: existing.id, subject: row.code.rawValue,
                before: "\(existing.name), ABN \(existing.abn?.digits ?? "none")", after: "\(row.name), ABN \(row.abn?.digits ?? "none")")
            changed = true
        }
        if let tier = row.tier, directory.latestTier(of: existing.id) != tier {
            try await insertTier(
                existing.id, code: row.code, tier, from: row.tierSince ?? PartnerDirectory.beginningOfTime, previous: directory.latestTier(of: existing.id))
            changed = true
        }
        return changed
    }

    private func insertTier(_ id: PartnerID, code: PartnerCode, _ tier: ResellerTier, from: BusinessDate, previous: ResellerTier?) async throws {
        try await database.sql.raw(
            "INSERT INTO partner_tiers (partner_id, effective_from, tier) VALUES (\(bind: id.rawValue), \(bind: from.description), \(bind: tier.rawValue))"
        ).run()
        try await database.audit(
            actor: actor, action: "tier change", partner: id, subject: code.rawValue,
            before: previous?.rawValue ?? "none", after: "\(tier.rawValue) from \(display(from))")
    }

    /// Makes the reseller's distributor links exactly the file's list.
    private func link(_ reseller: PartnerRecord, to distributors: Set<PartnerID>) async throws {
        try await database.sql.raw("DELETE FROM partner_distributors WHERE reseller_id = \(bind: reseller.id.rawValue)").run()
        for distributor in distributors.sorted(by: { $0.rawValue < $1.rawValue }) {
            try await database.sql.raw(
                "INSERT INTO partner_distributors (reseller_id, distributor_id) VALUES (\(bind: reseller.id.rawValue), \(bind: distributor.rawValue))"
            ).run()
        }
    }

    private func display(_ date: BusinessDate) -> String { date == PartnerDirectory.beginningOfTime ? "the beginning" : date.description }
}
