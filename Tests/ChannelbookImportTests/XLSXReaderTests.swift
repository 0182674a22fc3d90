import Foundation
import Testing
import ZIPFoundation
import ChannelbookTestSupport

@testable import ChannelbookImport

@Suite final class XLSXReaderTests {
    /// Files the test wrote, removed when it ends (Swift Testing makes one instance per test).
    private var temporaryPaths: [String] = []
    deinit { for path in temporaryPaths { try? FileManager.default.removeItem(atPath: path) } }
    typealias Row = XLSXFixture.Row

    // MARK: Helpers

    private func path(of fixture: XLSXFixture) throws -> String {
        let path = try fixture.write()
        temporaryPaths.append(path)
        return path
    }

    private func path(ofBytes bytes: [UInt8]) throws -> String {
        let path = NSTemporaryDirectory() + "bytes-\(UUID().uuidString).xlsx"
        try Data(bytes).write(to: URL(fileURLWithPath: path))
        temporaryPaths.append(path)
        return path
    }

    private func records(_ fixture: XLSXFixture, limits: CSVLimits = .standard) throws -> [CSVRecord] {
        try records(atPath: path(of: fixture), limits: limits)
    }

    private func records(atPath path: String, limits: CSVLimits = .standard) throws -> [CSVRecord] {
        let reader = try XLSXReader(path: path, limits: limits)
        var found: [CSVRecord] = []
        while let record = try reader.next() { found.append(record) }
        return found
    }

    /// The records read before the reader threw (in `init` or `next()`), and what it threw.
    private func recordsThenError(_ fixture: XLSXFixture, limits: CSVLimits = .standard) throws -> ([CSVRecord], CSVError?) {
        let path = try path(of: fixture)
        var found: [CSVRecord] = []
        do throws(CSVError) {
            let reader = try XLSXReader(path: path, limits: limits)
            while let record = try reader.next() { found.append(record) }
        } catch {
            return (found, error)
        }
        return (found, nil)
    }

    /// The text one cell of a two-row sheet reads as (row 1 is a header).
    private func field(_ cell: XLSXFixture.Cell, date1904: Bool = false) throws -> String {
        var fixture = XLSXFixture(rows: [Row(1, [.shared("h")]), Row(2, [cell])])
        fixture.date1904 = date1904
        let found = try records(fixture)
        #expect(found.count == 2)
        return found.last?.fields.first ?? "<missing>"
    }

    private func error(_ cell: XLSXFixture.Cell, limits: CSVLimits = .standard) throws -> CSVError? {
        let fixture = XLSXFixture(rows: [Row(1, [.shared("h"), .shared("i")]), Row(5, [.shared("x"), cell])])
        let (found, error) = try recordsThenError(fixture, limits: limits)
        #expect(found.map(\.line) == [1])
        return error
    }

    // MARK: Strings

    @Test func sharedStringsIncludingRichTextRuns() throws {
        let found = try records(XLSXFixture(rows: [
            Row(1, [.shared("reseller"), .shared("note")]),
            Row(2, [.rich(["Acme ", "Pty", " Ltd"]), .shared("  spaced & <kept>  ")]),
        ]))
        #expect(found.map(\.fields) == [["reseller", "note"], ["Acme Pty Ltd", "  spaced & <kept>  "]])
    }

    @Test func inlineAndFormulaStrings() throws {
        #expect(try field(.inline("Contoso \"AU\" & Co")) == "Contoso \"AU\" & Co")
        #expect(try field(.formulaString("ab")) == "ab")
        #expect(try field(.inline("Zürich – 東京")) == "Zürich – 東京")
        #expect(try field(.inline("   ")) == "   ")
    }

    @Test func booleans() throws {
        #expect(try field(.boolean(true)) == "TRUE")
        #expect(try field(.boolean(false)) == "FALSE")
    }

    // MARK: Numbers

    @Test func numbersAreTheDigitsAsWritten() throws {
        #expect(try field(.number("1234.5")) == "1234.5")
        #expect(try field(.number("49999.5")) == "49999.5")
        #expect(try field(.number("0.30000000000000004")) == "0.30000000000000004")
        #expect(try field(.number("53004085616")) == "53004085616")
        #expect(try field(.fixed("12.5")) == "12.5")
    }

    @Test func exponentsBecomePlainDecimalText() throws {
        #expect(try field(.number("1E+3")) == "1000")
        #expect(try field(.number("1.5E-2")) == "0.015")
        #expect(try field(.number("1.5E+4")) == "15000")
        #expect(try field(.number("1E-3")) == "0.001")
        #expect(try field(.number("5.3004085616E+10")) == "53004085616")
        #expect(try field(.number("-2.5e-1")) == "-0.25")
        #expect(try field(.number("1.2345E+2")) == "123.45")
    }

    @Test func exponentArithmeticAtTheEdges() {
        let plain = { (text: String) in XLSXCells.plainDecimal(text, maximumBytes: 100) }
        #expect(plain("0.5E1") == .text("5"))
        #expect(plain("12.5E0") == .text("12.5"))
        #expect(plain("1.50E-1") == .text("0.150"))
        #expect(plain("123") == .text("123"))
        #expect(plain("abcE5") == .text("abcE5"))
        #expect(plain("1E+999999") == .tooLong)
        #expect(XLSXCells.plainDecimal("1E+20", maximumBytes: 10) == .tooLong)
    }

    // MARK: Dates

    @Test func dateCellsReadAsISODates() throws {
        #expect(try field(.date("46037")) == "2026-01-15")
        #expect(try field(.customDate("46037")) == "2026-01-15")
        #expect(try field(.dateTime("46023.0")) == "2026-01-01")
        #expect(try field(.date("46023.000")) == "2026-01-01")
    }

    @Test func the1900DateSystemEdges() throws {
        let expected = [
            "1": "1900-01-01", "59": "1900-02-28", "61": "1900-03-01", "46023": "2026-01-01",
            "46112": "2026-03-31", "45351": "2024-02-29", "2958465": "9999-12-31",
        ]
        for (serial, date) in expected {
            #expect(XLSXCells.isoDate(serial: serial, date1904: false) == .date(date))
        }
        #expect(try field(.date("1")) == "1900-01-01")
        #expect(try field(.date("61")) == "1900-03-01")
        for invalid in ["0", "60", "-1", "2958466"] {
            #expect(XLSXCells.isoDate(serial: invalid, date1904: false) == .invalid)
        }
        #expect(try error(.date("60")) == CSVError(line: 5, message: "cell B5 holds 60, which is not a date"))
    }

    @Test func the1904DateSystem() throws {
        #expect(try field(.date("0"), date1904: true) == "1904-01-01")
        #expect(try field(.date("44561"), date1904: true) == "2026-01-01")
        #expect(XLSXCells.isoDate(serial: "59", date1904: true) == .date("1904-02-29"))
    }

    @Test func aDateWithATimeIsRefused() throws {
        let refusal = CSVError(line: 5, message: "cell B5 holds a date and time; a date is required")
        #expect(try error(.date("46023.5")) == refusal)
        #expect(try error(.dateTime("46023.25")) == refusal)
        #expect(try error(.customDate("0.5")) == refusal)
    }

    @Test func dateFormatCodes() {
        for code in ["yyyy-mm-dd", #"yyyy\-mm\-dd"#, "d/m/yy", "[$-409]d-mmm-yy;@", "dd/mm/yyyy hh:mm", "mmmm"] {
            #expect(XLSXCells.isDateFormatCode(code))
        }
        for code in ["General", "0.00", "#,##0.00 \"days\"", "[Red]0.00", "mm:ss", "h:mm", "0.00E+00", #"0\d"#] {
            #expect(!(XLSXCells.isDateFormatCode(code)))
        }
    }

    // MARK: Layout

    @Test func gapsBecomeEmptyFields() throws {
        let found = try records(XLSXFixture(rows: [Row(1, [.shared("x"), .gap, .shared("z")])]))
        #expect(found.map(\.fields) == [["x", "", "z"]])
    }

    @Test func rowsArePaddedToTheHeaderWidth() throws {
        let found = try records(XLSXFixture(rows: [
            Row(1, [.shared("a"), .shared("b"), .shared("c"), .shared("d"), .emptyStyled]),
            Row(2, [.number("1")]),
            Row(3, [.gap, .gap, .number("3"), .gap, .emptyStyled, .emptyStyled]),
            Row(4, [.number("1"), .gap, .gap, .gap, .gap, .inline("extra")]),
        ]))
        #expect(found.map(\.fields) == [
            ["a", "b", "c", "d"], ["1", "", "", ""], ["", "", "3", ""], ["1", "", "", "", "", "extra"],
        ])
    }

    @Test func blankRowsAreSkippedAndLinesAreSheetRowNumbers() throws {
        let found = try records(XLSXFixture(rows: [
            Row(1, [.shared("a"), .shared("b")]),
            Row(2, [.emptyStyled, .emptyStyled]),
            Row(4, [.number("4")]),
            Row(7, [.gap, .inline("")]),
            Row(9, [.inline("9")]),
        ]))
        #expect(found.map(\.line) == [1, 4, 9])
        #expect(found.map(\.fields) == [["a", "b"], ["4", ""], ["9", ""]])
    }

    @Test func rowsAndCellsWithoutReferencesAreSequential() throws {
        let found = try records(XLSXFixture(rows: [
            Row(nil, [.shared("a"), .shared("b")], writesReferences: false),
            Row(nil, [.number("1"), .number("2")], writesReferences: false),
        ]))
        #expect(found.map(\.line) == [1, 2])
        #expect(found.map(\.fields) == [["a", "b"], ["1", "2"]])
    }

    @Test func theFirstSheetIsFoundThroughTheRelationships() throws {
        var fixture = XLSXFixture(rows: [Row(1, [.shared("real")])])
        fixture.sheetFile = "sheet7.xml"
        fixture.decoyRows = [Row(1, [.shared("decoy")])]
        #expect(try records(fixture).map(\.fields) == [["real"]])
    }

    @Test func prefixedElementNamesAreRead() throws {
        var fixture = XLSXFixture(rows: [])
        fixture.rawSheetXML = #"<?xml version="1.0"?><x:worksheet xmlns:x="http://schemas.openxmlformats.org/spreadsheetml/2006/main">"#
            + #"<x:sheetData><x:row r="3"><x:c r="B3" t="inlineStr"><x:is><x:r><x:t>b</x:t></x:r><x:r><x:t xml:space="preserve"> c</x:t></x:r><x:rPh><x:t>ignored</x:t></x:rPh></x:is></x:c><x:c r="C3"><x:v>2</x:v></x:c></x:row>"#
            + "</x:sheetData></x:worksheet>"
        let found = try records(fixture)
        #expect(found.map(\.fields) == [["", "b c", "2"]])
        #expect(found.map(\.line) == [3])
    }

    // MARK: Refusals

    @Test func anErrorCellIsRefusedNamingTheCell() throws {
        let fixture = XLSXFixture(rows: [
            Row(1, [.shared("a")]), Row(6, [.number("1")]),
            Row(7, [.number("1"), .gap, .gap, .gap, .gap, .error("#DIV/0!")]),
            Row(8, [.number("2")]),
        ])
        let (found, error) = try recordsThenError(fixture)
        #expect(found.map(\.line) == [1, 6])
        #expect(error == CSVError(line: 7, message: "cell F7 holds an error (#DIV/0!)"))
    }

    @Test func aTooLongFieldIsRefused() throws {
        var limits = CSVLimits()
        limits.maximumFieldBytes = 10
        #expect(try error(.inline(String(repeating: "x", count: 11)), limits: limits) == CSVError(line: 5, message: "cell B5 is longer than 10 bytes"))
        #expect(try error(.shared(String(repeating: "é", count: 6)), limits: limits) == CSVError(line: 5, message: "cell B5 is longer than 10 bytes"))
        #expect(try error(.number("1E+20"), limits: limits) == CSVError(line: 5, message: "cell B5 is longer than 10 bytes"))
        #expect(try error(.inline(String(repeating: "x", count: 100_000)), limits: limits) == CSVError(line: 5, message: "cell B5 is longer than 10 bytes"))
    }

    @Test func tooManyFieldsAreRefused() throws {
        var limits = CSVLimits()
        limits.maximumFields = 2
        let fixture = XLSXFixture(rows: [Row(1, [.shared("a")]), Row(2, [.number("1"), .gap, .number("3")])])
        let (found, error) = try recordsThenError(fixture, limits: limits)
        #expect(found.count == 1)
        #expect(error == CSVError(line: 2, message: "more than 2 fields"))
    }

    @Test func aDuplicateCellIsRefused() throws {
        var fixture = XLSXFixture(rows: [])
        fixture.rawSheetXML = #"<worksheet><sheetData><row r="1"><c r="A1"><v>1</v></c><c r="A1"><v>2</v></c></row></sheetData></worksheet>"#
        let (_, error) = try recordsThenError(fixture)
        #expect(error == CSVError(line: 1, message: "cell A1 appears twice"))
    }

    @Test func malformedSheetXMLIsAnErrorAfterTheGoodRows() throws {
        var fixture = XLSXFixture(rows: [])
        fixture.rawSheetXML = #"<worksheet><sheetData><row r="1"><c><v>1</v></c></row><row r="2"><c><v>2</v></row></sheetData></worksheet>"#
        let (found, error) = try recordsThenError(fixture)
        #expect(found.map(\.fields) == [["1"]])
        #expect(error?.line == 2)
    }

    @Test func entityDeclarationsAreRefused() throws {
        var fixture = XLSXFixture(rows: [])
        fixture.rawSheetXML = #"<?xml version="1.0"?><!DOCTYPE w [<!ENTITY a "aaaaaaaaaa"><!ENTITY b "&a;&a;&a;&a;">]>"#
            + #"<worksheet><sheetData><row r="1"><c t="inlineStr"><is><t>&b;</t></is></c></row></sheetData></worksheet>"#
        do {
            let error = #expect(throws: (any Error).self) { _ = try XLSXReader(path: try path(of: fixture)) }

            #expect((error as? CSVError)?.message == "xl/worksheets/sheet1.xml has a document type declaration, which a workbook never has; refused")
        }
    }

    /// A second review found these: a UTF-16 byte-order mark hid a DTD from the prolog scan; a repeated row number could
    /// hide a line from the ledger's same-content check (an import tells its own rows by their numbers).
    @Test func aPrologTheScanCannotReadAndARepeatedRowAreRefused() throws {
        let bom = try path(ofBytes: [0xFF, 0xFE] + Array("<!DOCTYPE w>".utf8))
        #expect(declaresDocumentType(URL(fileURLWithPath: bom)))
        #expect(!(declaresDocumentType(URL(fileURLWithPath: try path(ofBytes: Array("<?xml version=\"1.0\"?>\n<worksheet/>".utf8))))))
        var repeated = XLSXFixture(rows: [])
        repeated.rawSheetXML = #"<worksheet><sheetData><row r="1"><c t="inlineStr"><is><t>h</t></is></c></row><row r="2"><c r="A2"><v>1</v></c></row><row r="2"><c r="A2"><v>2</v></c></row></sheetData></worksheet>"#
        let (found, error) = try recordsThenError(repeated)
        #expect(found.map(\.fields) == [["h"], ["1"]])
        #expect(error == CSVError(line: 2, message: "row 2 comes again or out of order after row 2"))
    }

    /// Offsets past 2^63 made Foundation's seek trap (the whole server with it): refused as not a workbook.
    @Test func zip64OffsetsBeyondTheFileAreRefusedNotSoughtTo() throws {
        func little(_ value: UInt64, _ width: Int) -> [UInt8] { (0..<width).map { UInt8(truncatingIfNeeded: value >> (8 * UInt64($0))) } }
        let locator = little(0x0706_4B50, 4) + little(0, 4) + little(UInt64.max, 8) + little(1, 4)
        let end = little(0x0605_4B50, 4) + little(0, 4) + little(0xFFFF, 2) + little(0xFFFF, 2) + little(0xFFFF_FFFF, 4) + little(0xFFFF_FFFF, 4) + little(0, 2)
        let bytes: [UInt8] = [0x50, 0x4B, 0x03, 0x04] + [UInt8](repeating: 0, count: 26) + locator + end
        #expect(XLSXReader.isWorkbook(path: try path(ofBytes: bytes)))
        do {
            let error = #expect(throws: (any Error).self) { _ = try XLSXReader(path: try path(ofBytes: bytes)) }
 #expect((error as? CSVError)?.line == 0)
        }
        // A central directory entry whose local header sits at 2^64 − 1.
        let name = Array("xl/workbook.xml".utf8)
        let entry = little(0x0201_4B50, 4) + [UInt8](repeating: 0, count: 24) + little(UInt64(name.count), 2) + little(0, 2) + little(0, 2)
            + [UInt8](repeating: 0, count: 8) + little(0xFFFF_FFFF, 4) + name
        let directoryOffset = 30
        let far = [0x50, 0x4B, 0x03, 0x04] + [UInt8](repeating: 0, count: 26) + entry
            + little(0x0605_4B50, 4) + little(0, 4) + little(1, 2) + little(1, 2) + little(UInt64(entry.count), 4) + little(UInt64(directoryOffset), 4) + little(0, 2)
        #expect(throws: (any Error).self) { _ = try XLSXReader(path: try path(ofBytes: far)) }
    }

    // MARK: Not a workbook

    @Test func isWorkbookTellsAZipFromCSV() throws {
        #expect(XLSXReader.isWorkbook(path: try path(of: XLSXFixture(rows: [Row(1, [.shared("a")])]))))
        #expect(!(XLSXReader.isWorkbook(path: try path(ofBytes: Array("line_id,date\nX1,2026-01-15\n".utf8)))))
        #expect(!(XLSXReader.isWorkbook(path: try path(ofBytes: [0x50, 0x4B]))))
        #expect(!(XLSXReader.isWorkbook(path: "/nonexistent/file.xlsx")))
    }

    @Test func aCorruptFileIsAnErrorNotACrash() throws {
        var generator = SeededGenerator(seed: 42)
        let bytes = [0x50, 0x4B, 0x03, 0x04] + (0..<4096).map { _ in UInt8.random(in: 0...255, using: &generator) }
        do {
            let error = #expect(throws: (any Error).self) { _ = try XLSXReader(path: try path(ofBytes: bytes)) }

            #expect((error as? CSVError)?.line == 0)
        }
        #expect(throws: (any Error).self) { _ = try XLSXReader(path: "/nonexistent/file.xlsx") }
    }

    /// Damaged copies of a real workbook (truncated, bytes flipped) must each read or throw, never crash.
    @Test func damagedWorkbooksNeverCrash() throws {
        let original = Array(try XLSXFixture(rows: [
            Row(1, [.shared("a"), .shared("b")]), Row(2, [.date("46037"), .inline("x")]),
        ]).workbookData())
        var generator = SeededGenerator(seed: 7)
        for round in 0..<300 {
            var bytes = original
            if round % 3 == 0 {
                bytes = Array(bytes.prefix(Int.random(in: 0..<bytes.count, using: &generator)))
            } else {
                for _ in 0..<(1 + round % 4) where !bytes.isEmpty {
                    bytes[Int.random(in: 0..<bytes.count, using: &generator)] = UInt8.random(in: 0...255, using: &generator)
                }
            }
            _ = try? records(atPath: path(ofBytes: bytes))
        }
    }

    /// The inflated size is counted while extracting, not taken from the header: here the header says 10 bytes.
    @Test func anEntryLargerThanItsLimitIsRefusedWhileInflating() throws {
        let archive = try Archive(data: Data(), accessMode: .create)
        try XLSXFixture.add(archive, "big.xml", String(repeating: "<a/>", count: 5000))
        var bytes = try #require(archive.data).map { $0 }
        Self.patchUncompressedSizes(&bytes, to: 10)
        let archivePath = try path(ofBytes: bytes)
        let opened = try XLSXArchive(path: archivePath)
        do {
            let error = #expect(throws: (any Error).self) { _ = try opened.withEntry("big.xml", limit: 1000) { _ in } }

            #expect((error as? CSVError)?.message == "big.xml is larger than 0 MiB uncompressed; refused")
        }
        #expect(throws: Never.self) { try opened.withEntry("big.xml", limit: 100_000) { _ in } }
    }

    /// Rewrites the uncompressed size in every local and central header, as a hostile file would.
    private static func patchUncompressedSizes(_ bytes: inout [UInt8], to size: UInt32) {
        let sizeBytes = withUnsafeBytes(of: size.littleEndian, Array.init)
        var index = 0
        while index + 30 <= bytes.count {
            let signature = bytes[index..<index + 4]
            if signature.elementsEqual([0x50, 0x4B, 0x03, 0x04]) { bytes.replaceSubrange(index + 22..<index + 26, with: sizeBytes) }
            if signature.elementsEqual([0x50, 0x4B, 0x01, 0x02]) { bytes.replaceSubrange(index + 24..<index + 28, with: sizeBytes) }
            index += 1
        }
    }

    // MARK: A workbook saved by LibreOffice Calc

    /// Converted from CSV by `libreoffice --headless --convert-to xlsx`: dates are numeric cells with a custom
    /// date style ("yyyy\-mm\-dd"), text is in shared strings, and the ABN became the number 53004085616.
    @Test func aWorkbookSavedByLibreOffice() throws {
        let url = try #require(Bundle.module.url(forResource: "sell-through-libreoffice", withExtension: "xlsx", subdirectory: "Fixtures"))
        #expect(XLSXReader.isWorkbook(path: url.path))
        let found = try records(atPath: url.path)
        #expect(found.map(\.line) == [1, 2, 3])
        #expect(found.map(\.fields) == [
            ["line_id", "date", "source", "reseller", "customer", "sku", "category", "seats", "amount", "currency"],
            ["X1", "2026-01-15", "D01", "Acme Pty Ltd", "Contoso", "SW-STD", "software", "10", "1234.5", "AUD"],
            ["X2", "2026-02-03", "D01", "53004085616", "Fabrikam", "HW-1", "hardware", "2", "49999.5", "AUD"],
        ])
    }
}

/// A deterministic random source, so a failing damaged-file round can be replayed.
struct SeededGenerator: RandomNumberGenerator {
    private var state: UInt64
    init(seed: UInt64) { state = seed }
    mutating func next() -> UInt64 {
        state &+= 0x9E37_79B9_7F4A_7C15
        var z = state
        z = (z ^ (z >> 30)) &* 0xBF58_476D_1CE4_E5B9
        z = (z ^ (z >> 27)) &* 0x94D0_49BB_1331_11EB
        return z ^ (z >> 31)
    }
}

extension XLSXReaderTests {
    /// A damaged workbook found by fuzzing on which ZIPFoundation's `Archive.extract` looped for ever: a deflate
    /// stream that does not end before the file does. It must be refused, promptly.
    @Test func aDeflateStreamThatNeverEndsIsRefused() throws {
        let url = try #require(Bundle.module.url(forResource: "damaged-never-ending-deflate", withExtension: "xlsx", subdirectory: "Fixtures"))
        do {
            let error = #expect(throws: (any Error).self) { _ = try records(atPath: url.path) }

            #expect((error as? CSVError)?.line == 0)
        }
    }
}
