/// How a figure was computed, line by line, in words a partner and an auditor can both follow.
///
/// Every money figure Channelbook shows carries one: rule version, tier, basis, rate, unrounded value, rounding.
public struct Explanation: Hashable, Sendable {
    /// The program version the figure was computed under: `Australian channel program (effective 2005-01-01)`.
    public let programVersion: String
    /// `quarterly rebate`, `referral fee`.
    public let rule: String
    /// Ordered steps, each a `label: text` line.
    public let steps: [Step]

    public struct Step: Hashable, Sendable, CustomStringConvertible {
        public let label: String
        public let text: String

        public init(_ label: String, _ text: String) {
            self.label = label
            self.text = text
        }

        public var description: String { "\(label): \(text)" }
    }

    public init(programVersion: String, rule: String, steps: [Step]) {
        self.programVersion = programVersion
        self.rule = rule
        self.steps = steps
    }

    /// The explanation as text lines, program first.
    public var lines: [String] { ["program: \(programVersion)", "rule: \(rule)"] + steps.map(\.description) }
}

extension TieredCalculation {
    /// Steps describing the tier matched, each slice, the exact value and its rounding.
    ///
    /// - Parameters:
    ///   - measureName: what decides the tier (`basis`, `seats`).
    ///   - valueName: what the rate applies to (`basis`, `deal price`).
    ///   - describeUnits: how a count of measure units reads (`30000.00 AUD`, `250`).
    func explanationSteps(measureName: String, valueName: String, describeUnits: (Int64) -> String) -> [Explanation.Step] {
        var steps: [Explanation.Step] = []
        guard let reached = reachedTierIndex, let first = slices.first else {
            return [.init("tier matched", "none: \(measureName) \(describeUnits(measure)) is below the first tier; nothing is earned")]
        }
        let top = slices[slices.count - 1]
        steps.append(.init("tier matched", "tier \(reached + 1): \(bounds(top, measureName, describeUnits)) → \(top.rate)"))
        switch mode {
        case .volume:
            steps.append(.init("computation", "volume: the whole \(valueName) earns the rate of the tier the \(measureName) reaches"))
            steps.append(.init("unrounded", "\(first.value.decimalString) × \(first.rate.percentString) = \(unrounded)"))
        case .graduated:
            steps.append(.init("computation", "graduated: the \(valueName) of each slice of the \(measureName) earns the rate of its own tier"))
            for slice in slices {
                steps.append(
                    .init(
                        "slice \(slice.tierIndex + 1)",
                        "\(bounds(slice, measureName, describeUnits)): \(slice.value.decimalString) × \(slice.rate.percentString) = \(slice.unrounded)"
                    ))
            }
            steps.append(.init("unrounded", "sum of slices = \(unrounded)"))
        }
        let unit = Money(minorUnits: 1, currency: amount.currency)
        steps.append(.init("rounding", "\(rounding.rawValue) to \(unit) → \(amount)"))
        return steps
    }

    private func bounds(_ slice: TierSlice, _ measureName: String, _ describeUnits: (Int64) -> String) -> String {
        guard let upTo = slice.upTo else { return "\(measureName) ≥ \(describeUnits(slice.from))" }
        return "\(describeUnits(slice.from)) ≤ \(measureName) < \(describeUnits(upTo))"
    }
}
