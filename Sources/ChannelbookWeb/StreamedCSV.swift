import ChannelbookCore
import ChannelbookStore
import Hummingbird

/// Every CSV download, with one set of headers: a paged query's rows written a page at a time as they are read, so
/// memory does not grow with the table (the sorted lists, the audit log, parked names), or a document made whole
/// (the payout file, a list computed whole).
enum StreamedCSV {
    /// A download of `text` as the CSV file `fileName` (the payout file, a list computed whole).
    static func download(fileName: String, _ text: String) -> Response {
        Response(status: .ok, headers: headers(fileName), body: .init(byteBuffer: ByteBuffer(string: text)))
    }

    /// The rows of a list computed whole (near tier, MDF balances, the analytics table), under `header`, as a download.
    static func rows(fileName: String, header: [String], _ rows: [[String]]) -> Response {
        download(fileName: fileName, ([header] + rows).map(CSVText.line).joined(separator: "\r\n") + "\r\n")
    }

    private static func headers(_ fileName: String) -> HTTPFields {
        [.contentType: "text/csv; charset=utf-8", .contentDisposition: "attachment; filename=\"\(fileName)\""]
    }

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
        return Response(status: .ok, headers: headers(fileName), body: body)
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
