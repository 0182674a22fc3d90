import ChannelbookCore
import SQLKit

/// The per-quarter totals' segment column: written by the import (`SalesLoadOutcome` in Swift, PostgreSQL's merge in
/// SQL), and rewritten from the lines when a new program changes the segments.
enum SegmentedTotals {
    /// `SalesSegments.segment(forSeats:)` as a SQL expression over the `seats` column: the same rule, spelled for a
    /// query that groups lines. Names are validated identifiers (`[a-z][a-z0-9_]*`) and bounds integers, so the
    /// expression is safe to write into a statement.
    static func segmentSQL(_ segments: SalesSegments, seats: String) -> String {
        var expression = "CASE WHEN \(seats) = 0 THEN '\(SalesSegments.adjustment)'"
        for segment in segments.segments.reversed() where segment.from > 1 {
            expression += " WHEN abs(\(seats)) >= \(segment.from) THEN '\(segment.name)'"
        }
        return expression + " ELSE '\(segments.segments[0].name)' END"
    }

    /// Every line grouped as the totals are kept — `reseller_id, quarter, category, source, segment, amount, lines` —
    /// under `segments`: what regrouping writes and what `check` compares the kept totals with.
    static func linesGroupedAsTotalsSQL(_ segments: SalesSegments) -> String {
        """
        SELECT reseller_id, quarter, category, source, segment, CAST(SUM(amount_minor) AS BIGINT) AS amount, COUNT(*) AS lines FROM (
          SELECT reseller_id, quarter, category, source, amount_minor, \(segmentSQL(segments, seats: "seats")) AS segment
          FROM sales_lines) AS segmented
        GROUP BY reseller_id, quarter, category, source, segment
        """
    }

    /// Groups every line again under `segments`, replacing the totals, in the caller's transaction: a scan of the
    /// lines, run only when a stored program changes the segments (rare, and said in the audit log).
    static func resegment(_ database: ChannelbookDatabase, by segments: SalesSegments) async throws {
        try await database.sql.raw("DELETE FROM sales_totals").run()
        try await database.sql.raw(
            "INSERT INTO sales_totals (reseller_id, quarter, category, source, segment, amount_minor, line_count) \(unsafeRaw: linesGroupedAsTotalsSQL(segments))"
        ).run()
    }
}
