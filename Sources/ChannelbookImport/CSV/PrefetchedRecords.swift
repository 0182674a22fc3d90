import Foundation

/// Reads a CSV file's records on a thread of its own, a chunk ahead of whoever checks them: splitting the bytes into
/// fields runs on one core while the import validates, resolves and stores on the other (BENCHMARKS.md, *Import
/// speed*). Records come out in file order, then the reading's end or its `CSVError` at the place it happened, exactly
/// as `CSVReader.next()` would have given them.
///
/// Memory stays bounded: the reading thread waits while `maximumChunks` chunks are unread. The thread owns the reader
/// (and its file) alone and ends when the file does, when `close()` is called, or when this object goes away.
final class PrefetchedRecords {
    static let recordsPerChunk = 1024
    static let maximumChunks = 8

    let queue = ChunkQueue()
    // The consumer's own: the chunk being handed out.
    private var current: [CSVRecord] = []
    private var position = 0

    /// Bytes of the file behind the chunks handed out so far (for progress).
    private(set) var bytesRead: Int64 = 0

    init(_ reader: CSVReader) {
        let queue = self.queue
        // The thread is the reader's only user from here on.
        nonisolated(unsafe) let reader = reader
        let thread = Thread { queue.fill(from: reader) }
        thread.name = "channelbook csv reader"
        thread.start()
    }

    /// An import that stops early (an error, a cancelled upload) stops the reading thread with it.
    deinit { queue.close() }

    /// The next record in file order, `nil` at the end, or the `CSVError` the reading stopped at.
    func next() throws(CSVError) -> CSVRecord? {
        if position < current.count {
            defer { position += 1 }
            return current[position]
        }
        guard let (records, bytes) = try queue.take() else { return nil }
        current = records
        bytesRead = bytes
        position = 1
        return records[0]
    }
}

/// The chunks between the reading thread and the consumer, and how the reading ended.
final class ChunkQueue: @unchecked Sendable {
    private let condition = NSCondition()
    // All guarded by `condition`.
    private var ready: [(records: [CSVRecord], bytes: Int64)] = []
    private var finished = false
    private var failure: CSVError?
    private var closed = false
    private var stopped = false

    /// Whether the reading thread has ended (the file read, or the consumer gone): tests wait for it.
    var readerStopped: Bool {
        condition.lock()
        defer { condition.unlock() }
        return stopped
    }

    /// The next chunk, waiting for the reading thread; nil at the end, or the reading's error.
    func take() throws(CSVError) -> (records: [CSVRecord], bytes: Int64)? {
        condition.lock()
        defer { condition.unlock() }
        while ready.isEmpty && !finished { condition.wait() }
        if ready.isEmpty {
            if let failure { throw failure }
            return nil
        }
        condition.broadcast()
        return ready.removeFirst()
    }

    /// The consumer is gone: the reading thread stops at its next chunk.
    func close() {
        condition.lock()
        closed = true
        ready.removeAll()
        condition.broadcast()
        condition.unlock()
    }

    /// Runs on the reading thread: reads the whole file into chunks, or until the consumer closes.
    func fill(from reader: CSVReader) {
        defer {
            condition.lock()
            stopped = true
            condition.unlock()
        }
        var chunk: [CSVRecord] = []
        chunk.reserveCapacity(PrefetchedRecords.recordsPerChunk)
        var failure: CSVError?
        while true {
            do throws(CSVError) {
                guard let record = try reader.next() else { break }
                chunk.append(record)
            } catch {
                failure = error
                break
            }
            if chunk.count == PrefetchedRecords.recordsPerChunk {
                guard hand(chunk, bytes: reader.bytesRead) else { return }
                chunk.removeAll(keepingCapacity: true)
            }
        }
        if !chunk.isEmpty { guard hand(chunk, bytes: reader.bytesRead) else { return } }
        condition.lock()
        self.failure = failure
        finished = true
        condition.broadcast()
        condition.unlock()
    }

    /// Queues a chunk, waiting while `maximumChunks` are unread; false once the consumer has closed.
    private func hand(_ chunk: [CSVRecord], bytes: Int64) -> Bool {
        condition.lock()
        defer { condition.unlock() }
        while ready.count >= PrefetchedRecords.maximumChunks && !closed { condition.wait() }
        if closed { return false }
        ready.append((chunk, bytes))
        condition.broadcast()
        return true
    }
}
