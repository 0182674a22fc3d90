import Foundation

/// Reads the first worksheet of an .xlsx workbook as records of text, exactly as the cells hold them.
///
/// Numbers come as the digits the file holds (an exponent is rewritten to plain decimal text, never through
/// floating point), date-formatted numbers as "YYYY-MM-DD", booleans as "TRUE"/"FALSE". Rows keep their sheet
/// row numbers as `line`, blank rows are skipped, and rows are padded with "" to the header row's width, so an
/// import reads it exactly like a CSV file.
///
/// Why the sheet is parsed in `init`: XMLParser pushes events until the document ends and cannot be paused
/// between rows without a second thread. The sheet is therefore parsed once, as a stream from a private temporary
/// file (deleted before `init` returns), into a packed store: one byte arena for cell text plus fixed-size
/// records, with shared-string cells kept as indexes. That is 12 bytes per non-empty cell and 16 per row, plus the text of cells that are not shared strings.
/// A problem found in a row (an error cell, a time, a too-long field) is kept and thrown by `next()` once the rows
/// before it have been delivered, as a streaming reader would.
public final class XLSXReader {
    private let sharedStrings: [String]
    private let sheet: PackedSheet
    private var position = 0
    private var headerWidth: Int?

    /// Uncompressed ceilings per part, checked while inflating.
    /// A distributor's month is a few hundred thousand rows (300,000 × 10 columns: a 113 MB sheet); the ceilings leave
    /// room for that and keep what a small, highly compressed upload can make the server hold to a few hundred MB.
    static let sheetByteLimit: Int64 = 256 * 1024 * 1024
    static let sharedStringsByteLimit: Int64 = 64 * 1024 * 1024
    static let otherPartByteLimit: Int64 = 64 * 1024 * 1024
    static let sharedStringCountLimit = 2_000_000

    /// True when the file at `path` starts with the ZIP signature "PK\u{3}\u{4}" (how an import tells a workbook from CSV).
    public static func isWorkbook(path: String) -> Bool {
        guard let handle = FileHandle(forReadingAtPath: path) else { return false }
        defer { try? handle.close() }
        guard let head = try? handle.read(upToCount: 4) else { return false }
        return Array(head) == [0x50, 0x4B, 0x03, 0x04]
    }

    public init(path: String, limits: CSVLimits = .standard) throws(CSVError) {
        let archive = try XLSXArchive(path: path)
        let parts = try WorkbookParts(archive: archive)
        sharedStrings = try Self.readSharedStrings(archive: archive, path: parts.sharedStringsPath)
        let dateStyles = try Self.readDateStyles(archive: archive, path: parts.stylesPath)
        let handler = SheetHandler(
            context: CellContext(sharedStrings: sharedStrings, dateStyles: dateStyles, date1904: parts.date1904, limits: limits))
        try archive.withEntry(parts.sheetPath, limit: Self.sheetByteLimit) { (url: URL) throws(CSVError) in
            do throws(CSVError) {
                try parseXMLPart(at: url, named: parts.sheetPath, with: handler)
            } catch {
                // Rows read before the problem are still delivered, as a streaming reader would; with none, refuse now.
                guard !handler.sheet.rows.isEmpty else { throw error }
                handler.keepFailure(error)
            }
        }
        sheet = handler.sheet
    }

    /// The next non-empty row, its `line` being the sheet's row number (1-based, as Excel shows it), or nil at the end.
    public func next() throws(CSVError) -> CSVRecord? {
        guard position < sheet.rows.count else {
            if let failure = sheet.failure { throw failure }
            return nil
        }
        let row = sheet.rows[position]
        position += 1
        let cellsEnd = position < sheet.rows.count ? sheet.rows[position].firstCell : sheet.cells.count
        let cells = sheet.cells[row.firstCell..<cellsEnd]
        let usedWidth = Int(cells.last?.column ?? 0) + 1  // cells are sorted by column
        let width = max(headerWidth ?? usedWidth, usedWidth)
        if headerWidth == nil { headerWidth = width }
        var fields = [String](repeating: "", count: width)
        for cell in cells { fields[Int(cell.column)] = text(of: cell) }
        return CSVRecord(line: row.line, fields: fields)
    }

    private func text(of cell: PackedSheet.Cell) -> String {
        if cell.length == PackedSheet.Cell.sharedMarker { return sharedStrings[Int(cell.offset)] }
        let start = Int(cell.offset)
        return String(decoding: sheet.text[start..<start + Int(cell.length)], as: UTF8.self)
    }

    private static func readSharedStrings(archive: XLSXArchive, path: String?) throws(CSVError) -> [String] {
        guard let path else { return [] }
        let handler = SharedStringsHandler()
        try archive.withEntry(path, limit: sharedStringsByteLimit) { (url: URL) throws(CSVError) in
            try parseXMLPart(at: url, named: path, with: handler)
        }
        return handler.strings
    }

    /// For each cell style index (a cell's `s`), whether it shows a date.
    private static func readDateStyles(archive: XLSXArchive, path: String?) throws(CSVError) -> [Bool] {
        guard let path else { return [] }
        let handler = StylesHandler()
        try archive.withEntry(path, limit: otherPartByteLimit) { (url: URL) throws(CSVError) in
            try parseXMLPart(at: url, named: path, with: handler)
        }
        return handler.cellFormatIDs.map { id in
            if let code = handler.customFormats[id] { return XLSXCells.isDateFormatCode(code) }
            return XLSXCells.isBuiltInDateFormat(id)
        }
    }
}

// MARK: - Locating the parts

/// Where the parts of the workbook are, found as Excel finds them: the package relationships name the workbook,
/// the workbook lists its sheets in tab order, and its relationships name each sheet's part.
private struct WorkbookParts {
    var sheetPath: String
    var sharedStringsPath: String?
    var stylesPath: String?
    var date1904: Bool

    init(archive: XLSXArchive) throws(CSVError) {
        let packageRelationships = try Self.relationships(archive: archive, path: "_rels/.rels", base: "")
        let workbookPath = packageRelationships.first { $0.type.hasSuffix("/officeDocument") }?.target ?? "xl/workbook.xml"
        let workbook = WorkbookHandler()
        try archive.withEntry(workbookPath, limit: XLSXReader.otherPartByteLimit) { (url: URL) throws(CSVError) in
            try parseXMLPart(at: url, named: workbookPath, with: workbook)
        }
        let folder = Self.folder(of: workbookPath)
        let fileName = String(workbookPath.split(separator: "/").last ?? "workbook.xml")
        let relationships = try Self.relationships(
            archive: archive, path: folder + "_rels/" + fileName + ".rels", base: folder)
        let worksheets = relationships.filter { $0.type.hasSuffix("/worksheet") }
        guard let first = workbook.sheetRelationshipIDs.lazy.compactMap({ id in worksheets.first { $0.id == id } }).first,
              archive.contains(first.target)
        else { throw CSVError(line: 0, message: "the workbook has no worksheet") }
        sheetPath = first.target
        date1904 = workbook.date1904
        sharedStringsPath = Self.part(relationships, suffix: "/sharedStrings", fallback: folder + "sharedStrings.xml", archive)
        stylesPath = Self.part(relationships, suffix: "/styles", fallback: folder + "styles.xml", archive)
    }

    private static func part(_ relationships: [Relationship], suffix: String, fallback: String, _ archive: XLSXArchive) -> String? {
        let path = relationships.first { $0.type.hasSuffix(suffix) }?.target ?? fallback
        return archive.contains(path) ? path : nil
    }

    private static func relationships(archive: XLSXArchive, path: String, base: String) throws(CSVError) -> [Relationship] {
        guard archive.contains(path) else {
            if path == "_rels/.rels" { return [] }  // tolerated: fall back to the usual workbook location
            throw CSVError(line: 0, message: "the workbook has no part \(path)")
        }
        let handler = RelationshipsHandler(base: base)
        try archive.withEntry(path, limit: XLSXReader.otherPartByteLimit) { (url: URL) throws(CSVError) in
            try parseXMLPart(at: url, named: path, with: handler)
        }
        return handler.relationships
    }

    static func folder(of path: String) -> String {
        guard let slash = path.lastIndex(of: "/") else { return "" }
        return String(path[...slash])
    }
}

private struct Relationship {
    var id: String
    var type: String
    var target: String
}

/// The value of an attribute whatever its namespace prefix ("r:id" and "id" alike).
private func attribute(_ attributes: [String: String], _ name: String) -> String? {
    if let value = attributes[name] { return value }
    return attributes.first { key, _ in key.hasSuffix(":" + name) }?.value
}

/// Reads a relationships part; targets are resolved against `base` (the source part's folder) into archive paths.
private final class RelationshipsHandler: XMLPartHandler {
    let base: String
    var relationships: [Relationship] = []
    var failure: CSVError? { nil }
    var lineForMalformedXML: Int { 0 }

    init(base: String) { self.base = base }

    func start(_ name: Substring, _ attributes: [String: String]) {
        guard name == "Relationship", attributes["TargetMode"] != "External",
              let id = attributes["Id"], let type = attributes["Type"], let target = attributes["Target"]
        else { return }
        relationships.append(Relationship(id: id, type: type, target: Self.resolve(target, base: base)))
    }

    func end(_ name: Substring) {}
    func text(_ text: String) {}

    /// "worksheets/sheet1.xml" from "xl/" → "xl/worksheets/sheet1.xml"; "/xl/x.xml" → "xl/x.xml"; ".." folds.
    static func resolve(_ target: String, base: String) -> String {
        let joined = target.hasPrefix("/") ? target : base + target
        var segments: [Substring] = []
        for segment in joined.split(separator: "/") where segment != "." {
            if segment == ".." { _ = segments.popLast() } else { segments.append(segment) }
        }
        return segments.joined(separator: "/")
    }
}

/// Reads xl/workbook.xml: the sheets' relationship ids in tab order, and the date system.
private final class WorkbookHandler: XMLPartHandler {
    var sheetRelationshipIDs: [String] = []
    var date1904 = false
    var failure: CSVError? { nil }
    var lineForMalformedXML: Int { 0 }

    func start(_ name: Substring, _ attributes: [String: String]) {
        switch name {
        case "workbookPr":
            let value = attributes["date1904"]
            date1904 = value == "1" || value == "true"
        case "sheet":
            if let id = attribute(attributes, "id") { sheetRelationshipIDs.append(id) }
        default:
            break
        }
    }

    func end(_ name: Substring) {}
    func text(_ text: String) {}
}

/// Reads xl/styles.xml: custom number formats and each cell style's number format id. Only `numFmts` and
/// `cellXfs` count (`dxfs` and `cellStyleXfs` also hold such elements but cells do not index them).
private final class StylesHandler: XMLPartHandler {
    var customFormats: [Int: String] = [:]
    var cellFormatIDs: [Int] = []
    private var inNumberFormats = false
    private var inCellFormats = false
    var failure: CSVError? { nil }
    var lineForMalformedXML: Int { 0 }

    func start(_ name: Substring, _ attributes: [String: String]) {
        switch name {
        case "numFmts": inNumberFormats = true
        case "cellXfs": inCellFormats = true
        case "numFmt" where inNumberFormats:
            if let id = attributes["numFmtId"].flatMap({ XLSXCells.integer($0) }), let code = attributes["formatCode"] {
                customFormats[id] = code
            }
        case "xf" where inCellFormats:
            cellFormatIDs.append(attributes["numFmtId"].flatMap { XLSXCells.integer($0) } ?? 0)
        default: break
        }
    }

    func end(_ name: Substring) {
        if name == "numFmts" { inNumberFormats = false }
        if name == "cellXfs" { inCellFormats = false }
    }

    func text(_ text: String) {}
}

/// Reads xl/sharedStrings.xml: one string per `si`, its `t` texts concatenated (rich text runs), leaving out
/// phonetic guides (`rPh`), which Excel does not show in the cell.
private final class SharedStringsHandler: XMLPartHandler {
    var strings: [String] = []
    var failure: CSVError?
    var lineForMalformedXML: Int { 0 }
    private var current = ""
    private var inItem = false
    private var collecting = false
    private var phoneticDepth = 0

    func start(_ name: Substring, _ attributes: [String: String]) {
        switch name {
        case "si": inItem = true; current = ""
        case "rPh": phoneticDepth += 1
        case "t": collecting = inItem && phoneticDepth == 0
        default: break
        }
    }

    func end(_ name: Substring) {
        switch name {
        case "t": collecting = false
        case "rPh": phoneticDepth -= 1
        case "si":
            inItem = false
            guard strings.count < XLSXReader.sharedStringCountLimit else {
                failure = CSVError(line: 0, message: "the workbook has more than \(XLSXReader.sharedStringCountLimit) shared strings")
                return
            }
            strings.append(current)
        default: break
        }
    }

    func text(_ text: String) {
        if collecting { current += text }
    }
}

// MARK: - The sheet

/// A worksheet's non-empty cells, packed: cell text in one byte arena and fixed-size records, so a few hundred
/// thousand rows cost little more than their text.
struct PackedSheet {
    struct Cell {
        /// `length` of a cell that refers to shared string number `offset` rather than to the arena.
        static let sharedMarker = UInt32.max
        var column: UInt32
        var offset: UInt32
        var length: UInt32
    }

    struct Row {
        var line: Int
        var firstCell: Int
    }

    var text: [UInt8] = []
    var cells: [Cell] = []
    var rows: [Row] = []
    /// The problem that ended reading, thrown after the rows before it.
    var failure: CSVError?
}

/// What every cell's conversion needs from the rest of the workbook.
struct CellContext {
    let sharedStrings: [String]
    let dateStyles: [Bool]
    let date1904: Bool
    let limits: CSVLimits
}

/// The cell being read: where it is, how its text is to be read, and the text gathered so far.
private struct OpenCell {
    var column: Int
    var type: String?
    var style: Int
    var value: String?
    var inlineText: String?
    var buffer = ""
    var bufferBytes = 0
    var collecting = false
    var inInlineString = false
    var phoneticDepth = 0
}

/// Reads sheetData row by row into a `PackedSheet`, converting each cell as it closes.
private final class SheetHandler: XMLPartHandler {
    private(set) var sheet = PackedSheet()
    private(set) var failure: CSVError?
    private let context: CellContext

    private var inSheetData = false
    private var inRow = false
    private var line = 0
    private var rowFirstCell = 0
    private var column = -1
    private var cell: OpenCell?

    init(context: CellContext) { self.context = context }

    var lineForMalformedXML: Int { inRow ? line : line + 1 }

    /// Records a problem raised outside the handler (malformed XML), keeping the first one.
    func keepFailure(_ error: CSVError) {
        if failure == nil { fail(error) }
        sheet.failure = failure
    }

    private func fail(_ error: CSVError) {
        failure = error
        sheet.failure = error
        sheet.cells.removeSubrange(rowFirstCell...)  // no orphan cells of the unfinished row
        inRow = false
    }

    func start(_ name: Substring, _ attributes: [String: String]) {
        switch name {
        case "sheetData": inSheetData = true
        case "row" where inSheetData: startRow(attributes)
        case "c" where inRow: startCell(attributes)
        case "v": if cell != nil { beginCollecting() }
        case "is": cell?.inInlineString = true
        case "rPh": cell?.phoneticDepth += 1
        case "t": if let open = cell, open.inInlineString, open.phoneticDepth == 0 { beginCollecting() }
        default: break
        }
    }

    func end(_ name: Substring) {
        switch name {
        case "sheetData": inSheetData = false
        case "row" where inRow: endRow()
        case "c": endCell()
        case "v": if let text = endCollecting() { cell?.value = text }
        case "t": if let text = endCollecting() { appendInlineText(text) }
        case "rPh": cell?.phoneticDepth -= 1
        case "is": cell?.inInlineString = false
        default: break
        }
    }

    func text(_ text: String) {
        guard cell?.collecting == true else { return }
        cell?.bufferBytes += text.utf8.count
        let gathered = (cell?.bufferBytes ?? 0) + (cell?.inlineText?.utf8.count ?? 0)
        // The exact limit is applied to the converted text; this bound only keeps a hostile cell from filling memory.
        guard gathered <= context.limits.maximumFieldBytes * 4 + 64 else { return fail(tooLong(cell?.column ?? column)) }
        cell?.buffer += text  // in place: a copy of the cell here would copy its text on every chunk
    }

    /// Inline rich text arrives as several `t` runs; they make one cell.
    private func appendInlineText(_ text: String) {
        let previous = cell?.inlineText ?? ""
        cell?.inlineText = previous + text
    }

    private func beginCollecting() {
        cell?.buffer = ""
        cell?.bufferBytes = 0
        cell?.collecting = true
    }

    private func endCollecting() -> String? {
        guard let open = cell, open.collecting else { return nil }
        cell?.collecting = false
        return open.buffer
    }

    private func startRow(_ attributes: [String: String]) {
        // First: a failure below drops the cells of the row being started (none yet), never the previous row's.
        rowFirstCell = sheet.cells.count
        if let written = attributes["r"] {
            guard let number = XLSXCells.integer(written, maximumDigits: 9), number > 0 else {
                return fail(CSVError(line: line + 1, message: "row number \"\(written)\" is not valid"))
            }
            // Rows in order, each once: an import tells its own rows by their numbers, so a repeated number could
            // hide a line from the check that a line id already stored holds the same content.
            guard number > line else {
                return fail(CSVError(line: number, message: "row \(number) comes again or out of order after row \(line)"))
            }
            line = number
        } else {
            line += 1
        }
        guard sheet.rows.count < context.limits.maximumRecords else {
            return fail(CSVError(line: line, message: "the file has more than \(context.limits.maximumRecords) records"))
        }
        inRow = true
        column = -1
        rowFirstCell = sheet.cells.count
    }

    private func startCell(_ attributes: [String: String]) {
        if let reference = attributes["r"] {
            guard let parsed = XLSXCells.column(ofReference: reference) else {
                return fail(CSVError(line: line, message: "cell reference \"\(reference)\" is not valid"))
            }
            column = parsed
        } else {
            column += 1
        }
        let style = attributes["s"].flatMap { XLSXCells.integer($0) } ?? 0
        cell = OpenCell(column: column, type: attributes["t"], style: style)
    }

    private func endCell() {
        guard let open = cell else { return }
        cell = nil
        let converted: CellValue
        do {
            converted = try CellValue(open, line: line, context: context)
        } catch {
            return fail(error)
        }
        guard !converted.isEmpty else { return }
        guard open.column < context.limits.maximumFields else {
            return fail(CSVError(line: line, message: "more than \(context.limits.maximumFields) fields"))
        }
        store(converted, column: open.column)
    }

    private func store(_ value: CellValue, column: Int) {
        switch value {
        case .shared(let index):
            sheet.cells.append(.init(column: UInt32(column), offset: UInt32(index), length: PackedSheet.Cell.sharedMarker))
        case .text(let text):
            let bytes = text.utf8
            guard sheet.text.count + bytes.count < Int(UInt32.max) else {
                return fail(CSVError(line: line, message: "the worksheet holds too much text"))
            }
            sheet.cells.append(.init(column: UInt32(column), offset: UInt32(sheet.text.count), length: UInt32(bytes.count)))
            sheet.text.append(contentsOf: bytes)
        }
    }

    private func endRow() {
        inRow = false
        guard sheet.cells.count > rowFirstCell else { return }  // a blank row is not a record
        if !isSortedByColumn(sheet.cells[rowFirstCell...]) {
            sheet.cells[rowFirstCell...].sort { $0.column < $1.column }
        }
        let rowCells = sheet.cells[rowFirstCell...]
        if let repeated = zip(rowCells, rowCells.dropFirst()).first(where: { $0.column == $1.column }) {
            return fail(CSVError(line: line, message: "cell \(XLSXCells.cellName(column: Int(repeated.0.column), line: line)) appears twice"))
        }
        sheet.rows.append(.init(line: line, firstCell: rowFirstCell))
    }

    private func isSortedByColumn(_ cells: ArraySlice<PackedSheet.Cell>) -> Bool {
        zip(cells, cells.dropFirst()).allSatisfy { $0.column < $1.column }
    }

    private func tooLong(_ column: Int) -> CSVError {
        CSVError(line: line, message: "cell \(XLSXCells.cellName(column: column, line: line)) is longer than \(context.limits.maximumFieldBytes) bytes")
    }
}

/// A closed cell's text: a shared string by index (not copied) or text of its own.
private enum CellValue {
    case shared(Int)
    case text(String)

    var isEmpty: Bool {
        if case .text(let text) = self { return text.isEmpty }
        return false
    }

    /// Converts a cell by its type (`t`) and, for numbers, its style (`s`), refusing what an import must not guess.
    init(_ cell: OpenCell, line: Int, context: CellContext) throws(CSVError) {
        let name = XLSXCells.cellName(column: cell.column, line: line)
        let tooLong = CSVError(line: line, message: "cell \(name) is longer than \(context.limits.maximumFieldBytes) bytes")
        let text: String
        switch cell.type {
        case "s":
            self = try Self.sharedString(cell.value, name: name, line: line, context: context, tooLong: tooLong)
            return
        case "inlineStr": text = cell.inlineText ?? cell.value ?? ""
        case "str": text = cell.value ?? ""
        case "b": text = try Self.boolean(cell.value, name: name, line: line)
        case "e":
            throw CSVError(line: line, message: "cell \(name) holds an error (\(cell.value ?? "no value"))")
        case "d": text = try Self.date(cell.value.map { XLSXCells.isoDate(iso: $0) }, cell.value, name: name, line: line)
        case nil, "n": text = try Self.number(cell, name: name, line: line, context: context, tooLong: tooLong)
        case let other?:
            throw CSVError(line: line, message: "cell \(name) has an unknown type \"\(other)\"")
        }
        guard text.utf8.count <= context.limits.maximumFieldBytes else { throw tooLong }
        self = .text(text)
    }

    private static func sharedString(_ written: String?, name: String, line: Int, context: CellContext,
                                     tooLong: CSVError) throws(CSVError) -> CellValue {
        guard let written else { return .text("") }
        guard let index = XLSXCells.integer(written), index < context.sharedStrings.count else {
            throw CSVError(line: line, message: "cell \(name) refers to shared string \(written), which the workbook does not have")
        }
        let string = context.sharedStrings[index]
        guard string.utf8.count <= context.limits.maximumFieldBytes else { throw tooLong }
        return string.isEmpty ? .text("") : .shared(index)
    }

    private static func boolean(_ written: String?, name: String, line: Int) throws(CSVError) -> String {
        switch written {
        case nil: return ""
        case "1", "true": return "TRUE"
        case "0", "false": return "FALSE"
        case let other?: throw CSVError(line: line, message: "cell \(name) holds \"\(other)\", which is not a boolean")
        }
    }

    /// Numbers as written (exponents made plain); date-styled numbers as ISO dates.
    private static func number(_ cell: OpenCell, name: String, line: Int, context: CellContext,
                               tooLong: CSVError) throws(CSVError) -> String {
        guard let written = cell.value else { return "" }
        if cell.style < context.dateStyles.count, context.dateStyles[cell.style] {
            return try date(XLSXCells.isoDate(serial: written, date1904: context.date1904), written, name: name, line: line)
        }
        switch XLSXCells.plainDecimal(written, maximumBytes: context.limits.maximumFieldBytes) {
        case .text(let text): return text
        case .tooLong: throw tooLong
        }
    }

    private static func date(_ converted: XLSXCells.DateText?, _ written: String?, name: String, line: Int) throws(CSVError) -> String {
        switch converted {
        case nil: return ""
        case .date(let date)?: return date
        case .hasTime?: throw CSVError(line: line, message: "cell \(name) holds a date and time; a date is required")
        case .invalid?: throw CSVError(line: line, message: "cell \(name) holds \(written ?? ""), which is not a date")
        }
    }
}
