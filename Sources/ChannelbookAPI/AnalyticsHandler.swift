import ChannelbookCore
import ChannelbookStore
import OpenAPIRuntime

/// The analytics operation of openapi.yaml, within the one analytics scope (`AnalyticsAccess`): the vendor's roles see
/// the whole channel, a distributor's token its own sell-through by segment and reseller, a reseller's token nothing (404).
extension APIHandler {
    func salesReport(_ input: Operations.salesReport.Input) async throws -> Operations.salesReport.Output {
        guard let user = Self.currentUser else { return .unauthorized(Self.unauthorized) }
        guard let access = AnalyticsAccess.of(user) else { return .notFound(Self.notFound) }
        let query = input.query
        // The generated code checks types, not patterns or lengths: the document's limits are checked here.
        guard query.quarters.utf8.count <= 14, let range = try? Quarter.parseRange(query.quarters) else {
            return .badRequest(Self.badRequest("quarters must be a quarter or a range such as 2025Q2..2026Q1"))
        }
        guard (query.by ?? "").utf8.count <= 100 else { return .badRequest(Self.badRequest("by must be at most 100 characters")) }
        let dimensions: [SalesDimension]
        switch SalesDimension.parseList(query.by ?? "") {
        case .success(let parsed): dimensions = parsed
        case .failure(let error): return .badRequest(Self.badRequest("by: \(error.message)"))
        }
        var filters: [SalesDimension: String] = [:]
        for (dimension, value) in [(SalesDimension.segment, query.segment), (.distributor, query.distributor)] {
            guard let value else { continue }
            guard !value.isEmpty, (try? TextRules.require(dimension.rawValue, value, maximumLength: 64)) != nil else {
                return .badRequest(Self.badRequest("\(dimension.rawValue) must be 1 to 64 characters of text"))
            }
            filters[dimension] = value
        }
        if let route = query.route { filters[.route] = route.rawValue }
        if let tier = query.tier { filters[.tier] = tier.rawValue }
        if let refusal = access.refusal(groupingBy: dimensions, filteringBy: filters.keys) { return .badRequest(Self.badRequest(refusal)) }
        let report: SalesReport
        do {
            report = try await database.read {
                try await $0.salesReport(SalesReportQuery(first: range.first, last: range.last, dimensions: dimensions, filters: filters, onlySource: access.onlySource))
            }
        } catch let refusal as SalesReportError {
            return .badRequest(Self.badRequest(refusal.message))
        }
        let rows = report.rows.map { row in
            let value = { (dimension: SalesDimension) in report.dimensions.firstIndex(of: dimension).map { row.values[$0] } }
            return Components.Schemas.SalesReportRow(
                quarter: row.quarter.description, segment: value(.segment), route: value(.route).flatMap { .init(rawValue: $0) },
                distributor: value(.distributor), tier: value(.tier), reseller: value(.reseller), lines: row.lines,
                netSales: row.netSales.decimalString, renewals: row.renewals.decimalString, changePrevBps: row.changePreviousBps, changeYearBps: row.changeYearBps)
        }
        return .ok(.init(body: .json(.init(
            currency: report.currency.code, dimensions: report.dimensions.compactMap { .init(rawValue: $0.rawValue) }, rows: rows))))
    }
}
