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

/// A server-rendered page in the layout template: works without JavaScript.
struct HTMLPage {
    let title: String
    /// The page's own HTML, every value in it escaped by `HTML.escape`.
    let body: String
    /// A script of ours under `/assets/` the page enhances itself with (it works without it).
    var script: String? = nil
    /// The signed-in frame: menu items, who is signed in, the sign-out form's token; nil for sign-in and error pages.
    var navigation: [String: Any]? = nil
    /// Links above the title, outermost first (the title itself ends the trail).
    var crumbs: [(href: String, label: String)] = []

    func response(status: HTTPResponse.Status = .ok) -> Response {
        var values: [String: Any] = [
            "title": title, "body": Self.scrollingTables(body), "hasCrumbs": !crumbs.isEmpty,
            "crumbs": crumbs.map { ["href": $0.href, "label": $0.label] },
        ]
        if let script { values["script"] = script }
        if let navigation { values["navigation"] = navigation }
        let html = Templates.render(.layout, values)
        return Response(status: status, headers: [.contentType: "text/html; charset=utf-8"], body: .init(byteBuffer: ByteBuffer(string: html)))
    }

    /// Every table in a box of its own that scrolls sideways on a narrow screen (the page never does), focusable so
    /// a keyboard can scroll it too: done here, once, for the tables a page builds by hand; a `DataTable` draws its
    /// own box (`data-scrolls`) and is left as it is.
    static func scrollingTables(_ body: String) -> String {
        var result = "", rest = Substring(body)
        while let open = rest.range(of: "<table") {
            result += rest[..<open.lowerBound]
            rest = rest[open.lowerBound...]
            let close = rest.range(of: "</table>")?.upperBound ?? rest.endIndex
            let table = rest[..<close]
            result += table.hasPrefix("<table data-scrolls") ? String(table) : "<div class=\"table-scroll\" tabindex=\"0\" role=\"region\" aria-label=\"Table\">\(table)</div>"
            rest = rest[close...]
        }
        return result + rest
    }
}

extension String {
    /// The string percent-encoded for a URL query value.
    func addingPercentEncodingForQuery() -> String {
        var encoded = ""
        for byte in utf8 {
            let character = Character(UnicodeScalar(byte))
            if character.isASCII && (character.isLetter || character.isNumber || "-._~".contains(character)) {
                encoded.append(character)
            } else {
                encoded += "%" + String(byte, radix: 16, uppercase: true).leftPadded(to: 2)
            }
        }
        return encoded
    }

    func leftPadded(to width: Int) -> String { String(repeating: "0", count: max(0, width - count)) + self }
}
