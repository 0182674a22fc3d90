import Foundation
import PropertyBased
import Testing

@testable import ChannelbookCore

/// A schedule from random bounds and rates: bounds made strictly increasing, rates sorted so they rise.
private func risingSchedule(bounds: [Int64], rates: [Int], mode: TierMode, rounding: RoundingMode) -> TierSchedule {
    let froms = Array(Set(bounds)).sorted()
    let sortedRates = rates.prefix(froms.count).sorted()
    let tiers = zip(froms, sortedRates).map { RateTier(from: $0, rate: BasisPoints($1)) }
    return TierSchedule(unit: .minorUnits, mode: mode, rounding: rounding, tiers: tiers)
}

private func program(with schedule: TierSchedule) -> Program {
    var program = Program.article
    program.rebate.schedule = schedule
    return program
}

@Suite struct PropertyTests {
    private static let bounds = Gen.int64(in: 0...20_000_000).array(of: 1...5)
    private static let rates = Gen.int(in: 0...10_000).array(of: 5)
    private static let basis = Gen.int64(in: -1_000_000...40_000_000)
    private static let mode = Gen.element(of: TierMode.allCases).map { $0! }
    private static let rounding = Gen.element(of: RoundingMode.allCases).map { $0! }

    @Test func rebateNeverDecreasesAsTheBasisGrows() async throws {
        await propertyCheck(count: 500, input: Self.bounds, Self.rates, Self.basis, Self.basis, Self.mode, Self.rounding) {
            bounds, rates, a, b, mode, rounding in
            let program = program(with: risingSchedule(bounds: bounds, rates: rates, mode: mode, rounding: rounding))
            let (low, high) = (min(a, b), max(a, b))
            let lowRebate = try RebateCalculator.compute(program: program, tier: .premier, basis: Money(minorUnits: low, currency: .aud))
            let highRebate = try RebateCalculator.compute(program: program, tier: .premier, basis: Money(minorUnits: high, currency: .aud))
            #expect(lowRebate.amount <= highRebate.amount, "\(low) → \(lowRebate.amount), \(high) → \(highRebate.amount)")
        }
    }

    @Test func graduatedTotalsEqualTheSumOfTheirSlices() async throws {
        await propertyCheck(count: 500, input: Self.bounds, Self.rates, Gen.int64(in: 0...40_000_000), Self.rounding) {
            bounds, rates, basis, rounding in
            let schedule = risingSchedule(bounds: bounds, rates: rates, mode: .graduated, rounding: rounding)
            let calculation = try TieredRateEngine.apply(schedule, measure: basis, currency: .aud) { Money(minorUnits: $0, currency: .aud) }
            let sliceSum = calculation.slices.reduce(Int128(0)) { $0 + $1.unrounded.scaledMinorUnits }
            #expect(calculation.unrounded.scaledMinorUnits == sliceSum)
            let rounded = try calculation.unrounded.rounded(rounding)
            #expect(calculation.amount == rounded)
            // The slices cover the basis from the first tier up, without gap or overlap.
            let covered = calculation.slices.reduce(Int64(0)) { $0 + $1.units }
            #expect(covered == (basis >= schedule.tiers[0].from ? basis - schedule.tiers[0].from : 0))
            // The amount is within half a cent (or one cent rounding down) of the exact sum.
            let difference = (Int128(calculation.amount.minorUnits) * 10_000 - sliceSum).magnitude
            #expect(difference <= 10_000)
        }
    }

    @Test func formattingThenParsingGivesBackTheAmount() async throws {
        await propertyCheck(count: 1000, input: Gen.int64(), Gen.element(of: ["AUD", "JPY", "KWD", "CLF"]).map { Currency(code: $0!)! }) {
            minor, currency in
            let money = Money(minorUnits: minor, currency: currency)
            let parsed = try Money.parse(money.decimalString, currency: currency)
            #expect(parsed == money)
        }
    }

    @Test func volumeRebateIsTheWholeBasisAtTheReachedRate() async throws {
        await propertyCheck(count: 500, input: Self.bounds, Self.rates, Gen.int64(in: 0...40_000_000)) { bounds, rates, basis in
            let schedule = risingSchedule(bounds: bounds, rates: rates, mode: .volume, rounding: .halfEven)
            let result = try RebateCalculator.compute(program: program(with: schedule), tier: .national, basis: Money(minorUnits: basis, currency: .aud))
            let expectedRate = schedule.tiers.last { $0.from <= basis }?.rate ?? .zero
            #expect(result.rate == expectedRate)
            #expect(result.amount.minorUnits == Int64(RoundingMode.halfEven.divide(Int128(basis) * Int128(expectedRate.rawValue), by: 10_000)))
        }
    }
}

@Suite struct NoFloatingPointMoneyTests {
    /// Money is exact: the core library, where every money path lives, names no binary or decimal floating type.
    @Test func coreNamesNoFloatingPointType() throws {
        let core = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent().deletingLastPathComponent()
            .appendingPathComponent("Sources/ChannelbookCore")
        let files = FileManager.default.enumerator(at: core, includingPropertiesForKeys: nil)!.compactMap { $0 as? URL }
            .filter { $0.pathExtension == "swift" }
        #expect(files.count > 10)
        let forbidden = try Regex(#"\b(Double|Float|Float32|Float64|Float80|CGFloat|Decimal|NSDecimalNumber)\b"#)
        for file in files {
            let text = try String(contentsOf: file, encoding: .utf8)
            for (number, line) in text.split(separator: "\n", omittingEmptySubsequences: false).enumerated()
            where line.contains(forbidden) && !line.trimmingCharacters(in: .whitespaces).hasPrefix("//") {
                Issue.record("\(file.lastPathComponent):\(number + 1) names a floating-point type: \(line)")
            }
        }
    }
}
