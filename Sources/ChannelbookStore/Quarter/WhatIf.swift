import ChannelbookCore

/// One partner's quarter under the program as closed and under a proposed one.
public struct WhatIfRow: Sendable, Equatable {
    public let partner: PartnerCode
    public let quarter: Quarter
    /// Rebates plus referral fees as the quarter was closed.
    public let current: Money
    /// The ledger's facts as they stand under the proposed program.
    public let proposed: Money
    /// `proposed − current`, checked when the row is made.
    public let delta: Money

    init(partner: PartnerCode, quarter: Quarter, current: Money, proposed: Money) throws {
        self.partner = partner
        self.quarter = quarter
        self.current = current
        self.proposed = proposed
        self.delta = try proposed.subtracting(current)
    }
}

/// A what-if run: per partner and quarter, per quarter, and in total.
public struct WhatIfResult: Sendable {
    public let rows: [WhatIfRow]
    public let quarters: [(quarter: Quarter, current: Money, proposed: Money)]
    public let current: Money
    public let proposed: Money
    public let delta: Money
}

/// Why a what-if run was refused.
public enum WhatIfError: Error, Equatable, Sendable, RefusalError {
    case emptyRange(first: Quarter, last: Quarter)
    case currency(proposed: Currency, stored: Currency, quarter: Quarter)

    public var description: String {
        switch self {
        case let .emptyRange(first, last): return "\(first)..\(last) is not a range of quarters: the first must not come after the last"
        case let .currency(proposed, stored, quarter):
            return "the proposed program is in \(proposed.code) but \(quarter) was closed in \(stored.code): a what-if compares one currency"
        }
    }
}

extension ChannelbookDatabase {
    /// Closed quarters recomputed under a proposed program by the quarter engine, in one read transaction that
    /// writes nothing: current (rebates + referral fees as closed) against proposed, per partner and quarter.
    /// Proposed runs on the ledger as it stands, so lines that arrived after a quarter's close count in it.
    public func whatIf(_ proposed: Program, from first: Quarter, through last: Quarter) async throws -> WhatIfResult {
        try await requireInitialised()
        guard first <= last else { throw WhatIfError.emptyRange(first: first, last: last) }
        return try await readTransaction {
            let directory = try await PartnerDirectory.load(from: self)
            let priceBook = try await PriceBook.load(from: self)
            var rows: [WhatIfRow] = []
            var quarters: [(Quarter, Money, Money)] = []
            var quarter = first
            while true {
                let currency = try await requireClosed(quarter)
                guard currency == proposed.currency else { throw WhatIfError.currency(proposed: proposed.currency, stored: currency, quarter: quarter) }
                let closed = try await closedEarnings(quarter, currency)
                let result = try QuarterEngine.compute(try await quarterFacts(quarter, directory, priceBook, currency: currency), program: proposed)
                var quarterRows: [WhatIfRow] = []
                for partner in Set(closed.keys).union(result.partners) {
                    let current = Money(minorUnits: closed[partner] ?? 0, currency: currency)
                    let next = Money(minorUnits: try result.earned(by: partner), currency: currency)
                    quarterRows.append(try WhatIfRow(partner: directory.byID[partner]!.code, quarter: quarter, current: current, proposed: next))
                }
                quarters.append(
                    (quarter, try Money.sum(quarterRows.map(\.current), currency: currency), try Money.sum(quarterRows.map(\.proposed), currency: currency)))
                rows += quarterRows
                if quarter == last { break }
                quarter = quarter.next
            }
            rows.sort { ($0.partner.rawValue, $0.quarter) < ($1.partner.rawValue, $1.quarter) }
            let current = try Money.sum(quarters.map(\.1), currency: proposed.currency)
            let total = try Money.sum(quarters.map(\.2), currency: proposed.currency)
            return WhatIfResult(rows: rows, quarters: quarters, current: current, proposed: total, delta: try total.subtracting(current))
        }
    }

    /// Rebates plus referral fees per partner as the quarter was closed (the close's stored rows).
    private func closedEarnings(_ quarter: Quarter, _ currency: Currency) async throws -> [PartnerID: Int64] {
        var earned: [PartnerID: Int64] = [:]
        for table in ["SELECT partner_id, rebate_minor FROM quarter_rebates WHERE quarter = $1", "SELECT partner_id, fee_minor FROM quarter_referral_fees WHERE quarter = $1"] {
            for row in try await plainRows(table, [.text(quarter.description)]) {
                let partner = PartnerID(try row.integer(0))
                earned[partner] = try MinorUnits.add(earned[partner] ?? 0, try row.integer(1), "partner \(partner.rawValue)'s closed earnings for \(quarter)")
            }
        }
        return earned
    }
}
