import ChannelbookCore
import ChannelbookStore
import Foundation
import OpenAPIRuntime

/// The JSON API's operations (openapi.yaml), over the store. Authorisation mirrors the pages: a partner's
/// login sees only its own partner, and anything else is answered 404 as if it did not exist.
struct APIHandler: APIProtocol {
    let database: DatabasePool
    /// Today's date for referral statuses; injected so tests never read the wall clock.
    let today: @Sendable () -> BusinessDate
    /// Where uploaded files wait while imported.
    let uploads: UploadSpool

    init(database: DatabasePool, today: @escaping @Sendable () -> BusinessDate, uploads: UploadSpool) {
        self.database = database
        self.today = today
        self.uploads = uploads
    }

    static var currentUser: SignedInUser? { ChannelbookAPI.currentUser }

    func getMe(_ input: Operations.getMe.Input) async throws -> Operations.getMe.Output {
        guard let user = Self.currentUser else { return .unauthorized(Self.unauthorized) }
        return .ok(.init(body: .json(.init(email: user.email, role: .init(rawValue: user.role.rawValue)!, partner: user.partner?.rawValue))))
    }

    func listStatements(_ input: Operations.listStatements.Input) async throws -> Operations.listStatements.Output {
        guard let user = Self.currentUser else { return .unauthorized(Self.unauthorized) }
        guard let quarter = try? Quarter.parse(input.query.quarter) else {
            return .badRequest(Self.badRequest("'\(input.query.quarter)' is not a quarter: write YYYYQn, such as 2026Q1"))
        }
        if user.role == .partner && user.partner == nil { return .ok(.init(body: .json([]))) }
        let statements = try await database.read { try await $0.statements(for: quarter, partner: user.role == .partner ? user.partner : nil) }
        return .ok(.init(body: .json(statements.map(Self.statement))))
    }

    func getStatement(_ input: Operations.getStatement.Input) async throws -> Operations.getStatement.Output {
        guard let user = Self.currentUser else { return .unauthorized(Self.unauthorized) }
        let partner = PartnerCode(rawValue: input.path.partner)
        guard let quarter = try? Quarter.parse(input.path.quarter), user.role != .partner || user.partner == partner
        else { return .notFound(Self.notFound) }
        let statement: StatementView
        do { statement = try await database.read { try await $0.statement(partner: partner, quarter: quarter) } } catch is StatementError {
            return .notFound(Self.notFound)
        }
        return .ok(.init(body: .json(Self.statement(statement))))
    }

    func listReferrals(_ input: Operations.listReferrals.Input) async throws -> Operations.listReferrals.Output {
        guard let user = Self.currentUser else { return .unauthorized(Self.unauthorized) }
        let status = input.query.status.flatMap { ReferralStatus(rawValue: $0.rawValue) }
        guard let limit = Self.pageLimit(input.query.limit) else { return .badRequest(Self.badRequest("limit must be 1 to 500")) }
        if let problem = Self.lengthProblem([("cursor", input.query.cursor, 500)]) { return .badRequest(Self.badRequest(problem)) }
        guard let before = Self.idCursor(input.query.cursor) else { return .badRequest(Self.badRequest("cursor: not a cursor this list gave")) }
        // A partner's login sees its own; one without a partner (which the schema refuses) would see none.
        let scope: PartnerCode? = user.role == .partner ? (user.partner ?? PartnerCode(rawValue: "")) : nil
        let page = try await database.read { try await $0.referralPage(partner: scope, status: status, asOf: today(), before: before, limit: limit) }
        return .ok(
            .init(
                body: .json(
                    .init(
                        items: page.items.map {
                            .init(
                                id: $0.id.rawValue, partner: $0.partner.rawValue, customer: $0.customer, status: .init(rawValue: $0.status.rawValue)!,
                                registeredOn: $0.registeredOn.description, expiresOn: $0.expiresOn?.description, fulfiller: $0.fulfiller)
                        }, nextCursor: page.nextCursor))))
    }


    static func statement(_ view: StatementView) -> Components.Schemas.Statement {
        .init(
            reference: view.reference, partner: view.partner.rawValue, quarter: view.quarter.description, status: .init(rawValue: view.status.rawValue)!,
            total: view.total.decimalString, currency: view.total.currency.code,
            lines: view.lines.map {
                .init(
                    kind: .init(rawValue: $0.kind.rawValue)!, forQuarter: $0.forQuarter.description, amount: $0.amount.decimalString,
                    description: $0.description, explanation: $0.explanation)
            })
    }
}

/// What the web app needs of the API: the document, the login of the request, and the routes.
public enum ChannelbookAPI {
    /// The login behind the current request, set by the web app's authentication around each API call
    /// (the generated handlers see only the OpenAPI request).
    @TaskLocal public static var currentUser: SignedInUser?

    /// The OpenAPI document, served as written at `/openapi.yaml`.
    public static var document: Data? {
        Bundle.module.url(forResource: "openapi", withExtension: "yaml").flatMap { try? Data(contentsOf: $0) }
    }

    /// Every path of openapi.yaml with the methods it takes, read from the document itself (so the web app's 401-first
    /// and 405 rules can never miss an operation): segments, a path parameter written `*`.
    public static let paths: [(segments: [String], methods: [String])] = {
        guard let document else { return [] }
        var paths: [(segments: [String], methods: [String])] = []
        for line in String(decoding: document, as: UTF8.self).split(separator: "\n") {
            if line.hasPrefix("  /"), line.hasSuffix(":") {
                let segments = line.dropFirst(2).dropLast().split(separator: "/").map { $0.hasPrefix("{") ? "*" : String($0) }
                paths.append((segments, []))
            } else if !line.hasPrefix(" ") {
                // Past `paths:` (components), nothing more is a path.
                if !paths.isEmpty { break }
            } else if let method = ["get", "post", "put", "patch", "delete"].first(where: { line == "    \($0):" }), !paths.isEmpty {
                paths[paths.count - 1].methods.append(method.uppercased())
            }
        }
        return paths
    }()

    /// Registers every operation of openapi.yaml on a transport (the web app's router).
    public static func register(
        on transport: some ServerTransport, database: DatabasePool, today: @escaping @Sendable () -> BusinessDate, uploads: UploadSpool
    ) throws {
        try APIHandler(database: database, today: today, uploads: uploads).registerHandlers(on: transport)
    }
}
