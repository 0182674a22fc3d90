import ChannelbookCore
import SQLKit

/// What a partner registers: an end-customer opportunity it passes on.
public struct ReferralRequest: Sendable {
    public var partner: PartnerCode
    public var customer: String
    public var abn: String?
    public var domain: String?
    public var contact = ""
    public var expectedSeats: Int64?
    public var sku: SKU?
    public var notes = ""

    public init(partner: PartnerCode, customer: String, abn: String? = nil, domain: String? = nil) {
        self.partner = partner
        self.customer = customer
        self.abn = abn
        self.domain = domain
    }
}

/// A registration as the vendor sees it, with its status on the date asked about.
public struct ReferralView: Sendable, Equatable {
    public let id: ReferralID
    public let partner: PartnerCode
    public let customer: String
    public let abn: String?
    public let domain: String?
    public let contact: String
    public let expectedSeats: Int64?
    public let sku: String?
    public let notes: String
    public let registeredBy: String
    public let status: ReferralStatus
    public let fulfiller: String?
    public let reason: String
    /// The dates and the last recorded status its `status` on any day follows from.
    public let lifecycle: ReferralLifecycle
    public var registeredOn: BusinessDate { lifecycle.registeredOn }
    public var approvedOn: BusinessDate? { lifecycle.approvedOn }
    public var expiresOn: BusinessDate? { lifecycle.expiresOn }
    public var endedOn: BusinessDate? { lifecycle.endedOn }
    /// Registrations for the same customer refused while this one was open: `(partner, date)`.
    public let refusedDuplicates: [(partner: PartnerCode, on: BusinessDate)]

    public static func == (lhs: ReferralView, rhs: ReferralView) -> Bool { lhs.id == rhs.id && lhs.status == rhs.status }
}

/// A won referral: the sale recorded and the fee it earns, on the statement of its close date's quarter.
public struct ClosedReferralOutcome: Sendable {
    public let id: ReferralID
    public let partner: PartnerCode
    public let quarter: Quarter
    public let fee: ReferralFeeResult
}

/// Why a referral action was refused, in words for the partner or the vendor.
public enum ReferralError: RefusalError, Equatable, Sendable {
    case unknownPartner(String)
    case unknownSKU(String)
    case noPrice(sku: String, on: BusinessDate)
    case nonPositiveSeats(Int64)
    case needsIdentifier
    case invalidABN(String)
    case invalidDomain(String)
    case emptyCustomer
    case duplicate(registeredOn: BusinessDate)
    case notFound(ReferralID)
    case notAllowed(action: String, id: ReferralID, status: ReferralStatus)
    case beforeRegistration(action: String, on: BusinessDate, registeredOn: BusinessDate)
    case beforeApproval(action: String, on: BusinessDate, approvedOn: BusinessDate)
    case wonInFuture(on: BusinessDate, today: BusinessDate)
    case missingReason

    public var description: String {
        switch self {
        case .unknownPartner(let code): return "no partner has the code '\(code)'"
        case .unknownSKU(let sku): return "'\(sku)' is not in the price book"
        case let .noPrice(sku, date): return "\(sku) has no price on \(date), so no fee can be computed"
        case .nonPositiveSeats(let seats): return "seats must be a positive whole number, not \(seats)"
        case .needsIdentifier: return "give the customer's ABN or email domain (at least one), so duplicates can be recognised"
        case .invalidABN(let message): return message
        case .invalidDomain(let text): return "'\(text)' is not an email domain (such as acme.com.au)"
        case .emptyCustomer: return "the customer's name is required"
        case .duplicate(let date):
            return "this customer already has an open registration (registered on \(date)); the first registration wins"
        case .notFound(let id): return "no referral has the id \(id.reference)"
        case let .notAllowed(action, id, status): return "referral \(id.reference) is \(status.rawValue) and cannot be \(action)"
        case let .beforeRegistration(action, date, registeredOn):
            return "cannot be \(action) on \(date), before it was registered (\(registeredOn))"
        case let .beforeApproval(action, date, approvedOn):
            return "cannot be \(action) on \(date), before it was approved (\(approvedOn))"
        case let .wonInFuture(date, today):
            return "a referral cannot be won on \(date), a date that has not come yet (today is \(today)): record the win on the day it happened"
        case .missingReason: return "a reason is required"
        }
    }
}

extension ChannelbookDatabase {
    /// Registers a referral unless its customer already has an open registration (by any partner).
    ///
    /// A refused duplicate is recorded for the vendor before the refusal is thrown; the message names the
    /// earlier registration's date, never its partner.
    public func registerReferral(_ request: ReferralRequest, on date: BusinessDate, actor: String) async throws -> ReferralID {
        try await requireInitialised()
        let outcome: Result<ReferralID, ReferralError> = try await transaction(locking: [.referrals]) {
            let directory = try await PartnerDirectory.load(from: self)
            guard let partner = directory.byCode[request.partner] else { throw ReferralError.unknownPartner(request.partner.rawValue) }
            let identity = try validatedIdentity(request)
            if let sku = request.sku, !(try await PriceBook.load(from: self)).knows(sku) { throw ReferralError.unknownSKU(sku.rawValue) }
            if let seats = request.expectedSeats, seats <= 0 { throw ReferralError.nonPositiveSeats(seats) }
            if let open = try await openRegistration(matching: identity, on: date) {
                try await sql.raw(
                    """
                    INSERT INTO referral_duplicate_attempts (registration_id, partner_id, customer_name, attempted_on, attempted_by)
                    VALUES (\(bind: open.id.rawValue), \(bind: partner.id.rawValue), \(bind: request.customer), \(bind: date.description), \(bind: actor))
                    """
                ).run()
                return .failure(.duplicate(registeredOn: open.registeredOn))
            }
            let row = try await sql.raw(
                """
                INSERT INTO referral_registrations (partner_id, customer_name, customer_key, abn, domain, contact, expected_seats, sku, notes,
                                                    registered_on, registered_by, status, reason)
                VALUES (\(bind: partner.id.rawValue), \(bind: request.customer), \(bind: identity.normalizedName), \(bind: identity.abn?.digits),
                        \(bind: identity.domain), \(bind: request.contact), \(bind: request.expectedSeats), \(bind: request.sku?.rawValue),
                        \(bind: request.notes), \(bind: date.description), \(bind: actor), 'registered', '')
                RETURNING id
                """
            ).first()!
            let id = ReferralID(try row.decode(column: "id", as: Int64.self))
            try await audit(actor: actor, action: "register referral", partner: partner.id, subject: Self.referralAuditSubject(id), after: request.customer)
            try await emitWebhookEvent(
                .referralRegistered,
                ["id": .number(id.rawValue), "partner": .text(request.partner.rawValue), "customer": .text(request.customer), "registeredOn": .text(date.description)])
            return .success(id)
        }
        return try outcome.get()
    }

    /// The vendor approves a registered referral, optionally naming who will fulfil the sale.
    public func approveReferral(_ id: ReferralID, fulfiller: String?, on date: BusinessDate, actor: String = "system") async throws {
        try await requireInitialised()
        try await transaction(locking: [.referrals]) {
            let referral = try await requireReferral(id, on: date, action: "approved", allowed: [.registered])
            if let fulfiller { try await checkFulfiller(fulfiller) }
            let program = try await program(on: date).program
            let expires = ReferralLifecycle.expiry(approvedOn: date, expiryDays: program.referral.expiryDays)
            try await sql.raw(
                """
                UPDATE referral_registrations SET status = 'approved', approved_on = \(bind: date.description), expires_on = \(bind: expires.description),
                       fulfiller = \(bind: fulfiller) WHERE id = \(bind: referral.id.rawValue)
                """
            ).run()
            try await auditReferral(referral, actor: actor, action: "approve referral", after: "approved on \(date), expires \(expires)")
            try await emitWebhookEvent(
                .referralApproved,
                [
                    "id": .number(referral.id.rawValue), "partner": .text(referral.partner.rawValue), "approvedOn": .text(date.description),
                    "expiresOn": .text(expires.description), "fulfiller": .text(fulfiller ?? referral.partner.rawValue),
                ])
        }
    }

    /// The vendor rejects a registered referral, with a reason the partner will read.
    public func rejectReferral(_ id: ReferralID, reason: String, on date: BusinessDate, actor: String = "system") async throws {
        try await end(id, as: .rejected, reason: reason, on: date, allowed: [.registered], action: "rejected", actor: actor)
    }

    /// The opportunity was lost: closed with no fee.
    public func loseReferral(_ id: ReferralID, reason: String, on date: BusinessDate, actor: String = "system") async throws {
        try await end(id, as: .lost, reason: reason, on: date, allowed: [.registered, .approved], action: "closed as lost", actor: actor)
    }

    /// Records the won sale: SKU, seats, close date and fulfiller. The fee (seat band × per-seat price on the
    /// close date × seats; nothing if self-fulfilled when the program says so) lands on the referring
    /// partner's statement for the close date's quarter. A win dated after `today` (UTC when not given) is
    /// refused: it would put a fee into a quarter that may be closed before the sale happens.
    public func closeReferral(
        _ id: ReferralID, sku: SKU, seats: Int64, on date: BusinessDate, fulfiller: String?, actor: String = "system",
        today: BusinessDate? = nil
    ) async throws -> ClosedReferralOutcome {
        try await requireInitialised()
        // A won referral puts a fee on a statement: it takes the ledger's turn as well as the referrals'.
        return try await transaction(locking: [.ledger, .referrals]) {
            let win = try await referralWin(id, sku: sku, seats: seats, on: date, fulfiller: fulfiller, today: today ?? Self.today())
            let referral = win.referral, fee = win.outcome.fee
            let partnerID = try await PartnerDirectory.load(from: self).byCode[referral.partner]!.id
            try await sql.raw(
                """
                UPDATE referral_registrations SET status = 'won', ended_on = \(bind: date.description), fulfiller = \(bind: win.fulfilledBy)
                WHERE id = \(bind: id.rawValue)
                """
            ).run()
            try await sql.raw(
                """
                INSERT INTO closed_referrals (referral_id, partner_id, customer, sku, seats, closed_on, quarter, self_fulfilled, registration_id)
                VALUES (\(bind: id.reference), \(bind: partnerID.rawValue), \(bind: referral.customer), \(bind: sku.rawValue), \(bind: seats),
                        \(bind: date.description), \(bind: Quarter(containing: date).description), \(bind: win.selfFulfilled ? 1 : 0), \(bind: id.rawValue))
                """
            ).run()
            try await noteLedgerChange()
            try await auditReferral(
                referral, actor: actor, action: "close referral", after: "won \(seats) seats of \(sku.rawValue) on \(date), fee \(fee.amount.displayString)")
            try await emitWebhookEvent(
                .referralWon,
                [
                    "id": .number(id.rawValue), "partner": .text(referral.partner.rawValue), "sku": .text(sku.rawValue), "seats": .number(seats),
                    "closedOn": .text(date.description), "fee": .text(fee.amount.decimalString), "currency": .text(fee.amount.currency.code),
                    "quarter": .text(Quarter(containing: date).description),
                ])
            return win.outcome
        }
    }

    /// What closing the referral as won would earn, checked exactly as `closeReferral` checks it, and nothing
    /// recorded: the web app shows the fee before the win is confirmed.
    public func previewReferralWin(
        _ id: ReferralID, sku: SKU, seats: Int64, on date: BusinessDate, fulfiller: String?, today: BusinessDate
    ) async throws -> ClosedReferralOutcome {
        try await requireInitialised()
        return try await referralWin(id, sku: sku, seats: seats, on: date, fulfiller: fulfiller, today: today).outcome
    }

    /// The win's checks and fee, for `closeReferral` and its preview alike.
    private func referralWin(_ id: ReferralID, sku: SKU, seats: Int64, on date: BusinessDate, fulfiller: String?, today: BusinessDate) async throws
        -> (referral: ReferralView, outcome: ClosedReferralOutcome, fulfilledBy: String?, selfFulfilled: Bool)
    {
        guard date <= today else { throw ReferralError.wonInFuture(on: date, today: today) }
        let referral = try await requireReferral(id, on: date, action: "closed", allowed: [.approved])
        guard seats > 0 else { throw ReferralError.nonPositiveSeats(seats) }
        let priceBook = try await PriceBook.load(from: self)
        guard priceBook.knows(sku) else { throw ReferralError.unknownSKU(sku.rawValue) }
        guard let price = priceBook.entry(for: sku, on: date) else { throw ReferralError.noPrice(sku: sku.rawValue, on: date) }
        let fulfilledBy = fulfiller ?? referral.fulfiller
        if let fulfilledBy { try await checkFulfiller(fulfilledBy) }
        let program = try await program(on: date).program
        let selfFulfilled = fulfilledBy == referral.partner.rawValue
        let fee = try ReferralFeeCalculator.compute(
            program: program, seats: seats, unitPrice: Money(minorUnits: price.partnerBuyPriceMinor, currency: program.currency),
            selfFulfilled: selfFulfilled)
        return (referral, ClosedReferralOutcome(id: id, partner: referral.partner, quarter: Quarter(containing: date), fee: fee), fulfilledBy, selfFulfilled)
    }


    /// What the audit log names a referral by.
    static func referralAuditSubject(_ id: ReferralID) -> String { "referral \(id.reference)" }

    /// Every name the audit log has had for a referral: entries written before the one id (`REG-12`) used its number.
    public static func referralAuditSubjects(_ id: ReferralID) -> [String] { [referralAuditSubject(id), "referral \(id.rawValue)"] }

    /// Registrations with their status on `asOf`, newest first, filtered by partner, status and registration quarter.
    public func referrals(partner: PartnerCode? = nil, status: ReferralStatus? = nil, quarter: Quarter? = nil, asOf: BusinessDate) async throws
        -> [ReferralView]
    {
        try await requireInitialised()
        let query = referralSelection(ReferralFilter(partner: partner, status: status, quarter: quarter), asOf: asOf) + " ORDER BY id DESC"
        return try await sql.raw(query).all().compactMap { try referralView(of: $0, asOf: asOf) }
    }

    /// Registrations newest first, a page at a time by id, the status filtered in SQL.
    public func referralPage(partner: PartnerCode? = nil, status: ReferralStatus? = nil, asOf: BusinessDate, before cursor: Int64? = nil, limit: Int) async throws
        -> KeyedPage<ReferralView>
    {
        try await requireInitialised()
        var query = referralSelection(ReferralFilter(partner: partner, status: status), asOf: asOf)
        if let cursor { query += " AND id < \(bind: cursor)" }
        query += " ORDER BY id DESC LIMIT \(bind: limit + 1)"
        let found = try await sql.raw(query).all().compactMap { try referralView(of: $0, asOf: asOf) }
        let next = found.count > limit ? String(found[limit - 1].id.rawValue) : nil
        return KeyedPage(items: Array(found.prefix(limit)), nextCursor: next)
    }

    /// One registration with its status on `asOf` and the duplicates refused against it.
    public func referral(_ id: ReferralID, asOf: BusinessDate) async throws -> ReferralView {
        try await requireInitialised()
        guard let row = try await sql.raw(
            "SELECT r.*, p.code FROM referral_registrations r JOIN partners p ON p.id = r.partner_id WHERE r.id = \(bind: id.rawValue)"
        ).first() else { throw ReferralError.notFound(id) }
        let duplicates = try await sql.raw(
            """
            SELECT p.code, a.attempted_on FROM referral_duplicate_attempts a JOIN partners p ON p.id = a.partner_id
            WHERE a.registration_id = \(bind: id.rawValue) ORDER BY a.id
            """
        ).all().map { (PartnerCode(rawValue: try $0.decode(column: "code", as: String.self)), try BusinessDate.parse($0.decode(column: "attempted_on", as: String.self))) }
        guard let view = try referralView(of: row, asOf: asOf, duplicates: duplicates) else { throw ReferralError.notFound(id) }
        return view
    }

    // MARK: - Helpers

    private func validatedIdentity(_ request: ReferralRequest) throws -> CustomerIdentity {
        guard !request.customer.allSatisfy(\.isWhitespace) else { throw ReferralError.emptyCustomer }
        for (field, text, limit) in [
            ("customer", request.customer, TextRules.Limit.name), ("abn", request.abn ?? "", 20), ("domain", request.domain ?? "", 253),
            ("contact", request.contact, TextRules.Limit.name), ("notes", request.notes, TextRules.Limit.note),
        ] {
            try TextRules.require(field, text, maximumLength: limit)
        }
        let abnText = request.abn.flatMap { $0.isEmpty ? nil : $0 }
        let domainText = request.domain.flatMap { $0.isEmpty ? nil : $0 }
        guard abnText != nil || domainText != nil else { throw ReferralError.needsIdentifier }
        var abn: ABN?
        if let abnText {
            do { abn = try ABN.parse(abnText) } catch { throw ReferralError.invalidABN("\(error)") }
        }
        var domain: String?
        if let domainText {
            guard let normalized = CustomerIdentity.normalize(domain: domainText) else { throw ReferralError.invalidDomain(domainText) }
            domain = normalized
        }
        return CustomerIdentity(name: request.customer, abn: abn, domain: domain)
    }

    /// The earliest registration for the same customer that is open on `date`, if any.
    private func openRegistration(matching identity: CustomerIdentity, on date: BusinessDate) async throws -> ReferralView? {
        var query: SQLQueryString = """
            SELECT r.*, p.code FROM referral_registrations r JOIN partners p ON p.id = r.partner_id
            WHERE r.status IN ('registered', 'approved') AND (r.customer_key = \(bind: identity.normalizedName)
            """
        if let abn = identity.abn { query.appendInterpolation(" OR r.abn = \(bind: abn.digits)" as SQLQueryString) }
        if let domain = identity.domain { query.appendInterpolation(" OR r.domain = \(bind: domain)" as SQLQueryString) }
        query.appendLiteral(") ORDER BY r.registered_on, r.id")
        for row in try await sql.raw(query).all() {
            if let view = try referralView(of: row, asOf: date), view.status.isOpen { return view }
        }
        return nil
    }

    private func requireReferral(_ id: ReferralID, on date: BusinessDate, action: String, allowed: Set<ReferralStatus>) async throws -> ReferralView {
        let referral = try await referral(id, asOf: date)
        guard date >= referral.registeredOn else {
            throw ReferralError.beforeRegistration(action: action, on: date, registeredOn: referral.registeredOn)
        }
        if let refusal = referral.lifecycle.refusal(of: allowed, on: date) { throw ReferralError.notAllowed(action: action, id: id, status: refusal) }
        // Nor dated before the approval it follows: a loss dated then would hide an approval already announced.
        if let approvedOn = referral.approvedOn, date < approvedOn {
            throw ReferralError.beforeApproval(action: action, on: date, approvedOn: approvedOn)
        }
        return referral
    }

    private func end(
        _ id: ReferralID, as status: ReferralStatus, reason: String, on date: BusinessDate, allowed: Set<ReferralStatus>, action: String, actor: String
    ) async throws {
        try await requireInitialised()
        if status == .rejected && reason.allSatisfy(\.isWhitespace) { throw ReferralError.missingReason }
        try TextRules.require("reason", reason, maximumLength: TextRules.Limit.reason)
        try await transaction(locking: [.referrals]) {
            let referral = try await requireReferral(id, on: date, action: action, allowed: allowed)
            try await auditReferral(referral, actor: actor, action: "\(status.rawValue) referral", after: "\(status.rawValue) on \(date): \(reason)")
            try await sql.raw(
                """
                UPDATE referral_registrations SET status = \(bind: status.rawValue), ended_on = \(bind: date.description), reason = \(bind: reason)
                WHERE id = \(bind: id.rawValue)
                """
            ).run()
        }
    }

    private func auditReferral(_ referral: ReferralView, actor: String, action: String, after: String) async throws {
        let partner = try await PartnerDirectory.load(from: self).byCode[referral.partner]?.id
        try await audit(
            actor: actor, action: action, partner: partner, subject: Self.referralAuditSubject(referral.id), before: referral.status.rawValue, after: after)
    }

    /// A fulfiller is DIRECT (the vendor) or a known partner's code.
    private func checkFulfiller(_ fulfiller: String) async throws {
        guard fulfiller != "DIRECT" else { return }
        let known = try await sql.raw("SELECT COUNT(*) AS n FROM partners WHERE code = \(bind: fulfiller)").first()!.decode(column: "n", as: Int.self)
        if known == 0 { throw ReferralError.unknownPartner(fulfiller) }
    }

    /// A registration row as it stands on `asOf`; nil before it was registered.
    func referralView(of row: any SQLRow, asOf: BusinessDate, duplicates: [(PartnerCode, BusinessDate)] = []) throws -> ReferralView? {
        func date(_ column: String) throws -> BusinessDate? {
            try row.decode(column: column, as: String?.self).map { try BusinessDate.parse($0) }
        }
        let lifecycle = ReferralLifecycle(
            stored: try row.stored(ReferralStatus.self, column: "status"), registeredOn: try date("registered_on")!,
            approvedOn: try date("approved_on"), expiresOn: try date("expires_on"), endedOn: try date("ended_on"))
        guard let status = lifecycle.status(on: asOf) else { return nil }
        return ReferralView(
            id: ReferralID(try row.decode(column: "id", as: Int64.self)), partner: PartnerCode(try row.decode(column: "code", as: String.self)),
            customer: try row.decode(column: "customer_name", as: String.self), abn: try row.decode(column: "abn", as: String?.self),
            domain: try row.decode(column: "domain", as: String?.self), contact: try row.decode(column: "contact", as: String.self),
            expectedSeats: try row.decode(column: "expected_seats", as: Int64?.self), sku: try row.decode(column: "sku", as: String?.self),
            notes: try row.decode(column: "notes", as: String.self),
            registeredBy: try row.decode(column: "registered_by", as: String.self), status: status,
            fulfiller: try row.decode(column: "fulfiller", as: String?.self), reason: try row.decode(column: "reason", as: String.self),
            lifecycle: lifecycle, refusedDuplicates: duplicates.map { (partner: $0.0, on: $0.1) })
    }
}
