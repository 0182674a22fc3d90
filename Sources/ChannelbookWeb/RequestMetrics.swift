import Hummingbird
import Prometheus

/// Counts requests by method, route and status, and times them, in a Prometheus registry served at `/metrics`.
/// Routes are labelled by their pattern (`/statements/{quarter}/{partner}`), never by the path, so labels stay few.
struct RequestMetricsMiddleware: RouterMiddleware {
    typealias Context = WebContext

    let registry: PrometheusCollectorRegistry

    func handle(_ request: Request, context: Context, next: (Request, Context) async throws -> Response) async throws -> Response {
        let start = ContinuousClock.now
        let route = context.endpointPath ?? "unmatched"
        do {
            let response = try await next(request, context)
            record(request, route: context.endpointPath ?? route, status: response.status.code, since: start)
            return response
        } catch {
            let status = (error as? any HTTPResponseError)?.status.code ?? 500
            record(request, route: context.endpointPath ?? route, status: status, since: start)
            throw error
        }
    }

    private func record(_ request: Request, route: String, status: Int, since start: ContinuousClock.Instant) {
        let labels = [("method", request.method.rawValue), ("route", route), ("status", String(status))]
        registry.makeCounter(name: "channelbook_http_requests_total", labels: labels).increment()
        registry.makeDurationHistogram(
            name: "channelbook_http_request_duration_seconds", labels: [("route", route)],
            buckets: [.milliseconds(5), .milliseconds(25), .milliseconds(100), .milliseconds(500), .seconds(2)]
        ).record(ContinuousClock.now - start)
    }
}
