import Foundation

/// Reads a CSV file's records on a thread of its own, a chunk ahead of whoever uses them, and turns each into an
/// `Element` there (`transform`: a sales line parsed and validated field by field): splitting the bytes and checking
/// the fields run on one core while the import resolves and stores on the other (BENCHMARKS.md, *Import speed*).
/// Elements come out in file order, then the reading's end or its `CSVError` at the place it happened, exactly as
/// `CSVReader.next()` would have given the records.
///
/// Memory stays bounded: the reading thread waits while `maximumChunks` chunks are unread. The thread owns the reader
/// (and its file) alone and ends when the file does, or when this object goes away (an import that stopped early).
final class PrefetchedRecords<Element> {
    private let queue = ChunkQueue<Element>()
    // The consumer's own: the chunk being handed out.
    private var current: [Element] = []
    private var position = 0

    /// Bytes of the file behind the chunks handed out so far (for progress).
    private(set) var bytesRead: Int64 = 0

    /// - Parameter transform: runs on the reading thread, once per record, in file order.
    init(_ reader: CSVReader, transform: @escaping (CSVRecord) -> Element) {
        let queue = self.queue
        // The thread is the reader's and the transform's only user from here on.
        nonisolated(unsafe) let reader = reader
        nonisolated(unsafe) let transform = transform
        let thread = Thread { queue.fill(from: reader, transform) }
        thread.name = "channelbook csv reader"
        thread.start()
    }

    /// An import that stops early (an error, a cancelled upload) stops the reading thread with it.
    deinit { queue.close() }

    /// Whether the reading thread has ended (the file read, or the consumer gone), asked even after this object is
    /// gone: tests wait for it.
    var stoppedFlag: @Sendable () -> Bool { { [queue] in queue.readerStopped } }

    /// The next element in file order, `nil` at the end, or the `CSVError` the reading stopped at.
    func next() throws(CSVError) -> Element? {
        if position < current.count {
            defer { position += 1 }
            return current[position]
        }
        guard let (elements, bytes) = try queue.take() else { return nil }
        current = elements
        bytesRead = bytes
        position = 1
        return elements[0]
    }
}

extension PrefetchedRecords where Element == CSVRecord {
    convenience init(_ reader: CSVReader) { self.init(reader, transform: { $0 }) }
}

/// How many records a chunk holds and how many chunks may wait unread.
enum PrefetchSizes {
    static let recordsPerChunk = 1024
    static let maximumChunks = 8
}

/// The chunks between the reading thread and the consumer, and how the reading ended.
final class ChunkQueue<Element>: @unchecked Sendable {
    private let condition = NSCondition()
    // All guarded by `condition`.
    private var ready: [(elements: [Element], bytes: Int64)] = []
    private var finished = false
    private var failure: CSVError?
    private var closed = false
    private var stopped = false

    var readerStopped: Bool {
        condition.lock()
        defer { condition.unlock() }
        return stopped
    }

    /// The next chunk, waiting for the reading thread; nil at the end, or the reading's error.
    func take() throws(CSVError) -> (elements: [Element], bytes: Int64)? {
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
    func fill(from reader: CSVReader, _ transform: (CSVRecord) -> Element) {
        defer {
            condition.lock()
            stopped = true
            condition.unlock()
        }
        var chunk: [Element] = []
        chunk.reserveCapacity(PrefetchSizes.recordsPerChunk)
        var failure: CSVError?
        while true {
            do throws(CSVError) {
                guard let record = try reader.next() else { break }
                chunk.append(transform(record))
            } catch {
                failure = error
                break
            }
            if chunk.count == PrefetchSizes.recordsPerChunk {
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
    private func hand(_ chunk: [Element], bytes: Int64) -> Bool {
        condition.lock()
        defer { condition.unlock() }
        while ready.count >= PrefetchSizes.maximumChunks && !closed { condition.wait() }
        if closed { return false }
        ready.append((chunk, bytes))
        condition.broadcast()
        return true
    }
}
