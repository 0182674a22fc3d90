import ChannelbookCore
import ChannelbookStore
import Foundation
import Hummingbird

/// A statement's page, scoped to the login: a partner user sees only its own partner's, and asking for
/// another's is answered 404 exactly as for one that does not exist. (The API's twin is in ChannelbookAPI.)
struct StatementRoutes {
    let database: DatabasePool

    func register(on router: Router<WebContext>) {
        router.get("/statements/:quarter/:partner") { _, context in
            let statement = try await scopedStatement(context)
            return statementPage(statement, context)
        }
    }

    /// The statement named by the path, if the login may see it; otherwise 404.
    private func scopedStatement(_ context: WebContext) async throws -> StatementView {
        let user = try context.requireUser(json: false)
        guard let quarter = try? Quarter.parse(context.parameters.get("quarter") ?? ""),
            let partner = context.parameters.get("partner").map({ PartnerCode(rawValue: $0) })
        else { throw WebError.notFound(json: false) }
        if user.role == .partner && user.partner != partner { throw WebError.notFound(json: false) }
        do {
            return try await database.read { try await $0.statement(partner: partner, quarter: quarter) }
        } catch is StatementError {
            throw WebError.notFound(json: false)
        } catch is StoreError {
            throw WebError.notFound(json: false)
        }
    }

    private func statementPage(_ statement: StatementView, _ context: WebContext) -> Response {
        var rows = ""
        for line in statement.lines {
            rows += "<tr><td>\(HTML.escape(line.kind.label))</td><td>\(HTML.escape(line.description))</td><td class=\"money\">\(HTML.escape(line.amount.displayString))</td></tr>"
            rows += "<tr><td></td><td colspan=\"2\"><details><summary>How it was computed</summary><ul>"
                + line.explanation.map { "<li>\(HTML.escape($0))</li>" }.joined() + "</ul></details></td></tr>"
        }
        let body = """
            <p>\(HTML.escape(statement.partner.rawValue)) \(HTML.escape(statement.partnerName)) · \(statement.quarter) · \(statement.status.rawValue)</p>
            <table><thead><tr><th>line</th><th>description</th><th>amount</th></tr></thead><tbody>\(rows)</tbody>
            <tfoot><tr><th></th><th>total</th><th class="money">\(HTML.escape(statement.total.displayString))</th></tr></tfoot></table>
            """
        return signedInPage("Statement \(statement.reference)", context, body)
    }
}
