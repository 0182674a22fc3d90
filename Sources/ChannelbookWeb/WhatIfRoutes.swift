import ChannelbookCore
import ChannelbookStore
import ChannelbookUpload
import Hummingbird

/// `/whatif`: the vendor uploads a proposed program file and sees what it would have cost in closed quarters —
/// every problem of an invalid file, or the per-partner table, the totals and a chart, current against proposed.
/// Nothing is written.
struct WhatIfRoutes {
    let database: DatabasePool

    func register(on router: Router<WebContext>) {
        router.get("/whatif") { _, context in
            _ = try context.require(.runWhatIf)
            return page(context, range: try await defaultRange())
        }
        router.post("/whatif") { request, context in
            _ = try context.require(.runWhatIf)
            try context.checkCSRFBeforeBody(request)
            let upload = try await receive(request)
            let range = (upload.fields["from"].flatMap { try? Quarter.parse($0) }, upload.fields["through"].flatMap { try? Quarter.parse($0) })
            guard let first = range.0, let last = range.1 else { return failure(context, try await defaultRange(), ["from and through: quarters such as 2026Q1"]) }
            guard let text = String(validating: upload.program, as: UTF8.self) else {
                return failure(context, (first, last), ["\(upload.fileName): the program file is not UTF-8 text"])
            }
            let proposed: Program
            do { proposed = try ProgramFile.parse(text) } catch let error as ProgramFileError {
                return failure(context, (first, last), error.lines.map { "\(upload.fileName): \($0)" })
            }
            do {
                let result = try await database.read { try await $0.whatIf(proposed, from: first, through: last) }
                return page(context, range: (first, last), report: Self.report(result, proposed: proposed, fileName: upload.fileName))
            } catch let refusal as any RefusalError {
                return failure(context, (first, last), [refusal.description])
            }
        }
    }

    /// The closed quarters of the last year, by default.
    private func defaultRange() async throws -> (Quarter, Quarter)? {
        let summaries = try await database.read { try await $0.statementSummaries() }
        guard let latest = summaries.map(\.quarter).max() else { return nil }
        let earliest = summaries.map(\.quarter).filter { $0 > latest.previous.previous.previous.previous }.min() ?? latest
        return (earliest, latest)
    }

    private struct Upload {
        let fileName: String
        let program: [UInt8]
        let fields: [String: String]
    }

    /// A program file is small (`ProgramFile.maximumBytes`): held in memory, a larger one refused.
    private func receive(_ request: Request) async throws -> Upload {
        let box = ProgramBytes()
        var upload: MultipartUpload
        do {
            upload = try MultipartUpload(contentType: request.headers[.contentType] ?? "") { chunk in
                guard box.bytes.count + chunk.readableBytes <= ProgramFile.maximumBytes else { throw ProgramTooLarge() }
                box.bytes += chunk.readableBytesView
            }
        } catch {
            throw WebError(.badRequest, "upload the program file with the form (multipart/form-data)", json: false)
        }
        do {
            // The whole body, not only the file part, is bounded: a program file and a few short fields.
            let result = try await upload.read(request.body, limit: ProgramFile.maximumBytes + 64 * 1024)
            return Upload(fileName: result.fileName, program: box.bytes, fields: result.fields)
        } catch is ProgramTooLarge, is BodyTooLarge {
            throw WebError(.contentTooLarge, "the program file is larger than \(ProgramFile.maximumBytes / 1024) KiB", json: false)
        } catch MultipartUploadError.noFilePart {
            throw WebError(.badRequest, "choose a program file to run", json: false)
        } catch let error as MultipartUploadError {
            throw WebError(.badRequest, error.description, json: false)
        }
    }

    private final class ProgramBytes: @unchecked Sendable { var bytes: [UInt8] = [] }
    private struct ProgramTooLarge: Error {}

    private func failure(_ context: WebContext, _ range: (Quarter, Quarter)?, _ problems: [String]) -> Response {
        var response = page(context, range: range, problems: problems)
        response.status = .badRequest
        return response
    }

    /// The page from `what-if.mustache`: the form with the range, then why the program was not run or its report.
    private func page(_ context: WebContext, range: (Quarter, Quarter)?, problems: [String] = [], report: [String: Any]? = nil) -> Response {
        var values: [String: Any] = [
            "csrf": context.session?.csrfToken ?? "", "from": range.map { "\($0.0)" } ?? "", "through": range.map { "\($0.1)" } ?? "",
            "hasProblems": !problems.isEmpty, "problems": problems,
        ]
        if let report { values["report"] = report }
        return signedInPage("What if", context, Templates.render(.whatIf, values))
    }

    /// How many partner-quarters the page lists: the largest changes (a channel of thousands has tens of thousands).
    static let rowsShown = 50

    /// A run's report for the page: the totals, the chart by quarter, and the partner-quarters that change most (every
    /// one is in `channelbook whatif` and the API's answer).
    static func report(_ result: WhatIfResult, proposed: Program, fileName: String) -> [String: Any] {
        let chart = SVGChart.bars(
            result.quarters.flatMap { entry in
                [("\(entry.quarter) now", entry.current.minorUnits, entry.current.displayString),
                 ("\(entry.quarter) new", entry.proposed.minorUnits, entry.proposed.displayString)]
            }, title: "Cost by quarter, current against proposed", palette: ["#2a7", "#37c"])
        let largest = result.rows.sorted { left, right in
            (left.delta.minorUnits.magnitude, right.partner.rawValue, right.quarter) > (right.delta.minorUnits.magnitude, left.partner.rawValue, left.quarter)
        }.prefix(Self.rowsShown)
        let rows = largest.map { row -> [String: Any] in
            [
                "partner": row.partner.rawValue, "partnerPath": PartnerRoutes.path(row.partner), "quarter": "\(row.quarter)", "current": Templates.money(row.current),
                "proposed": Templates.money(row.proposed), "delta": Templates.money(row.delta),
            ]
        }
        return [
            "fileName": fileName, "version": proposed.versionLabel, "current": result.current.displayString, "proposed": result.proposed.displayString,
            "delta": result.delta.displayString, "chart": chart, "rows": rows, "shown": "\(rows.count)", "all": "\(result.rows.count)",
            "isPart": result.rows.count > rows.count,
            "totals": ["current": Templates.money(result.current), "proposed": Templates.money(result.proposed), "delta": Templates.money(result.delta)],
        ]
    }
}
