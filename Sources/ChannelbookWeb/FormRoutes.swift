import HTTPTypes
import ChannelbookCore
import ChannelbookStore
import Hummingbird

/// The forms that change things: registering and reviewing referrals, closing and approving a quarter.
/// Each checks the session's CSRF token and the login's permission before touching the store, and
/// answers a refusal with the store's message (400), never a 500.
struct FormRoutes {
    let database: DatabasePool

    struct ReferralForm: Decodable {
        let csrf: String
        let customer: String
        let abn: String?
        let domain: String?
        let contact: String?
        /// Text, as browsers send an empty field for an empty number input.
        let seats: String?
        let sku: String?
        let notes: String?
        /// Vendor admins register on a partner's behalf; partner logins always for their own partner.
        let partner: String?
    }

    struct CloseReferralForm: Decodable {
        let csrf: String
        let sku: String
        let seats: String
        let closedOn: String
        let fulfiller: String?
    }

    struct ReviewForm: Decodable {
        let csrf: String
        let fulfiller: String?
        let reason: String?
    }

    func register(on router: Router<WebContext>) {
        router.post("/referrals") { request, context in
            let user = try context.require(.registerReferral)
            let form = try await Self.decodeForm(ReferralForm.self, request, context)
            try context.checkCSRF(form.csrf)
            var seats: Int64?
            if let text = form.seats.nonEmpty {
                guard let number = Int64(text) else { throw WebError(.badRequest, "expected seats must be a whole number, not '\(text)'", json: false) }
                seats = number
            }
            guard let partner = user.role == .partner ? user.partner : form.partner.map({ PartnerCode(rawValue: $0) }) else {
                throw WebError(.badRequest, "name the partner the referral is for", json: false)
            }
            var referral = ReferralRequest(partner: partner, customer: form.customer, abn: form.abn.nonEmpty, domain: form.domain.nonEmpty)
            referral.contact = form.contact ?? ""
            referral.expectedSeats = seats
            referral.sku = form.sku.nonEmpty.map { SKU(rawValue: $0) }
            referral.notes = form.notes ?? ""
            _ = try await refusalsAsBadRequest { try await database.write { try await $0.registerReferral(referral, on: WebClock.today(context), actor: user.email) } }
            return Response.redirect(to: "/referrals", type: .normal)
        }
        router.post("/referrals/:id/approve") { request, context in
            let user = try context.require(.reviewReferrals)
            let form = try await Self.decodeForm(ReviewForm.self, request, context)
            try context.checkCSRF(form.csrf)
            let id = try referralID(context)
            try await refusalsAsBadRequest {
                try await database.write { try await $0.approveReferral(id, fulfiller: form.fulfiller.nonEmpty, on: WebClock.today(context), actor: user.email) }
            }
            return Response.redirect(to: "/referrals", type: .normal)
        }
        router.post("/referrals/:id/reject") { request, context in
            let user = try context.require(.reviewReferrals)
            let form = try await Self.decodeForm(ReviewForm.self, request, context)
            try context.checkCSRF(form.csrf)
            let id = try referralID(context)
            try await refusalsAsBadRequest {
                try await database.write { try await $0.rejectReferral(id, reason: form.reason ?? "", on: WebClock.today(context), actor: user.email) }
            }
            return Response.redirect(to: "/referrals", type: .normal)
        }
        router.post("/referrals/:id/close") { request, context in
            let user = try context.require(.reviewReferrals)
            let form = try await Self.decodeForm(CloseReferralForm.self, request, context)
            try context.checkCSRF(form.csrf)
            let id = try referralID(context)
            guard let seats = Int64(form.seats) else { throw WebError(.badRequest, "seats must be a whole number, not '\(form.seats)'", json: false) }
            guard let date = try? BusinessDate.parse(form.closedOn) else { throw WebError(.badRequest, "'\(form.closedOn)' is not a date (YYYY-MM-DD)", json: false) }
            _ = try await refusalsAsBadRequest {
                try await database.write { try await $0.closeReferral(id, sku: SKU(rawValue: form.sku), seats: seats, on: date, fulfiller: form.fulfiller.nonEmpty, actor: user.email, today: WebClock.today(context)) }
            }
            return Response.redirect(to: "/referrals", type: .normal)
        }
    }

    /// A form's fields, or 400 when a required one is missing or malformed.
    static func decodeForm<Form: Decodable>(_ type: Form.Type, _ request: Request, _ context: WebContext) async throws -> Form {
        do { return try await request.decode(as: type, context: context) } catch let error as DecodingError {
            throw WebError(.badRequest, "the form is incomplete or malformed: \(Self.describe(error))", json: false)
        } catch let error as HTTPError where error.status == .badRequest {
            // Hummingbird reports the decoding error itself; keep its reason, answer as a page.
            throw WebError(.badRequest, "the form is incomplete or malformed: \(error.body ?? "a field is missing")", json: false)
        }
    }

    static func describe(_ error: DecodingError) -> String {
        switch error {
        case .keyNotFound(let key, _): return "\(key.stringValue) is required"
        case .typeMismatch(_, let context), .valueNotFound(_, let context), .dataCorrupted(let context):
            return (context.codingPath.last?.stringValue).map { "\($0) is not valid" } ?? "not valid"
        @unknown default: return "not valid"
        }
    }

    private func referralID(_ context: WebContext) throws -> ReferralID {
        guard let id = context.parameters.get("id").flatMap(Int64.init) else { throw WebError.notFound(json: false) }
        return ReferralID(id)
    }

    /// A store refusal becomes a 400 page with its message.
    private func refusalsAsBadRequest<T>(_ body: () async throws -> T) async throws -> T {
        do { return try await body() } catch ReferralError.notFound {
            throw WebError.notFound(json: false)
        } catch let failure as DatabaseFailure {
            throw WebError(failure, json: false)
        } catch let refusal as any RefusalError {
            throw WebError(.badRequest, refusal.description, json: false)
        }
    }
}

extension WebContext {
    /// A login holding `permission`: 404 for a partner (vendor actions do not exist for it), 403 for a vendor role without it.
    func require(_ permission: Permission) throws -> SignedInUser {
        let user = try requireUser(json: false)
        switch user.role.refusal(lacking: permission) {
        case nil: break
        case .forbidden?: throw WebError(.forbidden, "your role (\(user.role.rawValue)) may not \(permission.phrase)", json: false)
        case .notFound?: throw WebError.notFound(json: false)
        }
        return user
    }

    /// For uploads, checked before a byte of the body is read: the token comes in the form's action URL
    /// (`?csrf=…`) or an `X-CSRF-Token` header, so a forged or anonymous upload is refused without being streamed.
    func checkCSRFBeforeBody(_ request: Request) throws {
        try checkCSRF(request.headers[HTTPField.Name("X-CSRF-Token")!] ?? request.formQuery.get("csrf") ?? "")
    }

    /// The form's CSRF token must be the session's: a bearer-token client has no forms.
    func checkCSRF(_ token: String) throws {
        guard let session, token == session.csrfToken else {
            throw WebError(.forbidden, "the form has expired: reload the page and try again", json: false)
        }
    }
}

extension Optional where Wrapped == String {
    /// `nil` for an absent or empty form field.
    var nonEmpty: String? { flatMap { $0.isEmpty ? nil : $0 } }
}
