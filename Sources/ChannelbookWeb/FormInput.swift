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
