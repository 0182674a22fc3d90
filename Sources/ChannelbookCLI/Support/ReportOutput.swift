import ArgumentParser
import ChannelbookCore
import Foundation

/// How a report prints: CSV for spreadsheets and accounts-payable systems, JSON for scripts, a table for people.
enum ReportFormat: String, CaseIterable, ExpressibleByArgument {
    case csv, json, table
}

/// A report as named columns of text cells, printable in each `ReportFormat`.
struct Report {
    let columns: [String]
    let rows: [[String]]

    /// RFC 4180 quoting and no spreadsheet formulas (`CSVText`).
    var csvLines: [String] { ([columns] + rows).map(CSVText.line) }

    /// Columns padded to their widest cell; numbers are already fixed-decimal strings.
    var tableLines: [String] {
        let widths = columns.indices.map { index in ([columns] + rows).map { $0[index].count }.max() ?? 0 }
        func line(_ cells: [String]) -> String {
            zip(cells, widths).map { $0.padding(toLength: $1, withPad: " ", startingAt: 0) }.joined(separator: "  ")
        }
        return [line(columns), line(widths.map { String(repeating: "-", count: $0) })] + rows.map(line)
    }

    /// The rows as JSON objects keyed by column, every cell a string (money stays a decimal string).
    func jsonText() throws -> String {
        try ChannelbookCLI.jsonText(rows.map { Dictionary(zip(columns, $0), uniquingKeysWith: { first, _ in first }) })
    }

    /// Prints the report; `json` is the same data as objects (money as decimal strings).
    func print(_ format: ReportFormat, json: () throws -> String) throws {
        switch format {
        case .csv: csvLines.forEach { Console.line($0) }
        case .table: tableLines.forEach { Console.line($0) }
        case .json: Console.line(try json())
        }
    }
}
