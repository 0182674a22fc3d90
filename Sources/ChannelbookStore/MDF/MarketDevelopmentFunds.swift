import ChannelbookCore
import Crypto
import Foundation
import SQLKit

/// An MDF request as lists, pages and the API show it, with its status on the day asked about.
public struct MDFRequestView: Sendable, Equatable {
    public let id: Int64
    public let partner: PartnerCode
    public let partnerName: String
    public let activity: String
    public let kind: MDFActivityKind
    public let plannedCost: Money
    public let requested: Money
    public let approved: Money?
    public let actualCost: Money?
    public let claimed: Money?
    public let accepted: Money?
    public let startsOn: BusinessDate
    public let endsOn: BusinessDate
    public let requestedOn: BusinessDate
    public let approvedOn: BusinessDate?
    public let claimedOn: BusinessDate?
    public let decidedOn: BusinessDate?
    public let paidOn: BusinessDate?
    /// The last day a claim may be made.
    public let claimDeadline: BusinessDate
    public let status: MDFRequestStatus
    public let reason: String?
    public let proofs: [MDFProofView]
}

/// A proof-of-performance file's description (its bytes come only through `mdfProof`).
public struct MDFProofView: Sendable, Equatable {
    public let id: Int64
    public let requestID: Int64
    public let fileName: String
    public let contentType: String
    public let sizeBytes: Int64
    public let sha256: String
}

/// A proof file as uploaded: its name and bytes, checked by `ProofFile.check` before anything is stored.
public struct ProofUpload: Sendable {
    public let name: String
    public let bytes: [UInt8]

    public init(name: String, bytes: [UInt8]) {
        self.name = name
        self.bytes = bytes
    }
}

/// One partner's MDF balance on a day, in money.
public struct MDFBalanceRow: Sendable, Equatable {
    public let partner: PartnerCode
    public let name: String
    public let allocated: Money
    public let expired: Money
    public let reserved: Money
    public let payable: Money
    public let paid: Money
    public let available: Money
}

/// One ledger entry, in money.
public struct MDFLedgerRow: Sendable, Equatable {
    public let date: BusinessDate
    public let entry: MDFEntryKind
    public let requestID: Int64?
    public let amount: Money
}

/// What an MDF action is refused for beyond the rules (`MDFError`): an unknown partner or request.
public enum MDFStoreError: RefusalError, Equatable, Sendable {
    case unknownPartner(String)
    /// Also what a partner acting on another partner's request gets: it does not exist for them.
    case notFound(Int64)
    case proofNotFound(Int64)
    case notAReseller(String)
    case missingReason

    public var description: String {
        switch self {
        case .unknownPartner(let code): return "no partner has the code '\(code)'"
        case .notFound(let id): return "no MDF request has the id \(id)"
        case .proofNotFound(let id): return "no proof file has the id \(id)"
        case .notAReseller(let code): return "\(code) is a distributor: MDF goes to resellers"
        case .missingReason: return "a reason is required"
        }
    }
}

extension MDFError: RefusalError {}

extension ChannelbookDatabase {
    // MARK: Actions

    /// Gives each reseller whose tier on the quarter's first day is eligible its tier's allocation, dated that
    /// first day, once per partner and quarter. Returns how many allocations were added (0 when run again).
    public func allocateMDF(_ quarter: Quarter, actor: String) async throws -> Int {
        try await requireInitialised()
        return try await transaction(locking: [.mdf]) {
            let rules = try await program(on: quarter.firstDay).program.mdf
            let directory = try await PartnerDirectory.load(from: self)
            let existing = Set(
                try await plainRows("SELECT partner_id FROM mdf_allocations WHERE quarter = $1", [.text(quarter.description)]).map { PartnerID(try $0.integer(0)) })
            let expiresOn = MDFPolicy.expiresOn(quarter, rules)
            var added = 0
            for partner in directory.byID.values.sorted(by: { $0.id.rawValue < $1.id.rawValue }) where partner.kind == .reseller && !existing.contains(partner.id) {
                let tier = directory.tiers.tier(of: partner.id, on: quarter.firstDay)
                guard let tier, let amount = MDFPolicy.allocation(for: tier, rules) else { continue }
                let row = try await sql.raw(
                    """
                    INSERT INTO mdf_allocations (partner_id, quarter, tier, amount_minor, expires_on, created_at_us)
                    VALUES (\(bind: partner.id.rawValue), \(bind: quarter.description), \(bind: tier.rawValue), \(bind: amount.minorUnits),
                            \(bind: expiresOn.description), \(bind: Self.nowMicroseconds()))
                    RETURNING id
                    """
                ).first()!
                let allocation = try row.decode(column: "id", as: Int64.self)
                try await appendMDF([MDFEntry(date: quarter.firstDay, kind: .allocated, allocationID: allocation, requestID: nil, amount: amount.minorUnits)], partner: partner.id)
                try await audit(
                    actor: actor, action: "mdf allocate", partner: partner.id, subject: "\(quarter) allocation \(allocation)",
                    after: "\(tier.rawValue) \(amount.displayString), expires \(expiresOn)")
                added += 1
            }
            return added
        }
    }

    /// A partner asks for funds for an activity. Returns the request's id.
    public func requestMDF(
        partner code: PartnerCode, activity: String, kind: MDFActivityKind, plannedCost: Money, amount: Money, startsOn: BusinessDate, endsOn: BusinessDate,
        on date: BusinessDate, actor: String
    ) async throws -> Int64 {
        try await requireInitialised()
        try TextRules.require("activity", activity, maximumLength: TextRules.Limit.name)
        guard !activity.trimmingCharacters(in: .whitespaces).isEmpty else { throw TextProblem(field: "activity", problem: "is required") }
        for day in [startsOn, endsOn, date] { if let problem = LineLimits.dateProblem(day) { throw TextProblem(field: "date", problem: problem) } }
        return try await transaction(locking: [.mdf]) {
            let partner = try await mdfPartner(code)
            let program = try await program(on: date).program
            try await requireInDateOrder(partner, on: date)
            let ledger = try await mdfLedger(of: partner)
            let available = try ledger.balance(asOf: date).available
            try MDFPolicy.checkRequest(
                plannedCost: plannedCost.minorUnits, amount: amount.minorUnits, startsOn: startsOn, endsOn: endsOn, available: available, on: date, program.mdf,
                currency: program.currency)
            // The claim deadline is fixed now, under the rules the request was made under.
            let deadline = MDFPolicy.claimDeadline(endsOn: endsOn, program.mdf)
            let row = try await sql.raw(
                """
                INSERT INTO mdf_requests (partner_id, activity, kind, planned_cost_minor, requested_minor, starts_on, ends_on, requested_on, claim_deadline,
                                          requested_by, status, created_at_us)
                VALUES (\(bind: partner.rawValue), \(bind: activity), \(bind: kind.rawValue), \(bind: plannedCost.minorUnits), \(bind: amount.minorUnits),
                        \(bind: startsOn.description), \(bind: endsOn.description), \(bind: date.description), \(bind: deadline.description), \(bind: actor),
                        'requested', \(bind: Self.nowMicroseconds()))
                RETURNING id
                """
            ).first()!
            let id = try row.decode(column: "id", as: Int64.self)
            try await audit(
                actor: actor, action: "mdf request", partner: partner, subject: "mdf request \(id)",
                after: "\(activity) (\(kind.rawValue)), planned cost \(plannedCost.displayString), requested \(amount.displayString)")
            return id
        }
    }

    /// The vendor approves all (`amount` nil) or part of a request: that amount is reserved, oldest allocation first.
    public func approveMDF(_ id: Int64, amount: Money?, on date: BusinessDate, actor: String, reviewer scope: Set<PartnerCode>? = nil) async throws {
        try await requireInitialised()
        try await transaction(locking: [.mdf]) {
            let (request, currency, rules) = try await mdfRequestForAction(id, on: date, scope: scope)
            let approved = amount?.minorUnits ?? request.requested
            try MDFPolicy.checkApproval(approved, of: request, on: date, rules, currency: currency)
            let entries = try await mdfLedger(of: request.partner).reserve(approved, for: id, on: date, currency: currency)
            try await appendMDF(entries, partner: request.partner)
            try await sql.raw(
                "UPDATE mdf_requests SET status = 'approved', approved_minor = \(bind: approved), approved_on = \(bind: date.description) WHERE id = \(bind: id)"
            ).run()
            try await audit(
                actor: actor, action: "mdf approve", partner: request.partner, subject: "mdf request \(id)", before: "requested \(money(request.requested, currency))",
                after: "approved \(money(approved, currency)) (reserved from allocation\(entries.count == 1 ? "" : "s") \(entries.map { String($0.allocationID) }.joined(separator: ", ")))")
        }
    }

    /// The vendor refuses a request, with a reason.
    public func rejectMDF(_ id: Int64, reason: String, on date: BusinessDate, actor: String, reviewer scope: Set<PartnerCode>? = nil) async throws {
        try await requireInitialised()
        let reason = try checkedReason(reason)
        try await transaction(locking: [.mdf]) {
            let (request, _, _) = try await mdfRequestForAction(id, on: date, scope: scope)
            try MDFPolicy.checkRequestDecision(request, on: date)
            try await sql.raw(
                "UPDATE mdf_requests SET status = 'rejected', reason = \(bind: reason), decided_on = \(bind: date.description) WHERE id = \(bind: id)"
            ).run()
            try await audit(actor: actor, action: "mdf reject", partner: request.partner, subject: "mdf request \(id)", before: "requested", after: "rejected: \(reason)")
        }
    }

    /// The partner claims after the activity, with proof. Claiming less than was reserved releases the rest.
    /// `partner` (a partner login) must own the request: another partner's request does not exist for it.
    public func claimMDF(
        _ id: Int64, actualCost: Money, amount: Money, proofs: [ProofUpload], on date: BusinessDate, actor: String, partner scope: PartnerCode? = nil
    ) async throws {
        try await requireInitialised()
        guard proofs.count <= ProofFile.maximumPerClaim else { throw MDFError.tooManyProofs(proofs.count) }
        var checked: [(upload: ProofUpload, kind: ProofFile.Kind)] = []
        for proof in proofs {
            // Kept by its own name: a path a browser or client sent along (`../x.pdf`, `C:\\scans\\x.pdf`) is dropped.
            let name = ProofFile.baseName(proof.name)
            checked.append((ProofUpload(name: name, bytes: proof.bytes), try ProofFile.check(name: name, bytes: proof.bytes)))
        }
        try await transaction(locking: [.mdf]) {
            let (request, currency, rules) = try await mdfRequestForAction(id, on: date, scope: scope.map { [$0] })
            try MDFPolicy.checkClaim(
                actualCost: actualCost.minorUnits, amount: amount.minorUnits, proofs: proofs.count, of: request, on: date, rules, currency: currency)
            let ledger = try await mdfLedger(of: request.partner)
            let unclaimed = request.approved! - amount.minorUnits
            if unclaimed > 0 { try await appendMDF(ledger.move(unclaimed, of: id, to: .released, on: date), partner: request.partner) }
            for (upload, kind) in checked {
                let digest = SHA256.hash(data: upload.bytes).map { String(format: "%02x", $0) }.joined()
                try await sql.raw(
                    """
                    INSERT INTO mdf_proofs (request_id, file_name, content_type, size_bytes, sha256, content, uploaded_at_us)
                    VALUES (\(bind: id), \(bind: upload.name), \(bind: kind.contentType), \(bind: Int64(upload.bytes.count)), \(bind: digest),
                            \(bind: Data(upload.bytes)), \(bind: Self.nowMicroseconds()))
                    """
                ).run()
            }
            try await sql.raw(
                """
                UPDATE mdf_requests SET status = 'claimed', actual_cost_minor = \(bind: actualCost.minorUnits), claimed_minor = \(bind: amount.minorUnits),
                       claimed_on = \(bind: date.description) WHERE id = \(bind: id)
                """
            ).run()
            try await audit(
                actor: actor, action: "mdf claim", partner: request.partner, subject: "mdf request \(id)", before: "approved \(money(request.approved!, currency))",
                after: "claimed \(amount.displayString) of actual cost \(actualCost.displayString) with \(proofs.count) proof file\(proofs.count == 1 ? "" : "s")")
        }
    }

    /// The vendor accepts all (`amount` nil) or part of a claim: payable on the partner's statement for the
    /// quarter of `date`; the rest is released. Drafts computed before are stale until that quarter closes again.
    public func acceptMDFClaim(_ id: Int64, amount: Money?, on date: BusinessDate, actor: String, reviewer scope: Set<PartnerCode>? = nil) async throws {
        try await requireInitialised()
        try await transaction(locking: [.ledger, .mdf]) {
            let (request, currency, _) = try await mdfRequestForAction(id, on: date, scope: scope)
            let accepted = amount?.minorUnits ?? request.claimed ?? 0
            try MDFPolicy.checkAcceptance(accepted, of: request, on: date, currency: currency)
            let ledger = try await mdfLedger(of: request.partner)
            var entries = ledger.move(accepted, of: id, to: .payable, on: date)
            let rest = request.claimed! - accepted
            if rest > 0 {
                let afterPayable = MDFLedger(allocations: ledger.allocations, recorded: ledger.recorded + entries, claimDeadlines: [:])
                entries += afterPayable.move(rest, of: id, to: .released, on: date)
            }
            try await appendMDF(entries, partner: request.partner)
            try await sql.raw(
                "UPDATE mdf_requests SET status = 'accepted', accepted_minor = \(bind: accepted), decided_on = \(bind: date.description) WHERE id = \(bind: id)"
            ).run()
            try await noteLedgerChange()
            try await audit(
                actor: actor, action: "mdf accept claim", partner: request.partner, subject: "mdf request \(id)",
                before: "claimed \(money(request.claimed!, currency))", after: "accepted \(money(accepted, currency)), payable in \(Quarter(containing: date))")
            try await emitWebhookEvent(
                .mdfClaimAccepted,
                [
                    "requestId": .number(id), "partner": .text(try await plainRows("SELECT code FROM partners WHERE id = $1", [.integer(request.partner.rawValue)]).first?.text(0) ?? ""), "accepted": .text(Money(minorUnits: accepted, currency: currency).decimalString),
                    "currency": .text(currency.code), "payableIn": .text(Quarter(containing: date).description),
                ])
        }
    }

    /// The vendor rejects a claim, with a reason: the whole reservation goes back.
    public func rejectMDFClaim(_ id: Int64, reason: String, on date: BusinessDate, actor: String, reviewer scope: Set<PartnerCode>? = nil) async throws {
        try await requireInitialised()
        let reason = try checkedReason(reason)
        try await transaction(locking: [.mdf]) {
            let (request, currency, _) = try await mdfRequestForAction(id, on: date, scope: scope)
            let claimed = try MDFPolicy.checkClaimDecision(request, on: date)
            try await appendMDF(try await mdfLedger(of: request.partner).move(claimed, of: id, to: .released, on: date), partner: request.partner)
            try await sql.raw(
                "UPDATE mdf_requests SET status = 'claim_rejected', reason = \(bind: reason), decided_on = \(bind: date.description) WHERE id = \(bind: id)"
            ).run()
            try await audit(
                actor: actor, action: "mdf reject claim", partner: request.partner, subject: "mdf request \(id)", before: "claimed \(money(claimed, currency))",
                after: "rejected: \(reason)")
        }
    }

    /// Called when a statement is approved, in its transaction: the accepted claims it pays become `paid`, dated
    /// `date`. A statement pays the claims of the quarters it carries MDF or an adjustment for.
    func recordMDFPaid(statementID: Int64, partner: PartnerID, on date: BusinessDate, actor: String, reference: String) async throws {
        let quarters = try await plainRows(
            "SELECT DISTINCT for_quarter FROM statement_lines WHERE statement_id = $1 AND kind IN ('mdf', 'adjustment')", [.integer(statementID)]
        ).map { try $0.text(0) }
        guard !quarters.isEmpty else { return }
        let ledger = try await mdfLedger(of: partner)
        for request in try await mdfRequestFacts(of: partner, stored: .accepted) where request.paidOn == nil {
            guard let decided = request.decidedOn, quarters.contains(Quarter(containing: decided).description) else { continue }
            let payable = ledger.recorded.filter { $0.requestID == request.id && $0.kind == .payable }
            // Never paid before it was payable (a quarter closed and approved before an acceptance's --on date).
            let paidOn = max(date, decided)
            try await appendMDF(
                payable.map { MDFEntry(date: paidOn, kind: .paid, allocationID: $0.allocationID, requestID: request.id, amount: $0.amount) }, partner: partner)
            try await audit(
                actor: actor, action: "mdf paid", partner: partner, subject: "mdf request \(request.id)", before: "payable", after: "paid on \(reference)")
        }
    }

    // MARK: Reads

    /// Requests, newest first, with their status as of `date`: one partner's, a reviewer's partners', or all.
    public func mdfRequests(
        partner: PartnerCode? = nil, within scope: Set<PartnerCode>? = nil, status: MDFRequestStatus? = nil, asOf date: BusinessDate, limit: Int = 500
    ) async throws -> [MDFRequestView] {
        try await requireInitialised()
        if let partner, try await PartnerDirectory.load(from: self).byCode[partner] == nil { throw MDFStoreError.unknownPartner(partner.rawValue) }
        let partners = MDFAccess.narrowing(scope, to: partner)
        var newest = TableSlice<MDFRequestColumn>(column: .id, descending: true, limit: limit)
        newest.counts = false
        return try await mdfRequestTable(MDFRequestFilter(partners: partners, status: status), asOf: date, newest).items
    }

    /// The requests `ids` as pages show them on `date`, in that order (one that vanished is left out).
    func mdfViews(_ ids: [Int64], asOf date: BusinessDate) async throws -> [MDFRequestView] {
        guard !ids.isEmpty else { return [] }
        let directory = try await PartnerDirectory.load(from: self)
        let program = try await program(on: date).program
        // Ids are integers the database gave, never typed text: written into the query directly, a thousand at a time.
        var facts: [Int64: MDFRequestFacts] = [:]
        for start in stride(from: 0, to: ids.count, by: 1_000) {
            let chunk = ids[start..<min(ids.count, start + 1_000)].map(String.init).joined(separator: ", ")
            for request in try await plainRows(Self.requestColumns + " WHERE r.id IN (\(chunk))").map(requestFacts) { facts[request.id] = request }
        }
        var views: [MDFRequestView] = []
        for id in ids {
            guard let request = facts[id], let record = directory.byID[request.partner] else { continue }
            views.append(try await mdfView(request, record, program, asOf: date))
        }
        return views
    }

    /// One request with its proofs, or `MDFStoreError.notFound` — also when its partner is not in `scope` (a partner
    /// login's own, an account manager's partners; `nil`: every partner).
    public func mdfRequest(_ id: Int64, asOf date: BusinessDate, within scope: Set<PartnerCode>? = nil) async throws -> MDFRequestView {
        try await requireInitialised()
        return try await readTransaction {
            let directory = try await PartnerDirectory.load(from: self)
            guard let request = try await mdfRequestFacts(id: id), let record = directory.byID[request.partner] else { throw MDFStoreError.notFound(id) }
            if let scope, !scope.contains(record.code) { throw MDFStoreError.notFound(id) }
            return try await mdfView(request, record, try await program(on: date).program, asOf: date)
        }
    }

    /// A proof file's bytes, for the vendor or the partner that owns the claim; outside `scope`, `proofNotFound`.
    public func mdfProof(_ id: Int64, within scope: Set<PartnerCode>? = nil) async throws -> (proof: MDFProofView, bytes: [UInt8]) {
        try await requireInitialised()
        guard let row = try await sql.raw(
            """
            SELECT f.id, f.request_id, f.file_name, f.content_type, f.size_bytes, f.sha256, f.content, p.code
            FROM mdf_proofs f JOIN mdf_requests r ON r.id = f.request_id JOIN partners p ON p.id = r.partner_id WHERE f.id = \(bind: id)
            """
        ).first() else { throw MDFStoreError.proofNotFound(id) }
        let owner = PartnerCode(rawValue: try row.decode(column: "code", as: String.self))
        if let scope, !scope.contains(owner) { throw MDFStoreError.proofNotFound(id) }
        let proof = MDFProofView(
            id: try row.decode(column: "id", as: Int64.self), requestID: try row.decode(column: "request_id", as: Int64.self),
            fileName: try row.decode(column: "file_name", as: String.self), contentType: try row.decode(column: "content_type", as: String.self),
            sizeBytes: try row.decode(column: "size_bytes", as: Int64.self), sha256: try row.decode(column: "sha256", as: String.self))
        return (proof, Array(try row.decode(column: "content", as: Data.self)))
    }

    /// Balances as of `date`, one row per partner with any MDF, by partner code.
    public func mdfBalances(partner: PartnerCode? = nil, within scope: Set<PartnerCode>? = nil, asOf date: BusinessDate) async throws -> [MDFBalanceRow] {
        try await requireInitialised()
        return try await readTransaction {
            let directory = try await PartnerDirectory.load(from: self)
            let currency = try await program(on: date).program.currency
            var partners = try await plainRows("SELECT DISTINCT partner_id FROM mdf_allocations").compactMap { directory.byID[PartnerID(try $0.integer(0))] }
            if let partner {
                guard let record = directory.byCode[partner] else { throw MDFStoreError.unknownPartner(partner.rawValue) }
                partners = partners.filter { $0.id == record.id }
            }
            if let scope { partners = partners.filter { scope.contains($0.code) } }
            var rows: [MDFBalanceRow] = []
            for record in partners.sorted(by: { $0.code.rawValue < $1.code.rawValue }) {
                let balance = try await mdfLedger(of: record.id).balance(asOf: date)
                guard !balance.isEmpty else { continue }
                func money(_ minor: Int64) -> Money { Money(minorUnits: minor, currency: currency) }
                rows.append(
                    MDFBalanceRow(
                        partner: record.code, name: record.name, allocated: money(balance.allocated), expired: money(balance.expired),
                        reserved: money(balance.reserved), payable: money(balance.payable), paid: money(balance.paid), available: money(balance.available)))
            }
            return rows
        }
    }

    /// A partner's ledger as of `date` (recorded and derived entries), in date order.
    public func mdfLedgerRows(partner code: PartnerCode, asOf date: BusinessDate) async throws -> [MDFLedgerRow] {
        try await requireInitialised()
        return try await readTransaction {
            let partner = try await mdfPartner(code, resellersOnly: false)
            let currency = try await program(on: date).program.currency
            return try await mdfLedger(of: partner).entries(asOf: date).map {
                MDFLedgerRow(date: $0.date, entry: $0.kind, requestID: $0.requestID, amount: Money(minorUnits: $0.amount, currency: currency))
            }
        }
    }

    // MARK: Facts for the quarter engine

    /// The claims accepted in `quarter`: payable on its statements.
    func mdfPayable(in quarter: Quarter) async throws -> [MDFRequestFacts] {
        try await mdfRequestFacts(acceptedFrom: quarter.firstDay, through: quarter.lastDay)
    }

    // MARK: Helpers

    /// An amount as the audit log shows it to people: `$1,500.00`.
    private func money(_ minor: Int64, _ currency: Currency) -> String { Money(minorUnits: minor, currency: currency).displayString }

    private func checkedReason(_ reason: String) throws -> String {
        try TextRules.require("reason", reason, maximumLength: TextRules.Limit.reason)
        let trimmed = reason.trimmingCharacters(in: .whitespaces)
        guard !trimmed.isEmpty else { throw MDFStoreError.missingReason }
        return trimmed
    }

    private func mdfPartner(_ code: PartnerCode, resellersOnly: Bool = true) async throws -> PartnerID {
        guard let row = try await plainRows("SELECT id, kind FROM partners WHERE code = $1", [.text(code.rawValue)]).first else {
            throw MDFStoreError.unknownPartner(code.rawValue)
        }
        if resellersOnly, try row.text(1) != PartnerKind.reseller.rawValue { throw MDFStoreError.notAReseller(code.rawValue) }
        return PartnerID(try row.integer(0))
    }

    /// The request an action is on, with the program's currency and MDF rules on the action's date; a request
    /// outside `scope` (another partner's, for a partner login; not an account manager's partner) is not found.
    private func mdfRequestForAction(_ id: Int64, on date: BusinessDate, scope: Set<PartnerCode>?) async throws -> (MDFRequestFacts, Currency, MDFRules) {
        if let problem = LineLimits.dateProblem(date) { throw TextProblem(field: "date", problem: problem) }
        guard let request = try await mdfRequestFacts(id: id) else { throw MDFStoreError.notFound(id) }
        if let scope {
            let code = try await plainRows("SELECT code FROM partners WHERE id = $1", [.integer(request.partner.rawValue)]).first?.text(0)
            guard let code, scope.contains(PartnerCode(rawValue: code)) else { throw MDFStoreError.notFound(id) }
        }
        try await requireInDateOrder(request.partner, on: date)
        let program = try await program(on: date).program
        return (request, program.currency, program.mdf)
    }

    /// MDF actions of a partner are recorded in date order: an action dated before the partner's latest one could
    /// take money a later action already took. Allocations (dated their quarter's first day) and payments do not count.
    private func requireInDateOrder(_ partner: PartnerID, on date: BusinessDate) async throws {
        let latest = try await plainRows(
            """
            SELECT MAX(d) FROM (SELECT MAX(on_date) AS d FROM mdf_ledger WHERE partner_id = $1 AND entry IN ('reserved', 'released', 'payable')
                                UNION ALL SELECT MAX(requested_on) FROM mdf_requests WHERE partner_id = $1
                                UNION ALL SELECT MAX(decided_on) FROM mdf_requests WHERE partner_id = $1) AS dates
            """, [.integer(partner.rawValue)]
        ).first?.optionalText(0)
        if let latest, let latestDate = try? BusinessDate.parse(latest), date < latestDate { throw MDFError.outOfOrder(on: date, latest: latestDate) }
    }

    private func appendMDF(_ entries: [MDFEntry], partner: PartnerID) async throws {
        let now = Self.nowMicroseconds()
        for entry in entries where entry.amount > 0 {
            precondition(entry.kind != .expired, "expiry is derived, never recorded")
            try await sql.raw(
                """
                INSERT INTO mdf_ledger (partner_id, on_date, entry, allocation_id, request_id, amount_minor, recorded_at_us)
                VALUES (\(bind: partner.rawValue), \(bind: entry.date.description), \(bind: entry.kind.rawValue), \(bind: entry.allocationID),
                        \(bind: entry.requestID), \(bind: entry.amount), \(bind: now))
                """
            ).run()
        }
    }

    /// A partner's whole ledger: its allocations, its recorded entries, and the deadlines of reservations never claimed.
    func mdfLedger(of partner: PartnerID) async throws -> MDFLedger {
        let allocations = try await plainRows(
            "SELECT id, quarter, amount_minor, expires_on FROM mdf_allocations WHERE partner_id = $1 ORDER BY quarter, id", [.integer(partner.rawValue)]
        ).map { row in
            MDFAllocationFact(
                id: try row.integer(0), quarter: try Quarter.parse(try row.text(1)), amount: try row.integer(2), expiresOn: try BusinessDate.parse(try row.text(3)))
        }
        let recorded = try await plainRows(
            "SELECT on_date, entry, allocation_id, request_id, amount_minor FROM mdf_ledger WHERE partner_id = $1 ORDER BY id", [.integer(partner.rawValue)]
        ).map { row in
            MDFEntry(
                date: try BusinessDate.parse(try row.text(0)), kind: try row.stored(MDFEntryKind.self, 1), allocationID: try row.integer(2),
                requestID: try row.optionalInteger(3), amount: try row.integer(4))
        }
        var deadlines: [Int64: BusinessDate] = [:]
        for row in try await plainRows("SELECT id, claim_deadline FROM mdf_requests WHERE partner_id = $1 AND status = 'approved'", [.integer(partner.rawValue)]) {
            deadlines[try row.integer(0)] = try BusinessDate.parse(try row.text(1))
        }
        return MDFLedger(allocations: allocations, recorded: recorded, claimDeadlines: deadlines)
    }

    private static let requestColumns = """
        SELECT r.id, r.partner_id, r.activity, r.kind, r.planned_cost_minor, r.requested_minor, r.starts_on, r.ends_on, r.requested_on, r.claim_deadline, r.status,
               r.approved_minor, r.approved_on, r.reason, r.actual_cost_minor, r.claimed_minor, r.claimed_on, r.accepted_minor, r.decided_on,
               (SELECT MIN(l.on_date) FROM mdf_ledger l WHERE l.request_id = r.id AND l.entry = 'paid') AS paid_on,
               (SELECT COUNT(*) FROM mdf_proofs f WHERE f.request_id = r.id) AS proofs
        FROM mdf_requests r
        """

    private func mdfRequestFacts(id: Int64) async throws -> MDFRequestFacts? {
        try await plainRows(Self.requestColumns + " WHERE r.id = $1", [.integer(id)]).first.map(requestFacts)
    }

    /// A partner's requests whose last recorded status is `stored`, oldest first: the claims a statement may pay.
    func mdfRequestFacts(of partner: PartnerID, stored: MDFRequestStatus) async throws -> [MDFRequestFacts] {
        try await plainRows(
            Self.requestColumns + " WHERE r.partner_id = $1 AND r.status = $2 ORDER BY r.id", [.integer(partner.rawValue), .text(stored.rawValue)]
        ).map(requestFacts)
    }

    private func mdfRequestFacts(acceptedFrom first: BusinessDate, through last: BusinessDate) async throws -> [MDFRequestFacts] {
        try await plainRows(
            Self.requestColumns + " WHERE r.status = 'accepted' AND r.decided_on BETWEEN $1 AND $2 ORDER BY r.id", [.text(first.description), .text(last.description)]
        ).map(requestFacts)
    }

    private func requestFacts(_ row: PlainRow) throws -> MDFRequestFacts {
        func date(_ index: Int) throws -> BusinessDate? { try row.optionalText(index).map { try BusinessDate.parse($0) } }
        return MDFRequestFacts(
            id: try row.integer(0), partner: PartnerID(try row.integer(1)), activity: try row.text(2), kind: try row.stored(MDFActivityKind.self, 3),
            plannedCost: try row.integer(4), requested: try row.integer(5), startsOn: try BusinessDate.parse(try row.text(6)),
            endsOn: try BusinessDate.parse(try row.text(7)), requestedOn: try BusinessDate.parse(try row.text(8)),
            claimDeadline: try BusinessDate.parse(try row.text(9)), stored: try row.stored(MDFRequestStatus.self, 10), approved: try row.optionalInteger(11),
            approvedOn: try date(12), reason: try row.optionalText(13), actualCost: try row.optionalInteger(14), claimed: try row.optionalInteger(15),
            claimedOn: try date(16), accepted: try row.optionalInteger(17), decidedOn: try date(18), paidOn: try date(19), proofCount: Int(try row.integer(20)))
    }

    private func mdfView(_ request: MDFRequestFacts, _ record: PartnerRecord, _ program: Program, asOf date: BusinessDate) async throws -> MDFRequestView {
        func money(_ minor: Int64?) -> Money? { minor.map { Money(minorUnits: $0, currency: program.currency) } }
        let proofs = try await plainRows(
            "SELECT id, file_name, content_type, size_bytes, sha256 FROM mdf_proofs WHERE request_id = $1 ORDER BY id", [.integer(request.id)]
        ).map { row in
            MDFProofView(
                id: try row.integer(0), requestID: request.id, fileName: try row.text(1), contentType: try row.text(2), sizeBytes: try row.integer(3),
                sha256: try row.text(4))
        }
        return MDFRequestView(
            id: request.id, partner: record.code, partnerName: record.name, activity: request.activity, kind: request.kind,
            plannedCost: money(request.plannedCost)!, requested: money(request.requested)!, approved: money(request.approved), actualCost: money(request.actualCost),
            claimed: money(request.claimed), accepted: money(request.accepted), startsOn: request.startsOn, endsOn: request.endsOn, requestedOn: request.requestedOn,
            approvedOn: request.approvedOn, claimedOn: request.claimedOn, decidedOn: request.decidedOn, paidOn: request.paidOn,
            claimDeadline: request.claimDeadline,
            // Seen before it existed (an as-of date before the request), it is shown as requested.
            status: request.status(on: date) ?? .requested, reason: request.reason, proofs: proofs)
    }
}
