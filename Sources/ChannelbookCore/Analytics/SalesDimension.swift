/// What the sales report can group by (PRODUCT.md section 6, `report sales --by`).
public enum SalesDimension: String, CaseIterable, Sendable, Codable, Comparable {
    /// The line's segment by its seats (`SalesSegments`).
    case segment
    /// `DIRECT` (the vendor invoiced the reseller) or `distributor`.
    case route
    /// The source: a distributor's code, or `DIRECT`.
    case distributor
    /// The reseller's tier on the quarter's last day.
    case tier
    /// The reseller's partner code (a distributor's own view: its sell-through by reseller).
    case reseller

    /// The route to market of a sales source: the one place `DIRECT` versus distribution is decided for analytics.
    public static func route(ofSource source: String) -> String { source == directSource ? directSource : "distributor" }
    public static let directSource = "DIRECT"

    /// `segment,route` → the dimensions in the order written, each once, or the unknown word.
    public static func parseList(_ text: String) -> Result<[SalesDimension], SalesDimensionError> {
        var dimensions: [SalesDimension] = []
        for word in text.split(separator: ",").map({ String($0.filter { $0 != " " }) }) where !word.isEmpty {
            guard let dimension = SalesDimension(rawValue: word.lowercased()) else {
                return .failure(SalesDimensionError(message: "unknown dimension '\(word.prefix(40))' (known: \(allCases.map(\.rawValue).joined(separator: ", ")))"))
            }
            if !dimensions.contains(dimension) { dimensions.append(dimension) }
        }
        return .success(dimensions)
    }

    public static func < (lhs: SalesDimension, rhs: SalesDimension) -> Bool {
        allCases.firstIndex(of: lhs)! < allCases.firstIndex(of: rhs)!
    }
}

public struct SalesDimensionError: Error, Sendable, CustomStringConvertible {
    public let message: String
    public var description: String { message }
}
