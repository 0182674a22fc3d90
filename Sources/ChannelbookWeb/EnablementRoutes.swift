import ChannelbookCore
import ChannelbookStore
import Hummingbird

/// `/enablement`: national resellers' reps and training (vendor roles), sorted by any column and paged in SQL, and
/// `/enablement.csv`; an account manager may show only its own partners.
struct EnablementRoutes {
    let database: DatabasePool

    func register(on router: Router<WebContext>) {
        router.get("/enablement") { request, context in
            let user = try context.require(.viewEnablement)
            let today = WebClock.today(context), order = Self.order(request), mine = Self.onlyMine(request, user)
            let page = try await database.read { try await $0.enablementTable(asOf: today, accountManager: mine, order.slice) }
            // Whether there is anything at all to show, filter aside: the empty state then says how to record some.
            let hasRecords = mine == nil ? page.total > 0 : try await database.read {
                try await $0.enablementTable(asOf: today, TableSlice(column: .partner, limit: 1)).total > 0
            }
            let filters = user.role == .accountManager
                ? FormHTML.filters(
                    action: "/enablement",
                    [FormHTML.select("whose", "Partners", [("mine", "only mine")], selected: mine == nil ? "" : "mine", problem: nil, id: "filter-whose")],
                    button: "Filter")
                : ""
            let table = DataTable(
                label: "Enablement",
                columns: [
                    .init(heading: "Partner", sort: "partner"), .init(heading: "Name", sort: "name"), .init(heading: "Tier", sort: "tier"),
                    .init(heading: "Reps", sort: "reps", numeric: true), .init(heading: "Trained reps", sort: "trained", numeric: true),
                    .init(heading: "Courses completed", sort: "courses", numeric: true), .init(heading: "Last completed", sort: "last"),
                    .init(heading: "Account manager", sort: "manager"),
                ],
                rows: page.items.map { row in
                    [
                        .text(row.partner.rawValue + (row.accountManager == user.email ? " (mine)" : ""), link: PartnerRoutes.path(row.partner)),
                        .text(row.name), .text(row.tier?.rawValue ?? ""), .money(String(row.reps)), .money(String(row.trainedReps)),
                        .money(String(row.coursesCompleted)), .date(row.lastCompleted), .text(row.accountManager ?? ""),
                    ]
                },
                empty: "None of your partners is a national reseller or has enablement records.",
                order: order, pager: order.pager(total: page.total), csv: order.href(at: "/enablement.csv")
            ).html()
            return signedInPage("Enablement", context, Templates.render(.enablement, ["filters": filters, "table": table, "hasRecords": hasRecords]))
        }
        router.get("/enablement.csv") { request, context in
            let user = try context.require(.viewEnablement)
            let today = WebClock.today(context), order = Self.order(request), mine = Self.onlyMine(request, user), database = self.database
            return StreamedCSV.sortedTable(
                fileName: "enablement.csv", header: ["partner", "name", "tier", "reps", "trained_reps", "courses_completed", "last_completed", "account_manager"],
                order: order
            ) { slice in
                try await database.read { try await $0.enablementTable(asOf: today, accountManager: mine, slice) }
            } row: {
                [
                    $0.partner.rawValue, $0.name, $0.tier?.rawValue ?? "", String($0.reps), String($0.trainedReps), String($0.coursesCompleted),
                    $0.lastCompleted?.description ?? "", $0.accountManager ?? "",
                ]
            }
        }
    }

    /// By partner code unless told otherwise.
    private static func order(_ request: Request) -> TableOrder<EnablementColumn> { TableOrder(request, path: "/enablement", default: .partner, descending: false) }

    /// The account manager's own email when it asked for only its partners (`?whose=mine`); nil: every partner.
    private static func onlyMine(_ request: Request, _ user: SignedInUser) -> String? {
        user.role == .accountManager && request.formQuery.get("whose") == "mine" ? user.email : nil
    }

    /// A partner's reps and their courses, for the partner's page.
    static func repsSection(_ reps: [EnablementRep]) -> String {
        Templates.render(
            .partnerReps,
            [
                "hasReps": !reps.isEmpty,
                "reps": reps.map { rep -> [String: Any] in
                    [
                        "email": rep.email, "name": rep.name, "hasCourses": !rep.courses.isEmpty,
                        "courses": rep.courses.enumerated().map { index, course -> [String: Any] in
                            ["course": course.course, "completedOn": Templates.date(course.completedOn), "last": index == rep.courses.count - 1]
                        },
                    ]
                },
            ])
    }
}
