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
        var problems = ImportProblems(file: name)
        let reader: RecordSource
        do { reader = try RecordSource(path: path) } catch {
            problems.add(line: 0, field: "", error.message)
            return problems
        }
        do {
            guard let headerRecord = try reader.next() else {
                problems.add(line: 1, field: "", "the file is empty: a header row is required (\(required.joined(separator: ",")))")
                return problems
            }
            let header: CSVHeader
            switch CSVHeader.read(headerRecord, required: required, optional: optional, file: name) {
            case .success(let found): header = found
            case .failure(let headerProblems): return headerProblems
            }
            // Whoever watches hears of the reading every few thousand records: one check per record otherwise.
            let observer = WorkProgress.observer
            let size = observer == nil || reader.bytesRead == nil ? nil : Self.size(of: path)
            var records = 0
            while let record = try reader.next() {
                try await row(record, header, &problems)
                records += 1
                if let observer, records & 4095 == 0 {
                    observer.report(WorkProgress(task: "reading \(name)", done: reader.bytesRead ?? 0, total: size, records: records))
                }
            }
            observer?.report(WorkProgress(task: "reading \(name)", done: reader.bytesRead ?? 0, total: size, records: records))
        } catch let error as CSVError {
            problems.add(error)
        }
        return problems
    }
}

/// Where an import's records come from: CSV text streamed a buffer at a time and split into records on a thread of its
/// own, or a workbook's first worksheet.
enum RecordSource {
    case csv(PrefetchedRecords)
    case workbook(XLSXReader)

    init(path: String) throws(CSVError) {
        if XLSXReader.isWorkbook(path: path) {
            self = .workbook(try XLSXReader(path: path))
        } else {
            do { self = .csv(PrefetchedRecords(try CSVReader(path: path))) } catch { throw CSVError(line: 0, message: "cannot open the file") }
        }
    }

    func next() throws(CSVError) -> CSVRecord? {
        switch self {
        case .csv(let reader): return try reader.next()
        case .workbook(let reader): return try reader.next()
        }
    }

    /// Bytes of the file behind the records read so far; nil for a workbook (read whole before its first row).
    var bytesRead: Int64? {
        switch self {
        case .csv(let reader): return reader.bytesRead
        case .workbook: return nil
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
