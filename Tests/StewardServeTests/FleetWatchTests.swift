import Foundation
import Hummingbird
import HummingbirdTesting
import Logging
import StewardCore
import StewardOps
@testable import StewardServe
import StewardSystem
import Synchronization
import Testing

/// The daemon's watch over other hosts (`serve.fleet`) over a scripted transport: one round asks every host for its
/// own checks, a host that answers is judged by them, one that refuses or cannot be reached is unknown with the
/// reason, every result goes into the history under `fleet:HOST/CHECK`, and the API and the dashboard show it. The
/// real sshd and agents: FleetSandboxTests.
@Suite struct FleetWatchTests {
    static let now = Date(timeIntervalSince1970: 1_764_633_600)

    /// Answers `check` sessions from a script by host; records the requests.
    final class ScriptedHosts: AgentTransport, @unchecked Sendable {
        let lock = NSLock()
        var requests: [String: String] = [:]
        let answers: [String: Result<String, HostProblem>]
        init(_ answers: [String: Result<String, HostProblem>]) { self.answers = answers }
        func prepare(_ host: FleetHost) async -> Result<HostPreparation, HostProblem> { .success(.reused) }
        func call(_ host: FleetHost, request: Data, timeout: Duration) async -> Result<String, HostProblem> {
            lock.withLock { requests[host.name] = String(decoding: request, as: UTF8.self) }
            return answers[host.name] ?? .failure(HostProblem("no script"))
        }
    }

    static func report(_ results: [CheckResult]) -> String {
        let json = String(decoding: try! JSONEncoder.stewardLine.encode(CheckReport(host: "x", generatedAt: "2025-12-02T00:00:00Z", results: results, durationMs: 12)),
                          as: UTF8.self)
        return #"{"type":"result","exit_code":2,"result":"# + json + "}\n"
    }

    static let hosts = ["web1", "web2", "db1", "db2"].map { FleetHost(name: $0, destination: "root@\($0)") }
    static let transport = ScriptedHosts([
        "web1": .success(report([
            CheckResult(id: "hello health", kind: "http", status: .pass, expected: "200", found: "200", durationMs: 4.5),
            CheckResult(id: "service:hello@prod.service", kind: "service", status: .fail, severity: .critical, expected: "running",
                        found: "failed", message: "hello@prod.service is failed", durationMs: 20),
        ])),
        "web2": .success(report([CheckResult(id: "hello health", kind: "http", status: .pass, expected: "200", found: "200", durationMs: 3)])),
        "db1": .success(#"{"type":"error","error":{"code":"invalid_config","message":"manifest: line 3: unknown key","exit_code":3,"details":[]}}"# + "\n"),
        "db2": .failure(HostProblem("db2 (root@db2): ssh failed (exit 255): Connection refused")),
    ])

    @Test func aRoundJudgesEveryHostByItsOwnChecksAndRecordsThemUnderTheHost() async throws {
        let view = FleetView(Self.hosts)
        #expect(view.snapshot().map(\.state) == ["unknown", "unknown", "unknown", "unknown"])
        #expect(view.snapshot().first?.reason == "not polled yet")
        let recorded = Mutex<[CheckSample]>([])
        var log = Logger(label: "test")
        log.logLevel = .critical
        let watch = FleetWatch(hosts: Self.hosts, interval: .seconds(60), transport: Self.transport, view: view, logger: log) { samples in
            recorded.withLock { $0 += samples }
        }
        let views = await watch.once(now: Self.now)
        #expect(views.map(\.state) == ["critical", "ok", "unknown", "unknown"])
        #expect(view.snapshot() == views)
        #expect(views[0].checks.map(\.key) == ["hello health", "service:hello@prod.service"])
        #expect(views[0].checks[1].message == "hello@prod.service is failed" && views[0].checks[0].message == "")
        #expect(views[2].reason == "manifest: line 3: unknown key")
        #expect(views[3].reason == "db2 (root@db2): ssh failed (exit 255): Connection refused")
        #expect(recorded.withLock { $0 } == [
            CheckSample(check: "fleet:web1/hello health", at: Self.now, status: .pass, latencyMs: 4.5),
            CheckSample(check: "fleet:web1/service:hello@prod.service", at: Self.now, status: .fail, latencyMs: 20),
            CheckSample(check: "fleet:web2/hello health", at: Self.now, status: .pass, latencyMs: 3),
        ])
        // Each host runs its own manifest's checks, on behalf of the daemon.
        let request = Self.transport.lock.withLock { Self.transport.requests["web1"] } ?? ""
        #expect(request.contains(#""operation":"check""#) && request.contains(#""operator":"serve""#) && !request.contains("manifest"), "\(request)")
        // ... as a request the host's check operation takes (what the agent decodes there).
        let envelope = try AgentProtocol.parse(Data(request.utf8))
        let decoded = try JSONDecoder.steward.decode(CheckOperation.Request.self, from: JSONEncoder.stewardLine.encode(envelope.request))
        #expect(decoded.parallel == 8 && decoded.target == nil)
    }

    @Test func theAPIAndTheDashboardShowEveryWatchedHost() async throws {
        let directory = FileManager.default.temporaryDirectory.appendingPathComponent("fleet-watch-\(UUID().uuidString.prefix(8))")
        defer { try? FileManager.default.removeItem(at: directory) }
        let store = try HistoryStore(path: directory.appendingPathComponent("history.db").path)
        let tokens = directory.appendingPathComponent("tokens").path
        let token = "stw_reader-token-for-the-fleet-tests"
        try TokenFileIO.write([TokenEntry(name: "reader", scopes: [.read], sha256: TokenSecret.digestHex(token), created: Self.now)], to: tokens)
        let view = FleetView(Self.hosts)
        let history = HistoryAccess(store: store)
        var log = Logger(label: "test")
        log.logLevel = .critical
        let watch = FleetWatch(hosts: Self.hosts, interval: .seconds(60), transport: Self.transport, view: view, logger: log) { samples in
            try? store.record(samples)
        }
        await watch.once(now: Self.now.addingTimeInterval(-60))
        await watch.once(now: Self.now)
        var state = ServeRouteState(live: LiveState(checks: []), metrics: CheckMetrics(), history: history, tokens: TokenStore(path: tokens),
                                    alive: { true }, now: { Self.now })
        state.fleet = view
        let app = Application(router: ServeRoutes.router(state), logger: log)
        let headers: HTTPFields = [.authorization: "Bearer \(token)"]
        try await app.test(.router) { client in
            try await client.execute(uri: "/api/v1/hosts", method: .get, headers: headers) { response in
                #expect(response.status == .ok)
                let body = try #require(try JSONSerialization.jsonObject(with: Data(String(buffer: response.body).utf8)) as? [String: Any])
                #expect(body["schema"] as? String == "steward.serve.hosts/1")
                let hosts = try #require(body["hosts"] as? [[String: Any]])
                #expect(hosts.map { $0["name"] as? String } == ["web1", "web2", "db1", "db2"])
                #expect(hosts.map { $0["state"] as? String } == ["critical", "ok", "unknown", "unknown"])
                let checks = try #require(hosts.first?["checks"] as? [[String: Any]])
                #expect(checks.last?["key"] as? String == "fleet:web1/service:hello@prod.service")
                #expect(checks.last?["message"] as? String == "hello@prod.service is failed")
                #expect(hosts.last?["reason"] as? String == "db2 (root@db2): ssh failed (exit 255): Connection refused")
            }
            // A watched host's check over time, from this daemon's history.
            try await client.execute(uri: "/api/v1/hosts/web1/checks/service%3Ahello%40prod.service/history?step=raw&from=1764633000&to=1764633601",
                                     method: .get, headers: headers) { response in
                #expect(response.status == .ok, "\(String(buffer: response.body))")
                let body = try #require(try JSONSerialization.jsonObject(with: Data(String(buffer: response.body).utf8)) as? [String: Any])
                #expect(body["key"] as? String == "fleet:web1/service:hello@prod.service")
                #expect((body["points"] as? [[String: Any]])?.map { $0["failures"] as? Int } == [1, 1])
            }
            try await client.execute(uri: "/api/v1/hosts/web9/checks/x/history", method: .get, headers: headers) { response in
                #expect(response.status == .notFound)
            }
            try await client.execute(uri: "/api/v1/hosts/db2/checks/hello%20health/history", method: .get, headers: headers) { response in
                #expect(response.status == .notFound)
            }
        }
        await history.shutdown()
        let page = DashboardTemplates.render("overview", DashboardViews.OverviewPage(
            chrome: DashboardViews.Chrome(title: "Overview", loggedIn: true, user: "reader", canOperate: false, csrf: "c", generatedAt: "now"), instances: [], hosts: view.snapshot().map(DashboardViews.Host.init)))
        #expect(page.contains("<h1>Other hosts</h1>") && page.contains(#"<section class="host critical" data-host="web1" data-state="critical">"#), "\(page)")
        #expect(page.contains(#"<tr class="check fail" data-check-key="fleet:web1/service:hello@prod.service" data-state="fail">"#))
        #expect(page.contains(#"<span data-role="reason">db2 (root@db2): ssh failed (exit 255): Connection refused</span>"#))
    }
}
