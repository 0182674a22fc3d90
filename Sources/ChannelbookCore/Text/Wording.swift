/// How counts read in messages people see: `1 line`, `2 lines`, `1 renewal opportunity`, `3 renewal opportunities`.
public enum Wording {
    /// The number and the noun, singular for exactly one; `plural` when adding "s" is not the English for it.
    public static func count(_ number: Int, _ noun: String, plural: String? = nil) -> String {
        "\(number) \(number == 1 ? noun : plural ?? noun + "s")"
    }
}
