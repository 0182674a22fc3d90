import ChannelbookCore
import ChannelbookImport
import ChannelbookStore
import Foundation
import Hummingbird
import MultipartKit

/// `/sales/upload`: a sales file through the browser. The upload streams to a temporary file (memory stays
/// flat), then is imported like `channelbook import sales`: all of it or nothing, every problem reported.
/// A distributor's login may upload only its own sell-through.
struct SalesUploadRoutes {
    let database: DatabasePool

    func register(on router: Router<WebContext>) {
        router.get("/sales/upload") { _, context in
            _ = try await uploader(context)
            return uploadPage(context, result: nil)
        }
        router.post("/sales/upload") { request, context in
            let (user, onlySource) = try await uploader(context)
            let upload = try await receive(request)
            defer { try? FileManager.default.removeItem(atPath: upload.path) }
            try context.checkCSRF(upload.fields["csrf"] ?? "")
            do {
                let summary = try await database.write { try await $0.importFile(.sales, path: upload.path, name: upload.fileName, actor: user.email, onlySource: onlySource) }
                return uploadPage(context, result: "<p>\(HTML.escape(upload.fileName)): \(HTML.escape(summary.description))</p>")
            } catch let problems as ImportProblems {
                let list = problems.lines.map { "<li>\(HTML.escape($0))</li>" }.joined()
                var response = uploadPage(context, result: "<div class=\"error\"><ul>\(list)</ul></div>")
                response.status = .badRequest
                return response
            }
        }
    }

    /// The uploader and, for a distributor's login, the only source its files may name.
    private func uploader(_ context: WebContext) async throws -> (SignedInUser, PartnerCode?) {
        let user = try context.require(.uploadSales)
        guard user.role == .partner else { return (user, nil) }
        let directory = try await database.read { try await PartnerDirectory.load(from: $0) }
        guard let partner = user.partner, directory.byCode[partner]?.kind == .distributor else { throw WebError.notFound(json: false) }
        return (user, partner)
    }

    struct Upload {
        let path: String
        let fileName: String
        let fields: [String: String]
    }

    /// Streams a multipart/form-data body: the `file` part to a temporary file, small fields to memory.
    private func receive(_ request: Request) async throws -> Upload {
        guard let contentType = request.headers[.contentType], contentType.hasPrefix("multipart/form-data"),
            let boundary = contentType.split(separator: ";").lazy.map({ $0.trimmingCharacters(in: .whitespaces) })
                .first(where: { $0.hasPrefix("boundary=") })?.dropFirst("boundary=".count)
        else { throw WebError(.badRequest, "upload the file with the form (multipart/form-data)", json: false) }
        let path = FileManager.default.temporaryDirectory.appendingPathComponent("channelbook-upload-\(UUID().uuidString).csv").path
        _ = FileManager.default.createFile(atPath: path, contents: nil)
        guard let file = FileHandle(forWritingAtPath: path) else { throw WebError(.internalServerError, "cannot store the upload", json: false) }
        defer { try? file.close() }
        let state = UploadState()
        let parser = MultipartParser(boundary: String(boundary.trimmingCharacters(in: CharacterSet(charactersIn: "\""))))
        parser.onHeader = { name, value in
            guard name.lowercased() == "content-disposition" else { return }
            state.part = Self.attribute("name", in: value) ?? ""
            if state.part == "file" { state.fileName = Self.attribute("filename", in: value) ?? "upload.csv" }
        }
        parser.onBody = { chunk in
            if state.part == "file" {
                file.write(Data(chunk.readableBytesView))
            } else if state.fieldBytes + chunk.readableBytes <= 4096 {  // form fields are short; bound them
                state.fieldBytes += chunk.readableBytes
                state.fields[state.part, default: ""] += String(buffer: chunk)
            }
        }
        parser.onPartComplete = { state.part = "" }
        do {
            for try await chunk in request.body { try parser.execute(chunk) }
        } catch {
            throw WebError(.badRequest, "the upload is not a valid multipart form", json: false)
        }
        guard let fileName = state.fileName else { throw WebError(.badRequest, "choose a sales file to upload", json: false) }
        return Upload(path: path, fileName: fileName, fields: state.fields)
    }

    /// `name="file"` → `file` in a Content-Disposition value.
    static func attribute(_ name: String, in value: String) -> String? {
        for part in value.split(separator: ";") {
            let trimmed = part.trimmingCharacters(in: .whitespaces)
            if trimmed.hasPrefix("\(name)=") {
                return String(trimmed.dropFirst(name.count + 1)).trimmingCharacters(in: CharacterSet(charactersIn: "\""))
            }
        }
        return nil
    }

    final class UploadState: @unchecked Sendable {
        var part = ""
        var fileName: String?
        var fields: [String: String] = [:]
        var fieldBytes = 0
    }

    private func uploadPage(_ context: WebContext, result: String?) -> Response {
        let csrf = HTML.escape(context.session?.csrfToken ?? "")
        return signedInPage(
            "Upload sales", context,
            """
            \(result ?? "")
            <form method="post" action="/sales/upload" enctype="multipart/form-data"><input type="hidden" name="csrf" value="\(csrf)">
            <p><label>Sales file (line_id,date,source,reseller,customer,sku,category,seats,amount,currency) <input type="file" name="file" accept=".csv,text/csv" required></label></p>
            <p><button>Upload</button></p></form>
            """)
    }
}
