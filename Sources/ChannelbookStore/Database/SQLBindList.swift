import SQLKit

extension SQLQueryString {
    /// Appends `value, value, …` as bound parameters, for an `IN (…)` list.
    mutating func appendBindList<Value: Encodable & Sendable>(_ values: some Sequence<Value>) {
        for (index, value) in values.enumerated() {
            if index > 0 { appendLiteral(", ") }
            appendInterpolation(bind: value)
        }
    }
}
