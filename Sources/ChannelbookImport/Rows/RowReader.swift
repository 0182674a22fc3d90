import ChannelbookCore

/// Reads the fields of one CSV record by column name, recording a `FILE:LINE: field: problem` for each
/// bad value and returning `nil` for it, so one pass over a row reports all of its problems.
struct RowReader {
    let header: CSVHeader
    let record: CSVRecord

    /// Text, trimmed of nothing: what the file says. Required text may not be empty.
    func text(_ column: String, required: Bool = true, maximumLength: Int = 200, _ problems: inout ImportProblems) -> String? {
        let value = header.value(column, in: record) ?? ""
        if value.isEmpty {
            if required { problems.add(line: record.line, field: column, "is required") }
            return required ? nil : ""
        }
        // The one text rule (TextRules.require): control characters refused, length in code points as the schema counts.
        do { try TextRules.require(column, value, maximumLength: maximumLength) } catch {
            problems.add(line: record.line, field: column, error.problem)
            return nil
        }
        return value
    }

    /// A code such as a partner code or SKU: letters, digits, `-`, `_`, `.` and `/`.
    func code(_ column: String, _ problems: inout ImportProblems) -> String? {
        guard let value = text(column, maximumLength: 64, &problems) else { return nil }
        if !Self.isCode(value) {
            problems.add(line: record.line, field: column, "'\(value)' may hold only letters, digits, '-', '_', '.' and '/'")
            return nil
        }
        return value
    }

    /// Whether `value` is spelled as a code: at most 64 letters, digits, `-`, `_`, `.` and `/`.
    static func isCode(_ value: String) -> Bool {
        value.utf8.count <= 64
            && value.utf8.allSatisfy { byte in
                (byte >= UInt8(ascii: "a") && byte <= UInt8(ascii: "z")) || (byte >= UInt8(ascii: "A") && byte <= UInt8(ascii: "Z"))
                    || (byte >= UInt8(ascii: "0") && byte <= UInt8(ascii: "9")) || byte == UInt8(ascii: "-") || byte == UInt8(ascii: "_")
                    || byte == UInt8(ascii: ".") || byte == UInt8(ascii: "/")
            }
    }

    func date(_ column: String, required: Bool = true, _ problems: inout ImportProblems) -> BusinessDate? {
        guard let value = text(column, required: required, &problems), !value.isEmpty else { return nil }
        do {
            let date = try BusinessDate.parse(value)
            if let problem = LineLimits.dateProblem(date) {
                problems.add(line: record.line, field: column, problem)
                return nil
            }
            return date
        } catch {
            problems.add(line: record.line, field: column, "\(error)")
            return nil
        }
    }

    func money(_ column: String, currency: Currency, _ problems: inout ImportProblems) -> Money? {
        guard let value = text(column, &problems) else { return nil }
        do {
            let amount = try Money.parse(value, currency: currency)
            if let problem = LineLimits.amountProblem(amount) {
                problems.add(line: record.line, field: column, problem)
                return nil
            }
            return amount
        } catch {
            problems.add(line: record.line, field: column, "\(error)")
            return nil
        }
    }

    func integer(_ column: String, in range: ClosedRange<Int64>, required: Bool = true, _ problems: inout ImportProblems) -> Int64? {
        guard let value = text(column, required: required, &problems), !value.isEmpty else { return nil }
        // ASCII digits and minus only, checked on the bytes (Character's isNumber costs more than the parse).
        guard let number = Int64(value), value.utf8.allSatisfy({ ($0 >= UInt8(ascii: "0") && $0 <= UInt8(ascii: "9")) || $0 == UInt8(ascii: "-") }) else {
            problems.add(line: record.line, field: column, "'\(value)' is not a whole number")
            return nil
        }
        guard range.contains(number) else {
            problems.add(line: record.line, field: column, "\(number) is out of range (\(range.lowerBound) to \(range.upperBound))")
            return nil
        }
        return number
    }

    func choice<Choice: RawRepresentable & CaseIterable>(_ column: String, _: Choice.Type, _ problems: inout ImportProblems) -> Choice?
    where Choice.RawValue == String {
        guard let value = text(column, &problems) else { return nil }
        guard let choice = Choice(rawValue: value) else {
            problems.add(line: record.line, field: column, "'\(value)' is not one of \(Choice.allCases.map(\.rawValue).joined(separator: ", "))")
            return nil
        }
        return choice
    }

    func abn(_ column: String, _ problems: inout ImportProblems) -> ABN?? {
        guard let value = text(column, required: false, &problems) else { return nil }
        if value.isEmpty { return .some(nil) }
        do { return .some(try ABN.parse(value)) } catch {
            problems.add(line: record.line, field: column, "\(error)")
            return nil
        }
    }

    /// A reseller named by partner code or by ABN (spaces allowed), as sales and contract files name it.
    func resellerReference(_ column: String, _ problems: inout ImportProblems) -> ResellerReference? {
        guard let text = text(column, maximumLength: 200, &problems) else { return nil }
        // Eleven digits that fail the ABN checksum are a typo or another number: a name as written, parked for review.
        if ABN.looksLikeABN(text) { return (try? ABN.parse(text)).map { .abn($0) } ?? .name(text) }
        return Self.isCode(text) ? .code(PartnerCode(text)) : .name(text)
    }

    /// Reports a record with fewer or more fields than the header.
    func checkFieldCount(_ problems: inout ImportProblems) -> Bool {
        guard record.fields.count == header.columnCount else {
            problems.add(line: record.line, field: "", "has \(record.fields.count) fields; the header has \(header.columnCount)")
            return false
        }
        return true
    }
}
