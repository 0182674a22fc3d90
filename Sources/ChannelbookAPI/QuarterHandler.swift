import ChannelbookCore
import ChannelbookStore
import Foundation
import OpenAPIRuntime

/// The quarter's end over the API: close, approve, the payouts file, paid. The same store actions and permissions as
/// the commands and pages (`Permission.closeQuarter`, `.approveStatements`); the store's refusals are 400s in its words.
extension APIHandler {
    func closeQuarter(_ input: Operations.closeQuarter.Input) async throws -> Operations.closeQuarter.Output {
        try await gated(.closeQuarter) { user in
            let quarter = try Self.quarter(input.path.quarter)
            let early = input.query.early ?? false
            let summary = try await database.write { try await $0.closeQuarter(quarter, actor: user.email, today: today(), early: early) }
            return .ok(
                .init(
                    body: .json(
                        .init(
                            quarter: summary.quarter.description, programVersion: summary.programVersion, rebates: summary.rebates,
                            rebateTotal: summary.rebateTotal.decimalString, referralFees: summary.referralFees, feeTotal: summary.feeTotal.decimalString,
                            draftStatements: summary.draftStatements, adjustments: summary.adjustments, mdfClaims: summary.mdfClaims,
                            mdfTotal: summary.mdfTotal?.decimalString, summary: summary.description))))
        }
    }

    func approveStatements(_ input: Operations.approveStatements.Input) async throws -> Operations.approveStatements.Output {
        try await gated(.approveStatements) { user in
            let quarter = try Self.quarter(input.path.quarter)
            var partner: PartnerCode?
            if let code = input.query.partner {
                if let problem = Self.partnerCodeProblem(code) { return .badRequest(Self.badRequest(problem)) }
                partner = PartnerCode(rawValue: code)
            }
            let approved = try await database.write { try await $0.approveStatements(quarter, partner: partner, actor: user.email) }
            return .ok(.init(body: .json(approved.map(Self.statement))))
        }
    }

    func exportPayouts(_ input: Operations.exportPayouts.Input) async throws -> Operations.exportPayouts.Output {
        try await gated(.approveStatements) { user in
            let quarter = try Self.quarter(input.path.quarter)
            let (rows, currency) = try await database.write { database in
                let rows = try await database.payouts(for: quarter, actor: user.email, file: "payouts-\(quarter).json (API)")
                return (rows, try await database.program(on: quarter.lastDay).program.currency)
            }
            let total = try Money.sum(rows.map(\.amount), currency: currency)
            // The file itself for a client that asks for it (the one CSV writer of the CLI and the pages).
            if Self.prefersCSV(input.headers.accept) { return .ok(.init(body: .csv(HTTPBody(PayoutRow.csv(rows))))) }
            return .ok(
                .init(
                    body: .json(
                        .init(
                            quarter: quarter.description, currency: currency.code, total: total.decimalString,
                            rows: rows.map {
                                .init(partner: $0.partner.rawValue, abn: $0.abn, amount: $0.amount.decimalString, statementReference: $0.statementReference)
                            }))))
        }
    }

    func markStatementsPaid(_ input: Operations.markStatementsPaid.Input) async throws -> Operations.markStatementsPaid.Output {
        try await gated(.approveStatements) { user in
            let quarter = try Self.quarter(input.path.quarter)
            guard case .json(let body) = input.body else { return .badRequest(Self.badRequest("send the payment's reference as JSON")) }
            let paid = try await database.write { try await $0.markPaid(quarter, reference: body.reference, actor: user.email) }
            return .ok(.init(body: .json(paid.map(Self.statement))))
        }
    }

    /// Whether the client's `Accept` ranks CSV above JSON (JSON when it says nothing).
    static func prefersCSV(_ accept: [AcceptHeaderContentType<Operations.exportPayouts.AcceptableContentType>]) -> Bool {
        let sorted = accept.sortedByQuality()
        guard let csv = sorted.firstIndex(where: { $0.contentType == .csv }) else { return false }
        return sorted.firstIndex(where: { $0.contentType == .json }).map { csv < $0 } ?? true
    }

    /// A quarter from a path: the document's pattern checked again, as the generated code does not.
    static func quarter(_ text: String) throws -> Quarter {
        do { return try Quarter.parse(text) } catch { throw TextProblem(field: "quarter", problem: "'\(text)' is not a quarter: write YYYYQn, such as 2026Q1") }
    }
}

extension Operations.closeQuarter.Output: GatedOutput {}
extension Operations.approveStatements.Output: GatedOutput {}
extension Operations.exportPayouts.Output: GatedOutput {}
extension Operations.markStatementsPaid.Output: GatedOutput {}
