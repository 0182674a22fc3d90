import ChannelbookCore
import SQLKit

/// A column people may sort a table by: its name in the page's `?sort=` and the SQL it sorts by. Each table's
/// columns are an enum, so a sort is chosen from a closed list and never typed into SQL.
public protocol SortColumn: RawRepresentable, CaseIterable, Sendable, Equatable where RawValue == String {
    /// The SQL expression rows are ordered by (a column of the table's query, or an alias of its select list).
    var sqlOrder: String { get }
}

/// Which rows of a table a page shows: sorted by one column either way, then cut to a page — all in SQL, so a
/// page costs the same on a table of ten rows or ten million.
public struct TableSlice<Column: SortColumn>: Sendable {
    public var column: Column
    public var descending: Bool
    /// Rows skipped before the page (`(page - 1) × limit`).
    public var offset: Int
    public var limit: Int

    public init(column: Column, descending: Bool = false, offset: Int = 0, limit: Int) {
        self.column = column
        self.descending = descending
        self.offset = max(0, offset)
        self.limit = max(1, limit)
    }

    /// `ORDER BY … LIMIT … OFFSET …`, with `tiebreak` (a unique key) after the column so equal values keep one
    /// order from page to page; text sorts byte by byte on both databases.
    func clause(tiebreak: String, textOrder: String) -> SQLQueryString {
        let direction = descending ? "DESC" : "ASC"
        return " ORDER BY \(unsafeRaw: column.sqlOrder) \(unsafeRaw: textOrder) \(unsafeRaw: direction), \(unsafeRaw: tiebreak) \(unsafeRaw: direction)"
            + " LIMIT \(bind: limit) OFFSET \(bind: offset)"
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
    /// them. `collates` says whether the sort column is text, which sorts byte by byte on both databases.
    func sortedPage<Column, Item>(
        _ select: SQLQueryString, _ slice: TableSlice<Column>, tiebreak: String, collates: Bool, row: (any SQLRow) throws -> Item?
    ) async throws -> CountedPage<Item> {
        let counted = try await sql.raw("SELECT COUNT(*) AS n FROM (" + select + ") counted").first()
        let total = try counted?.decode(column: "n", as: Int.self) ?? 0
        let query = "SELECT * FROM (" + select + ") sorted" + slice.clause(tiebreak: tiebreak, textOrder: collates ? byteOrder : "")
        return CountedPage(items: try await sql.raw(query).all().compactMap(row), total: total)
    }
}
