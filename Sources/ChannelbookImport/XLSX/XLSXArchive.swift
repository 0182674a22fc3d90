import Foundation
import ZIPFoundation
#if canImport(FoundationXML)
import FoundationXML
#endif
#if canImport(Glibc)
import Glibc
private let posixWrite = Glibc.write
private let posixClose = Glibc.close
#elseif canImport(Darwin)
import Darwin
private let posixWrite = Darwin.write
private let posixClose = Darwin.close
#endif

/// The workbook's ZIP container, read by this small reader of the central directory rather than by ZIPFoundation's
/// `Archive`: on a damaged deflate stream, `Archive.extract` 0.9.20 reads past the end of the file and loops for
/// ever, and hands zlib a short last chunk with a full-size length. Here each entry's compressed bytes are bounded
/// by its recorded size, supplied to ZIPFoundation's `Data.decompress` in full-size chunks (the last one padded
/// with zeros, which inflate refuses as a block), and a request past the end is an error.
///
/// Entries are inflated one at a time into a private temporary file with a ceiling checked on every chunk,
/// because a header's declared size is whatever the file's author wrote and a few kilobytes of deflate can
/// expand to gigabytes.
struct XLSXArchive {
    private let handle: FileHandle
    private let fileSize: UInt64
    private let entries: [String: ZipEntry]

    /// What the central directory records about one file entry.
    private struct ZipEntry {
        var method: UInt16
        var checksum: UInt32
        var compressedSize: UInt64
        var uncompressedSize: UInt64
        var localHeaderOffset: UInt64
    }

    private static let chunkSize = 64 * 1024
    private static let centralDirectoryByteLimit: UInt64 = 16 * 1024 * 1024

    init(path: String) throws(CSVError) {
        guard let handle = FileHandle(forReadingAtPath: path) else {
            throw CSVError(line: 0, message: "cannot open the file")
        }
        self.handle = handle
        do {
            fileSize = try handle.seekToEnd()
        } catch {
            throw Self.notAWorkbook
        }
        entries = try Self.readCentralDirectory(handle, fileSize: fileSize)
    }

    /// Whether the archive holds a file entry at `path`.
    func contains(_ path: String) -> Bool { entries[path.lowercased()] != nil }

    /// Inflates the entry at `path` into a private temporary file, hands its URL to `body`, then deletes the file
    /// whatever happens, so nothing of the workbook outlives the call.
    /// - Parameter limit: the most uncompressed bytes accepted; past it the entry is refused as a ZIP bomb.
    func withEntry<T>(_ path: String, limit: Int64, _ body: (URL) throws(CSVError) -> T) throws(CSVError) -> T {
        guard let entry = entries[path.lowercased()] else {
            throw CSVError(line: 0, message: "the workbook has no part \(path)")
        }
        guard entry.uncompressedSize <= UInt64(limit) else { throw Self.tooLarge(path, limit) }
        let file = try PrivateTemporaryFile()
        defer { file.remove() }
        try extract(entry, path: path, limit: limit, into: file)
        file.close()
        return try body(file.url)
    }

    // MARK: Extraction

    private func extract(_ entry: ZipEntry, path: String, limit: Int64, into file: PrivateTemporaryFile) throws(CSVError) {
        let damaged = CSVError(line: 0, message: "the workbook is damaged: \(path) cannot be decompressed")
        let dataOffset = try self.dataOffset(of: entry)
        var written: Int64 = 0
        var refusal: CSVError?
        let consumer: Consumer = { chunk in
            written += Int64(chunk.count)
            if written > limit { refusal = Self.tooLarge(path, limit) }
            if refusal == nil, !file.write(chunk) { refusal = CSVError(line: 0, message: "cannot write a temporary file") }
            if refusal != nil { throw ExtractionStopped() }
        }
        let checksum: CRC32
        do {
            switch entry.method {
            case 0: checksum = try copyStored(entry, from: dataOffset, to: consumer)
            case 8:
                checksum = try Data.decompress(size: Int64(entry.compressedSize), bufferSize: Self.chunkSize, skipCRC32: false,
                                               provider: boundedProvider(from: dataOffset, count: entry.compressedSize),
                                               consumer: consumer)
            default:
                throw CSVError(line: 0, message: "\(path) uses an unsupported compression method (\(entry.method))")
            }
        } catch let error as CSVError {
            throw error
        } catch {
            throw refusal ?? damaged
        }
        guard checksum == entry.checksum else {
            throw CSVError(line: 0, message: "the workbook is damaged: \(path) fails its checksum")
        }
    }

    /// Supplies exactly `count` bytes from `offset` in full `size` chunks, the last padded with zeros, and throws
    /// when asked for more: that is how a deflate stream that never ends is stopped.
    private func boundedProvider(from offset: UInt64, count: UInt64) -> Provider {
        var position = offset
        var remaining = count
        return { _, size in
            guard remaining > 0 else { throw ExtractionStopped() }
            let take = Int(min(UInt64(size), remaining))
            var chunk = try self.read(at: position, count: take)
            position += UInt64(take)
            remaining -= UInt64(take)
            if chunk.count < size { chunk.append(Data(count: size - chunk.count)) }
            return chunk
        }
    }

    private func copyStored(_ entry: ZipEntry, from offset: UInt64, to consumer: Consumer) throws -> CRC32 {
        guard entry.compressedSize == entry.uncompressedSize else { throw ExtractionStopped() }
        var checksum: CRC32 = 0
        var position = offset
        var remaining = entry.compressedSize
        while remaining > 0 {
            let take = Int(min(UInt64(Self.chunkSize), remaining))
            let chunk = try read(at: position, count: take)
            checksum = chunk.crc32(checksum: checksum)
            try consumer(chunk)
            position += UInt64(take)
            remaining -= UInt64(take)
        }
        return checksum
    }

    /// Where an entry's data starts: after its local header, whose name and extra field lengths may differ from
    /// the central directory's.
    private func dataOffset(of entry: ZipEntry) throws(CSVError) -> UInt64 {
        guard let header = try? read(at: entry.localHeaderOffset, count: 30),
              Self.little(header, 0, 4) == 0x0403_4B50,
              let nameLength = Self.little(header, 26, 2), let extraLength = Self.little(header, 28, 2)
        else { throw Self.notAWorkbook }
        // Checked: a hostile header offset near 2^64 must not overflow (a trap) on its way to being refused.
        let (offset, overflow) = entry.localHeaderOffset.addingReportingOverflow(30 + nameLength + extraLength)
        guard !overflow, offset <= fileSize, entry.compressedSize <= fileSize - offset else { throw Self.notAWorkbook }
        return offset
    }

    private func read(at offset: UInt64, count: Int) throws -> Data {
        try Self.requireWithinFile(handle, offset: offset, count: count)
        try handle.seek(toOffset: offset)
        let data = try handle.read(upToCount: count) ?? Data()
        guard data.count == count else { throw ExtractionStopped() }
        return data
    }

    // MARK: Central directory

    private static func readCentralDirectory(_ handle: FileHandle, fileSize: UInt64) throws(CSVError) -> [String: ZipEntry] {
        let tailLength = min(fileSize, 22 + 65_535)
        guard tailLength >= 22,
              let tail = try? readBytes(handle, at: fileSize - tailLength, count: Int(tailLength)),
              let end = tail.indices.reversed().first(where: { $0 + 22 <= tail.count && little(tail, $0, 4) == 0x0605_4B50 }),
              var location = DirectoryLocation(endRecord: tail, at: end)
        else { throw notAWorkbook }
        if location.needsZip64 {
            location = try zip64Location(handle, tail: tail, endRecordAt: end)
        }
        guard location.size <= centralDirectoryByteLimit, location.offset <= fileSize, location.size <= fileSize - location.offset,
              let directory = try? readBytes(handle, at: location.offset, count: Int(location.size))
        else { throw notAWorkbook }
        return try parseEntries(directory)
    }

    /// Where the central directory is and how large, from the end-of-central-directory record.
    private struct DirectoryLocation {
        var offset: UInt64
        var size: UInt64
        var needsZip64: Bool

        init?(endRecord bytes: [UInt8], at index: Int) {
            guard let size = XLSXArchive.little(bytes, index + 12, 4), let offset = XLSXArchive.little(bytes, index + 16, 4),
                  let count = XLSXArchive.little(bytes, index + 10, 2)
            else { return nil }
            self.offset = offset
            self.size = size
            needsZip64 = offset == 0xFFFF_FFFF || size == 0xFFFF_FFFF || count == 0xFFFF
        }

        init(offset: UInt64, size: UInt64) {
            self.offset = offset
            self.size = size
            needsZip64 = false
        }
    }

    /// The ZIP64 end record, found through the locator just before the classic end record.
    private static func zip64Location(_ handle: FileHandle, tail: [UInt8], endRecordAt end: Int) throws(CSVError) -> DirectoryLocation {
        let locator = end - 20
        guard locator >= 0, little(tail, locator, 4) == 0x0706_4B50, let recordOffset = little(tail, locator + 8, 8),
              let record = try? readBytes(handle, at: recordOffset, count: 56),
              little(record, 0, 4) == 0x0606_4B50,
              let size = little(record, 40, 8), let offset = little(record, 48, 8)
        else { throw notAWorkbook }
        return DirectoryLocation(offset: offset, size: size)
    }

    private static func parseEntries(_ directory: [UInt8]) throws(CSVError) -> [String: ZipEntry] {
        var entries: [String: ZipEntry] = [:]
        var index = 0
        while index + 46 <= directory.count, little(directory, index, 4) == 0x0201_4B50 {
            guard let flags = little(directory, index + 8, 2), let method = little(directory, index + 10, 2),
                  let checksum = little(directory, index + 16, 4),
                  let compressed = little(directory, index + 20, 4), let uncompressed = little(directory, index + 24, 4),
                  let nameLength = little(directory, index + 28, 2), let extraLength = little(directory, index + 30, 2),
                  let commentLength = little(directory, index + 32, 2), let offset = little(directory, index + 42, 4)
            else { throw notAWorkbook }
            let nameStart = index + 46, extraStart = nameStart + Int(nameLength)
            let next = extraStart + Int(extraLength) + Int(commentLength)
            guard next <= directory.count else { throw notAWorkbook }
            guard flags & 1 == 0 else { throw CSVError(line: 0, message: "the workbook is encrypted") }
            let name = String(decoding: directory[nameStart..<extraStart], as: UTF8.self)
            var entry = ZipEntry(method: UInt16(method), checksum: UInt32(checksum), compressedSize: compressed,
                                 uncompressedSize: uncompressed, localHeaderOffset: offset)
            try applyZip64(Array(directory[extraStart..<extraStart + Int(extraLength)]), to: &entry)
            if !name.hasSuffix("/"), entries[name.lowercased()] == nil { entries[name.lowercased()] = entry }
            index = next
        }
        return entries
    }

    /// Replaces sizes and offset recorded as 0xFFFFFFFF with their 64-bit values from the ZIP64 extra field,
    /// which lists only those, in this order.
    private static func applyZip64(_ extra: [UInt8], to entry: inout ZipEntry) throws(CSVError) {
        let marker: UInt64 = 0xFFFF_FFFF
        guard entry.uncompressedSize == marker || entry.compressedSize == marker || entry.localHeaderOffset == marker else { return }
        var index = 0
        while index + 4 <= extra.count {
            guard let id = little(extra, index, 2), let length = little(extra, index + 2, 2) else { break }
            var field = index + 4
            if id == 1 {
                for keyPath in [\ZipEntry.uncompressedSize, \ZipEntry.compressedSize, \ZipEntry.localHeaderOffset]
                where entry[keyPath: keyPath] == marker {
                    guard field + 8 <= index + 4 + Int(length), let value = little(extra, field, 8) else { throw notAWorkbook }
                    entry[keyPath: keyPath] = value
                    field += 8
                }
                return
            }
            index += 4 + Int(length)
        }
        throw notAWorkbook
    }

    /// `count` bytes at `offset`. Offsets come from the file: one past its end is refused before seeking, because
    /// Foundation's `seek(toOffset:)` traps on an offset at or above 2^63 (`off_t`), and a trap ends the server.
    private static func readBytes(_ handle: FileHandle, at offset: UInt64, count: Int) throws -> [UInt8] {
        try requireWithinFile(handle, offset: offset, count: count)
        try handle.seek(toOffset: offset)
        let data = try handle.read(upToCount: count) ?? Data()
        guard data.count == count else { throw ExtractionStopped() }
        return Array(data)
    }

    /// Refuses a read that would start or end past the file's end (so no seek ever sees an offset beyond it).
    private static func requireWithinFile(_ handle: FileHandle, offset: UInt64, count: Int) throws {
        let size = try handle.seekToEnd()
        guard count >= 0, offset <= size, UInt64(count) <= size - offset else { throw ExtractionStopped() }
    }

    /// A little-endian unsigned integer of `width` bytes at `index`; nil when it runs past the end.
    static func little(_ bytes: [UInt8], _ index: Int, _ width: Int) -> UInt64? {
        guard index >= 0, index + width <= bytes.count else { return nil }
        var value: UInt64 = 0
        for position in (index..<index + width).reversed() { value = value << 8 | UInt64(bytes[position]) }
        return value
    }

    static func little(_ data: Data, _ index: Int, _ width: Int) -> UInt64? { little(Array(data), index, width) }

    private static let notAWorkbook = CSVError(line: 0, message: "the file is not a readable workbook (not a valid ZIP archive)")

    private static func tooLarge(_ path: String, _ limit: Int64) -> CSVError {
        CSVError(line: 0, message: "\(path) is larger than \(limit / (1024 * 1024)) MiB uncompressed; refused")
    }

    private struct ExtractionStopped: Error {}
}

/// A temporary file created with mkstemp (O_EXCL, mode 0600) so no other user can read or pre-create it.
/// Its owner must call `remove()` (done with `defer`) on every path.
final class PrivateTemporaryFile {
    let url: URL
    private var descriptor: Int32
    private var removed = false

    init() throws(CSVError) {
        var template = Array((NSTemporaryDirectory() as NSString).appendingPathComponent("xlsx-XXXXXXXX").utf8CString)
        let descriptor = template.withUnsafeMutableBufferPointer { buffer -> Int32 in
            guard let base = buffer.baseAddress else { return -1 }
            return mkstemp(base)
        }
        guard descriptor >= 0 else { throw CSVError(line: 0, message: "cannot create a temporary file") }
        self.descriptor = descriptor
        let path = template.withUnsafeBufferPointer { buffer in
            String(decoding: buffer.prefix { $0 != 0 }.map { UInt8(bitPattern: $0) }, as: UTF8.self)
        }
        url = URL(fileURLWithPath: path)
    }

    /// Writes all of `data`, retrying short writes; false on an I/O error.
    func write(_ data: Data) -> Bool {
        guard descriptor >= 0 else { return false }
        return data.withUnsafeBytes { (raw: UnsafeRawBufferPointer) -> Bool in
            var offset = 0
            while offset < raw.count {
                guard let base = raw.baseAddress else { return false }
                let count = posixWrite(descriptor, base + offset, raw.count - offset)
                if count < 0 && errno == EINTR { continue }
                guard count > 0 else { return false }
                offset += count
            }
            return true
        }
    }

    func close() {
        if descriptor >= 0 { _ = posixClose(descriptor) }
        descriptor = -1
    }

    /// Closes and deletes the file, once: a second unlink could hit a new file that reused the name.
    func remove() {
        close()
        guard !removed else { return }
        removed = true
        _ = unlink(url.path)
    }

    deinit { remove() }
}

/// What reads one XML part: names arrive without their namespace prefix (some writers use `x:row`), and
/// `failure` set by the handler stops the parse at once.
protocol XMLPartHandler: AnyObject {
    var failure: CSVError? { get }
    /// The line to blame when the XML itself is malformed (the sheet's current row; 0 for other parts).
    var lineForMalformedXML: Int { get }
    func start(_ name: Substring, _ attributes: [String: String])
    func end(_ name: Substring)
    func text(_ text: String)
}

/// Parses the XML file at `url` as a stream (XMLParser reads an InputStream a chunk at a time, so a large sheet
/// is never loaded whole) and forwards its events to `handler`.
func parseXMLPart(at url: URL, named part: String, with handler: XMLPartHandler) throws(CSVError) {
    guard !declaresDocumentType(url) else {
        throw CSVError(line: 0, message: "\(part) has a document type declaration, which a workbook never has; refused")
    }
    guard let stream = InputStream(url: url) else {
        throw CSVError(line: 0, message: "cannot read \(part) from a temporary file")
    }
    let parser = XMLParser(stream: stream)
    parser.shouldResolveExternalEntities = false
    let forwarder = XMLEventForwarder(handler)
    parser.delegate = forwarder
    let finished = parser.parse()
    parser.delegate = nil
    if forwarder.declaredEntity { throw CSVError(line: 0, message: "\(part) declares an entity, which a workbook never does; refused") }
    if let failure = handler.failure { throw failure }
    if !finished {
        let code = (parser.parserError as NSError?)?.code ?? 0
        throw CSVError(line: handler.lineForMalformedXML, message: "\(part) is not well-formed XML (parser error \(code))")
    }
}

/// Whether the XML at `url` has a `<!DOCTYPE` before its root element. Workbook parts never do, and a DTD is how
/// entity-expansion bombs and external entities get in, so such a part is refused before parsing. The prolog is
/// scanned in its first 64 KiB (NUL bytes dropped so UTF-16 reads as ASCII); a prolog longer than that counts as one.
func declaresDocumentType(_ url: URL) -> Bool {
    guard let handle = try? FileHandle(forReadingFrom: url) else { return true }
    defer { try? handle.close() }
    let head = ((try? handle.read(upToCount: 64 * 1024)) ?? Data()).filter { $0 != 0 }
    var text = Substring(String(decoding: head, as: UTF8.self))
    while true {
        text = text.drop { $0.isWhitespace || $0 == "\u{FEFF}" }
        if text.hasPrefix("<?") {
            guard let end = text.range(of: "?>") else { return true }
            text = text[end.upperBound...]
        } else if text.hasPrefix("<!--") {
            guard let end = text.range(of: "-->") else { return true }
            text = text[end.upperBound...]
        } else {
            // Only a root element's start passes: anything else (`<!`, or bytes this scan cannot read as ASCII, such
            // as a UTF-16 byte-order mark) is refused rather than handed to a parser that expands entities.
            guard !text.isEmpty else { return true }
            return !(text.hasPrefix("<") && text.dropFirst().first.map { $0.isLetter || $0 == "_" } == true)
        }
    }
}

/// Adapts XMLParser's delegate callbacks to an `XMLPartHandler`. A parse error stops the parse at once:
/// libxml2 would otherwise recover and report elements the file does not really have.
private final class XMLEventForwarder: NSObject, XMLParserDelegate {
    private let handler: XMLPartHandler

    init(_ handler: XMLPartHandler) { self.handler = handler }

    private func localName(_ name: String) -> Substring {
        guard let colon = name.lastIndex(of: ":") else { return Substring(name) }
        return name[name.index(after: colon)...]
    }

    private func stopIfFailed(_ parser: XMLParser) {
        if handler.failure != nil { parser.abortParsing() }
    }

    func parser(_ parser: XMLParser, didStartElement elementName: String, namespaceURI: String?,
                qualifiedName qName: String?, attributes attributeDict: [String: String] = [:]) {
        handler.start(localName(elementName), attributeDict)
        stopIfFailed(parser)
    }

    func parser(_ parser: XMLParser, didEndElement elementName: String, namespaceURI: String?, qualifiedName qName: String?) {
        handler.end(localName(elementName))
        stopIfFailed(parser)
    }

    func parser(_ parser: XMLParser, foundCharacters string: String) {
        handler.text(string)
        stopIfFailed(parser)
    }

    func parser(_ parser: XMLParser, foundCDATA CDATABlock: Data) {
        handler.text(String(decoding: CDATABlock, as: UTF8.self))
        stopIfFailed(parser)
    }

    func parser(_ parser: XMLParser, parseErrorOccurred parseError: Error) {
        parser.abortParsing()
    }

    /// A DTD the prolog scan missed: its first entity declaration stops the parse before anything is expanded.
    private(set) var declaredEntity = false

    func parser(_ parser: XMLParser, foundInternalEntityDeclarationWithName name: String, value: String?) {
        declaredEntity = true
        parser.abortParsing()
    }

    func parser(_ parser: XMLParser, foundExternalEntityDeclarationWithName name: String, publicID: String?, systemID: String?) {
        declaredEntity = true
        parser.abortParsing()
    }
}
