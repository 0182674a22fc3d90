import Testing

@testable import ChannelbookCore

@Suite struct CustomerIdentityTests {
    @Test(arguments: [
        ("Acme Pty Ltd", "acme"), ("ACME PTY. LTD.", "acme"), ("Acme Limited", "acme"), ("Acme, Inc.", "acme"), ("The Acme Company", "acme"),
        ("Acme Mining Pty Ltd", "acmemining"), ("Acme-Mining", "acmemining"), ("  acme   mining  ", "acmemining"),
        ("O'Brien & Co", "obrienand"), ("Smith & Jones Pty Ltd", "smithandjones"), ("Café Networks", "cafénetworks"), ("Ltd", "ltd"),
    ])
    func namesLoseCasePunctuationSpacesAndLegalSuffixes(name: String, normalized: String) {
        #expect(CustomerIdentity.normalize(name: name) == normalized)
    }

    @Test(arguments: [
        ("acme.com.au", "acme.com.au"), ("ACME.com.AU", "acme.com.au"), ("https://www.acme.com.au/contact", "acme.com.au"),
        ("jo@Acme.com.au", "acme.com.au"), ("sub.acme.io", "sub.acme.io"),
    ])
    func domainsAreLowerCasedAndStripped(text: String, domain: String) {
        #expect(CustomerIdentity.normalize(domain: text) == domain)
    }

    @Test(arguments: ["acme", "acme..com", "-acme.com", "acme .com", "", "acme.com_au"])
    func notDomainsAreRefused(text: String) {
        #expect(CustomerIdentity.normalize(domain: text) == nil)
    }

    @Test func anyCommonIdentifierMatches() throws {
        let abn = try ABN.parse("51824753556")
        let first = CustomerIdentity(name: "Acme Pty Ltd", abn: abn, domain: nil)
        #expect(first.matches(CustomerIdentity(name: "Something Else", abn: abn, domain: nil)))
        #expect(first.matches(CustomerIdentity(name: "ACME Limited", abn: nil, domain: "acme.io")))
        #expect(!first.matches(CustomerIdentity(name: "Acme Mining", abn: nil, domain: "acme.io")))
        let byDomain = CustomerIdentity(name: "Zed", abn: nil, domain: "zed.com")
        #expect(byDomain.matches(CustomerIdentity(name: "Other", abn: nil, domain: "zed.com")))
    }
}

@Suite struct ReferralLifecycleTests {
    private func date(_ text: String) -> BusinessDate { try! BusinessDate.parse(text) }

    @Test func approvedReferralsExpireOnTheExactDay() {
        let approved = date("2026-01-01")
        let expires = ReferralLifecycle.expiry(approvedOn: approved, expiryDays: 90)
        #expect(expires.description == "2026-04-01")
        let lifecycle = ReferralLifecycle(stored: .approved, registeredOn: date("2025-12-20"), approvedOn: approved, expiresOn: expires, endedOn: nil)
        #expect(lifecycle.status(on: date("2025-12-19")) == nil)
        #expect(lifecycle.status(on: date("2025-12-31")) == .registered)
        #expect(lifecycle.status(on: date("2026-03-31")) == .approved)
        #expect(lifecycle.status(on: date("2026-04-01")) == .expired)
    }

    @Test func endedReferralsKeepTheirHistory() {
        let won = ReferralLifecycle(
            stored: .won, registeredOn: date("2026-01-01"), approvedOn: date("2026-01-05"), expiresOn: date("2026-04-05"), endedOn: date("2026-02-01"))
        #expect(won.status(on: date("2026-01-02")) == .registered)
        #expect(won.status(on: date("2026-01-20")) == .approved)
        #expect(won.status(on: date("2026-02-01")) == .won)
        #expect(won.status(on: date("2027-01-01")) == .won)
        let rejected = ReferralLifecycle(stored: .rejected, registeredOn: date("2026-01-01"), approvedOn: nil, expiresOn: nil, endedOn: date("2026-01-03"))
        #expect(rejected.status(on: date("2026-01-02")) == .registered)
        #expect(rejected.status(on: date("2026-01-03")) == .rejected)
        #expect(!ReferralStatus.rejected.isOpen && !ReferralStatus.expired.isOpen && ReferralStatus.approved.isOpen)
    }

    /// An action dated before the last one is judged on the registration as it stands now as well as on its date.
    @Test func aBackDatedActionMeetsTheStatusAsItNowStands() {
        let won = ReferralLifecycle(
            stored: .won, registeredOn: date("2026-01-01"), approvedOn: date("2026-01-05"), expiresOn: date("2026-04-05"), endedOn: date("2026-02-01"))
        // On 2026-01-20 it was approved, but it has been won since: a second win dated then is refused as won.
        #expect(won.status(on: date("2026-01-20")) == .approved)
        #expect(won.refusal(of: [.approved], on: date("2026-01-20")) == .won)
        #expect(won.refusal(of: [.registered, .approved], on: date("2026-01-02")) == .won)
        let approved = ReferralLifecycle(
            stored: .approved, registeredOn: date("2026-01-01"), approvedOn: date("2026-01-05"), expiresOn: date("2026-04-05"), endedOn: nil)
        // Approving again, dated before the approval, is refused; a win dated inside the approval is allowed, one
        // dated before it or on its expiry day is not.
        #expect(approved.refusal(of: [.registered], on: date("2026-01-03")) == .approved)
        #expect(approved.refusal(of: [.approved], on: date("2026-01-05")) == nil)
        #expect(approved.refusal(of: [.approved], on: date("2026-04-04")) == nil)
        #expect(approved.refusal(of: [.approved], on: date("2026-01-04")) == .registered)
        #expect(approved.refusal(of: [.approved], on: date("2026-04-05")) == .expired)
        let registered = ReferralLifecycle(stored: .registered, registeredOn: date("2026-01-01"), approvedOn: nil, expiresOn: nil, endedOn: nil)
        #expect(registered.refusal(of: [.registered], on: date("2026-01-01")) == nil)
        #expect(registered.refusal(of: [.approved], on: date("2026-01-02")) == .registered)
    }
}

/// The byte-by-byte reading of ASCII names finds exactly the words the Character-by-Character one does.
@Suite struct CustomerNameFastPathTests {
    @Test func asciiNamesSplitTheSameWayByBytesAndByCharacters() {
        var random = SystemRandomNumberGenerator()
        let alphabet = Array("aZ09 .,&'-_/()!\t\"Pty LtdTHE co".utf8)
        for _ in 0..<5_000 {
            let name = String(decoding: (0..<Int.random(in: 0...24, using: &random)).map { _ in alphabet.randomElement(using: &random)! }, as: UTF8.self)
            #expect(CustomerIdentity.asciiWords(name) == CustomerIdentity.unicodeWords(name), "\(name)")
        }
        for name in ["The ACME Pty. Ltd.", "O'Brien & Sons", "  ", "", "A&B", "the", "Co Co", "3M"] {
            #expect(CustomerIdentity.asciiWords(name) == CustomerIdentity.unicodeWords(name), "\(name)")
        }
    }
}
