import ChannelbookCore
import ChannelbookImport
import ChannelbookStore
import Foundation
import OpenAPIRuntime

/// Where an API upload waits while it is imported: a file of the web app's upload folder (0600, removed when the request
/// ends), and the largest body the server takes.
public struct UploadSpool: Sendable {
    public let limitBytes: Int
    public let newFile: @Sendable () throws -> String

    public init(limitBytes: Int, newFile: @escaping @Sendable () throws -> String) {
        self.limitBytes = limitBytes
        self.newFile = newFile
    }
}

/// `POST /api/v1/sales`: a sales file in the body, imported as `channelbook import sales` and the upload page import it —
/// all of it or nothing, every problem as `FILE:LINE: field: why` — within `SalesUploadAccess`.
extension APIHandler {
    func uploadSales(_ input: Operations.uploadSales.Input) async throws -> Operations.uploadSales.Output {
        guard let user = Self.currentUser else { return .unauthorized(Self.unauthorized) }
        // Who may upload what is settled before a byte of the body is read.
        let access = SalesUploadAccess.of(user)
        switch access {
        case .forbidden: return .forbidden(Self.forbidden(user, .uploadSales))
        case .notFound: return .notFound(Self.notFound)
        case .anySource, .onlySource: break
        }
        let fileName = input.query.fileName ?? "sales.csv"
        do {
            try TextRules.require("fileName", fileName, maximumLength: 200)
            guard !fileName.isEmpty, !fileName.contains("/") else { throw TextProblem(field: "fileName", problem: "give the file's name without a folder") }
        } catch let problem as TextProblem {
            return .badRequest(Self.badRequest(problem.description))
        }
        let body: HTTPBody =
            switch input.body {
            case .csv(let body): body
            case .application_vnd_period_openxmlformats_hyphen_officedocument_period_spreadsheetml_period_sheet(let body): body
            }
        let path = try uploads.newFile()
        defer { try? FileManager.default.removeItem(atPath: path) }
        do {
            guard try await Self.spool(body, to: path, limit: uploads.limitBytes) else {
                return .contentTooLarge(
                    .init(body: .json(.init(error: "the file is larger than the server's limit of \(uploads.limitBytes / (1024 * 1024)) MiB (uploads.maxBytes)", code: .too_large))))
            }
        } catch {
            return .badRequest(Self.badRequest("the body could not be read in full: send the file again"))
        }
        do {
            let summary = try await database.write { try await $0.importFile(.sales, path: path, name: fileName, actor: user.email, onlySource: access.onlySource) }
            return .ok(.init(body: .json(Self.importSummary(summary, fileName: fileName))))
        } catch let problems as ImportProblems {
            let lines = problems.lines
            return .badRequest(Self.badRequest(lines.last ?? "\(fileName): nothing was imported", problems: Array(lines.dropLast())))
        }
    }

    /// Writes the body to the file as it arrives; `false` (and stops reading) past `limit` bytes.
    private static func spool(_ body: HTTPBody, to path: String, limit: Int) async throws -> Bool {
        guard let file = FileHandle(forWritingAtPath: path) else { throw CocoaError(.fileWriteUnknown) }
        defer { try? file.close() }
        var written = 0
        for try await chunk in body {
            written += chunk.count
            guard written <= limit else { return false }
            try file.write(contentsOf: Data(chunk))
        }
        return true
    }
}

extension APIHandler {
    /// `GET /api/v1/sales/lines`: a quarter's lines, within the login's own: a reseller its purchases, a distributor its reports.
    func listSalesLines(_ input: Operations.listSalesLines.Input) async throws -> Operations.listSalesLines.Output {
        guard let user = Self.currentUser else { return .unauthorized(Self.unauthorized) }
        guard let limit = Self.pageLimit(input.query.limit) else { return .badRequest(Self.badRequest("limit must be 1 to 500")) }
        if let problem = Self.lengthProblem([("reseller", input.query.reseller, 64), ("source", input.query.source, 64), ("cursor", input.query.cursor, 500)]) {
            return .badRequest(Self.badRequest(problem))
        }
        // The quarter is checked before the partner's scope can answer an empty page: a malformed request is a 400 for every login.
        let quarter: Quarter
        do { quarter = try Self.quarter(input.query.quarter) } catch let problem as TextProblem { return .badRequest(Self.badRequest(problem.description)) }
        var reseller = input.query.reseller.map { PartnerCode(rawValue: $0) }
        var source = input.query.source
        if user.role == .partner {
            // Another partner's lines are not there to be seen: the scope replaces what was asked, and a mismatch is an empty page.
            if let distributor = user.distributor {
                if let asked = source, asked != distributor.rawValue { return .ok(.init(body: .json(.init(items: [])))) }
                source = distributor.rawValue
            } else {
                let own = user.partner ?? PartnerCode(rawValue: "")
                if let asked = reseller, asked != own { return .ok(.init(body: .json(.init(items: [])))) }
                reseller = own
            }
        }
        do {
            let page = try await database.read { try await $0.salesLinePage(quarter, reseller: reseller, source: source, after: input.query.cursor, limit: limit) }
            return .ok(
                .init(
                    body: .json(
                        .init(
                            items: page.items.map {
                                .init(
                                    source: $0.source, lineId: $0.lineID, date: $0.date.description, reseller: $0.reseller.rawValue, customer: $0.customer,
                                    sku: $0.sku, category: .init(rawValue: $0.category)!, seats: $0.seats, amount: $0.amount.decimalString,
                                    routeException: $0.routeException.map { .init(rawValue: $0.rawValue)! })
                            }, nextCursor: page.nextCursor))))
        } catch let problem as TextProblem {
            return .badRequest(Self.badRequest(problem.description))
        }
    }
}
