/// Where a renewal opportunity stands on a day (PRODUCT.md section 2, "Maintenance renewals").
public enum RenewalStatus: String, CaseIterable, Sendable, Codable {
    /// The contract ends more than `horizon_days` away: nobody works it yet.
    case upcoming
    case open
    /// A quote amount has been recorded.
    case quoted
    /// A `renewal` sale line of the same SKU for the same customer arrived within the window.
    case renewed
    /// Not renewed by `lapse_after_days` after the end, or lapsed by hand with a reason.
    case lapsed

    /// The statuses someone still works: what a queue shows when no status is asked for.
    public static let worked: [RenewalStatus] = [.open, .quoted]
}

/// The days a contract's renewal can happen in: from `horizon_days` before its end to `lapse_after_days` after it.
public struct RenewalWindow: Hashable, Sendable {
    /// The first day the opportunity is open.
    public let opensOn: BusinessDate
    /// The contract's last day.
    public let ends: BusinessDate
    /// The last day a renewal line still renews it; the day after, it has lapsed.
    public let lastDay: BusinessDate

    public init(ends: BusinessDate, rules: RenewalRules) {
        self.ends = ends
        self.opensOn = ends.addingClamped(days: -rules.horizonDays)
        self.lastDay = ends.addingClamped(days: rules.lapseAfterDays)
    }

    public func contains(_ date: BusinessDate) -> Bool { opensOn <= date && date <= lastDay }

    /// The first day the opportunity counts as lapsed when nobody renewed it.
    public var lapsesOn: BusinessDate { lastDay.addingClamped(days: 1) }
}

/// The renewal rules that are arithmetic on dates and counts. Which status an opportunity has on a day is one
/// SQL expression in the store (`RenewalStatusSQL`), built from `cutoffs`, so lists filter and page in SQL.
public enum RenewalPolicy {
    /// For a day `asOf`: a contract is past its window when it ended before `lapsedBefore`, and its opportunity is
    /// open (not `upcoming`) when it ends on or before `openThrough`. Equivalent to `RenewalWindow` for every contract.
    public static func cutoffs(asOf: BusinessDate, rules: RenewalRules) -> (openThrough: BusinessDate, lapsedBefore: BusinessDate) {
        (asOf.addingClamped(days: rules.horizonDays), asOf.addingClamped(days: -rules.lapseAfterDays))
    }

    /// Of the contracts a renewal line dated `date` could renew, the one it renews: the oldest (earliest end, then
    /// lowest id) whose window holds the date, that began before it, and that was not lapsed by hand by then.
    public static func contractRenewed<C: RenewableContract>(on date: BusinessDate, among candidates: [C], rules: RenewalRules) -> C? {
        candidates
            .filter { $0.starts < date && RenewalWindow(ends: $0.ends, rules: rules).contains(date) && ($0.lapsedOn.map { $0 > date } ?? true) }
            .min { ($0.ends, $0.id) < ($1.ends, $1.id) }
    }

    /// The renewal rate of contracts ending in a quarter: renewed ÷ (renewed + lapsed) in basis points, rounded
    /// down; `nil` while none is decided either way.
    public static func rateBasisPoints(renewed: Int, lapsed: Int) -> Int? {
        let decided = renewed + lapsed
        guard decided > 0 else { return nil }
        return renewed * 10_000 / decided
    }
}

/// What the renewal match needs of a stored contract.
public protocol RenewableContract {
    var id: Int64 { get }
    var starts: BusinessDate { get }
    var ends: BusinessDate { get }
    /// When it was lapsed by hand, if it was.
    var lapsedOn: BusinessDate? { get }
}

/// The pipeline's columns: open and quoted opportunities by how many days remain to the contract's end.
public enum PipelineBucket: String, CaseIterable, Sendable {
    case due0To30 = "due_0_30"
    case due31To60 = "due_31_60"
    case due61To90 = "due_61_90"

    /// `nil` for a contract already ended (in its grace days) or ending more than 90 days away.
    public init?(daysToEnd days: Int) {
        switch days {
        case 0...30: self = .due0To30
        case 31...60: self = .due31To60
        case 61...90: self = .due61To90
        default: return nil
        }
    }

    /// How far ahead the pipeline looks.
    public static let horizonDays = 90
}
