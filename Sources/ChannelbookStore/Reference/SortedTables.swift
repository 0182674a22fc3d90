import ChannelbookCore
import SQLKit

/// A column people may sort a list by, named in the page's `?sort=`: an enum, so a sort is chosen from a closed list.
public protocol ListColumn: RawRepresentable, CaseIterable, Sendable, Equatable where RawValue == String {}

/// A list column sorted in SQL, with the expression it sorts by: never typed text.
public protocol SortColumn: ListColumn {
    /// The SQL expression rows are ordered by (a column of the table's query, or an alias of its select list).
    var sqlOrder: String { get }
    /// Whether it sorts as text (byte by byte on both databases), or as a number.
    var sortsAsText: Bool { get }
}

/// Which rows of a table a page shows: sorted by one column either way, then cut to a page — all in SQL, so memory
/// holds one page whatever the table's size (a deep page costs the database the rows it skips).
public struct TableSlice<Column: SortColumn>: Sendable {
    public var column: Column
    public var descending: Bool
    /// Rows skipped before the page (`(page - 1) × limit`).
    public var offset: Int
    public var limit: Int
    /// Whether the page also counts every matching row (a page shows "page 2 of 7"; a download needs no count).
    public var counts = true

    public init(column: Column, descending: Bool = false, offset: Int = 0, limit: Int) {
        self.column = column
        self.descending = descending
        self.offset = max(0, offset)
        self.limit = max(1, limit)
    }

    /// `ORDER BY … LIMIT … OFFSET …`, with `tiebreak` (a unique key's columns) after the column so equal values keep
    /// one order from page to page; text sorts byte by byte on both databases (`textOrder`).
    func clause(tiebreak: [String], textOrder: String) -> SQLQueryString {
        let direction = descending ? "DESC" : "ASC"
        let order = ["\(column.sqlOrder) \(column.sortsAsText ? textOrder : "") \(direction)"] + tiebreak.map { "\($0) \(direction)" }
        return " ORDER BY \(unsafeRaw: order.joined(separator: ", ")) LIMIT \(bind: limit) OFFSET \(bind: offset)"
    }
}

/// One page of a sorted table, and how many rows the whole table has with its filters (for "page 2 of 7").
public struct CountedPage<Item: Sendable>: Sendable {
    public let items: [Item]
    public let total: Int

    public init(items: [Item], total: Int) {
        self.items = items
        self.total = total
    }
}

extension ChannelbookDatabase {
    /// The rows of `select` (a whole query without ORDER BY) on the page `slice` asks for, with the count of all of
    /// them when the slice asks for it (otherwise `total` is the rows up to this page's end).
    func sortedPage<Column, Item>(
        _ select: SQLQueryString, _ slice: TableSlice<Column>, tiebreak: [String], row: (any SQLRow) throws -> Item?
    ) async throws -> CountedPage<Item> {
        func rows(_ slice: TableSlice<Column>) async throws -> [Item] {
            try await sql.raw("SELECT * FROM (" + select + ") sorted" + slice.clause(tiebreak: tiebreak, textOrder: byteOrder)).all().compactMap(row)
        }
        let items = try await rows(slice)
        guard slice.counts else { return CountedPage(items: items, total: slice.offset + items.count) }
        let counted = try await sql.raw("SELECT COUNT(*) AS n FROM (" + select + ") counted").first()
        let total = try counted?.decode(column: "n", as: Int.self) ?? 0
        // A page past the end (an old link, a hand-edited address) shows the last page, as its pager says.
        guard items.isEmpty, slice.offset > 0, total > 0 else { return CountedPage(items: items, total: total) }
        var last = slice
        last.offset = (total - 1) / slice.limit * slice.limit
        return CountedPage(items: try await rows(last), total: total)
    }

    /// `%text%` for `LIKE … ESCAPE '\'`, lower-cased, with the pattern characters in `text` taken literally.
    static func likePattern(_ text: String) -> String {
        "%" + text.lowercased().replacingOccurrences(of: "\\", with: "\\\\").replacingOccurrences(of: "%", with: "\\%").replacingOccurrences(of: "_", with: "\\_")
            + "%"
    }
}
