import ChannelbookCore
import ChannelbookStore
import Foundation
import OpenAPIRuntime

/// The maintenance-renewal operations of openapi.yaml: the store's queues, actions and reports within the one renewals
/// scope (`RenewalAccess`). An opportunity outside the scope is a 404; inside it, an action the login may not take is a
/// 403, and a refusal a 400 with the store's words.
extension APIHandler {
    func listRenewals(_ input: Operations.listRenewals.Input) async throws -> Operations.listRenewals.Output {
        guard let user = Self.currentUser else { return .unauthorized(Self.unauthorized) }
        let query = input.query
        // The generated code checks types, not ranges or lengths: the document's limits are checked here.
        if let days = query.dueWithin, !(0...36_500).contains(days) { return .badRequest(Self.badRequest("dueWithin must be 0 to 36500 days")) }
        guard let date = renewalDay(query.asOf) else { return .badRequest(Self.badRequest(Self.renewalDayProblem("asOf"))) }
        if let owner = query.owner, owner.isEmpty || owner.unicodeScalars.count > 64 {
            return .badRequest(Self.badRequest("owner must be a distributor's code or DIRECT, 1 to 64 characters"))
        }
        if let customer = query.customer, customer.isEmpty || customer.unicodeScalars.count > 200 {
            return .badRequest(Self.badRequest("customer must be 1 to 200 characters"))
        }
        let limit = query.limit ?? 50
        guard (1...500).contains(limit) else { return .badRequest(Self.badRequest("limit must be 1 to 500")) }
        var cursor: RenewalCursor?
        if let text = query.cursor {
            guard text.unicodeScalars.count <= 64, let parsed = RenewalCursor(text) else {
                return .badRequest(Self.badRequest("cursor must be the nextCursor of a previous page"))
            }
            cursor = parsed
        }
        let access = try await RenewalAccess.of(user, database)
        let statuses = query.status.map { $0.map { RenewalStatus(rawValue: $0.rawValue)! } } ?? RenewalStatus.worked
        let filter = RenewalFilter(asOf: date, statuses: statuses, owner: query.owner, dueWithin: query.dueWithin, customer: query.customer)
        let page = try await database.read { try await $0.renewalOpportunities(filter, access: access, after: cursor, limit: limit) }
        return .ok(.init(body: .json(.init(items: page.items.map(Self.renewal), nextCursor: page.next?.description))))
    }

    func getRenewal(_ input: Operations.getRenewal.Input) async throws -> Operations.getRenewal.Output {
        guard let user = Self.currentUser else { return .unauthorized(Self.unauthorized) }
        guard input.path.id > 0 else { return .badRequest(Self.badRequest(Self.renewalIDProblem)) }
        guard let date = renewalDay(input.query.asOf) else { return .badRequest(Self.badRequest(Self.renewalDayProblem("asOf"))) }
        let access = try await RenewalAccess.of(user, database)
        do {
            let (view, events) = try await database.read { try await $0.renewalOpportunity(input.path.id, asOf: date, access: access) }
            return .ok(
                .init(
                    body: .json(
                        .init(
                            opportunity: Self.renewal(view),
                            events: events.map {
                                .init(date: $0.date.description, event: $0.event, amount: $0.amount?.decimalString, note: $0.note, actor: $0.actor)
                            }))))
        } catch RenewalError.notFound {
            return .notFound(Self.notFound)
        }
    }

    func quoteRenewal(_ input: Operations.quoteRenewal.Input) async throws -> Operations.quoteRenewal.Output {
        guard case .json(let body) = input.body else { return .badRequest(Self.badRequest("send the amount as JSON")) }
        return try await workRenewal(input.path.id, on: body.on, action: "quote", permitted: \.mayQuote) { database, access, date, user in
            let amount = try Self.money("amount", body.amount, try await database.program(on: date).program.currency)
            try await database.quoteRenewal(input.path.id, amount: amount, on: date, access: access, actor: user.email)
        }.output()
    }

    func lapseRenewal(_ input: Operations.lapseRenewal.Input) async throws -> Operations.lapseRenewal.Output {
        guard case .json(let body) = input.body else { return .badRequest(Self.badRequest("send the reason as JSON")) }
        // The store refuses a blank reason or one over 500 characters (TextRules.Limit.reason), in words: a 400.
        return try await workRenewal(input.path.id, on: body.on, action: "lapse", permitted: \.mayLapse) { database, access, date, user in
            try await database.lapseRenewal(input.path.id, reason: body.reason, on: date, access: access, actor: user.email)
        }.output()
    }

    func getRenewalPipeline(_ input: Operations.getRenewalPipeline.Input) async throws -> Operations.getRenewalPipeline.Output {
        guard let user = Self.currentUser else { return .unauthorized(Self.unauthorized) }
        guard let date = renewalDay(input.query.asOf) else { return .badRequest(Self.badRequest(Self.renewalDayProblem("asOf"))) }
        let access = try await RenewalAccess.of(user, database)
        let rows = try await database.read { try await $0.renewalPipeline(asOf: date, access: access) }
        return .ok(
            .init(
                body: .json(
                    rows.map {
                        .init(
                            owner: $0.owner, due0To30: $0.due0To30, due31To60: $0.due31To60, due61To90: $0.due61To90, seats0To90: $0.seats0To90,
                            value0To90: $0.value0To90.decimalString)
                    })))
    }

    func getRenewalRate(_ input: Operations.getRenewalRate.Input) async throws -> Operations.getRenewalRate.Output {
        guard let user = Self.currentUser else { return .unauthorized(Self.unauthorized) }
        guard let quarter = try? Quarter.parse(input.path.quarter) else {
            return .badRequest(Self.badRequest("'\(input.path.quarter)' is not a quarter: write YYYYQn, such as 2026Q1"))
        }
        guard let date = renewalDay(input.query.asOf) else { return .badRequest(Self.badRequest(Self.renewalDayProblem("asOf"))) }
        let access = try await RenewalAccess.of(user, database)
        let rows = try await database.read { try await $0.renewalRate(quarter, asOf: date, access: access) }
        return .ok(
            .init(
                body: .json(
                    rows.map { .init(owner: $0.owner, ending: $0.ending, renewed: $0.renewed, lapsed: $0.lapsed, open: $0.open, rateBps: $0.rateBasisPoints) }
                )))
    }

    // MARK: Helpers

    /// What a quote or a lapse answered: both operations have the same five answers.
    enum RenewalOutcome {
        case ok(Components.Schemas.RenewalOpportunity), badRequest(String), unauthorized, forbidden(String), notFound

        func output<Output: RenewalActionOutput>() -> Output {
            switch self {
            case .ok(let view): return .ok(.init(body: .json(view)))
            case .badRequest(let message): return .badRequest(APIHandler.badRequest(message))
            case .unauthorized: return .unauthorized(APIHandler.unauthorized)
            case .forbidden(let message): return .forbidden(APIHandler.forbidden(message))
            case .notFound: return .notFound(APIHandler.notFound)
            }
        }
    }

    /// Works an opportunity for the login: outside its scope the opportunity does not exist (404); inside it, an action
    /// the login may not take is a 403 before anything in the body is looked at; then the store's refusal in words
    /// (not open yet, already lapsed, a bad amount) and the opportunity as it now stands, on the action's day.
    private func workRenewal(
        _ id: Int64, on text: String?, action: String, permitted: (RenewalAccess) -> Bool,
        _ body: (ChannelbookDatabase, RenewalAccess, BusinessDate, SignedInUser) async throws -> Void
    ) async throws -> RenewalOutcome {
        guard let user = Self.currentUser else { return .unauthorized }
        guard id > 0 else { return .badRequest(Self.renewalIDProblem) }
        let access = try await RenewalAccess.of(user, database)
        do { _ = try await database.read { try await $0.renewalOpportunity(id, asOf: today(), access: access) } } catch RenewalError.notFound {
            return .notFound
        }
        guard permitted(access) else { return .forbidden(RenewalError.notAllowed(action: action).description) }
        guard let date = renewalDay(text) else { return .badRequest(Self.renewalDayProblem("on")) }
        do {
            let view = try await database.write { database in
                try await body(database, access, date, user)
                return try await database.renewalOpportunity(id, asOf: date, access: access).0
            }
            return .ok(Self.renewal(view))
        } catch RenewalError.notFound {
            return .notFound
        } catch let refusal as any RefusalError {
            return .badRequest(refusal.description)
        }
    }

    /// A `YYYY-MM-DD` day for the renewal operations: absent is today; malformed or outside the days a sales line may
    /// carry (`LineLimits`), `nil`.
    private func renewalDay(_ text: String?) -> BusinessDate? {
        guard let date = text == nil ? today() : Self.date(text), LineLimits.dateProblem(date) == nil else { return nil }
        return date
    }

    static func renewalDayProblem(_ field: String) -> String {
        "\(field) must be a date (YYYY-MM-DD) from \(LineLimits.earliestDate) to \(LineLimits.latestDate)"
    }

    static let renewalIDProblem = "id must be a renewal opportunity's id, a whole number from 1"

    static func renewal(_ view: RenewalOpportunity) -> Components.Schemas.RenewalOpportunity {
        .init(
            id: view.id, contractId: view.contractID, customer: view.customer, reseller: view.reseller.rawValue, resellerName: view.resellerName,
            soldBy: view.soldBy, owner: view.owner, sku: view.sku, seats: view.seats, starts: view.starts.description, ends: view.ends.description,
            opensOn: view.window.opensOn.description, lapsesOn: view.window.lapsesOn.description, status: .init(rawValue: view.status.rawValue)!,
            daysToEnd: view.daysToEnd, quote: view.quote?.decimalString, quotedOn: view.quotedOn?.description, renewedOn: view.renewedOn?.description,
            renewedBy: view.renewedBy, lapsedOn: view.lapsedOn?.description, lapseReason: view.lapseReason)
    }
}

/// The answers the quote and lapse operations share, so one function serves both.
protocol RenewalActionOutput {
    static func ok(_ response: Components.Responses.RenewalChanged) -> Self
    static func badRequest(_ response: Components.Responses.BadRequest) -> Self
    static func unauthorized(_ response: Components.Responses.Unauthorized) -> Self
    static func forbidden(_ response: Components.Responses.Forbidden) -> Self
    static func notFound(_ response: Components.Responses.NotFound) -> Self
}

extension Operations.quoteRenewal.Output: RenewalActionOutput {}
extension Operations.lapseRenewal.Output: RenewalActionOutput {}
