/// What any text a user or a file gives Channelbook may hold: no NUL and no other control character
/// (tab is allowed, in free text). PostgreSQL refuses NUL outright and SQLite would store it, so the two
/// databases would disagree; a newline or escape in a name breaks every CSV and terminal it is printed to.
public enum TextRules {
    /// Why `text` may not be stored, or nil when it may.
    public static func controlCharacterProblem(_ text: some StringProtocol) -> String? {
        guard let byte = text.utf8.first(where: { ($0 < 0x20 && $0 != 0x09) || $0 == 0x7F }) else { return nil }
        return "control character \(codePoint(byte)) is not allowed"
    }

    /// `U+0000` for a byte below 0x80.
    public static func codePoint(_ byte: UInt8) -> String {
        let digits = Array("0123456789ABCDEF")
        return "U+00\(digits[Int(byte >> 4)])\(digits[Int(byte & 0xF)])"
    }
}
