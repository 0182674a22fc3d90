import Foundation
import Testing

@testable import ChannelbookCore

/// The article's program text with one or more edits, to produce each kind of invalid file.
private func article(_ edits: [(String, String)]) -> String {
    edits.reduce(Program.articleTOML) { text, edit in
        precondition(text.contains(edit.0), "edit target missing: \(edit.0)")
        return text.replacingOccurrences(of: edit.0, with: edit.1)
    }
}

/// The problems a program text has, as `path: message` lines; empty when it is valid.
private func problems(_ text: String) -> [String] {
    do {
        _ = try ProgramFile.parse(text)
        return []
    } catch {
        return error.lines
    }
}

@Suite struct ArticleProgramTests {
    @Test func holdsTheArticlesRules() {
        let program = Program.article
        #expect(program.name == "Australian channel program")
        #expect(program.currency == .aud)
        #expect(program.effectiveFrom.description == "2005-01-01")
        #expect(program.nationalMax == 10)
        #expect(program.rebate.eligibleTiers == [.premier, .national])
        #expect(program.rebate.tierOn == .periodEnd)
        #expect(program.rebate.basisCategories == [.hardware, .software])
        #expect(program.rebate.schedule.mode == .volume)
        #expect(program.rebate.schedule.rounding == .halfEven)
        #expect(
            program.rebate.schedule.tiers == [
                RateTier(from: 3_000_000, rate: BasisPoints(500)), RateTier(from: 5_000_000, rate: BasisPoints(750)),
                RateTier(from: 10_000_000, rate: BasisPoints(1000)),
            ])
        #expect(program.referral.schedule.tiers == [RateTier(from: 250, rate: BasisPoints(500)), RateTier(from: 501, rate: BasisPoints(1000))])
        #expect(program.referral.selfFulfilmentPays == false)
        #expect(program.referral.expiryDays == 90)
        #expect(program.mdf.eligibleTiers == [.premier, .associate])
        #expect(program.mdf.allocationPerQuarter == [.premier: Money(minorUnits: 500_000, currency: .aud), .associate: Money(minorUnits: 200_000, currency: .aud)])
        #expect(program.mdf.claimWithinDays == 60)
        #expect(program.renewals == RenewalRules(owner: .distributor, horizonDays: 90, lapseAfterDays: 30))
    }

    @Test func shippedFileIsTheBuiltInProgram() throws {
        let packageRoot = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent().deletingLastPathComponent()
        let shipped = try String(contentsOf: packageRoot.appendingPathComponent("programs/default.toml"), encoding: .utf8)
        #expect(shipped == Program.articleTOML + "\n")
        #expect(try ProgramFile.parse(shipped) == Program.article)
    }

    @Test func acceptsTheAlternativesTheBriefNames() throws {
        let program = try ProgramFile.parse(
            article([
                (#"mode = "volume"                  # or"#, #"mode = "graduated" #"#), (#"rounding = "half_even"           # or"#, #"rounding = "down" #"#),
                (#"owner = "distributor""#, #"owner = "vendor""#), (#"effective_from = "2005-01-01""#, "effective_from = 2026-07-01"),
                (#"tier_on = "period_end""#, #"tier_on = "period_start""#),
            ]))
        #expect(program.rebate.schedule.mode == .graduated)
        #expect(program.rebate.schedule.rounding == .down)
        #expect(program.renewals.owner == .vendor)
        // The retired `split` of stored program versions still reads, as the vendor's.
        #expect(try ProgramFile.parse(article([(#"owner = "distributor""#, #"owner = "split""#)])).renewals.owner == .vendor)
        #expect(program.effectiveFrom.description == "2026-07-01")
        #expect(program.rebate.tierOn == .periodStart)
    }
}

@Suite struct InvalidProgramFileTests {
    @Test func tierBoundsMustStrictlyIncrease() {
        #expect(
            problems(article([(#"{ from = "50000.00",  rate = "7.5%" }"#, #"{ from = "30000.00",  rate = "7.5%" }"#)]))
                == ["rebate.tiers[1].from: must be greater than the previous tier's from (rebate.tiers[0].from)"])
        #expect(
            problems(article([("{ from = 501, rate = \"10%\" }", "{ from = 200, rate = \"10%\" }")]))
                == ["referral.tiers[1].from: must be greater than the previous tier's from (referral.tiers[0].from)"])
    }

    @Test func ratesMustBeWholeNonNegativeBasisPoints() {
        #expect(
            problems(article([(#"rate = "7.5%""#, #"rate = "-7.5%""#), (#""100000.00", rate = "10%""#, #""100000.00", rate = "7.505%""#)]))
                == [
                    "rebate.tiers[1].rate: rate '-7.5%' is negative",
                    "rebate.tiers[2].rate: rate '7.505%' is finer than a basis point (at most two decimals: \"7.25%\")",
                ])
        #expect(problems(article([(#"rate = "7.5%""#, "rate = 7.5")])) == ["rebate.tiers[1].rate: must be a percentage string such as \"7.5%\", not a floating-point number"])
    }

    @Test func unknownKeysAreErrorsWhereverTheyAre() {
        #expect(
            problems(article([("national_max = 10", "national_max = 10\nnational_maximum = 5"), ("claim_within_days = 60", "claim_within_days = 60\n[bonus]\nrate = \"1%\"")]))
                == ["program.national_maximum: unknown key", "bonus: unknown key"])
        #expect(
            problems(article([(#"{ from = "30000.00",  rate = "5%" }"#, #"{ from = "30000.00",  rate = "5%", cap = "100.00" }"#)]))
                == ["rebate.tiers[0].cap: unknown key"])
    }

    @Test func unknownCategoriesAndTiersAreErrors() {
        #expect(
            problems(article([(#"basis_categories = ["hardware", "software"]"#, #"basis_categories = ["hardware", "services", "hardware"]"#)]))
                == [
                    "rebate.basis_categories[1]: unknown category 'services' (known: hardware, software, renewal)",
                    "rebate.basis_categories[2]: category 'hardware' is listed twice",
                ])
        #expect(
            problems(article([(#"eligible_tiers = ["premier", "national"]"#, #"eligible_tiers = ["premier", "gold"]"#)]))
                == ["rebate.eligible_tiers[1]: unknown tier 'gold' (known: national, premier, associate, registered)"])
        #expect(
            problems(article([(#"associate = "2000.00" }"#, #"associate = "2000.00", gold = "1.00" }"#)]))
                == ["mdf.allocation_per_quarter.gold: unknown tier 'gold' (known: national, premier, associate, registered)"])
        #expect(
            problems(article([(#"allocation_per_quarter = { premier = "5000.00", associate = "2000.00" }"#, #"allocation_per_quarter = { premier = "5000.00", national = "1.00" }"#)]))
                == [
                    "mdf.allocation_per_quarter.national: tier 'national' is not in mdf.eligible_tiers, so it would never be allocated"
                ])
        #expect(problems(article([(#", associate = "2000.00" }"#, " }")])) == ["mdf.allocation_per_quarter: no allocation for eligible tier 'associate'"])
        #expect(problems(article([(#"mode = "volume"                  # or"#, #"mode = "stepped" #"#)])) == [#"rebate.mode: 'stepped' is not one of "volume", "graduated""#])
    }

    @Test func currencyMustBeAnISOCode() {
        #expect(problems(article([(#"currency = "AUD""#, #"currency = "AUS""#)])) == [#"program.currency: 'AUS' is not an ISO 4217 currency code (such as "AUD")"#])
        #expect(problems(article([(#"currency = "AUD""#, #"currency = "aud""#)])).count == 1)
    }

    @Test func amountsMayNotHaveMoreDecimalsThanTheCurrency() {
        #expect(problems(article([(#"from = "30000.00""#, #"from = "30000.005""#)])) == ["rebate.tiers[0].from: '30000.005' has more decimals than AUD has (2)"])
        // Yen has no minor unit: the article's cents are too fine for it.
        let yen = problems(article([(#"currency = "AUD""#, #"currency = "JPY""#)]))
        #expect(yen.first == "rebate.tiers[0].from: '30000.00' has more decimals than JPY has (0)")
        #expect(yen.count == 5)
        #expect(problems(article([(#"from = "30000.00""#, "from = 30000.0")])) == [#"rebate.tiers[0].from: must be an amount written as a string such as "30000.00" (floating-point numbers are inexact), not a floating-point number"#])
        #expect(problems(article([(#"from = "30000.00""#, #"from = "30,000.00""#)])).first?.hasPrefix("rebate.tiers[0].from: '30,000.00' is not an amount") == true)
        #expect(problems(article([(#"premier = "5000.00""#, #"premier = "-5000.00""#)])) == ["mdf.allocation_per_quarter.premier: must not be negative"])
    }

    @Test func theMDFShareAndExpiryHaveDefaultsAndBounds() throws {
        let without = article([("max_share_of_cost = \"50%\"        # the vendor funds at most half of an activity\n", ""),
                               ("allocation_expires_after_quarters = 1   # unused money expires at the end of the next quarter\n", "")])
        #expect(try ProgramFile.parse(without).mdf == Program.article.mdf)  // a program stored before these settings existed
        #expect(problems(article([("max_share_of_cost = \"50%\"", "max_share_of_cost = \"0%\"")])) == ["mdf.max_share_of_cost: must be more than 0% and at most 100%"])
        #expect(problems(article([("max_share_of_cost = \"50%\"", "max_share_of_cost = \"100.01%\"")])).count == 1)
        #expect(try ProgramFile.parse(article([("max_share_of_cost = \"50%\"", "max_share_of_cost = \"100%\"")])).mdf.maxShareOfCost == .whole)
        #expect(problems(article([("allocation_expires_after_quarters = 1", "allocation_expires_after_quarters = -1")])).count == 1)
    }

    @Test func missingAndMistypedSettingsAreNamed() {
        #expect(problems(article([("self_fulfilment_pays = false\n", "")])) == ["referral.self_fulfilment_pays: missing"])
        #expect(problems(article([("expiry_days = 90", #"expiry_days = "90""#)])) == ["referral.expiry_days: must be a whole number, not a string"])
        #expect(problems(article([("expiry_days = 90", "expiry_days = 0")])) == ["referral.expiry_days: 0 is out of range (1 to 3650)"])
        #expect(problems(article([("{ from = 250, rate", #"{ from = "250", rate"#)])) == ["referral.tiers[0].from: must be a whole number of seats, not a string"])
        #expect(problems(article([(#"effective_from = "2005-01-01""#, #"effective_from = "2005-02-30""#)])) == ["program.effective_from: '2005-02-30' is not a day of the calendar"])
        #expect(problems(article([("national_max = 10", "national_max = 0")])) == ["program.national_max: 0 is out of range (1 to 1000)"])
        let noRenewals = problems(String(Program.articleTOML.prefix(upTo: Program.articleTOML.range(of: "[renewals]")!.lowerBound)))
        #expect(noRenewals == ["renewals: missing"])
        #expect(problems(article([(#"{ from = 250, rate = "5%" },"#, ""), (#"{ from = 501, rate = "10%" },"#, "")])) == ["referral.tiers: must have at least one tier"])
        #expect(problems(article([(#"{ from = 250, rate = "5%" },"#, "250,")])) == ["referral.tiers[0]: must be a table such as { from = ..., rate = ... }, not an integer"])
    }

    @Test func negativeBoundsAreRefused() {
        #expect(problems(article([("{ from = 250, rate", "{ from = -250, rate")])) == ["referral.tiers[0].from: must not be negative"])
    }

    @Test func reportsEveryProblemInOnePass() {
        let found = problems(
            article([
                (#"currency = "AUD""#, #"currency = "XYZ""#), (#"rate = "7.5%""#, #"rate = "7.125%""#), ("expiry_days = 90", "expiry_days = -1"),
                (#"owner = "distributor""#, #"owner = "halves""#), ("lapse_after_days = 30", "lapse_after_days = 30\ncolour = \"red\""),
            ]))
        #expect(
            found == [
                #"program.currency: 'XYZ' is not an ISO 4217 currency code (such as "AUD")"#,
                #"rebate.tiers[1].rate: rate '7.125%' is finer than a basis point (at most two decimals: "7.25%")"#,
                "referral.expiry_days: -1 is out of range (1 to 3650)",
                #"renewals.owner: 'halves' is not one of "distributor", "vendor""#,
                "renewals.colour: unknown key",
            ])
    }

    @Test func syntaxErrorsCarryTheLine() {
        let text = "[program]\nname = \"x\"\ncurrency = AUD\n"
        #expect(throws: ProgramFileError.self) { try ProgramFile.parse(text) }
        do {
            _ = try ProgramFile.parse(text)
        } catch {
            guard case let .syntax(line, _, _) = error else {
                Issue.record("expected a syntax error, got \(error)")
                return
            }
            #expect(line == 3)
        }
    }

    @Test func oversizedFilesAreRefused() {
        let huge = Program.articleTOML + "\n# " + String(repeating: "x", count: ProgramFile.maximumBytes)
        #expect(problems(huge) == ["the file is larger than 256 KiB"])
    }
}

/// `[segments]` (PRODUCT.md section 3, "Is the strategy working?"): analytics segments by seats, validated like the rest.
@Suite struct SegmentsInTheProgramTests {
    private static let articleSegments = "single = 1\nsmb = 2                          # the SMB segment: 2 to 500 seats, pushed through distributors\nenterprise = 501"

    @Test func theArticlesSegmentsHaveTheirEdgesAt1_2_500_501() {
        let segments = Program.article.segments
        #expect(segments == .standard)
        #expect([1, 2, 500, 501, 100_000].map { segments.segment(forSeats: $0) } == ["single", "smb", "smb", "enterprise", "enterprise"])
        // A return counts by its seats' absolute value; a price adjustment (0 seats) apart.
        #expect([-1, -2, -500, -501, 0].map { segments.segment(forSeats: $0) } == ["single", "smb", "smb", "enterprise", "adjustment"])
        #expect(segments.segment(forSeats: Int64.min) == "enterprise")
        #expect(Program.article.summary.last?.rows.first?.lines == ["single: 1 seat", "smb: 2 to 500 seats", "enterprise: 501 seats and over", "adjustment: price adjustments (0 seats)"])
    }

    @Test func aProgramWithoutSegmentsReadsAsTheArticles() throws {
        let without = Program.articleTOML.replacingOccurrences(of: "[segments]                       # analytics: each segment starts at its seats\n" + Self.articleSegments, with: "")
        #expect(!without.contains("[segments]"))
        #expect(try ProgramFile.parse(without) == Program.article)
    }

    @Test func customSegmentsAreSortedByTheirStart() throws {
        let program = try ProgramFile.parse(article([(Self.articleSegments, "large = 100\nsolo = 1\nteam = 5")]))
        #expect(program.segments.segments.map(\.name) == ["solo", "team", "large"])
        #expect(program.segments.descriptions == ["solo: 1 to 4 seats", "team: 5 to 99 seats", "large: 100 seats and over", "adjustment: price adjustments (0 seats)"])
    }

    @Test func segmentsMustPartitionOneSeatAndUp() {
        #expect(problems(article([(Self.articleSegments, "smb = 2\nenterprise = 501")])) == ["segments: the first segment must start at 1 seat (smb starts at 2)"])
        #expect(problems(article([(Self.articleSegments, "single = 1\nsmb = 1")])) == ["segments: single and smb both start at 1 seat"])
        #expect(problems(article([(Self.articleSegments, "single = 1\nadjustment = 2")])) == ["segments: 'adjustment' is reserved for price adjustments (0 seats)"])
        #expect(problems(article([(Self.articleSegments, "single = 1\nSMB = 2")])) == ["segments: 'SMB': a segment's name is 1 to 32 lowercase letters, digits or _, starting with a letter"])
        #expect(problems(article([(Self.articleSegments, "single = 1\nsmb = \"2\"")])) == ["segments.smb: must be the whole number of seats the segment starts at, not a string"])
        #expect(problems(article([(Self.articleSegments, "single = 1\nsmb = 0")])) == [
            "segments: smb: from must be 1 to 10000000 seats", "segments: the first segment must start at 1 seat (smb starts at 0)",
        ])
        #expect(problems(article([(Self.articleSegments, "")])) == ["segments: must name at least one segment"])
        let many = (1...13).map { "s\($0) = \($0)" }.joined(separator: "\n")
        #expect(problems(article([(Self.articleSegments, many)])) == ["segments: at most 12 segments"])
    }
}
