import ChannelbookCore
import ChannelbookStore
import Foundation
import OpenAPIRuntime

/// Route exceptions over the API: the queue (the vendor's roles every exception, a distributor its own sell-through)
/// and the admin's review, which accepts one with a note and leaves the line as it is.
extension APIHandler {
    func listRouteExceptions(_ input: Operations.listRouteExceptions.Input) async throws -> Operations.listRouteExceptions.Output {
        guard let user = Self.currentUser else { return .unauthorized(Self.unauthorized) }
        if let problem = Self.lengthProblem([("reseller", input.query.reseller, 64), ("source", input.query.source, 64), ("cursor", input.query.cursor, 500)]) {
            return .badRequest(Self.badRequest(problem))
        }
        var source = input.query.source
        if user.role == .partner {
            // A distributor sees the exceptions of its own reports; a reseller has none to see.
            guard let distributor = user.distributor else { return .notFound(Self.notFound) }
            if let asked = source, asked != distributor.rawValue { return .ok(.init(body: .json(.init(items: [])))) }
            source = distributor.rawValue
        }
        guard let limit = Self.pageLimit(input.query.limit) else { return .badRequest(Self.badRequest("limit must be 1 to 500")) }
        do {
            let quarter = try Self.quarter(input.path.quarter)
            let page = try await database.read {
                try await $0.routeExceptionPage(
                    quarter, reseller: input.query.reseller.map { PartnerCode(rawValue: $0) }, source: source, reviewed: input.query.reviewed,
                    after: input.query.cursor, limit: limit)
            }
            return .ok(.init(body: .json(.init(items: page.items.map(Self.routeException), nextCursor: page.nextCursor))))
        } catch let problem as TextProblem {
            return .badRequest(Self.badRequest(problem.description))
        }
    }

    func reviewRouteException(_ input: Operations.reviewRouteException.Input) async throws -> Operations.reviewRouteException.Output {
        try await gated(.reviewRouteExceptions) { user in
            guard case .json(let body) = input.body else { return .badRequest(Self.badRequest("send the review as JSON")) }
            do {
                let listing = try await database.write { try await $0.reviewRouteException(source: body.source, lineID: body.lineId, note: body.note, actor: user.email) }
                return .ok(.init(body: .json(Self.routeException(listing))))
            } catch RouteExceptionReviewError.notAnException {
                return .notFound(Self.notFound)
            }
        }
    }

    static func routeException(_ listing: RouteExceptionListing) -> Components.Schemas.RouteException {
        .init(
            reseller: listing.reseller.rawValue, date: listing.date.description, source: listing.source, lineId: listing.lineID,
            amount: listing.amount.decimalString, reason: .init(rawValue: listing.reason.rawValue)!, explanation: listing.reason.explanation,
            reviewNote: listing.reviewNote, reviewedBy: listing.reviewedBy)
    }
}

extension Operations.reviewRouteException.Output: GatedOutput {}
