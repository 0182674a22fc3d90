import ChannelbookCore
import ChannelbookStore
import Foundation
import Hummingbird

/// `/audit`: the audit log newest first, filtered by date range, actor, action and partner, a page at a time in SQL
/// (an id cursor, so it never stops at a row limit), and `/audit.csv`: the same filter, every row, streamed a page
/// at a time so memory does not grow with the log.
struct AuditRoutes {
    let database: DatabasePool

    static let entriesPerPage = 100
    static let csvBatch = 1_000

    func register(on router: Router<WebContext>) {
        router.get("/audit") { request, context in
            _ = try context.require(.viewAuditLog)
            let query = request.formQuery
            let typed = Self.fields.map { ($0, query.get($0).map { String($0.prefix(300)) } ?? "") }
            let values = Dictionary(uniqueKeysWithValues: typed)
            var problem: String?
            var page: KeyedPage<AuditEntry>?
            do {
                let filter = try Self.filter(values)
                let before = try query.get("before").map { text -> Int64 in
                    guard let id = Int64(text), id > 0 else { throw TextProblem(field: "before", problem: "is not a page of this log") }
                    return id
                }
                page = try await database.read { try await $0.auditPage(filter, before: before, limit: Self.entriesPerPage) }
            } catch let refusal as TextProblem {
                problem = refusal.description
            }
            return signedInPage("Audit log", context, Self.body(page, values, problem: problem)).withStatus(problem == nil ? .ok : .badRequest)
        }
        router.get("/audit.csv") { request, context in
            _ = try context.require(.viewAuditLog)
            let query = request.formQuery
            let filter: AuditFilter
            do { filter = try Self.filter(Dictionary(uniqueKeysWithValues: Self.fields.map { ($0, query.get($0).map { String($0) } ?? "") })) } catch let refusal as TextProblem {
                throw WebError(.badRequest, refusal.description, json: false)
            }
            let database = self.database
            return StreamedCSV.response(fileName: "audit-log.csv", header: ["at", "actor", "action", "partner", "subject", "before", "after"]) { cursor in
                let page = try await database.read { try await $0.auditPage(filter, before: cursor.flatMap { Int64($0) }, limit: Self.csvBatch) }
                return (page.items.map { [$0.timestamp, $0.actor, $0.action, $0.partner?.rawValue ?? "", $0.subject, $0.before, $0.after] }, page.nextCursor)
            }
        }
    }

    private static let fields = ["since", "until", "actor", "action", "partner"]

    private static func filter(_ values: [String: String]) throws -> AuditFilter {
        try AuditFilter.parse(since: values["since"], until: values["until"], actor: values["actor"], action: values["action"], partner: values["partner"])
    }

    private static func body(_ page: KeyedPage<AuditEntry>?, _ values: [String: String], problem: String?) -> String {
        func field(_ name: String, _ label: String, type: String = "text", size: Int = 14) -> String {
            "<label>\(label) <input type=\"\(type)\" name=\"\(name)\" size=\"\(size)\" value=\"\(HTML.escape(values[name] ?? ""))\"></label>"
        }
        let filterQuery = fields.compactMap { name in values[name].flatMap { $0.isEmpty ? nil : "\(name)=\($0.addingPercentEncodingForQuery())" } }
        var html = problem.map { FormHTML.notice($0, isError: true) } ?? ""
        html += "<form method=\"get\" action=\"/audit\" class=\"filters\">\(field("since", "From", type: "date")) \(field("until", "To", type: "date")) "
            + "\(field("actor", "Who")) \(field("action", "Action")) \(field("partner", "Partner", size: 8)) <button>Filter</button> "
            + "<a href=\"/audit.csv\(filterQuery.isEmpty ? "" : "?" + filterQuery.joined(separator: "&amp;"))\">Export CSV</a></form>"
        guard let page, !page.items.isEmpty else { return html + "<p>No audit entries\(filterQuery.isEmpty ? "" : " match the filter").</p>" }
        let rows = page.items.map { entry in
            "<tr><td>\(HTML.escape(entry.timestamp))</td><td>\(HTML.escape(entry.actor))</td><td>\(HTML.escape(entry.action))</td>"
                + "<td>\(HTML.escape(entry.partner?.rawValue ?? ""))</td><td>\(HTML.escape(entry.subject))</td><td>\(HTML.escape(entry.before))</td><td>\(HTML.escape(entry.after))</td></tr>"
        }.joined()
        html += "<table><thead><tr><th>at</th><th>who</th><th>action</th><th>partner</th><th>subject</th><th>before</th><th>after</th></tr></thead><tbody>\(rows)</tbody></table>"
        if let next = page.nextCursor {
            html += "<p><a href=\"/audit?\((filterQuery + ["before=\(next)"]).joined(separator: "&amp;"))\">Older entries →</a></p>"
        }
        return html
    }
}
