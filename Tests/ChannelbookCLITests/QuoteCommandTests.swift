import ChannelbookCore
import Foundation
import Testing

@Suite struct QuoteRebateCommandTests {
    @Test func printsTheAmountAndEveryExplanationLine() async {
        let output = await channelbook("quote", "rebate", "--tier", "premier", "--basis", "49999.50")
        #expect(output.exitCode == 0)
        #expect(Array(output.stdoutLines.prefix(2)) == ["rebate  2499.98 AUD", "rate    5% (500 bps)"])
        #expect(output.stdout.contains("  unrounded: 49999.50 × 5% = 2499.975 AUD\n"))
        #expect(output.stdout.contains("  rounding: half_even to 0.01 AUD → 2499.98 AUD\n"))
        #expect(output.stderr.isEmpty)
    }

    @Test(arguments: [
        ("29999.99", "0.00", 0), ("30000.00", "1500.00", 500), ("49999.50", "2499.98", 500), ("50000.00", "3750.00", 750),
        ("99999.99", "7500.00", 750), ("100000.00", "10000.00", 1000),
    ])
    func jsonCarriesAmountRateAndExplanation(basis: String, amount: String, rateBps: Int) async throws {
        let output = await channelbook("quote", "rebate", "--tier", "national", "--basis", basis, "--format", "json")
        #expect(output.exitCode == 0)
        let json = try #require(try JSONSerialization.jsonObject(with: Data(output.stdout.utf8)) as? [String: Any])
        #expect(json["amount"] as? String == amount)
        #expect(json["rate_bps"] as? Int == rateBps)
        #expect(json["basis"] as? String == basis)
        #expect(json["currency"] as? String == "AUD")
        let explanation = try #require(json["explanation"] as? [String])
        #expect(explanation.first == "program: Australian channel program (effective 2005-01-01)")
        #expect(explanation.last == "amount: \(amount) AUD")
    }

    @Test func anIneligibleTierQuotesZeroAndSaysWhy() async {
        let output = await channelbook("quote", "rebate", "--tier", "associate", "--basis", "150000.00")
        #expect(output.exitCode == 0)
        #expect(output.stdoutLines.first == "rebate  0.00 AUD")
        #expect(output.stdout.contains("tier: associate on the quarter's last day is not eligible (eligible tiers: national, premier); nothing is earned"))
    }

    @Test func aGraduatedProgramFileChangesTheQuote() async throws {
        let file = try temporaryFile(
            named: "graduated.toml",
            containing: Program.articleTOML.replacingOccurrences(of: #"mode = "volume"                  # or"#, with: #"mode = "graduated" #"#))
        let output = await channelbook("quote", "rebate", "--tier", "premier", "--basis", "100000.00", "--program", file, "--format", "json")
        #expect(output.exitCode == 0, "\(output.stderr)")
        let json = try #require(try JSONSerialization.jsonObject(with: Data(output.stdout.utf8)) as? [String: Any])
        #expect(json["amount"] as? String == "4750.00")
        let calculation = try #require(json["calculation"] as? [String: Any])
        #expect(calculation["mode"] as? String == "graduated")
        #expect(calculation["unrounded"] as? String == "4750.00")
        #expect((calculation["slices"] as? [[String: Any]])?.map { $0["value"] as? String } == ["20000.00", "50000.00", "0.00"])
    }

    @Test(arguments: [
        (["--basis", "12abc"], "Error: --basis: '12abc' is not an amount: 'a' at position 3 is not allowed"),
        (["--basis", "1,5"], "Error: --basis: '1,5' is not an amount: ',' at position 2 is not allowed"),
        (["--basis", "1.234"], "Error: --basis: '1.234' has more decimals than AUD has (2)"),
    ])
    func badAmountsAreClearErrors(arguments: [String], message: String) async {
        let output = await channelbook(["quote", "rebate", "--tier", "premier"] + arguments)
        #expect(output.exitCode == 1)
        #expect(output.stderr.hasPrefix(message), "\(output.stderr)")
        #expect(output.stdout.isEmpty)
    }

    @Test func anUnknownTierIsAUsageError() async {
        let output = await channelbook("quote", "rebate", "--tier", "gold", "--basis", "1.00")
        #expect(output.exitCode == 64)
        #expect(output.stderr.contains("'gold'"))
    }

    @Test func aMissingProgramFileIsAnError() async {
        let output = await channelbook("quote", "rebate", "--tier", "premier", "--basis", "1.00", "--program", "/nonexistent/p.toml")
        #expect(output.exitCode == 1)
        #expect(output.stderr == "Error: /nonexistent/p.toml: cannot read the program file: no such file\n")
    }

    @Test func negativeBasisWrittenWithEquals() async {
        let output = await channelbook("quote", "rebate", "--tier", "premier", "--basis=-250.00")
        #expect(output.exitCode == 0)
        #expect(output.stdoutLines.first == "rebate  0.00 AUD")
    }
}

@Suite struct QuoteReferralCommandTests {
    @Test(arguments: [(249, "0.00", 0), (250, "1500.00", 500), (500, "3000.00", 500), (501, "6012.00", 1000)])
    func quotesEverySeatBoundary(seats: Int, amount: String, rateBps: Int) async throws {
        let output = await channelbook("quote", "referral", "--seats", "\(seats)", "--unit-price", "120.00", "--format", "json")
        #expect(output.exitCode == 0)
        let json = try #require(try JSONSerialization.jsonObject(with: Data(output.stdout.utf8)) as? [String: Any])
        #expect(json["amount"] as? String == amount)
        #expect(json["rate_bps"] as? Int == rateBps)
        #expect(json["seats"] as? Int == seats)
        #expect((json["explanation"] as? [String])?.isEmpty == false)
    }

    @Test func selfFulfilledPaysNothingAndSaysWhy() async {
        let output = await channelbook("quote", "referral", "--seats", "600", "--unit-price", "100.00", "--self-fulfilled")
        #expect(output.exitCode == 0)
        #expect(output.stdoutLines.first == "referral fee  0.00 AUD")
        #expect(output.stdout.contains("referral.self_fulfilment_pays = false"))
    }

    @Test func refusesNonPositiveSeatsAndNegativePrices() async {
        let zero = await channelbook("quote", "referral", "--seats", "0", "--unit-price", "100.00")
        #expect(zero.exitCode == 64)
        #expect(zero.stderr.contains("--seats: must be a positive whole number, not 0"))
        let negative = await channelbook("quote", "referral", "--seats", "300", "--unit-price=-1.00")
        #expect(negative.exitCode == 1)
        #expect(negative.stderr == "Error: --unit-price: must not be negative, not -1.00\n")
        let overflow = await channelbook("quote", "referral", "--seats", "1000000000", "--unit-price", "99999999999.00")
        #expect(overflow.exitCode == 1)
        #expect(overflow.stderr.contains("out of range"))
    }
}
