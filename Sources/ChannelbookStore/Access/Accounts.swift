import ChannelbookCore
import Crypto
import Foundation
import HummingbirdBcrypt
import SQLKit

/// A signed-in login: what every page and API call is authorised by.
public struct SignedInUser: Sendable, Equatable {
    public let id: UserID
    public let email: String
    public let role: Role
    /// The partner a partner user is bound to; `nil` for vendor roles.
    public let partner: PartnerCode?
    public let partnerID: PartnerID?
    /// Whether a partner login's partner is a distributor or a reseller; `nil` for vendor roles.
    public var partnerKind: PartnerKind? = nil
}

/// A browser session: the cookie's token (returned once, stored hashed) and the CSRF token every form carries.
public struct Session: Sendable, Equatable {
    public let token: String
    public let csrfToken: String
    public let user: SignedInUser
    public let expiresAtMicroseconds: Int64
    /// When the session was last used (its start until then); an idle session ends before it expires.
    public var lastSeenMicroseconds: Int64 = 0

    /// A message signed for this session (HMAC-SHA256 under its CSRF token): a page shows a success message carried
    /// by its redirect only with this signature, so a crafted link cannot put words in the app's mouth.
    public func signature(of message: String) -> String {
        HMAC<SHA256>.authenticationCode(for: Array(message.utf8), using: SymmetricKey(data: Array(csrfToken.utf8)))
            .map { String(format: "%02x", $0) }.joined()
    }
}

/// Why signing in or managing logins was refused.
public enum AccountError: RefusalError, Equatable, Sendable {
    case invalidEmail(String)
    case weakPassword
    case commonPassword
    case duplicateEmail(String)
    case partnerRequired
    case partnerNotAllowed(Role)
    case unknownPartner(String)
    case unknownUser(String)
    case wrongCredentials
    case throttled(retryAfterSeconds: Int)
    case unknownToken(Int64)

    public var description: String {
        switch self {
        case .invalidEmail(let email): return "'\(email)' is not an email address"
        case .weakPassword: return "a password needs at least \(AccountPolicy.minimumPasswordLength) characters"
        case .commonPassword: return "that password is on the list of the most common ones (or is one character repeated, or a run like 123456789012): choose another"
        case .duplicateEmail(let email): return "\(email) already has a login"
        case .partnerRequired: return "a partner login needs --partner CODE: it sees only that partner's data"
        case .partnerNotAllowed(let role): return "a \(role.rawValue) login belongs to the vendor and takes no --partner"
        case .unknownPartner(let code): return "no partner has the code '\(code)'"
        case .unknownUser(let email): return "no login has the email \(email)"
        case .wrongCredentials: return "the email or password is not right"
        case .throttled(let seconds): return "too many failed sign-ins for this email: try again in \(seconds) seconds"
        case .unknownToken(let id): return "no API token has the id \(id)"
        }
    }
}

/// The bounds sign-in works within.
public enum AccountPolicy {
    public static let minimumPasswordLength = 12

    /// Passwords of the minimum length that appear near the top of every breached-password list, plus the
    /// shapes such lists are made of: refused whatever their length.
    static let commonPasswords: Set<String> = [
        "123456789012", "1234567890123", "12345678901234", "password1234", "password12345", "passwordpassword", "qwertyuiopas",
        "qwertyuiop123", "qwerty123456", "1q2w3e4r5t6y", "1qaz2wsx3edc", "abcdefghijkl", "abc123456789", "iloveyou1234", "letmein12345",
        "welcome12345", "administrator", "adminadmin123", "changeme1234", "password123!", "P@ssw0rd1234", "p@ssword1234", "trustno1trustno1",
        "football1234", "baseball1234", "starwars1234", "monkey123456", "dragon123456", "sunshine1234", "princess1234", "superman1234",
        "michael12345", "channelbook1", "channelbook12", "channelbook123",
    ]

    /// Whether a password is too guessable to accept: on the list, one character repeated, or a run of digits.
    public static func isCommon(_ password: String) -> Bool {
        let lowered = password.lowercased()
        if commonPasswords.contains(where: { $0.lowercased() == lowered }) { return true }
        if Set(password).count == 1 { return true }
        return "01234567890123456789".contains(password) || "98765432109876543210".contains(password)
    }
    /// Failed sign-ins tolerated per email within `failureWindowSeconds` before sign-in is refused.
    public static let failuresBeforeThrottle = 5
    /// Failures from one address, whatever the emails, before it is throttled: bounds the bcrypt work an
    /// anonymous client can ask for.
    public static let failuresPerAddress = 20
    public static let failureWindowSeconds: Int64 = 15 * 60
    public static let sessionLifetimeSeconds: Int64 = 12 * 3600
    /// A session unused this long ends, whatever its lifetime (a browser left signed in at a shared desk).
    public static let sessionIdleSeconds: Int64 = 3600
    /// bcrypt's work factor: 12 in production; tests pass a lower one to stay fast.
    public static let bcryptCost: UInt8 = 12
}

extension ChannelbookDatabase {
    /// Creates a login. Partner users are bound to their partner; vendor roles to none.
    @discardableResult
    public func addUser(
        email rawEmail: String, role: Role, partner: PartnerCode?, password: String, actor: String, bcryptCost: UInt8 = AccountPolicy.bcryptCost
    ) async throws -> SignedInUser {
        try await requireInitialised()
        let email = rawEmail.lowercased()
        guard Self.looksLikeEmail(email) else { throw AccountError.invalidEmail(rawEmail) }
        guard password.count >= AccountPolicy.minimumPasswordLength else { throw AccountError.weakPassword }
        guard !AccountPolicy.isCommon(password) else { throw AccountError.commonPassword }
        if role == .partner && partner == nil { throw AccountError.partnerRequired }
        if role != .partner && partner != nil { throw AccountError.partnerNotAllowed(role) }
        let hash = Bcrypt.hash(password, cost: bcryptCost)
        return try await transaction {
            var partnerID: PartnerID?
            if let partner {
                guard let record = try await PartnerDirectory.load(from: self).byCode[partner] else { throw AccountError.unknownPartner(partner.rawValue) }
                partnerID = record.id
            }
            if try await sql.raw("SELECT id FROM users WHERE email = \(bind: email)").first() != nil { throw AccountError.duplicateEmail(email) }
            let row = try await sql.raw(
                """
                INSERT INTO users (email, role, partner_id, password_hash, created_at_us)
                VALUES (\(bind: email), \(bind: role.rawValue), \(bind: partnerID?.rawValue), \(bind: hash), \(bind: Self.nowMicroseconds())) RETURNING id
                """
            ).first()!
            try await audit(actor: actor, action: "add user", partner: partnerID, subject: email, after: role.label)
            return SignedInUser(
                id: UserID(try row.decode(column: "id", as: Int64.self)), email: email, role: role, partner: partner, partnerID: partnerID)
        }
    }

    /// Checks an email and password and opens a session. Throttled per (email, client address) and per address
    /// (`AccountPolicy`): an email locked by failures from one address still signs in from another.
    public func signIn(
        email rawEmail: String, password: String, nowMicroseconds now: Int64, address: String = "",
        lifetimeSeconds: Int64 = AccountPolicy.sessionLifetimeSeconds
    ) async throws -> Session {
        let candidate = try await reserveSignIn(email: rawEmail, address: address, nowMicroseconds: now)
        return try await finishSignIn(candidate, passwordMatches: candidate.verify(password), nowMicroseconds: now, lifetimeSeconds: lifetimeSeconds)
    }

    /// Records the attempt as a failure before the password is checked, then counts, in one write transaction
    /// under the sign-in lock: concurrent attempts are counted one after another, never all against a count
    /// below the limit. A throttled attempt is rolled back (refusals do not extend the lock-out); a successful
    /// one clears its failures in `finishSignIn`.
    func reserveSignIn(email rawEmail: String, address: String, nowMicroseconds now: Int64) async throws -> SignInCandidate {
        try await requireInitialised()
        let email = rawEmail.lowercased()
        let windowStart = now - AccountPolicy.failureWindowSeconds * 1_000_000
        return try await transaction(locking: [.signIn]) {
            try await sql.raw("INSERT INTO login_failures (email, address, at_us) VALUES (\(bind: email), \(bind: address), \(bind: now))").run()
            let counted: [(String, [PlainValue], Int)] = [
                ("email = $1 AND address = $2 AND at_us > $3", [.text(email), .text(address), .integer(windowStart)], AccountPolicy.failuresBeforeThrottle),
                ("address = $1 AND at_us > $2", [.text(address), .integer(windowStart)], AccountPolicy.failuresPerAddress),
            ]
            for (filter, binds, limit) in counted {
                let failures = try await plainRows("SELECT at_us FROM login_failures WHERE \(filter) ORDER BY at_us", binds).map { try $0.integer(0) }
                // This attempt is the last row: more than `limit` rows means `limit` failures came before it.
                if failures.count > limit {
                    let retry = (failures[failures.count - 1 - limit] - windowStart) / 1_000_000 + 1
                    throw AccountError.throttled(retryAfterSeconds: Int(retry))
                }
            }
            let row = try await sql.raw("SELECT id, password_hash FROM users WHERE email = \(bind: email)").first()
            return SignInCandidate(
                email: email, address: address, userID: try row.map { UserID(try $0.decode(column: "id", as: Int64.self)) },
                passwordHash: try row?.decode(column: "password_hash", as: String.self))
        }
    }

    /// The outcome of the password check: a failure stays recorded (then refuses), a success clears the
    /// failures of its email and address and opens a session. Writes.
    func finishSignIn(_ candidate: SignInCandidate, passwordMatches: Bool, nowMicroseconds now: Int64, lifetimeSeconds: Int64) async throws -> Session {
        guard passwordMatches, let id = candidate.userID, let user = try await user(id: id) else { throw AccountError.wrongCredentials }
        try await sql.raw("DELETE FROM login_failures WHERE email = \(bind: candidate.email) AND address = \(bind: candidate.address)").run()
        try await deleteExpiredSessions(nowMicroseconds: now)
        return try await openSession(for: user, nowMicroseconds: now, lifetimeSeconds: lifetimeSeconds)
    }

    /// Opens a session for a signed-in user (the token is returned once and stored only as its hash).
    public func openSession(
        for user: SignedInUser, nowMicroseconds now: Int64, lifetimeSeconds: Int64 = AccountPolicy.sessionLifetimeSeconds
    ) async throws -> Session {
        let token = Self.randomToken(), csrf = Self.randomToken()
        let expires = now + lifetimeSeconds * 1_000_000
        try await sql.raw(
            """
            INSERT INTO sessions (token_hash, user_id, csrf_token, created_at_us, expires_at_us)
            VALUES (\(bind: Self.sha256(token)), \(bind: user.id.rawValue), \(bind: csrf), \(bind: now), \(bind: expires))
            """
        ).run()
        return Session(token: token, csrfToken: csrf, user: user, expiresAtMicroseconds: expires, lastSeenMicroseconds: now)
    }

    /// The session a cookie's token opens, or `nil` when unknown or expired: one indexed lookup by the token's hash,
    /// read at the driver (every page asks it).
    /// The session a cookie names, unless it has expired or been idle longer than `idleSeconds`.
    public func session(token: String, nowMicroseconds now: Int64, idleSeconds: Int64 = AccountPolicy.sessionIdleSeconds) async throws -> Session? {
        guard let row = try await plainRows(
            """
            SELECT \(Self.userColumns), s.csrf_token, s.expires_at_us, COALESCE(s.last_seen_us, s.created_at_us) FROM sessions s
            JOIN users u ON u.id = s.user_id LEFT JOIN partners p ON p.id = u.partner_id
            WHERE s.token_hash = $1 AND s.expires_at_us > $2 AND COALESCE(s.last_seen_us, s.created_at_us) > $3
            """, [.text(Self.sha256(token)), .integer(now), .integer(now - idleSeconds * 1_000_000)]
        ).first else { return nil }
        return Session(
            token: token, csrfToken: try row.text(6), user: try Self.signedInUser(row), expiresAtMicroseconds: try row.integer(7),
            lastSeenMicroseconds: try row.integer(8))
    }

    /// Records that a session was used now (the idle clock starts again).
    public func touchSession(token: String, nowMicroseconds now: Int64) async throws {
        try await sql.raw("UPDATE sessions SET last_seen_us = \(bind: now) WHERE token_hash = \(bind: Self.sha256(token))").run()
    }

    /// Signs a login out of every browser it is signed in on.
    public func endAllSessions(of user: UserID) async throws {
        try await sql.raw("DELETE FROM sessions WHERE user_id = \(bind: user.rawValue)").run()
    }

    /// Deletes sessions that have expired: a signed-in table stays the size of who is signed in.
    public func deleteExpiredSessions(nowMicroseconds now: Int64) async throws {
        try await sql.raw("DELETE FROM sessions WHERE expires_at_us <= \(bind: now)").run()
    }

    /// Signs a session out.
    public func endSession(token: String) async throws {
        try await sql.raw("DELETE FROM sessions WHERE token_hash = \(bind: Self.sha256(token))").run()
    }

    /// Creates an API bearer token for a login. The token is returned once; only its hash is kept.
    public func createAPIToken(email rawEmail: String, name: String, actor: String) async throws -> (id: Int64, token: String) {
        try await requireInitialised()
        let email = rawEmail.lowercased()
        try TextRules.require("name", name, maximumLength: TextRules.Limit.reference)
        return try await transaction {
            guard let row = try await sql.raw("SELECT id, partner_id FROM users WHERE email = \(bind: email)").first() else {
                throw AccountError.unknownUser(email)
            }
            let token = "cb_" + Self.randomToken()
            let id = try await sql.raw(
                """
                INSERT INTO api_tokens (token_hash, user_id, name, created_at_us)
                VALUES (\(bind: Self.sha256(token)), \(bind: try row.decode(column: "id", as: Int64.self)), \(bind: name), \(bind: Self.nowMicroseconds()))
                RETURNING id
                """
            ).first()!.decode(column: "id", as: Int64.self)
            try await audit(
                actor: actor, action: "create API token", partner: try row.decode(column: "partner_id", as: Int64?.self).map { PartnerID($0) },
                subject: email, after: "token \(id) \(name)")
            return (id, token)
        }
    }

    /// Revokes an API token: from then on it authorises nothing.
    public func revokeAPIToken(id: Int64, actor: String) async throws {
        try await requireInitialised()
        try await transaction {
            guard let row = try await sql.raw("SELECT revoked_at_us FROM api_tokens WHERE id = \(bind: id)").first() else {
                throw AccountError.unknownToken(id)
            }
            // Only the revocation that changed the row is audited: two at once record one.
            if try row.decode(column: "revoked_at_us", as: Int64?.self) == nil,
                try await sql.raw(
                    "UPDATE api_tokens SET revoked_at_us = \(bind: Self.nowMicroseconds()) WHERE id = \(bind: id) AND revoked_at_us IS NULL RETURNING id"
                ).first() != nil
            {
                try await audit(actor: actor, action: "revoke API token", subject: "token \(id)")
            }
        }
    }

    /// The login an API token authorises, or `nil` when unknown or revoked: one indexed lookup by the token's hash,
    /// no cache, so a revocation holds from the next request on.
    public func user(apiToken token: String) async throws -> SignedInUser? {
        guard let row = try await plainRows(
            """
            SELECT \(Self.userColumns) FROM api_tokens t JOIN users u ON u.id = t.user_id LEFT JOIN partners p ON p.id = u.partner_id
            WHERE t.token_hash = $1 AND t.revoked_at_us IS NULL
            """, [.text(Self.sha256(token))]
        ).first else { return nil }
        return try Self.signedInUser(row)
    }

    /// Every login, by email.
    public func users() async throws -> [SignedInUser] {
        try await requireInitialised()
        return try await plainRows("SELECT \(Self.userColumns) FROM users u LEFT JOIN partners p ON p.id = u.partner_id ORDER BY u.email")
            .map(Self.signedInUser)
    }

    private func user(id: UserID) async throws -> SignedInUser? {
        guard let row = try await plainRows(
            "SELECT \(Self.userColumns) FROM users u LEFT JOIN partners p ON p.id = u.partner_id WHERE u.id = $1", [.integer(id.rawValue)]
        ).first else { return nil }
        return try Self.signedInUser(row)
    }

    /// The columns `signedInUser` reads first, by position, from `users u LEFT JOIN partners p`.
    private static let userColumns = "u.id, u.email, u.role, u.partner_id, p.code, p.kind"

    private static func signedInUser(_ row: PlainRow) throws -> SignedInUser {
        let partnerID = row.values[3] == .null ? nil : PartnerID(try row.integer(3))
        return SignedInUser(
            id: UserID(try row.integer(0)), email: try row.text(1), role: try row.stored(Role.self, 2),
            partner: try row.optionalText(4).map { PartnerCode(rawValue: $0) }, partnerID: partnerID,
            partnerKind: try row.optionalText(5).flatMap(PartnerKind.init(rawValue:)))
    }

    /// A bcrypt hash of a random password: verifying against it costs what verifying a real one does.
    static let decoyHash = Bcrypt.hash(randomToken(), cost: AccountPolicy.bcryptCost)

    /// 32 random bytes, hex: unguessable session, CSRF and API tokens (and the login form's CSRF cookie).
    public static func randomToken() -> String {
        var generator = SystemRandomNumberGenerator()
        return hex((0..<32).map { _ in UInt8.random(in: 0...255, using: &generator) })
    }

    /// Every authenticated request hashes its token: hex by table lookup, not `String(format:)` per byte
    /// (which measured at a tenth of a request's CPU).
    static func sha256(_ text: String) -> String {
        hex(Array(SHA256.hash(data: Data(text.utf8))))
    }

    static func hex(_ bytes: [UInt8]) -> String {
        let digits = Array("0123456789abcdef".utf8)
        var text: [UInt8] = []
        text.reserveCapacity(bytes.count * 2)
        for byte in bytes {
            text.append(digits[Int(byte >> 4)])
            text.append(digits[Int(byte & 0x0f)])
        }
        return String(decoding: text, as: UTF8.self)
    }

    static func looksLikeEmail(_ email: String) -> Bool { TextRules.looksLikeEmail(email) }
}

/// Who an email names and the hash to check a password against, read before the (slow) check.
struct SignInCandidate: Sendable {
    let email: String
    /// The client's address, as the throttle keys it ("" when unknown).
    let address: String
    let userID: UserID?
    let passwordHash: String?

    /// bcrypt against the stored hash, or against a fixed hash when the email is unknown, so timing does
    /// not reveal which emails exist.
    func verify(_ password: String) -> Bool {
        Bcrypt.verify(password, hash: passwordHash ?? ChannelbookDatabase.decoyHash) && userID != nil
    }
}

extension DatabasePool {
    /// Signs in without holding a connection through bcrypt (a quarter of a second): read, check, then write.
    public func signIn(
        email: String, password: String, nowMicroseconds now: Int64, address: String = "",
        lifetimeSeconds: Int64 = AccountPolicy.sessionLifetimeSeconds
    ) async throws -> Session {
        let candidate = try await write { try await $0.reserveSignIn(email: email, address: address, nowMicroseconds: now) }
        let matches = candidate.verify(password)
        return try await write {
            try await $0.finishSignIn(candidate, passwordMatches: matches, nowMicroseconds: now, lifetimeSeconds: lifetimeSeconds)
        }
    }
}

/// An API token as its owner sees it (never the token itself).
public struct APITokenView: Sendable, Equatable {
    public let id: Int64
    public let name: String
    public let createdAtMicroseconds: Int64
    public let revoked: Bool
}

extension ChannelbookDatabase {
    /// A login's own API tokens, newest first.
    public func apiTokens(of user: UserID) async throws -> [APITokenView] {
        try await plainRows(
            "SELECT id, name, created_at_us, revoked_at_us FROM api_tokens WHERE user_id = $1 ORDER BY id DESC", [.integer(user.rawValue)]
        ).map { row in
            APITokenView(
                id: try row.integer(0), name: try row.text(1), createdAtMicroseconds: try row.integer(2),
                revoked: row.values[3] != .null)
        }
    }

    /// Revokes one of the login's own tokens; someone else's token is unknown to it.
    public func revokeOwnAPIToken(id: Int64, user: SignedInUser) async throws {
        guard try await apiTokens(of: user.id).contains(where: { $0.id == id }) else { throw AccountError.unknownToken(id) }
        try await revokeAPIToken(id: id, actor: user.email)
    }
}
