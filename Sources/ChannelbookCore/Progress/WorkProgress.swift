/// How far long work has come (an import reading its file, a quarter's close going through its steps), for whoever
/// watches: a terminal's progress line, a log. The work reports; the watcher decides how often to draw.
public struct WorkProgress: Sendable, Equatable {
    /// What is being done: `reading sales.csv`, `closing 2026Q1`.
    public let task: String
    /// Bytes read of the file, or steps done.
    public let done: Int64
    /// The file's size in bytes, or the steps in all; nil when unknown.
    public let total: Int64?
    /// Records read so far (lines of a file), or nil for work counted in steps.
    public let records: Int?
    /// The step under way, for work counted in steps.
    public let step: String?

    public init(task: String, done: Int64, total: Int64?, records: Int? = nil, step: String? = nil) {
        self.task = task
        self.done = done
        self.total = total
        self.records = records
        self.step = step
    }

    /// Done as a share of the total in whole percent, rounded down (nil without a total).
    public var percent: Int? {
        guard let total, total > 0 else { return nil }
        return Int(min(done, total).multipliedReportingOverflow(by: 100).partialValue / total)
    }
}

/// Who watches the progress of the work running in this task (and the tasks it starts): set it around the work with
/// `WorkProgress.$observer.withValue(…)`; nobody watches by default, and then reporting costs one check.
public protocol WorkProgressObserver: Sendable {
    func report(_ progress: WorkProgress)
}

extension WorkProgress {
    @TaskLocal public static var observer: (any WorkProgressObserver)?
}
