import ChannelbookCore

/// A line of `referrals.csv` (closed referrals migrated from elsewhere): `referral_id,partner,customer,sku,seats,closed_on`.
public struct ClosedReferralRow: Hashable, Sendable {
    public static let requiredColumns = ["referral_id", "partner", "customer", "sku", "seats", "closed_on"]

    public let line: Int
    public let referralID: String
    public let partner: PartnerCode
    public let customer: String
    public let sku: SKU
    public let seats: Int64
    public let closedOn: BusinessDate

    public static func parse(_ record: CSVRecord, header: CSVHeader, problems: inout ImportProblems) -> ClosedReferralRow? {
        let row = RowReader(header: header, record: record)
        guard row.checkFieldCount(&problems) else { return nil }
        let before = problems.count
        let referralID = row.code("referral_id", &problems)
        let partner = row.code("partner", &problems)
        let customer = row.text("customer", &problems)
        let sku = row.code("sku", &problems)
        let seats = row.integer("seats", in: 1...LineLimits.maximumSeats, &problems)
        let closedOn = row.date("closed_on", &problems)
        guard problems.count == before, let referralID, let partner, let customer, let sku, let seats, let closedOn else { return nil }
        return ClosedReferralRow(
            line: record.line, referralID: referralID, partner: PartnerCode(partner), customer: customer, sku: SKU(sku), seats: seats,
            closedOn: closedOn)
    }
}
