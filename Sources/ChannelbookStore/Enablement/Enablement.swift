import ChannelbookCore
import ChannelbookImport
import SQLKit

/// One partner's enablement as the report and the pages show it.
public struct EnablementReportRow: Sendable, Equatable {
    public let partner: PartnerCode
    public let name: String
    /// The partner's tier today (its latest).
    public let tier: ResellerTier?
    public let reps: Int
    /// Reps with at least one completed course.
    public let trainedReps: Int
    public let coursesCompleted: Int
    public let lastCompleted: BusinessDate?
    /// The vendor's account manager for the partner, where assigned.
    public let accountManager: String?

    init(row: any SQLRow) throws {
        partner = PartnerCode(rawValue: try row.decode(column: "partner", as: String.self))
        name = try row.decode(column: "name", as: String.self)
        tier = try row.decode(column: "tier", as: String?.self).flatMap(ResellerTier.init(rawValue:))
        reps = try row.decode(column: "reps", as: Int.self)
        trainedReps = try row.decode(column: "trained", as: Int.self)
        coursesCompleted = try row.decode(column: "courses", as: Int.self)
        lastCompleted = try row.decode(column: "last_completed", as: String?.self).map { try BusinessDate.parse($0) }
        accountManager = try row.decode(column: "manager", as: String?.self)
    }
}

/// The enablement list's columns.
public enum EnablementColumn: String, SortColumn {
    case partner, name, tier, reps, trained, courses, last, manager

    public var sqlOrder: String {
        switch self {
        case .partner: "partner"
        case .name: "lower(name)"
        case .tier: "COALESCE(tier, '')"
        case .reps: "reps"
        case .trained: "trained"
        case .courses: "courses"
        // No completion yet sorts first either way round on both databases, as no tier does.
        case .last: "COALESCE(last_completed, '')"
        case .manager: "COALESCE(manager, '')"
        }
    }

    public var sortsAsText: Bool { ![.reps, .trained, .courses].contains(self) }
}

/// A rep and the courses they completed, oldest first.
public struct EnablementRep: Sendable, Equatable {
    public let email: String
    public let name: String
    public let courses: [(course: String, completedOn: BusinessDate)]

    public static func == (lhs: EnablementRep, rhs: EnablementRep) -> Bool {
        lhs.email == rhs.email && lhs.name == rhs.name && lhs.courses.map(\.course) == rhs.courses.map(\.course)
            && lhs.courses.map(\.completedOn) == rhs.courses.map(\.completedOn)
    }
}

/// Why an enablement record was refused.
public enum EnablementError: RefusalError, Equatable, Sendable {
    case unknownPartner(String)
    case notAReseller(String)
    case invalidEmail(String)
    case emptyCourse

    public var description: String {
        switch self {
        case .unknownPartner(let code): return "no partner has the code '\(code)'"
        case .notAReseller(let code): return "\(code) is a distributor: enablement records resellers' reps"
        case .invalidEmail(let email): return "'\(email)' is not an email address"
        case .emptyCourse: return "a course is required"
        }
    }
}

extension ChannelbookDatabase {
    /// Records that a partner's rep completed a course on a date (adding the rep the first time). Recording the
    /// same completion again changes nothing. Returns whether anything was new.
    @discardableResult
    public func recordEnablement(
        partner code: PartnerCode, repEmail rawEmail: String, repName: String, course: String, on date: BusinessDate, actor: String
    ) async throws -> Bool {
        try await requireInitialised()
        let email = rawEmail.lowercased()
        guard TextRules.looksLikeEmail(email) else { throw EnablementError.invalidEmail(rawEmail) }
        guard !course.allSatisfy(\.isWhitespace) else { throw EnablementError.emptyCourse }
        try TextRules.require("name", repName, maximumLength: TextRules.Limit.name)
        try TextRules.require("course", course, maximumLength: TextRules.Limit.name)
        return try await transaction {
            guard let partner = try await PartnerDirectory.load(from: self).byCode[code] else { throw EnablementError.unknownPartner(code.rawValue) }
            guard partner.kind == .reseller else { throw EnablementError.notAReseller(code.rawValue) }
            let new = try await storeEnablement(partnerID: partner.id, email: email, name: repName, completion: (course, date))
            if new { try await audit(actor: actor, action: "record enablement", partner: partner.id, subject: email, after: "\(course) on \(date)") }
            return new
        }
    }

    /// Adds the rep if missing (naming it if it had no name) and the completion if given; whether anything was new.
    func storeEnablement(partnerID: PartnerID, email: String, name: String, completion: (course: String, on: BusinessDate)?) async throws -> Bool {
        var new = false
        let repID: Int64
        if let row = try await plainRows("SELECT id, name FROM enablement_reps WHERE partner_id = $1 AND email = $2", [.integer(partnerID.rawValue), .text(email)]).first {
            repID = try row.integer(0)
            if try row.text(1).isEmpty && !name.isEmpty {
                try await sql.raw("UPDATE enablement_reps SET name = \(bind: name) WHERE id = \(bind: repID)").run()
                new = true
            }
        } else {
            repID = try await sql.raw(
                "INSERT INTO enablement_reps (partner_id, email, name) VALUES (\(bind: partnerID.rawValue), \(bind: email), \(bind: name)) RETURNING id"
            ).first()!.decode(column: "id", as: Int64.self)
            new = true
        }
        if let completion {
            let inserted = try await sql.raw(
                """
                INSERT INTO enablement_courses (rep_id, course, completed_on) VALUES (\(bind: repID), \(bind: completion.course), \(bind: completion.on.description))
                ON CONFLICT DO NOTHING RETURNING rep_id
                """
            ).all()
            new = new || !inserted.isEmpty
        }
        return new
    }

    /// Every national reseller (by its tier on `date`), and any partner with records, by partner code: the CLI's
    /// and the API's report, and an account manager's own (`accountManager`) on its dashboard.
    public func enablementReport(asOf date: BusinessDate, accountManager: String? = nil) async throws -> [EnablementReportRow] {
        try await requireInitialised()
        let query = Self.enablementSelection(asOf: date, accountManager: accountManager) + " ORDER BY partner \(unsafeRaw: byteOrder)"
        return try await sql.raw(query).all().map(EnablementReportRow.init(row:))
    }

    /// The same rows sorted by any column and paged in SQL, optionally only an account manager's: the page's list.
    public func enablementTable(asOf date: BusinessDate, accountManager: String? = nil, _ slice: TableSlice<EnablementColumn>) async throws
        -> CountedPage<EnablementReportRow>
    {
        try await requireInitialised()
        return try await sortedPage(
            Self.enablementSelection(asOf: date, accountManager: accountManager), slice, tiebreak: ["partner"], row: EnablementReportRow.init(row:))
    }

    /// Resellers with their reps, trained reps, courses and last completion; kept when national on `date` (the tier
    /// as `tierSQL` reads it) or with any rep recorded.
    static func enablementSelection(asOf date: BusinessDate, accountManager: String?) -> SQLQueryString {
        var inner: SQLQueryString = "SELECT p.code AS partner, p.name AS name, " + tierSQL(on: date) + SQLQueryString(
            """
             AS tier, COUNT(DISTINCT r.id) AS reps,
            COUNT(DISTINCT c.rep_id) AS trained, COUNT(c.course) AS courses, MAX(c.completed_on) AS last_completed, am.email AS manager
            FROM partners p LEFT JOIN enablement_reps r ON r.partner_id = p.id LEFT JOIN enablement_courses c ON c.rep_id = r.id
            LEFT JOIN users am ON am.id = p.account_manager_id WHERE p.kind = 'reseller'
            """)
        if let accountManager { inner += " AND am.email = \(bind: accountManager.lowercased())" }
        inner += " GROUP BY p.id, p.code, p.name, am.email"
        return "SELECT * FROM (" + inner + ") enablement WHERE tier = 'national' OR reps > 0"
    }

    /// A partner's reps and their completed courses, by email.
    public func enablementReps(of code: PartnerCode) async throws -> [EnablementRep] {
        try await requireInitialised()
        let rows = try await plainRows(
            """
            SELECT r.email, r.name, c.course, c.completed_on FROM enablement_reps r JOIN partners p ON p.id = r.partner_id
            LEFT JOIN enablement_courses c ON c.rep_id = r.id WHERE p.code = $1 ORDER BY r.email, c.completed_on, c.course
            """, [.text(code.rawValue)])
        var reps: [EnablementRep] = []
        for row in rows {
            let email = try row.text(0)
            let course = try row.optionalText(2).map { ($0, try BusinessDate.parse(try row.text(3))) }
            if let last = reps.last, last.email == email {
                reps[reps.count - 1] = EnablementRep(email: email, name: last.name, courses: last.courses + (course.map { [$0] } ?? []))
            } else {
                reps.append(EnablementRep(email: email, name: try row.text(1), courses: course.map { [$0] } ?? []))
            }
        }
        return reps
    }

    /// The resellers an account manager looks after, by code.
    public func partners(ofAccountManager email: String) async throws -> [PartnerCode] {
        try await plainRows(
            "SELECT p.code FROM partners p JOIN users u ON u.id = p.account_manager_id WHERE u.email = $1 ORDER BY p.code", [.text(email.lowercased())]
        ).map { PartnerCode(rawValue: try $0.text(0)) }
    }
}

/// Imports `enablement.csv`: every line checked first, then all stored or none; a line already recorded is present.
struct EnablementImporter {
    let database: ChannelbookDatabase
    let actor: String

    static let maximumRows = 1_000_000

    func run(path: String, name: String) async throws -> ImportSummary {
        let directory = try await PartnerDirectory.load(from: database)
        var rows: [(EnablementRow, PartnerID)] = []
        var limit = RowLimit(maximum: Self.maximumRows, noun: "enablement records")
        let problems = try await ImportFile.read(path: path, name: name, required: EnablementRow.requiredColumns) { record, header, problems in
            guard limit.admit(record, &problems) else { return }
            guard let row = EnablementRow.parse(record, header: header, problems: &problems) else { return }
            guard let partner = directory.byCode[row.partner] else {
                problems.add(line: row.line, field: "partner", "no partner has the code '\(row.partner.rawValue)'")
                return
            }
            guard partner.kind == .reseller else {
                problems.add(line: row.line, field: "partner", EnablementError.notAReseller(row.partner.rawValue).description)
                return
            }
            rows.append((row, partner.id))
        }
        guard problems.isEmpty else { throw problems }
        var new = 0
        for (row, partner) in rows where try await database.storeEnablement(partnerID: partner, email: row.repEmail, name: row.repName, completion: row.completion) {
            new += 1
        }
        return ImportSummary(kind: .enablement, lines: limit.rows, new: new, present: limit.rows - new)
    }
}
