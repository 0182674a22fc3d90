import ChannelbookCore
import ChannelbookImport
import Foundation
import SQLKit

public enum RouteExceptionReassignError: RefusalError, Equatable {
    case sameReseller(PartnerCode)
    case notAReseller(String)
    case maintainedSKU(lineID: String, sku: String)
    case priceAdjustment(lineID: String)
    case lineIDTooLong(lineID: String)
    /// The correcting lines did not land as meant (a code read as an ABN, a line id taken): nothing was changed.
    case notMoved(lineID: String, why: String)

    public var description: String {
        switch self {
        case let .sameReseller(code): return "the line already names \(code.rawValue): choose the reseller it belongs to"
        case let .notAReseller(code): return "\(code) is not a reseller's code"
        case let .maintainedSKU(lineID, sku):
            return "line \(lineID) is maintenance (\(sku)): its contract follows the distributor's report, so ask the distributor to correct and resend it"
        case let .priceAdjustment(lineID):
            return "line \(lineID) is a price adjustment (0 seats), which no correcting line can reverse: ask the distributor to correct and resend its report"
        case let .lineIDTooLong(lineID): return "line \(lineID) has an id too long to name its correcting lines"
        case let .notMoved(lineID, why): return "line \(lineID) could not be reassigned: \(why); nothing was changed"
        }
    }
}

extension ChannelbookDatabase {
    /// The longest note a reassignment takes: its review reads `reassigned to CODE: note` within the 500 a review holds.
    public static let reassignNoteLimit = 400

    /// The vendor reassigns a route exception's line to the reseller it belongs to. The line itself is never changed:
    /// two correcting lines of the same source are imported beside it — `LINE~out` reverses it on the reseller it
    /// named, `LINE~in` repeats it on `reseller` — through the sales import (every check, the totals, routes, late lines
    /// for an approved quarter), with the reviews of the line and of `LINE~out`, in one transaction, audited like any
    /// import and announced (`import.completed`). `LINE~in` is judged like any line: if its route is an exception too,
    /// it waits for review. Refused for what `RouteExceptionListing.reassignRefusal` names.
    @discardableResult
    public func reassignRouteException(source: String, lineID: String, to reseller: PartnerCode, note: String, actor: String) async throws -> ImportSummary {
        try await requireInitialised()
        guard !note.allSatisfy(\.isWhitespace) else { throw RouteExceptionReviewError.missingNote }
        try TextRules.require("note", note, maximumLength: Self.reassignNoteLimit)
        try TextRules.require("source", source, maximumLength: 64)
        try TextRules.require("lineId", lineID, maximumLength: 200)
        try TextRules.require("reseller", reseller.rawValue, maximumLength: 64)
        let (moveOut, moveIn) = ("\(lineID)~out", "\(lineID)~in")
        guard moveOut.unicodeScalars.count <= SalesRow.lineIDLimit else { throw RouteExceptionReassignError.lineIDTooLong(lineID: lineID) }
        return try await transaction(locking: [.ledger, .renewals]) {
            let open = try await openRouteException(source: source, lineID: lineID)
            guard let line = try await routeException(Quarter.parse(open.text(0)), source: source, lineID: lineID) else {
                throw RouteExceptionReviewError.notAnException(source: source, lineID: lineID)
            }
            if let refusal = line.reassignRefusal { throw refusal }
            guard line.reseller != reseller else { throw RouteExceptionReassignError.sameReseller(reseller) }
            let directory = try await PartnerDirectory.load(from: self)
            guard let target = directory.byCode[reseller], target.kind == .reseller, let named = directory.byCode[line.reseller] else {
                throw RouteExceptionReassignError.notAReseller(reseller.rawValue)
            }
            let reversal = try Self.reversal(of: line)
            func row(_ id: String, _ code: PartnerCode, seats: Int64, _ amount: Money) -> String {
                CSVText.exactLine([id, line.date.description, source, code.rawValue, line.customer, line.sku, line.category.rawValue, String(seats),
                                   amount.decimalString, amount.currency.code])
            }
            let file = SalesRow.requiredColumns.joined(separator: ",") + "\n" + row(moveOut, line.reseller, seats: reversal.seats, reversal.amount) + "\n"
                + row(moveIn, reseller, seats: line.seats, line.amount) + "\n"
            let name = "reassignment of line \(lineID) of \(source)"
            let summary = try await Self.withPrivateFile(file) { path in try await SalesImporter(database: self, actor: actor).run(path: path, name: name) }
            // Each correcting line must be stored new, on the reseller meant (a code that reads as an ABN could resolve
            // elsewhere): otherwise the transaction is undone.
            let stored = try await plainRows(
                "SELECT line_id, reseller_id FROM sales_lines WHERE source = $1 AND line_id IN ($2, $3)", [.text(source), .text(moveOut), .text(moveIn)])
            let landed = Dictionary(uniqueKeysWithValues: try stored.map { (try $0.text(0), PartnerID(try $0.integer(1))) })
            guard summary.new == 2, landed[moveOut] == named.id, landed[moveIn] == target.id else {
                throw RouteExceptionReassignError.notMoved(lineID: lineID, why: "its correcting lines \(moveOut) and \(moveIn) were not both stored as new on \(line.reseller.rawValue) and \(reseller.rawValue)")
            }
            try await recordRouteExceptionReview(source: source, lineID: lineID, note: "reassigned to \(reseller.rawValue): \(note)", actor: actor)
            // `~out` repeats the line's route, so it is an exception too: reviewed with it.
            if try await routeException(Quarter(containing: line.date), source: source, lineID: moveOut) != nil {
                try await recordRouteExceptionReview(source: source, lineID: moveOut, note: "reverses line \(lineID), reassigned to \(reseller.rawValue)", actor: actor)
            }
            try await recordImported(.sales, name: name, summary, actor: actor)
            try await audit(
                actor: actor, action: "reassign route exception", partner: target.id, subject: "line \(lineID) of \(source)",
                before: "\(line.reseller.rawValue), \(line.amount.displayString)", after: "\(reseller.rawValue): \(note)")
            return summary
        }
    }

    /// The line that undoes `line` on its reseller: the same seats returned and the amount credited (a return); where a
    /// sales file may not carry that (`LineLimits.seatsProblem`: a credit note naming seats, a free line), the seats
    /// kept and the amount turned round.
    static func reversal(of line: RouteExceptionListing) throws -> (seats: Int64, amount: Money) {
        let amount = try line.amount.negated()
        if LineLimits.seatsProblem(seats: -line.seats, amountMinorUnits: amount.minorUnits) == nil { return (-line.seats, amount) }
        guard LineLimits.seatsProblem(seats: line.seats, amountMinorUnits: amount.minorUnits) == nil else {
            throw RouteExceptionReassignError.priceAdjustment(lineID: line.lineID)
        }
        return (line.seats, amount)
    }

    /// Runs `body` on a file holding `text`, readable by this user alone, removed afterwards whatever happens.
    static func withPrivateFile<T>(_ text: String, _ body: (String) async throws -> T) async throws -> T {
        let path = FileManager.default.temporaryDirectory.appendingPathComponent("channelbook-\(UUID().uuidString).csv").path
        guard FileManager.default.createFile(atPath: path, contents: Data(text.utf8), attributes: [.posixPermissions: 0o600]) else {
            throw CocoaError(.fileWriteUnknown, userInfo: [NSFilePathErrorKey: path])
        }
        defer { try? FileManager.default.removeItem(atPath: path) }
        return try await body(path)
    }
}
