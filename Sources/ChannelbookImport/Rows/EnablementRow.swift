import ChannelbookCore

/// A line of `enablement.csv`: `partner,rep_email,rep_name,course,completed_on`. A line without a course
/// records the rep alone (not trained yet); a course needs its completion date.
public struct EnablementRow: Hashable, Sendable {
    public static let requiredColumns = ["partner", "rep_email", "rep_name", "course", "completed_on"]

    public let line: Int
    public let partner: PartnerCode
    public let repEmail: String
    public let repName: String
    /// `nil` for a rep recorded without a course.
    public let completion: (course: String, on: BusinessDate)?

    public static func == (lhs: EnablementRow, rhs: EnablementRow) -> Bool {
        lhs.line == rhs.line && lhs.partner == rhs.partner && lhs.repEmail == rhs.repEmail && lhs.repName == rhs.repName
            && lhs.completion?.course == rhs.completion?.course && lhs.completion?.on == rhs.completion?.on
    }

    public func hash(into hasher: inout Hasher) { hasher.combine(line) }

    public static func parse(_ record: CSVRecord, header: CSVHeader, problems: inout ImportProblems) -> EnablementRow? {
        let row = RowReader(header: header, record: record)
        guard row.checkFieldCount(&problems) else { return nil }
        let before = problems.count
        let partner = row.code("partner", &problems)
        let email = row.text("rep_email", maximumLength: 254, &problems).map { $0.lowercased() }
        if let email, !TextRules.looksLikeEmail(email) { problems.add(line: record.line, field: "rep_email", "'\(email)' is not an email address") }
        let name = row.text("rep_name", required: false, &problems) ?? ""
        let course = row.text("course", required: false, &problems) ?? ""
        let date = row.date("completed_on", required: false, &problems)
        if !course.isEmpty && date == nil && problems.count == before { problems.add(line: record.line, field: "completed_on", "is required with a course") }
        if course.isEmpty && date != nil { problems.add(line: record.line, field: "course", "is required with a completion date") }
        guard problems.count == before, let partner, let email else { return nil }
        return EnablementRow(
            line: record.line, partner: PartnerCode(partner), repEmail: email, repName: name, completion: date.map { (course, $0) })
    }
}
