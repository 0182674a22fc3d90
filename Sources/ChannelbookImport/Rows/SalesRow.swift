import ChannelbookCore

/// How a sale reached the reseller: direct from the vendor, or through a distributor.
public enum SalesSource: Hashable, Sendable, CustomStringConvertible {
    case direct
    case distributor(PartnerCode)

    /// `DIRECT` in files, or the distributor's code.
    public init(_ text: String) { self = text == "DIRECT" ? .direct : .distributor(PartnerCode(text)) }

    public var description: String {
        switch self {
        case .direct: return "DIRECT"
        case .distributor(let code): return code.rawValue
        }
    }
}

/// How a sales line names its reseller: by partner code, by ABN (distributors often know only the ABN), or by a name
/// as the distributor writes it. A code or ABN no partner holds is looked up as a name too (PRODUCT.md section 3).
public enum ResellerReference: Hashable, Sendable, CustomStringConvertible {
    case code(PartnerCode)
    case abn(ABN)
    case name(String)

    public var description: String {
        switch self {
        case .code(let code): return code.rawValue
        case .abn(let abn): return abn.digits
        case .name(let name): return name
        }
    }
}

/// A line of `sales.csv`: `line_id,date,source,reseller,customer,sku,category,seats,amount,currency`.
public struct SalesRow: Hashable, Sendable {
    public static let requiredColumns = ["line_id", "date", "source", "reseller", "customer", "sku", "category", "seats", "amount", "currency"]
    /// The longest line id a sales file may carry.
    public static let lineIDLimit = 100

    public let line: Int
    public let lineID: SalesLineID
    public let date: BusinessDate
    /// The date exactly as the file wrote it, which validation guarantees is `YYYY-MM-DD`.
    public let dateText: String
    public let source: SalesSource
    public let reseller: ResellerReference
    public let customer: String
    public let sku: SKU
    public let category: SalesCategory
    /// Negative for a return, 0 for a price adjustment.
    public let seats: Int64
    /// Negative for credits: a return (negative seats), a price adjustment (0 seats) or a credit note.
    public let amount: Money

    /// The fields of a line that name something stored (a partner, a SKU), as far as they parsed: checked against
    /// the ledger even when another field of the line is bad, so one pass reports every problem of the line.
    public struct References: Sendable {
        public var date: BusinessDate?
        public var source: SalesSource?
        public var reseller: ResellerReference?
        public var sku: SKU?
        public var category: SalesCategory?

        public init(date: BusinessDate? = nil, source: SalesSource? = nil, reseller: ResellerReference? = nil, sku: SKU? = nil, category: SalesCategory? = nil) {
            self.date = date
            self.source = source
            self.reseller = reseller
            self.sku = sku
            self.category = category
        }
    }

    /// What the line names, for checking against the ledger.
    public var references: References { References(date: date, source: source, reseller: reseller, sku: sku, category: category) }

    public static func parse(_ record: CSVRecord, header: CSVHeader, currency: Currency, problems: inout ImportProblems) -> SalesRow? {
        var references = References()
        return parse(record, header: header, currency: currency, problems: &problems, references: &references)
    }

    /// Parses the line; `references` receives the fields that name stored things, whatever else is wrong.
    public static func parse(
        _ record: CSVRecord, header: CSVHeader, currency: Currency, problems: inout ImportProblems, references: inout References
    ) -> SalesRow? {
        let row = RowReader(header: header, record: record)
        guard row.checkFieldCount(&problems) else { return nil }
        let before = problems.count
        let lineID = row.text("line_id", maximumLength: Self.lineIDLimit, &problems)
        let dateText = header.value("date", in: record) ?? ""
        let date = row.date("date", &problems)
        let source = row.code("source", &problems)
        let reseller = row.resellerReference("reseller", &problems)
        let customer = row.text("customer", &problems)
        let sku = row.code("sku", &problems)
        let category = row.choice("category", SalesCategory.self, &problems)
        let seats = row.integer("seats", in: -LineLimits.maximumSeats...LineLimits.maximumSeats, &problems)
        let currencyText = row.text("currency", &problems)
        if let currencyText, currencyText != currency.code {
            problems.add(line: record.line, field: "currency", "'\(currencyText)' is not the program's currency (\(currency.code))")
        }
        let amount = row.money("amount", currency: currency, &problems)
        if let seats, let amount, let problem = LineLimits.seatsProblem(seats: seats, amountMinorUnits: amount.minorUnits) {
            problems.add(line: record.line, field: "seats", problem)
        }
        references = References(date: date, source: source.map { SalesSource($0) }, reseller: reseller, sku: sku.map { SKU($0) }, category: category)
        guard problems.count == before, let lineID, let date, let source, let reseller, let customer, let sku, let category, let seats, let amount
        else { return nil }
        return SalesRow(
            line: record.line, lineID: SalesLineID(lineID), date: date, dateText: dateText, source: SalesSource(source), reseller: reseller, customer: customer,
            sku: SKU(sku), category: category, seats: seats, amount: amount)
    }
}
