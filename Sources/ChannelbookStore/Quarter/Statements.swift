import ChannelbookCore
import Crypto
import SQLKit

/// A statement as finance and the partner see it.
public struct StatementView: Sendable, Equatable {
    public let reference: String
    public let partner: PartnerCode
    public let partnerName: String
    public let abn: String?
    public let quarter: Quarter
    public let status: StatementStatus
    public let total: Money
    public let approvedBy: String?
    public let paymentReference: String?
    public let lines: [StatementLineView]

    /// What a confirmation page showed, as one value: a digest of the statements' references and totals. The action
    /// confirmed acts only if its statements still have this digest, so it does exactly what the person saw.
    public static func digest(_ statements: [StatementView]) -> String {
        let lines = statements.map { "\($0.reference)=\($0.total.minorUnits)" }.sorted().joined(separator: "\n")
        return SHA256.hash(data: Array(lines.utf8)).map { String(format: "%02x", $0) }.joined()
    }

    public var isInPayoutFile: Bool { StatementView.isInPayoutFile(status, total) }
    public var isSettledByPayment: Bool { StatementView.isSettledByPayment(status, total) }

    /// An approved statement the payout file carries: a positive total (a negative one is carried forward).
    public static func isInPayoutFile(_ status: StatementStatus, _ total: Money) -> Bool { status == .approved && total.minorUnits > 0 }
    /// An approved statement marking paid settles: the payout file's, and those of nothing to pay (zero).
    public static func isSettledByPayment(_ status: StatementStatus, _ total: Money) -> Bool { status == .approved && total.minorUnits >= 0 }
}

public struct StatementLineView: Sendable, Equatable {
    public let kind: StatementLineKind
    public let forQuarter: Quarter
    public let amount: Money
    public let description: String
    public let explanation: [String]
}

/// A row of the payout file an accounts-payable system takes.
public struct PayoutRow: Sendable, Equatable {
    public let partner: PartnerCode
    public let abn: String
    public let amount: Money
    public let statementReference: String

    /// The payout file, the same from the CLI and the browser: `partner,abn,amount,statement_reference`, cells
    /// written by `CSVText` (quoted where needed; nothing a spreadsheet would run as a formula).
    public static func csv(_ rows: [PayoutRow]) -> String {
        ([["partner", "abn", "amount", "statement_reference"]] + rows.map { [$0.partner.rawValue, $0.abn, $0.amount.decimalString, $0.statementReference] })
            .map(CSVText.line).joined(separator: "\n") + "\n"
    }
}

/// Why a statement action was refused.
public enum StatementError: RefusalError, Equatable, Sendable {
    case noStatement(partner: String, quarter: Quarter)
    case nothingToApprove(Quarter)
    case nothingToPay(Quarter)
    case missingPaymentReference
    case staleDrafts(Quarter, references: [String])
    case missingHoldReason
    case notDraft(String, StatementStatus)
    case alreadyHeld(String, reason: String)
    case notHeld(String)
    case held(String, reason: String)
    case everyDraftHeld(Quarter, count: Int)
    case changedSinceShown(Quarter)

    public var description: String {
        switch self {
        case let .noStatement(partner, quarter): return "\(partner) has no statement for \(quarter)"
        case .nothingToApprove(let quarter): return "\(quarter) has no draft statement to approve (run `channelbook close \(quarter)` first)"
        case .nothingToPay(let quarter): return "\(quarter) has no approved statement to pay"
        case .missingPaymentReference: return "a payment reference is required"
        case let .staleDrafts(quarter, references):
            let named = references.prefix(3).joined(separator: ", ") + (references.count > 3 ? " and \(references.count - 3) more" : "")
            return "\(named) \(references.count == 1 ? "was" : "were") computed before the latest import or change: close \(quarter) again first "
                + "(`channelbook close \(quarter)`), then approve"
        case .missingHoldReason: return "a reason for the hold is required"
        case let .notDraft(reference, status): return "\(reference) is \(status.rawValue): only a draft statement can be held"
        case let .alreadyHeld(reference, reason): return "\(reference) is already held (\(reason))"
        case .notHeld(let reference): return "\(reference) is not held"
        case let .held(reference, reason): return "\(reference) is held (\(reason)): release the hold before approving it"
        case .changedSinceShown(let quarter):
            return "\(quarter)'s statements changed since they were shown (closed again, approved, held or released by someone else): nothing was done; review them again"
        case let .everyDraftHeld(quarter, count):
            return "\(quarter)'s \(count == 1 ? "only draft is" : "\(count) drafts are all") held: release a hold to approve it"
        }
    }
}

extension StatementError {
    /// A payment reference must say something and fit its column: checked by `markPaid`, and by the web app before
    /// its confirmation page shows the reference.
    public static func checkPaymentReference(_ reference: String) throws {
        guard !reference.allSatisfy(\.isWhitespace) else { throw StatementError.missingPaymentReference }
        try TextRules.require("reference", reference, maximumLength: TextRules.Limit.reference)
    }
}

extension ChannelbookDatabase {
    /// The quarter's statements (void ones only when asked for), by partner code.
    public func statements(for quarter: Quarter, status: StatementStatus? = nil, partner: PartnerCode? = nil) async throws -> [StatementView] {
        try await requireInitialised()
        let currency = try await program(on: quarter.lastDay).program.currency
        return try await loadStatements(quarter: quarter, status: status, partner: partner, currency: currency)
    }

    /// Statements and their lines in one query, whatever their number. Read at the driver: this is the read
    /// every statement page and API call makes.
    private func loadStatements(quarter: Quarter?, status: StatementStatus?, partner: PartnerCode?, currency: Currency) async throws -> [StatementView] {
        var filter = "FROM statements s JOIN partners p ON p.id = s.partner_id WHERE "
        var binds: [PlainValue] = []
        if let status {
            binds.append(.text(status.rawValue))
            filter += "s.status = $\(binds.count)"
        } else {
            filter += "s.status <> 'void'"
        }
        if let quarter {
            binds.append(.text(quarter.description))
            filter += " AND s.quarter = $\(binds.count)"
        }
        if let partner {
            binds.append(.text(partner.rawValue))
            filter += " AND p.code = $\(binds.count)"
        }
        // One row per line (or one for a statement without lines), the statement's columns repeated.
        let rows = try await plainRows(
            """
            SELECT s.id, s.reference, p.code, p.name, p.abn, s.quarter, s.status, s.total_minor, s.approved_by, s.payment_reference,
                   l.kind, l.for_quarter, l.amount_minor, l.description, l.explanation
            \(filter.replacingOccurrences(of: " WHERE ", with: " LEFT JOIN statement_lines l ON l.statement_id = s.id WHERE "))
            ORDER BY s.quarter DESC, p.code, s.id, l.position
            """, binds)
        var views: [StatementView] = []
        var index = 0
        while index < rows.count {
            let row = rows[index], id = try row.integer(0)
            var lines: [StatementLineView] = []
            while index < rows.count, try rows[index].integer(0) == id {
                let line = rows[index]
                index += 1
                guard line.values[10] != .null else { continue }
                lines.append(
                    StatementLineView(
                        kind: try line.stored(StatementLineKind.self, 10), forQuarter: try Quarter.parse(line.text(11)),
                        amount: Money(minorUnits: try line.integer(12), currency: currency), description: try line.text(13),
                        explanation: try line.text(14).split(separator: "\n").map(String.init)))
            }
            views.append(
                StatementView(
                    reference: try row.text(1), partner: PartnerCode(rawValue: try row.text(2)), partnerName: try row.text(3),
                    abn: try row.optionalText(4), quarter: try Quarter.parse(row.text(5)), status: try row.stored(StatementStatus.self, 6),
                    total: Money(minorUnits: try row.integer(7), currency: currency), approvedBy: try row.optionalText(8),
                    paymentReference: try row.optionalText(9), lines: lines))
        }
        return views
    }

    /// The partner's live statement for the quarter, every line with its explanation.
    public func statement(partner: PartnerCode, quarter: Quarter) async throws -> StatementView {
        guard let statement = try await statements(for: quarter, partner: partner).first else {
            throw StatementError.noStatement(partner: partner.rawValue, quarter: quarter)
        }
        return statement
    }

    /// What approving would approve: the quarter's drafts (one partner's, or all), less the held ones, which it
    /// passes by. `approveStatements` approves exactly these; the web app's confirmation page shows them.
    public func approvalCandidates(_ quarter: Quarter, partner: PartnerCode? = nil) async throws
        -> (approving: [StatementView], held: [StatementView], holds: [PartnerCode: StatementHold])
    {
        let drafts = try await statements(for: quarter, status: .draft, partner: partner)
        let holds = try await statementHolds(in: quarter)
        return (drafts.filter { holds[$0.partner] == nil }, drafts.filter { holds[$0.partner] != nil }, holds)
    }

    /// Approves the quarter's drafts (one partner's, or all but the held ones). From then on the database refuses
    /// to change them.
    @discardableResult
    ///
    /// `shown`: the digest (`StatementView.digest`) of the statements a confirmation page showed; if the drafts to
    /// approve are no longer exactly those, nothing is approved (`changedSinceShown`).
    public func approveStatements(_ quarter: Quarter, partner: PartnerCode? = nil, actor: String, shown: String? = nil) async throws -> [StatementView] {
        try await requireInitialised()
        return try await transaction(locking: [.ledger]) {
            let candidates = try await approvalCandidates(quarter, partner: partner)
            if partner != nil, let draft = candidates.held.first, let hold = candidates.holds[draft.partner] {
                throw StatementError.held(draft.reference, reason: hold.reason)
            }
            let drafts = candidates.approving
            guard !drafts.isEmpty else {
                throw candidates.held.isEmpty ? StatementError.nothingToApprove(quarter) : StatementError.everyDraftHeld(quarter, count: candidates.held.count)
            }
            if let shown, StatementView.digest(drafts) != shown { throw StatementError.changedSinceShown(quarter) }
            // Approving figures computed before the latest import would approve the wrong money.
            let stale = try await staleDrafts(quarter, partner: partner)
            guard stale.isEmpty else { throw StatementError.staleDrafts(quarter, references: stale) }
            let directory = try await PartnerDirectory.load(from: self)
            var approved: [StatementView] = []
            let now = Self.nowMicroseconds()
            let today = BusinessDate(microsecondsSinceEpoch: now)
            for draft in drafts {
                // Only a row this statement changed is audited: a draft another writer approved first is not ours.
                guard let row = try await sql.raw(
                    """
                    UPDATE statements SET status = 'approved', approved_at_us = \(bind: now), approved_by = \(bind: actor)
                    WHERE reference = \(bind: draft.reference) AND status = 'draft' RETURNING id
                    """
                ).first() else { continue }
                approved.append(draft)
                let partner = directory.byCode[draft.partner]?.id
                try await audit(
                    actor: actor, action: "approve statement", partner: partner, subject: draft.reference,
                    before: "draft \(draft.total.displayString)", after: "approved \(draft.total.displayString)")
                try await emitWebhookEvent(.statementApproved, Self.webhookData(of: draft))
                // The MDF claims this statement pays are paid from today.
                if let partner {
                    try await recordMDFPaid(
                        statementID: try row.decode(column: "id", as: Int64.self), partner: partner, on: today, actor: actor, reference: draft.reference)
                }
            }
            guard !approved.isEmpty else { throw StatementError.nothingToApprove(quarter) }
            return try await statements(for: quarter, status: .approved, partner: partner).filter { view in approved.contains { $0.reference == view.reference } }
        }
    }

    /// The quarter's approved statements with a positive total, for the accounts-payable file. Negative
    /// totals are not paid: they are carried forward to the partner's next statement.
    ///
    /// `deliver` writes the file (or sends the download) inside the transaction, before the audit row: if it
    /// fails, nothing is audited, so the log never names a payout file that does not exist.
    public func payouts(
        for quarter: Quarter, actor: String, file: String, deliver: ([PayoutRow]) async throws -> Void = { _ in }
    ) async throws -> [PayoutRow] {
        try await requireInitialised()
        return try await transaction(locking: [.ledger]) {
            let approved = try await statements(for: quarter, status: .approved)
            let rows = approved.filter(\.isInPayoutFile).map {
                PayoutRow(partner: $0.partner, abn: $0.abn ?? "", amount: $0.total, statementReference: $0.reference)
            }
            let total = try Money.sum(rows.map(\.amount), currency: try await program(on: quarter.lastDay).program.currency)
            try await deliver(rows)
            try await audit(actor: actor, action: "export payouts", subject: quarter.description, after: "\(rows.count) payouts totalling \(total.displayString) to \(file)")
            return rows
        }
    }

    /// Marks the quarter's approved statements paid under a payment reference. A statement whose negative
    /// total was offset on one being paid is settled with it.
    @discardableResult
    ///
    /// `shown`: the digest of the statements the confirmation page showed; if those to mark paid are no longer
    /// exactly those (one approved since, or closed again), nothing is marked (`changedSinceShown`).
    public func markPaid(_ quarter: Quarter, reference: String, actor: String, shown: String? = nil) async throws -> [StatementView] {
        try await requireInitialised()
        try StatementError.checkPaymentReference(reference)
        return try await transaction(locking: [.ledger]) {
            let payable = try await statements(for: quarter, status: .approved).filter(\.isSettledByPayment)
            guard !payable.isEmpty else { throw StatementError.nothingToPay(quarter) }
            if let shown, StatementView.digest(payable) != shown { throw StatementError.changedSinceShown(quarter) }
            let directory = try await PartnerDirectory.load(from: self)
            let now = Self.nowMicroseconds()
            var paid: [StatementView] = []
            for statement in payable {
                // Only a statement this payment changed is settled and audited.
                guard try await sql.raw(
                    """
                    UPDATE statements SET status = 'paid', paid_at_us = \(bind: now), paid_by = \(bind: actor), payment_reference = \(bind: reference)
                    WHERE reference = \(bind: statement.reference) AND status = 'approved' RETURNING id
                    """
                ).first() != nil else { continue }
                paid.append(statement)
                try await settleOffsets(on: statement.reference, paidAt: now, actor: actor, partner: directory.byCode[statement.partner]?.id)
                try await audit(
                    actor: actor, action: "mark paid", partner: directory.byCode[statement.partner]?.id, subject: statement.reference,
                    before: "approved \(statement.total.displayString)", after: "paid \(statement.total.displayString) as \(reference)")
                var data = Self.webhookData(of: statement)
                data["paymentReference"] = .text(reference)
                try await emitWebhookEvent(.statementPaid, data)
            }
            guard !paid.isEmpty else { throw StatementError.nothingToPay(quarter) }
            return try await statements(for: quarter, status: .paid).filter { view in paid.contains { $0.reference == view.reference } }
        }
    }
}

/// One payment of a quarter's statements: the reference it was made under, how many statements and how much.
public struct QuarterPayment: Sendable, Equatable {
    public let reference: String
    public let statements: Int
    public let total: Money
    public let paidBy: String
    public let paidAtMicroseconds: Int64
}

extension ChannelbookDatabase {
    /// The quarter's payments, newest first: what `markPaid` recorded, grouped by payment reference (a negative
    /// statement settled by offset shows under `offset on …`).
    public func quarterPayments(_ quarter: Quarter) async throws -> [QuarterPayment] {
        try await requireInitialised()
        let currency = try await program(on: quarter.lastDay).program.currency
        return try await plainRows(
            """
            SELECT payment_reference, COUNT(*), CAST(SUM(total_minor) AS BIGINT), MIN(paid_by), MAX(paid_at_us) FROM statements
            WHERE quarter = $1 AND status = 'paid' GROUP BY payment_reference ORDER BY MAX(paid_at_us) DESC, payment_reference
            """, [.text(quarter.description)]
        ).map { row in
            QuarterPayment(
                reference: try row.text(0), statements: Int(try row.integer(1)), total: Money(minorUnits: try row.integer(2), currency: currency),
                paidBy: try row.optionalText(3) ?? "", paidAtMicroseconds: try row.integer(4))
        }
    }
}

extension ChannelbookDatabase {
    /// Settles the negative statements offset on a statement being paid, and those offset on them in turn
    /// (−2,000 carried onto −500, carried onto +1,500: paying the last settles all three). Each is audited.
    private func settleOffsets(on reference: String, paidAt now: Int64, actor: String, partner: PartnerID?) async throws {
        var payers = [reference]
        while let payer = payers.popLast() {
            let settled = try await sql.raw(
                """
                UPDATE statements SET status = 'paid', paid_at_us = \(bind: now), paid_by = \(bind: actor),
                       payment_reference = \(bind: "offset on \(payer)")
                WHERE status = 'approved' AND id IN (SELECT l.source_statement_id FROM statement_lines l JOIN statements s ON s.id = l.statement_id
                                                    WHERE s.reference = \(bind: payer) AND l.kind = 'carried_forward')
                RETURNING reference, total_minor
                """
            ).all()
            for row in settled {
                let offset = try row.decode(column: "reference", as: String.self)
                try await audit(
                    actor: actor, action: "settle by offset", partner: partner, subject: offset, before: "approved",
                    after: "paid by offset on \(payer)")
                payers.append(offset)
            }
        }
    }
}

/// One line of the vendor dashboard: a quarter's statements by status.
public struct QuarterStatementSummary: Sendable, Equatable {
    public let quarter: Quarter
    public let status: StatementStatus
    public let count: Int
    public let total: Money
}

extension ChannelbookDatabase {
    /// Statement counts and totals per quarter and status, newest quarter first.
    public func statementSummaries() async throws -> [QuarterStatementSummary] {
        try await requireInitialised()
        let currency = try await latestProgram().program.currency
        return try await plainRows(
            "SELECT quarter, status, COUNT(*), CAST(SUM(total_minor) AS BIGINT) FROM statements WHERE status <> 'void' GROUP BY quarter, status ORDER BY quarter DESC, status"
        ).map { row in
            QuarterStatementSummary(
                quarter: try Quarter.parse(row.text(0)), status: try row.stored(StatementStatus.self, 1), count: Int(try row.integer(2)),
                total: Money(minorUnits: try row.integer(3), currency: currency))
        }
    }

    /// A partner's statements in every quarter, newest first.
    public func statements(ofPartner partner: PartnerCode) async throws -> [StatementView] {
        try await requireInitialised()
        return try await loadStatements(quarter: nil, status: nil, partner: partner, currency: try await latestProgram().program.currency)
    }

    /// The reseller's standing in the quarter `date` falls in: its tier on `date` (or the program's evaluation
    /// date, once passed) and eligibility (and why not), the basis, the rate reached and the next tier. `nil` for a
    /// partner that is not a reseller. The basis is the quarter's totals as imported so far — the dashboards' case,
    /// read from `sales_totals` — or, with `linesDatedThrough`, only the lines dated up to that day (a scan of the
    /// quarter's lines, for looking back).
    public func tierProgress(of partner: PartnerCode, on date: BusinessDate, linesDatedThrough: BusinessDate? = nil) async throws -> TierProgress? {
        try await tierProgress(of: [partner], on: date, linesDatedThrough: linesDatedThrough)[partner]
    }

    /// The same for several resellers at once (an account manager's partners): the facts are read once.
    public func tierProgress(
        of partners: [PartnerCode], on date: BusinessDate, linesDatedThrough: BusinessDate? = nil
    ) async throws -> [PartnerCode: TierProgress] {
        try await requireInitialised()
        return try await readTransaction {
            let directory = try await PartnerDirectory.load(from: self)
            let resellers = partners.compactMap { directory.byCode[$0] }.filter { $0.kind == .reseller }
            guard !resellers.isEmpty else { return [:] }
            let quarter = Quarter(containing: date)
            let program = try await program(on: quarter.lastDay).program
            let facts = try await quarterFacts(quarter, directory, nil, currency: program.currency, through: linesDatedThrough)
            var progress: [PartnerCode: TierProgress] = [:]
            for record in resellers { progress[record.code] = try QuarterEngine.progress(of: record.id, facts, program: program, on: date) }
            return progress
        }
    }

    /// Eligible resellers within `within` of their next rebate tier in `quarter` (tiers read on `date`), closest
    /// first; the basis as in `tierProgress`.
    public func nearTier(
        _ quarter: Quarter, within: BasisPoints, asOf date: BusinessDate, linesDatedThrough: BusinessDate? = nil
    ) async throws -> [NearTierRow] {
        try await requireInitialised()
        return try await readTransaction {
            let directory = try await PartnerDirectory.load(from: self)
            let program = try await program(on: quarter.lastDay).program
            let facts = try await quarterFacts(quarter, directory, nil, currency: program.currency, through: linesDatedThrough)
            return try QuarterEngine.nearTier(facts, program: program, on: date, within: within).map {
                NearTierRow(partner: directory.byID[$0.partner]!.code, progress: $0)
            }
        }
    }
}

/// A reseller near its next rebate tier, by code.
public struct NearTierRow: Sendable, Equatable {
    public let partner: PartnerCode
    public let progress: TierProgress
}

/// The vendor dashboard's picture of the channel.
public struct ChannelOverview: Sendable {
    /// Resellers by their latest tier.
    public let tierCounts: [(tier: ResellerTier, count: Int)]
    /// The latest quarter with hardware or software sales, up to the current one.
    public let quarter: Quarter?
    /// Eligible resellers within 10 % below their next rebate tier in that quarter, closest first.
    public let nearTier: [NearTierRow]
    public let routeExceptions: Int
    public let referralsAwaitingReview: Int
}

/// A partner as its detail page shows it.
public struct PartnerDetail: Sendable {
    public let record: PartnerRecord
    public let tierHistory: [(from: BusinessDate, tier: ResellerTier)]
    public let distributors: [PartnerCode]
    /// Net sales per quarter (all categories), oldest first.
    public let quarterlySales: [(quarter: Quarter, net: Money)]
}

extension ChannelbookDatabase {
    /// Tier distribution, near-tier resellers, route exceptions and referrals awaiting review.
    public func channelOverview(asOf today: BusinessDate) async throws -> ChannelOverview {
        try await requireInitialised()
        let directory = try await PartnerDirectory.load(from: self)
        var counts: [ResellerTier: Int] = [:]
        for record in directory.byID.values where record.kind == .reseller {
            if let tier = directory.latestTier(of: record.id) { counts[tier, default: 0] += 1 }
        }
        // The latest quarter with sales that count toward a tier (hardware and software): a quarter of renewals alone
        // (contracts coming round) has nobody near a tier to show.
        let latest = try await plainRows(
            "SELECT MAX(quarter) FROM sales_totals WHERE quarter <= $1 AND category <> 'renewal'", [.text(Quarter(containing: today).description)])
            .first.flatMap { try $0.optionalText(0) }.map { try Quarter.parse($0) }
        var near: [NearTierRow] = []
        var exceptions = 0
        if let quarter = latest {
            near = try await nearTier(quarter, within: QuarterEngine.defaultNearTierWithin, asOf: min(today, quarter.lastDay))
            exceptions = Int(try await plainRows(
                "SELECT COUNT(*) FROM sales_lines WHERE quarter = $1 AND route_exception IS NOT NULL", [.text(quarter.description)]
            ).first?.integer(0) ?? 0)
        }
        let awaiting = try await referrals(status: .registered, asOf: today).count
        return ChannelOverview(
            tierCounts: ResellerTier.allCases.map { ($0, counts[$0] ?? 0) }, quarter: latest,
            nearTier: near,
            routeExceptions: exceptions, referralsAwaitingReview: awaiting)
    }

    /// Partners by code, optionally only one kind or tier or those whose code or name contains `search`.
    public func partners(kind: PartnerKind? = nil, tier: ResellerTier? = nil, search: String? = nil) async throws
        -> [(record: PartnerRecord, tier: ResellerTier?)]
    {
        try await requireInitialised()
        let directory = try await PartnerDirectory.load(from: self)
        let needle = search?.lowercased() ?? ""
        return directory.byCode.values.filter { record in
            (kind == nil || record.kind == kind) && (tier == nil || directory.latestTier(of: record.id) == tier)
                && (needle.isEmpty || record.code.rawValue.lowercased().contains(needle) || record.name.lowercased().contains(needle))
        }.sorted { $0.code.rawValue < $1.code.rawValue }.map { ($0, directory.latestTier(of: $0.id)) }
    }

    /// One partner's detail, or `nil` when no partner has the code.
    public func partnerDetail(_ code: PartnerCode) async throws -> PartnerDetail? {
        try await requireInitialised()
        let directory = try await PartnerDirectory.load(from: self)
        guard let record = directory.byCode[code] else { return nil }
        let currency = try await latestProgram().program.currency
        let sales = try await plainRows(
            "SELECT quarter, CAST(SUM(amount_minor) AS BIGINT) FROM sales_totals WHERE reseller_id = $1 GROUP BY quarter ORDER BY quarter",
            [.integer(record.id.rawValue)]
        ).map { (try Quarter.parse($0.text(0)), Money(minorUnits: try $0.integer(1), currency: currency)) }
        return PartnerDetail(
            record: record, tierHistory: directory.tierHistory[record.id] ?? [],
            distributors: (directory.distributorsOf[record.id] ?? []).compactMap { directory.byID[$0]?.code }.sorted { $0.rawValue < $1.rawValue },
            quarterlySales: sales)
    }
}

extension ChannelbookDatabase {
    /// What a statement event says of its statement.
    static func webhookData(of statement: StatementView) -> [String: WebhookValue] {
        [
            "reference": .text(statement.reference), "partner": .text(statement.partner.rawValue), "quarter": .text(statement.quarter.description),
            "total": .text(statement.total.decimalString), "currency": .text(statement.total.currency.code),
        ]
    }
}
