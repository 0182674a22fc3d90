import ChannelbookCore
import ChannelbookImport
import Foundation
import SQLKit

public enum RouteExceptionReassignError: RefusalError, Equatable {
    case sameReseller(PartnerCode)
    case notAReseller(String)
    case renewalLine(lineID: String)
    case lineIDTooLong(lineID: String)

    public var description: String {
        switch self {
        case let .sameReseller(code): return "the line already names \(code.rawValue): choose the reseller it belongs to"
        case let .notAReseller(code): return "\(code) is not a reseller's code"
        case let .renewalLine(lineID):
            return "line \(lineID) is a maintenance renewal: its contract follows the distributor's report, so ask the distributor to correct and resend it"
        case let .lineIDTooLong(lineID): return "line \(lineID) has an id too long to name its correcting lines"
        }
    }
}

extension ChannelbookDatabase {
    /// The vendor reassigns a route exception's line to the reseller it belongs to. The line itself is never changed:
    /// two correcting lines of the same source are imported beside it — `LINE~out` takes its amount off the reseller it
    /// named, `LINE~in` puts it on `reseller` — through the sales import (every check, the totals, routes, late lines
    /// for an approved quarter), together with the review of the line and of `LINE~out`, in one transaction, audited.
    /// `LINE~in` is judged like any line: if its route is an exception too, it waits for review.
    @discardableResult
    public func reassignRouteException(source: String, lineID: String, to reseller: PartnerCode, note: String, actor: String) async throws -> ImportSummary {
        try await requireInitialised()
        guard !note.allSatisfy(\.isWhitespace) else { throw RouteExceptionReviewError.missingNote }
        try TextRules.require("note", note, maximumLength: 500)
        try TextRules.require("source", source, maximumLength: 64)
        try TextRules.require("lineId", lineID, maximumLength: 200)
        try TextRules.require("reseller", reseller.rawValue, maximumLength: 64)
        let (moveOut, moveIn) = ("\(lineID)~out", "\(lineID)~in")
        guard moveOut.count <= 200 else { throw RouteExceptionReassignError.lineIDTooLong(lineID: lineID) }
        return try await transaction(locking: [.ledger, .renewals]) {
            guard let line = try await plainRows(
                """
                SELECT s.sale_date, p.code, s.customer, s.sku, s.category, s.seats, s.amount_minor FROM sales_lines s JOIN partners p ON p.id = s.reseller_id
                WHERE s.source = $1 AND s.line_id = $2 AND s.route_exception IS NOT NULL
                """, [.text(source), .text(lineID)]
            ).first else { throw RouteExceptionReviewError.notAnException(source: source, lineID: lineID) }
            if let by = try await plainRows("SELECT reviewed_by FROM route_exception_reviews WHERE source = $1 AND line_id = $2", [.text(source), .text(lineID)]).first {
                throw RouteExceptionReviewError.alreadyReviewed(source: source, lineID: lineID, by: try by.text(0))
            }
            let named = PartnerCode(rawValue: try line.text(1))
            guard named != reseller else { throw RouteExceptionReassignError.sameReseller(reseller) }
            let directory = try await PartnerDirectory.load(from: self)
            guard let target = directory.byCode[reseller], target.kind == .reseller else { throw RouteExceptionReassignError.notAReseller(reseller.rawValue) }
            guard try line.text(4) != SalesCategory.renewal.rawValue else { throw RouteExceptionReassignError.renewalLine(lineID: lineID) }
            let currency = try await latestProgram().program.currency
            let amount = Money(minorUnits: try line.integer(6), currency: currency)
            func row(_ id: String, _ code: PartnerCode, _ money: Money) throws -> String {
                CSVText.line([id, try line.text(0), source, code.rawValue, try line.text(2), try line.text(3), try line.text(4), String(try line.integer(5)), money.decimalString, currency.code])
            }
            let file = SalesRow.requiredColumns.joined(separator: ",") + "\n" + (try row(moveOut, named, try amount.negated())) + "\n" + (try row(moveIn, reseller, amount)) + "\n"
            // The correcting lines go through the import as a file of their own, removed once read.
            let path = FileManager.default.temporaryDirectory.appendingPathComponent("channelbook-reassign-\(UUID().uuidString).csv").path
            try file.write(toFile: path, atomically: true, encoding: .utf8)
            defer { try? FileManager.default.removeItem(atPath: path) }
            let name = "reassignment of line \(lineID) of \(source)"
            let summary = try await SalesImporter(database: self, actor: actor).run(path: path, name: name)
            guard summary.new == 2 else { throw RouteExceptionReviewError.alreadyReviewed(source: source, lineID: lineID, by: "an earlier reassignment") }
            let now = Self.nowMicroseconds()
            for (id, text) in [(lineID, "reassigned to \(reseller.rawValue): \(note)"), (moveOut, "reverses line \(lineID), reassigned to \(reseller.rawValue)")] {
                // A review exists only for a line flagged as an exception; `~out` is, as it repeats the line's route.
                try await sql.raw(
                    """
                    INSERT INTO route_exception_reviews (source, line_id, note, reviewed_by, reviewed_at_us)
                    SELECT \(bind: source), \(bind: id), \(bind: String(text.prefix(500))), \(bind: actor), \(bind: now)
                    WHERE EXISTS (SELECT 1 FROM sales_lines WHERE source = \(bind: source) AND line_id = \(bind: id) AND route_exception IS NOT NULL)
                    """
                ).run()
            }
            try await noteLedgerChange()
            try await audit(actor: actor, action: "import sales", subject: name, after: summary.description)
            try await audit(
                actor: actor, action: "reassign route exception", partner: target.id, subject: "line \(lineID) of \(source)",
                before: "\(named.rawValue), \(amount.displayString)", after: "\(reseller.rawValue): \(note)")
            return summary
        }
    }
}
