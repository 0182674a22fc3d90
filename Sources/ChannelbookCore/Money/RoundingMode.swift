/// How an exact, unrounded amount becomes whole minor units. Each rule in a program names one.
public enum RoundingMode: String, CaseIterable, Sendable, Codable {
    /// Ties go to the even neighbour (banker's rounding): 2.5 → 2, 3.5 → 4, -2.5 → -2.
    case halfEven = "half_even"
    /// Ties go away from zero: 2.5 → 3, -2.5 → -3.
    case halfUp = "half_up"
    /// Drops the fraction, toward zero: 2.9 → 2, -2.9 → -2.
    case down

    /// `numerator / denominator` rounded to a whole number by this mode. The denominator must be positive.
    public func divide(_ numerator: Int128, by denominator: Int128) -> Int128 {
        precondition(denominator > 0, "rounding divides by a positive denominator")
        let quotient = numerator / denominator  // truncates toward zero
        let remainder = numerator % denominator  // carries the numerator's sign
        if remainder == 0 { return quotient }
        let awayFromZero: Int128 = numerator < 0 ? -1 : 1
        let twiceRemainder = remainder.magnitude * 2
        switch self {
        case .down:
            return quotient
        case .halfUp:
            return twiceRemainder >= denominator.magnitude ? quotient + awayFromZero : quotient
        case .halfEven:
            if twiceRemainder > denominator.magnitude { return quotient + awayFromZero }
            if twiceRemainder < denominator.magnitude { return quotient }
            return quotient % 2 == 0 ? quotient : quotient + awayFromZero
        }
    }
}
