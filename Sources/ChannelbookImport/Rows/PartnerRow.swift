import ChannelbookCore

/// A line of `partners.csv`: `code,name,kind,tier,distributors,abn[,tier_since]`, checked field by field.
public struct PartnerRow: Hashable, Sendable {
    public static let requiredColumns = ["code", "name", "kind", "tier", "distributors", "abn"]
    public static let optionalColumns = ["tier_since"]

    public let line: Int
    public let code: PartnerCode
    public let name: String
    public let kind: PartnerKind
    /// The reseller's tier; `nil` for distributors.
    public let tier: ResellerTier?
    /// The distributors a reseller buys through (`;`-separated in the file).
    public let distributors: [PartnerCode]
    public let abn: ABN?
    /// From when the tier holds; `nil` means from the beginning of time.
    public let tierSince: BusinessDate?

    /// The row, or `nil` after recording every problem it has.
    public static func parse(_ record: CSVRecord, header: CSVHeader, problems: inout ImportProblems) -> PartnerRow? {
        let row = RowReader(header: header, record: record)
        guard row.checkFieldCount(&problems) else { return nil }
        let before = problems.count
        let code = row.code("code", &problems)
        if code == "DIRECT" { problems.add(line: record.line, field: "code", "DIRECT is the vendor's own route (a sale's source), not a partner code") }
        let name = row.text("name", &problems)
        let kind = row.choice("kind", PartnerKind.self, &problems)
        let tierText = row.text("tier", required: false, &problems) ?? ""
        var tier: ResellerTier?
        switch (kind, tierText.isEmpty) {
        case (.distributor, false): problems.add(line: record.line, field: "tier", "must be blank for a distributor")
        case (.reseller, true): problems.add(line: record.line, field: "tier", "is required for a reseller (national, premier, associate or registered)")
        case (.reseller, false):
            tier = ResellerTier(rawValue: tierText)
            if tier == nil {
                problems.add(line: record.line, field: "tier", "'\(tierText)' is not one of \(ResellerTier.allCases.map(\.rawValue).joined(separator: ", "))")
            }
        default: break
        }
        let distributorText = row.text("distributors", required: false, maximumLength: 1000, &problems) ?? ""
        let distributors = distributorText.split(separator: ";", omittingEmptySubsequences: false).map { String($0).trimmingSpaces() }
        if !distributorText.isEmpty {
            if kind == .distributor { problems.add(line: record.line, field: "distributors", "must be blank for a distributor") }
            if distributors.contains(where: \.isEmpty) { problems.add(line: record.line, field: "distributors", "has an empty code between ';'") }
            if Set(distributors).count != distributors.count { problems.add(line: record.line, field: "distributors", "names a distributor twice") }
        }
        let abn = row.abn("abn", &problems)
        let tierSince = header.has("tier_since") ? row.date("tier_since", required: false, &problems) : nil
        guard problems.count == before, let code, let name, let kind, let abn else { return nil }
        return PartnerRow(
            line: record.line, code: PartnerCode(code), name: name, kind: kind, tier: tier,
            distributors: distributorText.isEmpty ? [] : distributors.map { PartnerCode($0) }, abn: abn, tierSince: tierSince)
    }
}
