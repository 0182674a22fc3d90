import ChannelbookCore
import ChannelbookImport
import ChannelbookStore
import ChannelbookUpload
import Foundation
import Hummingbird

/// `/sales/upload`: a sales file through the browser. The upload streams to a temporary file (memory stays
/// flat), then is imported like `channelbook import sales`: all of it or nothing, every problem reported.
/// A distributor's login may upload only its own sell-through.
struct SalesUploadRoutes {
    let database: DatabasePool
    /// The largest body an upload may send (`uploads.maxBytes`); beyond it the upload is refused with 413.
    var uploadLimitBytes = WebSettings.defaultUploadLimitBytes
    var uploadFolder: String? = nil

    func register(on router: Router<WebContext>) {
        router.get("/assets/upload.js") { _, _ in
            Response(status: .ok, headers: [.contentType: "text/javascript; charset=utf-8"], body: .init(byteBuffer: ByteBuffer(string: Self.progressScript)))
        }
        router.get("/sales/upload") { _, context in
            _ = try await uploader(context)
            return uploadPage(context)
        }
        router.post("/sales/upload") { request, context in
            // Who, what they may do and the CSRF token are settled before the body is read.
            let (user, onlySource) = try await uploader(context)
            try context.checkCSRFBeforeBody(request)
            let upload = try await receive(request)
            defer { try? FileManager.default.removeItem(atPath: upload.path) }
            do {
                let summary = try await database.write { try await $0.importFile(.sales, path: upload.path, name: upload.fileName, actor: user.email, onlySource: onlySource) }
                let imported: [String: Any] = ["fileName": upload.fileName, "summary": summary.description, "parked": summary.parked > 0]
                return uploadPage(context, ["imported": imported])
            } catch let problems as ImportProblems {
                var response = uploadPage(context, ["hasProblems": true, "problems": problems.lines])
                response.status = .badRequest
                return response
            }
        }
    }

    /// The uploader and, for a distributor's login, the only source its files may name.
    private func uploader(_ context: WebContext) async throws -> (SignedInUser, PartnerCode?) {
        let user = try context.require(.uploadSales)
        switch SalesUploadAccess.of(user) {
        case .anySource: return (user, nil)
        case .onlySource(let source): return (user, source)
        case .forbidden, .notFound: throw WebError.notFound(json: false)
        }
    }

    struct Upload {
        let path: String
        let fileName: String
        let fields: [String: String]
    }

    /// Streams a multipart/form-data body (`MultipartUpload`): the `file` part to a temporary file, small
    /// fields to memory. A body cut off before its closing boundary is refused, not imported.
    private func receive(_ request: Request) async throws -> Upload {
        let contentType = request.headers[.contentType] ?? ""
        do {
            _ = try MultipartUpload.boundary(contentType: contentType)
        } catch {
            throw WebError(.badRequest, String(describing: error), json: false)
        }
        guard let path = try? UploadDirectory.newFile(suffix: ".csv", in: uploadFolder), let file = FileHandle(forWritingAtPath: path) else {
            throw WebError(.internalServerError, "cannot store the upload", json: false)
        }
        defer { try? file.close() }
        do {
            var upload = try MultipartUpload(contentType: contentType) { chunk in
                do { try file.write(contentsOf: Data(chunk.readableBytesView)) } catch { throw StoreFailure() }
            }
            let result = try await upload.read(request.body, limit: uploadLimitBytes)
            return Upload(path: path, fileName: result.fileName, fields: result.fields)
        } catch {
            try? FileManager.default.removeItem(atPath: path)
            switch error {
            case let error as MultipartUploadError: throw WebError(.badRequest, error.description, json: false)
            case is StoreFailure: throw WebError(.internalServerError, "cannot store the upload", json: false)
            case is BodyTooLarge:
                throw WebError(.contentTooLarge, "the upload is larger than the server's limit of \(uploadLimitBytes / (1024 * 1024)) MiB (uploads.maxBytes)", json: false)
            default: throw WebError(.badRequest, "the upload is not a valid multipart form", json: false)
            }
        }
    }

    private struct StoreFailure: Error {}

    /// The page from `sales-upload.mustache`: the form, after an import its summary (`imported`) or its problems.
    private func uploadPage(_ context: WebContext, _ result: [String: Any] = [:]) -> Response {
        var values = result
        values["csrf"] = context.session?.csrfToken ?? ""
        return signedInPage("Upload sales", context, Templates.render(.salesUpload, values), script: "upload.js")
    }

    /// The upload page's one script: the file's progress while it is sent, then the import's summary in place of the
    /// page. Without JavaScript the form posts as usual and the summary page comes back the same.
    static let progressScript = """
        (function () {
          function megabytes(bytes) { return (bytes / 1048576).toFixed(1); }
          function attach() {
            var form = document.querySelector('form[data-upload]');
            if (!form || !window.XMLHttpRequest || !window.FormData) return;
            form.addEventListener('submit', function (event) {
              var input = form.querySelector('input[type=file]');
              if (!input || !input.files.length) return;
              event.preventDefault();
              var box = document.getElementById('upload-progress');
              var bar = box.querySelector('progress'), text = box.querySelector('span');
              box.hidden = false;
              form.querySelector('button').disabled = true;
              var request = new XMLHttpRequest();
              request.open('POST', form.action);
              request.upload.onprogress = function (e) {
                if (!e.lengthComputable) return;
                bar.max = e.total; bar.value = e.loaded;
                text.textContent = 'Sending ' + megabytes(e.loaded) + ' of ' + megabytes(e.total) + ' MB (' + Math.floor(e.loaded * 100 / e.total) + ' %)';
              };
              request.upload.onload = function () { bar.removeAttribute('value'); text.textContent = 'Sent: checking and importing every line…'; };
              request.onload = function () {
                // The whole page is replaced, as a form's own answer would replace it (its scripts do not run again).
                var page = new DOMParser().parseFromString(request.responseText, 'text/html');
                document.replaceChild(document.importNode(page.documentElement, true), document.documentElement);
                attach();
              };
              request.onerror = function () { text.textContent = 'The upload did not reach the server: check the connection and try again.'; form.querySelector('button').disabled = false; };
              request.send(new FormData(form));
            });
          }
          attach();
        })();

        """
}
