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

    /// The page from `audit.mustache`: the filter as typed, the entries, the link to the older ones.
    private static func body(_ page: KeyedPage<AuditEntry>?, _ typed: [String: String], problem: String?) -> String {
        let filterQuery = fields.compactMap { name in typed[name].flatMap { $0.isEmpty ? nil : "\(name)=\($0.addingPercentEncodingForQuery())" } }
        let entries = page?.items ?? []
        var values: [String: Any] = [
            "typed": typed, "csvHref": "/audit.csv" + (filterQuery.isEmpty ? "" : "?" + filterQuery.joined(separator: "&")),
            "hasEntries": !entries.isEmpty, "filtered": !filterQuery.isEmpty,
            "entries": entries.map { entry -> [String: Any] in
                [
                    "at": entry.timestamp, "actor": entry.actor, "action": entry.action, "partner": entry.partner?.rawValue ?? "",
                    "subject": entry.subject, "before": entry.before, "after": entry.after,
                ]
            },
        ]
        if let problem { values["problem"] = ["message": problem, "isError": true] as [String: Any] }
        if let next = page?.nextCursor { values["olderHref"] = "/audit?" + (filterQuery + ["before=\(next)"]).joined(separator: "&") }
        return Templates.render(.audit, values)
    }
}
