import ChannelbookCore
import SQLKit

/// What closing a quarter computed.
public struct QuarterCloseSummary: Sendable, CustomStringConvertible {
    public let quarter: Quarter
    public let programVersion: String
    public let rebates: Int
    public let rebateTotal: Money
    public let referralFees: Int
    public let feeTotal: Money
    /// Draft statements after the close (this quarter's and any carrying adjustments).
    public var draftStatements = 0
    /// Adjustments of approved quarters now on draft statements.
    public var adjustments = 0
    /// MDF claims accepted in the quarter, on its statements.
    public var mdfClaims = 0
    public var mdfTotal: Money? = nil

    /// For the command line: amounts as plain decimals with their currency (`13959.96 AUD`).
    public var description: String { text(\.description) }

    /// For people reading the audit log on a page: amounts as `$13,959.96`.
    public var displayText: String { text(\.displayString) }

    private func text(_ money: (Money) -> String) -> String {
        let mdf = mdfClaims == 0 ? "" : ", \(mdfClaims) MDF claim\(mdfClaims == 1 ? "" : "s") totalling \(mdfTotal.map(money) ?? "")"
        return "closed \(quarter) under \(programVersion): \(rebates) rebate\(rebates == 1 ? "" : "s") totalling \(money(rebateTotal)), "
            + "\(referralFees) referral fee\(referralFees == 1 ? "" : "s") totalling \(money(feeTotal))\(mdf); "
            + "\(draftStatements) draft statement\(draftStatements == 1 ? "" : "s"), \(adjustments) adjustment\(adjustments == 1 ? "" : "s")"
    }
}

/// A quarter's figures as the engine computed them, with the stored program version they were computed under.
struct QuarterFigures {
    let program: StoredProgram
    let result: QuarterResult

    var quarter: Quarter { result.quarter }
    var rebates: [RebateFigure] { result.rebates }
    var fees: [FeeFigure] { result.fees }
    var mdf: [MDFRequestFacts] { result.mdf }
    var isEmpty: Bool { result.isEmpty }
    func rebate(of partner: PartnerID) -> Int64 { result.rebate(of: partner) }
    func fees(of partner: PartnerID) throws -> Int64 { try result.fees(of: partner) }
    func earned(by partner: PartnerID) throws -> Int64 { try result.earned(by: partner) }
}

extension ChannelbookDatabase {
    /// Computes (or recomputes) the quarter's rebates and referral fees from the stored totals and closed
    /// referrals, under the program version in force on the quarter's last day, stores them with their
    /// explanations, and recomputes the draft statements (with true-ups of approved quarters). Closing
    /// again with the same data gives the same figures and the same statements.
    ///
    /// A quarter that has not ended on `today` (UTC when not given) is refused unless `early` says the closer
    /// means it; an early close is audited as such.
    public func closeQuarter(
        _ quarter: Quarter, actor: String = "system", today: BusinessDate? = nil, early: Bool = false
    ) async throws -> QuarterCloseSummary {
        try await requireInitialised()
        let today = today ?? Self.today()
        guard early || quarter.hasEnded(on: today) else { throw StoreError.quarterNotEnded(quarter, today: today) }
        let observer = WorkProgress.observer
        func step(_ done: Int64, _ name: String) { observer?.report(WorkProgress(task: "closing \(quarter)", done: done, total: 4, step: name)) }
        return try await transaction(locking: [.ledger]) {
            step(0, "computing rebates, referral fees and MDF")
            let directory = try await PartnerDirectory.load(from: self)
            let priceBook = try await PriceBook.load(from: self)
            let figures = try await computeFigures(quarter, directory, priceBook)
            step(1, "storing the figures")
            let noSales = try await quarterTotals(quarter, currency: figures.program.program.currency).isEmpty
            let statuses = Dictionary(
                try await plainRows("SELECT partner_id, status FROM statements WHERE quarter = $1 AND status <> 'void'", [.text(quarter.description)])
                    .map { (PartnerID(try $0.integer(0)), try $0.text(1)) }, uniquingKeysWith: { first, _ in first })
            // A quarter with nothing but a draft carrying another quarter's adjustment can still be closed, to restamp it.
            if figures.isEmpty && noSales && !statuses.values.contains(StatementStatus.draft.rawValue) { throw StoreError.nothingToClose(quarter) }
            let program = figures.program.program

            // What was approved stays what the quarter's reports say. Once the quarter is approved, only partners
            // with a draft held in it get this close's figures; the others keep the rows they were approved with,
            // and whatever changed reaches them as an adjustment on a later statement (`pendingAdjustments`).
            let approvedQuarters = try await approvedQuarters()
            let approved = approvedQuarters[quarter] != nil
            func recorded(_ partner: PartnerID) -> Bool {
                switch statuses[partner] {
                case StatementStatus.draft.rawValue?: return true
                case nil: return !approved
                default: return false
                }
            }
            let refreshed = approved
                ? "partner_id IN (SELECT partner_id FROM statements WHERE quarter = $1 AND status = 'draft')"
                : "partner_id NOT IN (SELECT partner_id FROM statements WHERE quarter = $1 AND status IN ('approved', 'paid'))"
            _ = try await plainRows("DELETE FROM quarter_rebates WHERE quarter = $1 AND \(refreshed)", [.text(quarter.description)])
            _ = try await plainRows("DELETE FROM quarter_referral_fees WHERE quarter = $1 AND \(refreshed)", [.text(quarter.description)])
            try await sql.raw(
                """
                INSERT INTO quarter_closes (quarter, program_version_id, closed_at_us) VALUES (\(bind: quarter.description), \(bind: figures.program.id), \(bind: Self.nowMicroseconds()))
                ON CONFLICT (quarter) DO UPDATE SET program_version_id = excluded.program_version_id, closed_at_us = excluded.closed_at_us
                """
            ).run()
            try await insertRebates(quarter, figures.rebates.filter { recorded($0.partner) })
            try await insertReferralFees(quarter, figures.fees.filter { recorded($0.referral.partner) })
            step(2, "drafting statements")
            let statements = try await recomputeStatements(closing: figures, approved: approvedQuarters, directory, priceBook)
            step(3, "recording the close")
            let summary = QuarterCloseSummary(
                quarter: quarter, programVersion: program.versionLabel, rebates: figures.rebates.count,
                rebateTotal: try Money.sum(figures.rebates.map(\.result.amount), currency: program.currency), referralFees: figures.fees.count,
                feeTotal: try Money.sum(figures.fees.map(\.result.amount), currency: program.currency), draftStatements: statements.drafts,
                adjustments: statements.adjustments, mdfClaims: figures.mdf.count,
                mdfTotal: Money(minorUnits: try MinorUnits.sum(figures.mdf.map { $0.accepted ?? 0 }, "the quarter's MDF"), currency: program.currency))
            let closedEarly = !quarter.hasEnded(on: today)
            try await audit(
                actor: actor, action: closedEarly ? "close early" : "close", subject: quarter.description,
                after: closedEarly ? "on \(today), before the quarter ended (last day \(quarter.lastDay)): \(summary.displayText)" : summary.displayText)
            step(4, "done")
            return summary
        }
    }

    /// The quarter's figures under the program version in force on its last day: the engine on the stored facts.
    func computeFigures(_ quarter: Quarter, _ directory: PartnerDirectory, _ priceBook: PriceBook) async throws -> QuarterFigures {
        let stored = try await program(on: quarter.lastDay)
        let base = try await quarterFacts(quarter, directory, priceBook, currency: stored.program.currency)
        let facts = QuarterFacts(quarter: quarter, totals: base.totals, tiers: base.tiers, referrals: base.referrals, mdf: try await mdfPayable(in: quarter))
        return QuarterFigures(program: stored, result: try QuarterEngine.compute(facts, program: stored.program))
    }

    /// Everything the quarter's money depends on: totals, tiers and closed referrals with their prices.
    /// Without a price book, no referrals (what progress and near-tier need).
    func quarterFacts(
        _ quarter: Quarter, _ directory: PartnerDirectory, _ priceBook: PriceBook?, currency: Currency, through date: BusinessDate? = nil
    ) async throws -> QuarterFacts {
        var referrals: [ClosedReferralFact] = []
        if let priceBook { referrals = try await closedReferrals(in: quarter, priceBook, currency: currency) }
        return QuarterFacts(
            quarter: quarter, totals: try await quarterTotals(quarter, currency: currency, through: date), tiers: directory.tiers, referrals: referrals)
    }

    /// A whole quarter's kept totals, in key order: on SQLite read from `sales_totals_by_quarter` alone (migration 19).
    static let keptQuarterTotals =
        "SELECT reseller_id, category, source, amount_minor, line_count FROM sales_totals WHERE quarter = $1 ORDER BY reseller_id, category, source"

    /// The quarter's totals per reseller, from `sales_totals`; up to a date inside the quarter, summed from the
    /// lines dated on or before it (a quarter in progress, seen as of a day).
    func quarterTotals(_ quarter: Quarter, currency: Currency, through date: BusinessDate? = nil) async throws -> [PartnerID: [SalesTotalFact]] {
        let rows: [PlainRow]
        if let date, date < quarter.lastDay {
            rows = try await plainRows(
                """
                SELECT reseller_id, category, source, CAST(SUM(amount_minor) AS BIGINT), COUNT(*) FROM sales_lines
                WHERE quarter = $1 AND sale_date <= $2 GROUP BY reseller_id, category, source
                """, [.text(quarter.description), .text(date.description)])
        } else {
            rows = try await plainRows(Self.keptQuarterTotals, [.text(quarter.description)])
        }
        // The kept totals are per segment too: a reseller's segments of one category and source add up here, where a
        // sum beyond 64 bits is a money error rather than a database's.
        var totals: [PartnerID: [SalesTotalFact]] = [:]
        for row in rows {
            let partner = PartnerID(try row.integer(0))
            let (category, source) = (try row.stored(SalesCategory.self, 1), try row.text(2))
            var amount = try row.integer(3), lines = try row.integer(4)
            if let last = totals[partner]?.last, last.category == category, last.source == source {
                amount = try MinorUnits.add(last.amount.minorUnits, amount, "the \(quarter) \(category.rawValue) total from \(source)")
                lines = try MinorUnits.add(lines, last.lines, "the \(quarter) \(category.rawValue) line count from \(source)")
                totals[partner]!.removeLast()
            }
            totals[partner, default: []].append(
                SalesTotalFact(category: category, source: source, amount: Money(minorUnits: amount, currency: currency), lines: lines))
        }
        return totals
    }

    /// The quarter's closed referrals, each with the price book's per-seat price on its close date.
    private func closedReferrals(in quarter: Quarter, _ priceBook: PriceBook, currency: Currency) async throws -> [ClosedReferralFact] {
        try await sql.raw(
            "SELECT referral_id, partner_id, customer, sku, seats, closed_on, self_fulfilled FROM closed_referrals WHERE quarter = \(bind: quarter.description) ORDER BY referral_id"
        ).all().map { row in
            let sku = SKU(rawValue: try row.decode(column: "sku", as: String.self))
            let closedOn = try BusinessDate.parse(row.decode(column: "closed_on", as: String.self))
            return ClosedReferralFact(
                referralID: try row.decode(column: "referral_id", as: String.self),
                partner: PartnerID(try row.decode(column: "partner_id", as: Int64.self)), customer: try row.decode(column: "customer", as: String.self),
                sku: sku, seats: try row.decode(column: "seats", as: Int64.self), closedOn: closedOn,
                selfFulfilled: try row.decode(column: "self_fulfilled", as: Int.self) == 1,
                unitPrice: priceBook.entry(for: sku, on: closedOn).map { Money(minorUnits: $0.partnerBuyPriceMinor, currency: currency) })
        }
    }

    private func insertRebates(_ quarter: Quarter, _ rebates: [RebateFigure]) async throws {
        for start in stride(from: 0, to: rebates.count, by: 200) {
            var query = SQLQueryString("INSERT INTO quarter_rebates (quarter, partner_id, tier, basis_minor, rate_bps, rebate_minor, explanation) VALUES ")
            for (index, rebate) in rebates[start..<min(start + 200, rebates.count)].enumerated() {
                if index > 0 { query.appendLiteral(", ") }
                let result = rebate.result
                query.appendInterpolation(
                    """
                    (\(bind: quarter.description), \(bind: rebate.partner.rawValue), \(bind: result.tier.rawValue), \(bind: result.basis.minorUnits),
                     \(bind: result.rate.rawValue), \(bind: result.amount.minorUnits), \(bind: rebate.explanation.joined(separator: "\n")))
                    """ as SQLQueryString)
            }
            try await sql.raw(query).run()
        }
    }

    private func insertReferralFees(_ quarter: Quarter, _ fees: [FeeFigure]) async throws {
        for fee in fees {
            let result = fee.result
            try await sql.raw(
                """
                INSERT INTO quarter_referral_fees (quarter, referral_id, partner_id, seats, unit_price_minor, price_minor, rate_bps, fee_minor, explanation)
                VALUES (\(bind: quarter.description), \(bind: fee.referral.referralID), \(bind: fee.referral.partner.rawValue), \(bind: result.seats),
                        \(bind: result.unitPrice.minorUnits), \(bind: result.dealPrice.minorUnits), \(bind: result.rate.rawValue),
                        \(bind: result.amount.minorUnits), \(bind: result.explanation.lines.joined(separator: "\n")))
                """
            ).run()
        }
    }
}
