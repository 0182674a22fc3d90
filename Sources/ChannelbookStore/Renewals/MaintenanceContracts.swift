import ChannelbookCore
import ChannelbookImport
import Foundation
import NIOCore
import PostgresNIO
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

    /// The contract a sales line of a SKU with a maintenance term of `months` (the price book's on the line's date)
    /// creates, when it sells seats.
    static func from(_ line: ResolvedSalesLine, date: BusinessDate, months: Int) -> NewContract? {
        // A credit (a return or a price adjustment) sells no maintenance.
        guard line.seats > 0, line.amountMinor >= 0 else { return nil }
        return NewContract(
            ref: "\(line.source):\(line.lineID)", origin: "sale", customer: line.customer, resellerID: line.resellerID, source: line.source, sku: line.sku,
            seats: line.seats, starts: line.date, ends: MaintenanceTerm.lastDay(startingOn: date, months: months).description,
            renews: line.category == SalesCategory.renewal.rawValue)
    }
}

/// The contracts a sales import creates, kept in a temporary file of the import's own while the lines stream into
/// the ledger (the loader holds the connection, and a large file's contracts must not sit in memory), then stored
/// after the lines. The file is created exclusively, readable by this user only, and deleted when the import ends.
final class ContractSpill: @unchecked Sendable {
    private let path: String
    private var handle: FileHandle?
    private var buffer: [UInt8] = []
    private(set) var count = 0
    /// How many of them are renewal lines (to match against open opportunities).
    private(set) var renewalCount = 0

    init() {
        path = FileManager.default.temporaryDirectory.appendingPathComponent("channelbook-contracts-\(UUID().uuidString).tsv").path
    }

    deinit { remove() }

    /// Starts again empty (a loader may read the file twice).
    func reset() throws {
        remove()
        let descriptor = open(path, O_CREAT | O_EXCL | O_WRONLY | O_NOFOLLOW | O_CLOEXEC, 0o600)
        guard descriptor >= 0 else { throw CocoaError(.fileWriteUnknown, userInfo: [NSFilePathErrorKey: path]) }
        handle = FileHandle(fileDescriptor: descriptor, closeOnDealloc: true)
        count = 0
        renewalCount = 0
    }

    func append(_ contract: NewContract) throws {
        let fields = [contract.ref, contract.customer, String(contract.resellerID), contract.source, contract.sku, String(contract.seats), contract.starts,
            contract.ends, contract.renews ? "1" : "0"]
        for (index, field) in fields.enumerated() {
            if index > 0 { buffer.append(0x09) }
            Self.escape(field, into: &buffer)
        }
        buffer.append(0x0A)
        count += 1
        if contract.renews { renewalCount += 1 }
        if buffer.count >= 1 << 20 { try flush() }
    }

    /// Free text may hold a tab: fields are escaped (`\\`, `\t`, `\n`, `\r`) so a tab always separates two.
    private static func escape(_ text: String, into buffer: inout [UInt8]) {
        for byte in text.utf8 {
            switch byte {
            case 0x5C: buffer += [0x5C, 0x5C]
            case 0x09: buffer += [0x5C, UInt8(ascii: "t")]
            case 0x0A: buffer += [0x5C, UInt8(ascii: "n")]
            case 0x0D: buffer += [0x5C, UInt8(ascii: "r")]
            default: buffer.append(byte)
            }
        }
    }

    private static func unescape(_ field: ArraySlice<UInt8>) -> String {
        guard field.contains(0x5C) else { return String(decoding: field, as: UTF8.self) }
        var bytes: [UInt8] = []
        var escaped = false
        for byte in field {
            if escaped {
                bytes.append(byte == UInt8(ascii: "t") ? 0x09 : byte == UInt8(ascii: "n") ? 0x0A : byte == UInt8(ascii: "r") ? 0x0D : byte)
                escaped = false
            } else if byte == 0x5C {
                escaped = true
            } else {
                bytes.append(byte)
            }
        }
        return String(decoding: bytes, as: UTF8.self)
    }

    private func flush() throws {
        try handle?.write(contentsOf: buffer)
        buffer.removeAll(keepingCapacity: true)
    }

    /// Reads the contracts back in batches, in the order they were appended.
    func batches(of size: Int, _ body: ([NewContract]) async throws -> Void) async throws {
        guard count > 0 else { return }
        try flush()
        var batch: [NewContract] = []
        let reader = try FileHandle(forReadingFrom: URL(fileURLWithPath: path))
        defer { try? reader.close() }
        var pending: [UInt8] = []
        while let chunk = try reader.read(upToCount: 1 << 20), !chunk.isEmpty {
            pending.append(contentsOf: chunk)
            var start = 0
            while let newline = pending[start...].firstIndex(of: 0x0A) {
                guard let contract = Self.contract(pending[start..<newline]) else { throw CocoaError(.fileReadCorruptFile, userInfo: [NSFilePathErrorKey: path]) }
                batch.append(contract)
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
        let fields = line.split(separator: 0x09, omittingEmptySubsequences: false).map(unescape)
        guard fields.count == 9, let reseller = Int64(fields[2]), let seats = Int64(fields[5]) else { return nil }
        return NewContract(
            ref: fields[0], origin: "sale", customer: fields[1], resellerID: reseller, source: fields[3], sku: fields[4], seats: seats, starts: fields[6],
            ends: fields[7], renews: fields[8] == "1")
    }

    private func remove() {
        try? handle?.close()
        handle = nil
        buffer.removeAll()
        unlink(path)
    }
}

extension ChannelbookDatabase {
    /// Stores the contracts a sales import's lines created (a line imported again creates nothing again), then lets
    /// its renewal lines renew the contracts they renew. Inside the import's transaction. Returns how many
    /// opportunities were renewed.
    func storeContracts(from spill: ContractSpill, actor: String) async throws -> Int {
        guard spill.count > 0 else { return 0 }
        if dialect == .postgres {
            try await copyContracts(from: spill)
        } else {
            try await spill.batches(of: 500) { try await insertContracts($0) }
        }
        // Renewal lines are matched by date across the file, a large slice of them at a time (read again only if any).
        guard spill.renewalCount > 0 else { return 0 }
        var renewals: [NewContract] = []
        var renewed = 0
        try await spill.batches(of: 500) { batch in
            renewals += batch.filter(\.renews)
            if renewals.count >= Self.renewalLinesMatchedAtOnce {
                renewed += try await renew(with: renewals, actor: actor)
                renewals.removeAll(keepingCapacity: true)
            }
        }
        if !renewals.isEmpty { renewed += try await renew(with: renewals, actor: actor) }
        return renewed
    }

    /// PostgreSQL: COPY every contract into a temporary table, then one INSERT … ON CONFLICT DO NOTHING (a contract a line
    /// imported before created stays as it is). Bound parameters cost PostgreSQL three times as much per contract.
    private func copyContracts(from spill: ContractSpill) async throws {
        try await sql.raw(
            """
            CREATE TEMP TABLE import_contracts (contract_ref TEXT NOT NULL, customer TEXT NOT NULL, customer_key TEXT NOT NULL, reseller_id BIGINT NOT NULL,
              source TEXT NOT NULL, sku TEXT NOT NULL, seats BIGINT NOT NULL, starts TEXT NOT NULL, ends TEXT NOT NULL) ON COMMIT DROP
            """
        ).run()
        let columns = ["contract_ref", "customer", "customer_key", "reseller_id", "source", "sku", "seats", "starts", "ends"]
        try await postgres!.copyFrom(table: "import_contracts", columns: columns, logger: logger) { writer in
            var buffer = ByteBufferAllocator().buffer(capacity: PostgresSalesLoader.chunkBytes + 4096)
            try await spill.batches(of: 500) { batch in
                for contract in batch {
                    for (index, field) in [contract.ref, contract.customer, Self.customerKey(contract.customer), String(contract.resellerID), contract.source,
                        contract.sku, String(contract.seats), contract.starts, contract.ends].enumerated()
                    {
                        if index > 0 { buffer.writeInteger(UInt8(ascii: "\t")) }
                        PostgresSalesLoader.appendEscaped(field, to: &buffer)
                    }
                    buffer.writeInteger(UInt8(ascii: "\n"))
                }
                if buffer.readableBytes >= PostgresSalesLoader.chunkBytes {
                    try await writer.write(buffer)
                    buffer.clear()
                }
            }
            if buffer.readableBytes > 0 { try await writer.write(buffer) }
        }
        try await sql.raw(
            """
            INSERT INTO maintenance_contracts (contract_ref, origin, customer, customer_key, reseller_id, source, sku, seats, starts, ends, created_at_us)
            SELECT contract_ref, 'sale', customer, customer_key, reseller_id, source, sku, seats, starts, ends, \(bind: Self.nowMicroseconds())
            FROM import_contracts ON CONFLICT (contract_ref) DO NOTHING
            """
        ).run()
        try await sql.raw("DROP TABLE import_contracts").run()
    }

    /// How many renewal lines are put in date order and matched together (about 20 MB of them).
    static let renewalLinesMatchedAtOnce = 100_000

    /// Inserts contracts whose reference is not stored yet (one a line imported before created stays as it is).
    /// Bound on the drivers directly (`plainRows`): sql-kit's Codable binding was most of the cost of a contract.
    func insertContracts(_ contracts: [NewContract]) async throws {
        guard !contracts.isEmpty else { return }
        let now = PlainValue.integer(Self.nowMicroseconds())
        var binds: [PlainValue] = []
        binds.reserveCapacity(contracts.count * Self.contractColumns)
        for contract in contracts {
            binds += [
                .text(contract.ref), .text(contract.origin), .text(contract.customer), .text(Self.customerKey(contract.customer)), .integer(contract.resellerID),
                .text(contract.source), .text(contract.sku), .integer(contract.seats), .text(contract.starts), .text(contract.ends), now,
            ]
        }
        let sqlite = dialect == .sqlite
        let statement =
            contracts.count == 500
            ? (sqlite ? Self.insertFiveHundredContractsSQLite : Self.insertFiveHundredContractsPostgres)
            : Self.insertContractsStatement(rows: contracts.count, numbered: !sqlite)
        _ = try await plainRows(statement, binds)
    }

    private static let contractColumns = 11
    private static let insertFiveHundredContractsSQLite = insertContractsStatement(rows: 500, numbered: false)
    private static let insertFiveHundredContractsPostgres = insertContractsStatement(rows: 500, numbered: true)

    /// PostgreSQL numbers its placeholders; SQLite takes `?`, because it looks each `$N` up among the names seen so
    /// far — thousands of them in one statement cost seconds per import.
    private static func insertContractsStatement(rows: Int, numbered: Bool) -> String {
        let values = (0..<rows).map { row in
            "(" + (1...contractColumns).map { numbered ? "$\(row * contractColumns + $0)" : "?" }.joined(separator: ", ") + ")"
        }
        return "INSERT INTO maintenance_contracts (contract_ref, origin, customer, customer_key, reseller_id, source, sku, seats, starts, ends, created_at_us) VALUES "
            + values.joined(separator: ", ") + " ON CONFLICT (contract_ref) DO NOTHING"
    }

    /// A customer's name as renewals match it (the referral normalisation), within the schema's bound.
    static func customerKey(_ name: String) -> String { String(CustomerIdentity.normalize(name: name).unicodeScalars.prefix(400)) }

    /// A stored contract as the renewal match sees it.
    struct MatchCandidate: RenewableContract {
        let id: Int64
        let ref: String
        let customerKey: String
        let sku: String
        let starts: BusinessDate
        let ends: BusinessDate
        let lapsedOn: BusinessDate?
        let resellerID: Int64
    }

    /// Each renewal line, by date then file order, renews the oldest open opportunity of its SKU and customer whose
    /// window holds its date (`RenewalPolicy.contractRenewed`, under the program in force on the line's date). A line
    /// renews one opportunity at most, ever: one that renewed before renews nothing again, and a line whose customer
    /// has no name to match (punctuation only) renews nothing. Each renewal is audited.
    private func renew(with lines: [NewContract], actor: String) async throws -> Int {
        var seen = Set<String>()
        var pending = lines.filter { seen.insert($0.ref).inserted && !Self.customerKey($0.customer).isEmpty }
        for start in stride(from: 0, to: pending.count, by: 500) {
            let chunk = pending[start..<min(start + 500, pending.count)]
            var done = SQLQueryString("SELECT renewed_by FROM maintenance_contracts WHERE renewed_by IN (")
            done.appendBindList(chunk.map(\.ref))
            done.appendLiteral(")")
            let already = Set(try await sql.raw(done).all().map { try $0.decode(column: "renewed_by", as: String.self) })
            seen.subtract(already)
        }
        pending = pending.filter { seen.contains($0.ref) }
        guard !pending.isEmpty else { return 0 }
        var rulesOn: [String: RenewalRules] = [:]
        for day in Set(pending.map(\.starts)) { rulesOn[day] = try await program(on: try BusinessDate.parse(day)).program.renewals }
        // Candidates: the unrenewed contracts of these customers and SKUs whose end lies within reach of the lines' dates.
        let widest = rulesOn.values.map { $0.horizonDays + $0.lapseAfterDays }.max() ?? 0
        let first = try BusinessDate.parse(pending.map(\.starts).min()!), last = try BusinessDate.parse(pending.map(\.starts).max()!)
        let keys = Array(Set(pending.map { [Self.customerKey($0.customer), $0.sku] }))
        var candidates: [[String]: [MatchCandidate]] = [:]
        for start in stride(from: 0, to: keys.count, by: 250) {
            var query = SQLQueryString(
                "SELECT id, contract_ref, customer_key, sku, starts, ends, lapsed_on, reseller_id FROM maintenance_contracts WHERE renewed_on IS NULL")
            query.appendInterpolation(
                " AND ends BETWEEN \(bind: first.addingClamped(days: -widest).description) AND \(bind: last.addingClamped(days: widest).description) AND ("
                    as SQLQueryString)
            for (index, key) in keys[start..<min(start + 250, keys.count)].enumerated() {
                if index > 0 { query.appendLiteral(" OR ") }
                query.appendInterpolation("(customer_key = \(bind: key[0]) AND sku = \(bind: key[1]))" as SQLQueryString)
            }
            query.appendLiteral(")")
            for row in try await sql.raw(query).all() {
                let candidate = MatchCandidate(
                    id: try row.decode(column: "id", as: Int64.self), ref: try row.decode(column: "contract_ref", as: String.self),
                    customerKey: try row.decode(column: "customer_key", as: String.self), sku: try row.decode(column: "sku", as: String.self),
                    starts: try BusinessDate.parse(row.decode(column: "starts", as: String.self)), ends: try BusinessDate.parse(row.decode(column: "ends", as: String.self)),
                    lapsedOn: try row.decode(column: "lapsed_on", as: String?.self).map { try BusinessDate.parse($0) },
                    resellerID: try row.decode(column: "reseller_id", as: Int64.self))
                candidates[[candidate.customerKey, candidate.sku], default: []].append(candidate)
            }
        }
        var renewed = 0
        let ordered = pending.enumerated().sorted { ($0.element.starts, $0.offset) < ($1.element.starts, $1.offset) }.map(\.element)
        for line in ordered {
            let key = [Self.customerKey(line.customer), line.sku]
            let date = try BusinessDate.parse(line.starts)
            guard let rules = rulesOn[line.starts], let contract = RenewalPolicy.contractRenewed(on: date, among: candidates[key] ?? [], rules: rules) else { continue }
            candidates[key]?.removeAll { $0.id == contract.id }
            try await sql.raw(
                "UPDATE maintenance_contracts SET renewed_on = \(bind: line.starts), renewed_by = \(bind: line.ref) WHERE id = \(bind: contract.id) AND renewed_on IS NULL"
            ).run()
            try await appendRenewalEvent(contract: contract.id, on: date, event: "renewed", amount: nil, note: "renewal line \(line.ref)", actor: actor)
            try await audit(
                actor: actor, action: "renewal renewed", partner: PartnerID(contract.resellerID), subject: "opportunity \(contract.id) (\(contract.ref))",
                after: "renewed on \(line.starts) by renewal line \(line.ref)")
            renewed += 1
        }
        return renewed
    }

    func appendRenewalEvent(contract: Int64, on date: BusinessDate, event: String, amount: Int64?, note: String, actor: String) async throws {
        try await sql.raw(
            """
            INSERT INTO renewal_events (contract_id, on_date, event, amount_minor, note, actor, recorded_at_us)
            VALUES (\(bind: contract), \(bind: date.description), \(bind: event), \(bind: amount), \(bind: note), \(bind: String(actor.prefix(254))),
                    \(bind: Self.nowMicroseconds()))
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
                // The price book decides, as for sales lines: the entry in force on the contract's first day.
                if let entry = priceBook.governingEntry(for: sku, on: row?.starts) {
                    if entry.maintenanceMonths == nil { references.add(line: record.line, field: "sku", "'\(sku.rawValue)' has no maintenance term in the price book") }
                } else {
                    references.add(line: record.line, field: "sku", "'\(sku.rawValue)' is not in the price book")
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
        query.appendBindList(batch.map(\.contract.ref))
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
        try await database.insertContracts(fresh)
        new += fresh.count
    }
}
