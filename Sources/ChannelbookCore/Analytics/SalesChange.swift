/// The change of a figure on a base period, as the sales report prints it (PRODUCT.md section 6, `report sales`).
public enum SalesChange {
    /// (current − base) ÷ base in basis points, rounded toward zero — the one rounding rule of the change columns.
    /// `nil` (printed blank) without a base, when the base is 0, or when the change does not fit in 64 bits (a base of
    /// a few cents against billions).
    public static func basisPoints(current: Int64, base: Int64?) -> Int64? {
        guard let base, base != 0 else { return nil }
        // In 128 bits: the difference of two 64-bit sums times 10,000 does not fit in 64.
        let change = (Int128(current) - Int128(base)) * 10_000 / Int128(base)  // Swift's division rounds toward zero
        return Int64(exactly: change)
    }
}
