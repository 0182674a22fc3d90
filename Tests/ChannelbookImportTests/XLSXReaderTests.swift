import Foundation
import XCTest
import ZIPFoundation
import ChannelbookTestSupport

@testable import ChannelbookImport

final class XLSXReaderTests: XCTestCase {
    typealias Row = XLSXFixture.Row

    // MARK: Helpers

    private func path(of fixture: XLSXFixture) throws -> String {
        let path = try fixture.write()
        addTeardownBlock { try? FileManager.default.removeItem(atPath: path) }
        return path
    }

    private func path(ofBytes bytes: [UInt8]) throws -> String {
        let path = NSTemporaryDirectory() + "bytes-\(UUID().uuidString).xlsx"
        try Data(bytes).write(to: URL(fileURLWithPath: path))
        addTeardownBlock { try? FileManager.default.removeItem(atPath: path) }
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
        XCTAssertEqual(found.count, 2)
        return found.last?.fields.first ?? "<missing>"
    }

    private func error(_ cell: XLSXFixture.Cell, limits: CSVLimits = .standard) throws -> CSVError? {
        let fixture = XLSXFixture(rows: [Row(1, [.shared("h"), .shared("i")]), Row(5, [.shared("x"), cell])])
        let (found, error) = try recordsThenError(fixture, limits: limits)
        XCTAssertEqual(found.map(\.line), [1], "the rows before the problem are delivered")
        return error
    }

    // MARK: Strings

    func testSharedStringsIncludingRichTextRuns() throws {
        let found = try records(XLSXFixture(rows: [
            Row(1, [.shared("reseller"), .shared("note")]),
            Row(2, [.rich(["Acme ", "Pty", " Ltd"]), .shared("  spaced & <kept>  ")]),
        ]))
        XCTAssertEqual(found.map(\.fields), [["reseller", "note"], ["Acme Pty Ltd", "  spaced & <kept>  "]])
    }

    func testInlineAndFormulaStrings() throws {
        XCTAssertEqual(try field(.inline("Contoso \"AU\" & Co")), "Contoso \"AU\" & Co")
        XCTAssertEqual(try field(.formulaString("ab")), "ab")
        XCTAssertEqual(try field(.inline("Zürich – 東京")), "Zürich – 東京")
        XCTAssertEqual(try field(.inline("   ")), "   ", "nothing is trimmed; the importer validates")
    }

    func testBooleans() throws {
        XCTAssertEqual(try field(.boolean(true)), "TRUE")
        XCTAssertEqual(try field(.boolean(false)), "FALSE")
    }

    // MARK: Numbers

    func testNumbersAreTheDigitsAsWritten() throws {
        XCTAssertEqual(try field(.number("1234.5")), "1234.5")
        XCTAssertEqual(try field(.number("49999.5")), "49999.5")
        XCTAssertEqual(try field(.number("0.30000000000000004")), "0.30000000000000004")
        XCTAssertEqual(try field(.number("53004085616")), "53004085616")
        XCTAssertEqual(try field(.fixed("12.5")), "12.5", "a number format does not change the value")
    }

    func testExponentsBecomePlainDecimalText() throws {
        XCTAssertEqual(try field(.number("1E+3")), "1000")
        XCTAssertEqual(try field(.number("1.5E-2")), "0.015")
        XCTAssertEqual(try field(.number("1.5E+4")), "15000")
        XCTAssertEqual(try field(.number("1E-3")), "0.001")
        XCTAssertEqual(try field(.number("5.3004085616E+10")), "53004085616")
        XCTAssertEqual(try field(.number("-2.5e-1")), "-0.25")
        XCTAssertEqual(try field(.number("1.2345E+2")), "123.45")
    }

    func testExponentArithmeticAtTheEdges() {
        let plain = { (text: String) in XLSXCells.plainDecimal(text, maximumBytes: 100) }
        XCTAssertEqual(plain("0.5E1"), .text("5"))
        XCTAssertEqual(plain("12.5E0"), .text("12.5"))
        XCTAssertEqual(plain("1.50E-1"), .text("0.150"))
        XCTAssertEqual(plain("123"), .text("123"))
        XCTAssertEqual(plain("abcE5"), .text("abcE5"), "not a number: as written")
        XCTAssertEqual(plain("1E+999999"), .tooLong)
        XCTAssertEqual(XLSXCells.plainDecimal("1E+20", maximumBytes: 10), .tooLong)
    }

    // MARK: Dates

    func testDateCellsReadAsISODates() throws {
        XCTAssertEqual(try field(.date("46037")), "2026-01-15")
        XCTAssertEqual(try field(.customDate("46037")), "2026-01-15")
        XCTAssertEqual(try field(.dateTime("46023.0")), "2026-01-01")
        XCTAssertEqual(try field(.date("46023.000")), "2026-01-01")
    }

    func testThe1900DateSystemEdges() throws {
        let expected = [
            "1": "1900-01-01", "59": "1900-02-28", "61": "1900-03-01", "46023": "2026-01-01",
            "46112": "2026-03-31", "45351": "2024-02-29", "2958465": "9999-12-31",
        ]
        for (serial, date) in expected {
            XCTAssertEqual(XLSXCells.isoDate(serial: serial, date1904: false), .date(date), serial)
        }
        XCTAssertEqual(try field(.date("1")), "1900-01-01")
        XCTAssertEqual(try field(.date("61")), "1900-03-01")
        for invalid in ["0", "60", "-1", "2958466"] {
            XCTAssertEqual(XLSXCells.isoDate(serial: invalid, date1904: false), .invalid, invalid)
        }
        XCTAssertEqual(try error(.date("60")), CSVError(line: 5, message: "cell B5 holds 60, which is not a date"))
    }

    func testThe1904DateSystem() throws {
        XCTAssertEqual(try field(.date("0"), date1904: true), "1904-01-01")
        XCTAssertEqual(try field(.date("44561"), date1904: true), "2026-01-01")
        XCTAssertEqual(XLSXCells.isoDate(serial: "59", date1904: true), .date("1904-02-29"))
    }

    func testADateWithATimeIsRefused() throws {
        let refusal = CSVError(line: 5, message: "cell B5 holds a date and time; a date is required")
        XCTAssertEqual(try error(.date("46023.5")), refusal)
        XCTAssertEqual(try error(.dateTime("46023.25")), refusal)
        XCTAssertEqual(try error(.customDate("0.5")), refusal)
    }

    func testDateFormatCodes() {
        for code in ["yyyy-mm-dd", #"yyyy\-mm\-dd"#, "d/m/yy", "[$-409]d-mmm-yy;@", "dd/mm/yyyy hh:mm", "mmmm"] {
            XCTAssertTrue(XLSXCells.isDateFormatCode(code), code)
        }
        for code in ["General", "0.00", "#,##0.00 \"days\"", "[Red]0.00", "mm:ss", "h:mm", "0.00E+00", #"0\d"#] {
            XCTAssertFalse(XLSXCells.isDateFormatCode(code), code)
        }
    }

    // MARK: Layout

    func testGapsBecomeEmptyFields() throws {
        let found = try records(XLSXFixture(rows: [Row(1, [.shared("x"), .gap, .shared("z")])]))
        XCTAssertEqual(found.map(\.fields), [["x", "", "z"]])
    }

    func testRowsArePaddedToTheHeaderWidth() throws {
        let found = try records(XLSXFixture(rows: [
            Row(1, [.shared("a"), .shared("b"), .shared("c"), .shared("d"), .emptyStyled]),
            Row(2, [.number("1")]),
            Row(3, [.gap, .gap, .number("3"), .gap, .emptyStyled, .emptyStyled]),
            Row(4, [.number("1"), .gap, .gap, .gap, .gap, .inline("extra")]),
        ]))
        XCTAssertEqual(found.map(\.fields), [
            ["a", "b", "c", "d"], ["1", "", "", ""], ["", "", "3", ""], ["1", "", "", "", "", "extra"],
        ])
    }

    func testBlankRowsAreSkippedAndLinesAreSheetRowNumbers() throws {
        let found = try records(XLSXFixture(rows: [
            Row(1, [.shared("a"), .shared("b")]),
            Row(2, [.emptyStyled, .emptyStyled]),
            Row(4, [.number("4")]),
            Row(7, [.gap, .inline("")]),
            Row(9, [.inline("9")]),
        ]))
        XCTAssertEqual(found.map(\.line), [1, 4, 9])
        XCTAssertEqual(found.map(\.fields), [["a", "b"], ["4", ""], ["9", ""]])
    }

    func testRowsAndCellsWithoutReferencesAreSequential() throws {
        let found = try records(XLSXFixture(rows: [
            Row(nil, [.shared("a"), .shared("b")], writesReferences: false),
            Row(nil, [.number("1"), .number("2")], writesReferences: false),
        ]))
        XCTAssertEqual(found.map(\.line), [1, 2])
        XCTAssertEqual(found.map(\.fields), [["a", "b"], ["1", "2"]])
    }

    func testTheFirstSheetIsFoundThroughTheRelationships() throws {
        var fixture = XLSXFixture(rows: [Row(1, [.shared("real")])])
        fixture.sheetFile = "sheet7.xml"
        fixture.decoyRows = [Row(1, [.shared("decoy")])]
        XCTAssertEqual(try records(fixture).map(\.fields), [["real"]])
    }

    func testPrefixedElementNamesAreRead() throws {
        var fixture = XLSXFixture(rows: [])
        fixture.rawSheetXML = #"<?xml version="1.0"?><x:worksheet xmlns:x="http://schemas.openxmlformats.org/spreadsheetml/2006/main">"#
            + #"<x:sheetData><x:row r="3"><x:c r="B3" t="inlineStr"><x:is><x:r><x:t>b</x:t></x:r><x:r><x:t xml:space="preserve"> c</x:t></x:r><x:rPh><x:t>ignored</x:t></x:rPh></x:is></x:c><x:c r="C3"><x:v>2</x:v></x:c></x:row>"#
            + "</x:sheetData></x:worksheet>"
        let found = try records(fixture)
        XCTAssertEqual(found.map(\.fields), [["", "b c", "2"]])
        XCTAssertEqual(found.map(\.line), [3])
    }

    // MARK: Refusals

    func testAnErrorCellIsRefusedNamingTheCell() throws {
        let fixture = XLSXFixture(rows: [
            Row(1, [.shared("a")]), Row(6, [.number("1")]),
            Row(7, [.number("1"), .gap, .gap, .gap, .gap, .error("#DIV/0!")]),
            Row(8, [.number("2")]),
        ])
        let (found, error) = try recordsThenError(fixture)
        XCTAssertEqual(found.map(\.line), [1, 6])
        XCTAssertEqual(error, CSVError(line: 7, message: "cell F7 holds an error (#DIV/0!)"))
    }

    func testATooLongFieldIsRefused() throws {
        var limits = CSVLimits()
        limits.maximumFieldBytes = 10
        XCTAssertEqual(try error(.inline(String(repeating: "x", count: 11)), limits: limits),
                       CSVError(line: 5, message: "cell B5 is longer than 10 bytes"))
        XCTAssertEqual(try error(.shared(String(repeating: "é", count: 6)), limits: limits),
                       CSVError(line: 5, message: "cell B5 is longer than 10 bytes"))
        XCTAssertEqual(try error(.number("1E+20"), limits: limits),
                       CSVError(line: 5, message: "cell B5 is longer than 10 bytes"))
        XCTAssertEqual(try error(.inline(String(repeating: "x", count: 100_000)), limits: limits),
                       CSVError(line: 5, message: "cell B5 is longer than 10 bytes"))
    }

    func testTooManyFieldsAreRefused() throws {
        var limits = CSVLimits()
        limits.maximumFields = 2
        let fixture = XLSXFixture(rows: [Row(1, [.shared("a")]), Row(2, [.number("1"), .gap, .number("3")])])
        let (found, error) = try recordsThenError(fixture, limits: limits)
        XCTAssertEqual(found.count, 1)
        XCTAssertEqual(error, CSVError(line: 2, message: "more than 2 fields"))
    }

    func testADuplicateCellIsRefused() throws {
        var fixture = XLSXFixture(rows: [])
        fixture.rawSheetXML = #"<worksheet><sheetData><row r="1"><c r="A1"><v>1</v></c><c r="A1"><v>2</v></c></row></sheetData></worksheet>"#
        let (_, error) = try recordsThenError(fixture)
        XCTAssertEqual(error, CSVError(line: 1, message: "cell A1 appears twice"))
    }

    func testMalformedSheetXMLIsAnErrorAfterTheGoodRows() throws {
        var fixture = XLSXFixture(rows: [])
        fixture.rawSheetXML = #"<worksheet><sheetData><row r="1"><c><v>1</v></c></row><row r="2"><c><v>2</v></row></sheetData></worksheet>"#
        let (found, error) = try recordsThenError(fixture)
        XCTAssertEqual(found.map(\.fields), [["1"]])
        XCTAssertEqual(error?.line, 2)
    }

    func testEntityDeclarationsAreRefused() throws {
        var fixture = XLSXFixture(rows: [])
        fixture.rawSheetXML = #"<?xml version="1.0"?><!DOCTYPE w [<!ENTITY a "aaaaaaaaaa"><!ENTITY b "&a;&a;&a;&a;">]>"#
            + #"<worksheet><sheetData><row r="1"><c t="inlineStr"><is><t>&b;</t></is></c></row></sheetData></worksheet>"#
        XCTAssertThrowsError(try XLSXReader(path: try path(of: fixture))) { error in
            XCTAssertEqual((error as? CSVError)?.message,
                           "xl/worksheets/sheet1.xml has a document type declaration, which a workbook never has; refused")
        }
    }

    /// A second review found these: a UTF-16 byte-order mark hid a DTD from the prolog scan; a repeated row number could
    /// hide a line from the ledger's same-content check (an import tells its own rows by their numbers).
    func testAPrologTheScanCannotReadAndARepeatedRowAreRefused() throws {
        var utf16 = XLSXFixture(rows: [])
        utf16.rawSheetXML = "\u{FEFF}<worksheet/>"
        let bom = try path(ofBytes: [0xFF, 0xFE] + Array("<!DOCTYPE w>".utf8))
        XCTAssertTrue(declaresDocumentType(URL(fileURLWithPath: bom)))
        XCTAssertFalse(declaresDocumentType(URL(fileURLWithPath: try path(ofBytes: Array("<?xml version=\"1.0\"?>\n<worksheet/>".utf8)))))
        var repeated = XLSXFixture(rows: [])
        repeated.rawSheetXML = #"<worksheet><sheetData><row r="1"><c t="inlineStr"><is><t>h</t></is></c></row><row r="2"><c r="A2"><v>1</v></c></row><row r="2"><c r="A2"><v>2</v></c></row></sheetData></worksheet>"#
        let (found, error) = try recordsThenError(repeated)
        XCTAssertEqual(found.map(\.fields), [["h"], ["1"]])
        XCTAssertEqual(error, CSVError(line: 2, message: "row 2 comes again or out of order after row 2"))
    }

    /// Offsets past 2^63 made Foundation's seek trap (the whole server with it): refused as not a workbook.
    func testZip64OffsetsBeyondTheFileAreRefusedNotSoughtTo() throws {
        func little(_ value: UInt64, _ width: Int) -> [UInt8] { (0..<width).map { UInt8(truncatingIfNeeded: value >> (8 * UInt64($0))) } }
        let locator = little(0x0706_4B50, 4) + little(0, 4) + little(UInt64.max, 8) + little(1, 4)
        let end = little(0x0605_4B50, 4) + little(0, 4) + little(0xFFFF, 2) + little(0xFFFF, 2) + little(0xFFFF_FFFF, 4) + little(0xFFFF_FFFF, 4) + little(0, 2)
        let bytes: [UInt8] = [0x50, 0x4B, 0x03, 0x04] + [UInt8](repeating: 0, count: 26) + locator + end
        XCTAssertTrue(XLSXReader.isWorkbook(path: try path(ofBytes: bytes)))
        XCTAssertThrowsError(try XLSXReader(path: try path(ofBytes: bytes))) { error in XCTAssertEqual((error as? CSVError)?.line, 0) }
        // A central directory entry whose local header sits at 2^64 − 1.
        let name = Array("xl/workbook.xml".utf8)
        let entry = little(0x0201_4B50, 4) + [UInt8](repeating: 0, count: 24) + little(UInt64(name.count), 2) + little(0, 2) + little(0, 2)
            + [UInt8](repeating: 0, count: 8) + little(0xFFFF_FFFF, 4) + name
        let directoryOffset = 30
        let far = [0x50, 0x4B, 0x03, 0x04] + [UInt8](repeating: 0, count: 26) + entry
            + little(0x0605_4B50, 4) + little(0, 4) + little(1, 2) + little(1, 2) + little(UInt64(entry.count), 4) + little(UInt64(directoryOffset), 4) + little(0, 2)
        XCTAssertThrowsError(try XLSXReader(path: try path(ofBytes: far)))
    }

    // MARK: Not a workbook

    func testIsWorkbookTellsAZipFromCSV() throws {
        XCTAssertTrue(XLSXReader.isWorkbook(path: try path(of: XLSXFixture(rows: [Row(1, [.shared("a")])]))))
        XCTAssertFalse(XLSXReader.isWorkbook(path: try path(ofBytes: Array("line_id,date\nX1,2026-01-15\n".utf8))))
        XCTAssertFalse(XLSXReader.isWorkbook(path: try path(ofBytes: [0x50, 0x4B])))
        XCTAssertFalse(XLSXReader.isWorkbook(path: "/nonexistent/file.xlsx"))
    }

    func testACorruptFileIsAnErrorNotACrash() throws {
        var generator = SeededGenerator(seed: 42)
        let bytes = [0x50, 0x4B, 0x03, 0x04] + (0..<4096).map { _ in UInt8.random(in: 0...255, using: &generator) }
        XCTAssertThrowsError(try XLSXReader(path: try path(ofBytes: bytes))) { error in
            XCTAssertEqual((error as? CSVError)?.line, 0)
        }
        XCTAssertThrowsError(try XLSXReader(path: "/nonexistent/file.xlsx"))
    }

    /// Damaged copies of a real workbook (truncated, bytes flipped) must each read or throw, never crash.
    func testDamagedWorkbooksNeverCrash() throws {
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
    func testAnEntryLargerThanItsLimitIsRefusedWhileInflating() throws {
        let archive = try Archive(data: Data(), accessMode: .create)
        try XLSXFixture.add(archive, "big.xml", String(repeating: "<a/>", count: 5000))
        var bytes = try XCTUnwrap(archive.data).map { $0 }
        Self.patchUncompressedSizes(&bytes, to: 10)
        let archivePath = try path(ofBytes: bytes)
        let opened = try XLSXArchive(path: archivePath)
        XCTAssertThrowsError(try opened.withEntry("big.xml", limit: 1000) { _ in }) { error in
            XCTAssertEqual((error as? CSVError)?.message, "big.xml is larger than 0 MiB uncompressed; refused")
        }
        XCTAssertNoThrow(try opened.withEntry("big.xml", limit: 100_000) { _ in })
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
    func testAWorkbookSavedByLibreOffice() throws {
        let url = try XCTUnwrap(Bundle.module.url(forResource: "sell-through-libreoffice", withExtension: "xlsx", subdirectory: "Fixtures"))
        XCTAssertTrue(XLSXReader.isWorkbook(path: url.path))
        let found = try records(atPath: url.path)
        XCTAssertEqual(found.map(\.line), [1, 2, 3])
        XCTAssertEqual(found.map(\.fields), [
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
    func testADeflateStreamThatNeverEndsIsRefused() throws {
        let url = try XCTUnwrap(Bundle.module.url(forResource: "damaged-never-ending-deflate", withExtension: "xlsx", subdirectory: "Fixtures"))
        XCTAssertThrowsError(try records(atPath: url.path)) { error in
            XCTAssertEqual((error as? CSVError)?.line, 0)
        }
    }
}
