/// How long a maintenance contract runs: from its first day for a whole number of months
/// (PRODUCT.md section 2, "Maintenance renewals": 2026-01-15 + 12 months ends 2027-01-14).
public enum MaintenanceTerm {
    /// The contract's last day: the day before its anniversary `months` later. When the anniversary does not
    /// exist (a contract from 31 January for one month, or from 29 February for a year) the next contract would
    /// start on the first of the following month, so this one ends on the last day of the anniversary's month:
    /// 2026-01-31 + 1 month ends 2026-02-28, 2024-02-29 + 12 months ends 2025-02-28. No day is left uncovered
    /// and none is covered twice.
    public static func lastDay(startingOn start: BusinessDate, months: Int) -> BusinessDate {
        precondition(months > 0, "a maintenance term is at least one month")
        let monthIndex = start.month - 1 + months
        let year = start.year + monthIndex / 12, month = monthIndex % 12 + 1
        // A contract running past the calendar's last year (a line dated in 9998, say) ends on its last day.
        guard year <= 9999 else { return BusinessDate(year: 9999, month: 12, day: 31)! }
        if let anniversary = BusinessDate(year: year, month: month, day: start.day) {
            return anniversary.adding(days: -1)
        }
        // The anniversary's month is too short: the contract covers it to its end.
        return BusinessDate(year: year, month: month, day: BusinessDate.daysIn(month: month, year: year))!
    }
}
