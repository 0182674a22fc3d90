import ChannelbookCore
import Testing

@testable import ChannelbookStore

@Suite struct AccountTests {
    private let t0: Int64 = 1_800_000_000_000_000  // a fixed instant: no test reads the wall clock

    private func refusal(_ body: () async throws -> Void) async -> AccountError? {
        do {
            try await body()
            return nil
        } catch let error as AccountError {
            return error
        } catch {
            Issue.record("unexpected \(error)")
            return nil
        }
    }

    @Test(arguments: TestDatabase.available)
    func loginsAreValidatedAndPartnerUsersBoundToTheirPartner(database kind: TestDatabase) async throws {
        try await kind.with { database in
            try await seeded(database)
            let user = try await database.addUser(email: "Jo@P01.example", role: .partner, partner: "P01", password: "correct horse battery", actor: "admin", bcryptCost: 4)
            #expect(user.email == "jo@p01.example" && user.partner == "P01")
            #expect(await refusal { try await database.addUser(email: "jo@p01.example", role: .finance, partner: nil, password: "another long one", actor: "a", bcryptCost: 4) } == .duplicateEmail("jo@p01.example"))
            #expect(await refusal { try await database.addUser(email: "x@y.example", role: .partner, partner: nil, password: "long enough pass", actor: "a", bcryptCost: 4) } == .partnerRequired)
            #expect(await refusal { try await database.addUser(email: "x@y.example", role: .finance, partner: "P01", password: "long enough pass", actor: "a", bcryptCost: 4) } == .partnerNotAllowed(.finance))
            #expect(await refusal { try await database.addUser(email: "x@y.example", role: .partner, partner: "Z9", password: "long enough pass", actor: "a", bcryptCost: 4) } == .unknownPartner("Z9"))
            #expect(await refusal { try await database.addUser(email: "not-an-email", role: .admin, partner: nil, password: "long enough pass", actor: "a", bcryptCost: 4) } == .invalidEmail("not-an-email"))
            #expect(await refusal { try await database.addUser(email: "x@y.example", role: .admin, partner: nil, password: "short", actor: "a", bcryptCost: 4) } == .weakPassword)
            // Only a bcrypt hash is stored.
            let stored = try await database.sql.raw("SELECT password_hash FROM users").first()!.decode(column: "password_hash", as: String.self)
            #expect(stored.hasPrefix("$2") && !stored.contains("horse"))
        }
    }

    @Test(arguments: TestDatabase.available)
    func expiredSessionsAreDeletedAtTheNextSignInAndLiveOnesKept(database kind: TestDatabase) async throws {
        try await kind.with { database in
            try await seeded(database)
            try await database.addUser(email: "fin@vendor.example", role: .finance, partner: nil, password: "a long enough secret", actor: "admin", bcryptCost: 4)
            let old = try await database.signIn(email: "fin@vendor.example", password: "a long enough secret", nowMicroseconds: t0)
            let live = try await database.signIn(email: "fin@vendor.example", password: "a long enough secret", nowMicroseconds: old.expiresAtMicroseconds - 1)
            #expect(try await database.count("sessions") == 2)
            // The first session has expired by now; signing in again removes its row and keeps the live one.
            _ = try await database.signIn(email: "fin@vendor.example", password: "a long enough secret", nowMicroseconds: old.expiresAtMicroseconds)
            #expect(try await database.count("sessions") == 2)
            #expect(try await database.session(token: live.token, nowMicroseconds: old.expiresAtMicroseconds) != nil)
        }
    }

    @Test(arguments: TestDatabase.available)
    func signInOpensASessionAndRepeatedFailuresAreThrottled(database kind: TestDatabase) async throws {
        try await kind.with { database in
            try await seeded(database)
            try await database.addUser(email: "finance@vendor.example", role: .finance, partner: nil, password: "a long enough secret", actor: "admin", bcryptCost: 4)
            let session = try await database.signIn(email: "FINANCE@vendor.example", password: "a long enough secret", nowMicroseconds: t0)
            #expect(session.user.role == .finance)
            #expect(try await database.session(token: session.token, nowMicroseconds: t0 + 1)?.csrfToken == session.csrfToken)
            #expect(try await database.session(token: session.token, nowMicroseconds: session.expiresAtMicroseconds) == nil)
            try await database.endSession(token: session.token)
            #expect(try await database.session(token: session.token, nowMicroseconds: t0 + 1) == nil)
            // The cookie's token is stored only as its hash.
            #expect(try await database.count("sessions WHERE token_hash = '\(session.token)'") == 0)

            for attempt in 0..<AccountPolicy.failuresBeforeThrottle {
                let error = await refusal { _ = try await database.signIn(email: "finance@vendor.example", password: "wrong", nowMicroseconds: t0 + Int64(attempt) * 1_000_000) }
                #expect(error == .wrongCredentials)
            }
            // Now even the right password is refused, until the first failure leaves the 15-minute window.
            let throttled = await refusal { _ = try await database.signIn(email: "finance@vendor.example", password: "a long enough secret", nowMicroseconds: t0 + 10_000_000) }
            #expect(throttled == .throttled(retryAfterSeconds: 891))
            let later = try await database.signIn(email: "finance@vendor.example", password: "a long enough secret", nowMicroseconds: t0 + 901_000_000)
            #expect(later.user.email == "finance@vendor.example")
            #expect(await refusal { _ = try await database.signIn(email: "nobody@vendor.example", password: "whatever it is", nowMicroseconds: t0) } == .wrongCredentials)
        }
    }

    @Test(arguments: TestDatabase.available)
    func apiTokensAuthoriseUntilRevoked(database kind: TestDatabase) async throws {
        try await kind.with { database in
            try await seeded(database)
            try await database.addUser(email: "ops@p02.example", role: .partner, partner: "P02", password: "a long enough secret", actor: "admin", bcryptCost: 4)
            let created = try await database.createAPIToken(email: "ops@p02.example", name: "erp sync", actor: "admin")
            #expect(created.token.hasPrefix("cb_"))
            #expect(try await database.user(apiToken: created.token)?.partner == "P02")
            try await database.revokeAPIToken(id: created.id, actor: "admin")
            #expect(try await database.user(apiToken: created.token) == nil)
            #expect(await refusal { try await database.revokeAPIToken(id: 999, actor: "admin") } == .unknownToken(999))
            #expect(await refusal { _ = try await database.createAPIToken(email: "ghost@x.example", name: "n", actor: "admin") } == .unknownUser("ghost@x.example"))
            let actions = try await database.auditLog().map(\.action)
            #expect(actions.contains("add user") && actions.contains("create API token") && actions.contains("revoke API token"))
        }
    }

    @Test(arguments: TestDatabase.available)
    func contactsAreLoginsOfTheRightRoleForTheRightKindOfPartner(database kind: TestDatabase) async throws {
        try await kind.with { database in
            try await seeded(database)
            try await database.addUser(email: "am@vendor.example", role: .accountManager, partner: nil, password: "a long enough secret", actor: "admin", bcryptCost: 4)
            try await database.addUser(email: "mo@vendor.example", role: .maintenanceOfficer, partner: nil, password: "a long enough secret", actor: "admin", bcryptCost: 4)
            try await database.assignContact(partner: "N01", email: "AM@vendor.example", role: .accountManager, actor: "admin")
            try await database.assignContact(partner: "D01", email: "mo@vendor.example", role: .maintenanceOfficer, actor: "admin")
            #expect(try await database.contacts(of: "N01").accountManager == "am@vendor.example")
            #expect(try await database.contacts(of: "D01").maintenanceOfficer == "mo@vendor.example")
            #expect(await refusalOf { try await database.assignContact(partner: "D01", email: "am@vendor.example", role: .accountManager, actor: "a") } == .wrongPartnerKind(partner: "D01", contact: "account manager"))
            #expect(await refusalOf { try await database.assignContact(partner: "N01", email: "mo@vendor.example", role: .accountManager, actor: "a") } == .wrongRole(email: "mo@vendor.example", needed: .accountManager))
            #expect(await refusalOf { try await database.assignContact(partner: "Z9", email: "am@vendor.example", role: .accountManager, actor: "a") } == .unknownPartner("Z9"))
            #expect(try await database.auditLog().contains { $0.action == "assign account manager" && $0.subject == "N01" })
        }
    }

    private func refusalOf(_ body: () async throws -> Void) async -> ContactError? {
        do {
            try await body()
            return nil
        } catch let error as ContactError {
            return error
        } catch {
            return nil
        }
    }

    @Test(arguments: TestDatabase.available)
    func commonPasswordsAreRefusedAndIdleSessionsEnd(database kind: TestDatabase) async throws {
        try await kind.with { database in
            try await seeded(database)
            for common in ["password1234", "Password1234", "123456789012", "aaaaaaaaaaaa", "qwertyuiopas"] {
                #expect(await refusal { try await database.addUser(email: "c@y.example", role: .admin, partner: nil, password: common, actor: "a", bcryptCost: 4) } == .commonPassword)
            }
            try await database.addUser(email: "fin@v.example", role: .finance, partner: nil, password: "a long unusual phrase", actor: "a", bcryptCost: 4)
            let first = try await database.signIn(email: "fin@v.example", password: "a long unusual phrase", nowMicroseconds: t0)
            let second = try await database.signIn(email: "fin@v.example", password: "a long unusual phrase", nowMicroseconds: t0)
            // Idle for 59 minutes: alive; touched then, alive 59 minutes later; untouched for 61 minutes: gone.
            let minute: Int64 = 60_000_000
            #expect(try await database.session(token: first.token, nowMicroseconds: t0 + 59 * minute) != nil)
            try await database.touchSession(token: first.token, nowMicroseconds: t0 + 59 * minute)
            #expect(try await database.session(token: first.token, nowMicroseconds: t0 + 118 * minute) != nil)
            #expect(try await database.session(token: second.token, nowMicroseconds: t0 + 61 * minute) == nil)
            // Signing out everywhere ends every session of the login.
            let user = try #require(try await database.session(token: first.token, nowMicroseconds: t0 + 60 * minute)).user
            try await database.endAllSessions(of: user.id)
            #expect(try await database.session(token: first.token, nowMicroseconds: t0 + 60 * minute) == nil)
        }
    }

    /// The throttle counts per (email, address) and per address, exactly even when attempts arrive at once; an
    /// email locked from one address still signs in from another.
    @Test(arguments: TestDatabase.available)
    func throttlingIsPerEmailAndAddressAndPerAddressAndExactUnderConcurrency(database kind: TestDatabase) async throws {
        try await kind.with { database in
            try await seeded(database)
            try await database.addUser(email: "fin@v.example", role: .finance, partner: nil, password: "a long unusual phrase", actor: "a", bcryptCost: 4)
            let pool = try await DatabasePool.open(database.location, connections: 4)
            // PostgreSQL's client lends connections only while it runs.
            try await withThrowingTaskGroup(of: Void.self) { running in
            running.addTask { try await pool.run() }
            let outcomes = try await withThrowingTaskGroup(of: AccountError?.self) { group in
                for _ in 0..<12 {
                    group.addTask {
                        do {
                            _ = try await pool.signIn(email: "fin@v.example", password: "wrong", nowMicroseconds: self.t0, address: "10.0.0.1")
                            return nil
                        } catch let error as AccountError { return error }
                    }
                }
                return try await group.reduce(into: [AccountError?]()) { $0.append($1) }
            }
            // Exactly five were checked against the password; the rest were throttled before bcrypt.
            #expect(outcomes.filter { $0 == .wrongCredentials }.count == AccountPolicy.failuresBeforeThrottle)
            #expect(outcomes.filter { if case .throttled = $0 { return true } else { return false } }.count == 12 - AccountPolicy.failuresBeforeThrottle)
            // The owner, from another address, signs in.
            let session = try await pool.signIn(email: "fin@v.example", password: "a long unusual phrase", nowMicroseconds: t0 + 1, address: "10.0.0.2")
            #expect(session.user.email == "fin@v.example")
            // One address trying many emails is throttled after `failuresPerAddress` failures, whatever the emails.
            for index in 0..<AccountPolicy.failuresPerAddress {
                #expect(await refusal { _ = try await pool.signIn(email: "guess\(index)@v.example", password: "x", nowMicroseconds: self.t0 + 2, address: "10.0.0.9") } == .wrongCredentials)
            }
            let blocked = await refusal { _ = try await pool.signIn(email: "another@v.example", password: "x", nowMicroseconds: self.t0 + 3, address: "10.0.0.9") }
            #expect(blocked == .throttled(retryAfterSeconds: 900))
            running.cancelAll()
            }
            await pool.close()
        }
    }
}
