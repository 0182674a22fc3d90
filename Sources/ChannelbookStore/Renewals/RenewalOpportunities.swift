import ChannelbookCore
import SQLKit

/// A renewal opportunity (one per maintenance contract, sharing its id) as queues, pages and the API show it,
/// with its status on the day asked about.
public struct RenewalOpportunity: Sendable, Equatable {
    public let id: Int64
    /// The contract's id: the vendor's for an imported contract, `SOURCE:LINE_ID` for one a sales line created.
    public let contractID: String
    public let customer: String
    public let reseller: PartnerCode
    public let resellerName: String
    /// The sale's source: the distributor that sold the contract, or `DIRECT`.
    public let soldBy: String
    /// Who works the renewal (`renewals.owner`): the selling distributor's code, or `DIRECT` for the vendor.
    public let owner: String
    public let sku: String
    public let seats: Int64
    public let starts: BusinessDate
    public let ends: BusinessDate
    public let window: RenewalWindow
    public let status: RenewalStatus
    /// Days from the day asked about to the contract's end (negative once it has ended).
    public let daysToEnd: Int
    /// The latest quote recorded.
    public let quote: Money?
    public let quotedOn: BusinessDate?
    public let renewedOn: BusinessDate?
    /// The renewal sales line (`SOURCE:LINE_ID`) that renewed it.
    public let renewedBy: String?
    public let lapsedOn: BusinessDate?
    public let lapseReason: String?
}

/// One thing that happened to an opportunity, oldest first.
public struct RenewalEvent: Sendable, Equatable {
    public let date: BusinessDate
    public let event: String
    public let amount: Money?
    public let note: String
    public let actor: String
}

/// Which opportunities a queue shows.
/// A renewal queue's columns, as people sort it (days to the end sort as the end date does).
public enum RenewalColumn: String, SortColumn {
    case id, contract, customer, reseller, owner, sku, seats, ends, status, quote

    public var sqlOrder: String {
        switch self {
        case .id: "id"
        case .contract: "contract_ref"
        case .customer: "lower(customer)"
        case .reseller: "code"
        case .owner: "owner"
        case .sku: "sku"
        case .seats: "seats"
        case .ends: "ends"
        case .status: "status"
        // Not quoted first either way round on both databases.
        case .quote: "COALESCE(quote_minor, -9223372036854775807)"
        }
    }

    public var sortsAsText: Bool { ![.id, .seats, .quote].contains(self) }
}

public struct RenewalFilter: Sendable, Equatable {
    public var asOf: BusinessDate
    /// The statuses shown; open and quoted (the worked ones) by default.
    public var statuses: [RenewalStatus]
    /// Only opportunities of this owner (a distributor's code, or `DIRECT`).
    public var owner: String?
    /// Only opportunities of contracts sold by the distributors assigned to this maintenance officer (email).
    public var officer: String?
    /// Only contracts ending within this many days of `asOf`.
    public var dueWithin: Int?
    /// Only customers whose name holds this, compared as referral names are (`CustomerIdentity.normalize`).
    public var customer: String?

    public init(
        asOf: BusinessDate, statuses: [RenewalStatus] = RenewalStatus.worked, owner: String? = nil, officer: String? = nil, dueWithin: Int? = nil,
        customer: String? = nil
    ) {
        self.asOf = asOf
        self.statuses = statuses
        self.owner = owner
        self.officer = officer
        self.dueWithin = dueWithin
        self.customer = customer
    }
}

/// Where a page of a queue ends: the next page starts after this contract end and id (the queue's order).
public struct RenewalCursor: Hashable, Sendable, LosslessStringConvertible {
    public let ends: BusinessDate
    public let id: Int64

    public init(ends: BusinessDate, id: Int64) {
        self.ends = ends
        self.id = id
    }

    /// `2027-01-14.42`.
    public init?(_ text: String) {
        let parts = text.split(separator: ".", maxSplits: 1)
        guard parts.count == 2, let ends = try? BusinessDate.parse(String(parts[0])), let id = Int64(parts[1]), id > 0 else { return nil }
        self.init(ends: ends, id: id)
    }

    public var description: String { "\(ends).\(id)" }
}

public struct RenewalPage: Sendable, Equatable {
    public let items: [RenewalOpportunity]
    /// Where the next page starts; `nil` on the last page.
    public let next: RenewalCursor?
}

/// One owner's pipeline: open and quoted opportunities by days to the contract's end.
public struct RenewalPipelineRow: Sendable, Equatable {
    public let owner: String
    public let due0To30: Int
    public let due31To60: Int
    public let due61To90: Int
    public let seats0To90: Int64
    /// Seats × the price book's per-seat price of each SKU on the report's date.
    public let value0To90: Money
}

/// One owner's renewal rate for the contracts ending in a quarter.
public struct RenewalRateRow: Sendable, Equatable {
    public let owner: String
    public let ending: Int
    public let renewed: Int
    public let lapsed: Int
    /// Neither renewed nor lapsed yet (open, quoted, or not open yet).
    public let open: Int
    /// renewed ÷ (renewed + lapsed) in basis points, rounded down; `nil` while none is decided.
    public let rateBasisPoints: Int?
}

/// What a renewal action is refused for.
public enum RenewalError: RefusalError, Equatable, Sendable {
    /// Also what a login gets for an opportunity outside its scope: it does not exist for it.
    case notFound(Int64)
    case notWorkable(id: Int64, status: RenewalStatus)
    case notAllowed(action: String)
    case missingReason
    case badAmount(String)
    case unknownOfficer(String)
    /// Renewed or lapsed already: nothing is recorded on it again, whatever the date.
    case decided(id: Int64, what: String)
    /// Dated before something already recorded on it: its history is kept in date order.
    case outOfOrder(id: Int64, latest: BusinessDate)

    public var description: String {
        switch self {
        case .notFound(let id): return "no renewal opportunity has the id \(id)"
        case let .notWorkable(id, status):
            return status == .upcoming
                ? "renewal opportunity \(id) is not open yet: it opens when its contract is within the renewal horizon"
                : "renewal opportunity \(id) is \(status.rawValue): only open or quoted opportunities are worked"
        case .notAllowed(let action): return "this login may not \(action) renewal opportunities"
        case .missingReason: return "a reason is required"
        case .badAmount(let problem): return "amount: \(problem)"
        case .unknownOfficer(let email): return "\(email) is not a maintenance officer's login"
        case let .decided(id, what): return "renewal opportunity \(id) was \(what): nothing more is recorded on it"
        case let .outOfOrder(id, latest): return "renewal opportunity \(id) has a record dated \(latest): date this one on or after it"
        }
    }
}

/// The one place an opportunity's status on a day is decided, as SQL so queues filter and page in the database:
/// renewed (by a line dated on or before the day), lapsed by hand, past its window (lapsed), not open yet
/// (upcoming), quoted, else open. The dates it compares come from Core's `RenewalPolicy.cutoffs`.
struct RenewalStatusSQL {
    let asOf: String
    let openThrough: String
    let lapsedBefore: String
    /// `renewals.owner = vendor`: every opportunity is the vendor's.
    let vendorOwns: Bool

    /// - Parameters:
    ///   - rules: the renewal rules in force on `asOf` (its windows).
    ///   - owner: who owns renewals now (the latest program's): who works a queue, and so who may see it, is
    ///     today's assignment whatever day is asked about.
    init(asOf: BusinessDate, rules: RenewalRules, owner: RenewalOwner) {
        let cutoffs = RenewalPolicy.cutoffs(asOf: asOf, rules: rules)
        self.asOf = asOf.description
        self.openThrough = cutoffs.openThrough.description
        self.lapsedBefore = cutoffs.lapsedBefore.description
        self.vendorOwns = owner == .vendor
    }

    var status: SQLQueryString {
        """
        CASE WHEN c.renewed_on <= \(bind: asOf) THEN 'renewed' WHEN c.lapsed_on <= \(bind: asOf) THEN 'lapsed'
        WHEN c.ends < \(bind: lapsedBefore) THEN 'lapsed' WHEN c.ends > \(bind: openThrough) THEN 'upcoming'
        WHEN c.first_quoted_on <= \(bind: asOf) THEN 'quoted' ELSE 'open' END
        """
    }

    /// The owner's code: the selling source, or `DIRECT` when the vendor owns every renewal.
    var owner: SQLQueryString { vendorOwns ? "'DIRECT'" : "c.source" }

    /// Only opportunities of `owner`.
    func owned(by owner: String) -> SQLQueryString {
        vendorOwns ? (owner == "DIRECT" ? "1 = 1" : "1 = 0") : "c.source = \(bind: owner)"
    }

    /// The rows a login's scope holds.
    func within(_ scope: RenewalAccess.Scope) -> SQLQueryString {
        switch scope {
        case .all: return "1 = 1"
        case .soldBy(let sources):
            guard !sources.isEmpty else { return "1 = 0" }
            var query = SQLQueryString("c.source IN (")
            query.appendBindList(sources.sorted())
            query.appendLiteral(")")
            return query
        case .ownedBy(let owner): return owned(by: owner)
        case .boughtBy(let reseller): return "c.reseller_id = \(bind: reseller.rawValue)"
        }
    }

    /// A status filter, with the range of end dates those statuses can have, so the end-date index narrows the scan.
    func having(_ statuses: [RenewalStatus]) -> SQLQueryString {
        var query = SQLQueryString("(")
        query.appendInterpolation(status)
        query.appendLiteral(") IN (")
        query.appendLiteral(statuses.map { "'\($0.rawValue)'" }.joined(separator: ", "))
        query.appendLiteral(")")
        if Set(statuses).isSubset(of: RenewalStatus.worked) {
            query.appendInterpolation(" AND c.ends BETWEEN \(bind: lapsedBefore) AND \(bind: openThrough)" as SQLQueryString)
        }
        return query
    }
}

extension ChannelbookDatabase {
    /// The program in force on `date` and the status expression for that day, owners as the latest program assigns them.
    private func renewalRules(on date: BusinessDate) async throws -> (Program, RenewalStatusSQL) {
        let program = try await program(on: date).program
        return (program, RenewalStatusSQL(asOf: date, rules: program.renewals, owner: try await latestProgram().program.renewals.owner))
    }

    static let opportunityColumns: SQLQueryString = """
        c.id, c.contract_ref, c.customer, p.code, p.name, c.source, c.sku, c.seats, c.starts, c.ends, c.quote_minor, c.quoted_on, c.renewed_on,
        c.renewed_by, c.lapsed_on, c.lapse_reason
        """

    /// A queue's opportunities as a whole query (`opportunityColumns`, `owner`, `status`), within the login's scope
    /// and narrowed by `filter`.
    private func renewalSelection(_ filter: RenewalFilter, access: RenewalAccess, _ expression: RenewalStatusSQL) async throws -> SQLQueryString {
        var query = SQLQueryString("SELECT ")
        query.appendInterpolation(Self.opportunityColumns)
        query.appendLiteral(", ")
        query.appendInterpolation(expression.owner)
        query.appendLiteral(" AS owner, ")
        query.appendInterpolation(expression.status)
        query.appendLiteral(" AS status FROM maintenance_contracts c JOIN partners p ON p.id = c.reseller_id WHERE ")
        query.appendInterpolation(expression.within(access.scope))
        query.appendLiteral(" AND ")
        query.appendInterpolation(expression.having(filter.statuses.isEmpty ? RenewalStatus.worked : filter.statuses))
        if let owner = filter.owner {
            query.appendLiteral(" AND ")
            query.appendInterpolation(expression.owned(by: owner))
        }
        if let officer = filter.officer {
            let email = officer.lowercased()
            guard try await !plainRows("SELECT 1 FROM users WHERE email = $1 AND role = 'maintenance_officer'", [.text(email)]).isEmpty else {
                throw RenewalError.unknownOfficer(officer)
            }
            query.appendInterpolation(
                " AND c.source IN (SELECT d.code FROM partners d JOIN users u ON u.id = d.maintenance_officer_id WHERE u.email = \(bind: email))" as SQLQueryString)
        }
        if let days = filter.dueWithin {
            query.appendInterpolation(" AND c.ends <= \(bind: filter.asOf.addingClamped(days: max(0, days)).description)" as SQLQueryString)
        }
        // Normalised names hold letters and digits only: nothing in them is a LIKE wildcard.
        if let customer = filter.customer.map({ CustomerIdentity.normalize(name: String($0.prefix(200))) }), !customer.isEmpty {
            query.appendInterpolation(" AND c.customer_key LIKE \(bind: "%" + customer + "%")" as SQLQueryString)
        }
        return query
    }

    /// A page of a queue, by contract end then id, within the login's scope.
    public func renewalOpportunities(_ filter: RenewalFilter, access: RenewalAccess, after cursor: RenewalCursor? = nil, limit: Int = 50) async throws
        -> RenewalPage
    {
        try await requireInitialised()
        let (program, expression) = try await renewalRules(on: filter.asOf)
        var query = try await renewalSelection(filter, access: access, expression)
        if let cursor {
            query.appendInterpolation(
                " AND (c.ends > \(bind: cursor.ends.description) OR (c.ends = \(bind: cursor.ends.description) AND c.id > \(bind: cursor.id)))" as SQLQueryString)
        }
        let size = max(1, min(limit, 500))
        query.appendLiteral(" ORDER BY c.ends, c.id LIMIT \(size + 1)")
        let rows = try await sql.raw(query).all()
        let items = try rows.prefix(size).map { try opportunity($0, asOf: filter.asOf, rules: program.renewals, currency: program.currency, access: access) }
        return RenewalPage(items: items, next: rows.count > size ? items.last.map { RenewalCursor(ends: $0.ends, id: $0.id) } : nil)
    }

    /// A queue sorted by any of its columns and paged, with how many match: the page's table and its CSV.
    public func renewalTable(_ filter: RenewalFilter, access: RenewalAccess, _ slice: TableSlice<RenewalColumn>) async throws -> CountedPage<RenewalOpportunity> {
        try await requireInitialised()
        let (program, expression) = try await renewalRules(on: filter.asOf)
        let select = try await renewalSelection(filter, access: access, expression)
        return try await sortedPage(select, slice, tiebreak: ["id"]) {
            try opportunity($0, asOf: filter.asOf, rules: program.renewals, currency: program.currency, access: access)
        }
    }

    /// One opportunity and its history, within the login's scope (`notFound` outside it).
    public func renewalOpportunity(_ id: Int64, asOf date: BusinessDate, access: RenewalAccess) async throws -> (RenewalOpportunity, [RenewalEvent]) {
        try await requireInitialised()
        let (program, expression) = try await renewalRules(on: date)
        var query = SQLQueryString("SELECT ")
        query.appendInterpolation(Self.opportunityColumns)
        query.appendLiteral(", ")
        query.appendInterpolation(expression.owner)
        query.appendLiteral(" AS owner, ")
        query.appendInterpolation(expression.status)
        query.appendInterpolation(" AS status FROM maintenance_contracts c JOIN partners p ON p.id = c.reseller_id WHERE c.id = \(bind: id) AND " as SQLQueryString)
        query.appendInterpolation(expression.within(access.scope))
        guard let row = try await sql.raw(query).first() else { throw RenewalError.notFound(id) }
        let events = try await plainRows(
            "SELECT on_date, event, amount_minor, note, actor FROM renewal_events WHERE contract_id = $1 ORDER BY id", [.integer(id)]
        ).map { row in
            RenewalEvent(
                date: try BusinessDate.parse(row.text(0)), event: try row.text(1),
                amount: try row.optionalInteger(2).map { Money(minorUnits: $0, currency: program.currency) }, note: try row.text(3), actor: try row.text(4))
        }
        return (try opportunity(row, asOf: date, rules: program.renewals, currency: program.currency, access: access), events)
    }

    private func opportunity(_ row: any SQLRow, asOf date: BusinessDate, rules: RenewalRules, currency: Currency, access: RenewalAccess) throws
        -> RenewalOpportunity
    {
        func day(_ column: String) throws -> BusinessDate? { try row.decode(column: column, as: String?.self).map { try BusinessDate.parse($0) } }
        let ends = try BusinessDate.parse(row.decode(column: "ends", as: String.self))
        return RenewalOpportunity(
            id: try row.decode(column: "id", as: Int64.self), contractID: try row.decode(column: "contract_ref", as: String.self),
            customer: try row.decode(column: "customer", as: String.self), reseller: PartnerCode(rawValue: try row.decode(column: "code", as: String.self)),
            resellerName: try row.decode(column: "name", as: String.self), soldBy: try row.decode(column: "source", as: String.self),
            owner: try row.decode(column: "owner", as: String.self), sku: try row.decode(column: "sku", as: String.self),
            seats: try row.decode(column: "seats", as: Int64.self), starts: try BusinessDate.parse(row.decode(column: "starts", as: String.self)), ends: ends,
            window: RenewalWindow(ends: ends, rules: rules), status: try row.stored(RenewalStatus.self, column: "status"),
            daysToEnd: date.days(until: ends), quote: try row.decode(column: "quote_minor", as: Int64?.self).map { Money(minorUnits: $0, currency: currency) },
            quotedOn: try day("quoted_on"), renewedOn: try day("renewed_on"), renewedBy: access.mayRead(renewalLine: try row.decode(column: "renewed_by", as: String?.self)),
            lapsedOn: try day("lapsed_on"), lapseReason: try row.decode(column: "lapse_reason", as: String?.self))
    }

    // MARK: Actions

    /// Records a quote for an open or quoted opportunity, dated `date`; the latest quote is the one shown.
    public func quoteRenewal(_ id: Int64, amount: Money, on date: BusinessDate, access: RenewalAccess, actor: String) async throws {
        try await requireInitialised()
        guard amount.minorUnits > 0 else { throw RenewalError.badAmount("a quote is more than 0") }
        if let problem = LineLimits.amountProblem(amount) { throw RenewalError.badAmount(problem) }
        if let problem = LineLimits.dateProblem(date) { throw TextProblem(field: "date", problem: problem) }
        try await transaction(locking: [.renewals]) {
            let (opportunity, _) = try await workable(id, on: date, access: access)
            guard access.mayQuote else { throw RenewalError.notAllowed(action: "quote") }
            try await sql.raw(
                """
                UPDATE maintenance_contracts SET quote_minor = \(bind: amount.minorUnits), quoted_on = \(bind: date.description),
                first_quoted_on = CASE WHEN first_quoted_on IS NULL OR first_quoted_on > \(bind: date.description) THEN \(bind: date.description) ELSE first_quoted_on END
                WHERE id = \(bind: id)
                """
            ).run()
            try await appendRenewalEvent(contract: id, on: date, event: "quoted", amount: amount.minorUnits, note: "", actor: actor)
            try await audit(
                actor: actor, action: "renewal quote", partner: try await partnerID(opportunity.reseller), subject: "opportunity \(id) (\(opportunity.contractID))",
                before: opportunity.quote.map { "quoted \($0.displayString)" } ?? opportunity.status.rawValue, after: "quoted \(amount.displayString) on \(date)")
        }
    }

    /// Lapses an open or quoted opportunity by hand, with a reason, from `date`.
    public func lapseRenewal(_ id: Int64, reason: String, on date: BusinessDate, access: RenewalAccess, actor: String) async throws {
        try await requireInitialised()
        guard !reason.allSatisfy(\.isWhitespace) else { throw RenewalError.missingReason }
        try TextRules.require("reason", reason, maximumLength: TextRules.Limit.reason)
        if let problem = LineLimits.dateProblem(date) { throw TextProblem(field: "date", problem: problem) }
        try await transaction(locking: [.renewals]) {
            let (opportunity, _) = try await workable(id, on: date, access: access)
            guard access.mayLapse else { throw RenewalError.notAllowed(action: "lapse") }
            try await sql.raw(
                "UPDATE maintenance_contracts SET lapsed_on = \(bind: date.description), lapse_reason = \(bind: reason) WHERE id = \(bind: id) AND lapsed_on IS NULL"
            ).run()
            try await appendRenewalEvent(contract: id, on: date, event: "lapsed", amount: nil, note: reason, actor: actor)
            try await audit(
                actor: actor, action: "renewal lapse", partner: try await partnerID(opportunity.reseller), subject: "opportunity \(id) (\(opportunity.contractID))",
                before: opportunity.status.rawValue, after: "lapsed on \(date): \(reason)")
            try await emitWebhookEvent(
                .renewalLapsed,
                [
                    "id": .number(id), "contractId": .text(opportunity.contractID), "reseller": .text(opportunity.reseller.rawValue),
                    "owner": .text(opportunity.owner), "lapsedOn": .text(date.description), "reason": .text(reason),
                ])
        }
    }

    /// The opportunity, when the login may see it, it is open or quoted on `date`, it was never renewed or lapsed (on
    /// any date), and nothing is recorded on it after `date`: its history stays in date order and true.
    private func workable(_ id: Int64, on date: BusinessDate, access: RenewalAccess) async throws -> (RenewalOpportunity, [RenewalEvent]) {
        let found = try await renewalOpportunity(id, asOf: date, access: access)
        let (view, events) = found
        if let renewed = view.renewedOn { throw RenewalError.decided(id: id, what: "renewed on \(renewed)") }
        if let lapsed = view.lapsedOn { throw RenewalError.decided(id: id, what: "lapsed on \(lapsed)") }
        guard RenewalStatus.worked.contains(view.status) else { throw RenewalError.notWorkable(id: id, status: view.status) }
        if let latest = events.map(\.date).max(), latest > date { throw RenewalError.outOfOrder(id: id, latest: latest) }
        return found
    }

    // MARK: Reports

    /// Open and quoted opportunities ending 0–30, 31–60 and 61–90 days after `date`, per owner, with seats and their
    /// value at the price book of `date` (a SKU's first price for a day before it).
    public func renewalPipeline(asOf date: BusinessDate, access: RenewalAccess) async throws -> [RenewalPipelineRow] {
        try await requireInitialised()
        let (program, expression) = try await renewalRules(on: date)
        var query = SQLQueryString("SELECT ")
        query.appendInterpolation(expression.owner)
        query.appendLiteral(" AS owner, c.sku, c.ends, COUNT(*) AS n, CAST(SUM(c.seats) AS BIGINT) AS seats FROM maintenance_contracts c WHERE ")
        query.appendInterpolation(expression.within(access.scope))
        query.appendLiteral(" AND ")
        query.appendInterpolation(expression.having(RenewalStatus.worked))
        query.appendInterpolation(
            " AND c.ends BETWEEN \(bind: date.description) AND \(bind: date.addingClamped(days: PipelineBucket.horizonDays).description) GROUP BY 1, c.sku, c.ends"
                as SQLQueryString)
        let priceBook = try await PriceBook.load(from: self)
        struct Sums { var counts: [PipelineBucket: Int] = [:]; var seats: Int64 = 0; var value: Int64 = 0 }
        var byOwner: [String: Sums] = [:]
        for row in try await sql.raw(query).all() {
            let owner = try row.decode(column: "owner", as: String.self), sku = try row.decode(column: "sku", as: String.self)
            let ends = try BusinessDate.parse(row.decode(column: "ends", as: String.self))
            let count = try row.decode(column: "n", as: Int.self), seats = try row.decode(column: "seats", as: Int64.self)
            guard let bucket = PipelineBucket(daysToEnd: date.days(until: ends)) else { continue }
            let price = priceBook.governingEntry(for: SKU(sku), on: date)?.partnerBuyPriceMinor ?? 0
            var sums = byOwner[owner, default: Sums()]
            sums.counts[bucket, default: 0] += count
            sums.seats = try MinorUnits.add(sums.seats, seats, "the pipeline's seats of \(owner)")
            let (value, overflow) = seats.multipliedReportingOverflow(by: price)
            if overflow { throw MoneyError.overflow(operation: "the pipeline's value of \(sku)") }
            sums.value = try MinorUnits.add(sums.value, value, "the pipeline's value of \(owner)")
            byOwner[owner] = sums
        }
        return byOwner.sorted { $0.key < $1.key }.map { owner, sums in
            RenewalPipelineRow(
                owner: owner, due0To30: sums.counts[.due0To30] ?? 0, due31To60: sums.counts[.due31To60] ?? 0, due61To90: sums.counts[.due61To90] ?? 0,
                seats0To90: sums.seats, value0To90: Money(minorUnits: sums.value, currency: program.currency))
        }
    }

    /// Per owner, the contracts ending in `quarter` and what became of them by `date`.
    public func renewalRate(_ quarter: Quarter, asOf date: BusinessDate, access: RenewalAccess) async throws -> [RenewalRateRow] {
        try await requireInitialised()
        let (program, expression) = try await renewalRules(on: date)
        var query = SQLQueryString("SELECT ")
        query.appendInterpolation(expression.owner)
        query.appendLiteral(" AS owner, ")
        query.appendInterpolation(expression.status)
        query.appendLiteral(" AS status, COUNT(*) AS n FROM maintenance_contracts c WHERE ")
        query.appendInterpolation(expression.within(access.scope))
        query.appendInterpolation(
            " AND c.ends BETWEEN \(bind: quarter.firstDay.description) AND \(bind: quarter.lastDay.description) GROUP BY 1, 2" as SQLQueryString)
        var counts: [String: [RenewalStatus: Int]] = [:]
        for row in try await sql.raw(query).all() {
            let status = try row.stored(RenewalStatus.self, column: "status")
            counts[try row.decode(column: "owner", as: String.self), default: [:]][status, default: 0] += try row.decode(column: "n", as: Int.self)
        }
        return counts.sorted { $0.key < $1.key }.map { owner, byStatus in
            let renewed = byStatus[.renewed] ?? 0, lapsed = byStatus[.lapsed] ?? 0, ending = byStatus.values.reduce(0, +)
            return RenewalRateRow(
                owner: owner, ending: ending, renewed: renewed, lapsed: lapsed, open: ending - renewed - lapsed,
                rateBasisPoints: RenewalPolicy.rateBasisPoints(renewed: renewed, lapsed: lapsed))
        }
    }

    /// The distributors assigned to a maintenance officer (`partner assign`), by code.
    public func distributors(ofMaintenanceOfficer email: String) async throws -> [PartnerCode] {
        try await plainRows(
            "SELECT p.code FROM partners p JOIN users u ON u.id = p.maintenance_officer_id WHERE u.email = $1 ORDER BY p.code", [.text(email.lowercased())]
        ).map { PartnerCode(rawValue: try $0.text(0)) }
    }
}
