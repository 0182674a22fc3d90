/// What an MDF request funds.
public enum MDFActivityKind: String, CaseIterable, Sendable, Codable {
    case event, campaign, training, other
}

/// Where an MDF request stands. `lapsed` and `paid` are never stored: they are an approved request seen after
/// its claim deadline, and an accepted one seen after its statement was approved — derived for any date.
public enum MDFRequestStatus: String, CaseIterable, Sendable, Codable {
    /// Asked for, awaiting the vendor's decision.
    case requested
    /// Approved in full or in part: that amount is reserved.
    case approved
    case rejected
    /// Claimed after the activity, with proof; awaiting the vendor's review.
    case claimed
    /// The claim was accepted (in full or in part): payable on the partner's next statement.
    case accepted
    /// The claim was rejected: the reservation went back.
    case claimRejected = "claim_rejected"
    /// Approved but not claimed by the deadline: the reservation went back the day after.
    case lapsed
    /// Accepted and on an approved statement.
    case paid

    /// Stored statuses: what an action records.
    public var isStored: Bool { self != .lapsed && self != .paid }

    /// The status in words, as pages show it (the raw value is the stored and exported name).
    public var label: String { self == .claimRejected ? "claim rejected" : rawValue }
}

/// An MDF request with everything that decides its status on any day.
public struct MDFRequestFacts: Hashable, Sendable {
    public let id: Int64
    public let partner: PartnerID
    public let activity: String
    public let kind: MDFActivityKind
    public let plannedCost: Int64
    public let requested: Int64
    public let startsOn: BusinessDate
    public let endsOn: BusinessDate
    public let requestedOn: BusinessDate
    /// The last day a claim may be made: fixed when the request is made (`MDFPolicy.claimDeadline`), so a later
    /// program version never moves a deadline the ledger has already acted on.
    public let claimDeadline: BusinessDate
    /// The last status an action recorded.
    public let stored: MDFRequestStatus
    public let approved: Int64?
    public let approvedOn: BusinessDate?
    /// Why the request or its claim was rejected.
    public let reason: String?
    public let actualCost: Int64?
    public let claimed: Int64?
    public let claimedOn: BusinessDate?
    public let accepted: Int64?
    /// When the claim was accepted or rejected, or the request rejected.
    public let decidedOn: BusinessDate?
    public let paidOn: BusinessDate?
    public let proofCount: Int

    public init(
        id: Int64, partner: PartnerID, activity: String, kind: MDFActivityKind, plannedCost: Int64, requested: Int64, startsOn: BusinessDate,
        endsOn: BusinessDate, requestedOn: BusinessDate, claimDeadline: BusinessDate, stored: MDFRequestStatus, approved: Int64?, approvedOn: BusinessDate?, reason: String?,
        actualCost: Int64?, claimed: Int64?, claimedOn: BusinessDate?, accepted: Int64?, decidedOn: BusinessDate?, paidOn: BusinessDate?, proofCount: Int
    ) {
        precondition(stored.isStored, "lapsed and paid are derived, never stored")
        self.id = id
        self.partner = partner
        self.activity = activity
        self.kind = kind
        self.plannedCost = plannedCost
        self.requested = requested
        self.startsOn = startsOn
        self.endsOn = endsOn
        self.requestedOn = requestedOn
        self.claimDeadline = claimDeadline
        self.stored = stored
        self.approved = approved
        self.approvedOn = approvedOn
        self.reason = reason
        self.actualCost = actualCost
        self.claimed = claimed
        self.claimedOn = claimedOn
        self.accepted = accepted
        self.decidedOn = decidedOn
        self.paidOn = paidOn
        self.proofCount = proofCount
    }

    /// The status at the end of `date`; `nil` before the request existed.
    public func status(on date: BusinessDate) -> MDFRequestStatus? {
        guard date >= requestedOn else { return nil }
        if let paidOn, paidOn <= date { return .paid }
        if let decidedOn, decidedOn <= date, [.rejected, .accepted, .claimRejected].contains(stored) { return stored }
        if let claimedOn, claimedOn <= date, stored != .approved, stored != .requested { return .claimed }
        guard let approvedOn, approvedOn <= date, stored != .requested, stored != .rejected else { return .requested }
        return date > claimDeadline ? .lapsed : .approved
    }

    /// What the request asked for and what became of it: the explanation of its statement line.
    public func explanation(currency: Currency) -> [String] {
        func money(_ minor: Int64?) -> String { minor.map { Money(minorUnits: $0, currency: currency).decimalString } ?? "—" }
        return [
            "MDF request \(id): \(activity) (\(kind.rawValue), \(startsOn) to \(endsOn))",
            "planned cost \(money(plannedCost)), requested \(money(requested)), approved \(money(approved))",
            "actual cost \(money(actualCost)), claimed \(money(claimed))\(claimedOn.map { " on \($0)" } ?? "")",
            "accepted \(money(accepted))\(decidedOn.map { " on \($0)" } ?? ""), with \(proofCount) proof file\(proofCount == 1 ? "" : "s")",
        ]
    }
}

/// The MDF rules of PRODUCT.md section 2, once: who is allocated what, when money expires, the share of cost,
/// the claim deadline, and every refusal. The store records; these decide.
public enum MDFPolicy {
    /// The quarter's allocation for a reseller holding `tier` on its first day; `nil` when none is due.
    public static func allocation(for tier: ResellerTier?, _ rules: MDFRules) -> Money? {
        guard let tier, rules.eligibleTiers.contains(tier), let amount = rules.allocationPerQuarter[tier], amount.minorUnits > 0 else { return nil }
        return amount
    }

    /// The first day an allocation of `quarter` has expired: the day after the end of the quarter
    /// `allocationExpiresAfterQuarters` after its own (2026Q1 with 1 → expired from 2026-07-01).
    public static func expiresOn(_ quarter: Quarter, _ rules: MDFRules) -> BusinessDate {
        let index = quarter.year * 4 + (quarter.number - 1) + rules.allocationExpiresAfterQuarters + 1
        return Quarter(year: index / 4, number: index % 4 + 1).map(\.firstDay) ?? BusinessDate(year: 9999, month: 12, day: 31)!
    }

    /// The most the vendor funds of an activity costing `cost`: `cost × max_share_of_cost`, rounded down to the cent
    /// (rounding rule `down`: the vendor never funds a fraction of a cent over the share).
    public static func maximumFunding(of cost: Int64, _ rules: MDFRules) -> Int64 {
        Int64(RoundingMode.down.divide(Int128(cost) * Int128(rules.maxShareOfCost.rawValue), by: 10_000))
    }

    /// The last day a claim for an activity ending on `endsOn` may be made.
    public static func claimDeadline(endsOn: BusinessDate, _ rules: MDFRules) -> BusinessDate {
        let (day, overflow) = endsOn.daysSinceEpoch.addingReportingOverflow(rules.claimWithinDays)
        return (overflow ? nil : BusinessDate(daysSinceEpoch: day)) ?? BusinessDate(year: 9999, month: 12, day: 31)!
    }

    /// A new request: positive amounts, an activity that ends on or after it starts, at most the share of the
    /// planned cost, and at most what is available on the request's date.
    public static func checkRequest(plannedCost: Int64, amount: Int64, startsOn: BusinessDate, endsOn: BusinessDate, available: Int64, on date: BusinessDate, _ rules: MDFRules,
        currency: Currency
    ) throws(MDFError) {
        func money(_ minor: Int64) -> Money { Money(minorUnits: minor, currency: currency) }
        guard plannedCost > 0 else { throw .notPositive(field: "planned cost") }
        guard amount > 0 else { throw .notPositive(field: "amount") }
        guard endsOn >= startsOn else { throw .endsBeforeStart(startsOn: startsOn, endsOn: endsOn) }
        let deadline = claimDeadline(endsOn: endsOn, rules)
        // The day after the deadline (when an unclaimed reservation is released) must be a date the calendar has.
        guard deadline <= LineLimits.latestDate else { throw .notEligible("the activity must end early enough to be claimed by \(LineLimits.latestDate)") }
        guard date <= deadline else { throw .claimLate(deadline: deadline, on: date) }
        try checkShare(amount, of: plannedCost, "planned cost", rules, currency)
        guard amount <= available else { throw .overAvailable(asked: money(amount), available: money(available), on: date) }
    }

    /// An approval of all or part of a request; the reservation itself checks what is available.
    /// Any decision on a request (approve or reject): it awaits one, and the decision is not dated before it.
    public static func checkRequestDecision(_ request: MDFRequestFacts, on date: BusinessDate) throws(MDFError) {
        guard request.stored == .requested else { throw .wrongStatus(request.id, request.stored, expected: "requested") }
        guard date >= request.requestedOn else { throw .beforeEarlierStep(date, "the request", request.requestedOn) }
    }

    /// Any decision on a claim (accept or reject): one awaits review, and the decision is not dated before it.
    /// - Returns: the amount claimed.
    @discardableResult
    public static func checkClaimDecision(_ request: MDFRequestFacts, on date: BusinessDate) throws(MDFError) -> Int64 {
        guard request.stored == .claimed, let claimed = request.claimed, let claimedOn = request.claimedOn else {
            throw .wrongStatus(request.id, request.stored, expected: "claimed")
        }
        guard date >= claimedOn else { throw .beforeEarlierStep(date, "the claim", claimedOn) }
        return claimed
    }

    public static func checkApproval(_ amount: Int64, of request: MDFRequestFacts, on date: BusinessDate, _ rules: MDFRules, currency: Currency)
        throws(MDFError)
    {
        try checkRequestDecision(request, on: date)
        // Approved after its claim deadline, the reservation would be released before it was made.
        guard date <= request.claimDeadline else { throw .claimLate(deadline: request.claimDeadline, on: date) }
        guard amount > 0 else { throw .notPositive(field: "amount") }
        guard amount <= request.requested else {
            throw .overRequested(asked: Money(minorUnits: amount, currency: currency), requested: Money(minorUnits: request.requested, currency: currency))
        }
        try checkShare(amount, of: request.plannedCost, "planned cost", rules, currency)
    }

    /// A claim: after the activity ended, by the deadline, with proof, at most the reservation and the share of the actual cost.
    public static func checkClaim(
        actualCost: Int64, amount: Int64, proofs: Int, of request: MDFRequestFacts, on date: BusinessDate, _ rules: MDFRules, currency: Currency
    ) throws(MDFError) {
        guard request.stored == .approved, let approved = request.approved, let approvedOn = request.approvedOn else {
            throw .wrongStatus(request.id, request.stored, expected: "approved")
        }
        guard date >= approvedOn else { throw .beforeEarlierStep(date, "the approval", approvedOn) }
        guard date >= request.endsOn else { throw .activityNotEnded(endsOn: request.endsOn) }
        guard date <= request.claimDeadline else { throw .claimLate(deadline: request.claimDeadline, on: date) }
        guard actualCost > 0 else { throw .notPositive(field: "actual cost") }
        guard amount > 0 else { throw .notPositive(field: "amount") }
        guard amount <= approved else {
            throw .overReserved(asked: Money(minorUnits: amount, currency: currency), reserved: Money(minorUnits: approved, currency: currency))
        }
        try checkShare(amount, of: actualCost, "actual cost", rules, currency)
        guard proofs >= 1 else { throw .noProof }
        guard proofs <= ProofFile.maximumPerClaim else { throw .tooManyProofs(proofs) }
    }

    /// Accepting all or part of a claim.
    public static func checkAcceptance(_ amount: Int64, of request: MDFRequestFacts, on date: BusinessDate, currency: Currency) throws(MDFError) {
        let claimed = try checkClaimDecision(request, on: date)
        guard amount > 0 else { throw .notPositive(field: "amount") }
        guard amount <= claimed else {
            throw .overClaimed(asked: Money(minorUnits: amount, currency: currency), claimed: Money(minorUnits: claimed, currency: currency))
        }
    }

    private static func checkShare(_ amount: Int64, of cost: Int64, _ what: String, _ rules: MDFRules, _ currency: Currency) throws(MDFError) {
        let most = maximumFunding(of: cost, rules)
        func money(_ minor: Int64) -> Money { Money(minorUnits: minor, currency: currency) }
        guard amount <= most else { throw .overShare(asked: money(amount), cost: money(cost), what: what, share: rules.maxShareOfCost, most: money(most)) }
    }
}

/// Why an MDF action is refused, in words a partner understands.
public enum MDFError: Error, Equatable, Sendable, CustomStringConvertible {
    case notPositive(field: String)
    case endsBeforeStart(startsOn: BusinessDate, endsOn: BusinessDate)
    case overAvailable(asked: Money, available: Money, on: BusinessDate)
    case overShare(asked: Money, cost: Money, what: String, share: BasisPoints, most: Money)
    case overRequested(asked: Money, requested: Money)
    case overReserved(asked: Money, reserved: Money)
    case overClaimed(asked: Money, claimed: Money)
    case wrongStatus(Int64, MDFRequestStatus, expected: String)
    case beforeEarlierStep(BusinessDate, String, BusinessDate)
    case activityNotEnded(endsOn: BusinessDate)
    case claimLate(deadline: BusinessDate, on: BusinessDate)
    case noProof
    case tooManyProofs(Int)
    case proof(ProofFileProblem)
    case outOfOrder(on: BusinessDate, latest: BusinessDate)
    case notEligible(String)

    public var description: String {
        switch self {
        case .notPositive(let field): return "\(field) must be more than 0.00"
        case let .endsBeforeStart(starts, ends): return "the activity ends (\(ends)) before it starts (\(starts))"
        case let .overAvailable(asked, available, date):
            return "\(asked.displayString) is more than the \(available.displayString) of MDF available on \(date)"
        case let .overShare(asked, cost, what, share, most):
            return "\(asked.displayString) is more than \(share.percentString) of the \(what) \(cost.displayString) (at most \(most.displayString))"
        case let .overRequested(asked, requested): return "\(asked.displayString) is more than the \(requested.displayString) requested"
        case let .overReserved(asked, reserved): return "\(asked.displayString) is more than the \(reserved.displayString) reserved for this activity"
        case let .overClaimed(asked, claimed): return "\(asked.displayString) is more than the \(claimed.displayString) claimed"
        case let .wrongStatus(id, status, expected): return "MDF request \(id) is \(status.rawValue), not \(expected)"
        case let .beforeEarlierStep(date, step, earlier): return "\(date) is before \(step) (\(earlier))"
        case .activityNotEnded(let ends): return "the activity has not ended: claim on or after \(ends)"
        case let .claimLate(deadline, date): return "too late: claims for this activity close on \(deadline) (this is dated \(date))"
        case .noProof: return "a claim needs at least one proof-of-performance file (PDF, PNG or JPEG)"
        case .tooManyProofs(let count): return "\(count) proof files: at most \(ProofFile.maximumPerClaim) a claim"
        case .proof(let problem): return problem.description
        case let .outOfOrder(date, latest):
            return "\(date) is before this partner's latest MDF action (\(latest)): MDF actions are recorded in date order"
        case .notEligible(let why): return why
        }
    }
}
