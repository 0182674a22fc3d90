import Testing

@testable import ChannelbookCore

/// Contract terms, renewal windows, the pipeline's buckets and the rate (PRODUCT.md section 2).
@Suite struct RenewalPolicyTests {
    static func date(_ text: String) -> BusinessDate { try! BusinessDate.parse(text) }
    static let rules = RenewalRules(owner: .distributor, horizonDays: 90, lapseAfterDays: 30)

    @Test(arguments: [
        ("2026-01-15", 12, "2027-01-14"), ("2026-01-31", 1, "2026-02-28"), ("2028-01-31", 1, "2028-02-29"), ("2024-02-29", 12, "2025-02-28"),
        ("2024-02-29", 48, "2028-02-28"), ("2026-12-01", 1, "2026-12-31"), ("2026-11-30", 3, "2027-02-28"), ("2026-03-01", 120, "2036-02-29"),
        ("2026-08-31", 6, "2027-02-28"), ("9998-12-31", 120, "9999-12-31"),
    ])
    func aContractEndsTheDayBeforeItsAnniversaryOrAtTheEndOfAShortMonth(start: String, months: Int, end: String) {
        #expect(MaintenanceTerm.lastDay(startingOn: Self.date(start), months: months) == Self.date(end))
    }

    @Test func theWindowRunsFromTheHorizonToTheLastGraceDay() {
        let window = RenewalWindow(ends: Self.date("2027-01-14"), rules: Self.rules)
        #expect((window.opensOn, window.lastDay, window.lapsesOn) == (Self.date("2026-10-16"), Self.date("2027-02-13"), Self.date("2027-02-14")))
        #expect(!window.contains(Self.date("2026-10-15")) && window.contains(Self.date("2026-10-16")))
        #expect(window.contains(Self.date("2027-02-13")) && !window.contains(Self.date("2027-02-14")))
        // The cutoffs the store's status expression compares end dates with agree with the window.
        for asOf in ["2026-10-15", "2026-10-16", "2027-02-13", "2027-02-14"].map(Self.date) {
            let cutoffs = RenewalPolicy.cutoffs(asOf: asOf, rules: Self.rules)
            #expect((window.ends <= cutoffs.openThrough) == (asOf >= window.opensOn))
            #expect((window.ends < cutoffs.lapsedBefore) == (asOf >= window.lapsesOn))
        }
    }

    struct Contract: RenewableContract {
        let id: Int64
        let starts: BusinessDate
        let ends: BusinessDate
        let lapsedOn: BusinessDate?
    }

    @Test func theOldestContractWhoseWindowHoldsTheDateRenews() {
        let older = Contract(id: 7, starts: Self.date("2026-01-15"), ends: Self.date("2027-01-14"), lapsedOn: nil)
        let newer = Contract(id: 3, starts: Self.date("2026-03-02"), ends: Self.date("2027-03-01"), lapsedOn: nil)
        let lapsed = Contract(id: 1, starts: Self.date("2025-12-01"), ends: Self.date("2026-11-30"), lapsedOn: Self.date("2026-12-01"))
        #expect(RenewalPolicy.contractRenewed(on: Self.date("2027-01-05"), among: [newer, older, lapsed], rules: Self.rules)?.id == 7)
        #expect(RenewalPolicy.contractRenewed(on: Self.date("2026-12-01"), among: [lapsed], rules: Self.rules) == nil)  // lapsed that day
        #expect(RenewalPolicy.contractRenewed(on: Self.date("2026-11-30"), among: [lapsed], rules: Self.rules)?.id == 1)
        #expect(RenewalPolicy.contractRenewed(on: Self.date("2026-10-15"), among: [older], rules: Self.rules) == nil)  // the day before it opens
        #expect(RenewalPolicy.contractRenewed(on: Self.date("2027-02-14"), among: [older], rules: Self.rules) == nil)  // the first day lapsed
        #expect(RenewalPolicy.contractRenewed(on: Self.date("2027-02-13"), among: [older], rules: Self.rules)?.id == 7)  // its last day
    }

    @Test func windowsNearTheCalendarsEndsStayInside() {
        let window = RenewalWindow(ends: Self.date("9999-12-31"), rules: RenewalRules(owner: .vendor, horizonDays: 3650, lapseAfterDays: 3650))
        #expect(window.lastDay == Self.date("9999-12-31") && window.lapsesOn == Self.date("9999-12-31"))
        let cutoffs = RenewalPolicy.cutoffs(asOf: Self.date("0001-01-02"), rules: RenewalRules(owner: .vendor, horizonDays: 3650, lapseAfterDays: 3650))
        #expect(cutoffs.lapsedBefore == Self.date("0001-01-01"))
        #expect(Self.date("2026-01-01").addingClamped(days: .max) == Self.date("9999-12-31"))
        #expect(Self.date("2026-01-01").addingClamped(days: .min) == Self.date("0001-01-01"))
    }

    @Test(arguments: [(0, "due_0_30"), (30, "due_0_30"), (31, "due_31_60"), (60, "due_31_60"), (61, "due_61_90"), (90, "due_61_90"), (91, nil), (-1, nil)])
    func pipelineBucketsByDaysToTheEnd(days: Int, bucket: String?) {
        #expect(PipelineBucket(daysToEnd: days)?.rawValue == bucket)
    }

    @Test func theRateIsInBasisPointsRoundedDown() {
        #expect(RenewalPolicy.rateBasisPoints(renewed: 2, lapsed: 1) == 6666)
        #expect(RenewalPolicy.rateBasisPoints(renewed: 1, lapsed: 2) == 3333)
        #expect(RenewalPolicy.rateBasisPoints(renewed: 0, lapsed: 3) == 0)
        #expect(RenewalPolicy.rateBasisPoints(renewed: 5, lapsed: 0) == 10_000)
        #expect(RenewalPolicy.rateBasisPoints(renewed: 0, lapsed: 0) == nil)
    }
}
