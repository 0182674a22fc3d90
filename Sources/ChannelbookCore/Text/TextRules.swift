/// What any text a user or a file gives Channelbook may hold: no NUL and no other control character
/// (tab is allowed, in free text). PostgreSQL refuses NUL outright and SQLite would store it, so the two
/// databases would disagree; a newline or escape in a name breaks every CSV and terminal it is printed to.
public enum TextRules {
    /// Why `text` may not be stored, or nil when it may.
    /// Inlinable, so every caller gets it specialised for its own string type: every field of every imported line passes
    /// here, and the generic version was a fifth of an import's time (BENCHMARKS.md, *Import speed*).
    @inlinable
    public static func controlCharacterProblem(_ text: some StringProtocol) -> String? {
        let found = text.utf8.withContiguousStorageIfAvailable { $0.first(where: isControlByte) } ?? text.utf8.first(where: isControlByte)
        guard let byte = found else { return nil }
        return "control character \(codePoint(byte)) is not allowed"
    }

    /// A control character other than tab, or DEL.
    @inlinable
    static func isControlByte(_ byte: UInt8) -> Bool { (byte < 0x20 && byte != 0x09) || byte == 0x7F }

    /// An email address as logins and reps are identified by: one `@`, a dotted domain, no spaces or control
    /// characters, at most 254 characters.
    public static func looksLikeEmail(_ email: String) -> Bool {
        let parts = email.split(separator: "@", omittingEmptySubsequences: false)
        return parts.count == 2 && !parts[0].isEmpty && parts[1].contains(".") && !email.contains(where: \.isWhitespace) && email.count <= 254
            && controlCharacterProblem(email) == nil
    }

    /// `U+0000` for a byte below 0x80.
    public static func codePoint(_ byte: UInt8) -> String {
        let digits = Array("0123456789ABCDEF")
        return "U+00\(digits[Int(byte >> 4)])\(digits[Int(byte & 0xF)])"
    }
}

extension TextRules {
    /// Refuses `text` for `field` when it holds a control character or is longer than `maximumLength`
    /// characters: the one check every entry point calls (the schema holds the same limits as CHECKs).
    @inlinable
    public static func require(_ field: String, _ text: some StringProtocol, maximumLength: Int) throws(TextProblem) {
        if let problem = controlCharacterProblem(text) { throw TextProblem(field: field, problem: problem) }
        // Counted in Unicode code points, as both databases' length() counts: an accented letter written as a
        // letter and a combining accent is two, so the store's limit and the schema's never disagree.
        if text.utf8.count > maximumLength && text.unicodeScalars.count > maximumLength {
            throw TextProblem(field: field, problem: "is longer than \(maximumLength) characters")
        }
    }

    /// The longest text each kind of field may hold.
    public enum Limit {
        public static let name = 200
        public static let note = 2000
        public static let reason = 500
        public static let reference = 100
        public static let email = 254
    }
}

/// A text field that may not be stored: `customer: control character U+0000 is not allowed`.
public struct TextProblem: Error, Equatable, Sendable, CustomStringConvertible {
    public let field: String
    public let problem: String

    public init(field: String, problem: String) {
        self.field = field
        self.problem = problem
    }

    public var description: String { "\(field): \(problem)" }
}
