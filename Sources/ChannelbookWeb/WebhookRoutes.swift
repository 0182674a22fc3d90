import ChannelbookCore
import ChannelbookStore
import Foundation
import Hummingbird

/// `/webhooks` (admins): the endpoints events are sent to, with their deliveries; add one (its signing secret shown
/// once), remove one; the newest attempts and what each receiver answered. The same store actions as `channelbook webhook`.
struct WebhookRoutes {
    let database: DatabasePool

    struct AddForm: Decodable {
        let csrf: String
        let url: String
        /// Checked events; none checked: every event.
        let events: [String]?
    }

    func register(on router: Router<WebContext>) {
        router.get("/webhooks") { _, context in
            _ = try context.require(.manageWebhooks)
            return try await page(context, notice: nil, typedURL: "")
        }
        router.post("/webhooks") { request, context in
            let user = try context.require(.manageWebhooks)
            let form = try await FormRoutes.decodeForm(AddForm.self, request, context)
            try context.checkCSRF(form.csrf)
            do {
                let events = (form.events ?? []).isEmpty ? nil : try WebhookEventType.parseList((form.events ?? []).joined(separator: ","))
                let added = try await database.write { try await $0.addWebhook(url: form.url, events: events, actor: user.email) }
                let notice = """
                    <p role="status">Webhook \(added.endpoint.id) added. Its signing secret (shown once — give it to the receiver now):
                    <code>\(HTML.escape(added.secret))</code></p>
                    """
                return try await page(context, notice: notice, typedURL: "")
            } catch let refusal as any RefusalError {
                var response = try await page(context, notice: FormHTML.notice(refusal.description, isError: true), typedURL: form.url)
                response.status = .badRequest
                return response
            }
        }
        router.post("/webhooks/:id/remove") { request, context in
            let user = try context.require(.manageWebhooks)
            try context.checkCSRF(try await FormRoutes.decodeForm(CSRFForm.self, request, context).csrf)
            let id = try FormInput.id(context)
            do { try await database.write { try await $0.removeWebhook(id, actor: user.email) } } catch WebhookError.notFound { throw WebError.notFound(json: false) }
            return Response.redirect(to: "/webhooks", type: .normal)
        }
    }

    private func page(_ context: WebContext, notice: String?, typedURL: String) async throws -> Response {
        let csrf = HTML.escape(context.session?.csrfToken ?? "")
        let endpoints = try await database.read { try await $0.webhooks() }
        let attempts = try await database.read { try await $0.webhookAttempts(limit: 20) }
        let rows = endpoints.map { endpoint in
            let events = endpoint.events.map { $0.map(\.rawValue).joined(separator: ", ") } ?? "every event"
            return "<tr><td>\(endpoint.id)</td><td>\(HTML.escape(endpoint.url))</td><td>\(HTML.escape(events))</td>"
                + "<td>\(endpoint.pending)</td><td>\(endpoint.delivered)</td><td>\(endpoint.failed)</td><td>\(HTML.escape(endpoint.createdBy)) on \(endpoint.createdOn)</td>"
                + "<td><form method=\"post\" action=\"/webhooks/\(endpoint.id)/remove\"><input type=\"hidden\" name=\"csrf\" value=\"\(csrf)\">"
                + "<button aria-label=\"Remove webhook \(endpoint.id)\">Remove</button></form></td></tr>"
        }.joined()
        let table = endpoints.isEmpty ? "<p>No webhook endpoints yet.</p>"
            : "<table><thead><tr><th>id</th><th>URL</th><th>events</th><th>pending</th><th>delivered</th><th>failed</th><th>added</th><th></th></tr></thead><tbody>\(rows)</tbody></table>"
        let checkboxes = WebhookEventType.allCases.map { event in
            "<label><input type=\"checkbox\" name=\"events[]\" value=\"\(event.rawValue)\"> \(event.rawValue)</label>"
        }.joined(separator: " ")
        let attemptRows = attempts.map { attempt in
            "<tr><td>\(attempt.attemptedAt)</td><td>\(attempt.endpoint)</td><td>\(HTML.escape(attempt.type))</td><td><code>\(HTML.escape(attempt.eventID))</code></td>"
                + "<td>\(HTML.escape(attempt.answer))</td><td>\(HTML.escape(attempt.status))</td></tr>"
        }.joined()
        let attemptTable = attempts.isEmpty ? "<p>No deliveries attempted yet.</p>"
            : "<table><thead><tr><th>when</th><th>webhook</th><th>event</th><th>event id</th><th>answer</th><th>delivery</th></tr></thead><tbody>\(attemptRows)</tbody></table>"
        let body = """
            \(notice ?? "")
            <p>Channelbook sends each event as a signed POST (see the README's "The JSON API and webhooks"), retrying for a day.</p>
            \(table)
            <h2>Add an endpoint</h2>
            <form method="post" action="/webhooks"><input type="hidden" name="csrf" value="\(csrf)">
            <p><label>URL <input type="url" name="url" required maxlength="2000" value="\(HTML.escape(typedURL))" placeholder="https://erp.example/channelbook"></label></p>
            <fieldset><legend>Events (none checked: every event)</legend>\(checkboxes)</fieldset>
            <p><button>Add</button></p></form>
            <h2>Newest attempts</h2>
            \(attemptTable)
            """
        return signedInPage("Webhooks", context, body)
    }
}
