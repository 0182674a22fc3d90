import ChannelbookCore
import ChannelbookStore
import Foundation
import OpenAPIRuntime

/// The MDF operations of openapi.yaml: the store's MDF actions with the pages' permissions and scope
/// (`MDFAccess`). Another partner's request or proof is a 404, a refusal a 400 with the store's words.
extension APIHandler {
    func listMDFBalances(_ input: Operations.listMDFBalances.Input) async throws -> Operations.listMDFBalances.Output {
        guard let user = Self.currentUser else { return .unauthorized(Self.unauthorized) }
        if let problem = Self.partnerCodeProblem(input.query.partner) { return .badRequest(Self.badRequest(problem)) }
        let access = try await MDFAccess.of(user, database)
        guard let date = dateOrToday(input.query.asOf) else { return .badRequest(Self.badRequest("asOf must be a date (YYYY-MM-DD)")) }
        let scope = access.reading(input.query.partner.map { PartnerCode(rawValue: $0) })
        do {
            let rows = try await database.read { try await $0.mdfBalances(within: scope, asOf: date) }
            return .ok(
                .init(
                    body: .json(
                        rows.map {
                            .init(
                                partner: $0.partner.rawValue, allocated: $0.allocated.decimalString, expired: $0.expired.decimalString,
                                reserved: $0.reserved.decimalString, payable: $0.payable.decimalString, paid: $0.paid.decimalString,
                                available: $0.available.decimalString)
                        })))
        } catch MDFStoreError.unknownPartner {
            return .ok(.init(body: .json([])))
        }
    }

    func getMDFLedger(_ input: Operations.getMDFLedger.Input) async throws -> Operations.getMDFLedger.Output {
        guard let user = Self.currentUser else { return .unauthorized(Self.unauthorized) }
        let access = try await MDFAccess.of(user, database)
        guard let date = dateOrToday(input.query.asOf) else { return .badRequest(Self.badRequest("asOf must be a date (YYYY-MM-DD)")) }
        let partner = PartnerCode(rawValue: input.path.partner)
        guard access.reading(partner)?.isEmpty != true else { return .notFound(Self.notFound) }
        do {
            let rows = try await database.read { try await $0.mdfLedgerRows(partner: partner, asOf: date) }
            return .ok(
                .init(
                    body: .json(
                        rows.map {
                            .init(date: $0.date.description, entry: .init(rawValue: $0.entry.rawValue)!, requestId: $0.requestID, amount: $0.amount.decimalString)
                        })))
        } catch MDFStoreError.unknownPartner {
            return .notFound(Self.notFound)
        }
    }

    func listMDFRequests(_ input: Operations.listMDFRequests.Input) async throws -> Operations.listMDFRequests.Output {
        guard let user = Self.currentUser else { return .unauthorized(Self.unauthorized) }
        if let problem = Self.partnerCodeProblem(input.query.partner) { return .badRequest(Self.badRequest(problem)) }
        let access = try await MDFAccess.of(user, database)
        let scope = access.reading(input.query.partner.map { PartnerCode(rawValue: $0) })
        let limit = input.query.limit ?? 100
        guard (1...500).contains(limit) else { return .badRequest(Self.badRequest("limit must be 1 to 500")) }
        do {
            let rows = try await database.read {
                try await $0.mdfRequests(within: scope, status: input.query.status.flatMap { MDFRequestStatus(rawValue: $0.rawValue) }, asOf: today(), limit: limit)
            }
            return .ok(.init(body: .json(rows.map(Self.mdfRequest))))
        } catch MDFStoreError.unknownPartner {
            return .ok(.init(body: .json([])))
        }
    }

    func createMDFRequest(_ input: Operations.createMDFRequest.Input) async throws -> Operations.createMDFRequest.Output {
        guard let user = Self.currentUser else { return .unauthorized(Self.unauthorized) }
        guard user.role.may(.requestMDF), let partner = user.partner else { return .forbidden(Self.forbidden(user)) }
        guard case .json(let body) = input.body else { return .badRequest(Self.badRequest("send the request as JSON")) }
        do {
            let date = today()
            let currency = try await currency(on: date)
            guard let kind = MDFActivityKind(rawValue: body.kind.rawValue) else { return .badRequest(Self.badRequest("unknown kind")) }
            guard let starts = Self.date(body.startsOn), let ends = Self.date(body.endsOn) else {
                return .badRequest(Self.badRequest("startsOn and endsOn must be dates (YYYY-MM-DD)"))
            }
            let view = try await database.write { database in
                let id = try await database.requestMDF(
                    partner: partner, activity: body.activity, kind: kind, plannedCost: try Self.money("plannedCost", body.plannedCost, currency),
                    amount: try Self.money("amount", body.amount, currency), startsOn: starts, endsOn: ends, on: date, actor: user.email)
                return try await database.mdfRequest(id, asOf: date)
            }
            return .created(.init(body: .json(Self.mdfRequest(view))))
        } catch let refusal as any RefusalError {
            return .badRequest(Self.badRequest(refusal.description))
        }
    }

    func getMDFRequest(_ input: Operations.getMDFRequest.Input) async throws -> Operations.getMDFRequest.Output {
        guard let user = Self.currentUser else { return .unauthorized(Self.unauthorized) }
        let access = try await MDFAccess.of(user, database)
        do {
            let view = try await database.read { try await $0.mdfRequest(input.path.id, asOf: today(), within: access.readScope) }
            return .ok(.init(body: .json(Self.mdfRequest(view))))
        } catch MDFStoreError.notFound {
            return .notFound(Self.notFound)
        }
    }

    func approveMDFRequest(_ input: Operations.approveMDFRequest.Input) async throws -> Operations.approveMDFRequest.Output {
        guard case .json(let body) = input.body else { return .badRequest(Self.badRequest("send the amount as JSON")) }
        return try await review(input.path.id, amount: body.amount) { database, user, scope, date, amount in
            try await database.approveMDF(input.path.id, amount: amount, on: date, actor: user.email, reviewer: scope)
        }.output()
    }

    func rejectMDFRequest(_ input: Operations.rejectMDFRequest.Input) async throws -> Operations.rejectMDFRequest.Output {
        guard case .json(let body) = input.body else { return .badRequest(Self.badRequest("send the reason as JSON")) }
        return try await review(input.path.id, amount: nil) { database, user, scope, date, _ in
            try await database.rejectMDF(input.path.id, reason: body.reason, on: date, actor: user.email, reviewer: scope)
        }.output()
    }

    func acceptMDFClaim(_ input: Operations.acceptMDFClaim.Input) async throws -> Operations.acceptMDFClaim.Output {
        guard case .json(let body) = input.body else { return .badRequest(Self.badRequest("send the amount as JSON")) }
        return try await review(input.path.id, amount: body.amount) { database, user, scope, date, amount in
            try await database.acceptMDFClaim(input.path.id, amount: amount, on: date, actor: user.email, reviewer: scope)
        }.output()
    }

    func rejectMDFClaim(_ input: Operations.rejectMDFClaim.Input) async throws -> Operations.rejectMDFClaim.Output {
        guard case .json(let body) = input.body else { return .badRequest(Self.badRequest("send the reason as JSON")) }
        return try await review(input.path.id, amount: nil) { database, user, scope, date, _ in
            try await database.rejectMDFClaim(input.path.id, reason: body.reason, on: date, actor: user.email, reviewer: scope)
        }.output()
    }

    func claimMDFRequest(_ input: Operations.claimMDFRequest.Input) async throws -> Operations.claimMDFRequest.Output {
        guard let user = Self.currentUser else { return .unauthorized(Self.unauthorized) }
        guard user.role.may(.requestMDF), let partner = user.partner else { return .forbidden(Self.forbidden(user)) }
        guard case .multipartForm(let parts) = input.body else { return .badRequest(Self.badRequest("send the claim as multipart/form-data")) }
        // Another partner's request (or none) is found out before a byte of the files is read.
        do { _ = try await database.read { try await $0.mdfRequest(input.path.id, asOf: today(), within: [partner]) } } catch MDFStoreError.notFound {
            return .notFound(Self.notFound)
        }
        var actualCost = "", amount = ""
        var proofs: [ProofUpload] = []
        do {
            // Each part is read up to its limit: a field is short, a file at most 10 MB (one byte more is "too large").
            for try await part in parts {
                switch part {
                case .actualCost(let field): actualCost = try await Self.text(field.payload.body)
                case .amount(let field): amount = try await Self.text(field.payload.body)
                case .file(let file):
                    guard proofs.count < ProofFile.maximumPerClaim else { return .badRequest(Self.badRequest(MDFError.tooManyProofs(proofs.count + 1).description)) }
                    var bytes: [UInt8] = []
                    // Counted as it arrives: past 10 MB the upload stops (a malformed body throws, below, as a 400).
                    for try await chunk in file.payload.body {
                        bytes += chunk
                        guard bytes.count <= ProofFile.maximumBytes else {
                            return .contentTooLarge(
                                Self.badRequest("proof file '\(file.filename ?? "file")' is larger than \(ProofFile.maximumBytes) bytes (10 MB)"))
                        }
                    }
                    proofs.append(ProofUpload(name: file.filename ?? "", bytes: bytes))
                case .undocumented: continue
                }
            }
        } catch {
            return .badRequest(Self.badRequest("the multipart body is not valid: \(error)"))
        }
        do {
            let date = today()
            let currency = try await currency(on: date)
            let view = try await database.write { database in
                try await database.claimMDF(
                    input.path.id, actualCost: try Self.money("actualCost", actualCost, currency), amount: try Self.money("amount", amount, currency),
                    proofs: proofs, on: date, actor: user.email, partner: partner)
                return try await database.mdfRequest(input.path.id, asOf: date)
            }
            return .ok(.init(body: .json(Self.mdfRequest(view))))
        } catch MDFStoreError.notFound {
            return .notFound(Self.notFound)
        } catch let refusal as any RefusalError {
            return .badRequest(Self.badRequest(refusal.description))
        }
    }

    func getMDFProof(_ input: Operations.getMDFProof.Input) async throws -> Operations.getMDFProof.Output {
        guard let user = Self.currentUser else { return .unauthorized(Self.unauthorized) }
        let access = try await MDFAccess.of(user, database)
        let file: (proof: MDFProofView, bytes: [UInt8])
        do { file = try await database.read { try await $0.mdfProof(input.path.id, within: access.readScope) } } catch MDFStoreError.proofNotFound {
            return .notFound(Self.notFound)
        }
        let body = HTTPBody(file.bytes)
        switch ProofFile.kind(of: file.bytes) {
        case .png?: return .ok(.init(body: .png(body)))
        case .jpeg?: return .ok(.init(body: .jpeg(body)))
        default: return .ok(.init(body: .pdf(body)))
        }
    }

    // MARK: Helpers

    /// What a review operation answered: every review operation has the same five answers.
    enum ReviewOutcome {
        case ok(Components.Schemas.MDFRequest), badRequest(String), unauthorized, forbidden(String), notFound

        func output<Output: ReviewOutput>() -> Output {
            switch self {
            case .ok(let view): return .ok(.init(body: .json(view)))
            case .badRequest(let message): return .badRequest(APIHandler.badRequest(message))
            case .unauthorized: return .unauthorized(APIHandler.unauthorized)
            case .forbidden(let message): return .forbidden(APIHandler.forbidden(message))
            case .notFound: return .notFound(APIHandler.notFound)
            }
        }
    }

    /// A vendor's decision on a request or claim: the permission, the account manager's scope, the amount in the
    /// program's currency, the store's refusal in words, and the request as it now stands.
    private func review(
        _ id: Int64, amount text: String?, _ action: (ChannelbookDatabase, SignedInUser, Set<PartnerCode>?, BusinessDate, Money?) async throws -> Void
    ) async throws -> ReviewOutcome {
        guard let user = Self.currentUser else { return .unauthorized }
        // A partner's own request exists for it (it can read it), so refusing the review is a 403, not a 404.
        guard user.role.may(.reviewMDF) else { return .forbidden("your role (\(user.role.rawValue)) may not review MDF: admins and account managers do") }
        let access = try await MDFAccess.of(user, database)
        do {
            let date = today()
            let currency = try await currency(on: date)
            let amount = try text.map { try Self.money("amount", $0, currency) }
            let view = try await database.write { database in
                try await action(database, user, access.reviewScope, date, amount)
                return try await database.mdfRequest(id, asOf: date)
            }
            return .ok(Self.mdfRequest(view))
        } catch MDFStoreError.notFound {
            return .notFound
        } catch let refusal as any RefusalError {
            return .badRequest(refusal.description)
        }
    }

    private func currency(on date: BusinessDate) async throws -> Currency { try await database.read { try await $0.program(on: date).program.currency } }

    static func forbidden(_ user: SignedInUser) -> Components.Responses.Forbidden {
        forbidden(user.role.isVendor ? "your role (\(user.role.rawValue)) may not do this" : "only a reseller's login requests and claims MDF")
    }

    /// An optional `YYYY-MM-DD` query value: absent is today, malformed is `nil`.
    private func dateOrToday(_ text: String?) -> BusinessDate? { text.map { try? BusinessDate.parse($0) } ?? today() }

    /// The generated code checks types, not lengths: a partner code is 1 to 64 characters, as the document says.
    static func partnerCodeProblem(_ code: String?) -> String? {
        guard let code, code.isEmpty || code.unicodeScalars.count > 64 else { return nil }
        return "partner must be a partner code of 1 to 64 characters"
    }

    static func date(_ text: String?) -> BusinessDate? { text.flatMap { try? BusinessDate.parse($0) } }

    static func money(_ field: String, _ text: String, _ currency: Currency) throws -> Money {
        do { return try Money.parse(text, currency: currency) } catch { throw TextProblem(field: field, problem: "\(error)") }
    }

    static func text(_ body: HTTPBody) async throws -> String {
        String(decoding: try await ArraySlice(collecting: body, upTo: 1024), as: UTF8.self)
    }

    static func mdfRequest(_ view: MDFRequestView) -> Components.Schemas.MDFRequest {
        .init(
            id: view.id, partner: view.partner.rawValue, activity: view.activity, kind: .init(rawValue: view.kind.rawValue)!,
            status: .init(rawValue: view.status.rawValue)!, plannedCost: view.plannedCost.decimalString, requested: view.requested.decimalString,
            approved: view.approved?.decimalString, actualCost: view.actualCost?.decimalString, claimed: view.claimed?.decimalString,
            accepted: view.accepted?.decimalString, startsOn: view.startsOn.description, endsOn: view.endsOn.description,
            requestedOn: view.requestedOn.description, approvedOn: view.approvedOn?.description, claimedOn: view.claimedOn?.description,
            decidedOn: view.decidedOn?.description, paidOn: view.paidOn?.description, claimDeadline: view.claimDeadline.description, reason: view.reason,
            proofs: view.proofs.map { .init(id: $0.id, fileName: $0.fileName, contentType: $0.contentType, sizeBytes: $0.sizeBytes, sha256: $0.sha256) })
    }
}

/// The answers every MDF review operation shares, so one function serves the four of them.
protocol ReviewOutput {
    static func ok(_ response: Components.Responses.MDFRequestChanged) -> Self
    static func badRequest(_ response: Components.Responses.BadRequest) -> Self
    static func unauthorized(_ response: Components.Responses.Unauthorized) -> Self
    static func forbidden(_ response: Components.Responses.Forbidden) -> Self
    static func notFound(_ response: Components.Responses.NotFound) -> Self
}

extension Operations.approveMDFRequest.Output: ReviewOutput {}
extension Operations.rejectMDFRequest.Output: ReviewOutput {}
extension Operations.acceptMDFClaim.Output: ReviewOutput {}
extension Operations.rejectMDFClaim.Output: ReviewOutput {}
