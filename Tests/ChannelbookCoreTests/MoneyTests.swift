import Testing

@testable import ChannelbookCore

private let aud = Currency.aud
private let jpy = Currency(code: "JPY")!
private let kwd = Currency(code: "KWD")!

@Suite struct MoneyParsingTests {
    @Test(arguments: [
        ("30000", 3_000_000), ("49999.5", 4_999_950), ("-12.30", -1_230), ("0", 0), ("0.01", 1), ("-0.5", -50),
        ("007.10", 710), ("92233720368547758.07", Int64.max), ("-92233720368547758.08", Int64.min),
    ] as [(String, Int64)])
    func parsesDecimalStrings(text: String, minor: Int64) throws {
        #expect(try Money.parse(text, currency: aud) == Money(minorUnits: minor, currency: aud))
    }

    @Test(arguments: [
        ("1,5", MoneyError.unexpectedCharacter(text: "1,5", character: ",", position: 2)),
        ("12abc", .unexpectedCharacter(text: "12abc", character: "a", position: 3)),
        ("1.234", .tooManyDecimals(text: "1.234", currency: aud)),
        ("", .empty),
        (".5", .missingDigits(text: ".5")),
        ("5.", .missingDigits(text: "5.")),
        ("-", .missingDigits(text: "-")),
        ("+5", .unexpectedCharacter(text: "+5", character: "+", position: 1)),
        (" 5", .unexpectedCharacter(text: " 5", character: " ", position: 1)),
        ("5 ", .unexpectedCharacter(text: "5 ", character: " ", position: 2)),
        ("1.2.3", .unexpectedCharacter(text: "1.2.3", character: ".", position: 4)),
        ("--5", .unexpectedCharacter(text: "--5", character: "-", position: 2)),
        ("1e5", .unexpectedCharacter(text: "1e5", character: "e", position: 2)),
        ("١٢", .unexpectedCharacter(text: "١٢", character: "١", position: 1)),
        ("92233720368547758.08", .outOfRange(text: "92233720368547758.08")),
        ("-92233720368547758.09", .outOfRange(text: "-92233720368547758.09")),
        ("100000000000000000000", .outOfRange(text: "100000000000000000000")),
    ])
    func refusesMalformedAmounts(text: String, error: MoneyError) {
        #expect(throws: error) { try Money.parse(text, currency: aud) }
    }

    @Test func decimalsFollowTheCurrency() throws {
        #expect(try Money.parse("1500", currency: jpy).minorUnits == 1500)
        #expect(throws: MoneyError.tooManyDecimals(text: "1500.5", currency: jpy)) { try Money.parse("1500.5", currency: jpy) }
        #expect(try Money.parse("1.234", currency: kwd).minorUnits == 1234)
        #expect(try Money.parse("1.234", currency: kwd).decimalString == "1.234")
    }

    @Test func errorMessagesSayWhatIsWrong() {
        #expect(
            MoneyError.unexpectedCharacter(text: "1,5", character: ",", position: 2).description
                == "'1,5' is not an amount: ',' at position 2 is not allowed (write amounts like 1234.50: digits, an optional leading '-', one '.', no thousands separators)"
        )
        #expect(MoneyError.tooManyDecimals(text: "1.234", currency: aud).description == "'1.234' has more decimals than AUD has (2)")
    }
}

@Suite struct MoneyFormattingTests {
    @Test(arguments: [
        (3_000_000, "30000.00", "$30,000.00"), (-1_230, "-12.30", "-$12.30"), (5, "0.05", "$0.05"), (-5, "-0.05", "-$0.05"),
        (0, "0.00", "$0.00"), (100_000_000_000, "1000000000.00", "$1,000,000,000.00"),
        (Int64.min, "-92233720368547758.08", "-$92,233,720,368,547,758.08"),
    ] as [(Int64, String, String)])
    func formatsExactly(minor: Int64, decimal: String, display: String) {
        let money = Money(minorUnits: minor, currency: aud)
        #expect(money.decimalString == decimal)
        #expect(money.displayString == display)
    }

    @Test func currenciesWithoutMinorUnitsHaveNoDecimalPoint() {
        #expect(Money(minorUnits: 1500, currency: jpy).decimalString == "1500")
        #expect(Money(minorUnits: 1_234_567, currency: jpy).displayString == "1,234,567 JPY")
        // A chart's caption: whole units, then thousands and millions with one decimal, truncated toward zero.
        #expect([0, 99_999, 100_000, 2_228_520_815, -1_234_567, Int64.min].map { Money(minorUnits: $0, currency: .aud).compactDisplayString }
            == ["$0", "$999", "$1.0K", "$22.2M", "-$12.3K", "-$92233720368.5M"])
        #expect(Money(minorUnits: 1_234_567, currency: jpy).compactDisplayString == "1.2M JPY")
    }
}

@Suite struct MoneyArithmeticTests {
    @Test func addsAndSubtractsExactly() throws {
        let a = Money(minorUnits: 4_999_950, currency: aud), b = Money(minorUnits: 50, currency: aud)
        #expect(try a.adding(b) == Money(minorUnits: 5_000_000, currency: aud))
        #expect(try a.subtracting(b) == Money(minorUnits: 4_999_900, currency: aud))
        #expect(try b.negated() == Money(minorUnits: -50, currency: aud))
        #expect(try Money.sum([a, b, b], currency: aud).minorUnits == 5_000_050)
        #expect(try Money.sum([], currency: aud) == .zero(aud))
    }

    @Test func overflowThrowsInsteadOfWrapping() {
        let max = Money(minorUnits: .max, currency: aud), one = Money(minorUnits: 1, currency: aud)
        #expect(throws: MoneyError.self) { try max.adding(one) }
        #expect(throws: MoneyError.self) { try Money(minorUnits: .min, currency: aud).subtracting(one) }
        #expect(throws: MoneyError.self) { try Money(minorUnits: .min, currency: aud).negated() }
        #expect(throws: MoneyError.self) { try Money(minorUnits: 10_000_000_000, currency: aud).multiplied(by: 1_000_000_000_000) }
    }

    @Test func currenciesDoNotMix() {
        let a = Money(minorUnits: 1, currency: aud), y = Money(minorUnits: 1, currency: jpy)
        #expect(throws: MoneyError.currencyMismatch(aud, jpy)) { try a.adding(y) }
        #expect(throws: MoneyError.currencyMismatch(aud, jpy)) { try a.subtracting(y) }
    }

    @Test func onlyCurrentISOCodesAreCurrencies() {
        #expect(Currency(code: "AUD")?.minorUnitDigits == 2)
        #expect(Currency(code: "JPY")?.minorUnitDigits == 0)
        #expect(Currency(code: "BHD")?.minorUnitDigits == 3)
        for code in ["aud", "AUS", "XAU", "", "AUDD", "HRK"] { #expect(Currency(code: code) == nil, "\(code)") }
    }
}

@Suite struct RoundingModeTests {
    // Each row: numerator / 10, then half_even, half_up, down. Ties (x.5) are where the modes differ.
    @Test(arguments: [
        (25, 2, 3, 2), (35, 4, 4, 3), (-25, -2, -3, -2), (-35, -4, -4, -3), (5, 0, 1, 0), (-5, 0, -1, 0),
        (24, 2, 2, 2), (26, 3, 3, 2), (-26, -3, -3, -2), (29, 3, 3, 2), (20, 2, 2, 2), (0, 0, 0, 0),
    ] as [(Int128, Int128, Int128, Int128)])
    func roundsTiesAndNonTies(tenths: Int128, halfEven: Int128, halfUp: Int128, down: Int128) {
        #expect(RoundingMode.halfEven.divide(tenths, by: 10) == halfEven)
        #expect(RoundingMode.halfUp.divide(tenths, by: 10) == halfUp)
        #expect(RoundingMode.down.divide(tenths, by: 10) == down)
    }

    @Test func unroundedAmountsRoundAtTheMinorUnit() throws {
        // 5% of 49,999.50 is 2,499.975: a tie at the cent.
        let value = UnroundedAmount.product(Money(minorUnits: 4_999_950, currency: aud), BasisPoints(500))
        #expect(value.decimalString == "2499.975")
        #expect(try value.rounded(.halfEven).decimalString == "2499.98")
        #expect(try value.rounded(.halfUp).decimalString == "2499.98")
        #expect(try value.rounded(.down).decimalString == "2499.97")
        let even = UnroundedAmount.product(Money(minorUnits: 3_000_010, currency: aud), BasisPoints(500))  // 1500.005
        #expect(try even.rounded(.halfEven).decimalString == "1500.00")
        #expect(try even.rounded(.halfUp).decimalString == "1500.01")
        #expect(UnroundedAmount.product(Money(minorUnits: 3_000_000, currency: aud), BasisPoints(500)).decimalString == "1500.00")
        #expect(UnroundedAmount.product(Money(minorUnits: -101, currency: aud), BasisPoints(1)).decimalString == "-0.000101")
    }
}

@Suite struct BasisPointsTests {
    @Test(arguments: [("5%", 500), ("7.5%", 750), ("12.25%", 1225), ("0%", 0), ("100%", 10_000), ("0.01%", 1), ("10%", 1000)])
    func parsesPercentages(text: String, bps: Int) throws {
        #expect(try BasisPoints.parsePercent(text) == BasisPoints(bps))
        #expect(BasisPoints(bps).percentString == text.replacingOccurrences(of: ".50%", with: ".5%"))
    }

    @Test(arguments: [
        ("7.505%", RateError.finerThanBasisPoint("7.505%")), ("-5%", .negative("-5%")), ("5", .notAPercentage("5")),
        ("101%", .aboveWhole("101%")), ("abc%", .notAPercentage("abc%")), ("5.%", .notAPercentage("5.%")),
        (".5%", .notAPercentage(".5%")), ("%", .notAPercentage("%")), ("5 %", .notAPercentage("5 %")), ("1e2%", .notAPercentage("1e2%")),
    ])
    func refusesBadRates(text: String, error: RateError) {
        #expect(throws: error) { try BasisPoints.parsePercent(text) }
    }

    @Test func printsAsFewDecimalsAsNeeded() {
        #expect(BasisPoints(750).description == "7.5% (750 bps)")
        #expect(BasisPoints(1205).percentString == "12.05%")
        #expect(BasisPoints(5).percentString == "0.05%")
    }
}

/// CSV cells: quoted where RFC 4180 needs it, and never a formula a spreadsheet would run.
@Suite struct CSVTextTests {
    @Test(arguments: [
        ("plain", "plain"), ("a,b", "\"a,b\""), ("say \"hi\"", "\"say \"\"hi\"\"\""), ("=1+2", "'=1+2"), ("+SUM(A1)", "'+SUM(A1)"),
        ("-2+3", "'-2+3"), ("@cmd", "'@cmd"), ("\tx", "'\tx"), ("=HYPERLINK(\"x\",\"y\")", "\"'=HYPERLINK(\"\"x\"\",\"\"y\"\")\""),
        ("-12.30", "-12.30"), ("+5", "+5"), ("-0.50", "-0.50"), ("-", "'-"), ("-1.", "'-1."),
    ])
    func cells(text: String, written: String) {
        #expect(CSVText.cell(text) == written)
    }
}
