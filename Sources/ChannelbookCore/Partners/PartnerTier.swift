/// What kind of organisation a partner is in the two-tier channel.
public enum PartnerKind: String, CaseIterable, Sendable, Codable {
    case distributor
    case reseller
}

/// A reseller's program tier. National resellers buy direct; the others through a distributor.
public enum ResellerTier: String, CaseIterable, Sendable, Codable, Comparable {
    case national
    case premier
    case associate
    /// Registered with the vendor but holding no program tier.
    case registered

    /// National first: the order tiers are listed in reports.
    public static func < (lhs: ResellerTier, rhs: ResellerTier) -> Bool {
        allCases.firstIndex(of: lhs)! < allCases.firstIndex(of: rhs)!
    }
}

/// The categories a sales line can be in. Renewals are licence and maintenance renewals.
public enum SalesCategory: String, CaseIterable, Sendable, Codable, Comparable {
    case hardware
    case software
    case renewal

    public static func < (lhs: SalesCategory, rhs: SalesCategory) -> Bool {
        allCases.firstIndex(of: lhs)! < allCases.firstIndex(of: rhs)!
    }

    /// Whether a sales line of a SKU may say it is `self`: the price book decides the category (PRODUCT.md section 3).
    /// A line carries its SKU's price-book category, or `renewal` when the SKU has a maintenance term — so a
    /// renewal reported as `software` never enters a rebate basis, nor a sale of hardware as a renewal leaves it.
    public func isAllowed(forSKUOf category: SalesCategory, maintenanceTerm: Bool) -> Bool {
        self == category || (self == .renewal && maintenanceTerm)
    }
}
