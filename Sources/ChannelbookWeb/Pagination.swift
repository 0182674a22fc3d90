import Hummingbird

/// One page of a table: pages are 50 rows, chosen with `?page=N`; other query parameters (filters) are kept.
struct Pagination<Item> {
    static var pageSize: Int { 50 }

    let items: ArraySlice<Item>
    let page: Int
    let pages: Int
    let total: Int

    init(_ all: [Item], request: Request) {
        total = all.count
        pages = max(1, (all.count + Self.pageSize - 1) / Self.pageSize)
        page = min(pages, max(1, request.formQuery.get("page").flatMap { Int($0) } ?? 1))
        let start = (page - 1) * Self.pageSize
        items = all[min(start, all.count)..<min(start + Self.pageSize, all.count)]
    }

    /// `page 2 of 7 (320 rows) · previous · next`, linking to the same path with the same filters.
    func pager(_ request: Request, noun: String) -> String {
        let filters = request.formQuery.filter { $0.key != "page" }
            .map { "\(String($0.key).addingPercentEncodingForQuery())=\(String($0.value).addingPercentEncodingForQuery())" }.joined(separator: "&")
        func link(_ target: Int) -> String { HTML.escape("\(request.uri.path)?\(filters.isEmpty ? "" : filters + "&")page=\(target)") }
        return "<p>page \(page) of \(pages) (\(total) \(noun))"
            + (page > 1 ? " · <a href=\"\(link(page - 1))\">previous</a>" : "")
            + (page < pages ? " · <a href=\"\(link(page + 1))\">next</a>" : "") + "</p>"
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
