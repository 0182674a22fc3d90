import ChannelbookCore
import Foundation

/// Reads an import file's header and hands each data record to `row`, collecting every problem. A CSV file, or an
/// Excel workbook's first worksheet (told by its ZIP signature, whatever its name): the same columns, the same checks,
/// problems as `FILE:ROW: column: problem`.
///
/// CSV-level errors (an unterminated quote) end the reading: what follows cannot be trusted.
public enum ImportFile {
    /// - Parameters:
    ///   - path: the file to read; `name` is how problems name it.
    ///   - row: called for each record after the header, with the header and the running problem list.
    public static func read(
        path: String, name: String, required: [String], optional: [String] = [],
        row: (CSVRecord, CSVHeader, inout ImportProblems) async throws -> Void
    ) async throws -> ImportProblems {
        try await read(path: path, name: name, required: required, optional: optional, parse: { record, header, _ in (record, header) }) { _, parsed, problems in
            try await row(parsed.0, parsed.1, &problems)
        }
    }

    /// Reads like `read(path:name:required:optional:row:)`, with each record first given to `parse`: for a CSV file on
    /// the reading thread, a chunk ahead of `row` (a sales line's fields are checked there while the import resolves and
    /// stores the lines before it). What `parse` reports is added to the problem list, in file order, just before `row`
    /// gets the record's line number and what `parse` made of it (the record's fields stay on the reading thread).
    public static func read<Parsed: Sendable>(
        path: String, name: String, required: [String], optional: [String] = [],
        parse: @escaping @Sendable (CSVRecord, CSVHeader, inout ImportProblems) -> Parsed,
        row: (_ line: Int, Parsed, inout ImportProblems) async throws -> Void
    ) async throws -> ImportProblems {
        var problems = ImportProblems(file: name)
        let source: RecordSource
        do { source = try RecordSource(path: path) } catch {
            problems.add(line: 0, field: "", error.message)
            return problems
        }
        do {
            guard let headerRecord = try source.next() else {
                problems.add(line: 1, field: "", "the file is empty: a header row is required (\(required.joined(separator: ",")))")
                return problems
            }
            let header: CSVHeader
            switch CSVHeader.read(headerRecord, required: required, optional: optional, file: name) {
            case .success(let found): header = found
            case .failure(let headerProblems): return headerProblems
            }
            let records = source.parsed { record in
                var found = ImportProblems(file: name)
                let parsed = parse(record, header, &found)
                return ParsedRecord(line: record.line, parsed: parsed, problems: found.isEmpty ? nil : found)
            }
            // Whoever watches hears of the reading every few thousand records: one check per record otherwise.
            let observer = WorkProgress.observer
            let size = observer == nil || records.bytesRead == nil ? nil : Self.size(of: path)
            var count = 0
            while let next = try records.next() {
                if let found = next.problems { problems.merge(found) }
                try await row(next.line, next.parsed, &problems)
                count += 1
                if let observer, count & 4095 == 0 {
                    observer.report(WorkProgress(task: "reading \(name)", done: records.bytesRead ?? 0, total: size, records: count))
                }
            }
            observer?.report(WorkProgress(task: "reading \(name)", done: records.bytesRead ?? 0, total: size, records: count))
        } catch let error as CSVError {
            problems.add(error)
        }
        return problems
    }
}

/// A record's line and what `parse` made of it, with the problems it found (nil when none: most lines).
struct ParsedRecord<Parsed: Sendable>: Sendable {
    let line: Int
    let parsed: Parsed
    let problems: ImportProblems?
}

/// Where an import's records come from: CSV text streamed a buffer at a time, or a workbook's first worksheet.
enum RecordSource {
    case csv(CSVReader)
    case workbook(XLSXReader)

    init(path: String) throws(CSVError) {
        if XLSXReader.isWorkbook(path: path) {
            self = .workbook(try XLSXReader(path: path))
        } else {
            do { self = .csv(try CSVReader(path: path)) } catch { throw CSVError(line: 0, message: "cannot open the file") }
        }
    }

    func next() throws(CSVError) -> CSVRecord? {
        switch self {
        case .csv(let reader): return try reader.next()
        case .workbook(let reader): return try reader.next()
        }
    }

    /// The records after the header, each transformed: a CSV file's on a reading thread of its own (`PrefetchedRecords`),
    /// a workbook's here (its sheet is already read whole before its first row).
    func parsed<Element>(_ transform: @escaping (CSVRecord) -> Element) -> TransformedRecords<Element> {
        switch self {
        case .csv(let reader): return .prefetched(PrefetchedRecords(reader, transform: transform))
        case .workbook(let reader): return .inline(reader, transform)
        }
    }
}

/// The records of `RecordSource.parsed`.
enum TransformedRecords<Element> {
    case prefetched(PrefetchedRecords<Element>)
    case inline(XLSXReader, (CSVRecord) -> Element)

    func next() throws(CSVError) -> Element? {
        switch self {
        case .prefetched(let records): return try records.next()
        case .inline(let reader, let transform): return try reader.next().map(transform)
        }
    }

    /// Bytes of the file behind the records read so far; nil for a workbook (read whole before its first row).
    var bytesRead: Int64? {
        switch self {
        case .prefetched(let records): return records.bytesRead
        case .inline: return nil
        }
    }
}

extension ImportFile {
    /// The file's size in bytes, or nil when it cannot be read (progress then shows no percentage).
    static func size(of path: String) -> Int64? {
        (try? FileManager.default.attributesOfItem(atPath: path)[.size] as? NSNumber)?.int64Value
    }
}

/// Bounds how many data rows one import file may hold, so a wrong file is refused instead of held in memory.
public struct RowLimit: Sendable {
    public let maximum: Int
    public let noun: String
    public private(set) var rows = 0

    public init(maximum: Int, noun: String) {
        self.maximum = maximum
        self.noun = noun
    }

    /// Counts a row; false (with one problem recorded, at the first row over) once the limit is passed.
    public mutating func admit(_ record: CSVRecord, _ problems: inout ImportProblems) -> Bool {
        rows += 1
        if rows == maximum + 1 { problems.add(line: record.line, field: "", "more than \(maximum) \(noun) in one file") }
        return rows <= maximum
    }
}
