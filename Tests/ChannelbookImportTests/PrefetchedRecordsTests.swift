import ChannelbookCore
import Foundation
import Testing

@testable import ChannelbookImport

/// The CSV file read on a thread of its own: the same records, in the same order, and the same error at the same
/// place as reading it directly; a consumer that stops early stops the thread.
@Suite struct PrefetchedRecordsTests {
    /// A file of `count` records after a header, in a private temporary directory.
    private func file(_ text: String) throws -> (path: String, remove: () -> Void) {
        let directory = FileManager.default.temporaryDirectory.appendingPathComponent("prefetch-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: directory, withIntermediateDirectories: true)
        let path = directory.appendingPathComponent("sales.csv").path
        try text.write(toFile: path, atomically: false, encoding: .utf8)
        return (path, { try? FileManager.default.removeItem(at: directory) })
    }

    private func lines(_ count: Int) -> String {
        (1...count).map { "L\($0),\($0 % 7)" }.joined(separator: "\n")
    }

    @Test func givesEveryRecordInFileOrderAcrossManyChunks() throws {
        let count = PrefetchSizes.recordsPerChunk * (PrefetchSizes.maximumChunks + 3) + 17
        let (path, remove) = try file("id,n\n" + lines(count) + "\n")
        defer { remove() }
        let records = PrefetchedRecords(try CSVReader(path: path))
        var seen: [CSVRecord] = []
        while let record = try records.next() { seen.append(record) }
        #expect(seen.count == count + 1)
        #expect(seen.first?.fields == ["id", "n"])
        #expect(seen.map(\.line) == Array(1...(count + 1)))
        #expect(seen.last?.fields == ["L\(count)", "\(count % 7)"])
        #expect(try records.next() == nil)
    }

    @Test func anErrorComesAfterTheRecordsBeforeIt() throws {
        // The broken record sits several chunks in: every record before it arrives first, then its line's error.
        let before = PrefetchSizes.recordsPerChunk * 3 + 5
        let (path, remove) = try file("id,n\n" + lines(before) + "\nL-bad,\"unterminated\n")
        defer { remove() }
        let records = PrefetchedRecords(try CSVReader(path: path))
        var count = 0
        #expect(throws: CSVError(line: before + 2, message: "a quoted field is not closed before the end of the file")) {
            while try records.next() != nil { count += 1 }
        }
        #expect(count == before + 1)
    }

    @Test func aConsumerThatStopsEarlyStopsTheReadingThread() async throws {
        let (path, remove) = try file("id,n\n" + lines(PrefetchSizes.recordsPerChunk * 40) + "\n")
        defer { remove() }
        weak var abandoned: PrefetchedRecords<CSVRecord>?
        var stopped: () -> Bool = { false }
        do {
            let records = PrefetchedRecords(try CSVReader(path: path))
            abandoned = records
            stopped = { [queueState = records.stoppedFlag] in queueState() }
            #expect(try records.next()?.fields == ["id", "n"])
        }
        // Dropped after one record, the queue full: the thread is told to stop instead of waiting for ever.
        #expect(abandoned == nil)
        for _ in 0..<1000 where !stopped() { try await Task.sleep(for: .milliseconds(10)) }
        #expect(stopped())
    }

    @Test func importFileReportsTheSameProblemsAsBefore() async throws {
        let (path, remove) = try file("id,n\nA,1\nB,\"x\"y\n")
        defer { remove() }
        var rows: [Int] = []
        let problems = try await ImportFile.read(path: path, name: "sales.csv", required: ["id", "n"]) { record, _, _ in rows.append(record.line) }
        #expect(rows == [2])
        #expect(problems.description.contains("sales.csv:3"))
    }
}
