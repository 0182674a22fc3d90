import ArgumentParser
import ChannelbookCore
import ChannelbookStore
import ChannelbookWeb
import Foundation
import Hummingbird

/// `channelbook demo`: a demo database with the article's program and a realistic channel, then the web app.
struct DemoCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "demo",
        abstract: "Create (or reuse) a demo database and serve it: the article's program, 3 distributors, 8 national and 60 other resellers.")

    @Option(help: "The demo's SQLite file (created when missing).", completion: .file()) var db = "./channelbook-demo.sqlite"
    @Flag(help: "Delete and rebuild the demo database first.") var fresh = false
    @Option(help: "Address to listen on.") var host = "127.0.0.1"
    @Option(help: "Port to listen on.") var port = 8080
    @Flag(help: "Build the database and print the logins, but do not serve.") var noServe = false

    func run() async throws {
        if fresh { for suffix in ["", "-wal", "-shm"] { try? FileManager.default.removeItem(atPath: db + suffix) } }
        let exists = FileManager.default.fileExists(atPath: db)
        let database = try await ChannelbookDatabase.open(.sqlite(path: db))
        do {
            if !exists {
                Console.line("building the demo database \(db) …")
                do { try await DemoData.build(into: database, today: Today.date) } catch {
                    // A half-built demo must not be reused next time.
                    await database.close()
                    for suffix in ["", "-wal", "-shm"] { try? FileManager.default.removeItem(atPath: db + suffix) }
                    throw error
                }
            }
            try await database.requireInitialised()
            Console.line("demo logins (password for each: \(DemoData.password)):")
            let logins = try await database.users().map { ($0.email, $0.role.rawValue + ($0.partner.map { " of \($0.rawValue)" } ?? "")) }
            alignedRows(logins, indent: "  ").forEach { Console.line($0) }
        } catch {
            await database.close()
            throw error
        }
        await database.close()
        guard !noServe else { return }
        Console.line("serving on http://\(host):\(port) (Ctrl-C to stop)")
        let pool = try await DatabasePool.open(.sqlite(path: db))
        do { try await WebApp.build(database: pool, host: host, port: port).runService() } catch {
            await pool.close()
            throw error
        }
        await pool.close()
    }
}

/// The demo channel: generated partners, price book and two quarters of sales, a quarter closed, approved
/// and paid, late lines that become adjustments, referrals in every state, and a login per role.
enum DemoData {
    /// Demo-only password shared by every demo login (printed on start; never use it for real data).
    static let password = "channelbook-demo"
    static let vendorLogins: [(String, Role)] = [
        ("admin@demo.channelbook.example", .admin), ("manager@demo.channelbook.example", .accountManager),
        ("maintenance@demo.channelbook.example", .maintenanceOfficer), ("maintenance2@demo.channelbook.example", .maintenanceOfficer),
        ("finance@demo.channelbook.example", .finance),
    ]
    /// A login for each of the article's three distributors, to upload its own reports and see its own sell-through.
    static let distributorLogins = [
        ("distributor@demo.channelbook.example", "D01"), ("distributor2@demo.channelbook.example", "D02"), ("distributor3@demo.channelbook.example", "D03"),
    ]
    /// The article's two maintenance officers: the first helps D01 and D02, the second D03.
    static let officerOf = ["D01": "maintenance@demo.channelbook.example", "D02": "maintenance@demo.channelbook.example", "D03": "maintenance2@demo.channelbook.example"]

    static func build(into database: ChannelbookDatabase, today: BusinessDate) async throws {
        let actor = "demo"
        try await database.initialise(programTOML: Program.articleTOML, actor: actor)
        let folder = FileManager.default.temporaryDirectory.appendingPathComponent("channelbook-demo-\(UUID().uuidString)")
        let q1 = try Quarter.parse("2026Q1"), q2 = try Quarter.parse("2026Q2")
        try SampleDataGenerator(partners: 71, lines: 20_000, quarters: [q1, q2], seed: 2026, nationals: 8).write(to: folder)
        let (onTime, late) = try splitLateLines(folder.appendingPathComponent("sales.csv"), in: q1)
        for kind in [ImportKind.partners, .pricebook] {
            try await database.importFile(kind, path: folder.appendingPathComponent("\(kind.rawValue).csv").path, name: "demo \(kind.rawValue).csv", actor: actor)
        }
        try await database.importFile(.sales, path: onTime.path, name: "demo sales.csv", actor: actor)
        try await database.importFile(.sales, path: try salesHistory(folder).path, name: "demo 2025 sales.csv", actor: actor)
        try await database.importFile(.referrals, path: folder.appendingPathComponent("referrals.csv").path, name: "demo referrals.csv", actor: actor)
        // The partner login and the referrals belong to premier resellers, the article's main audience.
        let directory = try await PartnerDirectory.load(from: database)
        let premiers = directory.byCode.values.filter { directory.latestTier(of: $0.id) == .premier }.map(\.code.rawValue).sorted()
        guard premiers.count >= 3 else { throw CLIError("the demo data has fewer than three premier resellers") }
        try await mdfInEveryState(database, partners: premiers, quarters: [q1, q2, Quarter(containing: today)], actor: actor)
        _ = try await database.closeQuarter(q1, actor: actor)
        try await database.approveStatements(q1, actor: actor)
        try await database.markPaid(q1, reference: "DEMO-EFT-2026Q1", actor: actor)
        try await database.importFile(.sales, path: late.path, name: "demo late sales.csv", actor: actor)
        try await referralsInEveryState(database, partners: premiers, today: today, actor: actor)
        _ = try await database.closeQuarter(q2, actor: actor)
        for (email, role) in vendorLogins {
            try await database.addUser(email: email, role: role, partner: nil, password: password, actor: actor)
        }
        try await database.addUser(
            email: "partner@demo.channelbook.example", role: .partner, partner: PartnerCode(rawValue: premiers[0]), password: password, actor: actor)
        for (email, distributor) in distributorLogins {
            try await database.addUser(email: email, role: .partner, partner: PartnerCode(rawValue: distributor), password: password, actor: actor)
        }
        // The account manager looks after the national resellers, the maintenance officers the distributors.
        for record in directory.byCode.values.sorted(by: { $0.code.rawValue < $1.code.rawValue }) {
            if record.kind == .distributor {
                let officer = officerOf[record.code.rawValue] ?? "maintenance@demo.channelbook.example"
                try await database.assignContact(partner: record.code, email: officer, role: .maintenanceOfficer, actor: actor)
            } else if directory.latestTier(of: record.id) == .national {
                try await database.assignContact(partner: record.code, email: "manager@demo.channelbook.example", role: .accountManager, actor: actor)
            }
        }
        try await renewalsInEveryState(database, directory: directory, folder: folder, today: today, actor: actor)
        try await parkedNames(database, directory: directory, folder: folder, today: today)
        try? FileManager.default.removeItem(at: folder)
    }

    /// A D02 report that names two resellers its own way, uploaded by D02's login: one spelling of a reseller's name that
    /// Channelbook suggests (same normalised name) and the distributor's staff purchases, so the matching page has work.
    static func parkedNames(_ database: ChannelbookDatabase, directory: PartnerDirectory, folder: URL, today: BusinessDate) async throws {
        guard let d02 = directory.byCode["D02"],
            let reseller = directory.byCode.values.filter({ directory.distributorsOf[$0.id]?.contains(d02.id) == true && directory.latestTier(of: $0.id) != .national })
                .min(by: { $0.code.rawValue < $1.code.rawValue })
        else { return }
        var lines = "line_id,date,source,reseller,customer,sku,category,seats,amount,currency\n"
        for index in 1...3 {
            lines += "D02-NAMED-\(index),\(today.adding(days: -index)),D02,\"\(reseller.name.uppercased()) PTY LTD\",Customer \(index),SW-1001,software,\(index),\(index * 150).00,AUD\n"
        }
        lines += "D02-STAFF-1,\(today.adding(days: -2)),D02,Staff purchases,Employee,SW-1001,software,1,150.00,AUD\n"
        let file = folder.appendingPathComponent("d02-sell-through.csv")
        try lines.write(to: file, atomically: true, encoding: .utf8)
        try await database.importFile(.sales, path: file.path, name: "d02-sell-through.csv", actor: distributorLogins[1].0, onlySource: "D02")
    }

    /// Renewals beside the thousands of contracts the demo's hardware sales created (every hardware SKU carries 12
    /// months of maintenance): an imported set around today for each distributor and DIRECT, so every queue holds open,
    /// quoted, renewed and lapsed opportunities — renewed by renewal lines dated five days ago, quoted and lapsed by hand.
    static func renewalsInEveryState(_ database: ChannelbookDatabase, directory: PartnerDirectory, folder: URL, today: BusinessDate, actor: String) async throws {
        let resellers = directory.byCode.values.filter { $0.kind == .reseller }.sorted { $0.code.rawValue < $1.code.rawValue }
        let nationals = resellers.filter { directory.latestTier(of: $0.id) == .national }.map(\.code.rawValue)
        func buyer(of source: String) -> String {
            guard let distributor = directory.byCode[PartnerCode(rawValue: source)] else { return nationals.first ?? resellers[0].code.rawValue }
            return resellers.first { directory.distributorsOf[$0.id]?.contains(distributor.id) == true && directory.latestTier(of: $0.id) != .national }?.code.rawValue
                ?? resellers[0].code.rawValue
        }
        let customers = ["Harbour Dental", "Wattle Council", "Tasman Freight", "Kestrel Legal", "Summit Clinics", "Acme Mining"]
        // Days from today to each contract's end: lapsed long ago, in its grace days, due soon, later, not open yet.
        let offsets = [-60, -10, 20, 45, 75, 120]
        var contracts = "contract_id,customer,reseller,source,sku,seats,starts,ends\n"
        var renewals = "line_id,date,source,reseller,customer,sku,category,seats,amount,currency\n"
        var ids: [String: [Int]] = [:]
        for source in ["D01", "D02", "D03", "DIRECT"] {
            for (index, offset) in offsets.enumerated() {
                let ends = today.adding(days: offset), starts = ends.adding(days: -364)
                let customer = "\(customers[index]) (\(source))", reseller = buyer(of: source), seats = 10 * (index + 1)
                contracts += "DEMO-\(source)-\(index + 1),\(customer),\(reseller),\(source),HW-1001,\(seats),\(starts),\(ends)\n"
                ids[source, default: []].append(index)
                // The contracts ending in 10 and in 20 days were renewed five days ago.
                if offset == -10 || offset == 20 {
                    renewals += "RENEW-\(source)-\(index + 1),\(today.adding(days: -5)),\(source),\(reseller),\(customer),HW-1001,renewal,\(seats),\(seats * 100).00,AUD\n"
                }
            }
        }
        let contractsFile = folder.appendingPathComponent("contracts.csv"), renewalsFile = folder.appendingPathComponent("renewal-sales.csv")
        try contracts.write(to: contractsFile, atomically: true, encoding: .utf8)
        try renewals.write(to: renewalsFile, atomically: true, encoding: .utf8)
        try await database.importFile(.contracts, path: contractsFile.path, name: "demo contracts.csv", actor: actor)
        try await database.importFile(.sales, path: renewalsFile.path, name: "demo renewal sales.csv", actor: actor)
        // Quotes on the contracts ending in 45 days, and one lapsed by hand.
        var imported: [RenewalOpportunity] = []
        var cursor: RenewalCursor?
        repeat {
            let page = try await database.renewalOpportunities(
                RenewalFilter(asOf: today, statuses: RenewalStatus.allCases, dueWithin: 120), access: .vendor, after: cursor, limit: 500)
            imported += page.items.filter { $0.contractID.hasPrefix("DEMO-") }
            cursor = page.next
        } while cursor != nil
        for opportunity in imported where opportunity.daysToEnd == 45 {
            try await database.quoteRenewal(
                opportunity.id, amount: try Money.parse("\(opportunity.seats * 95).00", currency: .aud), on: today.adding(days: -3), access: .vendor,
                actor: officerOf[opportunity.soldBy] ?? actor)
        }
        if let dropped = imported.first(where: { $0.daysToEnd == 75 && $0.soldBy == "D02" }) {
            try await database.lapseRenewal(dropped.id, reason: "customer is replacing the firewalls", on: today.adding(days: -1), access: .vendor, actor: officerOf["D02"]!)
        }
    }

    /// A one-page PDF and a 1×1 PNG: the demo's proof-of-performance files.
    static let proofPDF = Array(
        "%PDF-1.4\n1 0 obj<</Type/Catalog/Pages 2 0 R>>endobj 2 0 obj<</Type/Pages/Kids[3 0 R]/Count 1>>endobj 3 0 obj<</Type/Page/Parent 2 0 R/MediaBox[0 0 200 100]>>endobj\ntrailer<</Root 1 0 R>>\n%%EOF\n".utf8)
    static let proofPNG: [UInt8] = [
        0x89, 0x50, 0x4E, 0x47, 0x0D, 0x0A, 0x1A, 0x0A, 0x00, 0x00, 0x00, 0x0D, 0x49, 0x48, 0x44, 0x52, 0x00, 0x00, 0x00, 0x01, 0x00, 0x00, 0x00, 0x01,
        0x08, 0x06, 0x00, 0x00, 0x00, 0x1F, 0x15, 0xC4, 0x89, 0x00, 0x00, 0x00, 0x0D, 0x49, 0x44, 0x41, 0x54, 0x78, 0x9C, 0x63, 0x60, 0x60, 0x60, 0xF8,
        0x0F, 0x00, 0x01, 0x04, 0x01, 0x00, 0x5F, 0xE5, 0xC3, 0x4B, 0x00, 0x00, 0x00, 0x00, 0x49, 0x45, 0x4E, 0x44, 0xAE, 0x42, 0x60, 0x82,
    ]

    /// MDF in every state (before 2026Q1 is closed, so its accepted claim is paid on the approved statement):
    /// allocations for 2026Q1, 2026Q2 and the current quarter; a request approved in part, claimed with proof,
    /// accepted and paid; a reservation never claimed and released; a claim awaiting review; a request awaiting a
    /// decision; a rejected request; and 2026Q1's unused allocation expired on 2026-07-01.
    static func mdfInEveryState(_ database: ChannelbookDatabase, partners: [String], quarters: [Quarter], actor: String) async throws {
        for quarter in Set(quarters).sorted() { _ = try await database.allocateMDF(quarter, actor: actor) }
        func aud(_ text: String) throws -> Money { try Money.parse(text, currency: .aud) }
        func day(_ text: String) throws -> BusinessDate { try BusinessDate.parse(text) }
        func request(_ partner: String, _ activity: String, _ kind: MDFActivityKind, planned: String, amount: String, _ starts: String, _ ends: String, on: String)
            async throws -> Int64
        {
            try await database.requestMDF(
                partner: PartnerCode(rawValue: partner), activity: activity, kind: kind, plannedCost: try aud(planned), amount: try aud(amount),
                startsOn: try day(starts), endsOn: try day(ends), on: try day(on), actor: "partner@demo.channelbook.example")
        }
        let mine = partners[0]
        let paid = try await request(mine, "Customer breakfast, Sydney", .event, planned: "8000.00", amount: "3000.00", "2026-02-10", "2026-02-12", on: "2026-01-15")
        try await database.approveMDF(paid, amount: try aud("2500.00"), on: try day("2026-01-20"), actor: actor)
        try await database.claimMDF(
            paid, actualCost: try aud("6000.00"), amount: try aud("2500.00"), proofs: [ProofUpload(name: "breakfast-invoice.pdf", bytes: proofPDF)],
            on: try day("2026-02-20"), actor: "partner@demo.channelbook.example")
        try await database.acceptMDFClaim(paid, amount: nil, on: try day("2026-03-01"), actor: actor)
        let lapsed = try await request(mine, "Email campaign: SMB security", .campaign, planned: "4000.00", amount: "2000.00", "2026-04-06", "2026-04-30", on: "2026-04-02")
        try await database.approveMDF(lapsed, amount: nil, on: try day("2026-04-05"), actor: actor)
        let claimed = try await request(mine, "Sales training day", .training, planned: "3000.00", amount: "1500.00", "2026-05-20", "2026-05-20", on: "2026-05-01")
        try await database.approveMDF(claimed, amount: try aud("1200.00"), on: try day("2026-05-03"), actor: actor)
        try await database.claimMDF(
            claimed, actualCost: try aud("2400.00"), amount: try aud("1200.00"),
            proofs: [ProofUpload(name: "attendance.pdf", bytes: proofPDF), ProofUpload(name: "training-room.png", bytes: proofPNG)], on: try day("2026-05-25"),
            actor: "partner@demo.channelbook.example")
        _ = try await request(mine, "Trade show stand", .event, planned: "2000.00", amount: "800.00", "2026-06-20", "2026-06-22", on: "2026-06-10")
        let rejected = try await request(partners[1], "Golf day", .other, planned: "5000.00", amount: "2500.00", "2026-03-10", "2026-03-10", on: "2026-02-01")
        try await database.rejectMDF(rejected, reason: "not a lead-generation activity", on: try day("2026-02-03"), actor: actor)
    }

    /// A year of software sales before the demo's quarters (2025, the same partners and SKUs), so the analytics page
    /// compares a quarter with the same quarter a year before. Software only, of SKUs priced from the price book's
    /// start: hardware would make maintenance contracts and change the renewals the demo sets up. Amounts are scaled by
    /// 4/3 so a 2025 quarter's software is about what a 2026 quarter sells in all (the channel grew some 20 %).
    static func salesHistory(_ folder: URL) throws -> URL {
        let history = folder.appendingPathComponent("history")
        let year = (1...4).map { Quarter(year: 2025, number: $0)! }
        try SampleDataGenerator(partners: 71, lines: 40_000, quarters: year, seed: 2026, nationals: 8).write(to: history)
        // The price book's rows end `…,effective_from,maintenance_months`; the name before them may hold commas.
        let pricebook = try String(contentsOf: folder.appendingPathComponent("pricebook.csv"), encoding: .utf8).split(separator: "\n").dropFirst()
        let fromTheStart = Set(pricebook.compactMap { row -> Substring? in
            let fields = row.split(separator: ",", omittingEmptySubsequences: false)
            return fields.count >= 3 && fields[fields.count - 2] == "2024-07-01" && row.contains(",software,") ? fields[0] : nil
        })
        let lines = try String(contentsOf: history.appendingPathComponent("sales.csv"), encoding: .utf8).split(separator: "\n")
        var kept = [String(lines[0])]
        for line in lines.dropFirst() {
            // line_id,date,source,reseller,customer,sku,category,…: the generator's customers hold no commas.
            let fields = line.split(separator: ",", omittingEmptySubsequences: false)
            guard fields.count == 10, fromTheStart.contains(fields[5]), fields[6] == "software",
                let amount = try? Money.parse(String(fields[8]), currency: .aud)
            else { continue }
            let scaled = Money(minorUnits: amount.minorUnits / 3 * 4, currency: .aud).decimalString
            kept.append(([fields[0].replacingOccurrences(of: "-", with: "-Y2025-")] + fields[1...7].map(String.init) + [scaled, String(fields[9])]).joined(separator: ","))
        }
        let file = history.appendingPathComponent("sales-2025-software.csv")
        try (kept.joined(separator: "\n") + "\n").write(to: file, atomically: true, encoding: .utf8)
        return file
    }

    /// Holds back every 40th line dated in `quarter`: they arrive after the quarter was approved and paid.
    static func splitLateLines(_ sales: URL, in quarter: Quarter) throws -> (onTime: URL, late: URL) {
        let lines = try String(contentsOf: sales, encoding: .utf8).split(separator: "\n", omittingEmptySubsequences: true)
        var onTime = [String(lines[0])], late = [String(lines[0])]
        for (index, line) in lines.dropFirst().enumerated() {
            let date = line.split(separator: ",", maxSplits: 2)[1]
            if index % 40 == 0, let day = try? BusinessDate.parse(String(date)), quarter.contains(day) {
                late.append(String(line))
            } else {
                onTime.append(String(line))
            }
        }
        let onTimeURL = sales.deletingLastPathComponent().appendingPathComponent("sales-on-time.csv")
        let lateURL = sales.deletingLastPathComponent().appendingPathComponent("sales-late.csv")
        try (onTime.joined(separator: "\n") + "\n").write(to: onTimeURL, atomically: true, encoding: .utf8)
        try (late.joined(separator: "\n") + "\n").write(to: lateURL, atomically: true, encoding: .utf8)
        return (onTimeURL, lateURL)
    }

    /// Registered, approved, rejected, expired, won and lost referrals, dated around `today`.
    static func referralsInEveryState(_ database: ChannelbookDatabase, partners: [String], today: BusinessDate, actor: String) async throws {
        func register(_ partner: String, _ customer: String, _ domain: String, on date: BusinessDate) async throws -> ReferralID {
            var request = ReferralRequest(partner: PartnerCode(rawValue: partner), customer: customer, domain: domain)
            request.expectedSeats = 300
            request.sku = "SW-1001"
            return try await database.registerReferral(request, on: date, actor: actor)
        }
        _ = try await register(partners[0], "Harbour Health Pty Ltd", "harbourhealth.com.au", on: today.adding(days: -3))
        let approved = try await register(partners[1], "Coastal Council", "coastal.nsw.gov.au", on: today.adding(days: -20))
        try await database.approveReferral(approved, fulfiller: "D01", on: today.adding(days: -15), actor: actor)
        let rejected = try await register(partners[2], "Summit Mining", "summitmining.com.au", on: today.adding(days: -30))
        try await database.rejectReferral(rejected, reason: "existing direct customer", on: today.adding(days: -28), actor: actor)
        let expired = try await register(partners[0], "Metro Logistics", "metrologistics.com.au", on: today.adding(days: -200))
        try await database.approveReferral(expired, fulfiller: nil, on: today.adding(days: -190), actor: actor)
        let won = try await register(partners[0], "Pacific Legal", "pacificlegal.com.au", on: try BusinessDate.parse("2026-04-02"))
        try await database.approveReferral(won, fulfiller: "D02", on: try BusinessDate.parse("2026-04-05"), actor: actor)
        _ = try await database.closeReferral(won, sku: "SW-1001", seats: 501, on: try BusinessDate.parse("2026-05-20"), fulfiller: nil, actor: actor)
        let lost = try await register(partners[1], "Granite Bank", "granitebank.com.au", on: try BusinessDate.parse("2026-04-10"))
        try await database.loseReferral(lost, reason: "went with a competitor", on: try BusinessDate.parse("2026-05-01"), actor: actor)
    }
}
