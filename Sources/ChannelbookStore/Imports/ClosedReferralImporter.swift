import ChannelbookCore
import ChannelbookImport
import SQLKit

/// Imports `referrals.csv`: referrals closed elsewhere, migrated so their fees are computed at close.
/// A referral is identified by its `referral_id`; the same row again is present, other content a conflict.
struct ClosedReferralImporter {
    let database: ChannelbookDatabase
    /// Closed referrals dated after this day are refused, as a win recorded in Channelbook is (`wonInFuture`).
    var today: BusinessDate? = nil

    static let maximumRows = 1_000_000

    func run(path: String, name: String) async throws -> ImportSummary {
        let directory = try await PartnerDirectory.load(from: database)
        let priceBook = try await PriceBook.load(from: database)
        var seen: [String: Int] = [:]
        var newRows: [ClosedReferralRow] = []
        var limit = RowLimit(maximum: Self.maximumRows, noun: "referrals")
        let problems = try await ImportFile.read(path: path, name: name, required: ClosedReferralRow.requiredColumns) { record, header, problems in
            guard limit.admit(record, &problems) else { return }
            guard let row = ClosedReferralRow.parse(record, header: header, problems: &problems) else { return }
            if row.referralID.hasPrefix(ReferralID.referencePrefix) {
                problems.add(
                    line: row.line, field: "referral_id",
                    "'\(row.referralID)': ids starting \(ReferralID.referencePrefix) are reserved for referrals registered in Channelbook")
                return
            }
            if let earlier = seen[row.referralID] {
                problems.add(line: row.line, field: "referral_id", "'\(row.referralID)' is already on line \(earlier)")
                return
            }
            seen[row.referralID] = row.line
            if let today, row.closedOn > today {
                problems.add(line: row.line, field: "closed_on", "\(row.closedOn) has not come yet (today is \(today)): a referral is not won in the future")
            }
            let partner = directory.byCode[row.partner]
            if partner == nil { problems.add(line: row.line, field: "partner", "no partner has the code '\(row.partner.rawValue)'") }
            if !priceBook.knows(row.sku) {
                problems.add(line: row.line, field: "sku", "'\(row.sku.rawValue)' is not in the price book")
            } else if priceBook.entry(for: row.sku, on: row.closedOn) == nil {
                problems.add(line: row.line, field: "closed_on", "\(row.sku.rawValue) has no price on \(row.closedOn), so no fee can be computed")
            }
            guard let partner else { return }
            if let stored = try await stored(row.referralID) {
                if stored != Stored(partnerID: partner.id.rawValue, customer: row.customer, sku: row.sku.rawValue, seats: row.seats, closedOn: row.closedOn.description) {
                    problems.add(line: row.line, field: "referral_id", "'\(row.referralID)' is already recorded with other content")
                }
                return
            }
            newRows.append(row)
        }
        guard problems.isEmpty else { throw problems }
        let importID = try await database.startImport(.referrals, name: name)
        for row in newRows {
            try await database.sql.raw(
                """
                INSERT INTO closed_referrals (referral_id, partner_id, customer, sku, seats, closed_on, quarter, self_fulfilled, import_id)
                VALUES (\(bind: row.referralID), \(bind: directory.byCode[row.partner]!.id.rawValue), \(bind: row.customer), \(bind: row.sku.rawValue),
                        \(bind: row.seats), \(bind: row.closedOn.description), \(bind: Quarter(containing: row.closedOn).description), 0, \(bind: importID))
                """
            ).run()
        }
        let summary = ImportSummary(kind: .referrals, lines: limit.rows, new: newRows.count, present: limit.rows - newRows.count)
        try await database.finishImport(importID, summary)
        return summary
    }

    private struct Stored: Equatable {
        let partnerID: Int64, customer: String, sku: String, seats: Int64, closedOn: String
    }

    private func stored(_ referralID: String) async throws -> Stored? {
        guard let row = try await database.sql.raw(
            "SELECT partner_id, customer, sku, seats, closed_on FROM closed_referrals WHERE referral_id = \(bind: referralID)"
        ).first() else { return nil }
        return Stored(
            partnerID: try row.decode(column: "partner_id", as: Int64.self), customer: try row.decode(column: "customer", as: String.self),
            sku: try row.decode(column: "sku", as: String.self), seats: try row.decode(column: "seats", as: Int64.self),
            closedOn: try row.decode(column: "closed_on", as: String.self))
    }
}
