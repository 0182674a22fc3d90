import ArgumentParser
import ChannelbookCore
import ChannelbookStore
import Foundation

/// `channelbook user add`: logins for the web app and the API.
struct UserCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(commandName: "user", abstract: "Manage logins.", subcommands: [Add.self])

    struct Add: AsyncParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "Create a login. Without --password-stdin a random password is generated and printed once.")

        @Argument(help: "The login's email address.") var email: String
        @Option(help: "\(Role.allCases.map(\.rawValue).joined(separator: ", ")).") var role: Role
        @Option(help: "The partner a partner login is bound to (required for --role partner).") var partner: String?
        @Flag(help: "Read the password from the first line of standard input.") var passwordStdin = false
        @OptionGroup var actor: ActorOption
        @OptionGroup var database: DatabaseOptions

        func run() async throws {
            let password: String
            if passwordStdin {
                guard let line = Console.current.readLine(), !line.isEmpty else { throw CLIError("--password-stdin: no password on standard input") }
                password = line
            } else {
                password = Self.generatedPassword()
            }
            let user = try await database.perform {
                try await $0.addUser(email: email, role: role, partner: partner.map { PartnerCode(rawValue: $0) }, password: password, actor: actor.name)
            }
            Console.line("created \(user.role.rawValue) login \(user.email)\(user.partner.map { " for partner \($0.rawValue)" } ?? "")")
            if !passwordStdin { Console.line("password: \(password)") }
        }

        /// 20 characters from an alphabet without look-alikes (no 0/O, 1/l/I).
        static func generatedPassword() -> String {
            let alphabet = Array("abcdefghijkmnpqrstuvwxyzABCDEFGHJKLMNPQRSTUVWXYZ23456789")
            var generator = SystemRandomNumberGenerator()
            return String((0..<20).map { _ in alphabet.randomElement(using: &generator)! })
        }
    }
}

/// `channelbook token create|revoke`: API bearer tokens.
struct TokenCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "token", abstract: "Create and revoke API bearer tokens.", subcommands: [Create.self, Revoke.self])

    struct Create: AsyncParsableCommand {
        static let configuration = CommandConfiguration(abstract: "Create a token for a login; prints the token alone on stdout (shown once).")

        @Argument(help: "The login's email address.") var email: String
        @Option(help: "What the token is for.") var name = "api"
        @OptionGroup var actor: ActorOption
        @OptionGroup var database: DatabaseOptions

        func run() async throws {
            let created = try await database.perform { try await $0.createAPIToken(email: email, name: name, actor: actor.name) }
            Console.line(created.token)
            Console.current.writeError("token \(created.id) created for \(email.lowercased()); revoke it with `channelbook token revoke \(created.id)`\n")
        }
    }

    struct Revoke: AsyncParsableCommand {
        static let configuration = CommandConfiguration(abstract: "Revoke a token: from then on it authorises nothing.")

        @Argument(help: "The token's id (printed when it was created).") var id: Int64
        @OptionGroup var actor: ActorOption
        @OptionGroup var database: DatabaseOptions

        func run() async throws {
            try await database.perform { try await $0.revokeAPIToken(id: id, actor: actor.name) }
            Console.line("revoked token \(id)")
        }
    }
}

extension Role: ExpressibleByArgument {}

/// `channelbook partner assign`: who looks after a partner at the vendor.
struct PartnerCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(commandName: "partner", abstract: "Manage partners' contacts at the vendor.", subcommands: [Assign.self])

    struct Assign: AsyncParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "Name a reseller's account manager or a distributor's maintenance officer (an existing login of that role).")

        @Argument(help: "The partner's code.") var code: String
        @Option(help: "The account manager's login (for a reseller).") var accountManager: String?
        @Option(help: "The maintenance officer's login (for a distributor).") var maintenanceOfficer: String?
        @OptionGroup var actor: ActorOption
        @OptionGroup var database: DatabaseOptions

        func validate() throws {
            if (accountManager == nil) == (maintenanceOfficer == nil) {
                throw ValidationError("give --account-manager EMAIL or --maintenance-officer EMAIL")
            }
        }

        func run() async throws {
            let (email, role) = accountManager.map { ($0, Role.accountManager) } ?? (maintenanceOfficer!, .maintenanceOfficer)
            try await database.perform { try await $0.assignContact(partner: PartnerCode(rawValue: code), email: email, role: role, actor: actor.name) }
            Console.line("\(email.lowercased()) is now the \(role == .accountManager ? "account manager" : "maintenance officer") of \(code)")
        }
    }
}
