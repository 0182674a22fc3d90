/// The market segments analytics split sales into, by a line's seats (PRODUCT.md section 3, "Is the strategy
/// working?"): each segment runs from its `from` seats to the next one's, the last has no end. The program's
/// `[segments]` table sets them; without it, the article's strategy: `single` 1 seat, `smb` 2 to 500, `enterprise`
/// 501 and over.
///
/// Segments are a lens on sales, not money: every quarter is read through the newest program's segments, so a
/// quarter compares with the one before it and the same quarter last year like with like.
public struct SalesSegments: Hashable, Sendable {
    public struct Segment: Hashable, Sendable {
        public let name: String
        /// The fewest seats a line of this segment has.
        public let from: Int64
    }

    /// In increasing `from`; the first starts at 1 seat.
    public let segments: [Segment]

    /// Where a price adjustment (a credit of 0 seats) counts: it has no size, so no segment of seats claims it.
    public static let adjustment = "adjustment"
    /// At most this many segments, and this long a name (the stored totals bound it too).
    public static let maximumCount = 12
    public static let maximumNameLength = 32
    public static let maximumFrom: Int64 = 10_000_000

    /// The article's strategy: one seat, the SMB segment of 2 to 500 seats, and enterprise above it.
    public static let standard = SalesSegments(validated: [
        Segment(name: "single", from: 1), Segment(name: "smb", from: 2), Segment(name: "enterprise", from: 501),
    ])

    /// Segments from `(name, from)` pairs in any order, or every reason they are not a partition of 1 seat and up.
    public static func make(_ entries: [(name: String, from: Int64)]) -> Result<SalesSegments, SegmentsProblem> {
        var problems: [String] = []
        if entries.isEmpty { problems.append("must name at least one segment") }
        if entries.count > maximumCount { problems.append("at most \(maximumCount) segments") }
        for entry in entries {
            if !isName(entry.name) {
                problems.append("'\(entry.name)': a segment's name is 1 to \(maximumNameLength) lowercase letters, digits or _, starting with a letter")
            }
            if entry.name == adjustment { problems.append("'\(adjustment)' is reserved for price adjustments (0 seats)") }
            if entry.from < 1 || entry.from > maximumFrom { problems.append("\(entry.name): from must be 1 to \(maximumFrom) seats") }
        }
        let sorted = entries.sorted { $0.from < $1.from }
        for (earlier, later) in zip(sorted, sorted.dropFirst()) where earlier.from == later.from {
            problems.append("\(earlier.name) and \(later.name) both start at \(later.from) seat\(later.from == 1 ? "" : "s")")
        }
        if let first = sorted.first, first.from != 1 { problems.append("the first segment must start at 1 seat (\(first.name) starts at \(first.from))") }
        guard problems.isEmpty else { return .failure(SegmentsProblem(messages: problems)) }
        return .success(SalesSegments(validated: sorted.map { Segment(name: $0.name, from: $0.from) }))
    }

    private init(validated: [Segment]) { segments = validated }

    /// The one segment rule: a line's segment by its seats; a return counts by its seats' absolute value, a price
    /// adjustment (0 seats) in `adjustment`.
    public func segment(forSeats seats: Int64) -> String {
        guard seats != 0 else { return Self.adjustment }
        let size = seats.magnitude
        return segments.last { UInt64($0.from) <= size }!.name
    }

    /// Every name a line can be counted under, in order of size, then `adjustment`.
    public var names: [String] { segments.map(\.name) + [Self.adjustment] }

    /// `single: 1 seat`, `smb: 2 to 500 seats`, `enterprise: 501 seats and over`.
    public var descriptions: [String] {
        segments.enumerated().map { index, segment in
            let last = index + 1 < segments.count ? segments[index + 1].from - 1 : nil
            switch last {
            case .some(let last) where last == segment.from: return "\(segment.name): \(segment.from) seat\(segment.from == 1 ? "" : "s")"
            case .some(let last): return "\(segment.name): \(segment.from) to \(last) seats"
            case .none: return "\(segment.name): \(segment.from) seats and over"
            }
        } + ["\(Self.adjustment): price adjustments (0 seats)"]
    }

    private static func isName(_ name: String) -> Bool {
        let bytes = Array(name.utf8)
        guard (1...maximumNameLength).contains(bytes.count), let first = bytes.first, (UInt8(ascii: "a")...UInt8(ascii: "z")).contains(first) else { return false }
        return bytes.allSatisfy { (UInt8(ascii: "a")...UInt8(ascii: "z")).contains($0) || (UInt8(ascii: "0")...UInt8(ascii: "9")).contains($0) || $0 == UInt8(ascii: "_") }
    }
}

/// Why a `[segments]` table is not a valid set of segments.
public struct SegmentsProblem: Error, Sendable {
    public let messages: [String]
}
