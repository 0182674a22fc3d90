import ChannelbookCore
import ChannelbookStore
import Hummingbird

/// `/enablement`: national resellers' reps and training (vendor roles); an account manager's own partners first.
struct EnablementRoutes {
    let database: DatabasePool

    func register(on router: Router<WebContext>) {
        router.get("/enablement") { _, context in
            let user = try context.require(.viewEnablement)
            let today = WebClock.today(context)
            let rows = try await database.read { try await $0.enablementReport(asOf: today) }
            let mine = Set(user.role == .accountManager ? try await database.read { try await $0.partners(ofAccountManager: user.email) } : [])
            let ordered = rows.filter { mine.contains($0.partner) } + rows.filter { !mine.contains($0.partner) }
            let body = rows.isEmpty
                ? "<p>No national reseller and no enablement records yet (<code>channelbook enablement record</code>, <code>channelbook import enablement FILE</code>).</p>"
                : Self.table(ordered, mine: mine)
            return signedInPage("Enablement", context, "<p>Reps trained in \"the way we sell\", by partner: every national reseller and any partner with records.</p>" + body)
        }
    }

    static func table(_ rows: [EnablementReportRow], mine: Set<PartnerCode>) -> String {
        let cells = rows.map { row in
            "<tr><td><a href=\"/partners/\(HTML.escape(row.partner.rawValue))\">\(HTML.escape(row.partner.rawValue))</a>\(mine.contains(row.partner) ? " (mine)" : "")</td>"
                + "<td>\(HTML.escape(row.name))</td><td>\(row.tier?.rawValue ?? "")</td><td>\(row.reps)</td><td>\(row.trainedReps)</td><td>\(row.coursesCompleted)</td>"
                + "<td>\(row.lastCompleted?.description ?? "")</td><td>\(HTML.escape(row.accountManager ?? ""))</td></tr>"
        }.joined()
        return "<table><thead><tr><th>partner</th><th>name</th><th>tier</th><th>reps</th><th>trained reps</th><th>courses completed</th><th>last completed</th><th>account manager</th></tr></thead><tbody>\(cells)</tbody></table>"
    }

    /// A partner's reps and their courses, for the partner's page.
    static func repsSection(_ reps: [EnablementRep]) -> String {
        guard !reps.isEmpty else { return "<h2>Enablement</h2><p>No reps recorded yet.</p>" }
        let rows = reps.map { rep in
            let courses = rep.courses.map { "\(HTML.escape($0.course)) (\($0.completedOn))" }.joined(separator: ", ")
            return "<tr><td>\(HTML.escape(rep.email))</td><td>\(HTML.escape(rep.name))</td><td>\(courses.isEmpty ? "not trained yet" : courses)</td></tr>"
        }.joined()
        return "<h2>Enablement</h2><table><thead><tr><th>rep</th><th>name</th><th>courses completed</th></tr></thead><tbody>\(rows)</tbody></table>"
    }
}
