import ChannelbookCore
import ChannelbookStore
import Hummingbird

/// `/near-tier?quarter=2026Q1&within=10%`: eligible resellers close to their next rebate tier (vendor roles), and
/// `/near-tier.csv`. The list is the quarter engine's answer (`QuarterEngine.nearTier`, one row per reseller at
/// most), computed whole from the quarter's totals; it is sorted and paged here, not in SQL, since no table holds it.
struct NearTierRoutes {
    let database: DatabasePool

    /// The list's columns, sorted in memory.
    enum Column: String, ListColumn {
        case partner, tier, basis, from, shortfall, rate
    }

    func register(on router: Router<WebContext>) {
        router.get("/near-tier") { request, context in
            let (quarter, within, rows) = try await nearTier(request, context)
            let order = Self.order(request)
            let table = Self.table(
                order.page(of: rows), empty: "No eligible reseller is within \(within.percentString) of its next tier in \(quarter).", order: order,
                pager: order.pager(total: rows.count), csv: order.href(at: "/near-tier.csv"))
            return signedInPage(
                "Near the next rebate tier", context, Templates.render(.nearTier, ["quarter": quarter.description, "within": within.percentString, "table": table]))
        }
        router.get("/near-tier.csv") { request, context in
            let rows = try await nearTier(request, context).rows
            return StreamedCSV.rows(fileName: "near-tier.csv", header: ["partner", "tier", "basis", "next_tier_from", "shortfall", "next_rate"], rows.map { entry in
                let progress = entry.progress, next = progress.next
                return [
                    entry.partner.rawValue, progress.tier?.rawValue ?? "", progress.basis.decimalString, next?.from.decimalString ?? "",
                    next?.shortfall?.decimalString ?? "", next?.rate.percentString ?? "",
                ]
            })
        }
    }

    /// The quarter and share asked for (this quarter and 10 % by default), and the resellers within it, in the order
    /// the request asks.
    private func nearTier(_ request: Request, _ context: WebContext) async throws -> (quarter: Quarter, within: BasisPoints, rows: [NearTierRow]) {
        _ = try context.requireVendor(json: false)
        let today = WebClock.today(context)
        let query = request.formQuery
        guard let quarter = query.get("quarter").map({ try? Quarter.parse($0) }) ?? Quarter(containing: today) else {
            throw WebError(.badRequest, "quarter: write it like 2026Q1", json: false)
        }
        let withinText = query.get("within") ?? QuarterEngine.defaultNearTierWithin.percentString
        guard let within = try? QuarterEngine.parseWithin(withinText) else {
            throw WebError(.badRequest, "within: '\(withinText)' is not a percentage such as 10%", json: false)
        }
        let rows = try await database.read { try await $0.nearTier(quarter, within: within, asOf: max(today, quarter.firstDay)) }
        return (quarter, within, Self.sorted(rows, Self.order(request)))
    }

    /// The resellers near their next tier as a table: the page's (sortable, paged, with its CSV) and the dashboard's.
    static func table(
        _ rows: some Collection<NearTierRow>, empty: String, order: TableOrder<Column>? = nil, pager: Pager? = nil, csv: String? = nil
    ) -> String {
        DataTable(
            label: "Resellers near their next tier",
            columns: [
                .init(heading: "Partner", sort: "partner"), .init(heading: "Tier", sort: "tier"), .init(heading: "Basis so far", sort: "basis", numeric: true),
                .init(heading: "Next tier from", sort: "from", numeric: true), .init(heading: "Shortfall", sort: "shortfall", numeric: true),
                .init(heading: "Next rate", sort: "rate", numeric: true),
            ],
            rows: rows.map { entry in
                let progress = entry.progress, next = progress.next
                return [
                    .text(entry.partner.rawValue, link: PartnerRoutes.path(entry.partner)), .text(progress.tier?.rawValue ?? ""),
                    .money(progress.basis), next.map { .money($0.from) } ?? .money(""), next?.shortfall.map { .money($0) } ?? .money(""),
                    .money(next?.rate.percentString ?? ""),
                ]
            },
            empty: empty, order: order, pager: pager, csv: csv
        ).html()
    }

    /// Closest first (the engine's order) unless told otherwise.
    private static func order(_ request: Request) -> TableOrder<Column> { TableOrder(request, path: "/near-tier", default: .shortfall, descending: false) }

    /// The rows by the asked column either way round, then by partner code.
    static func sorted(_ rows: [NearTierRow], _ order: TableOrder<Column>) -> [NearTierRow] {
        order.sorted(rows, key: { column, row in
            let progress = row.progress, next = progress.next
            switch column {
            case .partner: return (0, row.partner.rawValue)
            case .tier: return (0, progress.tier?.rawValue ?? "")
            case .basis: return (progress.basis.minorUnits, "")
            case .from: return (next?.from.minorUnits ?? 0, "")
            case .shortfall: return (next?.shortfall?.minorUnits ?? Int64.max, "")
            case .rate: return (Int64(next?.rate.rawValue ?? 0), "")
            }
        }, tiebreak: { $0.partner.rawValue })
    }
}
