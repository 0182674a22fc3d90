import ChannelbookCore
import Foundation
import Testing

@testable import ChannelbookImport

private func records(_ text: String) throws -> [CSVRecord] {
    let reader = CSVReader(bytes: Array(text.utf8))
    var records: [CSVRecord] = []
    while let record = try reader.next() { records.append(record) }
    return records
}

@Suite struct CSVReaderTests {
    @Test func readsPlainRecordsWithTheirLines() throws {
        let found = try records("a,b,c\n1,2,3\n4,5,6\n")
        #expect(found.map(\.fields) == [["a", "b", "c"], ["1", "2", "3"], ["4", "5", "6"]])
        #expect(found.map(\.line) == [1, 2, 3])
    }

    @Test func acceptsByteOrderMarkAndCRLF() throws {
        let found = try records("\u{FEFF}code,name\r\nR1,One\r\nR2,Two")
        #expect(found.map(\.fields) == [["code", "name"], ["R1", "One"], ["R2", "Two"]])
    }

    @Test func quotedFieldsHoldCommasQuotesAndNewlines() throws {
        let found = try records("a,b\n\"Smith, Jones & Co\",\"Acme \"\"IT\"\" Pty\"\n\"two\nlines\",x\nlast,\"\"\n")
        #expect(found.map(\.fields) == [["a", "b"], ["Smith, Jones & Co", "Acme \"IT\" Pty"], ["two\nlines", "x"], ["last", ""]])
        #expect(found.map(\.line) == [1, 2, 3, 5])
    }

    @Test func keepsUnicodeAndEmptyFields() throws {
        #expect(try records("Café Networks,,Zoë\n").first?.fields == ["Café Networks", "", "Zoë"])
    }

    @Test func skipsBlankLines() throws {
        #expect(try records("a\n\n1\n\r\n2\n").map(\.fields) == [["a"], ["1"], ["2"]])
    }

    @Test(arguments: [
        ("a,b\n\"open,x\n", 2, "a quoted field is not closed before the end of the file"),
        ("a,b\n\"x\"y,z\n", 2, "unexpected text after a closing quote"),
        ("a,b\nx\"y,z\n", 2, "a quote inside an unquoted field (quote the whole field and double the quote)"),
    ])
    func malformedCSVNamesTheLine(text: String, line: Int, message: String) {
        #expect(throws: CSVError(line: line, message: message)) { try records(text) }
    }

    @Test func refusesInvalidUTF8() {
        let reader = CSVReader(bytes: Array("a,b\n".utf8) + [0x78, 0xFF, 0x2C, 0x79, 0x0A])
        #expect(throws: CSVError(line: 2, message: "field 1 is not valid UTF-8")) {
            while try reader.next() != nil {}
        }
    }

    @Test func boundsFieldLength() {
        var limits = CSVLimits.standard
        limits.maximumFieldBytes = 5
        let reader = CSVReader(bytes: Array("abc\n123456\n".utf8), limits: limits)
        #expect(throws: CSVError(line: 2, message: "a field is longer than 5 bytes")) {
            while try reader.next() != nil {}
        }
    }

    @Test func streamsAFileLargerThanItsBuffer() throws {
        let path = FileManager.default.temporaryDirectory.appendingPathComponent("csv-\(UUID().uuidString).csv").path
        var text = "id,name\n"
        for index in 0..<60_000 { text += "\(index),\"Name, \(index)\"\r\n" }
        try text.write(toFile: path, atomically: true, encoding: .utf8)
        let reader = try CSVReader(path: path)
        var count = 0
        var last: CSVRecord?
        while let record = try reader.next() {
            count += 1
            last = record
        }
        #expect(count == 60_001)
        #expect(last?.fields == ["59999", "Name, 59999"])
        #expect(last?.line == 60_001)
    }
}

@Suite struct RowParsingTests {
    private func parse(_ line: String) -> (SalesRow?, [String]) {
        let header = try! CSVHeader.read(
            CSVRecord(line: 1, fields: SalesRow.requiredColumns), required: SalesRow.requiredColumns, file: "sales.csv"
        ).get()
        var problems = ImportProblems(file: "sales.csv")
        let record = try! CSVReader(bytes: Array(line.utf8)).next()!
        let row = SalesRow.parse(CSVRecord(line: 7, fields: record.fields), header: header, currency: .aud, problems: &problems)
        return (row, problems.first.map(\.description))
    }

    @Test func parsesAValidLine() {
        let (row, problems) = parse("D01-1,2026-03-31,D01,R00001,\"Acme, Pty Ltd\",SW-2001,software,3,-1234.5,AUD")
        #expect(problems.isEmpty)
        #expect(row?.amount.minorUnits == -123_450)
        #expect(row?.customer == "Acme, Pty Ltd")
        #expect(row?.source == .distributor("D01"))
    }

    @Test func reportsEveryBadFieldOfALine() {
        let (row, problems) = parse("D01-1,2026-02-30,D01,R00001,Acme,SW-2001,services,0,12abc,USD")
        #expect(row == nil)
        #expect(
            problems == [
                "sales.csv:7: date: '2026-02-30' is not a day of the calendar",
                "sales.csv:7: category: 'services' is not one of hardware, software, renewal",
                "sales.csv:7: currency: 'USD' is not the program's currency (AUD)",
                "sales.csv:7: amount: '12abc' is not an amount: 'a' at position 3 is not allowed (write amounts like 1234.50: digits, an optional leading '-', one '.', no thousands separators)",
            ])
    }

    @Test func namesAResellerByABN() {
        let (row, problems) = parse("L1,2026-01-02,DIRECT,51 824 753 556,Acme,HW-1,hardware,1,10.00,AUD")
        #expect(problems.isEmpty)
        #expect(row?.reseller == .abn(try! ABN.parse("51824753556")))
        // Not a valid ABN (its checksum fails): a name as written, which the import parks until it is mapped.
        let (typo, none) = parse("L1,2026-01-02,DIRECT,51824753557,Acme,HW-1,hardware,1,10.00,AUD")
        #expect(none.isEmpty && typo?.reseller == .name("51824753557"))
        let (named, _) = parse("L1,2026-01-02,D01,Acme Pty Ltd,Acme,HW-1,hardware,1,10.00,AUD")
        #expect(named?.reseller == .name("Acme Pty Ltd"))
    }

    @Test func headerProblemsNameTheColumn() {
        let result = CSVHeader.read(
            CSVRecord(line: 1, fields: ["line_id", "date", "date", "colour"]), required: SalesRow.requiredColumns, file: "sales.csv")
        guard case .failure(let problems) = result else {
            Issue.record("expected header problems")
            return
        }
        #expect(problems.first.map(\.description).contains("sales.csv:1: date: column appears twice"))
        #expect(problems.first.map(\.description).contains { $0.hasPrefix("sales.csv:1: colour: unknown column") })
        #expect(problems.first.map(\.description).contains("sales.csv:1: amount: required column is missing"))
    }

    @Test func keepsTheFirstHundredProblemsAndCountsTheRest() {
        var problems = ImportProblems(file: "f.csv")
        for line in 1...250 { problems.add(line: line, field: "x", "bad") }
        #expect(problems.first.count == 100)
        #expect(problems.count == 250)
        #expect(problems.lines.suffix(2) == ["… and 150 more problems", "f.csv: 250 problems; nothing was imported"])
    }
}
