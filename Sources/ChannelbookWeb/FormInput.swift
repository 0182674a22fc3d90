import ChannelbookCore
import ChannelbookStore
import Hummingbird
import HummingbirdCore

/// Reading what a form sent: amounts, dates and path ids, each refused with the field it is about, so the page
/// shows the problem beside it.
enum FormInput {
    /// A form value that cannot be used, and the field it belongs to.
    struct FieldRefusal: Error {
        let field: String
        let message: String
        init(_ field: String, _ message: String) {
            self.field = field
            self.message = message
        }
    }

    /// Whether an error is a refusal to show on the form (a field's, or the store's in words), not a failure.
    static func isRefusal(_ error: any Error) -> Bool { error is FieldRefusal || error is any RefusalError }

    static func amount(_ field: String, _ text: String?, _ currency: Currency) throws -> Money {
        guard let text, !text.isEmpty else { throw FieldRefusal(field, "an amount is required, such as 1500.00") }
        do { return try Money.parse(text, currency: currency) } catch { throw FieldRefusal(field, "\(error)") }
    }

    static func date(_ field: String, _ text: String?) throws -> BusinessDate {
        guard let text, let date = try? BusinessDate.parse(text) else { throw FieldRefusal(field, "a date is required (YYYY-MM-DD)") }
        return date
    }

    /// The `:id` of the path; a path without a number names nothing (404).
    static func id(_ context: WebContext) throws -> Int64 {
        guard let id = context.parameters.get("id").flatMap(Int64.init) else { throw WebError.notFound(json: false) }
        return id
    }
}

/// A form the page shows again after a refusal: which form (`request`, `hold-R00012`), the field the refusal is
/// about (nil: the whole form), the message, and what was typed, so nothing has to be typed twice.
struct FormProblem {
    let form: String
    let field: String?
    let message: String
    let values: [String: String]
}

extension Request {
    /// The query as a browser's GET form sends it: a space as `+` (HTML's form encoding), which Hummingbird's
    /// `queryParameters` leaves as a plus. A literal plus arrives as `%2B` and stays one.
    var formQuery: FlatDictionary<Substring, Substring> {
        guard let query = uri.query, query.contains("+") else { return uri.queryParameters }
        return URI("/?" + query.replacingOccurrences(of: "+", with: "%20")).queryParameters
    }
}

/// The HTML of forms that help: labelled fields keeping what was typed with their refusal beside them, and the
/// message a page shows after a redirect (`?done=`) or for a refusal of the whole form.
enum FormHTML {
    /// A labelled input keeping what was typed, with its refusal beside it (the `field` template). `extra` is
    /// attribute markup the page writes itself (` min="1"`), every value in it escaped.
    static func input(
        _ name: String, _ label: String, _ problem: FormProblem?, type: String = "text", required: Bool = false, size: Int = 14, extra: String = "",
        fallback: String = "", id: String? = nil
    ) -> String {
        var values = field(name, label, problem, required: required, id: id)
        values["isSelect"] = false
        (values["type"], values["size"], values["extra"], values["value"]) = (type, size, extra, problem?.values[name] ?? fallback)
        return Templates.render(.field, values)
    }

    /// A labelled list to choose from, with its refusal beside it; without `required`, a blank choice first.
    static func select(
        _ name: String, _ label: String, _ options: [(value: String, label: String)], selected: String, problem: FormProblem?, required: Bool = false,
        id: String? = nil, chooseFirst: Bool = false
    ) -> String {
        var values = field(name, label, problem, required: required, id: id)
        values["isSelect"] = true
        // An optional choice starts blank; so does a required one that must be chosen on purpose (`chooseFirst`: the
        // browser refuses the form until it is).
        values["blank"] = !required || chooseFirst
        values["options"] = options.map { ["value": $0.value, "text": $0.label, "chosen": $0.value == selected] as [String: Any] }
        return Templates.render(.field, values)
    }

    private static func field(_ name: String, _ label: String, _ problem: FormProblem?, required: Bool, id: String?) -> [String: Any] {
        let invalid = problem?.field == name
        return [
            "id": id ?? "field-\(name)", "name": name, "label": label, "required": required, "invalid": invalid,
            "message": invalid ? problem?.message ?? "" : "",
        ]
    }

    /// A choice per case, named by its stored value: a filter's options.
    static func options<Choice: RawRepresentable>(_ cases: some Sequence<Choice>) -> [(value: String, label: String)] where Choice.RawValue == String {
        cases.map { (value: $0.rawValue, label: $0.rawValue) }
    }

    /// A list's filter form (GET, so the filters are in the address and kept by its sort and page links): its fields'
    /// ids start `filter-`, apart from any form of the same page.
    static func filters(action: String, _ fields: [String], button: String = "Filter") -> String {
        Templates.render(.filters, ["action": action, "fields": fields, "button": button])
    }

    /// A success message carried by the redirect (`?done=`, signed for the session by `redirect(to:done:)`), or the
    /// refusal of a form without a field of its own. An unsigned or foreign message is not shown.
    static func notices(_ request: Request, _ context: WebContext, _ problem: FormProblem?) -> String {
        if let problem { return problem.field == nil ? notice(problem.message, isError: true) : "" }
        let query = request.formQuery
        guard let done = query.get("done").map({ String($0) }), let signature = query.get("sig").map({ String($0) }), let session = context.session,
            WebApp.sameBytes(signature, session.signature(of: done))
        else { return "" }
        return notice(String(done.prefix(300)), isError: false)
    }

    /// A message on a page (the `notice` template): a success, or a refusal announced to screen readers at once.
    static func notice(_ message: String, isError: Bool) -> String {
        Templates.render(.notice, ["message": message, "isError": isError])
    }

    /// Back to `path` after a form, with `message` shown there (signed for this session).
    static func redirect(to path: String, done message: String, _ context: WebContext) -> Response {
        let signature = context.session?.signature(of: message) ?? ""
        let separator = path.contains("?") ? "&" : "?"
        return Response.redirect(to: "\(path)\(separator)done=\(message.addingPercentEncodingForQuery())&sig=\(signature)", type: .normal)
    }
}
