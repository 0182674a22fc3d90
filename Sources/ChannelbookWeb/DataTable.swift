import ChannelbookCore
import ChannelbookStore
import Hummingbird

/// A table as the list pages show it, through the `table` template: headers that sort by their column (the sorted
/// one marked for screen readers too), escaped cells, an empty state in words, the pager, and the same rows as CSV.
/// Sorting and paging happen in SQL (`TableSlice`); this only draws the page the store answered.
struct DataTable {
    struct Column {
        let heading: String
        /// The `?sort=` value it sorts by; nil: not sortable.
        var sort: String? = nil
        var numeric = false
    }

    /// A cell: text (escaped by the template), optionally a link; or markup a page built itself (a form, a button),
    /// every value in it already escaped.
    struct Cell {
        var text = ""
        var link: String? = nil
        var markup: String? = nil
        var numeric = false
        /// An amount, drawn by the `money` partial.
        var amount: Money? = nil
        /// A day, drawn by the `date` partial.
        var date: BusinessDate? = nil

        static func text(_ text: String, link: String? = nil) -> Cell { Cell(text: text, link: link) }
        static func money(_ text: String) -> Cell { Cell(text: text, numeric: true) }
        static func money(_ amount: Money) -> Cell { Cell(numeric: true, amount: amount) }
        /// A day, or nothing.
        static func date(_ day: BusinessDate?) -> Cell { Cell(date: day) }
        static func markup(_ html: String) -> Cell { Cell(markup: html) }
    }

    /// What the table is, for its caption and its scrolling region ("Referrals").
    let label: String
    let columns: [Column]
    let rows: [[Cell]]
    /// Shown instead of an empty table: "No referrals yet."
    let empty: String
    var footer: [Cell] = []
    var order: (any SortLinks)? = nil
    var pager: Pager? = nil
    /// The CSV of every row with the same filters and order.
    var csv: String? = nil
    /// The table's `id`, for a link or a script to find it.
    var id: String? = nil

    func html() -> String {
        let columns = self.columns.map { column -> [String: Any] in
            let sorted = column.sort != nil && column.sort == order?.column
            var values: [String: Any] = [
                "heading": column.heading, "isNumeric": column.numeric, "sortable": column.sort != nil && order != nil, "isSorted": sorted,
                "ariaSort": order?.descending == true ? "descending" : "ascending", "arrow": order?.descending == true ? "▼" : "▲",
            ]
            if let key = column.sort, let order { values["sortHref"] = order.href(sortingBy: key) }
            return values
        }
        func cell(_ cell: Cell) -> [String: Any] {
            [
                "text": cell.text, "isNumeric": cell.numeric, "isLink": cell.link != nil, "link": cell.link ?? "", "isMarkup": cell.markup != nil,
                "markup": cell.markup ?? "", "isAmount": cell.amount != nil, "amount": cell.amount.map(Templates.money) ?? [:],
                "isDate": cell.date != nil, "day": cell.date.map(Templates.date) ?? [:],
            ]
        }
        var values: [String: Any] = [
            "label": label, "columns": columns, "rows": rows.map { ["cells": $0.map(cell)] }, "hasRows": !rows.isEmpty, "empty": empty,
            "hasID": id != nil, "tableID": id ?? "", "hasFooter": !footer.isEmpty && !rows.isEmpty, "footer": footer.map(cell), "hasLinks": (pager?.pages ?? 1) > 1 || (csv != nil && !rows.isEmpty),
        ]
        if let sorted = columns.first(where: { $0["isSorted"] as? Bool == true }) {
            values["sortedBy"] = "\(sorted["heading"] ?? ""), \(order?.descending == true ? "descending" : "ascending")"
        }
        if let pager, pager.pages > 1 { values["pager"] = pager.values }
        if let csv, !rows.isEmpty { values["csv"] = csv }
        return Templates.render(.table, values)
    }
}

/// The order and page a list page was asked for (`?sort=customer&dir=desc&page=2`), with links to the others that
/// keep the page's filters. An unknown column or page is the default, as a hand-edited address should still show
/// the list.
/// What a table's headings need of its order: the sorted column's name, the way round, the links.
protocol SortLinks {
    var column: String { get }
    var descending: Bool { get }
    func href(sortingBy key: String) -> String
}

struct TableOrder<Column: ListColumn>: SortLinks, Sendable {
    let sorted: Column
    var column: String { sorted.rawValue }
    let descending: Bool
    let page: Int
    /// The path and the query without sort, direction and page: the filters.
    private let path: String
    private let filters: [(String, String)]

    static var pageSize: Int { 50 }

    /// The order of the list at `path` the request asks for. A form on the list posts to its own action with the
    /// list's query (`query`), so a refusal shows the page the person was on and a success returns to it.
    /// `allowed`: the columns this login may sort by (a column it may not see is not one to sort by either).
    init(_ request: Request, path: String, default column: Column, descending: Bool, allowed: (Column) -> Bool = { _ in true }) {
        let query = request.formQuery
        let asked = query.get("sort").flatMap { Column(rawValue: String($0)) }.flatMap { allowed($0) ? $0 : nil }
        sorted = asked ?? column
        self.descending = asked == nil ? descending : query.get("dir") == "desc"
        page = max(1, min(1_000_000, query.get("page").flatMap { Int($0) } ?? 1))
        self.path = path
        // Not the list's filters: its order and page, a done message, and a form's CSRF token (a multipart form
        // posts it in its address), which must never reach a link.
        filters = query.filter { !["sort", "dir", "page", "done", "sig", "csrf"].contains(String($0.key)) }.map { (String($0.key), String($0.value)) }
    }

    /// The list as shown — filters, order and page — as a query (no `?`), for a form's action and the way back.
    var query: String { Self.encoded(filters + [("sort", column), ("dir", descending ? "desc" : "asc"), ("page", String(page))]) }

    /// The list's address as shown.
    var here: String { "\(path)?\(query)" }

    /// A list the page computed whole (the engine's near-tier answer, MDF balances from their ledgers) in this
    /// order: by the sorted column's `key` (a number, or text byte by byte) either way round, then by `tiebreak`
    /// (unique), so equal values keep one order from page to page, as `TableSlice` does in SQL.
    func sorted<Item>(_ items: [Item], key: (Column, Item) -> (number: Int64, text: String), tiebreak: (Item) -> String) -> [Item] {
        items.map { (key(sorted, $0), tiebreak($0), $0) }.sorted { left, right in
            let (a, b) = ((left.0.number, Array(left.0.text.utf8), Array(left.1.utf8)), (right.0.number, Array(right.0.text.utf8), Array(right.1.utf8)))
            if a.0 != b.0 { return descending ? a.0 > b.0 : a.0 < b.0 }
            if a.1 != b.1 { return descending ? b.1.lexicographicallyPrecedes(a.1) : a.1.lexicographicallyPrecedes(b.1) }
            return descending ? b.2.lexicographicallyPrecedes(a.2) : a.2.lexicographicallyPrecedes(b.2)
        }.map(\.2)
    }

    /// This page of a list the page computed whole (the engine's near-tier answer): already in `order`'s order.
    func page<Item>(of items: [Item]) -> ArraySlice<Item> {
        let start = min(items.count, (min(page, Self.pages(items.count)) - 1) * Self.pageSize)
        return items[start..<min(items.count, start + Self.pageSize)]
    }

    /// This list sorted by `key`: the other way round when it already is, from its first page.
    func href(sortingBy key: String) -> String {
        link(path, [("sort", key), ("dir", key == column && !descending ? "desc" : "asc")])
    }

    /// The same rows at another address (the CSV), with these filters and this order.
    func href(at other: String) -> String { link(other, [("sort", column), ("dir", descending ? "desc" : "asc")]) }

    func pager(total: Int) -> Pager {
        let pages = Self.pages(total)
        func at(_ page: Int) -> String { link(path, [("sort", column), ("dir", descending ? "desc" : "asc"), ("page", String(page))]) }
        return Pager(page: min(page, pages), pages: pages, total: total, previous: page > 1 ? at(min(page, pages) - 1) : nil, next: page < pages ? at(page + 1) : nil)
    }

    /// How many pages `total` rows make (one when there are none).
    private static func pages(_ total: Int) -> Int { max(1, (total + pageSize - 1) / pageSize) }

    private func link(_ path: String, _ extra: [(String, String)]) -> String { path + "?" + Self.encoded(filters + extra) }

    private static func encoded(_ items: [(String, String)]) -> String {
        items.map { "\($0.0.addingPercentEncodingForQuery())=\($0.1.addingPercentEncodingForQuery())" }.joined(separator: "&")
    }
}

extension TableOrder where Column: SortColumn {
    /// The store's slice for this page.
    var slice: TableSlice<Column> { TableSlice(column: sorted, descending: descending, offset: (page - 1) * Self.pageSize, limit: Self.pageSize) }
}

/// "Page 2 of 7 (320)" with its links.
struct Pager {
    let page: Int
    let pages: Int
    let total: Int
    let previous: String?
    let next: String?

    var values: [String: Any] {
        var values: [String: Any] = ["page": page, "pages": pages, "total": total]
        if let previous { values["previous"] = previous }
        if let next { values["next"] = next }
        return values
    }
}
