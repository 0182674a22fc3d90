// libFuzzer target `dates`: BusinessDate.parse and Quarter.parse, and what is done with a parsed date or
// quarter (its text, day numbers, its quarter and the quarter's days, a referral's expiry).
// Asserts nothing but that nothing traps.
import ChannelbookCore

@_cdecl("LLVMFuzzerTestOneInput")
public func fuzz(_ start: UnsafeRawPointer, _ count: Int) -> CInt {
    let input = UnsafeRawBufferPointer(start: start, count: count)
    let text = String(decoding: input, as: UTF8.self)
    var raw = 0
    for byte in input.prefix(8) { raw = raw << 8 | Int(byte) }
    _ = BusinessDate(daysSinceEpoch: raw)

    do {
        let date = try BusinessDate.parse(text)
        _ = date.description
        let days = date.daysSinceEpoch
        _ = BusinessDate(daysSinceEpoch: days)
        _ = BusinessDate(daysSinceEpoch: days + 1)
        _ = BusinessDate(daysSinceEpoch: days - 1)
        let quarter = Quarter(containing: date)
        _ = quarter.contains(date)
        _ = quarter.firstDay.days(until: quarter.lastDay)
        _ = quarter.description
        // A referral approved on this date: expiry_days is 1...3650 in a valid program.
        _ = ReferralLifecycle.expiry(approvedOn: date, expiryDays: 1 + Int(input.last ?? 0) * 14)
    } catch {
        _ = String(describing: error)
    }
    do {
        let quarter = try Quarter.parse(text)
        _ = quarter.description
        _ = quarter.firstDay < quarter.lastDay
        _ = Quarter(containing: quarter.lastDay) == quarter
    } catch {
        _ = String(describing: error)
    }
    return 0
}
