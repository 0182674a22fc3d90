import ChannelbookCore
import ChannelbookImport
import SQLKit

/// The import files Channelbook reads (PRODUCT.md section 4).
public enum ImportKind: String, CaseIterable, Sendable {
    case partners, pricebook, sales, referrals, enablement, contracts

    /// Whether the import changes figures statements follow (enablement records and contracts touch no money).
    var touchesLedger: Bool { self != .enablement && self != .contracts }
}

/// What an import did: every line is either new or already present (identical to what is stored).
public struct ImportSummary: Equatable, Sendable, CustomStringConvertible {
    public let kind: ImportKind
    public let lines: Int
    public let new: Int
    public let present: Int
    /// Partners whose name, ABN, tier or distributors changed (partners files only).
    public var changed = 0
    /// Sales lines whose source does not match the reseller's route to market (sales files only).
    public var routeExceptions = 0
    /// Lines whose reseller did not resolve, parked until its name is mapped (sales files only); lines of names set
    /// aside (`matching ignore`); earlier parked lines of this file that now resolved and entered the ledger.
    public var parked = 0
    public var ignored = 0
    public var resolvedFromParked = 0
    /// Renewal opportunities the file's renewal lines renewed (sales files only).
    public var renewalsRenewed = 0
    /// New lines dated in quarters already approved (sales files only): they reach their partners as adjustments.
    public var lateLines = 0
    public var lateQuarters: [Quarter] = []
    /// The partners those lines belong to, by code.
    public var latePartners: [String] = []

    /// `imported 3 lines (2 new, 1 already present)`, `imported 1 line (…)`, plus what changed, was parked or was flagged.
    public var description: String {
        var text = "imported \(Wording.count(lines, "line")) (\(new) new, \(present) already present"
        if changed > 0 { text += ", \(changed) changed" }
        if parked > 0 { text += ", \(parked) parked" }
        if ignored > 0 { text += ", \(ignored) of names set aside" }
        text += ")"
        if parked > 0 {
            text += "; \(parked) line\(parked == 1 ? "" : "s") name\(parked == 1 ? "s a reseller" : " resellers") not known yet: parked until the name is mapped (channelbook matching list)"
        }
        if resolvedFromParked > 0 { text += "; \(Wording.count(resolvedFromParked, "line")) parked before now resolved" }
        if routeExceptions > 0 { text += "; \(Wording.count(routeExceptions, "new route exception")) flagged for review" }
        if lateLines > 0 {
            let shown = latePartners.prefix(10).joined(separator: ", ") + (latePartners.count > 10 ? " and \(latePartners.count - 10) more" : "")
            text += "; \(Wording.count(lateLines, "line")) landed in approved quarters (\(lateQuarters.map(\.description).joined(separator: ", "))) for \(shown):"
                + " the next close recomputes those figures and carries any difference on their next statements as adjustments"
        }
        if renewalsRenewed > 0 { text += "; \(Wording.count(renewalsRenewed, "renewal opportunity", plural: "renewal opportunities")) renewed" }
        return text
    }
}

extension ChannelbookDatabase {
    /// Validates the whole file and imports all of it in one transaction, or nothing.
    ///
    /// - Parameters:
    ///   - path: the file to read; `name` is how problems name it (usually the path as the user typed it).
    /// - Throws: `ImportProblems` listing every problem found (nothing is written then).
    @discardableResult
    /// - Parameter onlySource: for a distributor's own upload: every sales line must come from this source.
    /// - Parameter today: the importer's today: a closed referral dated after it is refused (a referral is not won
    ///   on a day that has not come). Nil for a file made for an earlier day, as the demo's is.
    public func importFile(
        _ kind: ImportKind, path: String, name: String, actor: String = "system", onlySource: PartnerCode? = nil, today: BusinessDate? = nil
    ) async throws -> ImportSummary {
        try await requireInitialised()
        // Referral files write the closed referrals that referral decisions also write; enablement records
        // touch no money, so they take no ledger lock and leave drafts current.
        // Sales files create contracts and renew them, as renewal quotes and lapses change them.
        let locks: Set<WriteLock> =
            switch kind {
            case .referrals: [.ledger, .referrals]
            case .sales: [.ledger, .renewals]
            case .contracts: [.renewals]
            case .enablement: []
            case .partners, .pricebook: [.ledger]
            }
        return try await withStatementJournalInMemory { try await transaction(locking: locks) {
            let summary: ImportSummary
            switch kind {
            case .partners: summary = try await PartnerImporter(database: self, actor: actor).run(path: path, name: name)
            case .pricebook: summary = try await PriceBookImporter(database: self).run(path: path, name: name)
            case .sales: summary = try await SalesImporter(database: self, onlySource: onlySource, actor: actor).run(path: path, name: name)
            case .referrals: summary = try await ClosedReferralImporter(database: self, today: today).run(path: path, name: name)
            case .enablement: summary = try await EnablementImporter(database: self, actor: actor).run(path: path, name: name)
            case .contracts: summary = try await ContractImporter(database: self).run(path: path, name: name)
            }
            try await recordImported(kind, name: name, summary, actor: actor)
            return summary
        } }
    }

    /// What every import does once its lines are in, inside its transaction: drafts marked stale when the ledger
    /// changed, the audit row (the integrity check counts one per import), the `import.completed` event.
    func recordImported(_ kind: ImportKind, name: String, _ summary: ImportSummary, actor: String) async throws {
        if kind.touchesLedger && (summary.new > 0 || summary.changed > 0) { try await noteLedgerChange() }
        try await audit(actor: actor, action: "import \(kind.rawValue)", subject: name, after: summary.description)
        try await emitWebhookEvent(
            .importCompleted,
            [
                "kind": .text(kind.rawValue), "file": .text(name), "lines": .number(Int64(summary.lines)), "new": .number(Int64(summary.new)),
                "present": .number(Int64(summary.present)), "summary": .text(summary.description),
            ])
    }

    /// Records an import and returns its id; its counts are filled in by `finishImport`.
    func startImport(_ kind: ImportKind, name: String) async throws -> Int64 {
        let row = try await sql.raw(
            """
            INSERT INTO imports (kind, file_name, imported_at_us, line_count, new_count, present_count)
            VALUES (\(bind: kind.rawValue), \(bind: name), \(bind: Self.nowMicroseconds()), 0, 0, 0) RETURNING id
            """
        ).first()
        return try row!.decode(column: "id", as: Int64.self)
    }

    func finishImport(_ id: Int64, _ summary: ImportSummary) async throws {
        try await sql.raw(
            "UPDATE imports SET line_count = \(bind: summary.lines), new_count = \(bind: summary.new), present_count = \(bind: summary.present) WHERE id = \(bind: id)"
        ).run()
    }
}
