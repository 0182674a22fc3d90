import NIOCore

/// Why a multipart/form-data upload was refused. Every case is a client's mistake (HTTP 400); none traps.
public enum MultipartUploadError: Error, Equatable, Sendable, CustomStringConvertible {
    /// The Content-Type is not `multipart/form-data`.
    case notFormData
    /// The Content-Type has no `boundary` parameter.
    case noBoundary
    /// The boundary is empty, longer than 70 characters or holds characters RFC 2046 does not allow.
    case invalidBoundary(String)
    /// The body breaks the multipart syntax; the text says where.
    case malformed(String)
    /// The body ended before its closing delimiter (`--BOUNDARY--`): a cut-off upload, not a complete one.
    case truncated
    /// The form has no part named `file`.
    case noFilePart
    /// The form has more than one part named `file`.
    case moreThanOneFilePart
    /// `consume` or `finish` was called after `finish`.
    case alreadyFinished
    /// A form field appears twice.
    case repeatedField(String)

    public var description: String {
        switch self {
        case .notFormData: return "upload the file with the form (multipart/form-data)"
        case .noBoundary: return "the multipart/form-data upload has no boundary parameter"
        case .invalidBoundary(let reason): return "the multipart boundary \(reason)"
        case .malformed(let reason): return "the upload is not a valid multipart form: \(reason)"
        case .truncated: return "the upload ended before the form's closing boundary: it was cut off, nothing was imported"
        case .noFilePart: return "choose a sales file to upload"
        case .moreThanOneFilePart: return "upload one sales file at a time"
        case .alreadyFinished: return "the upload was already finished"
        case .repeatedField(let name): return "the form gives the field '\(name)' twice"
        }
    }
}

/// A multipart/form-data request body read as a stream, with no HTTP server in sight.
///
/// Created from the request's Content-Type, it is handed the body a chunk at a time. The bytes of the part
/// named `file` go to the `file` sink as they arrive (memory stays flat whatever the file's size); every other
/// part is a form field, kept in memory within `maximumFieldBytes` in all. `finish()` refuses a body whose
/// closing delimiter never arrived and a form without a `file` part.
///
/// Where a chunk boundary falls changes nothing: a body split at any byte positions gives the same result.
/// No input traps: every malformed body is a thrown `MultipartUploadError`. (MultipartKit 4.7.1's
/// `MultipartParser` traps on a part-header name byte ≥ 0x80 and on an empty boundary, and cannot tell a
/// closed body from a cut-off one, so this reader is its own; RFC 2046 §5.1 and RFC 7578.)
public struct MultipartUpload {
    /// What a complete upload held.
    public struct Result: Equatable, Sendable {
        /// The `file` part's `filename` (`upload.csv` when it names none).
        public let fileName: String
        /// The other parts by name, decoded as UTF-8. Fields past `maximumFieldBytes` in all are dropped whole.
        public let fields: [String: String]
        /// How many bytes the `file` part held (all of them went to the sink).
        public let fileBytes: Int
    }

    /// Bound on the names and values of all form fields together: fields are short (a CSRF token).
    public static let maximumFieldBytes = 4096
    /// Bound on one part's header lines.
    public static let maximumHeaderBytes = 8192
    /// The longest boundary RFC 2046 allows.
    public static let maximumBoundaryLength = 70

    private enum State {
        /// Before the first delimiter: bytes are ignored.
        case preamble
        /// Just after a delimiter (`CRLF--BOUNDARY`).
        case afterDelimiter
        /// After `CRLF--BOUNDARY-`: one more `-` closes the body.
        case closingDash
        /// Spaces or tabs after a delimiter (transport padding), before its CRLF.
        case padding
        /// The CR that ends a delimiter line was read.
        case delimiterCR
        /// A part's header lines.
        case headers
        /// A part's content.
        case body
        /// After the closing delimiter: bytes are ignored.
        case epilogue
        case failed(MultipartUploadError)
        case finished
    }

    private enum Part {
        case file
        case field(name: String)
        case ignored
    }

    private let sink: (ByteBuffer) throws -> Void
    /// Told each `file` part's `filename` as given (possibly empty) before its bytes; `nil` when one file only is allowed.
    private let fileStarted: ((String) throws -> Void)?
    /// `CRLF--BOUNDARY`.
    private let delimiter: [UInt8]
    private var state = State.preamble
    /// How many bytes of `delimiter` the bytes just read match (those bytes are held back from the part).
    private var matched = 2  // the body's first delimiter needs no CRLF before it
    private var headerLine: [UInt8] = []
    private var headerBytes = 0
    private var contentDisposition: String?
    private var part = Part.ignored
    private var fileName: String?
    private var fileBytes = 0
    private var fields: [String: String] = [:]
    private var fieldBytes = 0
    /// The field being read, and the bytes it will count (name and value); `nil` once it is dropped.
    private var fieldValue: [UInt8]? = []
    private var fieldCost = 0

    private static let cr = UInt8(ascii: "\r"), lf = UInt8(ascii: "\n"), dash = UInt8(ascii: "-")
    private static let space = UInt8(ascii: " "), tab = UInt8(ascii: "\t"), colon = UInt8(ascii: ":")

    /// - Parameters:
    ///   - contentType: the request's Content-Type value, such as `multipart/form-data; boundary=----x`.
    ///   - file: receives the `file` part's bytes, in order, as they arrive; what it throws, `consume` throws.
    public init(contentType: String, file: @escaping (ByteBuffer) throws -> Void) throws(MultipartUploadError) {
        let boundary = try Self.boundary(contentType: contentType)
        self.delimiter = Array("\r\n--\(boundary)".utf8)
        self.sink = file
        self.fileStarted = nil
    }

    /// A form with any number of parts named `file` (proof files of a claim): `fileStarted` is told each one's
    /// `filename` as given (possibly empty: a file input left empty) before `file` receives its bytes.
    public init(contentType: String, fileStarted: @escaping (String) throws -> Void, file: @escaping (ByteBuffer) throws -> Void) throws(MultipartUploadError) {
        let boundary = try Self.boundary(contentType: contentType)
        self.delimiter = Array("\r\n--\(boundary)".utf8)
        self.sink = file
        self.fileStarted = fileStarted
    }

    /// The boundary a `multipart/form-data` Content-Type value names, checked against RFC 2046.
    public static func boundary(contentType: String) throws(MultipartUploadError) -> String {
        let parts = parameters(contentType)
        guard let mediaType = parts.first, mediaType.value == nil, mediaType.name.lowercased() == "multipart/form-data" else {
            throw .notFormData
        }
        guard let boundary = parts.dropFirst().first(where: { $0.name.lowercased() == "boundary" })?.value else { throw .noBoundary }
        if boundary.isEmpty { throw .invalidBoundary("is empty") }
        if boundary.utf8.count > maximumBoundaryLength { throw .invalidBoundary("is longer than \(maximumBoundaryLength) characters") }
        // bchars: DIGIT / ALPHA / ' ( ) + _ , - . / : = ? and space, but not as the last character.
        let allowed = boundary.utf8.allSatisfy { byte in
            (byte >= UInt8(ascii: "0") && byte <= UInt8(ascii: "9")) || (byte >= UInt8(ascii: "a") && byte <= UInt8(ascii: "z"))
                || (byte >= UInt8(ascii: "A") && byte <= UInt8(ascii: "Z")) || Array("'()+_,-./:=? ".utf8).contains(byte)
        }
        guard allowed, boundary.utf8.last != space else {
            throw .invalidBoundary("may hold only letters, digits, spaces (not last) and ' ( ) + _ , - . / : = ?")
        }
        return boundary
    }

    /// Reads the next bytes of the body. Throws `MultipartUploadError` when they break the syntax (the upload
    /// stays failed), or what the `file` sink threw.
    public mutating func consume(_ chunk: ByteBuffer) throws {
        switch state {
        case .failed(let error): throw error
        case .finished: throw MultipartUploadError.alreadyFinished
        case .epilogue: return
        default: break
        }
        do {
            try chunk.withUnsafeReadableBytes { bytes in try read(bytes, of: chunk) }
        } catch let error as MultipartUploadError {
            state = .failed(error)
            throw error
        } catch {
            state = .finished  // the sink failed: the upload cannot go on
            throw error
        }
    }

    /// Ends the body: the file's name and the fields, or why the upload is refused.
    public mutating func finish() throws(MultipartUploadError) -> Result {
        switch state {
        case .failed(let error): throw error
        case .finished: throw .alreadyFinished
        case .epilogue: break
        default:
            state = .failed(.truncated)
            throw .truncated
        }
        state = .finished
        // A form of several files (proofs) may hold none: what it needs is for its reader to say.
        guard let fileName = fileName ?? (fileStarted != nil ? "" : nil) else { throw .noFilePart }
        return Result(fileName: fileName, fields: fields, fileBytes: fileBytes)
    }

    // MARK: - Reading

    private mutating func read(_ bytes: UnsafeRawBufferPointer, of chunk: ByteBuffer) throws {
        var index = 0
        let count = bytes.count
        while index < count {
            switch state {
            case .preamble, .body:
                if matched == 0 {
                    // Not inside a possible delimiter: everything up to the next CR is content.
                    let start = index
                    while index < count && bytes[index] != Self.cr { index += 1 }
                    if case .body = state, index > start { try content(chunk, from: start, count: index - start) }
                    if index == count { return }
                    matched = 1
                    index += 1
                    continue
                }
                let byte = bytes[index]
                if byte == delimiter[matched] {
                    matched += 1
                    index += 1
                    if matched == delimiter.count {
                        matched = 0
                        if case .body = state { try endPart() }
                        state = .afterDelimiter
                    }
                } else {
                    // Not a delimiter after all: the held-back bytes were content. No proper suffix of them can
                    // start a delimiter (only its first byte is a CR), so matching starts over at this byte.
                    if case .body = state, matched > 0 { try content(ByteBuffer(bytes: delimiter[0..<matched])) }
                    matched = 0
                }
            case .afterDelimiter:
                let byte = bytes[index]
                index += 1
                switch byte {
                case Self.dash: state = .closingDash
                case Self.cr: state = .delimiterCR
                case Self.space, Self.tab: state = .padding
                default: throw MultipartUploadError.malformed("a boundary is followed by other text")
                }
            case .closingDash:
                guard bytes[index] == Self.dash else { throw MultipartUploadError.malformed("a boundary is followed by other text") }
                state = .epilogue
                return  // what follows the closing delimiter is ignored
            case .padding:
                let byte = bytes[index]
                index += 1
                switch byte {
                case Self.space, Self.tab: break
                case Self.cr: state = .delimiterCR
                default: throw MultipartUploadError.malformed("a boundary is followed by other text")
                }
            case .delimiterCR:
                guard bytes[index] == Self.lf else { throw MultipartUploadError.malformed("a boundary line does not end with CRLF") }
                index += 1
                headerLine.removeAll(keepingCapacity: true)
                headerBytes = 0
                contentDisposition = nil
                state = .headers
            case .headers:
                let byte = bytes[index]
                index += 1
                headerBytes += 1
                if headerBytes > Self.maximumHeaderBytes {
                    throw MultipartUploadError.malformed("a part's headers are longer than \(Self.maximumHeaderBytes) bytes")
                }
                if byte != Self.lf {
                    headerLine.append(byte)
                    continue
                }
                if headerLine.last == Self.cr { headerLine.removeLast() }
                if headerLine.isEmpty {
                    try beginPart()
                    state = .body
                } else {
                    try header(headerLine)
                    headerLine.removeAll(keepingCapacity: true)
                }
            case .epilogue, .failed, .finished:
                return
            }
        }
    }

    /// One `Name: value` header line of a part.
    private mutating func header(_ line: [UInt8]) throws(MultipartUploadError) {
        guard let colon = line.firstIndex(of: Self.colon), colon > 0 else {
            throw .malformed("a part header line has no name")
        }
        guard line[..<colon].allSatisfy(Self.isTokenByte) else { throw .malformed("a part header name holds a character a name may not") }
        let name = String(decoding: line[..<colon], as: UTF8.self)
        guard name.lowercased() == "content-disposition" else { return }
        contentDisposition = String(decoding: line[(colon + 1)...], as: UTF8.self)
    }

    private mutating func beginPart() throws {
        let parameters = Self.parameters(contentDisposition ?? "")
        let name = parameters.dropFirst().first(where: { $0.name.lowercased() == "name" })?.value
        switch name {
        case "file"?:
            if fileName != nil && fileStarted == nil { throw MultipartUploadError.moreThanOneFilePart }
            let given = parameters.dropFirst().first(where: { $0.name.lowercased() == "filename" })?.value ?? ""
            if fileName == nil { fileName = given.isEmpty ? "upload.csv" : given }
            try fileStarted?(given)
            part = .file
        case let name? where !name.isEmpty:
            part = .field(name: name)
            fieldValue = []
            fieldCost = name.utf8.count
            if fieldBytes + fieldCost > Self.maximumFieldBytes { fieldValue = nil }
        default:
            part = .ignored
        }
    }

    private mutating func endPart() throws(MultipartUploadError) {
        if case .field(let name) = part, let value = fieldValue {
            // A field given twice is refused, never joined: "5" and "0" must not become 50.
            guard fields[name] == nil else { throw MultipartUploadError.repeatedField(name) }
            fieldBytes += fieldCost
            fields[name] = String(decoding: value, as: UTF8.self)
        }
        part = .ignored
        fieldValue = []
    }

    private mutating func content(_ chunk: ByteBuffer, from offset: Int, count: Int) throws {
        guard let slice = chunk.getSlice(at: chunk.readerIndex + offset, length: count) else { return }
        try content(slice)
    }

    private mutating func content(_ bytes: ByteBuffer) throws {
        switch part {
        case .file:
            fileBytes += bytes.readableBytes
            try sink(bytes)
        case .field:
            guard fieldValue != nil else { return }
            fieldCost += bytes.readableBytes
            if fieldBytes + fieldCost > Self.maximumFieldBytes {
                fieldValue = nil  // too long: dropped whole, never cut short
            } else {
                fieldValue!.append(contentsOf: bytes.readableBytesView)
            }
        case .ignored:
            break
        }
    }

    // MARK: - Header values

    private static func isTokenByte(_ byte: UInt8) -> Bool {
        guard byte > 0x20 && byte < 0x7F else { return false }
        return !Array("\"(),/:;<=>?@[\\]{}".utf8).contains(byte)
    }

    /// `form-data; name="file"; filename="a;b.csv"` → `[("form-data", nil), ("name", "file"), ("filename", "a;b.csv")]`:
    /// `;`-separated, names trimmed, values unquoted (backslash escapes honoured; `;` inside quotes kept).
    static func parameters(_ text: String) -> [(name: String, value: String?)] {
        var result: [(name: String, value: String?)] = []
        var scalars = Substring(text).unicodeScalars[...]
        while true {
            var name = "", value: String?, quoted = false
            while let scalar = scalars.first, scalar != ";" {
                scalars.removeFirst()
                if value == nil {
                    if scalar == "=" { value = "" } else { name.unicodeScalars.append(scalar) }
                    continue
                }
                if !quoted && scalar == "\"" && value!.unicodeScalars.allSatisfy({ $0 == " " || $0 == "\t" }) {
                    // A quoted string: up to its closing quote, `\x` standing for `x`.
                    quoted = true
                    value = ""
                    while let inner = scalars.popFirst(), inner != "\"" {
                        if inner == "\\", let escaped = scalars.popFirst() {
                            value!.unicodeScalars.append(escaped)
                        } else if inner != "\\" {
                            value!.unicodeScalars.append(inner)
                        }
                    }
                    continue
                }
                if !quoted { value!.unicodeScalars.append(scalar) }
            }
            let trimmedName = trimmed(name)
            let finalValue = quoted ? value : value.map(trimmed)
            if !(trimmedName.isEmpty && finalValue == nil) { result.append((trimmedName, finalValue)) }
            guard scalars.popFirst() != nil else { return result }
        }
    }

    private static func trimmed(_ text: String) -> String {
        var scalars = Substring(text).unicodeScalars[...]
        while let first = scalars.first, first == " " || first == "\t" { scalars.removeFirst() }
        while let last = scalars.last, last == " " || last == "\t" { scalars.removeLast() }
        return String(scalars)
    }
}
