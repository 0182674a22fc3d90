/// The columns of an import file, found by name in its header row so column order does not matter.
public struct CSVHeader: Sendable {
    private let indexByName: [String: Int]

    /// Reads the header: every required column present, no unknown or repeated column.
    /// - Returns: the header, or the problems found (each naming the column).
    public static func read(
        _ record: CSVRecord, required: [String], optional: [String] = [], file: String
    ) -> Result<CSVHeader, ImportProblems> {
        var problems = ImportProblems(file: file)
        var indexByName: [String: Int] = [:]
        let known = Set(required + optional)
        for (index, rawName) in record.fields.enumerated() {
            let name = rawName.trimmingSpaces()
            if !known.contains(name) {
                problems.add(line: record.line, field: name, "unknown column (expected \((required + optional).joined(separator: ",")))")
            } else if indexByName[name] != nil {
                problems.add(line: record.line, field: name, "column appears twice")
            } else {
                indexByName[name] = index
            }
        }
        for name in required where indexByName[name] == nil {
            problems.add(line: record.line, field: name, "required column is missing")
        }
        return problems.isEmpty ? .success(CSVHeader(indexByName: indexByName)) : .failure(problems)
    }

    /// The record's value in `column`, or `nil` when the column is absent from the file (optional columns).
    public func value(_ column: String, in record: CSVRecord) -> String? {
        guard let index = indexByName[column] else { return nil }
        return index < record.fields.count ? record.fields[index] : ""
    }

    public func has(_ column: String) -> Bool { indexByName[column] != nil }

    public var columnCount: Int { indexByName.count }
}

extension String {
    /// The string without leading and trailing spaces and tabs (header names are forgiven stray spaces).
    func trimmingSpaces() -> String {
        var scalars = Substring(self)
        while let first = scalars.first, first == " " || first == "\t" { scalars.removeFirst() }
        while let last = scalars.last, last == " " || last == "\t" { scalars.removeLast() }
        return String(scalars)
    }
}
