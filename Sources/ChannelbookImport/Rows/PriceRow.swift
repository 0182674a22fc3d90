import ChannelbookCore

/// A line of `pricebook.csv`: `sku,name,category,partner_buy_price,effective_from[,maintenance_months]`.
public struct PriceRow: Hashable, Sendable {
    public static let requiredColumns = ["sku", "name", "category", "partner_buy_price", "effective_from"]
    public static let optionalColumns = ["maintenance_months"]

    public let line: Int
    public let sku: SKU
    public let name: String
    public let category: SalesCategory
    /// The recommended per-seat partner buy price from `effectiveFrom` on.
    public let partnerBuyPrice: Money
    public let effectiveFrom: BusinessDate
    /// The maintenance term a sale of this SKU carries, in months; `nil` when it carries none.
    public let maintenanceMonths: Int?

    public static func parse(_ record: CSVRecord, header: CSVHeader, currency: Currency, problems: inout ImportProblems) -> PriceRow? {
        let row = RowReader(header: header, record: record)
        guard row.checkFieldCount(&problems) else { return nil }
        let before = problems.count
        let sku = row.code("sku", &problems)
        let name = row.text("name", &problems)
        let category = row.choice("category", SalesCategory.self, &problems)
        let price = row.money("partner_buy_price", currency: currency, &problems)
        if let price, price.isNegative { problems.add(line: record.line, field: "partner_buy_price", "must not be negative") }
        let effectiveFrom = row.date("effective_from", &problems)
        let months = header.has("maintenance_months") ? row.integer("maintenance_months", in: 1...120, required: false, &problems) : nil
        guard problems.count == before, let sku, let name, let category, let price, let effectiveFrom else { return nil }
        return PriceRow(
            line: record.line, sku: SKU(sku), name: name, category: category, partnerBuyPrice: price, effectiveFrom: effectiveFrom,
            maintenanceMonths: months.map(Int.init))
    }
}
