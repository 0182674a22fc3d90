/// Proof of performance for an MDF claim: a PDF, PNG or JPEG, recognised by its first bytes (never by its
/// name or the browser's content type, which anyone can set), at most 10 MB, at most ten a claim.
public enum ProofFile {
    public static let maximumBytes = 10 * 1024 * 1024
    public static let maximumPerClaim = 10
    /// File names are kept for the download, bounded like every text.
    public static let maximumNameLength = TextRules.Limit.name

    public enum Kind: String, CaseIterable, Sendable, Codable {
        case pdf, png, jpeg

        public var contentType: String {
            switch self {
            case .pdf: return "application/pdf"
            case .png: return "image/png"
            case .jpeg: return "image/jpeg"
            }
        }

        var magic: [UInt8] {
            switch self {
            case .pdf: return Array("%PDF-".utf8)
            case .png: return [0x89, 0x50, 0x4E, 0x47, 0x0D, 0x0A, 0x1A, 0x0A]
            case .jpeg: return [0xFF, 0xD8, 0xFF]
            }
        }
    }

    /// A file name without any folders before it (`../a.pdf` and `C:\\scans\\a.pdf` are `a.pdf`).
    public static func baseName(_ name: String) -> String {
        String(name.split(whereSeparator: { $0 == "/" || $0 == "\\" }).last ?? "")
    }

    /// The file's kind from its first bytes, or `nil` when it is none of the three.
    public static func kind<Bytes: Collection>(of bytes: Bytes) -> Kind? where Bytes.Element == UInt8 {
        Kind.allCases.first { kind in bytes.count >= kind.magic.count && zip(bytes, kind.magic).allSatisfy { $0 == $1 } }
    }

    /// Checks one file: its name, its size and its kind.
    public static func check<Bytes: Collection>(name: String, bytes: Bytes) throws(MDFError) -> Kind where Bytes.Element == UInt8 {
        guard !name.isEmpty, name.count <= maximumNameLength, TextRules.controlCharacterProblem(name) == nil else { throw .proof(.badName(name)) }
        guard bytes.count > 0 else { throw .proof(.empty(name)) }
        guard bytes.count <= maximumBytes else { throw .proof(.tooLarge(name, bytes: bytes.count)) }
        guard let kind = kind(of: bytes) else { throw .proof(.notPDFPNGOrJPEG(name)) }
        return kind
    }
}

/// Why a proof file is refused.
public enum ProofFileProblem: Error, Equatable, Sendable, CustomStringConvertible {
    case badName(String)
    case empty(String)
    case tooLarge(String, bytes: Int)
    case notPDFPNGOrJPEG(String)

    public var description: String {
        switch self {
        case .badName: return "a proof file needs a name of 1 to \(ProofFile.maximumNameLength) characters without control characters"
        case .empty(let name): return "proof file '\(name)' is empty"
        case let .tooLarge(name, bytes): return "proof file '\(name)' is \(bytes) bytes: at most \(ProofFile.maximumBytes) (10 MB)"
        case .notPDFPNGOrJPEG(let name): return "proof file '\(name)' is not a PDF, PNG or JPEG file"
        }
    }
}
