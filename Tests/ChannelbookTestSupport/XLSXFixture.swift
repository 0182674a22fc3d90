import Foundation
import ZIPFoundation

/// Writes small but valid .xlsx workbooks for tests (the import, storage and web tests share it), so each test states the cells it reads back.
///
/// Cell styles in the generated styles.xml: 0 General, 1 built-in date (14), 2 custom date (164, "yyyy\-mm\-dd"
/// as LibreOffice writes it), 3 built-in date-time (22), 4 "0.00" (2, not a date).
public struct XLSXFixture {
    public enum Cell: Sendable {
        case shared(String)
        /// A shared string written as rich text runs, with a phonetic guide that must be left out.
        case rich([String])
        case inline(String)
        /// A number cell holding `v` exactly as given.
        case number(String)
        /// A date serial with the built-in date style.
        case date(String)
        case customDate(String)
        case dateTime(String)
        case fixed(String)
        case boolean(Bool)
        case error(String)
        /// A formula whose result is text (`t="str"`).
        case formulaString(String)
        /// No `<c>` at all, as Excel omits empty cells.
        case gap
        /// A `<c>` with a style and no value, as Excel writes formatted empty cells.
        case emptyStyled
    }

    public struct Row: Sendable {
        public var number: Int?
        public var cells: [Cell]
        public var writesReferences = true

        public init(_ number: Int?, _ cells: [Cell], writesReferences: Bool = true) {
            self.number = number
            self.cells = cells
            self.writesReferences = writesReferences
        }
    }

    public var rows: [Row]
    public var date1904 = false
    /// The worksheet's file under xl/worksheets/.
    public var sheetFile = "sheet1.xml"
    /// When set, xl/worksheets/sheet1.xml holds these rows and is listed second in the workbook, so a reader that
    /// assumes sheet1.xml reads the wrong sheet.
    public var decoyRows: [Row]?
    /// Replaces the generated worksheet XML.
    public var rawSheetXML: String?

    public init(rows: [Row]) { self.rows = rows }

    /// Writes the workbook to a new temporary file and returns its path.
    public func write() throws -> String {
        let path = NSTemporaryDirectory() + "fixture-\(UUID().uuidString).xlsx"
        try workbookData().write(to: URL(fileURLWithPath: path))
        return path
    }

    public func workbookData() throws -> Data {
        var strings = SharedStrings()
        let sheet = rawSheetXML ?? sheetXML(rows, &strings)
        let decoy = decoyRows.map { sheetXML($0, &strings) }
        let archive = try Archive(data: Data(), accessMode: .create)
        try Self.add(archive, "[Content_Types].xml", contentTypes)
        try Self.add(archive, "_rels/.rels", packageRelationships)
        try Self.add(archive, "xl/workbook.xml", workbookXML)
        try Self.add(archive, "xl/_rels/workbook.xml.rels", workbookRelationships)
        if let decoy { try Self.add(archive, "xl/worksheets/sheet1.xml", decoy) }
        try Self.add(archive, "xl/worksheets/\(sheetFile)", sheet)
        try Self.add(archive, "xl/sharedStrings.xml", strings.xml)
        try Self.add(archive, "xl/styles.xml", stylesXML)
        guard let data = archive.data else { throw CocoaError(.fileWriteUnknown) }
        return data
    }

    public static func add(_ archive: Archive, _ path: String, _ text: String) throws {
        let bytes = Data(text.utf8)
        try archive.addEntry(with: path, type: .file, uncompressedSize: Int64(bytes.count),
                             compressionMethod: .deflate) { position, size in
            bytes.subdata(in: Int(position)..<Int(position) + size)
        }
    }

    static func escaped(_ text: String) -> String {
        text.replacingOccurrences(of: "&", with: "&amp;").replacingOccurrences(of: "<", with: "&lt;")
            .replacingOccurrences(of: ">", with: "&gt;").replacingOccurrences(of: "\"", with: "&quot;")
    }

    static func columnName(_ column: Int) -> String {
        var number = column + 1, name = ""
        while number > 0 {
            let remainder = (number - 1) % 26
            name = String(UnicodeScalar(UInt8(65 + remainder))) + name
            number = (number - 1) / 26
        }
        return name
    }

    private struct SharedStrings {
        var items: [String] = []
        mutating func add(_ itemXML: String) -> Int {
            items.append(itemXML)
            return items.count - 1
        }
        var xml: String {
            #"<?xml version="1.0" encoding="UTF-8" standalone="yes"?>"#
                + #"<sst xmlns="http://schemas.openxmlformats.org/spreadsheetml/2006/main" count="\#(items.count)" uniqueCount="\#(items.count)">"#
                + items.joined() + "</sst>"
        }
    }

    private func sheetXML(_ rows: [Row], _ strings: inout SharedStrings) -> String {
        var body = ""
        for (index, row) in rows.enumerated() {
            let number = row.number ?? index + 1
            body += row.number.map { #"<row r="\#($0)">"# } ?? "<row>"
            for (column, cell) in row.cells.enumerated() {
                let reference = row.writesReferences ? #" r="\#(Self.columnName(column))\#(number)""# : ""
                body += cellXML(cell, reference, &strings)
            }
            body += "</row>"
        }
        return #"<?xml version="1.0" encoding="UTF-8" standalone="yes"?>"#
            + #"<worksheet xmlns="http://schemas.openxmlformats.org/spreadsheetml/2006/main" xmlns:r="http://schemas.openxmlformats.org/officeDocument/2006/relationships">"#
            + #"<dimension ref="A1"/><sheetData>\#(body)</sheetData></worksheet>"#
    }

    private func cellXML(_ cell: Cell, _ reference: String, _ strings: inout SharedStrings) -> String {
        switch cell {
        case .shared(let text):
            let index = strings.add(#"<si><t xml:space="preserve">\#(Self.escaped(text))</t></si>"#)
            return #"<c\#(reference) t="s"><v>\#(index)</v></c>"#
        case .rich(let runs):
            let runXML = runs.map { #"<r><rPr><b/></rPr><t xml:space="preserve">\#(Self.escaped($0))</t></r>"# }.joined()
            let index = strings.add("<si>\(runXML)<rPh sb=\"0\" eb=\"1\"><t>フリガナ</t></rPh></si>")
            return #"<c\#(reference) t="s"><v>\#(index)</v></c>"#
        case .inline(let text):
            return #"<c\#(reference) t="inlineStr"><is><t xml:space="preserve">\#(Self.escaped(text))</t></is></c>"#
        case .number(let value): return #"<c\#(reference)><v>\#(value)</v></c>"#
        case .date(let value): return #"<c\#(reference) s="1"><v>\#(value)</v></c>"#
        case .customDate(let value): return #"<c\#(reference) s="2" t="n"><v>\#(value)</v></c>"#
        case .dateTime(let value): return #"<c\#(reference) s="3"><v>\#(value)</v></c>"#
        case .fixed(let value): return #"<c\#(reference) s="4"><v>\#(value)</v></c>"#
        case .boolean(let value): return #"<c\#(reference) t="b"><v>\#(value ? 1 : 0)</v></c>"#
        case .error(let value): return #"<c\#(reference) t="e"><f>1/0</f><v>\#(Self.escaped(value))</v></c>"#
        case .formulaString(let value):
            return #"<c\#(reference) t="str"><f>"a"&amp;"b"</f><v>\#(Self.escaped(value))</v></c>"#
        case .gap: return ""
        case .emptyStyled: return #"<c\#(reference) s="4"/>"#
        }
    }

    private var contentTypes: String {
        #"<?xml version="1.0" encoding="UTF-8" standalone="yes"?>"#
            + #"<Types xmlns="http://schemas.openxmlformats.org/package/2006/content-types">"#
            + #"<Default Extension="rels" ContentType="application/vnd.openxmlformats-package.relationships+xml"/>"#
            + #"<Default Extension="xml" ContentType="application/xml"/>"#
            + #"<Override PartName="/xl/workbook.xml" ContentType="application/vnd.openxmlformats-officedocument.spreadsheetml.sheet.main+xml"/>"#
            + #"<Override PartName="/xl/worksheets/\#(sheetFile)" ContentType="application/vnd.openxmlformats-officedocument.spreadsheetml.worksheet+xml"/>"#
            + #"<Override PartName="/xl/sharedStrings.xml" ContentType="application/vnd.openxmlformats-officedocument.spreadsheetml.sharedStrings+xml"/>"#
            + #"<Override PartName="/xl/styles.xml" ContentType="application/vnd.openxmlformats-officedocument.spreadsheetml.styles+xml"/>"#
            + "</Types>"
    }

    private var packageRelationships: String {
        #"<?xml version="1.0" encoding="UTF-8" standalone="yes"?>"#
            + #"<Relationships xmlns="http://schemas.openxmlformats.org/package/2006/relationships">"#
            + #"<Relationship Id="rId1" Type="http://schemas.openxmlformats.org/officeDocument/2006/relationships/officeDocument" Target="xl/workbook.xml"/>"#
            + "</Relationships>"
    }

    private var workbookXML: String {
        let decoy = decoyRows == nil ? "" : #"<sheet name="Decoy" sheetId="2" r:id="rId9"/>"#
        return #"<?xml version="1.0" encoding="UTF-8" standalone="yes"?>"#
            + #"<workbook xmlns="http://schemas.openxmlformats.org/spreadsheetml/2006/main" xmlns:r="http://schemas.openxmlformats.org/officeDocument/2006/relationships">"#
            + #"<workbookPr date1904="\#(date1904 ? "1" : "0")"/>"#
            + #"<sheets><sheet name="Data" sheetId="1" r:id="rId3"/>\#(decoy)</sheets></workbook>"#
    }

    private var workbookRelationships: String {
        let type = "http://schemas.openxmlformats.org/officeDocument/2006/relationships"
        let decoy = decoyRows == nil ? "" : #"<Relationship Id="rId9" Type="\#(type)/worksheet" Target="worksheets/sheet1.xml"/>"#
        return #"<?xml version="1.0" encoding="UTF-8" standalone="yes"?>"#
            + #"<Relationships xmlns="http://schemas.openxmlformats.org/package/2006/relationships">"#
            + decoy
            + #"<Relationship Id="rId1" Type="\#(type)/styles" Target="styles.xml"/>"#
            + #"<Relationship Id="rId2" Type="\#(type)/sharedStrings" Target="sharedStrings.xml"/>"#
            + #"<Relationship Id="rId3" Type="\#(type)/worksheet" Target="/xl/worksheets/\#(sheetFile)"/>"#
            + "</Relationships>"
    }

    private var stylesXML: String {
        #"<?xml version="1.0" encoding="UTF-8" standalone="yes"?>"#
            + #"<styleSheet xmlns="http://schemas.openxmlformats.org/spreadsheetml/2006/main">"#
            + #"<numFmts count="1"><numFmt numFmtId="164" formatCode="yyyy\-mm\-dd"/></numFmts>"#
            + #"<fonts count="1"><font/></fonts><fills count="1"><fill/></fills><borders count="1"><border/></borders>"#
            + #"<cellStyleXfs count="1"><xf numFmtId="14"/></cellStyleXfs>"#
            + #"<cellXfs count="5"><xf numFmtId="0"/><xf numFmtId="14" applyNumberFormat="1"/><xf numFmtId="164"/>"#
            + #"<xf numFmtId="22"/><xf numFmtId="2"/></cellXfs>"#
            + #"<dxfs count="1"><dxf><numFmt numFmtId="165" formatCode="yyyy"/></dxf></dxfs>"#
            + "</styleSheet>"
    }
}

extension XLSXFixture {
    /// A workbook holding CSV-like rows: the first row as shared strings (the header), then each cell as `kinds` says
    /// by column (`"date"`: a date serial from YYYY-MM-DD with the built-in date style; `"number"`: a number cell),
    /// every other cell a shared string. How the stores' tests write the sales files a spreadsheet program would.
    public static func sheet(_ rows: [[String]], kinds: [Int: String] = [:]) -> XLSXFixture {
        XLSXFixture(
            rows: rows.enumerated().map { index, values in
                Row(
                    index + 1,
                    values.enumerated().map { column, value in
                        guard index > 0 else { return .shared(value) }
                        switch kinds[column] {
                        case "date": return .date(String(serial(of: value)))
                        case "number": return .number(value)
                        default: return .shared(value)
                        }
                    })
            })
    }

    /// Excel's 1900 date serial of a YYYY-MM-DD date after 1900-02-28: days since 1899-12-30.
    public static func serial(of date: String) -> Int {
        let parts = date.split(separator: "-").compactMap { Int($0) }
        guard parts.count == 3 else { return 0 }
        // Days from civil (Howard Hinnant's algorithm), then the offset of 1899-12-30.
        let (year, month, day) = (parts[1] <= 2 ? parts[0] - 1 : parts[0], parts[1], parts[2])
        let era = (year >= 0 ? year : year - 399) / 400
        let yearOfEra = year - era * 400
        let dayOfYear = (153 * (month + (month > 2 ? -3 : 9)) + 2) / 5 + day - 1
        let dayOfEra = yearOfEra * 365 + yearOfEra / 4 - yearOfEra / 100 + dayOfYear
        return era * 146_097 + dayOfEra - 719_468 + 25_569
    }
}
