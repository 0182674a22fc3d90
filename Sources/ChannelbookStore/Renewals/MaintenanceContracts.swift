import ChannelbookCore
import ChannelbookImport
import Foundation
import SQLKit

/// A maintenance contract about to be stored: from a sales line of a SKU with a maintenance term, or imported.
struct NewContract: Sendable {
    /// `SOURCE:LINE_ID` for a contract a sales line created; the vendor's id for an imported one.
    let ref: String
    let origin: String
    let customer: String
    let resellerID: Int64
    let source: String
    let sku: String
    let seats: Int64
    let starts: String
    let ends: String
    /// A `renewal` sales line: it also renews the oldest open opportunity of the same SKU and customer.
    let renews: Bool

    /// The contract a sales line creates, when its SKU has a maintenance term on the line's date and it has seats.
    static func from(_ line: ResolvedSalesLine, date: BusinessDate, priceBook: PriceBook) -> NewContract? {
        guard line.seats > 0, let months = priceBook.governingEntry(for: SKU(line.sku), on: date)?.maintenanceMonths else { return nil }
        return NewContract(
            ref: "\(line.source):\(line.lineID)", origin: "sale", customer: line.customer, resellerID: line.resellerID, source: line.source, sku: line.sku,
            seats: line.seats, starts: line.date, ends: MaintenanceTerm.lastDay(startingOn: date, months: months).description,
            renews: line.category == SalesCategory.renewal.rawValue)
    }
}

/// The contracts a sales import creates, kept in a temporary file of the import's own while the lines stream into
/// the ledger (the loader holds the connection, and a large file's contracts must not sit in memory), then stored
/// after the lines. Deleted when the import ends, whatever happens.
final class ContractSpill: @unchecked Sendable {
    private let url: URL
    private var handle: FileHandle?
    private var buffer = Data()
    private(set) var count = 0

    init() {
        url = FileManager.default.temporaryDirectory.appendingPathComponent("channelbook-contracts-\(UUID().uuidString).tsv")
    }

    deinit { remove() }

    /// Starts again empty (a loader may read the file twice).
    func reset() throws {
        remove()
        guard FileManager.default.createFile(atPath: url.path, contents: nil, attributes: [.posixPermissions: 0o600]) else {
            throw CocoaError(.fileWriteUnknown, userInfo: [NSFilePathErrorKey: url.path])
        }
        handle = try FileHandle(forWritingTo: url)
        count = 0
    }

    /// Tab-separated: validation has refused every control character in these fields.
    func append(_ contract: NewContract) throws {
        let fields = [contract.ref, contract.customer, String(contract.resellerID), contract.source, contract.sku, String(contract.seats), contract.starts,
            contract.ends, contract.renews ? "1" : "0"]
        buffer.append(contentsOf: fields.joined(separator: "\t").utf8)
        buffer.append(0x0A)
        count += 1
        if buffer.count >= 1 << 20 { try flush() }
    }

    private func flush() throws {
        try handle?.write(contentsOf: buffer)
        buffer.removeAll(keepingCapacity: true)
    }

    /// Reads the contracts back in batches, in the order they were appended.
    func batches(of size: Int, _ body: ([NewContract]) async throws -> Void) async throws {
        guard count > 0 else { return }
        try flush()
        try handle?.close()
        handle = nil
        var batch: [NewContract] = []
        let reader = try FileHandle(forReadingFrom: url)
        defer { try? reader.close() }
        var pending: [UInt8] = []
        while let chunk = try reader.read(upToCount: 1 << 20), !chunk.isEmpty {
            pending.append(contentsOf: chunk)
            var start = 0
            while let newline = pending[start...].firstIndex(of: 0x0A) {
                if let contract = Self.contract(pending[start..<newline]) { batch.append(contract) }
                start = newline + 1
                if batch.count == size {
                    try await body(batch)
                    batch.removeAll(keepingCapacity: true)
                }
            }
            pending.removeFirst(start)
        }
        if !batch.isEmpty { try await body(batch) }
    }

    private static func contract(_ line: ArraySlice<UInt8>) -> NewContract? {
        let fields = line.split(separator: 0x09, omittingEmptySubsequences: false).map { String(decoding: $0, as: UTF8.self) }
        guard fields.count == 9, let reseller = Int64(fields[2]), let seats = Int64(fields[5]) else { return nil }
        return NewContract(
            ref: fields[0], origin: "sale", customer: fields[1], resellerID: reseller, source: fields[3], sku: fields[4], seats: seats, starts: fields[6],
            ends: fields[7], renews: fields[8] == "1")
    }

    private func remove() {
        try? handle?.close()
        handle = nil
        buffer.removeAll()
        try? FileManager.default.removeItem(at: url)
    }
}

extension ChannelbookDatabase {
    /// Stores the contracts a sales import's lines created (a line imported again creates nothing again), then lets
    /// its renewal lines renew the contracts they renew. Inside the import's transaction.
    func storeContracts(from spill: ContractSpill) async throws {
        guard spill.count > 0 else { return }
        try await spill.batches(of: 500) { try await insertContracts($0) }
        let rules = try await latestProgram().program.renewals
        try await spill.batches(of: 500) { batch in
            let renewals = batch.filter(\.renews)
            if !renewals.isEmpty { try await renew(with: renewals, rules: rules) }
        }
    }

    /// Inserts contracts whose reference is not stored yet; returns how many were new.
    @discardableResult
    func insertContracts(_ contracts: [NewContract]) async throws -> Int {
        guard !contracts.isEmpty else { return 0 }
        var query = SQLQueryString(
            "INSERT INTO maintenance_contracts (contract_ref, origin, customer, customer_key, reseller_id, source, sku, seats, starts, ends, created_at_us) VALUES ")
        let now = Self.nowMicroseconds()
        for (index, contract) in contracts.enumerated() {
            if index > 0 { query.appendLiteral(", ") }
            query.appendInterpolation(
                """
                (\(bind: contract.ref), \(bind: contract.origin), \(bind: contract.customer), \(bind: CustomerIdentity.normalize(name: contract.customer)),
                 \(bind: contract.resellerID), \(bind: contract.source), \(bind: contract.sku), \(bind: contract.seats), \(bind: contract.starts),
                 \(bind: contract.ends), \(bind: now))
                """ as SQLQueryString)
        }
        query.appendLiteral(" ON CONFLICT (contract_ref) DO NOTHING RETURNING id")
        return try await sql.raw(query).all().count
    }

    /// A stored contract as the renewal match sees it.
    struct MatchCandidate: RenewableContract {
        let id: Int64
        let customerKey: String
        let sku: String
        let starts: BusinessDate
        let ends: BusinessDate
        let lapsedOn: BusinessDate?
    }

    /// Each renewal line (by date, then file order) renews the oldest open opportunity of its SKU and customer whose
    /// window holds its date (`RenewalPolicy.contractRenewed`). A line that renewed a contract before renews nothing again.
    private func renew(with lines: [NewContract], rules: RenewalRules) async throws {
        var done = SQLQueryString("SELECT renewed_by FROM maintenance_contracts WHERE renewed_by IN (")
        for (index, line) in lines.enumerated() { done.appendInterpolation(index == 0 ? "\(bind: line.ref)" : ", \(bind: line.ref)" as SQLQueryString) }
        done.appendLiteral(")")
        let alreadyRenewed = Set(try await sql.raw(done).all().map { try $0.decode(column: "renewed_by", as: String.self) })
        let pending = lines.filter { !alreadyRenewed.contains($0.ref) }
        guard !pending.isEmpty else { return }
        let keys = Set(pending.map { [CustomerIdentity.normalize(name: $0.customer), $0.sku] })
        var query = SQLQueryString("SELECT id, customer_key, sku, starts, ends, lapsed_on FROM maintenance_contracts WHERE renewed_on IS NULL AND (")
        for (index, key) in keys.enumerated() {
            if index > 0 { query.appendLiteral(" OR ") }
            query.appendInterpolation("(customer_key = \(bind: key[0]) AND sku = \(bind: key[1]))" as SQLQueryString)
        }
        query.appendLiteral(")")
        var candidates: [[String]: [MatchCandidate]] = [:]
        for row in try await sql.raw(query).all() {
            let candidate = MatchCandidate(
                id: try row.decode(column: "id", as: Int64.self), customerKey: try row.decode(column: "customer_key", as: String.self),
                sku: try row.decode(column: "sku", as: String.self), starts: try BusinessDate.parse(row.decode(column: "starts", as: String.self)),
                ends: try BusinessDate.parse(row.decode(column: "ends", as: String.self)),
                lapsedOn: try row.decode(column: "lapsed_on", as: String?.self).map { try BusinessDate.parse($0) })
            candidates[[candidate.customerKey, candidate.sku], default: []].append(candidate)
        }
        let ordered = pending.enumerated().sorted { ($0.element.starts, $0.offset) < ($1.element.starts, $1.offset) }.map(\.element)
        for line in ordered {
            let key = [CustomerIdentity.normalize(name: line.customer), line.sku]
            guard let date = try? BusinessDate.parse(line.starts),
                let renewed = RenewalPolicy.contractRenewed(on: date, among: candidates[key] ?? [], rules: rules)
            else { continue }
            candidates[key]?.removeAll { $0.id == renewed.id }
            try await sql.raw(
                "UPDATE maintenance_contracts SET renewed_on = \(bind: line.starts), renewed_by = \(bind: line.ref) WHERE id = \(bind: renewed.id)"
            ).run()
            try await appendRenewalEvent(contract: renewed.id, on: date, event: "renewed", amount: nil, note: "renewal line \(line.ref)", actor: "import")
        }
    }

    func appendRenewalEvent(contract: Int64, on date: BusinessDate, event: String, amount: Int64?, note: String, actor: String) async throws {
        try await sql.raw(
            """
            INSERT INTO renewal_events (contract_id, on_date, event, amount_minor, note, actor, recorded_at_us)
            VALUES (\(bind: contract), \(bind: date.description), \(bind: event), \(bind: amount), \(bind: note), \(bind: actor), \(bind: Self.nowMicroseconds()))
            """
        ).run()
    }
}

/// Imports `contracts.csv`: every line checked (the reseller, the source, a SKU with a maintenance term), then all
/// stored or none. A contract id already stored with the same content is present; with other content, a conflict.
struct ContractImporter {
    let database: ChannelbookDatabase

    static let maximumRows = 10_000_000

    func run(path: String, name: String) async throws -> ImportSummary {
        let directory = try await PartnerDirectory.load(from: database)
        let priceBook = try await PriceBook.load(from: database)
        var limit = RowLimit(maximum: Self.maximumRows, noun: "contracts")
        var batch: [(line: Int, contract: NewContract)] = []
        var new = 0, present = 0
        var problems = try await ImportFile.read(path: path, name: name, required: ContractRow.requiredColumns) { record, header, problems in
            guard limit.admit(record, &problems) else { return }
            var named = ContractRow.References()
            let row = ContractRow.parse(record, header: header, problems: &problems, references: &named)
            var references = ImportProblems(file: name)
            let reseller = named.reseller.flatMap { directory.reseller($0, line: record.line, &references) }
            if let source = named.source { _ = directory.distributor(source, line: record.line, &references) }
            if let sku = named.sku {
                if priceBook.entries[sku] == nil {
                    references.add(line: record.line, field: "sku", "'\(sku.rawValue)' is not in the price book")
                } else if priceBook.entries[sku]?.contains(where: { $0.maintenanceMonths != nil }) != true {
                    references.add(line: record.line, field: "sku", "'\(sku.rawValue)' has no maintenance term in the price book")
                }
            }
            problems.merge(references)
            // Checked against what is stored even when other lines are bad, so conflicts are reported too.
            guard references.isEmpty, let row, let reseller else { return }
            batch.append(
                (row.line, NewContract(
                    ref: row.contractID, origin: "import", customer: row.customer, resellerID: reseller.id.rawValue, source: row.source.description,
                    sku: row.sku.rawValue, seats: row.seats, starts: row.starts.description, ends: row.ends.description, renews: false)))
            if batch.count == 500 {
                try await store(batch, &new, &present, &problems)
                batch.removeAll(keepingCapacity: true)
            }
        }
        try await store(batch, &new, &present, &problems)
        guard problems.isEmpty else { throw problems }
        return ImportSummary(kind: .contracts, lines: limit.rows, new: new, present: present)
    }

    /// Stores a batch: new contracts are inserted; stored ones are compared field by field.
    private func store(_ batch: [(line: Int, contract: NewContract)], _ new: inout Int, _ present: inout Int, _ problems: inout ImportProblems) async throws {
        guard !batch.isEmpty else { return }
        var query = SQLQueryString("SELECT contract_ref, origin, customer, reseller_id, source, sku, seats, starts, ends FROM maintenance_contracts WHERE contract_ref IN (")
        for (index, item) in batch.enumerated() { query.appendInterpolation(index == 0 ? "\(bind: item.contract.ref)" : ", \(bind: item.contract.ref)" as SQLQueryString) }
        query.appendLiteral(")")
        var stored: [String: [String]] = [:]
        for row in try await database.sql.raw(query).all() {
            stored[try row.decode(column: "contract_ref", as: String.self)] = [
                try row.decode(column: "customer", as: String.self), String(try row.decode(column: "reseller_id", as: Int64.self)),
                try row.decode(column: "source", as: String.self), try row.decode(column: "sku", as: String.self), String(try row.decode(column: "seats", as: Int64.self)),
                try row.decode(column: "starts", as: String.self), try row.decode(column: "ends", as: String.self),
            ]
        }
        var fresh: [NewContract] = []
        var seen: [String: Int] = [:]
        for (line, contract) in batch {
            let fields = [contract.customer, String(contract.resellerID), contract.source, contract.sku, String(contract.seats), contract.starts, contract.ends]
            if let earlier = seen[contract.ref] {
                problems.add(line: line, field: "contract_id", "\(contract.ref) is already on line \(earlier) of this file")
            } else if let existing = stored[contract.ref] {
                let names = ["customer", "reseller", "source", "sku", "seats", "starts", "ends"]
                let differing = zip(names, zip(existing, fields)).filter { $0.1.0 != $0.1.1 }.map(\.0)
                if differing.isEmpty { present += 1 } else {
                    problems.add(line: line, field: "contract_id", "\(contract.ref) is already recorded with a different \(differing.joined(separator: ", "))")
                }
            } else {
                fresh.append(contract)
            }
            seen[contract.ref] = line
        }
        guard problems.isEmpty else { return }
        new += try await database.insertContracts(fresh)
    }
}
