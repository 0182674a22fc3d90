import ChannelbookCore
import ChannelbookStore
import Hummingbird

/// A CSV download of every row a paged query gives, written a page at a time as it is read, so memory does not grow
/// with the table: the audit log's and the partners' exports.
enum StreamedCSV {
    /// `page(cursor)` answers one page's rows and the cursor of the next (nil: the last page), starting from nil.
    static func response(
        fileName: String, header: [String], page: @escaping @Sendable (String?) async throws -> (rows: [[String]], next: String?)
    ) -> Response {
        let body = ResponseBody { writer in
            try await writer.write(ByteBuffer(string: CSVText.line(header) + "\r\n"))
            var cursor: String?
            repeat {
                let (rows, next) = try await page(cursor)
                try await writer.write(ByteBuffer(string: rows.map { CSVText.line($0) + "\r\n" }.joined()))
                cursor = next
            } while cursor != nil
            try await writer.finish(nil)
        }
        return Response(
            status: .ok, headers: [.contentType: "text/csv; charset=utf-8", .contentDisposition: "attachment; filename=\"\(fileName)\""], body: body)
    }

    /// Every row of a sorted table with the list's filters and order (`order`), read a thousand at a time: the list
    /// pages' "Download CSV".
    static func sortedTable<Column: SortColumn, Item: Sendable>(
        fileName: String, header: [String], order: TableOrder<Column>,
        page: @escaping @Sendable (TableSlice<Column>) async throws -> CountedPage<Item>, row: @escaping @Sendable (Item) -> [String]
    ) -> Response {
        let first = order.slice
        return response(fileName: fileName, header: header) { cursor in
            var slice = first
            (slice.offset, slice.limit, slice.counts) = (Int(cursor ?? "0") ?? 0, 1_000, false)
            let rows = try await page(slice)
            // A short page is the last; nothing is counted.
            return (rows.items.map(row), rows.items.count == slice.limit ? String(slice.offset + slice.limit) : nil)
        }
    }
}
