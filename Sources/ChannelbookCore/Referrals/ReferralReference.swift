/// One id for a registered referral wherever people read or type it: `REG-12`. `register` prints it, the referral
/// pages, lists, statements and the fee report show it, and every command taking a referral accepts it (or the bare
/// number, `12`, which scripts written before kept using). The prefix keeps registered referrals apart from the
/// ids of imported closed referrals, which may not start with it.
extension Tagged where Tag == ReferralTag, RawValue == Int64 {
    public static var referencePrefix: String { "REG-" }

    /// `REG-12`.
    public var reference: String { "\(Self.referencePrefix)\(rawValue)" }

    /// `REG-12` or `12`; nil for anything else (a number must be positive and fit).
    public init?(reference text: String) {
        let digits = text.hasPrefix(Self.referencePrefix) ? text.dropFirst(Self.referencePrefix.count) : Substring(text)
        guard !digits.isEmpty, digits.allSatisfy(\.isASCII), digits.allSatisfy(\.isNumber), let number = Int64(digits), number > 0 else { return nil }
        self.init(number)
    }
}
