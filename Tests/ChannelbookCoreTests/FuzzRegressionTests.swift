import Testing

@testable import ChannelbookCore

/// Inputs the libFuzzer targets (`Fuzz/`, `scripts/fuzz.sh`) found trapping, minimised; each input is also kept
/// under `Fuzz/Regressions/<target>/` and replayed by `scripts/fuzz.sh` before fuzzing.
@Suite struct FuzzRegressionTests {
    /// `dates`, `Fuzz/Regressions/dates/referral-expiry-past-9999-12-31`: a referral approved on 9999-12-31 (a date
    /// `BusinessDate.parse` and so `referral approve --on` accept) trapped computing its expiry past the calendar.
    @Test func aReferralApprovedAtTheEndOfTheCalendarExpiresOnItsLastDay() throws {
        let last = try BusinessDate.parse("9999-12-31")
        #expect(ReferralLifecycle.expiry(approvedOn: last, expiryDays: 90) == last)
        #expect(ReferralLifecycle.expiry(approvedOn: try BusinessDate.parse("9999-12-01"), expiryDays: 30) == last)
        #expect(ReferralLifecycle.expiry(approvedOn: try BusinessDate.parse("9999-12-01"), expiryDays: 29) == BusinessDate(year: 9999, month: 12, day: 30))
        #expect(ReferralLifecycle.expiry(approvedOn: try BusinessDate.parse("2026-01-01"), expiryDays: 90) == BusinessDate(year: 2026, month: 4, day: 1))
        #expect(ReferralLifecycle.expiry(approvedOn: last, expiryDays: Int.max) == last)
    }

    /// `dates`, `Fuzz/Regressions/dates/days-since-epoch-near-int-max`: `BusinessDate(daysSinceEpoch:)` promises `nil`
    /// outside years 1...9999 but trapped on arithmetic overflow for a day number near `Int.max`.
    @Test func aDayNumberFarOutsideTheCalendarIsNoDate() {
        #expect(BusinessDate(daysSinceEpoch: 0x7fff_ffff_ffff_3039) == nil)
        #expect(BusinessDate(daysSinceEpoch: Int.max) == nil)
        #expect(BusinessDate(daysSinceEpoch: Int.min) == nil)
        #expect(BusinessDate(daysSinceEpoch: 2_932_896) == BusinessDate(year: 9999, month: 12, day: 31))
        #expect(BusinessDate(daysSinceEpoch: 2_932_897) == nil)
        #expect(BusinessDate(daysSinceEpoch: -719_162) == BusinessDate(year: 1, month: 1, day: 1))
        #expect(BusinessDate(daysSinceEpoch: -719_163) == nil)
    }
}
