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

    public var description: String {
        "closed \(quarter) under \(programVersion): \(rebates) rebate\(rebates == 1 ? "" : "s") totalling \(rebateTotal), "
            + "\(referralFees) referral fee\(referralFees == 1 ? "" : "s") totalling \(feeTotal); "
            + "\(draftStatements) draft statement\(draftStatements == 1 ? "" : "s"), \(adjustments) adjustment\(adjustments == 1 ? "" : "s")"
    }
}

/// A quarter's figures as computed now: every eligible reseller's rebate and every referral fee.
struct QuarterFigures {
    let quarter: Quarter
    let program: StoredProgram
    let rebates: [ChannelbookDatabase.ComputedRebate]
    let fees: [ChannelbookDatabase.ComputedFee]

    var isEmpty: Bool { rebates.isEmpty && fees.isEmpty }

    /// What the partner earns for the quarter: its rebate plus its referral fees.
    func earned(by partner: PartnerID) throws -> Int64 {
        try MinorUnits.add(rebate(of: partner), fees(of: partner), "partner \(partner.rawValue)'s rebate and referral fees for \(quarter)")
    }

    func rebate(of partner: PartnerID) -> Int64 { rebates.first { $0.partnerID == partner }?.result.amount.minorUnits ?? 0 }

    func fees(of partner: PartnerID) throws -> Int64 {
        try MinorUnits.sum(fees.filter { $0.referral.partnerID == partner }.map(\.result.amount.minorUnits), "partner \(partner.rawValue)'s referral fees for \(quarter)")
    }
}

extension ChannelbookDatabase {
    /// Computes (or recomputes) the quarter's rebates and referral fees from the stored totals and closed
    /// referrals, under the program version in force on the quarter's last day, stores them with their
    /// explanations, and recomputes the draft statements (with true-ups of approved quarters). Closing
    /// again with the same data gives the same figures and the same statements.
    public func closeQuarter(_ quarter: Quarter, actor: String = "system") async throws -> QuarterCloseSummary {
        try await requireInitialised()
        return try await transaction(locking: [.ledger]) {
            let directory = try await PartnerDirectory.load(from: self)
            let priceBook = try await PriceBook.load(from: self)
            let figures = try await computeFigures(quarter, directory, priceBook)
            let noSales = try await quarterTotals(quarter).isEmpty
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
            try await insertRebates(quarter, figures.rebates.filter { recorded($0.partnerID) })
            try await insertReferralFees(quarter, figures.fees.filter { recorded($0.referral.partnerID) })
            let statements = try await recomputeStatements(closing: figures, approved: approvedQuarters, directory, priceBook)
            let summary = QuarterCloseSummary(
                quarter: quarter, programVersion: program.versionLabel, rebates: figures.rebates.count,
                rebateTotal: try Money.sum(figures.rebates.map(\.result.amount), currency: program.currency), referralFees: figures.fees.count,
                feeTotal: try Money.sum(figures.fees.map(\.result.amount), currency: program.currency), draftStatements: statements.drafts,
                adjustments: statements.adjustments)
            try await audit(actor: actor, action: "close", subject: quarter.description, after: summary.description)
            return summary
        }
    }

    /// The quarter's figures under the program version in force on its last day.
    func computeFigures(_ quarter: Quarter, _ directory: PartnerDirectory, _ priceBook: PriceBook) async throws -> QuarterFigures {
        let stored = try await program(on: quarter.lastDay)
        let totals = try await quarterTotals(quarter)
        let referrals = try await closedReferrals(in: quarter)
        return QuarterFigures(
            quarter: quarter, program: stored, rebates: try computeRebates(quarter, stored.program, directory, totals),
            fees: try computeReferralFees(stored.program, priceBook, referrals))
    }

    /// One `sales_totals` row.
    struct QuarterTotal {
        let resellerID: PartnerID
        let category: SalesCategory
        let source: String
        let amountMinor: Int64
        let lineCount: Int64
    }

    func quarterTotals(_ quarter: Quarter) async throws -> [PartnerID: [QuarterTotal]] {
        let rows = try await plainRows(
            "SELECT reseller_id, category, source, amount_minor, line_count FROM sales_totals WHERE quarter = $1", [.text(quarter.description)])
        var totals: [PartnerID: [QuarterTotal]] = [:]
        for row in rows {
            let total = QuarterTotal(
                resellerID: PartnerID(try row.integer(0)), category: SalesCategory(rawValue: try row.text(1))!, source: try row.text(2),
                amountMinor: try row.integer(3), lineCount: try row.integer(4))
            totals[total.resellerID, default: []].append(total)
        }
        return totals
    }

    struct ComputedRebate {
        let partnerID: PartnerID
        let result: RebateResult
        let explanation: [String]
    }

    /// Every reseller eligible on the evaluation date with at least one line in the quarter gets a row, zero included.
    private func computeRebates(
        _ quarter: Quarter, _ program: Program, _ directory: PartnerDirectory, _ totals: [PartnerID: [QuarterTotal]]
    ) throws -> [ComputedRebate] {
        let evaluationDate = program.rebate.tierOn.date(in: quarter)
        var computed: [ComputedRebate] = []
        for (resellerID, rows) in totals.sorted(by: { $0.key.rawValue < $1.key.rawValue }) {
            guard let tier = directory.tier(of: resellerID, on: evaluationDate), program.rebate.eligibleTiers.contains(tier) else { continue }
            let basisRows = rows.filter { program.rebate.basisCategories.contains($0.category) }
            let basis = try Money.sum(basisRows.map { Money(minorUnits: $0.amountMinor, currency: program.currency) }, currency: program.currency)
            let result = try RebateCalculator.compute(program: program, tier: tier, basis: basis)
            computed.append(
                ComputedRebate(
                    partnerID: resellerID, result: result,
                    explanation: result.explanation.lines + (try basisBreakdown(rows, program, evaluationDate))))
        }
        return computed
    }

    /// Explanation lines showing where the basis came from: by category (excluded ones named) and by source.
    private func basisBreakdown(_ rows: [QuarterTotal], _ program: Program, _ evaluationDate: BusinessDate) throws -> [String] {
        func money(_ minor: Int64) -> String { Money(minorUnits: minor, currency: program.currency).decimalString }
        var byCategory: [SalesCategory: Int64] = [:]
        var bySource: [String: Int64] = [:]
        for row in rows {
            byCategory[row.category] = try MinorUnits.add(byCategory[row.category] ?? 0, row.amountMinor, "the \(row.category.rawValue) sales of the quarter")
            if program.rebate.basisCategories.contains(row.category) {
                bySource[row.source] = try MinorUnits.add(bySource[row.source] ?? 0, row.amountMinor, "the basis from \(row.source)")
            }
        }
        let categories = byCategory.keys.sorted().map { category in
            "\(category.rawValue) \(money(byCategory[category]!))\(program.rebate.basisCategories.contains(category) ? "" : " (excluded)")"
        }
        let sources = bySource.keys.sorted().map { "\($0) \(money(bySource[$0]!))" }
        return [
            "evaluation date: \(evaluationDate)",
            "basis by category: " + categories.joined(separator: ", "),
            "basis by source: " + (sources.isEmpty ? "none" : sources.joined(separator: ", ")),
            "sales lines in the quarter: \(rows.reduce(0) { $0 + $1.lineCount })",
        ]
    }

    struct ClosedReferral {
        let referralID: String
        let partnerID: PartnerID
        let customer: String
        let sku: SKU
        let seats: Int64
        let closedOn: BusinessDate
        let selfFulfilled: Bool
    }

    private func closedReferrals(in quarter: Quarter) async throws -> [ClosedReferral] {
        try await sql.raw(
            "SELECT referral_id, partner_id, customer, sku, seats, closed_on, self_fulfilled FROM closed_referrals WHERE quarter = \(bind: quarter.description) ORDER BY referral_id"
        ).all().map { row in
            ClosedReferral(
                referralID: try row.decode(column: "referral_id", as: String.self),
                partnerID: PartnerID(try row.decode(column: "partner_id", as: Int64.self)), customer: try row.decode(column: "customer", as: String.self),
                sku: SKU(try row.decode(column: "sku", as: String.self)),
                seats: try row.decode(column: "seats", as: Int64.self), closedOn: try BusinessDate.parse(row.decode(column: "closed_on", as: String.self)),
                selfFulfilled: try row.decode(column: "self_fulfilled", as: Int.self) == 1)
        }
    }

    struct ComputedFee {
        let referral: ClosedReferral
        let result: ReferralFeeResult
    }

    private func computeReferralFees(_ program: Program, _ priceBook: PriceBook, _ referrals: [ClosedReferral]) throws -> [ComputedFee] {
        try referrals.map { referral in
            guard let price = priceBook.entry(for: referral.sku, on: referral.closedOn) else {
                throw ReferralError.noPrice(sku: referral.sku.rawValue, on: referral.closedOn)
            }
            let unitPrice = Money(minorUnits: price.partnerBuyPriceMinor, currency: program.currency)
            let result = try ReferralFeeCalculator.compute(
                program: program, seats: referral.seats, unitPrice: unitPrice, selfFulfilled: referral.selfFulfilled)
            return ComputedFee(referral: referral, result: result)
        }
    }

    private func insertRebates(_ quarter: Quarter, _ rebates: [ComputedRebate]) async throws {
        for start in stride(from: 0, to: rebates.count, by: 200) {
            var query = SQLQueryString("INSERT INTO quarter_rebates (quarter, partner_id, tier, basis_minor, rate_bps, rebate_minor, explanation) VALUES ")
            for (index, rebate) in rebates[start..<min(start + 200, rebates.count)].enumerated() {
                if index > 0 { query.appendLiteral(", ") }
                let result = rebate.result
                query.appendInterpolation(
                    """
                    (\(bind: quarter.description), \(bind: rebate.partnerID.rawValue), \(bind: result.tier.rawValue), \(bind: result.basis.minorUnits),
                     \(bind: result.rate.rawValue), \(bind: result.amount.minorUnits), \(bind: rebate.explanation.joined(separator: "\n")))
                    """ as SQLQueryString)
            }
            try await sql.raw(query).run()
        }
    }

    private func insertReferralFees(_ quarter: Quarter, _ fees: [ComputedFee]) async throws {
        for fee in fees {
            let result = fee.result
            try await sql.raw(
                """
                INSERT INTO quarter_referral_fees (quarter, referral_id, partner_id, seats, unit_price_minor, price_minor, rate_bps, fee_minor, explanation)
                VALUES (\(bind: quarter.description), \(bind: fee.referral.referralID), \(bind: fee.referral.partnerID.rawValue), \(bind: result.seats),
                        \(bind: result.unitPrice.minorUnits), \(bind: result.dealPrice.minorUnits), \(bind: result.rate.rawValue),
                        \(bind: result.amount.minorUnits), \(bind: result.explanation.lines.joined(separator: "\n")))
                """
            ).run()
        }
    }
}
