import ChannelbookCore
import SQLKit

/// Where a statement stands. Approved and paid statements are never edited (the database refuses it).
public enum StatementStatus: String, CaseIterable, Sendable, Codable {
    case draft, approved, paid, void

    var isSettled: Bool { self == .approved || self == .paid }
}

/// What a statement line is.
public enum StatementLineKind: String, CaseIterable, Sendable, Codable {
    /// The line's kind in words, as pages show it (the raw value is the stored and exported name).
    public var label: String {
        switch self {
        case .rebate: "Rebate"
        case .referralFee: "Referral fee"
        case .adjustment: "Adjustment"
        case .carriedForward: "Carried forward"
        case .mdf: "Market development funds"
        }
    }


    /// The quarter's rebate.
    case rebate
    /// A fee for a referral closed in the quarter.
    case referralFee = "referral_fee"
    /// A true-up of an approved quarter: recomputed − already approved.
    case adjustment
    /// A negative approved statement's total, offset on this one instead of being paid.
    case carriedForward = "carried_forward"
    /// An MDF claim accepted in the quarter.
    case mdf

    /// Lines the quarter's own close computes; the others come from the true-up of settled statements.
    var isBase: Bool { self == .rebate || self == .referralFee || self == .mdf }

    /// The base kinds as an SQL list: what a quarter's own figures are, and what an approval settles.
    static let baseKindsSQL = "('rebate', 'referral_fee', 'mdf')"
}

/// A statement line before it is written.
struct PlannedLine {
    let kind: StatementLineKind
    let forQuarter: Quarter
    let amountMinor: Int64
    let description: String
    let explanation: [String]
    let sourceStatementID: Int64?
}

/// A stored statement as the rebuild needs it.
struct StoredStatement {
    let id: Int64
    let reference: String
    let partnerID: PartnerID
    let quarter: Quarter
    let status: StatementStatus
    let totalMinor: Int64
    let approvedAtMicroseconds: Int64?
    /// When the statement's own figures were last computed (a close of its quarter).
    let computedAtMicroseconds: Int64
}

extension ChannelbookDatabase {
    /// Rebuilds every draft statement after `closing`'s figures changed, without touching a settled one.
    ///
    /// - The closed quarter's rebate and referral fees go on each partner's draft for that quarter — unless the
    ///   quarter is already approved and the partner has no statement in it: then what it earns there is late,
    ///   and paid as an adjustment like any other late money.
    /// - For every approved quarter (`approvedQuarters`: its settled statements hold its own rebate or fees) and
    ///   every partner — whether or not it had a statement there — and for every settled statement, the quarter
    ///   is recomputed; `recomputed − settled` (settled: every approved or
    ///   paid line for that quarter, adjustments included) goes on the partner's next draft *after the quarter
    ///   it adjusts*. Once that draft is approved the difference is settled, so the same late line never
    ///   produces two adjustments. A partner's held draft in an approved quarter is left to that quarter's close.
    /// - A negative approved statement not yet offset is carried forward onto the partner's next draft after it.
    /// - Drafts left with no line are voided.
    func recomputeStatements(
        closing figures: QuarterFigures, approved approvedQuarters: [Quarter: Int64], _ directory: PartnerDirectory, _ priceBook: PriceBook
    ) async throws -> (drafts: Int, adjustments: Int) {
        let statements = try await liveStatements()
        let settledLines = try await settledLineSums()
        var plans: [PartnerID: [Quarter: [PlannedLine]]] = [:]
        let closing = figures.quarter

        // 1. The closed quarter's own figures, on the partners' drafts for it.
        for line in baseLines(figures, directory) {
            switch statements[line.partner]?[closing]?.status {
            case .draft?: break
            case nil where approvedQuarters[closing] == nil && settledLines[line.partner]?[closing] == nil: break
            default: continue
            }
            plans[line.partner, default: [:]][closing, default: []].append(line.line)
        }
        // 2. True-ups: every partner's settled statement, and every partner without a statement in an approved quarter.
        var trueUpQuarters = Set(approvedQuarters.keys)
        for byQuarter in statements.values { for statement in byQuarter.values where statement.status.isSettled { trueUpQuarters.insert(statement.quarter) } }
        var adjustments = 0
        var figuresByQuarter: [Quarter: QuarterFigures] = [closing: figures]
        for quarter in trueUpQuarters.sorted() {
            if figuresByQuarter[quarter] == nil { figuresByQuarter[quarter] = try await computeFigures(quarter, directory, priceBook) }
            let recomputed = figuresByQuarter[quarter]!
            var partners = recomputed.result.partners
            for (partner, byQuarter) in statements where byQuarter[quarter] != nil { partners.insert(partner) }
            for (partner, sums) in settledLines where sums[quarter] != nil { partners.insert(partner) }
            for partner in partners.sorted(by: { $0.rawValue < $1.rawValue }) {
                let statement = statements[partner]?[quarter]
                switch statement?.status {
                case .draft?: continue  // a draft of its own quarter: that quarter's close computes it
                case nil where approvedQuarters[quarter] == nil && settledLines[partner]?[quarter] == nil:
                    continue  // not late: the quarter's close will draft it
                default: break
                }
                let settled = settledLines[partner]?[quarter] ?? 0
                let delta = try MinorUnits.subtract(try recomputed.earned(by: partner), settled, "partner \(partner.rawValue)'s adjustment for \(quarter)")
                guard delta != 0 else { continue }
                let since = statement?.computedAtMicroseconds ?? approvedQuarters[quarter] ?? 0
                let line = try await adjustmentLine(partner, quarter, statement, recomputed, settled: settled, delta: delta, since: since, directory)
                plans[partner, default: [:]][nextDraftQuarter(for: partner, after: quarter, statements, approvedQuarters), default: []].append(line)
                adjustments += 1
            }
        }
        // 3. Negative totals carried forward.
        for (partner, byQuarter) in statements {
            for (quarter, statement) in byQuarter.sorted(by: { $0.key < $1.key }) where statement.status == .approved && statement.totalMinor < 0 {
                guard try await !isOffset(statement) else { continue }
                plans[partner, default: [:]][nextDraftQuarter(for: partner, after: quarter, statements, approvedQuarters), default: []].append(
                    carriedLine(statement, currency: figures.program.program.currency))
            }
        }
        let drafts = try await writeDrafts(plans, statements, closing: closing, programVersionID: figures.program.id, directory)
        return (drafts, adjustments)
    }

    /// Every statement that is not void, by partner and quarter.
    func liveStatements() async throws -> [PartnerID: [Quarter: StoredStatement]] {
        var result: [PartnerID: [Quarter: StoredStatement]] = [:]
        for row in try await sql.raw(
            "SELECT id, reference, partner_id, quarter, status, total_minor, approved_at_us, computed_at_us FROM statements WHERE status <> 'void'"
        ).all() {
            let statement = try storedStatement(row)
            result[statement.partnerID, default: [:]][statement.quarter] = statement
        }
        return result
    }

    func storedStatement(_ row: any SQLRow) throws -> StoredStatement {
        StoredStatement(
            id: try row.decode(column: "id", as: Int64.self), reference: try row.decode(column: "reference", as: String.self),
            partnerID: PartnerID(try row.decode(column: "partner_id", as: Int64.self)),
            quarter: try Quarter.parse(row.decode(column: "quarter", as: String.self)),
            status: try row.stored(StatementStatus.self, column: "status"),
            totalMinor: try row.decode(column: "total_minor", as: Int64.self),
            approvedAtMicroseconds: try row.decode(column: "approved_at_us", as: Int64?.self),
            computedAtMicroseconds: try row.decode(column: "computed_at_us", as: Int64.self))
    }

    /// What has been settled per partner and quarter: every approved or paid rebate, fee and adjustment line.
    private func settledLineSums() async throws -> [PartnerID: [Quarter: Int64]] {
        var sums: [PartnerID: [Quarter: Int64]] = [:]
        let rows = try await sql.raw(
            """
            SELECT s.partner_id, l.for_quarter, CAST(SUM(l.amount_minor) AS BIGINT) AS settled
            FROM statement_lines l JOIN statements s ON s.id = l.statement_id
            WHERE s.status IN ('approved', 'paid') AND l.kind IN ('rebate', 'referral_fee', 'mdf', 'adjustment')
            GROUP BY s.partner_id, l.for_quarter
            """
        ).all()
        for row in rows {
            let partner = PartnerID(try row.decode(column: "partner_id", as: Int64.self))
            sums[partner, default: [:]][try Quarter.parse(row.decode(column: "for_quarter", as: String.self))] = try row.decode(column: "settled", as: Int64.self)
        }
        return sums
    }

    /// The quarter whose draft receives a partner's adjustment of (or carried total from) `quarter`: the first
    /// quarter after it in which the partner has a draft, or has no statement and the quarter is not approved —
    /// never an earlier quarter's statement, never a new draft inside an approved quarter.
    private func nextDraftQuarter(
        for partner: PartnerID, after quarter: Quarter, _ statements: [PartnerID: [Quarter: StoredStatement]], _ approved: [Quarter: Int64]
    ) -> Quarter {
        var target = quarter.next
        while true {
            switch statements[partner]?[target]?.status {
            case .draft?: return target
            case nil where approved[target] == nil: return target
            default: target = target.next
            }
        }
    }

    /// Approved quarters — those with an approved or paid statement holding the quarter's own rebate or fees — and
    /// when the earliest of those figures was computed. A statement that only carries another quarter's adjustment
    /// does not approve its quarter.
    func approvedQuarters() async throws -> [Quarter: Int64] {
        var approved: [Quarter: Int64] = [:]
        for row in try await plainRows(
            """
            SELECT s.quarter, MIN(s.computed_at_us) FROM statements s
            WHERE s.status IN ('approved', 'paid')
              AND EXISTS (SELECT 1 FROM statement_lines l WHERE l.statement_id = s.id AND l.kind IN \(StatementLineKind.baseKindsSQL) AND l.for_quarter = s.quarter)
            GROUP BY s.quarter
            """)
        {
            approved[try Quarter.parse(row.text(0))] = try row.integer(1)
        }
        return approved
    }

    private func baseLines(_ figures: QuarterFigures, _ directory: PartnerDirectory) -> [(partner: PartnerID, line: PlannedLine)] {
        var lines: [(PartnerID, PlannedLine)] = []
        for rebate in figures.rebates where !rebate.result.amount.isZero {
            let result = rebate.result
            lines.append(
                (
                    rebate.partner,
                    PlannedLine(
                        kind: .rebate, forQuarter: figures.quarter, amountMinor: result.amount.minorUnits,
                        description: "\(figures.quarter) rebate: \(result.rate.percentString) of \(result.basis.displayString) (\(result.tier.rawValue))",
                        explanation: rebate.explanation, sourceStatementID: nil)
                ))
        }
        for fee in figures.fees where !fee.result.amount.isZero {
            lines.append(
                (
                    fee.referral.partner,
                    PlannedLine(
                        kind: .referralFee, forQuarter: figures.quarter, amountMinor: fee.result.amount.minorUnits,
                        description: "referral \(fee.referral.referralID) (\(fee.referral.customer)), closed \(fee.referral.closedOn)",
                        explanation: ["referral: \(fee.referral.referralID), \(fee.referral.customer), closed \(fee.referral.closedOn)"]
                            + fee.result.explanation.lines,
                        sourceStatementID: nil)
                ))
        }
        let currency = figures.program.program.currency
        for claim in figures.mdf {
            let accepted = Money(minorUnits: claim.accepted ?? 0, currency: currency)
            guard !accepted.isZero else { continue }
            lines.append(
                (
                    claim.partner,
                    PlannedLine(
                        kind: .mdf, forQuarter: figures.quarter, amountMinor: accepted.minorUnits,
                        description: "MDF request \(claim.id) (\(claim.activity)), accepted \(claim.decidedOn.map(\.description) ?? "")",
                        explanation: claim.explanation(currency: currency), sourceStatementID: nil)
                ))
        }
        return lines
    }

    private func adjustmentLine(
        _ partner: PartnerID, _ quarter: Quarter, _ original: StoredStatement?, _ recomputed: QuarterFigures, settled: Int64, delta: Int64,
        since computedAt: Int64, _ directory: PartnerDirectory
    ) async throws -> PlannedLine {
        let currency = recomputed.program.program.currency
        func money(_ minor: Int64) -> String { Money(minorUnits: minor, currency: currency).description }
        let rebate = recomputed.rebates.first { $0.partner == partner }
        var explanation = [
            original.map { "adjusts \(quarter), approved on \($0.reference)" }
                ?? "adjusts \(quarter), already approved, in which this partner had no approved statement",
            "recomputed \(quarter): rebate \(money(recomputed.rebate(of: partner))) + referral fees \(money(try recomputed.fees(of: partner)))"
                + " + MDF \(money(try recomputed.result.mdf(of: partner))) = \(money(try recomputed.earned(by: partner)))",
            "already approved for \(quarter): \(money(settled))",
            "adjustment: \(money(try recomputed.earned(by: partner))) − \(money(settled)) = \(money(delta))",
        ]
        explanation += (rebate?.explanation ?? []).map { "recomputed rebate, \($0)" }
        explanation += try await lateLines(partner, quarter, after: computedAt, currency: currency)
        return PlannedLine(
            kind: .adjustment, forQuarter: quarter, amountMinor: delta,
            description: "adjustment for \(quarter)\(original.map { " (\($0.reference))" } ?? ""): recomputed − approved", explanation: explanation,
            sourceStatementID: original?.id)
    }

    /// The sales lines of a partner's quarter imported after its approved figures were computed: what a true-up
    /// explains (a line imported between that close and the approval counts too).
    private func lateLines(_ partner: PartnerID, _ quarter: Quarter, after computedAt: Int64, currency: Currency) async throws -> [String] {
        let late = """
            FROM late_sales_lines l
            JOIN imports i ON i.id = l.import_id
            JOIN sales_lines s ON s.source = l.source AND s.line_id = l.line_id AND s.import_id = l.import_id
            WHERE l.reseller_id = $1 AND l.quarter = $2 AND i.imported_at_us > $3
            """
        let binds: [PlainValue] = [.integer(partner.rawValue), .text(quarter.description), .integer(computedAt)]
        let rows = try await plainRows(
            "SELECT s.line_id, s.source, s.sale_date, s.category, s.amount_minor, s.import_id \(late) ORDER BY s.sale_date, s.source, s.line_id LIMIT 21",
            binds)
        let listed = rows.prefix(20)
        var lines = try listed.map { row in
            "arrived after approval: \(try row.text(1)) \(try row.text(0)) dated \(try row.text(2)), \(try row.text(3)) "
                + "\(Money(minorUnits: try row.integer(4), currency: currency).decimalString) (import \(try row.integer(5)))"
        }
        // Twenty are listed; the rest are counted and summed, so the explanation still accounts for every line.
        if rows.count > listed.count, let all = try await plainRows("SELECT COUNT(*), CAST(SUM(s.amount_minor) AS BIGINT) \(late)", binds).first {
            let count = try all.integer(0) - Int64(listed.count)
            let listedSum = try MinorUnits.sum(try listed.map { try $0.integer(4) }, "the late lines of \(quarter)")
            let remainder = try MinorUnits.subtract(try all.integer(1), listedSum, "the late lines of \(quarter)")
            lines.append(
                "arrived after approval: and \(count) more line\(count == 1 ? "" : "s") totalling \(Money(minorUnits: remainder, currency: currency).decimalString)")
        }
        if lines.isEmpty { lines.append("no sales line of this partner arrived after approval (the change comes from referrals, tiers or the program)") }
        return lines
    }

    /// Whether a negative statement's total already sits on a settled statement as carried forward.
    private func isOffset(_ statement: StoredStatement) async throws -> Bool {
        let count = try await sql.raw(
            """
            SELECT COUNT(*) AS n FROM statement_lines l JOIN statements s ON s.id = l.statement_id
            WHERE l.kind = 'carried_forward' AND l.source_statement_id = \(bind: statement.id) AND s.status IN ('approved', 'paid')
            """
        ).first()!.decode(column: "n", as: Int.self)
        return count > 0
    }

    private func carriedLine(_ statement: StoredStatement, currency: Currency) -> PlannedLine {
        let amount = Money(minorUnits: statement.totalMinor, currency: currency)
        return PlannedLine(
            kind: .carriedForward, forQuarter: statement.quarter, amountMinor: statement.totalMinor,
            description: "carried forward from \(statement.reference)",
            explanation: [
                "\(statement.reference) (\(statement.quarter)) was approved with a negative total of \(amount)",
                "a negative total is not paid: it is offset on the partner's next statement",
            ],
            sourceStatementID: statement.id)
    }

    /// Writes the planned lines: every draft is rebuilt (its own base lines kept unless it is the closed
    /// quarter's), new drafts are created, and drafts left empty are voided. Statements are written in
    /// batches: a close touches thousands of partners, and a round trip each would dominate it.
    private func writeDrafts(
        _ plans: [PartnerID: [Quarter: [PlannedLine]]], _ statements: [PartnerID: [Quarter: StoredStatement]], closing: Quarter,
        programVersionID: Int64, _ directory: PartnerDirectory
    ) async throws -> Int {
        var targets: [(partner: PartnerID, quarter: Quarter)] = []
        for (partner, byQuarter) in statements {
            for (quarter, statement) in byQuarter where statement.status == .draft { targets.append((partner, quarter)) }
        }
        for (partner, byQuarter) in plans { for quarter in byQuarter.keys where statements[partner]?[quarter] == nil { targets.append((partner, quarter)) } }
        targets.sort { ($0.quarter, $0.partner.rawValue) < ($1.quarter, $1.partner.rawValue) }

        let existingDrafts = targets.compactMap { statements[$0.partner]?[$0.quarter] }
        let keptBase = try await keptBaseLines(of: existingDrafts.filter { $0.quarter != closing }.map(\.id))
        try await deleteLines(of: existingDrafts.map(\.id))

        var lines: [(statementID: Int64, position: Int, line: PlannedLine)] = []
        var totals: [(id: Int64, total: Int64)] = []
        var computed: [Int64] = []  // drafts whose own figures this close computed: the closed quarter's
        var voided: [Int64] = []
        var newDrafts: [(partner: PartnerID, quarter: Quarter, lines: [PlannedLine])] = []
        for target in targets {
            var planned = plans[target.partner]?[target.quarter] ?? []
            if let existing = statements[target.partner]?[target.quarter] {
                if target.quarter != closing { planned = (keptBase[existing.id] ?? []) + planned }
                if planned.isEmpty {
                    voided.append(existing.id)
                } else {
                    lines += planned.enumerated().map { (existing.id, $0.offset + 1, $0.element) }
                    totals.append((existing.id, try MinorUnits.sum(planned.map(\.amountMinor), "statement \(existing.id)'s lines")))
                    if target.quarter == closing { computed.append(existing.id) }
                }
            } else if !planned.isEmpty {
                newDrafts.append((target.partner, target.quarter, planned))
            }
        }
        for (id, draft) in zip(try await createDrafts(newDrafts.map { ($0.partner, $0.quarter) }, programVersionID: programVersionID, directory), newDrafts) {
            lines += draft.lines.enumerated().map { (id, $0.offset + 1, $0.element) }
            totals.append((id, try MinorUnits.sum(draft.lines.map(\.amountMinor), "statement \(id)'s lines")))
            // A new draft in another quarter only carries an adjustment: approving it waits for its quarter's close.
            if draft.quarter == closing { computed.append(id) }
        }
        try await insertLines(lines)
        try await setTotals(totals)
        try await stampComputed(computed)
        if !voided.isEmpty {
            try await sql.raw("UPDATE statements SET status = 'void', total_minor = 0 WHERE id IN (\(unsafeRaw: voided.map(String.init).joined(separator: ", ")))").run()
        }
        return totals.count
    }

    private func deleteLines(of statementIDs: [Int64]) async throws {
        for chunk in statementIDs.chunked(500) {
            try await sql.raw("DELETE FROM statement_lines WHERE statement_id IN (\(unsafeRaw: chunk.map(String.init).joined(separator: ", ")))").run()
        }
    }

    private func insertLines(_ lines: [(statementID: Int64, position: Int, line: PlannedLine)]) async throws {
        for chunk in lines.chunked(200) {
            var query = SQLQueryString(
                "INSERT INTO statement_lines (statement_id, position, kind, for_quarter, amount_minor, description, explanation, source_statement_id) VALUES ")
            for (index, entry) in chunk.enumerated() {
                if index > 0 { query.appendLiteral(", ") }
                let line = entry.line
                query.appendInterpolation(
                    """
                    (\(bind: entry.statementID), \(bind: entry.position), \(bind: line.kind.rawValue), \(bind: line.forQuarter.description), \(bind: line.amountMinor),
                     \(bind: line.description), \(bind: line.explanation.joined(separator: "\n")), \(bind: line.sourceStatementID))
                    """ as SQLQueryString)
            }
            try await sql.raw(query).run()
        }
    }

    /// Sets each statement's total from its lines, a batch per statement; both databases take UPDATE … FROM.
    private func setTotals(_ totals: [(id: Int64, total: Int64)]) async throws {
        for chunk in totals.chunked(400) {
            var values = SQLQueryString("")
            for (index, entry) in chunk.enumerated() {
                if index > 0 { values.appendLiteral(", ") }
                values.appendInterpolation("(\(bind: entry.id), \(bind: entry.total))" as SQLQueryString)
            }
            try await sql.raw(
                """
                UPDATE statements SET total_minor = t.total
                FROM (SELECT column1 AS id, column2 AS total FROM (VALUES \(values)) AS v) AS t WHERE statements.id = t.id
                """
            ).run()
        }
    }

    /// Records when, and from which ledger version, these drafts' own figures were computed: a draft whose
    /// version is older than the ledger's is stale and cannot be approved until its quarter is closed again.
    private func stampComputed(_ ids: [Int64]) async throws {
        let now = Self.nowMicroseconds(), version = try await ledgerVersion()
        for chunk in ids.chunked(500) {
            try await sql.raw(
                """
                UPDATE statements SET computed_at_us = \(bind: now), computed_version = \(bind: version)
                WHERE id IN (\(unsafeRaw: chunk.map(String.init).joined(separator: ", ")))
                """
            ).run()
        }
    }

    /// Drafts' own rebate and fee lines, kept when another quarter's close rebuilds them.
    private func keptBaseLines(of statementIDs: [Int64]) async throws -> [Int64: [PlannedLine]] {
        var kept: [Int64: [PlannedLine]] = [:]
        for chunk in statementIDs.chunked(500) {
            let rows = try await sql.raw(
                """
                SELECT statement_id, kind, for_quarter, amount_minor, description, explanation, source_statement_id FROM statement_lines
                WHERE statement_id IN (\(unsafeRaw: chunk.map(String.init).joined(separator: ", "))) AND kind IN \(unsafeRaw: StatementLineKind.baseKindsSQL)
                ORDER BY statement_id, position
                """
            ).all()
            for row in rows {
                kept[try row.decode(column: "statement_id", as: Int64.self), default: []].append(
                    PlannedLine(
                        kind: try row.stored(StatementLineKind.self, column: "kind"),
                        forQuarter: try Quarter.parse(row.decode(column: "for_quarter", as: String.self)),
                        amountMinor: try row.decode(column: "amount_minor", as: Int64.self), description: try row.decode(column: "description", as: String.self),
                        explanation: try row.decode(column: "explanation", as: String.self).split(separator: "\n").map(String.init),
                        sourceStatementID: try row.decode(column: "source_statement_id", as: Int64?.self)))
            }
        }
        return kept
    }

    /// New drafts, referenced `CB-2026Q1-P01-1` (the number counts the partner's statements for the quarter).
    /// - Returns: their ids, in the order asked for.
    private func createDrafts(_ drafts: [(partner: PartnerID, quarter: Quarter)], programVersionID: Int64, _ directory: PartnerDirectory) async throws
        -> [Int64]
    {
        guard !drafts.isEmpty else { return [] }
        var earlier: [String: Int] = [:]
        for row in try await sql.raw("SELECT partner_id, quarter, COUNT(*) AS n FROM statements GROUP BY partner_id, quarter").all() {
            earlier["\(try row.decode(column: "partner_id", as: Int64.self))@\(try row.decode(column: "quarter", as: String.self))"] = try row.decode(column: "n", as: Int.self)
        }
        let now = Self.nowMicroseconds()
        var ids: [String: Int64] = [:]
        let references = drafts.map { draft in
            "CB-\(draft.quarter)-\(directory.byID[draft.partner]!.code.rawValue)-\((earlier["\(draft.partner.rawValue)@\(draft.quarter)"] ?? 0) + 1)"
        }
        for chunk in Array(zip(drafts, references)).chunked(200) {
            var query = SQLQueryString("INSERT INTO statements (reference, partner_id, quarter, status, total_minor, program_version_id, computed_at_us) VALUES ")
            for (index, (draft, reference)) in chunk.enumerated() {
                if index > 0 { query.appendLiteral(", ") }
                query.appendInterpolation(
                    "(\(bind: reference), \(bind: draft.partner.rawValue), \(bind: draft.quarter.description), 'draft', 0, \(bind: programVersionID), \(bind: now))"
                        as SQLQueryString)
            }
            query.appendLiteral(" RETURNING id, reference")
            for row in try await sql.raw(query).all() {
                ids[try row.decode(column: "reference", as: String.self)] = try row.decode(column: "id", as: Int64.self)
            }
        }
        return references.map { ids[$0]! }
    }
}

extension Array {
    /// The array in consecutive slices of at most `size` elements (bounded statements and bind lists).
    func chunked(_ size: Int) -> [ArraySlice<Element>] {
        stride(from: 0, to: count, by: size).map { self[$0..<Swift.min($0 + size, count)] }
    }
}
