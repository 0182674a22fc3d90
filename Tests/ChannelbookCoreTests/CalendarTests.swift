import Testing

@testable import ChannelbookCore

@Suite struct BusinessDateTests {
    @Test func parsesISODates() throws {
        let date = try BusinessDate.parse("2026-03-31")
        #expect((date.year, date.month, date.day) == (2026, 3, 31))
        #expect(date.description == "2026-03-31")
        #expect(try BusinessDate.parse("2024-02-29").day == 29)
        #expect(try BusinessDate.parse("2000-02-29").day == 29)
    }

    @Test(arguments: ["2026-3-31", "2026/03/31", "26-03-31", "2026-03-31T00:00", " 2026-03-31", "", "abcd-ef-gh"])
    func refusesOtherShapes(text: String) {
        #expect(throws: DateError.notADate(text)) { try BusinessDate.parse(text) }
    }

    @Test(arguments: ["2026-02-29", "1900-02-29", "2026-04-31", "2026-13-01", "2026-00-10", "2026-01-00", "0000-01-01"])
    func refusesDaysThatDoNotExist(text: String) {
        #expect(throws: DateError.noSuchDay(text)) { try BusinessDate.parse(text) }
    }

    @Test func stepsByWholeDays() throws {
        let approved = try BusinessDate.parse("2026-01-15")
        #expect(approved.adding(days: 90).description == "2026-04-15")
        #expect(try BusinessDate.parse("2024-02-28").adding(days: 1).description == "2024-02-29")
        #expect(try BusinessDate.parse("2026-12-31").adding(days: 1).description == "2027-01-01")
        #expect(try BusinessDate.parse("1970-01-01").daysSinceEpoch == 0)
        #expect(try BusinessDate.parse("2000-03-01").daysSinceEpoch == 11_017)
        #expect(approved.days(until: try BusinessDate.parse("2026-04-15")) == 90)
    }

    @Test func everyDayRoundTripsThroughItsDayNumber() {
        // Four hundred years is one full Gregorian cycle: every leap-year rule is exercised.
        var previous = BusinessDate(year: 1999, month: 12, day: 31)!
        for dayNumber in (previous.daysSinceEpoch + 1)...(previous.daysSinceEpoch + 146_097) {
            let date = BusinessDate(daysSinceEpoch: dayNumber)!
            #expect(date.daysSinceEpoch == dayNumber)
            #expect(previous < date)
            previous = date
        }
        #expect(previous.description == "2399-12-31")
    }
}

@Suite struct QuarterTests {
    @Test(arguments: [
        ("2026Q1", "2026-01-01", "2026-03-31"), ("2026Q2", "2026-04-01", "2026-06-30"),
        ("2026Q3", "2026-07-01", "2026-09-30"), ("2026q4", "2026-10-01", "2026-12-31"),
    ])
    func knowsItsFirstAndLastDay(text: String, first: String, last: String) throws {
        let quarter = try Quarter.parse(text)
        #expect(quarter.firstDay.description == first)
        #expect(quarter.lastDay.description == last)
        #expect(quarter.description == text.uppercased())
        #expect(Quarter(containing: quarter.firstDay) == quarter)
        #expect(Quarter(containing: quarter.lastDay) == quarter)
        #expect(!quarter.contains(quarter.lastDay.adding(days: 1)))
        #expect(!quarter.contains(quarter.firstDay.adding(days: -1)))
    }

    @Test(arguments: ["2026Q5", "2026Q0", "2026-Q1", "26Q1", "Q1 2026", "2026Q", "", "2026Q12"])
    func refusesOtherShapes(text: String) {
        #expect(throws: DateError.notAQuarter(text)) { try Quarter.parse(text) }
    }

    @Test func stepsAcrossYears() throws {
        #expect(try Quarter.parse("2026Q4").next.description == "2027Q1")
        #expect(try Quarter.parse("2026Q1").previous.description == "2025Q4")
        #expect(try Quarter.parse("2025Q4") < Quarter.parse("2026Q1"))
    }

    /// Schemathesis sent `0564Q2` and got `564Q2` back, which does not parse: the year keeps its four digits.
    @Test func anEarlyYearKeepsFourDigitsSoItsNameParsesBack() throws {
        for text in ["0564Q2", "0001Q1", "0099Q4", "9999Q4"] {
            let quarter = try Quarter.parse(text)
            #expect(quarter.description == text)
            #expect(try Quarter.parse(quarter.description) == quarter)
        }
    }

    /// Pages step a typed-in quarter back and forth; the ends of the calendar stay put instead of trapping.
    @Test func theEndsOfTheCalendarAreTheirOwnNeighbours() throws {
        #expect(try Quarter.parse("0001Q1").previous.description == "0001Q1")
        #expect(try Quarter.parse("9999Q4").next.description == "9999Q4")
        #expect(try Quarter.parse("0001Q2").previous.description == "0001Q1")
        #expect(try Quarter.parse("9999Q3").next.description == "9999Q4")
    }
}
