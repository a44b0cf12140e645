import Foundation
import Hummingbird
import HummingbirdTesting
import Logging
import StewardCore
@testable import StewardServe
import StewardSystem
import Testing

/// The routes in process (HummingbirdTesting's `.router`: no socket), over a real history database.
@Suite struct ServeRoutesTests {
    static let now = Date(timeIntervalSince1970: 1_764_633_600)  // 2025-12-02T00:00:00Z
    static let api = CheckSpec(id: "api health", app: "marb", instance: "prod",
                               kind: .http(HTTPExpectation(url: "http://127.0.0.1:8000/api/v1/health")), intervalMs: 15_000)
    static let disk = CheckSpec(id: "disk /", kind: .tcp(TCPExpectation(host: "127.0.0.1", port: 5432)))
    static let pending = CheckSpec(id: "queue", app: "marb", instance: "prod", kind: .tcp(TCPExpectation(host: "127.0.0.1", port: 6379)))

    struct Fixture {
        var state: ServeRouteState
        var directory: URL
    }

    static let readToken = "stw_reader-token-for-the-route-tests"
    static let operateToken = "stw_operator-token-for-the-route-tests"
    static let read: HTTPFields = [.authorization: "Bearer \(readToken)"]

    func fixture(alive: Bool = true, metricsNeedToken: Bool = false) throws -> Fixture {
        let directory = FileManager.default.temporaryDirectory.appendingPathComponent("serve-routes-\(UUID().uuidString.prefix(8))")
        let store = try HistoryStore(path: directory.appendingPathComponent("history.db").path)
        let tokens = directory.appendingPathComponent("tokens").path
        try TokenFileIO.write([
            TokenEntry(name: "reader", scopes: [.read], sha256: TokenSecret.digestHex(Self.readToken), created: Self.now),
            TokenEntry(name: "deployer", scopes: [.operate], sha256: TokenSecret.digestHex(Self.operateToken), created: Self.now),
        ], to: tokens)
        let checks = [Self.api, Self.disk, Self.pending].map(ScheduledCheck.init)
        // Ten minutes of the API check every 30 s: the last run failed.
        var samples: [CheckSample] = []
        for i in 0..<20 {
            let at = Self.now.addingTimeInterval(Double(i - 20) * 30)
            let status: CheckResult.Status = i == 19 ? .fail : .pass
            samples.append(CheckSample(check: "marb@prod/api health", at: at, status: status, latencyMs: Double(10 + i)))
        }
        try store.record(samples)
        let live = LiveState(checks: checks)
        live.update(key: "marb@prod/api health", CheckResult(id: "api health", kind: "http", app: "marb", instance: "prod", status: .fail,
                                                             expected: "200", found: "503", message: "answered 503", durationMs: 29),
                    at: Self.now.addingTimeInterval(-30))
        live.update(key: "host/disk /", CheckResult(id: "disk /", kind: "tcp", status: .pass, expected: "", found: "", durationMs: 2.5),
                    at: Self.now.addingTimeInterval(-10))
        let metrics = CheckMetrics()
        metrics.update(Self.api, status: .fail, latencyMs: 29)
        metrics.update(Self.disk, status: .pass, latencyMs: 2.5)
        let state = ServeRouteState(live: live, metrics: metrics, history: HistoryAccess(store: store), tokens: TokenStore(path: tokens),
                                    metricsNeedToken: metricsNeedToken, startedAt: Self.now.addingTimeInterval(-125), alive: { alive }, now: { Self.now })
        return Fixture(state: state, directory: directory)
    }

    func withApp(_ fixture: Fixture, _ body: @Sendable (any TestClientProtocol) async throws -> Void) async throws {
        defer { try? FileManager.default.removeItem(at: fixture.directory) }
        let app = Application(router: ServeRoutes.router(fixture.state), logger: Logger(label: "test"))
        try await app.test(.router, body)
        await fixture.state.history?.shutdown()
    }

    static func json(_ response: TestResponse) throws -> [String: Any] {
        try #require(try JSONSerialization.jsonObject(with: Data(String(buffer: response.body).utf8)) as? [String: Any])
    }

    @Test func healthzAnswersOkWithTheUptime() async throws {
        try await withApp(try fixture()) { client in
            try await client.execute(uri: "/healthz", method: .get) { response in
                #expect(response.status == .ok)
                #expect(response.headers[.contentType] == "application/json; charset=utf-8")
                let body = try Self.json(response)
                #expect(body["status"] as? String == "ok")
                #expect(body["uptime_s"] as? Int == 125)
            }
        }
    }

    @Test func healthzIs503WhenTheDaemonIsNotWell() async throws {
        try await withApp(try fixture(alive: false)) { client in
            try await client.execute(uri: "/healthz", method: .get) { response in
                #expect(response.status == .serviceUnavailable)
                let body = try Self.json(response)
                #expect(body["status"] as? String == "unhealthy")
            }
        }
    }

    @Test func statusListsEveryCheckWithItsLatestState() async throws {
        try await withApp(try fixture()) { client in
            try await client.execute(uri: "/api/v1/status", method: .get, headers: Self.read) { response in
                #expect(response.status == .ok)
                let body = try Self.json(response)
                #expect(body["schema"] as? String == "steward.serve.status/1")
                #expect(body["generated_at"] as? String == "2025-12-02T00:00:00Z")
                #expect(body["summary"] as? [String: Int] == ["pass": 1, "fail": 1, "unknown": 0, "pending": 1])
                #expect(body["open_findings"] as? Int == 0)
                let checks = try #require(body["checks"] as? [[String: Any]])
                #expect(checks.map { $0["key"] as? String } == ["marb@prod/api health", "host/disk /", "marb@prod/queue"])
                #expect(checks[0]["state"] as? String == "fail")
                #expect(checks[0]["latency_ms"] as? Double == 29)
                #expect(checks[0]["interval_s"] as? Double == 15)
                #expect(checks[0]["last_run"] as? String == "2025-12-01T23:59:30Z")
                #expect(checks[0]["message"] as? String == "answered 503")
                #expect(checks[1]["state"] as? String == "pass")
                #expect(checks[2]["state"] as? String == "pending")
                #expect(checks[2]["last_run"] == nil)
            }
        }
    }

    @Test func historyAnswersTheSeriesOfACheckByIdOrKey() async throws {
        try await withApp(try fixture()) { client in
            let from = "2025-12-01T23:55:00Z", to = "2025-12-02T00:00:00Z"
            try await client.execute(uri: "/api/v1/checks/api%20health/history?from=\(from)&to=\(to)", method: .get, headers: Self.read) { response in
                #expect(response.status == .ok)
                let body = try Self.json(response)
                #expect(body["schema"] as? String == "steward.serve.history/1")
                #expect(body["key"] as? String == "marb@prod/api health")
                #expect(body["step"] as? String == "raw")
                let points = try #require(body["points"] as? [[String: Any]])
                #expect(points.count == 10)
                #expect(points.last?["failures"] as? Int == 1)
                #expect(points.last?["avg_ms"] as? Double == 29)
                #expect(points.first?["t"] as? String == "2025-12-01T23:55:00Z")
            }
            // The key, percent-encoded (it holds a slash), and a coarser step: the 5-minute buckets.
            try await client.execute(uri: "/api/v1/checks/marb%40prod%2Fapi%20health/history?from=1764632400&to=1764633600&step=5m",
                                     method: .get, headers: Self.read) { response in
                #expect(response.status == .ok)
                let points = try #require(try Self.json(response)["points"] as? [[String: Any]])
                #expect(points.map { $0["runs"] as? Int } == [10, 10])
                #expect(points.map { $0["failures"] as? Int } == [0, 1])
                #expect(points.first?["min_ms"] as? Double == 10)
            }
        }
    }

    @Test func errorsAreJSONWithACode() async throws {
        try await withApp(try fixture()) { client in
            for (uri, status, code) in [
                ("/api/v1/checks/nope/history", HTTPResponse.Status.notFound, "not_found"),
                ("/api/v1/checks/api%20health/history?step=2m", .badRequest, "invalid_request"),
                ("/api/v1/checks/api%20health/history?from=yesterday", .badRequest, "invalid_request"),
                ("/api/v1/checks/api%20health/history?from=1764633600&to=1764630000", .badRequest, "invalid_request"),
                ("/api/v1/checks/api%20health/history?from=0&step=raw", .badRequest, "invalid_request"),
                // Far-off times (schemathesis found that one crashed the daemon) are refused, never converted.
                ("/api/v1/checks/api%20health/history?from=-1e300", .badRequest, "invalid_request"),
                ("/api/v1/checks/api%20health/history?to=1e300", .badRequest, "invalid_request"),
                ("/api/v1/deploys?from=-9.3e18", .badRequest, "invalid_request"),
                ("/no/such/route", .notFound, "not_found"),
            ] {
                try await client.execute(uri: uri, method: .get, headers: Self.read) { response in
                    #expect(response.status == status, "\(uri)")
                    let body = try Self.json(response)
                    #expect(body["schema"] as? String == "steward.serve.error/1")
                    #expect((body["error"] as? [String: Any])?["code"] as? String == code, "\(uri)")
                }
            }
        }
    }

    @Test func metricsAreThePrometheusTextOfEveryCheckRun() async throws {
        try await withApp(try fixture()) { client in
            try await client.execute(uri: "/metrics", method: .get) { response in
                #expect(response.status == .ok)
                #expect(response.headers[.contentType] == "text/plain; version=0.0.4; charset=utf-8")
                let text = String(buffer: response.body)
                #expect(text.contains("# TYPE steward_check_up gauge"))
                #expect(text.contains(#"steward_check_up{id="api health",kind="http"} 0.0"#))
                #expect(text.contains(#"steward_check_up{id="disk /",kind="tcp"} 1.0"#))
                #expect(text.contains(#"steward_check_latency_seconds{id="api health",kind="http"} 0.029"#))
            }
        }
    }
}
