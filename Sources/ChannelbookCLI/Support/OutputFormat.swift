import ArgumentParser
import ChannelbookCore
import Foundation

/// How a command prints its result: aligned text for people, JSON for scripts.
enum OutputFormat: String, CaseIterable, ExpressibleByArgument {
    case table
    case json
}

extension ResellerTier: ExpressibleByArgument {}

/// JSON as Channelbook prints it: pretty, keys sorted, so output is stable and diffs read well.
func jsonText(_ value: some Encodable) throws -> String {
    let encoder = JSONEncoder()
    encoder.outputFormatting = [.prettyPrinted, .sortedKeys, .withoutEscapingSlashes]
    return String(decoding: try encoder.encode(value), as: UTF8.self)
}

/// Rows of `label  value`, labels padded to one width.
func alignedRows(_ rows: [(String, String)], indent: String = "") -> [String] {
    let width = rows.map(\.0.count).max() ?? 0
    return rows.map { indent + $0.0.padding(toLength: width, withPad: " ", startingAt: 0) + "  " + $0.1 }
}
