/// What an MDF ledger entry records. Amounts are never negative: the kind says which way money moves.
public enum MDFEntryKind: String, CaseIterable, Sendable, Codable, Comparable {
    /// An allocation for a quarter: money the partner may ask for.
    case allocated
    /// Approved for an activity: set aside from an allocation.
    case reserved
    /// A reservation given back to the allocation it came from (a smaller claim, a rejection, a missed deadline).
    case released
    /// The unused part of an allocation at its expiry, or a release into an allocation that has expired.
    case expired
    /// An accepted claim: owed to the partner on its next statement.
    case payable
    /// Paid on an approved statement.
    case paid

    /// The order of entries on one day: money is released into an allocation before it expires there.
    private var order: Int { Self.allCases.firstIndex(of: self)! }
    public static func < (lhs: MDFEntryKind, rhs: MDFEntryKind) -> Bool { lhs.order < rhs.order }
}

/// One line of a partner's MDF ledger.
public struct MDFEntry: Hashable, Sendable {
    public let date: BusinessDate
    public let kind: MDFEntryKind
    public let allocationID: Int64
    /// The request the money moved for (none for `allocated` and an allocation's own expiry).
    public let requestID: Int64?
    /// Minor units, never negative.
    public let amount: Int64

    public init(date: BusinessDate, kind: MDFEntryKind, allocationID: Int64, requestID: Int64?, amount: Int64) {
        self.date = date
        self.kind = kind
        self.allocationID = allocationID
        self.requestID = requestID
        self.amount = amount
    }
}

/// A quarter's allocation to one partner.
public struct MDFAllocationFact: Hashable, Sendable {
    public let id: Int64
    public let quarter: Quarter
    public let amount: Int64
    /// Always the quarter's first day, whenever the allocation was made.
    public var allocatedOn: BusinessDate { quarter.firstDay }
    /// The first day on which its unused part has expired.
    public let expiresOn: BusinessDate

    public init(id: Int64, quarter: Quarter, amount: Int64, expiresOn: BusinessDate) {
        self.id = id
        self.quarter = quarter
        self.amount = amount
        self.expiresOn = expiresOn
    }
}

/// A partner's MDF position on a day. `available = allocated − expired − reserved − payable − paid`.
public struct MDFBalance: Hashable, Sendable {
    public var allocated: Int64 = 0
    public var expired: Int64 = 0
    /// Reserved and not yet released or made payable.
    public var reserved: Int64 = 0
    /// Payable and not yet paid.
    public var payable: Int64 = 0
    public var paid: Int64 = 0
    public var available: Int64 = 0

    public init() {}

    public var isEmpty: Bool { allocated == 0 && expired == 0 && reserved == 0 && payable == 0 && paid == 0 }
}

/// A partner's MDF ledger: the entries its actions recorded (append-only in the store) and the ones time
/// makes — an allocation's expiry, a reservation released the day after its claim deadline — derived for
/// any date from the same facts, as a referral's expiry is. The balance is always summed from the entries.
public struct MDFLedger: Sendable {
    public let allocations: [MDFAllocationFact]
    /// What actions recorded: allocated, reserved, released, payable, paid (never expired).
    public let recorded: [MDFEntry]
    /// Approved requests never claimed, by id: the last day their claim could be made.
    public let claimDeadlines: [Int64: BusinessDate]

    public init(allocations: [MDFAllocationFact], recorded: [MDFEntry], claimDeadlines: [Int64: BusinessDate]) {
        self.allocations = allocations.sorted { ($0.quarter, $0.id) < ($1.quarter, $1.id) }
        self.recorded = recorded
        self.claimDeadlines = claimDeadlines
    }

    /// Every entry dated on or before `date`, recorded and derived, in date order.
    public func entries(asOf date: BusinessDate) -> [MDFEntry] {
        var entries = recorded.filter { $0.date <= date }
        // A reservation not claimed by its deadline goes back to its allocations the day after.
        for (request, deadline) in claimDeadlines.sorted(by: { $0.key < $1.key }) {
            // Requests are refused unless the day after their deadline exists (`MDFPolicy.checkRequest`).
            guard let releasedOn = BusinessDate(daysSinceEpoch: deadline.daysSinceEpoch + 1), releasedOn <= date else { continue }
            for share in outstanding(of: request, in: recorded) {
                entries.append(MDFEntry(date: releasedOn, kind: .released, allocationID: share.allocationID, requestID: request, amount: share.amount))
            }
        }
        // Expiry: what an allocation still had on its expiry day, then whatever is released into it later.
        for allocation in allocations where allocation.expiresOn <= date {
            var unused = allocation.amount
            for entry in entries where entry.allocationID == allocation.id && entry.date < allocation.expiresOn {
                if entry.kind == .reserved { unused -= entry.amount }
                if entry.kind == .released { unused += entry.amount }
            }
            var expiries = [MDFEntry(date: allocation.expiresOn, kind: .expired, allocationID: allocation.id, requestID: nil, amount: unused)]
            for entry in entries where entry.allocationID == allocation.id && entry.kind == .released && entry.date >= allocation.expiresOn {
                expiries.append(MDFEntry(date: entry.date, kind: .expired, allocationID: allocation.id, requestID: entry.requestID, amount: entry.amount))
            }
            entries += expiries.filter { $0.amount != 0 }
        }
        return entries.sorted { ($0.date, $0.kind, $0.allocationID, $0.requestID ?? 0) < ($1.date, $1.kind, $1.allocationID, $1.requestID ?? 0) }
    }

    /// The balance at the end of `date`, summed from the entries (sums checked: a sum beyond 64 bits is an error, not a wrap).
    public func balance(asOf date: BusinessDate) throws(MoneyError) -> MDFBalance {
        let entries = entries(asOf: date)
        func total(_ kind: MDFEntryKind) throws(MoneyError) -> Int64 {
            try MinorUnits.sum(entries.filter { $0.kind == kind }.map(\.amount), "the MDF \(kind.rawValue) total")
        }
        var balance = MDFBalance()
        balance.allocated = try total(.allocated)
        balance.expired = try total(.expired)
        balance.paid = try total(.paid)
        let reserved = try total(.reserved), released = try total(.released), payable = try total(.payable)
        balance.reserved = try MinorUnits.subtract(try MinorUnits.subtract(reserved, released, "the MDF reserved balance"), payable, "the MDF reserved balance")
        balance.payable = try MinorUnits.subtract(payable, balance.paid, "the MDF payable balance")
        var available = balance.allocated
        for part in [balance.expired, balance.reserved, balance.payable, balance.paid] { available = try MinorUnits.subtract(available, part, "the MDF available balance") }
        balance.available = available
        return balance
    }

    /// What each allocation live on `date` still has, oldest first: where a reservation is drawn from.
    public func availableByAllocation(on date: BusinessDate) -> [(allocationID: Int64, amount: Int64)] {
        let entries = entries(asOf: date)
        return allocations.filter { $0.allocatedOn <= date && date < $0.expiresOn }.compactMap { allocation in
            var left = allocation.amount
            for entry in entries where entry.allocationID == allocation.id {
                if entry.kind == .reserved { left -= entry.amount }
                if entry.kind == .released { left += entry.amount }
            }
            return left > 0 ? (allocation.id, left) : nil
        }
    }

    /// The entries reserving `amount` for `request` on `date`: from the oldest allocation that has not expired first.
    public func reserve(_ amount: Int64, for request: Int64, on date: BusinessDate, currency: Currency) throws(MDFError) -> [MDFEntry] {
        var left = amount
        var entries: [MDFEntry] = []
        for share in availableByAllocation(on: date) where left > 0 {
            let taken = min(left, share.amount)
            entries.append(MDFEntry(date: date, kind: .reserved, allocationID: share.allocationID, requestID: request, amount: taken))
            left -= taken
        }
        guard left == 0 else {
            throw .overAvailable(asked: Money(minorUnits: amount, currency: currency), available: Money(minorUnits: amount - left, currency: currency), on: date)
        }
        return entries
    }

    /// A request's reservation still outstanding (reserved − released − payable), per allocation, oldest first.
    public func outstanding(of request: Int64) -> [(allocationID: Int64, amount: Int64)] { outstanding(of: request, in: recorded) }

    private func outstanding(of request: Int64, in entries: [MDFEntry]) -> [(allocationID: Int64, amount: Int64)] {
        var byAllocation: [Int64: Int64] = [:]
        for entry in entries where entry.requestID == request {
            switch entry.kind {
            case .reserved: byAllocation[entry.allocationID, default: 0] += entry.amount
            case .released, .payable: byAllocation[entry.allocationID, default: 0] -= entry.amount
            default: break
            }
        }
        let order = Dictionary(uniqueKeysWithValues: allocations.enumerated().map { ($0.element.id, $0.offset) })
        return byAllocation.filter { $0.value > 0 }.sorted { (order[$0.key] ?? 0, $0.key) < (order[$1.key] ?? 0, $1.key) }.map { ($0.key, $0.value) }
    }

    /// Moves `amount` of a request's outstanding reservation into `kind` on `date`. Payable money is taken from the
    /// oldest allocation's share first; released money goes back to the newest first, where it lives longest.
    public func move(_ amount: Int64, of request: Int64, to kind: MDFEntryKind, on date: BusinessDate) -> [MDFEntry] {
        precondition(kind == .payable || kind == .released, "a reservation becomes payable or is released")
        var shares = outstanding(of: request)
        if kind == .released { shares.reverse() }
        var left = amount
        var entries: [MDFEntry] = []
        for share in shares where left > 0 {
            let moved = min(left, share.amount)
            entries.append(MDFEntry(date: date, kind: kind, allocationID: share.allocationID, requestID: request, amount: moved))
            left -= moved
        }
        precondition(left == 0, "moved more than the request's outstanding reservation")
        return entries
    }
}
