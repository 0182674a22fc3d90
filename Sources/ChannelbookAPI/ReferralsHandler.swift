import ChannelbookCore
import ChannelbookStore
import Foundation
import OpenAPIRuntime

/// Referral registration and review over the API, with the pages' permissions: a partner registers for itself and
/// reads only its own (another's is a 404); admins and account managers review (`Permission.reviewReferrals`).
extension APIHandler {
    func registerReferral(_ input: Operations.registerReferral.Input) async throws -> Operations.registerReferral.Output {
        // (The answer is the new registration: it has refused no duplicate yet.)
        try await gated(.registerReferral) { user in
            guard case .json(let body) = input.body else { return .badRequest(Self.badRequest("send the referral as JSON")) }
            let partner: PartnerCode
            if user.role == .partner {
                guard let own = user.partner, body.partner == nil || body.partner == own.rawValue else {
                    return .forbidden(Self.forbidden("a partner's login registers referrals for its own partner only"))
                }
                partner = own
            } else {
                guard let code = body.partner else { return .badRequest(Self.badRequest("name the partner the referral is for (partner)")) }
                if let problem = Self.partnerCodeProblem(code) { return .badRequest(Self.badRequest(problem)) }
                partner = PartnerCode(rawValue: code)
            }
            var referral = ReferralRequest(partner: partner, customer: body.customer, abn: body.abn, domain: body.domain)
            referral.contact = body.contact ?? ""
            referral.expectedSeats = body.expectedSeats
            referral.sku = body.sku.map { SKU(rawValue: $0) }
            referral.notes = body.notes ?? ""
            let date = today()
            let view = try await database.write { database in
                let id = try await database.registerReferral(referral, on: date, actor: user.email)
                return try await database.referral(id, asOf: date)
            }
            return .created(.init(body: .json(Self.referral(view))))
        }
    }

    func getReferral(_ input: Operations.getReferral.Input) async throws -> Operations.getReferral.Output {
        guard let user = Self.currentUser else { return .unauthorized(Self.unauthorized) }
        guard let view = try await visibleReferral(input.path.id, to: user) else { return .notFound(Self.notFound) }
        var answer = Self.referral(view)
        // Who else tried to register the customer is the vendor's to know, not a competing partner's.
        if user.role == .partner { answer.refusedDuplicates = [] }
        return .ok(.init(body: .json(answer)))
    }

    func approveReferral(_ input: Operations.approveReferral.Input) async throws -> Operations.approveReferral.Output {
        try await reviewReferral(input.path.id) { database, user, id, date in
            let fulfiller: String? = if case .json(let body) = input.body { body.fulfiller } else { nil }
            try await database.approveReferral(id, fulfiller: fulfiller, on: date, actor: user.email)
            return nil
        }
    }

    func rejectReferral(_ input: Operations.rejectReferral.Input) async throws -> Operations.rejectReferral.Output {
        guard case .json(let body) = input.body else { return .badRequest(Self.badRequest("send the reason as JSON")) }
        return try await endReferral(input.path.id, reason: body.reason) { try await $0.rejectReferral($1, reason: body.reason, on: $2, actor: $3) }
    }

    func loseReferral(_ input: Operations.loseReferral.Input) async throws -> Operations.loseReferral.Output {
        guard case .json(let body) = input.body else { return .badRequest(Self.badRequest("send the reason as JSON")) }
        return try await endReferral(input.path.id, reason: body.reason) { try await $0.loseReferral($1, reason: body.reason, on: $2, actor: $3) }
    }

    /// Rejecting or losing: a decision with a reason the partner reads, and no fee.
    private func endReferral<Output: GatedOutput & ReferralChangedOutput>(
        _ id: Int64, reason: String, _ end: @escaping (ChannelbookDatabase, ReferralID, BusinessDate, String) async throws -> Void
    ) async throws -> Output {
        try await reviewReferral(id) { database, user, id, date in
            try Self.requireReason(reason)
            try await end(database, id, date, user.email)
            return nil
        }
    }

    func closeReferral(_ input: Operations.closeReferral.Input) async throws -> Operations.closeReferral.Output {
        guard case .json(let body) = input.body else { return .badRequest(Self.badRequest("send the sale as JSON")) }
        return try await reviewReferral(input.path.id) { database, user, id, _ in
            guard let closedOn = Self.date(body.closedOn) else { throw TextProblem(field: "closedOn", problem: "must be a date (YYYY-MM-DD)") }
            return try await database.closeReferral(id, sku: SKU(rawValue: body.sku), seats: body.seats, on: closedOn, fulfiller: body.fulfiller, actor: user.email, today: today())
        }
    }

    // MARK: Helpers

    /// A decision's reason, which the partner reads: words, not blanks.
    static func requireReason(_ reason: String) throws {
        guard !reason.allSatisfy(\.isWhitespace) else { throw TextProblem(field: "reason", problem: "say why (the partner reads it)") }
    }

    /// The referral if this login may see it: a partner's own only; `nil` (404) otherwise or when there is none.
    private func visibleReferral(_ id: Int64, to user: SignedInUser) async throws -> ReferralView? {
        do {
            let view = try await database.read { try await $0.referral(ReferralID(rawValue: id), asOf: today()) }
            return user.role == .partner && user.partner != view.partner ? nil : view
        } catch ReferralError.notFound {
            return nil
        }
    }

    /// A vendor's decision on a referral: the permission, then the action, then the referral as it now stands (with the
    /// fee when the action won it).
    private func reviewReferral<Output: GatedOutput & ReferralChangedOutput>(
        _ id: Int64, _ action: (ChannelbookDatabase, SignedInUser, ReferralID, BusinessDate) async throws -> ClosedReferralOutcome?
    ) async throws -> Output {
        try await gated(.reviewReferrals) { user in
            let date = today()
            do {
                let (view, outcome) = try await database.write { database in
                    let outcome = try await action(database, user, ReferralID(rawValue: id), date)
                    return (try await database.referral(ReferralID(rawValue: id), asOf: date), outcome)
                }
                var answer = Self.referral(view)
                answer.fee = outcome?.fee.amount.decimalString
                answer.feeQuarter = outcome?.quarter.description
                return .ok(.init(body: .json(answer)))
            } catch ReferralError.notFound {
                return .notFound(Self.notFound)
            }
        }
    }

    static func referral(_ view: ReferralView) -> Components.Schemas.ReferralDetail {
        .init(
            id: view.id.rawValue, partner: view.partner.rawValue, customer: view.customer, abn: view.abn, domain: view.domain, contact: view.contact,
            expectedSeats: view.expectedSeats, sku: view.sku, notes: view.notes, status: .init(rawValue: view.status.rawValue)!,
            registeredOn: view.registeredOn.description, registeredBy: view.registeredBy, approvedOn: view.approvedOn?.description,
            expiresOn: view.expiresOn?.description, fulfiller: view.fulfiller, endedOn: view.endedOn?.description, reason: view.reason,
            refusedDuplicates: view.refusedDuplicates.map { .init(partner: $0.partner.rawValue, on: $0.on.description) })
    }
}

/// The operations answering with the referral as it now stands.
protocol ReferralChangedOutput { static func ok(_ response: Components.Responses.ReferralChanged) -> Self }

extension Operations.registerReferral.Output: GatedOutput {}
extension Operations.approveReferral.Output: GatedOutput, ReferralChangedOutput {}
extension Operations.rejectReferral.Output: GatedOutput, ReferralChangedOutput {}
extension Operations.loseReferral.Output: GatedOutput, ReferralChangedOutput {}
extension Operations.closeReferral.Output: GatedOutput, ReferralChangedOutput {}
