import ChannelbookCore
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
}
