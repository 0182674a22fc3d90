import ChannelbookCore
import ChannelbookImport
import ChannelbookStore
import Foundation
import OpenAPIRuntime

/// Partners, the price book, the audit log, what-if and enablement over the API. Lists page in SQL with a cursor; writes
/// go through the importers (`importRecords`), so a partner or a price added here is checked exactly as a file's row.
extension APIHandler {
    // MARK: Partners

    func listPartners(_ input: Operations.listPartners.Input) async throws -> Operations.listPartners.Output {
        guard let user = Self.currentUser else { return .unauthorized(Self.unauthorized) }
        guard let limit = Self.pageLimit(input.query.limit) else { return .badRequest(Self.badRequest("limit must be 1 to 500")) }
        if let problem = Self.lengthProblem([("q", input.query.q, 200), ("cursor", input.query.cursor, 500)]) { return .badRequest(Self.badRequest(problem)) }
        // A partner's login sees itself only.
        let only: PartnerCode? = user.role == .partner ? (user.partner ?? PartnerCode(rawValue: "")) : nil
        let page = try await database.read {
            try await $0.partnerPage(
                kind: input.query.kind.flatMap { PartnerKind(rawValue: $0.rawValue) }, tier: input.query.tier.flatMap { ResellerTier(rawValue: $0.rawValue) },
                search: input.query.q, only: only, after: input.query.cursor, limit: limit)
        }
        return .ok(
            .init(
                body: .json(
                    .init(
                        items: page.items.map {
                            .init(code: $0.code.rawValue, name: $0.name, kind: .init(rawValue: $0.kind.rawValue)!, abn: $0.abn, tier: $0.tier.map(Self.tier))
                        }, nextCursor: page.nextCursor))))
    }

    func getPartner(_ input: Operations.getPartner.Input) async throws -> Operations.getPartner.Output {
        guard let user = Self.currentUser else { return .unauthorized(Self.unauthorized) }
        let code = PartnerCode(rawValue: input.path.code)
        guard user.role != .partner || user.partner == code, let partner = try await partner(code) else { return .notFound(Self.notFound) }
        return .ok(.init(body: .json(partner)))
    }

    func createPartner(_ input: Operations.createPartner.Input) async throws -> Operations.createPartner.Output {
        try await gated(.managePartners) { user in
            guard case .json(let body) = input.body else { return .badRequest(Self.badRequest("send the partner as JSON")) }
            if try await partner(PartnerCode(rawValue: body.code)) != nil {
                return .badRequest(Self.badRequest("a partner has the code '\(body.code)' already: change its tier with POST /api/v1/partners/\(body.code)/tier"))
            }
            let record = [
                body.code, body.name, body.kind.rawValue, body.tier?.rawValue ?? "", (body.distributors ?? []).joined(separator: ";"), body.abn ?? "",
                body.tierSince ?? "",
            ]
            if let refusal = try await importPartnerRecord(record, actor: user.email) { return .badRequest(refusal) }
            return .created(.init(body: .json(try await partner(PartnerCode(rawValue: body.code))!)))
        }
    }

    func changePartnerTier(_ input: Operations.changePartnerTier.Input) async throws -> Operations.changePartnerTier.Output {
        try await gated(.managePartners) { user in
            guard case .json(let body) = input.body else { return .badRequest(Self.badRequest("send the tier as JSON")) }
            let code = PartnerCode(rawValue: input.path.code)
            guard let current = try await partner(code) else { return .notFound(Self.notFound) }
            // The partner's row as it stands, with the new tier from its date: the import records the change.
            let record = [current.code, current.name, current.kind.rawValue, body.tier.rawValue, current.distributors.joined(separator: ";"), current.abn ?? "", body.tierSince]
            if let refusal = try await importPartnerRecord(record, actor: user.email) { return .badRequest(refusal) }
            return .ok(.init(body: .json(try await partner(code)!)))
        }
    }

    func assignPartnerContact(_ input: Operations.assignPartnerContact.Input) async throws -> Operations.assignPartnerContact.Output {
        try await gated(.managePartners) { user in
            guard case .json(let body) = input.body else { return .badRequest(Self.badRequest("send the contact as JSON")) }
            let code = PartnerCode(rawValue: input.path.code)
            guard try await partner(code) != nil else { return .notFound(Self.notFound) }
            let role: Role = body.role == .account_manager ? .accountManager : .maintenanceOfficer
            try await database.write { try await $0.assignContact(partner: code, email: body.email, role: role, actor: user.email) }
            return .ok(.init(body: .json(try await partner(code)!)))
        }
    }

    // MARK: The price book

    func listPriceBook(_ input: Operations.listPriceBook.Input) async throws -> Operations.listPriceBook.Output {
        guard Self.currentUser != nil else { return .unauthorized(Self.unauthorized) }
        guard let limit = Self.pageLimit(input.query.limit) else { return .badRequest(Self.badRequest("limit must be 1 to 500")) }
        if let problem = Self.lengthProblem([("sku", input.query.sku, 64), ("cursor", input.query.cursor, 500)]) { return .badRequest(Self.badRequest(problem)) }
        do {
            let page = try await database.read { try await $0.priceBookPage(sku: input.query.sku.map { SKU(rawValue: $0) }, after: input.query.cursor, limit: limit) }
            let currency = try await database.read { try await $0.latestProgram().program.currency }
            return .ok(
                .init(
                    body: .json(
                        .init(
                            items: page.items.map {
                                .init(
                                    sku: $0.sku.rawValue, name: $0.name, category: .init(rawValue: $0.category.rawValue)!,
                                    partnerBuyPrice: Money(minorUnits: $0.partnerBuyPriceMinor, currency: currency).decimalString,
                                    effectiveFrom: $0.effectiveFrom.description, maintenanceMonths: $0.maintenanceMonths)
                            }, nextCursor: page.nextCursor))))
        } catch let problem as TextProblem {
            return .badRequest(Self.badRequest(problem.description))
        }
    }

    func addPriceRows(_ input: Operations.addPriceRows.Input) async throws -> Operations.addPriceRows.Output {
        try await gated(.managePartners) { user in
            guard case .json(let body) = input.body else { return .badRequest(Self.badRequest("send the rows as JSON")) }
            guard (1...1000).contains(body.rows.count) else { return .badRequest(Self.badRequest("send 1 to 1,000 rows a request")) }
            let records = body.rows.map { row in
                [row.sku, row.name, row.category.rawValue, row.partnerBuyPrice, row.effectiveFrom, row.maintenanceMonths.map(String.init) ?? ""]
            }
            do {
                let summary = try await database.write {
                    try await $0.importRecords(.pricebook, columns: PriceRow.requiredColumns + PriceRow.optionalColumns, records: records, name: "rows", actor: user.email)
                }
                return .ok(.init(body: .json(Self.importSummary(summary, fileName: "rows"))))
            } catch let problems as ImportProblems {
                return .badRequest(Self.badRequest("\(problems.count) problem\(problems.count == 1 ? "" : "s"); nothing was added", problems: problems.recordProblems))
            }
        }
    }

    // MARK: The audit log, what-if, enablement

    func listAudit(_ input: Operations.listAudit.Input) async throws -> Operations.listAudit.Output {
        try await gated(.viewAuditLog) { _ in
            guard let limit = Self.pageLimit(input.query.limit) else { return .badRequest(Self.badRequest("limit must be 1 to 500")) }
            // An empty value is refused here (the document says at least one character); `AuditFilter.parse`, shared
            // with the page, reads an empty field as no filter.
            let query = input.query
            if let problem = Self.lengthProblem([
                ("since", query.since, 10), ("until", query.until, 10), ("actor", query.actor, 254), ("action", query.action, 100), ("partner", query.partner, 64),
            ]) {
                return .badRequest(Self.badRequest(problem))
            }
            let filter: AuditFilter
            do {
                filter = try AuditFilter.parse(since: query.since, until: query.until, actor: query.actor, action: query.action, partner: query.partner)
            } catch let problem as TextProblem {
                return .badRequest(Self.badRequest(problem.description))
            }
            guard let before = Self.idCursor(input.query.cursor) else { return .badRequest(Self.badRequest("cursor: not a cursor this list gave")) }
            let page = try await database.read { try await $0.auditPage(filter, before: before, limit: limit) }
            return .ok(
                .init(
                    body: .json(
                        .init(
                            items: page.items.map {
                                .init(
                                    id: $0.id, at: Date(timeIntervalSince1970: TimeInterval($0.atMicroseconds / 1_000_000)), actor: $0.actor, action: $0.action,
                                    partner: $0.partner?.rawValue, subject: $0.subject, before: $0.before, after: $0.after)
                            }, nextCursor: page.nextCursor))))
        }
    }

    func runWhatIf(_ input: Operations.runWhatIf.Input) async throws -> Operations.runWhatIf.Output {
        try await gated(.runWhatIf) { _ in
            guard case .json(let body) = input.body else { return .badRequest(Self.badRequest("send the program and quarters as JSON")) }
            guard body.program.utf8.count <= ProgramFile.maximumBytes else {
                return .badRequest(Self.badRequest("the program is larger than \(ProgramFile.maximumBytes) bytes"))
            }
            let range: (first: Quarter, last: Quarter)
            do { range = try Quarter.parseRange(body.quarters) } catch { return .badRequest(Self.badRequest("quarters: \(error)")) }
            let proposed: Program
            do { proposed = try ProgramFile.parse(body.program) } catch let error as ProgramFileError {
                return .badRequest(Self.badRequest("the program is not valid", problems: error.lines.map { "program: \($0)" }))
            }
            let result = try await database.read { try await $0.whatIf(proposed, from: range.first, through: range.last) }
            return .ok(
                .init(
                    body: .json(
                        .init(
                            currency: result.current.currency.code,
                            rows: result.rows.map {
                                .init(
                                    partner: $0.partner.rawValue, quarter: $0.quarter.description, current: $0.current.decimalString,
                                    proposed: $0.proposed.decimalString, delta: $0.delta.decimalString)
                            },
                            quarters: result.quarters.map { .init(quarter: $0.quarter.description, current: $0.current.decimalString, proposed: $0.proposed.decimalString) },
                            current: result.current.decimalString, proposed: result.proposed.decimalString, delta: result.delta.decimalString))))
        }
    }

    func getEnablement(_ input: Operations.getEnablement.Input) async throws -> Operations.getEnablement.Output {
        try await gated(.viewEnablement) { _ in
        let rows = try await database.read { try await $0.enablementReport(asOf: today()) }
        return .ok(
            .init(
                body: .json(
                    rows.map {
                        .init(
                            partner: $0.partner.rawValue, name: $0.name, tier: $0.tier.map(Self.tier), reps: $0.reps, trainedReps: $0.trainedReps,
                            coursesCompleted: $0.coursesCompleted, lastCompleted: $0.lastCompleted?.description, accountManager: $0.accountManager)
                    })))
        }
    }

    func recordEnablement(_ input: Operations.recordEnablement.Input) async throws -> Operations.recordEnablement.Output {
        try await gated(.recordEnablement) { user in
            guard case .json(let body) = input.body else { return .badRequest(Self.badRequest("send the record as JSON")) }
            var date = today()
            if let on = body.on {
                guard let parsed = Self.date(on) else { return .badRequest(Self.badRequest("on must be a date (YYYY-MM-DD)")) }
                date = parsed
            }
            let recorded = try await database.write {
                try await $0.recordEnablement(
                    partner: PartnerCode(rawValue: body.partner), repEmail: body.rep, repName: body.name ?? "", course: body.course, on: date, actor: user.email)
            }
            return .ok(.init(body: .json(.init(recorded: recorded))))
        }
    }

    // MARK: Helpers

    /// A partner as the API shows it, or `nil` when no partner has the code.
    private func partner(_ code: PartnerCode) async throws -> Components.Schemas.Partner? {
        guard let detail = try await database.read({ try await $0.partnerDetail(code) }) else { return nil }
        let contacts = try await database.read { try await $0.contacts(of: code) }
        let record = detail.record
        return .init(
            code: record.code.rawValue, name: record.name, kind: .init(rawValue: record.kind.rawValue)!, abn: record.abn?.digits,
            tier: detail.tierHistory.last.map { Self.tier($0.tier) },
            tierHistory: detail.tierHistory.map {
                .init(from: $0.from == PartnerDirectory.beginningOfTime ? nil : $0.from.description, tier: Self.tier($0.tier))
            },
            distributors: detail.distributors.map(\.rawValue), accountManager: contacts.accountManager, maintenanceOfficer: contacts.maintenanceOfficer)
    }

    /// Imports one partners-file row; the refusal in words (with every problem) when it does not import.
    private func importPartnerRecord(_ record: [String], actor: String) async throws -> Components.Responses.BadRequest? {
        do {
            _ = try await database.write {
                try await $0.importRecords(.partners, columns: PartnerRow.requiredColumns + PartnerRow.optionalColumns, records: [record], name: "partner", actor: actor)
            }
            return nil
        } catch let problems as ImportProblems {
            let lines = problems.first.map { $0.field.isEmpty ? $0.message : "\($0.field): \($0.message)" }
            return Self.badRequest(lines.first ?? "the partner was refused", problems: lines)
        }
    }

    static func tier(_ tier: ResellerTier) -> Components.Schemas.Tier { .init(rawValue: tier.rawValue)! }

    /// A cursor that is the id of the last row shown: `.some(nil)` without one, `nil` for one this API did not give.
    static func idCursor(_ cursor: String?) -> Int64?? {
        guard let cursor else { return .some(nil) }
        guard let id = Int64(cursor), id > 0 else { return nil }
        return .some(id)
    }

    /// A page's size: 100 when absent, 1 to 500.
    static func pageLimit(_ limit: Int?) -> Int? {
        let value = limit ?? 100
        return (1...500).contains(value) ? value : nil
    }

    static func importSummary(_ summary: ImportSummary, fileName: String) -> Components.Schemas.ImportSummary {
        .init(
            fileName: fileName, lines: summary.lines, new: summary.new, present: summary.present, routeExceptions: summary.routeExceptions,
            parked: summary.parked, ignored: summary.ignored, resolvedFromParked: summary.resolvedFromParked, renewalsRenewed: summary.renewalsRenewed,
            lateLines: summary.lateLines, lateQuarters: summary.lateQuarters.map(\.description), summary: summary.description)
    }
}

extension Operations.createPartner.Output: GatedOutput {}
extension Operations.changePartnerTier.Output: GatedOutput {}
extension Operations.assignPartnerContact.Output: GatedOutput {}
extension Operations.addPriceRows.Output: GatedOutput {}
extension Operations.listAudit.Output: GatedOutput {}
extension Operations.runWhatIf.Output: GatedOutput {}
extension Operations.recordEnablement.Output: GatedOutput {}
extension Operations.getEnablement.Output: GatedOutput {}
