import ChannelbookCore
import Testing

@Suite struct NationalCapTests {
    private func day(_ text: String) -> BusinessDate { try! BusinessDate.parse(text) }

    @Test func anOverlapBetweenAPromotionAndALaterDemotionIsABreachOnThePromotionDate() {
        let histories: [[(from: BusinessDate, tier: ResellerTier)]] = [
            [(day("2020-01-01"), .national)],
            [(day("2020-01-01"), .national), (day("2026-03-01"), .premier)],
            [(day("2020-01-01"), .premier), (day("2026-02-01"), .national)],
        ]
        #expect(NationalCap.firstBreach(histories, maximum: 2) == .init(date: day("2026-02-01"), nationals: 3))
        #expect(NationalCap.firstBreach(histories, maximum: 3) == nil)
    }

    @Test func aDemotionAndAPromotionOnTheSameDayNeverOverlap() {
        let histories: [[(from: BusinessDate, tier: ResellerTier)]] = [
            [(day("2020-01-01"), .national), (day("2026-03-01"), .premier)],
            [(day("2020-01-01"), .premier), (day("2026-03-01"), .national)],
        ]
        #expect(NationalCap.firstBreach(histories, maximum: 1) == nil)
    }

    @Test func theLastDayBeforeADemotionStillCounts() {
        // Demoted from 2026-03-01: national through 2026-02-28; the newcomer from 2026-02-28 overlaps that one day.
        let histories: [[(from: BusinessDate, tier: ResellerTier)]] = [
            [(day("2020-01-01"), .national), (day("2026-03-01"), .associate)],
            [(day("2026-02-28"), .national)],
        ]
        #expect(NationalCap.firstBreach(histories, maximum: 1) == .init(date: day("2026-02-28"), nationals: 2))
    }

    @Test func aTemporaryBreachThatEndsIsStillABreach() {
        let histories: [[(from: BusinessDate, tier: ResellerTier)]] = [
            [(day("2026-01-01"), .national)],
            [(day("2026-02-01"), .national), (day("2026-02-15"), .premier)],
        ]
        #expect(NationalCap.firstBreach(histories, maximum: 1) == .init(date: day("2026-02-01"), nationals: 2))
    }
}
