import ChannelbookCore
import ChannelbookStore
import Foundation
import OpenAPIRuntime

/// The reseller-matching operations of openapi.yaml, within the one matching scope (`MatchingAccess`): a reseller's token
/// has no such list (404); a decision the login may not take is a 403; a refusal a 400 with the store's words.
extension APIHandler {
    func listParkedNames(_ input: Operations.listParkedNames.Input) async throws -> Operations.listParkedNames.Output {
        guard let user = Self.currentUser else { return .unauthorized(Self.unauthorized) }
        guard let access = MatchingAccess.of(user) else { return .notFound(Self.notFound) }
        let query = input.query
        // The generated code checks types, not ranges or lengths: the document's limits are checked here.
        let limit = query.limit ?? 100
        guard (1...500).contains(limit) else { return .badRequest(Self.badRequest("limit must be 1 to 500")) }
        // Text rules first (no control characters, bounded): a NUL would otherwise reach the database as an error.
        if let source = query.source, source.isEmpty || (try? TextRules.require("source", source, maximumLength: 64)) == nil {
            return .badRequest(Self.badRequest("source must be a distributor's code or DIRECT, 1 to 64 characters"))
        }
        if let cursor = query.cursor, (try? TextRules.require("cursor", cursor, maximumLength: 500)) == nil || !cursor.contains(" ") {
            return .badRequest(Self.badRequest("cursor must be the nextCursor of a previous page"))
        }
        // A distributor's token sees its own source, whatever it asks for.
        let source = access.source ?? query.source
        let currency = try await database.read { try await $0.latestProgram().program.currency }
        let names = try await database.read { try await $0.parkedNames(source: source, after: query.cursor, limit: limit) }
        let items = names.map { name in
            Components.Schemas.ParkedName(
                source: name.source, resellerAsWritten: name.writtenAs, lines: name.lines,
                amount: Money(minorUnits: name.amountMinor, currency: currency).decimalString, firstDate: name.firstDate, lastDate: name.lastDate,
                suggestion: name.suggestion?.rawValue, suggestedBy: name.suggestedBy)
        }
        return .ok(.init(body: .json(.init(items: items, nextCursor: names.count == limit ? names.last?.cursor : nil))))
    }

    func mapParkedName(_ input: Operations.mapParkedName.Input) async throws -> Operations.mapParkedName.Output {
        guard let user = Self.currentUser else { return .unauthorized(Self.unauthorized) }
        guard MatchingAccess.of(user)?.mayDecide == true else { return .forbidden(Self.forbidden("this login may not map reseller names")) }
        guard case .json(let body) = input.body else { return .badRequest(Self.badRequest("send the mapping as JSON")) }
        do {
            let outcome = try await database.write { try await $0.mapResellerName(source: body.source, name: body.name, to: PartnerCode(body.partner), actor: user.email) }
            return .ok(
                .init(
                    body: .json(
                        .init(
                            partner: outcome.partner.rawValue, lines: outcome.lines, routeExceptions: outcome.routeExceptions, lateLines: outcome.lateLines,
                            lateQuarters: outcome.lateQuarters.map(\.description), renewalsRenewed: outcome.renewalsRenewed))))
        } catch let refusal as any RefusalError {
            return .badRequest(Self.badRequest(refusal.description))
        }
    }

    func ignoreParkedName(_ input: Operations.ignoreParkedName.Input) async throws -> Operations.ignoreParkedName.Output {
        guard let user = Self.currentUser else { return .unauthorized(Self.unauthorized) }
        guard MatchingAccess.of(user)?.mayDecide == true else { return .forbidden(Self.forbidden("this login may not set reseller names aside")) }
        guard case .json(let body) = input.body else { return .badRequest(Self.badRequest("send the name and reason as JSON")) }
        do {
            let lines = try await database.write { try await $0.ignoreResellerName(source: body.source, name: body.name, reason: body.reason, actor: user.email) }
            return .ok(.init(body: .json(.init(lines: lines))))
        } catch let refusal as any RefusalError {
            return .badRequest(Self.badRequest(refusal.description))
        }
    }

    func suggestParkedName(_ input: Operations.suggestParkedName.Input) async throws -> Operations.suggestParkedName.Output {
        guard let user = Self.currentUser else { return .unauthorized(Self.unauthorized) }
        guard let access = MatchingAccess.of(user), access.maySuggest, let source = access.source else {
            return .forbidden(Self.forbidden("only a distributor's login suggests partners for its own names"))
        }
        guard case .json(let body) = input.body else { return .badRequest(Self.badRequest("send the name and partner as JSON")) }
        do {
            try await database.write { try await $0.suggestPartner(source: source, name: body.name, partner: PartnerCode(body.partner), actor: user.email) }
            return .noContent(.init())
        } catch let refusal as any RefusalError {
            return .badRequest(Self.badRequest(refusal.description))
        }
    }
}
