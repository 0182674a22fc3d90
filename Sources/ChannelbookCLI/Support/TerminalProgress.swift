import ArgumentParser
import ChannelbookCore
import Foundation
import Synchronization

/// Draws long work's progress (`WorkProgress`) on one line of standard error, redrawn in place at most ten times a
/// second: `reading sales.csv: 1,234,567 lines, 150,000 lines/s, 42 %, 0:12 left`. Only on a terminal, and never with
/// `--quiet`: a script reading stderr gets the problems and nothing else.
final class TerminalProgress: WorkProgressObserver {
    private struct State {
        var lastDrawn: UInt64?
        var drew = false
    }

    private let write: @Sendable (String) -> Void
    private let now: @Sendable () -> UInt64
    private let started: UInt64
    private let state = Mutex(State())
    /// A tenth of a second, in nanoseconds.
    static let redrawInterval: UInt64 = 100_000_000

    init(write: @escaping @Sendable (String) -> Void, now: @escaping @Sendable () -> UInt64 = { DispatchTime.now().uptimeNanoseconds }) {
        self.write = write
        self.now = now
        self.started = now()
    }

    /// Runs `body` with its progress drawn on a terminal's standard error (cleared when it ends), or plainly.
    static func watching<T>(quiet: Bool, _ body: () async throws -> T) async throws -> T {
        let console = Console.current
        guard !quiet, console.errorIsTerminal else { return try await body() }
        let progress = TerminalProgress(write: console.writeError)
        defer { progress.finish() }
        return try await WorkProgress.$observer.withValue(progress) { try await body() }
    }

    func report(_ progress: WorkProgress) {
        let time = now()
        let finished = progress.total.map { progress.done >= $0 } ?? false
        let due = state.withLock { state -> Bool in
            guard finished || state.lastDrawn.map({ time &- $0 >= Self.redrawInterval }) ?? true else { return false }
            state.lastDrawn = time
            state.drew = true
            return true
        }
        if due { write("\r\u{1B}[K" + Self.line(progress, elapsedNanoseconds: time &- started)) }
    }

    /// Clears the progress line, so what the command prints next starts at the left.
    func finish() {
        if state.withLock({ $0.drew }) { write("\r\u{1B}[K") }
    }

    /// The progress line: records and their rate for a file, the step for staged work, the share done and the time left.
    static func line(_ progress: WorkProgress, elapsedNanoseconds: UInt64) -> String {
        var parts: [String] = []
        let milliseconds = Int64(elapsedNanoseconds / 1_000_000)
        if let records = progress.records {
            parts.append("\(grouped(Int64(records))) lines")
            if milliseconds > 0 { parts.append("\(grouped(Int64(records) * 1000 / milliseconds)) lines/s") }
        }
        if let step = progress.step { parts.append(step) }
        if let percent = progress.percent {
            parts.append("\(percent) %")
            // Time left at the pace so far: elapsed × (total − done) ÷ done.
            if let total = progress.total, progress.done > 0, progress.done < total {
                let (scaled, overflow) = milliseconds.multipliedReportingOverflow(by: total - progress.done)
                if !overflow { parts.append("\(clock(scaled / progress.done / 1000)) left") }
            }
        }
        return "\(progress.task): " + parts.joined(separator: ", ")
    }

    /// `1,234,567`: the grouping money's display uses.
    static func grouped(_ value: Int64) -> String {
        (value < 0 ? "-" : "") + Money.groupedThousands(String(value.magnitude))
    }

    /// `0:12`, `1:02:03`.
    static func clock(_ seconds: Int64) -> String {
        let hours = seconds / 3600, minutes = seconds / 60 % 60, rest = seconds % 60
        let twoDigits = { (value: Int64) in value < 10 ? "0\(value)" : "\(value)" }
        return hours > 0 ? "\(hours):\(twoDigits(minutes)):\(twoDigits(rest))" : "\(minutes):\(twoDigits(rest))"
    }
}

/// `--quiet`: no progress on standard error.
struct QuietOption: ParsableArguments {
    @Flag(help: "Draw no progress on standard error (it is drawn only on a terminal anyway).") var quiet = false
}
