import Foundation
import Hummingbird
import StewardCore
import StewardSystem

/// What the routes read: the live state, the metrics, the history, the tokens, and whether the daemon is well.
public struct ServeRouteState: Sendable {
    public var live: LiveState
    public var metrics: CheckMetrics
    public var history: HistoryAccess?
    public var tokens: TokenStore
    /// Whether `/metrics` needs a `read` token (``ServeSpec/metricsNeedToken``).
    public var metricsNeedToken: Bool
    public var startedAt: Date
    public var alive: @Sendable () -> Bool
    public var now: @Sendable () -> Date
    /// Runs checks now (the scheduler's ``CheckScheduler/runNow(_:)``); nil: the route answers 503.
    public var runChecks: (@Sendable ([ScheduledCheck]) async -> [(ScheduledCheck, CheckResult)])?
    /// Starts deploys, rollbacks, backups and verifications; nil: those routes are not offered.
    public var operations: ServeOperations?
    /// The manifest the daemon read, given to every operation it starts.
    public var manifestPath: String?
    /// Tracks, acknowledges and silences alerts; nil: the alert routes answer from the history alone, and refuse changes.
    public var alerts: AlertEngine?
    /// The manifest's app instances, whose overview `GET /api/v1/status` answers (``InstanceOverview``).
    public var instances: [InstanceOverview.Subject] = []
    /// Operate requests a minute per client.
    public var operateLimit: Int = 10
    /// The other hosts `serve.fleet` watches; nil: `GET /api/v1/hosts` answers an empty list.
    public var fleet: FleetView?

    public init(live: LiveState, metrics: CheckMetrics, history: HistoryAccess?, tokens: TokenStore, metricsNeedToken: Bool = false,
                startedAt: Date = Date(), alive: @escaping @Sendable () -> Bool, now: @escaping @Sendable () -> Date = { Date() }) {
        self.live = live
        self.metrics = metrics
        self.history = history
        self.tokens = tokens
        self.metricsNeedToken = metricsNeedToken
        self.startedAt = startedAt
        self.alive = alive
        self.now = now
    }
}

/// The daemon's HTTP routes. `GET /healthz` is open (systemd, load balancers); `/metrics` is open or needs a `read`
/// token (``ServeSpec/MetricsAccess``); everything under `/api/v1` needs a `read` token:
/// `status`, `checks`, `checks/{id}/history?from&to&step`, `findings?state=open|all`, `deploys?app&instance&from&to`,
/// `backups?app&instance`, `operations/{id}[/events]`; the operate routes (``addOperateRoutes(_:_:_:)``) need `operate`.
/// The dashboard's pages (``addDashboardRoutes(_:_:operateGuard:)``) take a session cookie instead of a token.
public enum ServeRoutes {
    public static func router(_ state: ServeRouteState) -> Router<ServeContext> {
        let router = Router(context: ServeContext.self)
        // Middleware applies to the routes added after it, and to the not-found answer.
        router.add(middleware: ErrorJSONMiddleware())
        router.add(middleware: MethodNotAllowedMiddleware())
        router.add(middleware: TokenAuthenticator(tokens: state.tokens))

        router.get("healthz") { _, _ -> Response in
            let ok = state.alive()
            return JSONResponse.make(ServeDocuments.Health(status: ok ? "ok" : "unhealthy", uptimeS: uptime(state)),
                                     status: ok ? .ok : .serviceUnavailable)
        }

        router.get("metrics") { _, context -> Response in
            if state.metricsNeedToken {
                guard let identity = context.identity else { throw APIError.unauthorized("/metrics needs a token with the read scope") }
                guard TokenScope.read.isGranted(by: identity.scopes) else { throw APIError(.forbidden, "forbidden", "the token lacks the read scope") }
            }
            return Response(status: .ok, headers: [.contentType: "text/plain; version=0.0.4; charset=utf-8"],
                            body: ResponseBody(byteBuffer: ByteBuffer(string: state.metrics.text())))
        }

        router.get("api/v1/openapi.json") { _, _ -> Response in
            Response(status: .ok, headers: [.contentType: "application/json"], body: ResponseBody(byteBuffer: ByteBuffer(bytes: OpenAPIDocument.json)))
        }

        let api = router.group("api/v1").add(middleware: RequireScope(scope: .read))
        let checksDocument = DocumentCache()
        api.get("checks") { _, _ -> Response in
            JSONResponse.make(body: try await checksDocument.body(version: state.live.version) {
                JSONResponse.body(ServeDocuments.Checks(generatedAt: state.now(), checks: state.live.snapshot().map(ServeDocuments.Check.init)))
            })
        }
        addRecordRoutes(api, state)
        // One guard (one rate limit per token) for the API's operate routes and the dashboard's forms.
        let operateGuard = OperateGuard(limiter: RateLimiter(perMinute: state.operateLimit, burst: state.operateLimit),
                                        history: state.history, now: state.now)
        let operate = router.group("api/v1")
            .add(middleware: operateGuard)
            .add(middleware: RequireScope(scope: .operate))
        addOperateRoutes(api, operate, state)
        addAlertRoutes(api, operate, state)
        let statusDocument = DocumentCache()
        api.get("status") { _, _ -> Response in
            JSONResponse.make(body: try await statusDocument.body(version: state.live.version) { try await statusBody(state) })
        }

        api.get("checks/:id/history") { request, context -> Response in
            let raw = try context.parameters.require("id")
            let name = raw.removingPercentEncoding ?? raw
            guard let check = state.live.find(name) else {
                throw APIError(.notFound, "not_found", "no scheduled check \(Self.quoted(name))")
            }
            let query = try HistoryQuery.parse(from: request.uri.queryParameters["from"].map(String.init),
                                               to: request.uri.queryParameters["to"].map(String.init),
                                               step: request.uri.queryParameters["step"].map(String.init), now: state.now())
            guard let history = state.history else { throw APIError(.serviceUnavailable, "unavailable", "no history") }
            let key = check.key
            let points = try await history.run { try $0.series(check: key, from: query.from, to: query.to, resolution: query.step) }
            return JSONResponse.make(ServeDocuments.History(key: key, id: check.spec.id, from: query.from, to: query.to,
                                                            step: HistoryQuery.name(query.step), points: points.map(ServeDocuments.Point.init)))
        }
        api.get("hosts") { _, _ -> Response in
            JSONResponse.make(ServeDocuments.Hosts(generatedAt: state.now(), hosts: (state.fleet?.snapshot() ?? []).map(ServeDocuments.Host.init)))
        }

        api.get("hosts/:host/checks/:id/history") { request, context -> Response in
            let rawHost = try context.parameters.require("host"), rawID = try context.parameters.require("id")
            let hostName = rawHost.removingPercentEncoding ?? rawHost, id = rawID.removingPercentEncoding ?? rawID
            guard let host = state.fleet?.snapshot().first(where: { $0.name == hostName }) else {
                throw APIError(.notFound, "not_found", "no watched host \(Self.quoted(hostName))")
            }
            guard host.checks.contains(where: { $0.key == id }) else {
                throw APIError(.notFound, "not_found", "no check \(Self.quoted(id)) in \(Self.quoted(hostName))'s last round")
            }
            let query = try HistoryQuery.parse(from: request.uri.queryParameters["from"].map(String.init),
                                               to: request.uri.queryParameters["to"].map(String.init),
                                               step: request.uri.queryParameters["step"].map(String.init), now: state.now())
            guard let history = state.history else { throw APIError(.serviceUnavailable, "unavailable", "no history") }
            let key = HostView.historyKey(host: host.name, check: id)
            let points = try await history.run { try $0.series(check: key, from: query.from, to: query.to, resolution: query.step) }
            return JSONResponse.make(ServeDocuments.History(key: key, id: id, from: query.from, to: query.to,
                                                            step: HistoryQuery.name(query.step), points: points.map(ServeDocuments.Point.init)))
        }
        addDashboardRoutes(router, state, operateGuard: operateGuard)
        return router
    }

    /// The `GET /api/v1/status` document, encoded: the checks, their summary, and every instance's overview.
    static func statusBody(_ state: ServeRouteState) async throws -> ByteBuffer {
        let entries = state.live.snapshot()
        var summary = ["pass": 0, "fail": 0, "unknown": 0, "pending": 0]
        for entry in entries { summary[entry.status?.rawValue ?? "pending", default: 0] += 1 }
        let records = try await state.history?.run { store in
            (deploys: try store.latestDeploys(), backups: try store.keptBackups(),
             findings: try store.openFindings())
        }
        let instances = InstanceOverview.build(
            subjects: state.instances, deploys: records?.deploys ?? [], backups: records?.backups ?? [], findings: records?.findings ?? [],
            checks: entries.map { InstanceOverview.CheckState(app: $0.check.spec.app, instance: $0.check.spec.instance,
                                                              state: $0.status?.rawValue ?? "pending") })
        return JSONResponse.body(ServeDocuments.Status(generatedAt: state.now(), uptimeS: uptime(state), summary: summary,
                                                       openFindings: records?.findings.count, checks: entries.map(ServeDocuments.Check.init),
                                                       instances: instances))
    }

    static func uptime(_ state: ServeRouteState) -> Int { max(0, Int(state.now().timeIntervalSince(state.startedAt))) }

    /// A name from the request, bounded and quoted for an error message.
    static func quoted(_ text: String) -> String { "\"\(text.prefix(100))\"" }
}

/// `from`, `to` (ISO 8601 or Unix seconds; default the last 6 hours) and `step` (`raw`, `5m`, `1h`, `1d`; default by
/// span: up to 6 h raw, 7 d 5-minute, 90 d hourly, else daily), checked so one request cannot ask for millions of
/// raw points: a raw series spans at most 48 hours (what the history keeps raw).
struct HistoryQuery: Equatable {
    var from: Date
    var to: Date
    var step: HistoryTier

    static func parse(from: String?, to: String?, step: String?, now: Date) throws(APIError) -> HistoryQuery {
        var end = now
        if let to { end = try time(to, "to") }
        var start = end.addingTimeInterval(-6 * 3600)
        if let from { start = try time(from, "from") }
        guard start < end else { throw APIError(.badRequest, "invalid_request", "from must be before to") }
        let span = end.timeIntervalSince(start)
        let tier: HistoryTier
        if let step {
            guard let named = tiers[step] else {
                throw APIError(.badRequest, "invalid_request", "step: expected raw, 5m, 1h or 1d, got \(ServeRoutes.quoted(step))")
            }
            tier = named
        } else {
            tier = span <= 6 * 3600 ? .raw : span <= 7 * 86_400 ? .fiveMinutes : span <= 90 * 86_400 ? .hourly : .daily
        }
        if tier == .raw && span > 48 * 3600 {
            throw APIError(.badRequest, "invalid_request", "step raw spans at most 48h; ask for 5m, 1h or 1d")
        }
        return HistoryQuery(from: start, to: end, step: tier)
    }

    static let tiers: [String: HistoryTier] = ["raw": .raw, "5m": .fiveMinutes, "1h": .hourly, "1d": .daily]

    static func name(_ tier: HistoryTier) -> String { tiers.first { $0.value == tier }!.key }

    /// Years 1 to 9999, in Unix seconds: what a history can hold, and a bound that keeps every later conversion exact.
    static let times = -62_135_596_800.0...253_402_300_799.0

    static func time(_ text: String, _ name: String) throws(APIError) -> Date {
        var date: Date?
        if let seconds = Double(text), seconds.isFinite {
            date = Date(timeIntervalSince1970: seconds)
        } else {
            let formatter = ISO8601DateFormatter()
            date = formatter.date(from: text)
            if date == nil {
                formatter.formatOptions.insert(.withFractionalSeconds)
                date = formatter.date(from: text)
            }
        }
        guard let date else {
            throw APIError(.badRequest, "invalid_request", "\(name): expected an ISO 8601 time or Unix seconds, got \(ServeRoutes.quoted(text))")
        }
        guard times.contains(date.timeIntervalSince1970) else {
            throw APIError(.badRequest, "invalid_request", "\(name): expected a time between the years 1 and 9999")
        }
        return date
    }
}
