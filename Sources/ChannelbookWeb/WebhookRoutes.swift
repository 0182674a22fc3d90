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
            return try await page(context)
        }
        router.post("/webhooks") { request, context in
            let user = try context.require(.manageWebhooks)
            let form = try await FormRoutes.decodeForm(AddForm.self, request, context)
            try context.checkCSRF(form.csrf)
            do {
                let events = (form.events ?? []).isEmpty ? nil : try WebhookEventType.parseList((form.events ?? []).joined(separator: ","))
                let added = try await database.write { try await $0.addWebhook(url: form.url, events: events, actor: user.email) }
                return try await page(context, added: ["id": "\(added.endpoint.id)", "secret": added.secret])
            } catch let refusal as any RefusalError {
                var response = try await page(context, refusal: refusal.description, typedURL: form.url)
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

    /// The page from `webhooks.mustache`: the endpoints, the form to add one (the URL kept after a refusal), the
    /// newest attempts; `added`: the endpoint just added and its secret, shown once.
    private func page(_ context: WebContext, added: [String: Any]? = nil, refusal: String? = nil, typedURL: String = "") async throws -> Response {
        let endpoints = try await database.read { try await $0.webhooks() }
        let attempts = try await database.read { try await $0.webhookAttempts(limit: 20) }
        var values: [String: Any] = [
            "csrf": context.session?.csrfToken ?? "", "typedURL": typedURL, "eventTypes": WebhookEventType.allCases.map(\.rawValue),
            "hasEndpoints": !endpoints.isEmpty, "hasAttempts": !attempts.isEmpty,
            "endpoints": endpoints.map { endpoint -> [String: Any] in
                let events = endpoint.events.map { $0.map(\.rawValue).joined(separator: ", ") } ?? "every event"
                return [
                    "id": "\(endpoint.id)", "url": endpoint.url, "events": events, "pending": "\(endpoint.pending)", "delivered": "\(endpoint.delivered)",
                    "failed": "\(endpoint.failed)", "createdBy": endpoint.createdBy, "createdOn": "\(endpoint.createdOn)",
                ]
            },
            "attempts": attempts.map { attempt -> [String: Any] in
                [
                    "at": attempt.attemptedAt, "endpoint": "\(attempt.endpoint)", "type": attempt.type, "eventID": attempt.eventID,
                    "answer": attempt.answer, "status": attempt.status,
                ]
            },
        ]
        if let added { values["added"] = added }
        if let refusal { values["refusal"] = ["message": refusal, "isError": true] as [String: Any] }
        return signedInPage("Webhooks", context, Templates.render(.webhooks, values))
    }
}
