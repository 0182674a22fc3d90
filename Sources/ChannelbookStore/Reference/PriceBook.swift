import ChannelbookCore
import SQLKit

/// One price-book entry: a SKU's per-seat recommended partner buy price from a date on.
public struct PriceEntry: Hashable, Sendable {
    public let sku: SKU
    public let effectiveFrom: BusinessDate
    public let name: String
    public let category: SalesCategory
    public let partnerBuyPriceMinor: Int64
    public let maintenanceMonths: Int?
}

/// The effective-dated price book, held in memory (a vendor has hundreds of SKUs).
public struct PriceBook: Sendable {
    /// Entries per SKU, oldest first.
    public private(set) var entries: [SKU: [PriceEntry]] = [:]

    public static func load(from database: ChannelbookDatabase) async throws -> PriceBook {
        var book = PriceBook()
        let rows = try await database.sql.raw(
            "SELECT sku, effective_from, name, category, partner_buy_price_minor, maintenance_months FROM price_book ORDER BY sku, effective_from"
        ).all()
        for row in rows {
            let entry = PriceEntry(
                sku: SKU(try row.decode(column: "sku", as: String.self)),
                effectiveFrom: try BusinessDate.parse(row.decode(column: "effective_from", as: String.self)),
                name: try row.decode(column: "name", as: String.self),
                category: try row.stored(SalesCategory.self, column: "category"),
                partnerBuyPriceMinor: try row.decode(column: "partner_buy_price_minor", as: Int64.self),
                maintenanceMonths: try row.decode(column: "maintenance_months", as: Int?.self))
            book.entries[entry.sku, default: []].append(entry)
        }
        return book
    }

    public func knows(_ sku: SKU) -> Bool { entries[sku] != nil }

    /// The entry in force on `date`, or `nil` when the SKU had no price yet.
    public func entry(for sku: SKU, on date: BusinessDate) -> PriceEntry? {
        entries[sku]?.last { $0.effectiveFrom <= date }
    }

    /// The entry that decides a line's category and maintenance term: the one in force on its date, or the SKU's
    /// first entry for a line dated before the SKU entered the price book.
    public func governingEntry(for sku: SKU, on date: BusinessDate?) -> PriceEntry? {
        date.flatMap { entry(for: sku, on: $0) } ?? entries[sku]?.first
    }
}
