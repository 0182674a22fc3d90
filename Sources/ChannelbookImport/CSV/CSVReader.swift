import Foundation

/// One CSV record and the physical line it starts on (1-based, header included).
public struct CSVRecord: Sendable {
    public let line: Int
    public let fields: [String]
}

/// Why a CSV file could not be read as CSV at all: the line and what is wrong there.
public struct CSVError: Error, Equatable, Sendable, CustomStringConvertible {
    public let line: Int
    public let message: String

    public var description: String { "line \(line): \(message)" }
}

/// Bounds on what one CSV file may contain, so a malformed or hostile file cannot exhaust memory.
public struct CSVLimits: Sendable {
    public var maximumFieldBytes = 10_000
    public var maximumFields = 64
    public var maximumRecords = 200_000_000

    public static let standard = CSVLimits()
}

/// Reads RFC 4180 CSV as a stream of records, a buffer at a time: memory stays flat whatever the file size.
///
/// Accepts a UTF-8 byte-order mark, LF or CRLF line ends, quoted fields holding commas, doubled quotes
/// and line breaks. Refuses invalid UTF-8, an unterminated quote, text after a closing quote, and a quote
/// inside an unquoted field, naming the line. Blank lines are skipped.
public final class CSVReader {
    private let handle: FileHandle?
    private var buffer: [UInt8]
    private var position = 0
    private var end = 0
    private var exhausted = false
    /// Bytes taken from the file so far (buffered ones included).
    private var taken: Int64 = 0
    private var line = 1
    private var recordsRead = 0
    private var started = false
    private var field: [UInt8] = []
    private let limits: CSVLimits

    private static let chunkBytes = 1 << 20
    private static let quote = UInt8(ascii: "\""), comma = UInt8(ascii: ","), cr = UInt8(ascii: "\r"), lf = UInt8(ascii: "\n")

    /// Opens `path` for reading; throws when it cannot be opened.
    public init(path: String, limits: CSVLimits = .standard) throws {
        guard let handle = FileHandle(forReadingAtPath: path) else {
            throw CSVError(line: 0, message: "cannot open the file")
        }
        self.handle = handle
        self.buffer = []
        self.limits = limits
        field.reserveCapacity(256)
    }

    /// Reads from bytes in memory (tests, uploads already held in memory).
    public init(bytes: [UInt8], limits: CSVLimits = .standard) {
        self.handle = nil
        self.buffer = bytes
        self.end = bytes.count
        self.exhausted = true
        self.taken = Int64(bytes.count)
        self.limits = limits
    }

    deinit { try? handle?.close() }

    /// How many bytes of the file the records read so far span (for progress).
    public var bytesRead: Int64 { taken - Int64(end - position) }

    /// The next record, or `nil` at the end of the file.
    public func next() throws(CSVError) -> CSVRecord? {
        if !started {
            started = true
            skipByteOrderMark()
        }
        while true {
            guard let first = peek() else { return nil }
            if first == Self.lf || first == Self.cr {
                consumeLineEnd()  // a blank line is not a record
                continue
            }
            break
        }
        recordsRead += 1
        if recordsRead > limits.maximumRecords {
            throw CSVError(line: line, message: "the file has more than \(limits.maximumRecords) records")
        }
        let startLine = line
        var fields: [String] = []
        fields.reserveCapacity(12)
        while true {
            try readField(startLine: startLine)
            fields.append(try fieldText(number: fields.count + 1))
            if fields.count > limits.maximumFields {
                throw CSVError(line: startLine, message: "more than \(limits.maximumFields) fields")
            }
            guard let delimiter = take() else { break }
            if delimiter == Self.comma { continue }
            if delimiter == Self.cr && peek() == Self.lf { position += 1 }
            line += 1
            break
        }
        return CSVRecord(line: startLine, fields: fields)
    }

    /// Reads one field into `field`, leaving the delimiter (or end of file) unread.
    private func readField(startLine: Int) throws(CSVError) {
        field.removeAll(keepingCapacity: true)
        if peek() == Self.quote {
            position += 1
            while true {
                guard let byte = take() else {
                    throw CSVError(line: startLine, message: "a quoted field is not closed before the end of the file")
                }
                if byte == Self.quote {
                    if peek() == Self.quote {
                        position += 1
                        try append(Self.quote)
                        continue
                    }
                    if let after = peek(), after != Self.comma, after != Self.lf, after != Self.cr {
                        throw CSVError(line: line, message: "unexpected text after a closing quote")
                    }
                    return
                }
                if byte == Self.lf { line += 1 }
                try append(byte)
            }
        }
        // Unquoted: scan the buffered bytes for the next delimiter and copy the run at once.
        while position < end || refill(needed: 1) {
            let start = position, limit = end
            let stop = buffer.withUnsafeBufferPointer { bytes in
                var index = start
                while index < limit {
                    let byte = bytes[index]
                    if byte == Self.comma || byte == Self.lf || byte == Self.cr || byte == Self.quote { break }
                    index += 1
                }
                return index
            }
            if field.count + (stop - start) > limits.maximumFieldBytes {
                throw CSVError(line: line, message: "a field is longer than \(limits.maximumFieldBytes) bytes")
            }
            field.append(contentsOf: buffer[start..<stop])
            position = stop
            if stop < limit {
                if buffer[stop] == Self.quote {
                    throw CSVError(line: line, message: "a quote inside an unquoted field (quote the whole field and double the quote)")
                }
                return
            }
        }
    }

    /// The field as a String: ASCII (most fields) needs no validation; anything else must be valid UTF-8.
    private func fieldText(number: Int) throws(CSVError) -> String {
        if field.allSatisfy({ $0 < 0x80 }) { return String(decoding: field, as: UTF8.self) }
        guard let text = String(validating: field, as: UTF8.self) else {
            throw CSVError(line: line, message: "field \(number) is not valid UTF-8")
        }
        return text
    }

    private func append(_ byte: UInt8) throws(CSVError) {
        if field.count >= limits.maximumFieldBytes {
            throw CSVError(line: line, message: "a field is longer than \(limits.maximumFieldBytes) bytes")
        }
        field.append(byte)
    }

    private func consumeLineEnd() {
        if take() == Self.cr && peek() == Self.lf { position += 1 }
        line += 1
    }

    private func skipByteOrderMark() {
        if peek() == 0xEF && peek(offset: 1) == 0xBB && peek(offset: 2) == 0xBF { position += 3 }
    }

    @inline(__always) private func peek(offset: Int = 0) -> UInt8? {
        if position + offset >= end && !refill(needed: offset + 1) { return nil }
        return buffer[position + offset]
    }

    @inline(__always) private func take() -> UInt8? {
        guard let byte = peek() else { return nil }
        position += 1
        return byte
    }

    /// Makes at least `needed` unread bytes available if the file has them.
    private func refill(needed: Int) -> Bool {
        while end - position < needed {
            if exhausted { return false }
            let chunk = (try? handle?.read(upToCount: Self.chunkBytes)) ?? nil
            guard let chunk, !chunk.isEmpty else {
                exhausted = true
                return end - position >= needed
            }
            taken += Int64(chunk.count)
            buffer.removeSubrange(0..<position)
            end -= position
            position = 0
            buffer.append(contentsOf: chunk)
            end = buffer.count
        }
        return true
    }
}
