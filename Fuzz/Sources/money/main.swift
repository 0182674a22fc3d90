// libFuzzer target `money`: Money.parse and what is done with a parsed amount (arithmetic, decimalString,
// displayString, line limits, rates and rounding), and BasisPoints.parsePercent.
//
// The first byte picks the currency (AUD, JPY, KWD, CLF, USD, EUR: 2, 0, 3, 4, 2 and 2 decimals). The rest
// is `AMOUNT|RATE` (without a `|`, the whole text is tried as both). The first 8 bytes also make an
// arbitrary Int64 amount, formatted the same ways. Asserts nothing but that nothing traps.
import ChannelbookCore

private let currencies = ["AUD", "JPY", "KWD", "CLF", "USD", "EUR"].compactMap { Currency(code: $0) }

@_cdecl("LLVMFuzzerTestOneInput")
public func fuzz(_ start: UnsafeRawPointer, _ count: Int) -> CInt {
    guard count > 0 else { return 0 }
    let input = UnsafeRawBufferPointer(start: start, count: count)
    let currency = currencies[Int(input[0]) % currencies.count]
    let text = String(decoding: input.dropFirst(), as: UTF8.self)
    let parts = text.split(separator: "|", maxSplits: 1, omittingEmptySubsequences: false)
    let amountText = String(parts[0]), rateText = parts.count > 1 ? String(parts[1]) : text

    var raw: Int64 = 0
    for byte in input.prefix(8) { raw = raw << 8 | Int64(byte) }
    exercise(Money(minorUnits: raw, currency: currency), rate: nil)
    _ = BasisPoints(Int(truncatingIfNeeded: raw)).description

    var rate: BasisPoints?
    do {
        rate = try BasisPoints.parsePercent(rateText)
        _ = rate?.description
    } catch {
        _ = String(describing: error)
    }
    do {
        exercise(try Money.parse(amountText, currency: currency), rate: rate)
    } catch {
        _ = String(describing: error)
    }
    return 0
}

private func exercise(_ amount: Money, rate: BasisPoints?) {
    _ = amount.decimalString
    _ = amount.displayString
    _ = amount.description
    _ = LineLimits.amountProblem(amount)
    for result in [
        Result { try amount.adding(amount) }, Result { try amount.subtracting(amount) }, Result { try amount.negated() },
        Result { try amount.multiplied(by: 10_000_000) }, Result { try amount.multiplied(by: -3) },
        Result { try Money.sum([amount, amount, amount], currency: amount.currency) },
        Result { try MinorUnits.add(amount.minorUnits, amount.minorUnits, "total") }.map { Money(minorUnits: $0, currency: amount.currency) },
    ] {
        switch result {
        case .success(let money): _ = money.displayString
        case .failure(let error): _ = String(describing: error)
        }
    }
    for rate in [rate, .whole, BasisPoints(750)].compactMap({ $0 }) {
        let product = UnroundedAmount.product(amount, rate)
        _ = product.description
        _ = (product + product).decimalString
        for mode in RoundingMode.allCases {
            do { _ = try product.rounded(mode).decimalString } catch { _ = String(describing: error) }
        }
    }
}
