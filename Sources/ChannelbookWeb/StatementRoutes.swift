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

    /// The statement from its template (`statement.mustache`): the lines in words, each with how it was computed.
    private func statementPage(_ statement: StatementView, _ context: WebContext) -> Response {
        let body = Templates.render(
            .statement,
            [
                "partner": statement.partner.rawValue, "partnerName": statement.partnerName, "quarter": statement.quarter.description,
                "status": statement.status.rawValue, "reference": statement.reference, "total": Templates.money(statement.total),
                "hasLines": !statement.lines.isEmpty,
                "lines": statement.lines.map { line -> [String: Any] in
                    ["kind": line.kind.label, "description": line.description, "amount": Templates.money(line.amount), "explanation": line.explanation]
                },
            ])
        let crumbs = context.user?.role.isVendor == true ? QuarterEndRoutes.crumbs(statement.quarter) : [("/", "Dashboard")]
        return signedInPage("Statement \(statement.reference)", context, body, crumbs: crumbs)
    }
}
