import ChannelbookCore
import Foundation
import Hummingbird
import Mustache

/// The pages' frame and parts from mustache templates (`Resources/templates`: the layout, the navigation, the error page, the table),
/// escaped by default, and the stylesheets (`Resources/assets`), both loaded once from the package's resources.
/// `WebApp.build` loads them first, so a server missing its resources refuses to start instead of serving
/// broken pages.
enum Templates {
    static let library: Result<MustacheLibrary, any Error> = Result { try loadLibrary() }
    static let assets: Result<[String: ByteBuffer], any Error> = Result { try loadAssets() }

    struct TemplateError: Error, CustomStringConvertible {
        let description: String
    }

    /// Every template the app renders, by its file's name: a page's body, a part of one, or a partial (`money`,
    /// `date`) the others include. `WebApp.build` refuses to start when any is missing, so a name here is a page
    /// that renders.
    enum Name: String, CaseIterable {
        case layout, navigation, error, table, field, notice, money, date
        case statement, partnerDashboard = "partner-dashboard"
        case signIn = "sign-in", nearTier = "near-tier", enablement, partnerReps = "partner-reps", partner
        case mdf, mdfRequestForm = "mdf-request-form", mdfClaimForm = "mdf-claim-form", mdfReviewForm = "mdf-review-form", mdfRequest = "mdf-request"
        case mdfBalances = "mdf-balances"
        case vendorDashboard = "vendor-dashboard", distributorDashboard = "distributor-dashboard"
        case quarterPage = "quarter", statementActions = "statement-actions", noted, statementList = "statement-list"
        case approveConfirmation = "approve-confirmation", payConfirmation = "pay-confirmation"
        case referral, referrals, winConfirmation = "win-confirmation"
        case renewals, renewal
        case audit, tokens, webhooks, matching, analytics
        case whatIf = "what-if", salesUpload = "sales-upload", salesFigures = "sales-figures"
        case filters, mdfProofs = "mdf-proofs"
        case quarters, routeExceptions = "route-exceptions", routeExceptionReview = "route-exception-review"
    }

    /// Renders the template with `values` (escaped unless the template says `{{{…}}}`); a template that is missing
    /// (a packaging mistake `WebApp.build` refuses first) renders as nothing rather than trapping.
    static func render(_ name: Name, _ values: [String: Any]) -> String {
        (try? library.get())?.render(values, withTemplate: name.rawValue) ?? ""
    }

    /// An amount for the `money` partial (`{{#total}}{{> money}}{{/total}}`): `$1,234.56` for people, the exact
    /// decimal for machines (`<data value="1234.56">`), and whether it is negative, for its colour.
    static func money(_ amount: Money) -> [String: Any] {
        ["text": amount.displayString, "value": amount.decimalString, "negative": amount.isNegative]
    }

    /// A day for the `date` partial (`{{#closedOn}}{{> date}}{{/closedOn}}`): `<time datetime="2026-03-31">`.
    static func date(_ day: BusinessDate) -> [String: Any] { ["iso": day.description] }

    /// `bootstrap.min.css` and `channelbook.css` as served under `/assets/`.
    static func asset(_ name: String) -> ByteBuffer? { (try? assets.get())?[name] }

    private static func folder(_ name: String) -> URL {
        // The bundle holds the copied `Resources` folder (Foundation's `resourceURL` may or may not already point into it).
        Bundle.module.bundleURL.appendingPathComponent("Resources").appendingPathComponent(name)
    }

    private static func files(in folder: URL, ending suffix: String) throws -> [(name: String, text: String)] {
        do {
            return try FileManager.default.contentsOfDirectory(atPath: folder.path).filter { $0.hasSuffix(suffix) }.sorted().map {
                (String($0.dropLast(suffix.count)), try String(contentsOf: folder.appendingPathComponent($0), encoding: .utf8))
            }
        } catch {
            throw TemplateError(description: "\(folder.path): \(error)")
        }
    }

    private static func loadLibrary() throws -> MustacheLibrary {
        var library = MustacheLibrary()
        for (name, text) in try files(in: folder("templates"), ending: ".mustache") {
            do { try library.register(text, named: name) } catch { throw TemplateError(description: "template \(name): \(error)") }
        }
        for required in Name.allCases where library.getTemplate(named: required.rawValue) == nil {
            throw TemplateError(description: "the template \(required.rawValue).mustache is missing")
        }
        return library
    }

    private static func loadAssets() throws -> [String: ByteBuffer] {
        let assets = Dictionary(uniqueKeysWithValues: try files(in: folder("assets"), ending: ".css").map { ("\($0.name).css", ByteBuffer(string: $0.text)) })
        guard assets["bootstrap.min.css"] != nil, assets["channelbook.css"] != nil else { throw TemplateError(description: "the stylesheets are missing") }
        return assets
    }

    /// A page's navigation entry; `active` when the page asked for is it or under it.
    static func navigationItems(_ links: [(href: String, label: String)], path: String) -> [[String: Any]] {
        // The longest matching link is the active one: /quarters/2026Q2/exceptions is under the dashboard's quarters.
        let active = links.filter { $0.href == path || ($0.href != "/" && path.hasPrefix($0.href + "/")) }.max { $0.href.count < $1.href.count }?.href
        return links.map { ["href": $0.href, "label": $0.label, "active": $0.href == active] }
    }
}
