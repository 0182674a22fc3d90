import ChannelbookCore

/// `channelbook check`: what must always hold in a Channelbook database, checked in SQL so a 10M-line
/// ledger is never loaded into memory. Each finding is one line saying what is wrong and where; none means
/// the database is sound.
extension ChannelbookDatabase {
    /// At most this many findings of one kind are listed; the rest are counted.
    static let integrityFindingsListed = 20

    public func integrityProblems() async throws -> [String] {
        try await requireInitialised()
        return try await readTransaction {
            var problems: [String] = []
            if dialect == .sqlite {
                let result = try await plainRows("PRAGMA integrity_check").map { try $0.text(0) }
                if result != ["ok"] { problems += result.prefix(Self.integrityFindingsListed).map { "SQLite integrity: \($0)" } }
            }
            problems += try await linesBeyondTheLimits()
            problems += try await beyond64Bits("sales totals") { try await totalsAgainstLines() }
            problems += try await beyond64Bits("statements") { try await statementsAgainstLines() }
            problems += try await linesWithoutImports()
            problems += try await auditGaps()
            problems += try await mdfLedgerProblems()
            problems += try await renewalHistoryProblems()
            return problems
        }
    }

    /// What the renewal queues filter on agrees with the append-only history it came from: a contract is renewed or
    /// lapsed exactly when its history says so, and renewed no earlier than it started.
    private func renewalHistoryProblems() async throws -> [String] {
        let rows = try await plainRows(
            """
            SELECT c.id, c.contract_ref FROM maintenance_contracts c
            WHERE (c.renewed_on IS NOT NULL) <> EXISTS (SELECT 1 FROM renewal_events e WHERE e.contract_id = c.id AND e.event = 'renewed')
               OR (c.lapsed_on IS NOT NULL) <> EXISTS (SELECT 1 FROM renewal_events e WHERE e.contract_id = c.id AND e.event = 'lapsed')
               OR (c.first_quoted_on IS NOT NULL) <> EXISTS (SELECT 1 FROM renewal_events e WHERE e.contract_id = c.id AND e.event = 'quoted')
               OR c.renewed_on <= c.starts
            ORDER BY c.id LIMIT \(Self.integrityFindingsListed)
            """)
        return try rows.map { "renewal opportunity \(try $0.integer(0)) (contract \(try $0.text(1))): its renewed, lapsed or quoted state disagrees with its history" }
    }

    /// Every partner's MDF ledger holds together on every date it changes: nothing reserved, payable or available
    /// below zero, and every accepted claim's payable entries equal to what was accepted.
    private func mdfLedgerProblems() async throws -> [String] {
        var problems: [String] = []
        for row in try await plainRows("SELECT DISTINCT a.partner_id, p.code FROM mdf_allocations a JOIN partners p ON p.id = a.partner_id ORDER BY p.code") {
            let ledger = try await mdfLedger(of: PartnerID(try row.integer(0)))
            let code = try row.text(1)
            for date in Set(ledger.entries(asOf: LineLimits.latestDate).map(\.date)).sorted() {
                let balance = try ledger.balance(asOf: date)
                if balance.available < 0 || balance.reserved < 0 || balance.payable < 0 {
                    problems.append("MDF of \(code) on \(date): available \(balance.available), reserved \(balance.reserved), payable \(balance.payable) minor units (below zero)")
                    break
                }
            }
        }
        let payable = try await plainRows(
            """
            SELECT r.id, r.accepted_minor, CAST(COALESCE((SELECT SUM(l.amount_minor) FROM mdf_ledger l WHERE l.request_id = r.id AND l.entry = 'payable'), 0) AS BIGINT)
            FROM mdf_requests r WHERE r.status = 'accepted' ORDER BY r.id
            """)
        for row in payable where try row.integer(1) != row.integer(2) {
            problems.append("MDF request \(try row.integer(0)): accepted \(try row.integer(1)) but payable \(try row.integer(2)) minor units in the ledger")
        }
        return Array(problems.prefix(Self.integrityFindingsListed))
    }

    /// Sales lines beyond `LineLimits` (stored by an older release or by hand): what makes sums overflow.
    private func linesBeyondTheLimits() async throws -> [String] {
        let limit = LineLimits.maximumAmountMinorUnits
        let rows = try await plainRows(
            "SELECT source, line_id, amount_minor, seats FROM sales_lines WHERE amount_minor > $1 OR amount_minor < $2 OR seats > $3 OR seats < $4 ORDER BY source, line_id LIMIT 21",
            [.integer(limit), .integer(-limit), .integer(LineLimits.maximumSeats), .integer(-LineLimits.maximumSeats)])
        return try rows.prefix(Self.integrityFindingsListed).map {
            "sales line \(try $0.text(0)) \(try $0.text(1)): amount \(try $0.integer(2)) minor units, \(try $0.integer(3)) seats, beyond the line limits"
        } + (rows.count > Self.integrityFindingsListed ? ["… and more sales lines beyond the line limits"] : [])
    }

    /// A check whose sums overflow 64 bits says so instead of failing (the lines beyond the limits are listed
    /// above). A savepoint keeps the transaction usable after the overflow (PostgreSQL aborts it on any error).
    private func beyond64Bits(_ what: String, _ check: () async throws -> [String]) async throws -> [String] {
        try await sql.raw("SAVEPOINT integrity_sums").run()
        do {
            let found = try await check()
            try await sql.raw("RELEASE SAVEPOINT integrity_sums").run()
            return found
        } catch {
            try await sql.raw("ROLLBACK TO SAVEPOINT integrity_sums").run()
            guard let failure = DatabaseFailure.translate(error) as? DatabaseFailure, failure.kind == .outOfRange else { throw error }
            return ["\(what): sums of stored amounts exceed 64 bits, so they cannot be compared"]
        }
    }

    /// Every per-quarter total equals the sum and count of its sales lines, in the segment the newest program puts
    /// them in, and every group of lines has its total.
    private func totalsAgainstLines() async throws -> [String] {
        let grouped = SegmentedTotals.linesGroupedAsTotalsSQL(try await latestProgram().program.segments)
        let rows = try await plainRows(
            """
            SELECT COALESCE(l.reseller_id, t.reseller_id), COALESCE(l.quarter, t.quarter), COALESCE(l.category, t.category),
                   COALESCE(l.source, t.source), COALESCE(l.segment, t.segment), l.amount, l.lines, t.amount_minor, t.line_count
            FROM (\(grouped)) l
            FULL OUTER JOIN sales_totals t
              ON t.reseller_id = l.reseller_id AND t.quarter = l.quarter AND t.category = l.category AND t.source = l.source AND t.segment = l.segment
            WHERE l.amount IS NULL OR t.amount_minor IS NULL OR l.amount <> t.amount_minor OR l.lines <> t.line_count
            ORDER BY 1, 2, 3, 4, 5
            """)
        return try rows.prefix(Self.integrityFindingsListed).map { row in
            let key = "reseller \(try row.integer(0)) \(try row.text(1)) \(try row.text(2)) from \(try row.text(3)) (\(try row.text(4)))"
            let lines = try row.optionalInteger(5).map { "\($0) in \(try row.integer(6)) lines" } ?? "no lines"
            let total = try row.optionalInteger(7).map { "\($0) in \(try row.integer(8)) lines" } ?? "no total"
            return "sales totals: \(key): the lines sum to \(lines), the total says \(total)"
        } + Self.more(rows.count, "sales total")
    }

    /// Every live statement's total equals the sum of its lines.
    private func statementsAgainstLines() async throws -> [String] {
        let rows = try await plainRows(
            """
            SELECT s.reference, s.total_minor, CAST(COALESCE(SUM(l.amount_minor), 0) AS BIGINT) FROM statements s
            LEFT JOIN statement_lines l ON l.statement_id = s.id
            WHERE s.status <> 'void' GROUP BY s.id, s.reference, s.total_minor
            HAVING s.total_minor <> COALESCE(SUM(l.amount_minor), 0) ORDER BY s.reference
            """)
        return try rows.prefix(Self.integrityFindingsListed).map {
            "statement \(try $0.text(0)): total \(try $0.integer(1)) but its lines sum to \(try $0.integer(2))"
        } + Self.more(rows.count, "statement")
    }

    /// Every sales line belongs to a recorded import (imports and their lines commit together).
    private func linesWithoutImports() async throws -> [String] {
        let rows = try await plainRows(
            "SELECT l.import_id, COUNT(*) FROM sales_lines l LEFT JOIN imports i ON i.id = l.import_id WHERE i.id IS NULL GROUP BY l.import_id ORDER BY 1")
        return try rows.prefix(Self.integrityFindingsListed).map { "sales lines: \(try $0.integer(1)) lines name import \(try $0.integer(0)), which is not recorded" }
            + Self.more(rows.count, "missing import")
    }

    /// The audit log accounts for every money action: one `import KIND` row per recorded import of that kind,
    /// an `approve statement` row for every approved or paid statement, a `mark paid` (or `settle by offset`)
    /// row for every paid one.
    private func auditGaps() async throws -> [String] {
        var problems: [String] = []
        let imports = try await plainRows(
            """
            SELECT i.kind, i.count, COALESCE(a.count, 0) FROM (SELECT kind, COUNT(*) AS count FROM imports GROUP BY kind) i
            LEFT JOIN (SELECT action, COUNT(*) AS count FROM audit_log WHERE action LIKE 'import %' GROUP BY action) a ON a.action = 'import ' || i.kind
            WHERE COALESCE(a.count, 0) < i.count ORDER BY 1
            """)
        for row in imports {
            problems.append("audit log: \(try row.integer(1)) \(try row.text(0)) imports are recorded but only \(try row.integer(2)) are audited")
        }
        for (status, actions) in [("'approved', 'paid'", "'approve statement'"), ("'paid'", "'mark paid', 'settle by offset'")] {
            let rows = try await plainRows(
                """
                SELECT s.reference FROM statements s WHERE s.status IN (\(status))
                AND NOT EXISTS (SELECT 1 FROM audit_log a WHERE a.action IN (\(actions)) AND a.subject = s.reference) ORDER BY 1
                """)
            problems += try rows.prefix(Self.integrityFindingsListed).map { "audit log: statement \(try $0.text(0)) has no \(actions) record" }
            problems += Self.more(rows.count, "unaudited statement")
        }
        return problems
    }

    private static func more(_ count: Int, _ what: String) -> [String] {
        count > integrityFindingsListed ? ["… and \(count - integrityFindingsListed) more (\(what)s)"] : []
    }
}
