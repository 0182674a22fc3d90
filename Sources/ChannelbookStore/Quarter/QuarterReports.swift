import ChannelbookCore
import SQLKit

/// A row of `channelbook rebates QUARTER`.
public struct RebateReportRow: Sendable, Equatable {
    public let partner: PartnerCode
    public let quarter: Quarter
    public let tier: ResellerTier
    public let basis: Money
    public let rate: BasisPoints
    public let rebate: Money
    public let explanation: [String]
}

/// A row of `channelbook referral-fees QUARTER`.
public struct ReferralFeeReportRow: Sendable, Equatable {
    public let referralID: String
    public let partner: PartnerCode
    public let seats: Int64
    /// The recommended partner buy price of the deal: per-seat price on the close date × seats.
    public let price: Money
    public let rate: BasisPoints
    public let fee: Money
    public let explanation: [String]
}

/// A row of `channelbook exceptions QUARTER`: a sale whose source does not match its reseller's route.
public struct RouteExceptionRow: Sendable, Equatable {
    public let reseller: PartnerCode
    public let date: BusinessDate
    public let source: String
    public let lineID: String
    public let amount: Money
    public let reason: RouteException

    /// From a row of `code, sale_date, source, line_id, amount_minor, route_exception`.
    init(_ row: any SQLRow, currency: Currency) throws {
        reseller = PartnerCode(try row.decode(column: "code", as: String.self))
        date = try BusinessDate.parse(row.decode(column: "sale_date", as: String.self))
        source = try row.decode(column: "source", as: String.self)
        lineID = try row.decode(column: "line_id", as: String.self)
        amount = Money(minorUnits: try row.decode(column: "amount_minor", as: Int64.self), currency: currency)
        reason = try row.stored(RouteException.self, column: "route_exception")
    }
}

extension ChannelbookDatabase {
    /// The quarter's stored rebates, sorted by partner code; the quarter must have been closed. For a partner
    /// whose statement for the quarter is approved or paid, the rebate as approved (a re-close does not change it).
    public func rebates(for quarter: Quarter) async throws -> [RebateReportRow] {
        let currency = try await requireClosed(quarter)
        return try await sql.raw(
            """
            SELECT p.code, r.tier, r.basis_minor, r.rate_bps, r.rebate_minor, r.explanation
            FROM quarter_rebates r JOIN partners p ON p.id = r.partner_id WHERE r.quarter = \(bind: quarter.description) ORDER BY p.code
            """
        ).all().map { row in
            RebateReportRow(
                partner: PartnerCode(try row.decode(column: "code", as: String.self)), quarter: quarter,
                tier: try row.stored(ResellerTier.self, column: "tier"),
                basis: Money(minorUnits: try row.decode(column: "basis_minor", as: Int64.self), currency: currency),
                rate: BasisPoints(try row.decode(column: "rate_bps", as: Int.self)),
                rebate: Money(minorUnits: try row.decode(column: "rebate_minor", as: Int64.self), currency: currency),
                explanation: try row.decode(column: "explanation", as: String.self).split(separator: "\n").map(String.init))
        }
    }

    /// Adjustments of the quarter waiting on draft statements: recomputed − approved, not yet approved themselves.
    public func pendingAdjustments(of quarter: Quarter) async throws -> [(partner: PartnerCode, amount: Money, statementReference: String)] {
        let currency = try await requireClosed(quarter)
        return try await plainRows(
            """
            SELECT p.code, l.amount_minor, s.reference FROM statement_lines l JOIN statements s ON s.id = l.statement_id
            JOIN partners p ON p.id = s.partner_id
            WHERE l.kind = 'adjustment' AND l.for_quarter = $1 AND s.status = 'draft' ORDER BY p.code
            """, [.text(quarter.description)]
        ).map { (partner: PartnerCode(rawValue: try $0.text(0)), amount: Money(minorUnits: try $0.integer(1), currency: currency), statementReference: try $0.text(2)) }
    }

    /// The quarter's stored referral fees, sorted by partner code then referral id.
    public func referralFees(for quarter: Quarter) async throws -> [ReferralFeeReportRow] {
        let currency = try await requireClosed(quarter)
        return try await sql.raw(
            """
            SELECT f.referral_id, p.code, f.seats, f.price_minor, f.rate_bps, f.fee_minor, f.explanation
            FROM quarter_referral_fees f JOIN partners p ON p.id = f.partner_id WHERE f.quarter = \(bind: quarter.description)
            ORDER BY p.code, f.referral_id
            """
        ).all().map { row in
            ReferralFeeReportRow(
                referralID: try row.decode(column: "referral_id", as: String.self), partner: PartnerCode(try row.decode(column: "code", as: String.self)),
                seats: try row.decode(column: "seats", as: Int64.self),
                price: Money(minorUnits: try row.decode(column: "price_minor", as: Int64.self), currency: currency),
                rate: BasisPoints(try row.decode(column: "rate_bps", as: Int.self)),
                fee: Money(minorUnits: try row.decode(column: "fee_minor", as: Int64.self), currency: currency),
                explanation: try row.decode(column: "explanation", as: String.self).split(separator: "\n").map(String.init))
        }
    }

    /// Sales lines dated in the quarter whose source does not match the reseller's route, by reseller and date.
    public func routeExceptions(in quarter: Quarter) async throws -> [RouteExceptionRow] {
        try await requireInitialised()
        let currency = try await program(on: quarter.lastDay).program.currency
        return try await sql.raw(
            """
            SELECT p.code, s.sale_date, s.source, s.line_id, s.amount_minor, s.route_exception
            FROM sales_lines s JOIN partners p ON p.id = s.reseller_id
            WHERE s.quarter = \(bind: quarter.description) AND s.route_exception IS NOT NULL
            ORDER BY p.code, s.sale_date, s.source, s.line_id
            """
        ).all().map { try RouteExceptionRow($0, currency: currency) }
    }

    /// The currency the quarter was closed in; throws when it has not been closed.
    func requireClosed(_ quarter: Quarter) async throws -> Currency {
        try await requireInitialised()
        guard let row = try await sql.raw(
            """
            SELECT v.currency FROM quarter_closes c JOIN program_versions v ON v.id = c.program_version_id WHERE c.quarter = \(bind: quarter.description)
            """
        ).first() else { throw StoreError.quarterNotClosed(quarter) }
        return Currency(code: try row.decode(column: "currency", as: String.self))!
    }
}
