import ArgumentParser
import ChannelbookCore
import ChannelbookStore

/// `channelbook init`: creates an empty database holding the program.
struct InitCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "init", abstract: "Create an empty database with the program (the built-in one, or --program FILE).")

    @OptionGroup var database: DatabaseOptions
    @OptionGroup var program: ProgramOptions
    @OptionGroup var actor: ActorOption

    func run() async throws {
        let source = try program.loadSource()
        try await reportingStoreErrors {
            try await database.withDatabase(creating: true) { database in
                try await database.initialise(programTOML: source.toml, actor: actor.name)
            }
        }
        Console.line("initialised \(database.location) with \(source.program.versionLabel)")
    }
}

/// `channelbook import partners|pricebook|sales|referrals|enablement|contracts FILE`.
struct ImportCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "import",
        abstract: "Validate a whole CSV file or Excel workbook and import all of it, or nothing.",
        discussion: """
            partners.csv   code,name,kind,tier,distributors,abn[,tier_since]
            pricebook.csv  sku,name,category,partner_buy_price,effective_from[,maintenance_months]
            sales.csv      line_id,date,source,reseller,customer,sku,category,seats,amount,currency
            referrals.csv  referral_id,partner,customer,sku,seats,closed_on
            enablement.csv partner,rep_email,rep_name,course,completed_on
            contracts.csv  contract_id,customer,reseller,source,sku,seats,starts,ends
            An .xlsx workbook's first worksheet is read with the same columns (dates and numbers as the cells hold them).
            Importing the same file again changes nothing; every problem is printed as FILE:LINE: field: problem.
            A sales line whose reseller no code, ABN or mapping resolves is parked (channelbook matching list).
            On a terminal the reading's progress is drawn on stderr; --quiet draws none.
            """)

    @Argument(help: "partners, pricebook, sales, referrals, enablement or contracts.")
    var kind: ImportKindArgument

    @Argument(help: "The CSV file or .xlsx workbook.", completion: .file())
    var file: String

    @OptionGroup var database: DatabaseOptions
    @OptionGroup var actor: ActorOption
    @OptionGroup var quiet: QuietOption

    func run() async throws {
        let summary = try await TerminalProgress.watching(quiet: quiet.quiet) {
            try await database.perform { database in
                try await database.importFile(kind.kind, path: file, name: file, actor: actor.name, today: Today.date)
            }
        }
        Console.line(summary.description)
    }
}

enum ImportKindArgument: String, CaseIterable, ExpressibleByArgument {
    case partners, pricebook, sales, referrals, enablement, contracts
    var kind: ImportKind { ImportKind(rawValue: rawValue)! }
}
