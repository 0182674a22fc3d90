import ChannelbookCore
import SQLKit

extension ChannelbookDatabase {
    /// How far back a lapse is still news: a lapse older than this when first looked for (a server that was down,
    /// the first run on an old database) is not announced.
    public static let lapseAnnouncementDays = 7

    /// Announces, once each, the renewals that lapsed by the passing of their grace days — nobody renewed them and
    /// nobody lapsed them by hand (that is announced when it is recorded) — with a lapse day in the last
    /// `lapseAnnouncementDays` days up to `today`. Writes one `renewal.lapsed` event per contract in the same
    /// transaction as its announcement; returns how many were announced.
    @discardableResult
    public func announceLapsedRenewals(asOf today: BusinessDate) async throws -> Int {
        try await requireInitialised()
        let rules = try await program(on: today).program.renewals
        // The lapse day is the day after `ends + lapseAfterDays`: these contract ends lapsed within the window.
        let latestEnd = today.addingClamped(days: -rules.lapseAfterDays - 1)
        let earliestEnd = latestEnd.addingClamped(days: -Self.lapseAnnouncementDays)
        return try await transaction(locking: [.renewals]) {
            var announced = 0
            var cursor: RenewalCursor? = RenewalCursor(ends: earliestEnd.addingClamped(days: -1), id: Int64.max)
            scan: while let after = cursor {
                let page = try await renewalOpportunities(RenewalFilter(asOf: today, statuses: [.lapsed]), access: .vendor, after: after, limit: 500)
                for opportunity in page.items {
                    guard opportunity.ends <= latestEnd else { break scan }
                    guard opportunity.lapsedOn == nil else { continue }
                    guard try await sql.raw(
                        """
                        INSERT INTO renewal_lapse_announcements (contract_id, announced_on) VALUES (\(bind: opportunity.id), \(bind: today.description))
                        ON CONFLICT DO NOTHING RETURNING contract_id
                        """
                    ).first() != nil else { continue }
                    let lapsedOn = opportunity.window.lastDay.addingClamped(days: 1)
                    try await emitWebhookEvent(
                        .renewalLapsed,
                        [
                            "id": .number(opportunity.id), "contractId": .text(opportunity.contractID), "reseller": .text(opportunity.reseller.rawValue),
                            "owner": .text(opportunity.owner), "lapsedOn": .text(lapsedOn.description),
                            "reason": .text("not renewed within \(rules.lapseAfterDays) days of its end"),
                        ])
                    announced += 1
                }
                cursor = page.next
            }
            return announced
        }
    }
}
