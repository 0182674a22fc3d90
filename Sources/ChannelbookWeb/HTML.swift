import Hummingbird

/// HTML text helpers: every value that reaches a page passes through `escape`.
enum HTML {
    static func escape(_ text: String) -> String {
        var escaped = ""
        escaped.reserveCapacity(text.utf8.count)
        for character in text {
            switch character {
            case "&": escaped += "&amp;"
            case "<": escaped += "&lt;"
            case ">": escaped += "&gt;"
            case "\"": escaped += "&quot;"
            case "'": escaped += "&#39;"
            default: escaped.append(character)
            }
        }
        return escaped
    }
}

/// A server-rendered page: works without JavaScript.
struct HTMLPage {
    let title: String
    let body: String
    /// A script of ours under `/assets/` the page enhances itself with (it works without it).
    var script: String? = nil

    func response(status: HTTPResponse.Status = .ok) -> Response {
        let html = """
            <!doctype html>
            <html lang="en"><head><meta charset="utf-8"><meta name="viewport" content="width=device-width, initial-scale=1">
            <title>\(HTML.escape(title)) · Channelbook</title>
            <style>body{font-family:system-ui,sans-serif;max-width:60rem;margin:2rem auto;padding:0 1rem}table{border-collapse:collapse}
            td,th{padding:.25rem .75rem;border-bottom:1px solid #ddd;text-align:left}td.money{text-align:right;font-variant-numeric:tabular-nums}
            .error{color:#a00}form.inline{display:inline}</style>\(script.map { "<script src=\"/assets/\(HTML.escape($0))\" defer></script>" } ?? "")</head>
            <body><h1>\(HTML.escape(title))</h1>
            \(body)
            </body></html>
            """
        return Response(status: status, headers: [.contentType: "text/html; charset=utf-8"], body: .init(byteBuffer: ByteBuffer(string: html)))
    }
}
