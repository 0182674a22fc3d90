// libFuzzer target `program`: ProgramFile.parse, the TOML program reader (TOMLParser, a hand-written TOML 1.0
// parser, and ProgramTableReader's validation) over arbitrary text; a program that parses is then summarised
// and its rebate and referral schedules applied at every tier boundary. Asserts nothing but that nothing traps.
import ChannelbookCore

@_cdecl("LLVMFuzzerTestOneInput")
public func fuzz(_ start: UnsafeRawPointer, _ count: Int) -> CInt {
    let text = String(decoding: UnsafeRawBufferPointer(start: start, count: count), as: UTF8.self)
    let program: Program
    do {
        program = try ProgramFile.parse(text)
    } catch {
        _ = error.lines
        return 0
    }
    _ = program.summary
    _ = program.versionLabel
    var bases: [Int64] = [0, 1, LineLimits.maximumAmountMinorUnits, Int64.max]
    for tier in program.rebate.schedule.tiers { bases += [tier.from - 1, tier.from, tier.from + 1] }
    for basis in bases where basis >= 0 {
        for tier in ResellerTier.allCases {
            do {
                let result = try RebateCalculator.compute(program: program, tier: tier, basis: Money(minorUnits: basis, currency: program.currency))
                _ = result.explanation
            } catch {
                _ = String(describing: error)
            }
        }
    }
    var seatCounts: [Int64] = [1, LineLimits.maximumSeats]
    for tier in program.referral.schedule.tiers { seatCounts += [tier.from - 1, tier.from, tier.from + 1] }
    for seats in seatCounts where seats > 0 {
        for price in [Money(minorUnits: 12_345, currency: program.currency), Money(minorUnits: LineLimits.maximumAmountMinorUnits, currency: program.currency)] {
            for selfFulfilled in [false, true] {
                do {
                    _ = try ReferralFeeCalculator.compute(program: program, seats: seats, unitPrice: price, selfFulfilled: selfFulfilled).explanation
                } catch {
                    _ = String(describing: error)
                }
            }
        }
    }
    return 0
}
