/// Where a referral registration stands. `expired` is never stored: it is an approved registration
/// looked at on or after its expiry date, so the same registration can be asked about on any date.
public enum ReferralStatus: String, CaseIterable, Sendable, Codable {
    /// Registered by the partner, awaiting the vendor's review.
    case registered
    /// Approved by the vendor; open until closed, lost or expired.
    case approved
    case rejected
    /// Approved, not closed, and on or past its expiry date.
    case expired
    /// Closed as won: the sale was recorded and the fee computed.
    case won
    /// Closed as lost: no fee.
    case lost

    /// Registered or approved and not expired: a customer with an open registration cannot be registered again.
    public var isOpen: Bool { self == .registered || self == .approved }
}

/// The dates that decide a registration's status on any day.
public struct ReferralLifecycle: Hashable, Sendable {
    /// The last status recorded (never `expired`).
    public let stored: ReferralStatus
    public let registeredOn: BusinessDate
    public let approvedOn: BusinessDate?
    public let expiresOn: BusinessDate?
    /// When it was rejected, won or lost.
    public let endedOn: BusinessDate?

    public init(stored: ReferralStatus, registeredOn: BusinessDate, approvedOn: BusinessDate?, expiresOn: BusinessDate?, endedOn: BusinessDate?) {
        precondition(stored != .expired, "expired is derived, never stored")
        self.stored = stored
        self.registeredOn = registeredOn
        self.approvedOn = approvedOn
        self.expiresOn = expiresOn
        self.endedOn = endedOn
    }

    /// Approved registrations expire `expiryDays` after approval: approved on 2026-01-01 with 90 days,
    /// the registration is open through 2026-03-31 and expired from 2026-04-01 on. An expiry past the
    /// calendar's last day (an approval dated in late 9999) is that last day, 9999-12-31, never a trap.
    public static func expiry(approvedOn: BusinessDate, expiryDays: Int) -> BusinessDate {
        let (day, overflow) = approvedOn.daysSinceEpoch.addingReportingOverflow(expiryDays)
        return (overflow ? nil : BusinessDate(daysSinceEpoch: day)) ?? BusinessDate(year: 9999, month: 12, day: 31)!
    }

    /// The status at the end of `date`; `nil` before the registration existed.
    public func status(on date: BusinessDate) -> ReferralStatus? {
        guard date >= registeredOn else { return nil }
        if let endedOn, endedOn <= date, stored == .rejected || stored == .won || stored == .lost { return stored }
        guard let approvedOn, approvedOn <= date else { return .registered }
        if let expiresOn, expiresOn <= date { return .expired }
        return .approved
    }

    /// The status that refuses an action dated `date` which needs one of `allowed`; `nil` when it may go ahead.
    /// An action may be dated in the past (a win recorded weeks late), but it acts on the registration as it stands now
    /// as well as on that day: one rejected, won or lost stays so whatever date a later action names, and one approved
    /// is not approved again by an approval dated before the first. Both must allow it.
    public func refusal(of allowed: Set<ReferralStatus>, on date: BusinessDate) -> ReferralStatus? {
        guard allowed.contains(stored) else { return stored }
        guard let dated = status(on: date) else { return nil }
        return allowed.contains(dated) ? nil : dated
    }
}
