/// How Channelbook writes a CSV cell, for every file it produces (reports, the payout file, exports).
///
/// RFC 4180 quoting, and no formula a spreadsheet would run: a cell starting with `=`, `+`, `-`, `@`, tab or
/// carriage return is prefixed with `'` (OWASP's advice) unless it is a plain decimal number such as
/// `-12.30`, which a spreadsheet reads as the number it is.
public enum CSVText {
    public static func cell(_ text: String) -> String {
        var value = text
        if let first = value.utf8.first, formulaStarts.contains(first), !isPlainNumber(value) { value = "'" + value }
        guard value.contains(where: { $0 == "," || $0 == "\"" || $0 == "\n" || $0 == "\r" }) else { return value }
        return "\"" + value.replacingOccurrences(of: "\"", with: "\"\"") + "\""
    }

    /// One line of cells, without its line break.
    public static func line(_ cells: [String]) -> String { cells.map(cell).joined(separator: ",") }

    /// One line of cells for a file Channelbook reads back itself (never opened in a spreadsheet): RFC 4180 quoting
    /// only, every value exactly as it is.
    public static func exactLine(_ cells: [String]) -> String {
        cells.map { value in
            guard value.contains(where: { $0 == "," || $0 == "\"" || $0 == "\n" || $0 == "\r" }) else { return value }
            return "\"" + value.replacingOccurrences(of: "\"", with: "\"\"") + "\""
        }.joined(separator: ",")
    }

    private static let formulaStarts: Set<UInt8> = [UInt8(ascii: "="), UInt8(ascii: "+"), UInt8(ascii: "-"), UInt8(ascii: "@"), 0x09, 0x0D]

    /// `-12.30`, `+5`, `-0.5`: an optional sign, digits, an optional fraction — nothing a spreadsheet evaluates.
    static func isPlainNumber(_ text: String) -> Bool {
        var bytes = Substring(text).utf8[...]
        if let sign = bytes.first, sign == UInt8(ascii: "-") || sign == UInt8(ascii: "+") { bytes = bytes.dropFirst() }
        let parts = bytes.split(separator: UInt8(ascii: "."), maxSplits: 1, omittingEmptySubsequences: false)
        guard let whole = parts.first, !whole.isEmpty else { return false }
        let digits = { (part: Substring.UTF8View.SubSequence) in part.allSatisfy { $0 >= UInt8(ascii: "0") && $0 <= UInt8(ascii: "9") } }
        return digits(whole) && (parts.count == 1 || (!parts[1].isEmpty && digits(parts[1])))
    }
}
