/// A TOML 1.0 reader in Swift, for program files.
///
/// Channelbook used TOMLKit, whose C++ parser (toml++) aborts the whole process on some malformed
/// documents (`[#]` trips an assertion): a program uploaded to `serve` must never do that. Pre-checking the
/// syntax in Swift would have meant writing this parser anyway, and parsing in a child process would cost a
/// process start per check; so the reader is this file: every byte is checked, every failure is a thrown
/// `TOMLSyntaxError` with its line and column, nesting is bounded, and nothing traps. It is fuzzed
/// (`Fuzz/`, the `program` target).
///
/// Values program files have no use for (floats, times, date-times) are recognised and validated but
/// carried only as their kind.
struct TOMLParser {
    /// Arrays and inline tables nested deeper than this are refused rather than recursed into.
    static let maximumNesting = 32

    private let bytes: [UInt8]
    private var position = 0
    private var line = 1
    private var lineStart = 0

    init(_ text: String) { bytes = Array(text.utf8) }

    /// The document as nested plain values.
    static func parse(_ text: String) throws(TOMLSyntaxError) -> [String: TOMLNode] {
        var parser = TOMLParser(text)
        let root = TOMLTableBox(origin: .header)
        try parser.document(root)
        return root.node()
    }

    // MARK: - Document structure

    private mutating func document(_ root: TOMLTableBox) throws(TOMLSyntaxError) {
        var current = root
        while true {
            skipBlank()
            guard let byte = peek() else { return }
            switch byte {
            case UInt8(ascii: "\n"), UInt8(ascii: "\r"):
                try newline()
            case UInt8(ascii: "#"):
                try comment()
            case UInt8(ascii: "["):
                current = try header(root)
                try endOfLine()
            default:
                try keyValue(into: current, depth: 0)
                try endOfLine()
            }
        }
    }

    /// `[a.b]` or `[[a.b]]`: the table later key/value lines go into.
    private mutating func header(_ root: TOMLTableBox) throws(TOMLSyntaxError) -> TOMLTableBox {
        let headerLine = line, headerColumn = column
        position += 1
        let isArray = peek() == UInt8(ascii: "[")
        if isArray { position += 1 }
        skipBlank()
        let keys = try dottedKey()
        skipBlank()
        try expect("]", "a table header ends with ']'")
        if isArray { try expect("]", "an array-of-tables header ends with ']]'") }
        var table = root
        for key in keys.dropLast() { table = try descend(table, key, creating: .implicit, at: headerLine, headerColumn) }
        let last = keys[keys.count - 1]
        if isArray {
            let element = TOMLTableBox(origin: .header)
            switch table.entries[last] {
            case nil:
                table.set(last, .tables([element]))
            case .tables(let elements)?:
                table.entries[last] = .tables(elements + [element])
            default:
                throw TOMLSyntaxError(line: headerLine, column: headerColumn, message: "'\(keys.joined(separator: "."))' is already defined as something other than an array of tables")
            }
            return element
        }
        switch table.entries[last] {
        case nil:
            let child = TOMLTableBox(origin: .header)
            table.set(last, .table(child))
            return child
        case .table(let child)? where child.origin == .implicit:
            child.origin = .header
            return child
        default:
            throw TOMLSyntaxError(line: headerLine, column: headerColumn, message: "table '\(keys.joined(separator: "."))' is defined more than once")
        }
    }

    /// Walks into (or creates) the table named `key`; the last element of an array of tables.
    private func descend(_ table: TOMLTableBox, _ key: String, creating origin: TOMLTableBox.Origin, at line: Int, _ column: Int)
        throws(TOMLSyntaxError) -> TOMLTableBox
    {
        switch table.entries[key] {
        case nil:
            let child = TOMLTableBox(origin: origin)
            table.set(key, .table(child))
            return child
        case .table(let child)?:
            if child.origin == .inline || (origin == .dotted && child.origin == .header) {
                throw TOMLSyntaxError(line: line, column: column, message: "table '\(key)' cannot be extended here")
            }
            return child
        case .tables(let elements)? where origin != .dotted:
            return elements[elements.count - 1]
        default:
            throw TOMLSyntaxError(line: line, column: column, message: "'\(key)' is already defined as a value")
        }
    }

    /// `key = value`, where the key may be dotted (`a.b = 1` defines table `a`).
    private mutating func keyValue(into table: TOMLTableBox, depth: Int) throws(TOMLSyntaxError) {
        let keyLine = line, keyColumn = column
        let keys = try dottedKey()
        skipBlank()
        try expect("=", "a key is followed by '='")
        skipBlank()
        let value = try value(depth: depth)
        var target = table
        for key in keys.dropLast() { target = try descend(target, key, creating: .dotted, at: keyLine, keyColumn) }
        let last = keys[keys.count - 1]
        if target.entries[last] != nil {
            throw TOMLSyntaxError(line: keyLine, column: keyColumn, message: "key '\(keys.joined(separator: "."))' is defined more than once")
        }
        target.set(last, value)
    }

    private mutating func dottedKey() throws(TOMLSyntaxError) -> [String] {
        var keys = [try simpleKey()]
        while true {
            skipBlank()
            guard peek() == UInt8(ascii: ".") else { return keys }
            guard keys.count < Self.maximumNesting else { throw problem("a key has more than \(Self.maximumNesting) parts") }
            position += 1
            skipBlank()
            keys.append(try simpleKey())
        }
    }

    private mutating func simpleKey() throws(TOMLSyntaxError) -> String {
        switch peek() {
        case UInt8(ascii: "\"")?:
            position += 1
            return try basicString()
        case UInt8(ascii: "'")?:
            position += 1
            return try literalString()
        default:
            let start = position
            while let byte = peek(), Self.isBareKeyByte(byte) { position += 1 }
            guard position > start else { throw problem(peek() == nil ? "a key is missing at the end of the document" : "\(describeNext()) cannot start a key") }
            return String(decoding: bytes[start..<position], as: UTF8.self)
        }
    }

    // MARK: - Values

    private mutating func value(depth: Int) throws(TOMLSyntaxError) -> TOMLEntry {
        guard let byte = peek() else { throw problem("a value is missing at the end of the document") }
        switch byte {
        case UInt8(ascii: "\""):
            if starts(with: "\"\"\"") {
                position += 3
                return .value(.string(try multilineBasicString()))
            }
            position += 1
            return .value(.string(try basicString()))
        case UInt8(ascii: "'"):
            if starts(with: "'''") {
                position += 3
                return .value(.string(try multilineLiteralString()))
            }
            position += 1
            return .value(.string(try literalString()))
        case UInt8(ascii: "["):
            return .value(try array(depth: depth + 1))
        case UInt8(ascii: "{"):
            return .table(try inlineTable(depth: depth + 1))
        case UInt8(ascii: "t"), UInt8(ascii: "f"):
            if starts(with: "true") { position += 4; return .value(.boolean(true)) }
            if starts(with: "false") { position += 5; return .value(.boolean(false)) }
            throw problem("\(describeNext()) is not a value (strings are quoted)")
        default:
            return .value(try scalar())
        }
    }

    private mutating func array(depth: Int) throws(TOMLSyntaxError) -> TOMLNode {
        guard depth <= Self.maximumNesting else { throw problem("arrays and tables are nested more than \(Self.maximumNesting) deep") }
        position += 1
        var elements: [TOMLNode] = []
        while true {
            try skipBlankLinesAndComments()
            if peek() == UInt8(ascii: "]") { position += 1; return .array(elements) }
            switch try value(depth: depth) {
            case .value(let node): elements.append(node)
            case .table(let table): elements.append(.table(table.node()))
            case .tables: break
            }
            try skipBlankLinesAndComments()
            switch peek() {
            case UInt8(ascii: ",")?: position += 1
            case UInt8(ascii: "]")?: position += 1; return .array(elements)
            default: throw problem("an array's values are separated by ',' and it ends with ']'")
            }
        }
    }

    private mutating func inlineTable(depth: Int) throws(TOMLSyntaxError) -> TOMLTableBox {
        guard depth <= Self.maximumNesting else { throw problem("arrays and tables are nested more than \(Self.maximumNesting) deep") }
        position += 1
        let table = TOMLTableBox(origin: .header)
        skipBlank()
        if peek() == UInt8(ascii: "}") {
            position += 1
            table.origin = .inline
            return table
        }
        while true {
            skipBlank()
            try keyValue(into: table, depth: depth)
            skipBlank()
            switch peek() {
            case UInt8(ascii: ",")?: position += 1
            case UInt8(ascii: "}")?:
                position += 1
                table.freeze()
                return table
            default: throw problem("an inline table's entries are separated by ',' on one line and it ends with '}'")
            }
        }
    }

    /// Integers, floats, dates and times: a run of value characters, then classified.
    private mutating func scalar() throws(TOMLSyntaxError) -> TOMLNode {
        let startColumn = column
        let start = position
        while let byte = peek(), Self.isScalarByte(byte) || (byte == UInt8(ascii: " ") && isDateTimeSpace(start)) { position += 1 }
        let token = String(decoding: bytes[start..<position], as: UTF8.self)
        guard !token.isEmpty else { throw problem("\(describeNext()) is not a value (strings are quoted)") }
        if let node = TOMLScalar.classify(token) { return node }
        throw TOMLSyntaxError(line: line, column: startColumn, message: "'\(token)' is not a valid TOML value (strings are quoted)")
    }

    /// A space between a date and a time (`1979-05-27 07:32:00`) is part of the value.
    private func isDateTimeSpace(_ start: Int) -> Bool {
        guard position - start == 10, position + 1 < bytes.count else { return false }
        return TOMLScalar.isDate(bytes[start..<position]) && Self.isDigit(bytes[position + 1])
    }

    // MARK: - Strings

    private mutating func basicString() throws(TOMLSyntaxError) -> String {
        var scalars = String.UnicodeScalarView()
        while true {
            guard let byte = peek() else { throw problem("a string is not closed with '\"'") }
            switch byte {
            case UInt8(ascii: "\""):
                position += 1
                return String(scalars)
            case UInt8(ascii: "\\"):
                position += 1
                scalars.append(try escape())
            case UInt8(ascii: "\n"), UInt8(ascii: "\r"):
                throw problem("a string is not closed with '\"' before the end of the line")
            default:
                scalars.append(try character(allowingNewline: false))
            }
        }
    }

    private mutating func literalString() throws(TOMLSyntaxError) -> String {
        var scalars = String.UnicodeScalarView()
        while true {
            guard let byte = peek() else { throw problem("a string is not closed with \"'\"") }
            if byte == UInt8(ascii: "'") {
                position += 1
                return String(scalars)
            }
            if byte == UInt8(ascii: "\n") || byte == UInt8(ascii: "\r") {
                throw problem("a string is not closed with \"'\" before the end of the line")
            }
            scalars.append(try character(allowingNewline: false))
        }
    }

    private mutating func multilineBasicString() throws(TOMLSyntaxError) -> String {
        var scalars = String.UnicodeScalarView()
        try skipFirstNewline()
        while true {
            guard let byte = peek() else { throw problem("a multi-line string is not closed with '\"\"\"'") }
            if starts(with: "\"\"\"") {
                position += 3
                // Up to two quotes may end the content right before the closing delimiter.
                var extra = 0
                while extra < 2, peek() == UInt8(ascii: "\"") { position += 1; extra += 1; scalars.append("\"") }
                return String(scalars)
            }
            if byte == UInt8(ascii: "\\") {
                position += 1
                if try lineEndingBackslash() { continue }
                scalars.append(try escape())
            } else {
                scalars.append(try character(allowingNewline: true))
            }
        }
    }

    private mutating func multilineLiteralString() throws(TOMLSyntaxError) -> String {
        var scalars = String.UnicodeScalarView()
        try skipFirstNewline()
        while true {
            guard peek() != nil else { throw problem("a multi-line string is not closed with \"'''\"") }
            if starts(with: "'''") {
                position += 3
                var extra = 0
                while extra < 2, peek() == UInt8(ascii: "'") { position += 1; extra += 1; scalars.append("'") }
                return String(scalars)
            }
            scalars.append(try character(allowingNewline: true))
        }
    }

    private mutating func skipFirstNewline() throws(TOMLSyntaxError) {
        if peek() == UInt8(ascii: "\n") || peek() == UInt8(ascii: "\r") { try newline() }
    }

    /// After a `\` in a multi-line basic string: whitespace up to a newline, then all whitespace, is removed.
    private mutating func lineEndingBackslash() throws(TOMLSyntaxError) -> Bool {
        var probe = position
        while probe < bytes.count, bytes[probe] == UInt8(ascii: " ") || bytes[probe] == UInt8(ascii: "\t") { probe += 1 }
        guard probe < bytes.count, bytes[probe] == UInt8(ascii: "\n") || bytes[probe] == UInt8(ascii: "\r") else { return false }
        position = probe
        while let byte = peek() {
            if byte == UInt8(ascii: " ") || byte == UInt8(ascii: "\t") {
                position += 1
            } else if byte == UInt8(ascii: "\n") || byte == UInt8(ascii: "\r") {
                try newline()
            } else {
                break
            }
        }
        return true
    }

    private mutating func escape() throws(TOMLSyntaxError) -> Unicode.Scalar {
        guard let byte = peek() else { throw problem("a string ends inside an escape") }
        position += 1
        switch byte {
        case UInt8(ascii: "b"): return "\u{08}"
        case UInt8(ascii: "t"): return "\t"
        case UInt8(ascii: "n"): return "\n"
        case UInt8(ascii: "f"): return "\u{0C}"
        case UInt8(ascii: "r"): return "\r"
        case UInt8(ascii: "\""): return "\""
        case UInt8(ascii: "\\"): return "\\"
        case UInt8(ascii: "u"): return try hexScalar(digits: 4)
        case UInt8(ascii: "U"): return try hexScalar(digits: 8)
        default:
            position -= 1
            throw problem("'\\\(describeNext())' is not a valid escape")
        }
    }

    private mutating func hexScalar(digits: Int) throws(TOMLSyntaxError) -> Unicode.Scalar {
        var value: UInt32 = 0
        for _ in 0..<digits {
            guard let byte = peek(), let digit = Self.hexValue(byte) else { throw problem("\\u and \\U escapes take \(digits) hexadecimal digits") }
            value = value << 4 | UInt32(digit)
            position += 1
        }
        guard let scalar = Unicode.Scalar(value) else { throw problem("escape \(String(value, radix: 16)) is not a Unicode scalar value") }
        return scalar
    }

    /// One UTF-8 encoded character of a string, decoded and checked: control characters other than tab
    /// (and newlines where allowed) are refused, as TOML requires.
    private mutating func character(allowingNewline: Bool) throws(TOMLSyntaxError) -> Unicode.Scalar {
        let byte = bytes[position]
        if byte < 0x80 {
            if byte == UInt8(ascii: "\n") || byte == UInt8(ascii: "\r") {
                guard allowingNewline else { throw problem("a string is not closed before the end of the line") }
                try newline()
                return "\n"
            }
            if (byte < 0x20 && byte != UInt8(ascii: "\t")) || byte == 0x7F { throw problem("control character \(TextRules.codePoint(byte)) is not allowed in a string") }
            position += 1
            return Unicode.Scalar(byte)
        }
        // The input came from a Swift String, so it is valid UTF-8; decode one scalar.
        let length = byte >= 0xF0 ? 4 : byte >= 0xE0 ? 3 : 2
        guard position + length <= bytes.count else { throw problem("a string ends inside a character") }
        var decoder = UTF8()
        var iterator = bytes[position..<(position + length)].makeIterator()
        position += length
        if case .scalarValue(let scalar) = decoder.decode(&iterator) { return scalar }
        throw problem("a string holds invalid UTF-8")
    }

    // MARK: - Whitespace, comments and lines

    private mutating func skipBlank() {
        while let byte = peek(), byte == UInt8(ascii: " ") || byte == UInt8(ascii: "\t") { position += 1 }
    }

    private mutating func skipBlankLinesAndComments() throws(TOMLSyntaxError) {
        while let byte = peek() {
            switch byte {
            case UInt8(ascii: " "), UInt8(ascii: "\t"): position += 1
            case UInt8(ascii: "\n"), UInt8(ascii: "\r"): try newline()
            case UInt8(ascii: "#"): try comment()
            default: return
            }
        }
    }

    private mutating func comment() throws(TOMLSyntaxError) {
        position += 1
        while let byte = peek(), byte != UInt8(ascii: "\n"), byte != UInt8(ascii: "\r") {
            if (byte < 0x20 && byte != UInt8(ascii: "\t")) || byte == 0x7F { throw problem("control character \(TextRules.codePoint(byte)) is not allowed in a comment") }
            position += 1
        }
    }

    /// After a header or key/value: blanks, an optional comment, then a newline or the end.
    private mutating func endOfLine() throws(TOMLSyntaxError) {
        skipBlank()
        if peek() == UInt8(ascii: "#") { try comment() }
        guard let byte = peek() else { return }
        guard byte == UInt8(ascii: "\n") || byte == UInt8(ascii: "\r") else { throw problem("\(describeNext()) follows a complete line; start a new line") }
        try newline()
    }

    private mutating func newline() throws(TOMLSyntaxError) {
        if bytes[position] == UInt8(ascii: "\r") {
            guard position + 1 < bytes.count, bytes[position + 1] == UInt8(ascii: "\n") else { throw problem("a carriage return is not followed by a line feed") }
            position += 1
        }
        position += 1
        line += 1
        lineStart = position
    }

    // MARK: - Helpers

    private var column: Int { position - lineStart + 1 }

    private func peek() -> UInt8? { position < bytes.count ? bytes[position] : nil }

    private func starts(with literal: String) -> Bool {
        let expected = literal.utf8
        guard position + expected.count <= bytes.count else { return false }
        return zip(bytes[position...], expected).allSatisfy { $0 == $1 }
    }

    private mutating func expect(_ character: Unicode.Scalar, _ message: String) throws(TOMLSyntaxError) {
        guard peek() == UInt8(ascii: character) else { throw problem(message) }
        position += 1
    }

    private func describeNext() -> String {
        guard let byte = peek() else { return "the end of the document" }
        if byte < 0x20 || byte == 0x7F { return "control character \(TextRules.codePoint(byte))" }
        if byte < 0x80 { return "'\(Character(Unicode.Scalar(byte)))'" }
        return "a non-ASCII character"
    }

    private func problem(_ message: String) -> TOMLSyntaxError { TOMLSyntaxError(line: line, column: column, message: message) }

    static func isDigit(_ byte: UInt8) -> Bool { byte >= UInt8(ascii: "0") && byte <= UInt8(ascii: "9") }

    static func hexValue(_ byte: UInt8) -> UInt8? {
        switch byte {
        case UInt8(ascii: "0")...UInt8(ascii: "9"): return byte - UInt8(ascii: "0")
        case UInt8(ascii: "a")...UInt8(ascii: "f"): return byte - UInt8(ascii: "a") + 10
        case UInt8(ascii: "A")...UInt8(ascii: "F"): return byte - UInt8(ascii: "A") + 10
        default: return nil
        }
    }

    private static func isBareKeyByte(_ byte: UInt8) -> Bool {
        isDigit(byte) || (byte >= UInt8(ascii: "a") && byte <= UInt8(ascii: "z")) || (byte >= UInt8(ascii: "A") && byte <= UInt8(ascii: "Z"))
            || byte == UInt8(ascii: "_") || byte == UInt8(ascii: "-")
    }

    private static func isScalarByte(_ byte: UInt8) -> Bool {
        isBareKeyByte(byte) || byte == UInt8(ascii: "+") || byte == UInt8(ascii: ".") || byte == UInt8(ascii: ":")
    }
}

/// A syntax error with its 1-based line and column.
struct TOMLSyntaxError: Error, Equatable {
    let line: Int
    let column: Int
    let message: String
}

/// What a key holds while the document is read: a finished value, a table still open to headers and
/// dotted keys, or an array of tables that `[[...]]` headers append to.
enum TOMLEntry {
    case value(TOMLNode)
    case table(TOMLTableBox)
    case tables([TOMLTableBox])
}

/// A table under construction, shared by reference so headers can reopen it.
final class TOMLTableBox {
    /// How the table came to exist, which decides whether it may be defined or extended again.
    enum Origin { case implicit, header, dotted, inline }

    var origin: Origin
    var entries: [String: TOMLEntry] = [:]

    init(origin: Origin) { self.origin = origin }

    func set(_ key: String, _ entry: TOMLEntry) { entries[key] = entry }

    /// An inline table and every table inside it are complete once its `}` is read.
    func freeze() {
        origin = .inline
        for entry in entries.values {
            if case .table(let child) = entry { child.freeze() }
        }
    }

    func node() -> [String: TOMLNode] {
        entries.mapValues { entry in
            switch entry {
            case .value(let node): return node
            case .table(let table): return .table(table.node())
            case .tables(let tables): return .array(tables.map { .table($0.node()) })
            }
        }
    }
}

/// Classifies a bare token: an integer, a float, a date or a time, by TOML's grammar.
enum TOMLScalar {
    static func classify(_ token: String) -> TOMLNode? {
        let bytes = Array(token.utf8)
        if let integer = integer(bytes) { return .integer(integer) }
        if isFloat(bytes) { return .float }
        if isDate(bytes[...]) {
            let year = Int(token.prefix(4))!, month = Int(token.dropFirst(5).prefix(2))!, day = Int(token.dropFirst(8).prefix(2))!
            guard (1...12).contains(month), (1...daysIn(month, year)).contains(day) else { return nil }
            return .date(year: year, month: month, day: day)
        }
        if isDateTime(bytes) || isTime(bytes[...]) { return .timeOfDay }
        return nil
    }

    /// Decimal with optional sign, or 0x/0o/0b; underscores only between digits; no leading zeros.
    static func integer(_ bytes: [UInt8]) -> Int? {
        var digits = bytes[...]
        var radix = 10
        var negative = false
        if digits.count > 2, digits.first == UInt8(ascii: "0") {
            switch digits[digits.startIndex + 1] {
            case UInt8(ascii: "x"): radix = 16
            case UInt8(ascii: "o"): radix = 8
            case UInt8(ascii: "b"): radix = 2
            default: break
            }
            if radix != 10 { digits = digits.dropFirst(2) }
        }
        if radix == 10, let sign = digits.first, sign == UInt8(ascii: "+") || sign == UInt8(ascii: "-") {
            negative = sign == UInt8(ascii: "-")
            digits = digits.dropFirst()
        }
        guard let first = digits.first, let last = digits.last, first != UInt8(ascii: "_"), last != UInt8(ascii: "_") else { return nil }
        if radix == 10, first == UInt8(ascii: "0"), digits.count > 1 { return nil }
        var value = 0
        var previousUnderscore = false
        for byte in digits {
            if byte == UInt8(ascii: "_") {
                if previousUnderscore { return nil }
                previousUnderscore = true
                continue
            }
            previousUnderscore = false
            guard let digit = TOMLParser.hexValue(byte), Int(digit) < radix, radix == 16 || TOMLParser.isDigit(byte) else { return nil }
            let (shifted, overflow1) = value.multipliedReportingOverflow(by: radix)
            let (next, overflow2) = shifted.addingReportingOverflow(negative ? -Int(digit) : Int(digit))
            if overflow1 || overflow2 { return nil }
            value = next
        }
        return value
    }

    static func isFloat(_ bytes: [UInt8]) -> Bool {
        var rest = bytes[...]
        if let sign = rest.first, sign == UInt8(ascii: "+") || sign == UInt8(ascii: "-") { rest = rest.dropFirst() }
        if rest.elementsEqual("inf".utf8) || rest.elementsEqual("nan".utf8) { return true }
        let text = String(decoding: rest, as: UTF8.self)
        let mantissaAndExponent = text.split(separator: "e", maxSplits: 1, omittingEmptySubsequences: false).flatMap {
            $0.split(separator: "E", maxSplits: 1, omittingEmptySubsequences: false)
        }
        guard mantissaAndExponent.count <= 2, let mantissa = mantissaAndExponent.first else { return false }
        let parts = mantissa.split(separator: ".", maxSplits: 1, omittingEmptySubsequences: false)
        guard isDecimalDigits(parts[0], leadingZeroAllowed: false) else { return false }
        if parts.count == 2, !isDecimalDigits(parts[1], leadingZeroAllowed: true) { return false }
        if mantissaAndExponent.count == 2 {
            var exponent = mantissaAndExponent[1]
            if let sign = exponent.first, sign == "+" || sign == "-" { exponent = exponent.dropFirst() }
            guard isDecimalDigits(exponent, leadingZeroAllowed: true) else { return false }
        }
        return parts.count == 2 || mantissaAndExponent.count == 2
    }

    private static func isDecimalDigits(_ text: Substring, leadingZeroAllowed: Bool) -> Bool {
        guard let first = text.first, let last = text.last, first != "_", last != "_", !text.contains("__") else { return false }
        if !leadingZeroAllowed, first == "0", text.count > 1 { return false }
        return text.allSatisfy { $0 == "_" || ($0.isASCII && $0.isNumber) }
    }

    /// `YYYY-MM-DD`.
    static func isDate(_ bytes: ArraySlice<UInt8>) -> Bool {
        guard bytes.count == 10 else { return false }
        return bytes.enumerated().allSatisfy { offset, byte in
            offset == 4 || offset == 7 ? byte == UInt8(ascii: "-") : TOMLParser.isDigit(byte)
        }
    }

    /// `HH:MM:SS` with optional fraction, then for date-times an optional `Z` or `±HH:MM`.
    static func isTime(_ bytes: ArraySlice<UInt8>) -> Bool {
        guard bytes.count >= 8 else { return false }
        let start = bytes.startIndex
        let fields = [bytes[start..<start + 2], bytes[start + 3..<start + 5], bytes[start + 6..<start + 8]]
        guard bytes[start + 2] == UInt8(ascii: ":"), bytes[start + 5] == UInt8(ascii: ":"),
            fields.allSatisfy({ $0.allSatisfy(TOMLParser.isDigit) })
        else { return false }
        let hour = Int(fields[0][fields[0].startIndex] - 48) * 10 + Int(fields[0][fields[0].startIndex + 1] - 48)
        let minute = Int(fields[1][fields[1].startIndex] - 48) * 10 + Int(fields[1][fields[1].startIndex + 1] - 48)
        let second = Int(fields[2][fields[2].startIndex] - 48) * 10 + Int(fields[2][fields[2].startIndex + 1] - 48)
        guard hour < 24, minute < 60, second <= 60 else { return false }
        var rest = bytes[(start + 8)...]
        if rest.first == UInt8(ascii: ".") {
            rest = rest.dropFirst()
            let digits = rest.prefix(while: TOMLParser.isDigit)
            guard !digits.isEmpty else { return false }
            rest = rest.dropFirst(digits.count)
        }
        return rest.isEmpty
    }

    static func isDateTime(_ bytes: [UInt8]) -> Bool {
        guard bytes.count >= 19, isDate(bytes[0..<10]) else { return false }
        let separator = bytes[10]
        guard separator == UInt8(ascii: "T") || separator == UInt8(ascii: "t") || separator == UInt8(ascii: " ") else { return false }
        var time = bytes[11...]
        if let last = time.last, last == UInt8(ascii: "Z") || last == UInt8(ascii: "z") {
            time = time.dropLast()
        } else if time.count >= 14 {
            let offset = time.suffix(6)
            let o = offset.startIndex
            if (offset[o] == UInt8(ascii: "+") || offset[o] == UInt8(ascii: "-")) && offset[o + 3] == UInt8(ascii: ":")
                && TOMLParser.isDigit(offset[o + 1]) && TOMLParser.isDigit(offset[o + 2]) && TOMLParser.isDigit(offset[o + 4])
                && TOMLParser.isDigit(offset[o + 5])
            {
                time = time.dropLast(6)
            }
        }
        return isTime(time)
    }

    private static func daysIn(_ month: Int, _ year: Int) -> Int {
        switch month {
        case 2: return (year % 4 == 0 && year % 100 != 0) || year % 400 == 0 ? 29 : 28
        case 4, 6, 9, 11: return 30
        default: return 31
        }
    }
}
