import ChannelbookCore
import ChannelbookImport
import SQLKit

/// Imports `pricebook.csv`: effective-dated per-seat partner buy prices. An entry is identified by
/// `(sku, effective_from)`; the same entry again is already present, different content is a conflict.
struct PriceBookImporter {
    let database: ChannelbookDatabase

    static let maximumRows = 1_000_000

    func run(path: String, name: String) async throws -> ImportSummary {
        let currency = try await database.latestProgram().program.currency
        let book = try await PriceBook.load(from: database)
        var seen: [String: Int] = [:]
        var categoryInFile: [SKU: (category: SalesCategory, line: Int)] = [:]
        var newRows: [PriceRow] = []
        var limit = RowLimit(maximum: Self.maximumRows, noun: "prices")
        let problems = try await ImportFile.read(path: path, name: name, required: PriceRow.requiredColumns, optional: PriceRow.optionalColumns) {
            record, header, problems in
            guard limit.admit(record, &problems) else { return }
            guard let row = PriceRow.parse(record, header: header, currency: currency, problems: &problems) else { return }
            let key = "\(row.sku.rawValue)@\(row.effectiveFrom)"
            if let earlier = seen[key] {
                problems.add(line: row.line, field: "effective_from", "\(row.sku.rawValue) from \(row.effectiveFrom) is already on line \(earlier)")
                return
            }
            seen[key] = row.line
            let storedCategory = book.entries[row.sku]?.first?.category
            if let stored = storedCategory, stored != row.category {
                problems.add(line: row.line, field: "category", "\(row.sku.rawValue) is stored as \(stored.rawValue), not \(row.category.rawValue)")
            } else if let inFile = categoryInFile[row.sku], inFile.category != row.category {
                problems.add(line: row.line, field: "category", "\(row.sku.rawValue) is \(inFile.category.rawValue) on line \(inFile.line)")
            }
            categoryInFile[row.sku] = categoryInFile[row.sku] ?? (row.category, row.line)
            if let stored = book.entries[row.sku]?.first(where: { $0.effectiveFrom == row.effectiveFrom }) {
                if let difference = difference(stored, row) {
                    problems.add(
                        line: row.line, field: difference,
                        "\(row.sku.rawValue) from \(row.effectiveFrom) is already in the price book with another \(difference); add a new effective_from instead of changing a price")
                }
                return
            }
            newRows.append(row)
        }
        guard problems.isEmpty else { throw problems }
        let importID = try await database.startImport(.pricebook, name: name)
        for row in newRows {
            try await database.sql.raw(
                """
                INSERT INTO price_book (sku, effective_from, name, category, partner_buy_price_minor, maintenance_months)
                VALUES (\(bind: row.sku.rawValue), \(bind: row.effectiveFrom.description), \(bind: row.name), \(bind: row.category.rawValue),
                        \(bind: row.partnerBuyPrice.minorUnits), \(bind: row.maintenanceMonths))
                """
            ).run()
        }
        let summary = ImportSummary(kind: .pricebook, lines: limit.rows, new: newRows.count, present: limit.rows - newRows.count)
        try await database.finishImport(importID, summary)
        return summary
    }

    /// The first field in which a stored entry and a row differ, or `nil` when they are the same.
    private func difference(_ stored: PriceEntry, _ row: PriceRow) -> String? {
        if stored.partnerBuyPriceMinor != row.partnerBuyPrice.minorUnits { return "partner_buy_price" }
        if stored.name != row.name { return "name" }
        if stored.category != row.category { return "category" }
        if stored.maintenanceMonths != row.maintenanceMonths { return "maintenance_months" }
        return nil
    }
}
