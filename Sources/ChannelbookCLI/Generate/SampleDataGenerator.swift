import ChannelbookCore
import Foundation

/// Writes a realistic, deterministic channel in the import formats: partners, price book, sales lines and
/// closed referrals. The same options and seed always give byte-identical files.
///
/// Realistic means: a few distributors, a handful of national resellers buying direct, a long tail of
/// premier, associate and registered resellers buying through linked distributors with Zipf-like volumes,
/// renewals (15 %) and credits (2 %), resellers sometimes named by ABN, a few route exceptions, price
/// changes inside the period, and referrals on every seat boundary.
struct SampleDataGenerator {
    var partners: Int
    var lines: Int
    var quarters: [Quarter]
    var seed: UInt64
    /// National resellers; by default one per fifty resellers, at most eight (the article's "top five to ten").
    var nationals: Int? = nil

    struct Reseller {
        let code: String
        let tier: ResellerTier
        let abn: String?
        let distributors: [String]
    }

    struct Product {
        let sku: String
        let category: SalesCategory
        let priceMinor: Int64
        /// A second price from this day on (a price change inside the period), if any.
        let change: (from: BusinessDate, priceMinor: Int64)?

        func price(on date: BusinessDate) -> Int64 {
            if let change, date >= change.from { return change.priceMinor }
            return priceMinor
        }
    }

    static let distributors = [("D01", "Ingot Micro Australia Pty Ltd"), ("D02", "Channelworx, Pty Ltd"), ("D03", "Alsten \"IT\" Distribution")]

    func write(to folder: URL) throws {
        try FileManager.default.createDirectory(at: folder, withIntermediateDirectories: true)
        var random = SplitMix64(seed: seed)
        let resellers = makeResellers(&random)
        let products = makeProducts(&random)
        try writePartners(resellers, to: folder.appendingPathComponent("partners.csv"))
        try writePriceBook(products, to: folder.appendingPathComponent("pricebook.csv"))
        try writeSales(resellers, products, &random, to: folder.appendingPathComponent("sales.csv"))
        try writeReferrals(resellers, products, &random, to: folder.appendingPathComponent("referrals.csv"))
    }

    private func makeResellers(_ random: inout SplitMix64) -> [Reseller] {
        let count = partners - Self.distributors.count
        let nationals = self.nationals ?? min(8, max(1, count / 50))
        var resellers: [Reseller] = []
        for index in 0..<count {
            let tier: ResellerTier
            let share = random.unit()
            if index < nationals {
                tier = .national
            } else if share < 0.10 {
                tier = .premier
            } else if share < 0.35 {
                tier = .associate
            } else {
                tier = .registered
            }
            var links: [String] = []
            if tier != .national {
                let wanted = random.unit() < 0.7 ? 1 : (random.unit() < 0.8 ? 2 : 3)
                var pool = Self.distributors.map(\.0)
                for _ in 0..<wanted { links.append(pool.remove(at: Int(random.next() % UInt64(pool.count)))) }
                links.sort()
            }
            let abn = random.unit() < 0.9 ? Self.abn(&random) : nil
            resellers.append(Reseller(code: String(format: "R%05d", index + 1), tier: tier, abn: abn, distributors: links))
        }
        return resellers
    }

    /// A checksum-valid ABN (weights 10, 1, 3, …, 19; the sum divisible by 89). Unique enough for sample data.
    static func abn(_ random: inout SplitMix64) -> String {
        while true {
            let tail = (0..<9).map { _ in Int(random.next() % 10) }
            for first in 10...99 {
                let digits = [first / 10 - 1, first % 10] + tail
                if zip(digits, [10, 1, 3, 5, 7, 9, 11, 13, 15, 17, 19]).reduce(0, { $0 + $1.0 * $1.1 }) % 89 == 0 {
                    return "\(first)" + tail.map(String.init).joined()
                }
            }
        }
    }

    private func makeProducts(_ random: inout SplitMix64) -> [Product] {
        let period = (quarters.first!.firstDay, quarters.last!.lastDay)
        let span = period.0.days(until: period.1)
        var products: [Product] = []
        for (category, count, prefix, low, high) in [
            (SalesCategory.hardware, 35, "HW", 40.0, 3000.0), (.software, 50, "SW", 2.0, 150.0), (.renewal, 15, "RN", 1.0, 60.0),
        ] {
            for index in 0..<count {
                // Log-uniform prices: many cheap SKUs, a few expensive ones. (Sample data only; money stays integer.)
                let price = Int64(exp(log(low) + (log(high) - log(low)) * random.unit()) * 100)
                let change: (BusinessDate, Int64)? =
                    category != .renewal && index % 7 == 3
                    ? (period.0.adding(days: 1 + Int(random.next() % UInt64(max(1, span)))), price * Int64(103 + random.next() % 10) / 100) : nil
                products.append(Product(sku: "\(prefix)-\(1001 + index)", category: category, priceMinor: max(price, 5), change: change))
            }
        }
        return products
    }

    private func writePartners(_ resellers: [Reseller], to url: URL) throws {
        let out = try BufferedFile(url)
        out.write("code,name,kind,tier,distributors,abn\n")
        var random = SplitMix64(seed: seed &+ 1)
        for (code, name) in Self.distributors { out.write("\(code),\(csv(name)),distributor,,,\(Self.abn(&random))\n") }
        for reseller in resellers {
            let name = "\(["Acme", "Summit", "Harbour", "Wattle", "Tasman", "Kestrel"][Int(random.next() % 6)]) \(reseller.code) \(["Pty Ltd", "Networks", "IT, Pty Ltd"][Int(random.next() % 3)])"
            out.write("\(reseller.code),\(csv(name)),reseller,\(reseller.tier.rawValue),\(reseller.distributors.joined(separator: ";")),\(reseller.abn ?? "")\n")
        }
        try out.close()
    }

    private func writePriceBook(_ products: [Product], to url: URL) throws {
        let out = try BufferedFile(url)
        out.write("sku,name,category,partner_buy_price,effective_from,maintenance_months\n")
        for product in products {
            let months = product.category == .hardware ? "12" : ""
            let name = csv("\(product.category.rawValue.capitalized) \(product.sku), per seat")
            out.write("\(product.sku),\(name),\(product.category.rawValue),\(money(product.priceMinor)),2024-07-01,\(months)\n")
            if let change = product.change {
                out.write("\(product.sku),\(name),\(product.category.rawValue),\(money(change.priceMinor)),\(change.from),\(months)\n")
            }
        }
        try out.close()
    }

    private func writeSales(_ resellers: [Reseller], _ products: [Product], _ random: inout SplitMix64, to url: URL) throws {
        // Zipf-like volume: the reseller at rank r sells in proportion to 1 / (r + 12); nationals lead.
        var cumulative: [Double] = []
        var total = 0.0
        for rank in resellers.indices {
            total += 1.0 / Double(rank + 12)
            cumulative.append(total)
        }
        let days = quarters.flatMap { quarter in (0...quarter.firstDay.days(until: quarter.lastDay)).map { quarter.firstDay.adding(days: $0) } }
        let sold = products.filter { $0.category != .renewal }, renewals = products.filter { $0.category == .renewal }
        let out = try BufferedFile(url)
        out.write("line_id,date,source,reseller,customer,sku,category,seats,amount,currency\n")
        for sequence in 1...max(1, lines) {
            let pick = random.unit() * total
            var low = 0, high = cumulative.count - 1
            while low < high {
                let middle = (low + high) / 2
                if cumulative[middle] < pick { low = middle + 1 } else { high = middle }
            }
            let reseller = resellers[low]
            let date = days[Int(random.next() % UInt64(days.count))]
            let kind = random.unit()
            let product = kind < 0.15 ? renewals[Int(random.next() % UInt64(renewals.count))] : sold[Int(random.next() % UInt64(sold.count))]
            // Hardware sells a few boxes a line; software and renewals by the seat.
            let seats = product.category == .hardware ? Int64(1 + random.next() % 6) : Int64(1 + (random.next() % 40) * (random.next() % 12))
            var amount = product.price(on: date) * seats * Int64(85 + 5 * (random.next() % 4)) / 100
            if kind >= 0.15 && kind < 0.17 { amount = -max(1, amount / 3) }
            var source = reseller.distributors.isEmpty ? "DIRECT" : reseller.distributors[Int(random.next() % UInt64(reseller.distributors.count))]
            if random.unit() < 0.003 { source = source == "DIRECT" ? "D01" : (random.unit() < 0.5 ? "DIRECT" : "D03") }
            let name = random.unit() < 0.03 && reseller.abn != nil ? reseller.abn! : reseller.code
            let customer = sequence % 17 == 0 ? "\"Customer, \(sequence % 5000) Pty Ltd\"" : "Customer \(sequence % 5000)"
            out.write(
                "\(source)-\(String(format: "%09d", sequence)),\(date),\(source),\(name),\(customer),\(product.sku),\(product.category.rawValue),\(max(seats, 1)),\(money(amount)),AUD\n"
            )
        }
        try out.close()
    }

    private func writeReferrals(_ resellers: [Reseller], _ products: [Product], _ random: inout SplitMix64, to url: URL) throws {
        let out = try BufferedFile(url)
        out.write("referral_id,partner,customer,sku,seats,closed_on\n")
        let boundaries: [Int64] = [1, 249, 250, 251, 499, 500, 501]
        let sold = products.filter { $0.category != .renewal }
        let first = quarters.first!.firstDay, span = first.days(until: quarters.last!.lastDay)
        for index in 0..<max(20, partners / 10) {
            let seats = index < 21 ? boundaries[index % boundaries.count] : Int64(1 + random.next() % 2000)
            let reseller = resellers[Int(random.next() % UInt64(resellers.count))]
            let product = sold[Int(random.next() % UInt64(sold.count))]
            let date = first.adding(days: Int(random.next() % UInt64(span + 1)))
            out.write("RF\(String(format: "%07d", index + 1)),\(reseller.code),Referred customer \(index + 1),\(product.sku),\(seats),\(date)\n")
        }
        try out.close()
    }

    private func money(_ minor: Int64) -> String { Money(minorUnits: minor, currency: .aud).decimalString }

    private func csv(_ text: String) -> String {
        text.contains(where: { $0 == "," || $0 == "\"" }) ? "\"" + text.replacingOccurrences(of: "\"", with: "\"\"") + "\"" : text
    }
}

/// SplitMix64: a tiny, fast, well-mixed generator; the same seed gives the same sequence on every machine.
struct SplitMix64 {
    private var state: UInt64

    init(seed: UInt64) { state = seed }

    mutating func next() -> UInt64 {
        state &+= 0x9E37_79B9_7F4A_7C15
        var z = state
        z = (z ^ (z >> 30)) &* 0xBF58_476D_1CE4_E5B9
        z = (z ^ (z >> 27)) &* 0x94D0_49BB_1331_11EB
        return z ^ (z >> 31)
    }

    /// A number in [0, 1) for choosing shares (sample data, never money).
    mutating func unit() -> Double { Double(next() >> 11) / Double(1 << 53) }
}

/// Appends text to a file through a 1 MiB buffer.
final class BufferedFile {
    private let handle: FileHandle
    private var buffer: [UInt8] = []

    init(_ url: URL) throws {
        _ = FileManager.default.createFile(atPath: url.path, contents: nil)
        guard let handle = FileHandle(forWritingAtPath: url.path) else { throw CLIError("\(url.path): cannot write") }
        self.handle = handle
        buffer.reserveCapacity(1 << 20 + 4096)
    }

    func write(_ text: String) {
        buffer.append(contentsOf: text.utf8)
        if buffer.count >= 1 << 20 { flush() }
    }

    private func flush() {
        handle.write(Data(buffer))
        buffer.removeAll(keepingCapacity: true)
    }

    func close() throws {
        flush()
        try handle.close()
    }
}
