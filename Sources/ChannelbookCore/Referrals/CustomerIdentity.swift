/// How an end customer is recognised across registrations by different partners: by ABN digits, by
/// lower-cased email domain, or by its name with case, punctuation, spaces and legal suffixes removed.
public struct CustomerIdentity: Hashable, Sendable {
    public let normalizedName: String
    public let abn: ABN?
    public let domain: String?

    public init(name: String, abn: ABN?, domain: String?) {
        self.normalizedName = Self.normalize(name: name)
        self.abn = abn
        self.domain = domain
    }

    /// Whether two registrations name the same customer: any one identifier in common is enough.
    public func matches(_ other: CustomerIdentity) -> Bool {
        if let abn, abn == other.abn { return true }
        if let domain, domain == other.domain { return true }
        return !normalizedName.isEmpty && normalizedName == other.normalizedName
    }

    /// Legal-form words dropped from the end of a name: `Acme Pty. Ltd.`, `ACME Limited` and `Acme, Inc.` are one customer.
    static let legalSuffixes: Set<String> = [
        "pty", "ltd", "limited", "inc", "incorporated", "llc", "plc", "corp", "corporation", "co", "company", "proprietary", "the",
    ]

    /// `acme` for `The ACME Pty. Ltd.`: lower case, letters and digits only, legal suffixes removed.
    public static func normalize(name: String) -> String {
        var words: [String] = []
        if name.utf8.allSatisfy({ $0 < 0x80 }) {
            words = asciiWords(name)
        } else {
            words = unicodeWords(name)
        }
        while let last = words.last, words.count > 1, legalSuffixes.contains(last) { words.removeLast() }
        if let first = words.first, first == "the", words.count > 1 { words.removeFirst() }
        return words.joined()
    }

    /// The words of an ASCII name, byte by byte: the same words `unicodeWords` finds, without building a Character
    /// per letter (every sales line of a SKU with a maintenance term is normalised on import).
    static func asciiWords(_ name: String) -> [String] {
        var words: [String] = []
        var word: [UInt8] = []
        func flush() {
            if !word.isEmpty { words.append(String(decoding: word, as: UTF8.self)) }
            word.removeAll(keepingCapacity: true)
        }
        for byte in name.utf8 {
            switch byte {
            case UInt8(ascii: "a")...UInt8(ascii: "z"), UInt8(ascii: "0")...UInt8(ascii: "9"): word.append(byte)
            case UInt8(ascii: "A")...UInt8(ascii: "Z"): word.append(byte + 32)
            case UInt8(ascii: "&"):
                flush()
                words.append("and")
            case UInt8(ascii: "'"): break  // O'Brien stays obrien
            default: flush()
            }
        }
        flush()
        return words
    }

    static func unicodeWords(_ name: String) -> [String] {
        var words: [String] = []
        var word = ""
        for character in name.lowercased() {
            if character.isLetter || character.isNumber {
                word.append(character)
            } else if character == "&" {
                if !word.isEmpty { words.append(word) }
                words.append("and")
                word = ""
            } else if character != "'" && character != "’" && !word.isEmpty {  // O'Brien stays obrien
                words.append(word)
                word = ""
            }
        }
        if !word.isEmpty { words.append(word) }
        return words
    }

    /// `acme.com.au` from `ACME.com.au`, `https://www.acme.com.au/`, or `jo@acme.com.au`; `nil` when it is not a domain.
    public static func normalize(domain text: String) -> String? {
        var domain = Substring(text.lowercased())
        if let at = domain.lastIndex(of: "@") { domain = domain[domain.index(after: at)...] }
        for prefix in ["https://", "http://"] where domain.hasPrefix(prefix) { domain = domain.dropFirst(prefix.count) }
        if domain.hasPrefix("www.") { domain = domain.dropFirst(4) }
        if let slash = domain.firstIndex(of: "/") { domain = domain[..<slash] }
        let labels = domain.split(separator: ".", omittingEmptySubsequences: false)
        guard labels.count >= 2, domain.count <= 253,
            labels.allSatisfy({ label in
                !label.isEmpty && label.count <= 63 && !label.hasPrefix("-") && !label.hasSuffix("-")
                    && label.allSatisfy { $0.isASCII && ($0.isLetter || $0.isNumber || $0 == "-") }
            })
        else { return nil }
        return String(domain)
    }
}
