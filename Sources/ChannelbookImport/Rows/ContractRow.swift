import ChannelbookCore

/// A line of `contracts.csv`: `contract_id,customer,reseller,source,sku,seats,starts,ends` — maintenance contracts
/// sold before Channelbook, so their renewals reach the queues (PRODUCT.md section 6).
public struct ContractRow: Hashable, Sendable {
    public static let requiredColumns = ["contract_id", "customer", "reseller", "source", "sku", "seats", "starts", "ends"]

    public let line: Int
    /// The vendor's own id for the contract: letters, digits, `-`, `_`, `.` and `/` (never `:`, which the ids of
    /// contracts created by sales lines hold, so the two kinds never collide).
    public let contractID: String
    public let customer: String
    public let reseller: ResellerReference
    public let source: SalesSource
    public let sku: SKU
    public let seats: Int64
    public let starts: BusinessDate
    public let ends: BusinessDate

    /// What a line names (reseller, source, SKU) as far as it parsed: checked against the ledger even when another
    /// field is bad, so one pass reports every problem of the line.
    public struct References: Sendable {
        public var reseller: ResellerReference?
        public var source: SalesSource?
        public var sku: SKU?
        public init() {}
    }

    public static func parse(_ record: CSVRecord, header: CSVHeader, problems: inout ImportProblems, references: inout References) -> ContractRow? {
        let row = RowReader(header: header, record: record)
        guard row.checkFieldCount(&problems) else { return nil }
        let before = problems.count
        let contractID = row.code("contract_id", &problems)
        let customer = row.text("customer", &problems)
        let reseller = row.resellerReference("reseller", &problems)
        let source = row.code("source", &problems)
        let sku = row.code("sku", &problems)
        let seats = row.integer("seats", in: 1...LineLimits.maximumSeats, &problems)
        let starts = row.date("starts", &problems)
        let ends = row.date("ends", &problems)
        references.reseller = reseller
        references.source = source.map { SalesSource($0) }
        references.sku = sku.map { SKU($0) }
        if let starts, let ends, ends < starts { problems.add(line: record.line, field: "ends", "\(ends) is before the contract starts (\(starts))") }
        guard problems.count == before, let contractID, let customer, let reseller, let source, let sku, let seats, let starts, let ends else { return nil }
        return ContractRow(
            line: record.line, contractID: contractID, customer: customer, reseller: reseller, source: SalesSource(source), sku: SKU(sku), seats: seats,
            starts: starts, ends: ends)
    }
}
