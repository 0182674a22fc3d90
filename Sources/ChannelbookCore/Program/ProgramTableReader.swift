/// Collects problems while a program file is read, so one run reports all of them.
final class ProblemList {
    private(set) var problems: [ProgramProblem] = []

    func add(_ path: String, _ message: String) { problems.append(ProgramProblem(path: path, message: message)) }
}

/// Reads the keys of one TOML table by type, recording a problem (with its TOML path) for every
/// missing key, wrong type or bad value, and — on `finish()` — for every key nobody asked for.
final class ProgramTableReader {
    let path: String
    private let entries: [String: TOMLNode]
    private let problems: ProblemList
    private var readKeys: Set<String> = []

    init(entries: [String: TOMLNode], path: String, problems: ProblemList) {
        self.entries = entries
        self.path = path
        self.problems = problems
    }

    func pathOf(_ key: String) -> String { path.isEmpty ? key : "\(path).\(key)" }

    func problem(_ key: String, _ message: String) { problems.add(pathOf(key), message) }

    /// A problem of the table as a whole (its keys together), reported at the table's own path.
    func problem(_ message: String) { problems.add(path, message) }

    /// Whether the table sets `key`: for settings with a default, read only when present.
    func has(_ key: String) -> Bool {
        readKeys.insert(key)
        return entries[key] != nil
    }

    /// The node under `key`; a missing key is a problem.
    func node(_ key: String) -> TOMLNode? {
        readKeys.insert(key)
        guard let node = entries[key] else {
            problems.add(pathOf(key), "missing")
            return nil
        }
        return node
    }

    func table(_ key: String) -> ProgramTableReader? {
        guard let node = node(key) else { return nil }
        guard case .table(let entries) = node else { return wrongType(key, node, "a table") }
        return ProgramTableReader(entries: entries, path: pathOf(key), problems: problems)
    }

    /// The elements of an array of tables, each with its indexed path (`rebate.tiers[0]`).
    func tables(_ key: String) -> [ProgramTableReader]? {
        guard let elements = array(key) else { return nil }
        var readers: [ProgramTableReader] = []
        for (index, element) in elements.enumerated() {
            let elementPath = "\(pathOf(key))[\(index)]"
            guard case .table(let entries) = element else {
                problems.add(elementPath, "must be a table such as { from = ..., rate = ... }, not \(element.kindName)")
                continue
            }
            readers.append(ProgramTableReader(entries: entries, path: elementPath, problems: problems))
        }
        return readers
    }

    func array(_ key: String) -> [TOMLNode]? {
        guard let node = node(key) else { return nil }
        guard case .array(let elements) = node else { return wrongType(key, node, "an array") }
        return elements
    }

    func string(_ key: String) -> String? {
        guard let node = node(key) else { return nil }
        guard case .string(let value) = node else { return wrongType(key, node, "a string") }
        return value
    }

    func boolean(_ key: String) -> Bool? {
        guard let node = node(key) else { return nil }
        guard case .boolean(let value) = node else { return wrongType(key, node, "true or false") }
        return value
    }

    /// A whole number within `range`.
    func integer(_ key: String, in range: ClosedRange<Int>) -> Int? {
        guard let node = node(key) else { return nil }
        guard case .integer(let value) = node else { return wrongType(key, node, "a whole number") }
        guard range.contains(value) else {
            problem(key, "\(value) is out of range (\(range.lowerBound) to \(range.upperBound))")
            return nil
        }
        return value
    }

    /// One of an enumeration's raw values, such as `mode = "volume"`.
    func choice<Choice: RawRepresentable & CaseIterable>(_ key: String, _: Choice.Type) -> Choice? where Choice.RawValue == String {
        guard let text = string(key) else { return nil }
        guard let value = Choice(rawValue: text) else {
            problem(key, "'\(text)' is not one of \(Choice.allCases.map { "\"\($0.rawValue)\"" }.joined(separator: ", "))")
            return nil
        }
        return value
    }

    /// A set of enumeration values written as an array of strings; unknown and repeated values are problems.
    func choices<Choice: RawRepresentable & CaseIterable & Hashable>(_ key: String, _: Choice.Type, noun: String) -> Set<Choice>?
    where Choice.RawValue == String {
        guard let elements = array(key) else { return nil }
        var result: Set<Choice> = []
        var valid = true
        for (index, element) in elements.enumerated() {
            let elementPath = "\(pathOf(key))[\(index)]"
            guard case .string(let text) = element else {
                problems.add(elementPath, "must be a string, not \(element.kindName)")
                valid = false
                continue
            }
            guard let value = Choice(rawValue: text) else {
                let known = Choice.allCases.map(\.rawValue).joined(separator: ", ")
                problems.add(elementPath, "unknown \(noun) '\(text)' (known: \(known))")
                valid = false
                continue
            }
            if !result.insert(value).inserted {
                problems.add(elementPath, "\(noun) '\(text)' is listed twice")
                valid = false
            }
        }
        return valid ? result : nil
    }

    /// A date, written as a TOML date (`2005-01-01`) or a string (`"2005-01-01"`).
    func date(_ key: String) -> BusinessDate? {
        guard let node = node(key) else { return nil }
        switch node {
        case let .date(year, month, day):
            guard let date = BusinessDate(year: year, month: month, day: day) else {
                problem(key, "not a day of the calendar")
                return nil
            }
            return date
        case .string(let text):
            do { return try BusinessDate.parse(text) } catch {
                problem(key, "\(error)")
                return nil
            }
        default:
            return wrongType(key, node, "a date (YYYY-MM-DD)")
        }
    }

    /// An amount written as a decimal string in `currency` (`"30000.00"`); floats are refused as inexact.
    func money(_ key: String, currency: Currency) -> Money? {
        guard let node = node(key) else { return nil }
        guard case .string(let text) = node else {
            if case .integer = node { return wrongType(key, node, "an amount written as a string such as \"30000.00\"") }
            return wrongType(key, node, "an amount written as a string such as \"30000.00\" (floating-point numbers are inexact)")
        }
        do { return try Money.parse(text, currency: currency) } catch {
            problem(key, "\(error)")
            return nil
        }
    }

    /// A percentage written as a string (`"7.5%"`), in basis points.
    func rate(_ key: String) -> BasisPoints? {
        guard let node = node(key) else { return nil }
        guard case .string(let text) = node else { return wrongType(key, node, "a percentage string such as \"7.5%\"") }
        do { return try BasisPoints.parsePercent(text) } catch {
            problem(key, "\(error)")
            return nil
        }
    }

    /// The keys of this table, for tables whose keys are data (tier names) rather than settings.
    func allEntries() -> [(key: String, node: TOMLNode)] {
        readKeys.formUnion(entries.keys)
        return entries.keys.sorted().map { ($0, entries[$0]!) }
    }

    /// Reports every key of the table that was not read: a misspelt setting must not be ignored.
    func finish() {
        for key in entries.keys.sorted() where !readKeys.contains(key) {
            problems.add(pathOf(key), "unknown key")
        }
    }

    private func wrongType<T>(_ key: String, _ node: TOMLNode, _ expected: String) -> T? {
        problem(key, "must be \(expected), not \(node.kindName)")
        return nil
    }
}
