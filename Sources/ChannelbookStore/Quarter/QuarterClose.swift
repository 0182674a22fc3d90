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

    public var description: String {
        "closed \(quarter) under \(programVersion): \(rebates) rebate\(rebates == 1 ? "" : "s") totalling \(rebateTotal), "
            + "\(referralFees) referral fee\(referralFees == 1 ? "" : "s") totalling \(feeTotal)"
    }
}

extension ChannelbookDatabase {
    /// Computes (or recomputes) the quarter's rebates and referral fees from the stored totals and closed
    /// referrals, under the program version in force on the quarter's last day, and stores them with their
    /// explanations. Closing again with the same data gives the same figures.
    public func closeQuarter(_ quarter: Quarter) async throws -> QuarterCloseSummary {
        try await requireInitialised()
        return try await transaction {
            let stored = try await program(on: quarter.lastDay)
            let program = stored.program
            let directory = try await PartnerDirectory.load(from: self)
            let priceBook = try await PriceBook.load(from: self)
            let totals = try await quarterTotals(quarter)
            let referrals = try await closedReferrals(in: quarter)
            if totals.isEmpty && referrals.isEmpty { throw StoreError.nothingToClose(quarter) }

            let rebates = try computeRebates(quarter, program, directory, totals)
            let fees = try computeReferralFees(program, priceBook, referrals)

            try await sql.raw("DELETE FROM quarter_rebates WHERE quarter = \(bind: quarter.description)").run()
            try await sql.raw("DELETE FROM quarter_referral_fees WHERE quarter = \(bind: quarter.description)").run()
            try await sql.raw(
                """
                INSERT INTO quarter_closes (quarter, program_version_id, closed_at_us) VALUES (\(bind: quarter.description), \(bind: stored.id), \(bind: Self.nowMicroseconds()))
                ON CONFLICT (quarter) DO UPDATE SET program_version_id = excluded.program_version_id, closed_at_us = excluded.closed_at_us
                """
            ).run()
            try await insertRebates(quarter, rebates)
            try await insertReferralFees(quarter, fees)
            return QuarterCloseSummary(
                quarter: quarter, programVersion: program.versionLabel, rebates: rebates.count,
                rebateTotal: try Money.sum(rebates.map(\.result.amount), currency: program.currency), referralFees: fees.count,
                feeTotal: try Money.sum(fees.map(\.result.amount), currency: program.currency))
        }
    }

    /// One `sales_totals` row.
    struct QuarterTotal {
        let resellerID: PartnerID
        let category: SalesCategory
        let source: String
        let amountMinor: Int64
        let lineCount: Int64
    }

    private func quarterTotals(_ quarter: Quarter) async throws -> [PartnerID: [QuarterTotal]] {
        let rows = try await sql.raw(
            "SELECT reseller_id, category, source, amount_minor, line_count FROM sales_totals WHERE quarter = \(bind: quarter.description)"
        ).all()
        var totals: [PartnerID: [QuarterTotal]] = [:]
        for row in rows {
            let total = QuarterTotal(
                resellerID: PartnerID(try row.decode(column: "reseller_id", as: Int64.self)),
                category: SalesCategory(rawValue: try row.decode(column: "category", as: String.self))!,
                source: try row.decode(column: "source", as: String.self), amountMinor: try row.decode(column: "amount_minor", as: Int64.self),
                lineCount: try row.decode(column: "line_count", as: Int64.self))
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
        for (resellerID, rows) in totals {
            guard let tier = directory.tier(of: resellerID, on: evaluationDate), program.rebate.eligibleTiers.contains(tier) else { continue }
            let basisRows = rows.filter { program.rebate.basisCategories.contains($0.category) }
            let basis = try Money.sum(basisRows.map { Money(minorUnits: $0.amountMinor, currency: program.currency) }, currency: program.currency)
            let result = try RebateCalculator.compute(program: program, tier: tier, basis: basis)
            computed.append(
                ComputedRebate(
                    partnerID: resellerID, result: result,
                    explanation: result.explanation.lines + basisBreakdown(rows, program, evaluationDate)))
        }
        return computed
    }

    /// Explanation lines showing where the basis came from: by category (excluded ones named) and by source.
    private func basisBreakdown(_ rows: [QuarterTotal], _ program: Program, _ evaluationDate: BusinessDate) -> [String] {
        func money(_ minor: Int64) -> String { Money(minorUnits: minor, currency: program.currency).decimalString }
        var byCategory: [SalesCategory: Int64] = [:]
        var bySource: [String: Int64] = [:]
        for row in rows {
            byCategory[row.category, default: 0] += row.amountMinor
            if program.rebate.basisCategories.contains(row.category) { bySource[row.source, default: 0] += row.amountMinor }
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
        let sku: SKU
        let seats: Int64
        let closedOn: BusinessDate
        let selfFulfilled: Bool
    }

    private func closedReferrals(in quarter: Quarter) async throws -> [ClosedReferral] {
        try await sql.raw(
            "SELECT referral_id, partner_id, sku, seats, closed_on, self_fulfilled FROM closed_referrals WHERE quarter = \(bind: quarter.description)"
        ).all().map { row in
            ClosedReferral(
                referralID: try row.decode(column: "referral_id", as: String.self),
                partnerID: PartnerID(try row.decode(column: "partner_id", as: Int64.self)), sku: SKU(try row.decode(column: "sku", as: String.self)),
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
                throw StoreError.programConflict("referral \(referral.referralID): \(referral.sku.rawValue) has no price on \(referral.closedOn)")
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
