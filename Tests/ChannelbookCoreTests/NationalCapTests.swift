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

    @Test func aBreachAlreadyStoredBlocksOnlyChangesThatMakeItWorse() {
        // Three nationals stored under an older, larger cap; the program now allows two.
        let stored: [[(from: BusinessDate, tier: ResellerTier)]] = [
            [(day("2020-01-01"), .national)], [(day("2020-01-01"), .national)], [(day("2020-01-01"), .national)],
            [(day("2020-01-01"), .premier)],
        ]
        // A demotion lowers the count: accepted.
        var demoted = stored
        demoted[0].append((day("2026-03-01"), .premier))
        #expect(NationalCap.firstBreach(demoted, maximum: 2, before: stored) == nil)
        // A change elsewhere (an associate's promotion to premier) is no breach either.
        var unrelated = stored
        unrelated[3].append((day("2026-03-01"), .associate))
        #expect(NationalCap.firstBreach(unrelated, maximum: 2, before: stored) == nil)
        // A fourth national makes it worse: refused on its date.
        var worse = stored
        worse[3].append((day("2026-03-01"), .national))
        #expect(NationalCap.firstBreach(worse, maximum: 2, before: stored) == .init(date: day("2026-03-01"), nationals: 4))
        // Without the stored state, the stored breach itself is reported.
        #expect(NationalCap.firstBreach(stored, maximum: 2) == .init(date: day("2020-01-01"), nationals: 3))
    }
}
