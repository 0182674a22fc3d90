/// The columns of an import file, found by name in its header row so column order does not matter.
public struct CSVHeader: Sendable {
    /// Each column's name and place. Looked up by a scan, not a hash: a file has a dozen columns at most, and comparing
    /// short names is cheaper than hashing one, ten times a line of a file of millions (BENCHMARKS.md, *Import speed*).
    private let columns: [(name: String, index: Int)]

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
        let columns = indexByName.map { (name: $0.key, index: $0.value) }.sorted { $0.index < $1.index }
        return problems.isEmpty ? .success(CSVHeader(columns: columns)) : .failure(problems)
    }

    /// The record's value in `column`, or `nil` when the column is absent from the file (optional columns).
    public func value(_ column: String, in record: CSVRecord) -> String? {
        guard let index = index(of: column) else { return nil }
        return index < record.fields.count ? record.fields[index] : ""
    }

    public func has(_ column: String) -> Bool { index(of: column) != nil }

    public var columnCount: Int { columns.count }

    private func index(of column: String) -> Int? {
        for entry in columns where entry.name == column { return entry.index }
        return nil
    }
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
