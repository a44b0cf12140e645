import Foundation
import Testing
@testable import StewardCore

@Suite struct CheckEvaluatorTests {
    let unit = UnitFacts(name: "marb@prod.service", activeState: "active", subState: "running", unitFileState: "enabled",
                         mainPID: 10, nRestarts: 4, user: "marb")

    @Test func serviceActiveEnabledRestartsUser() {
        #expect(LocalEvaluators.service(ServiceExpectation(unit: "marb@prod.service", active: true, enabled: true), unit).status == .pass)
        let restarts = LocalEvaluators.service(ServiceExpectation(unit: "marb@prod.service", maxRestarts: 3), unit)
        #expect(restarts.status == .fail && restarts.severity == .warning && restarts.found == "4")
        var stopped = unit
        stopped.activeState = "failed"
        stopped.subState = "failed"
        let down = LocalEvaluators.service(ServiceExpectation(unit: "marb@prod.service", active: true, user: "root"), stopped)
        #expect(down.status == .fail && down.severity == .critical)
        #expect(down.expected == "active, user root" && down.found == "failed (failed), marb")
        #expect(LocalEvaluators.service(ServiceExpectation(unit: "nope.service"), nil).status == .fail)
    }

    @Test func portAddressAndOwner() {
        let sockets = [ListeningSocket(proto: .tcp, address: "0.0.0.0", port: 8000, pid: 10, process: "uvicorn", unit: "marb@prod.service")]
        #expect(LocalEvaluators.port(PortExpectation(port: 8000, ownerUnit: "marb@prod.service", ownerProcess: "uvicorn"), sockets).status == .pass)
        let wrongAddress = LocalEvaluators.port(PortExpectation(port: 8000, address: "127.0.0.1"), sockets)
        #expect(wrongAddress.status == .fail && wrongAddress.found == "0.0.0.0:8000")
        #expect(LocalEvaluators.port(PortExpectation(port: 9000), sockets).found == "nothing listening")
        #expect(LocalEvaluators.port(PortExpectation(port: 9000, listening: false), sockets).status == .pass)
        #expect(LocalEvaluators.port(PortExpectation(port: 8000, udp: true), sockets).status == .fail)
    }

    @Test func fileNeverQuotesContent() {
        let o = LocalEvaluators.FileObservation(exists: true, mode: 0o644, owner: "root", group: "root", content: "SECRET_KEY=s3cr3t\n")
        let v = LocalEvaluators.file(FileExpectation(path: "/etc/a.env", mode: 0o600, contains: ["DEBUG="]), o)
        #expect(v.status == .fail)
        #expect(v.found == "0644, not found")
        #expect(!"\(v)".contains("s3cr3t"))
        #expect(LocalEvaluators.file(FileExpectation(path: "/x", exists: false), .init(exists: false)).status == .pass)
    }

    @Test func httpStatusJsonBodyLatency() {
        let e = HTTPExpectation(url: "https://127.0.0.1/api/v1/health", json: ["status": "healthy", "database": "connected", "meta.version": "2"],
                                maxLatencyMs: 100)
        let healthy = #"{"status":"healthy","database":"connected","redis":"connected","meta":{"version":2}}"#
        #expect(NetworkEvaluators.http(e, .init(status: 200, body: healthy, latencyMs: 12)).status == .pass)
        let sick = #"{"status":"unhealthy","database":"disconnected: connection refused","meta":{"version":2}}"#
        let v = NetworkEvaluators.http(e, .init(status: 503, body: sick, latencyMs: 250))
        #expect(v.status == .fail && v.severity == .critical)
        #expect(v.message.contains("answered 503"))
        #expect(v.message.contains("database is \"disconnected: connection refused\", not \"connected\""))
        #expect(v.message.contains("slow: 250 ms"))
        let gateway = NetworkEvaluators.http(HTTPExpectation(url: "http://x/"), .init(status: 502, body: "<html>", latencyMs: 1))
        #expect(gateway.message.contains("could not reach its upstream"))
    }

    @Test func jsonValuesAreTextAsJSONWritesThem() {
        let body = #"{"a":true,"b":1,"c":1.5,"d":null,"e":[{"f":"x"}],"g":{"h":"i"}}"#
        #expect(NetworkEvaluators.jsonValue(body, path: "a") == "true")
        #expect(NetworkEvaluators.jsonValue(body, path: "b") == "1")
        #expect(NetworkEvaluators.jsonValue(body, path: "c") == "1.5")
        #expect(NetworkEvaluators.jsonValue(body, path: "d") == "null")
        #expect(NetworkEvaluators.jsonValue(body, path: "e.0.f") == "x")
        #expect(NetworkEvaluators.jsonValue(body, path: "g") == #"{"h":"i"}"#)
        #expect(NetworkEvaluators.jsonValue(body, path: "zz") == nil)
    }

    @Test func tlsExpiryNamesAndSelfSigned() {
        let now = Date(timeIntervalSince1970: 1_800_000_000)
        func obs(days: Double, selfSigned: Bool = false, chainError: String? = nil) -> NetworkEvaluators.TLSObservation {
            .init(notAfter: now.addingTimeInterval(days * 86400 + 60), subject: "CN=marb.example.org", names: ["marb.example.org", "*.example.org"],
                  selfSigned: selfSigned, chainError: chainError)
        }
        let e = TLSExpectation(host: "127.0.0.1", serverName: "marb.example.org", warningDays: 14, criticalDays: 3, allowSelfSigned: true)
        #expect(NetworkEvaluators.tls(e, obs(days: 90, selfSigned: true), now: now).status == .pass)
        let soon = NetworkEvaluators.tls(e, obs(days: 5, selfSigned: true), now: now)
        #expect(soon.status == .fail && soon.severity == .warning && soon.found.hasPrefix("expires in 5 day"))
        let expired = NetworkEvaluators.tls(e, obs(days: -2, selfSigned: true), now: now)
        #expect(expired.severity == .critical && expired.found.contains("expired"))
        var strict = e
        strict.allowSelfSigned = false
        #expect(NetworkEvaluators.tls(strict, obs(days: 90, selfSigned: true), now: now).severity == .warning)
        strict.serverName = "other.org"
        #expect(NetworkEvaluators.tls(strict, obs(days: 90), now: now).message.contains("does not cover other.org"))
        #expect(NetworkEvaluators.name("*.example.org", covers: "a.example.org"))
        #expect(!NetworkEvaluators.name("*.example.org", covers: "example.org"))
        #expect(!NetworkEvaluators.name("*.example.org", covers: "a.b.example.org"))
    }

    @Test func redisQueueBacklog() {
        let e = RedisExpectation(maxLength: ["celery": 100])
        #expect(NetworkEvaluators.redis(e, pong: true, lengths: ["celery": 5]).status == .pass)
        let backlog = NetworkEvaluators.redis(e, pong: true, lengths: ["celery": 250])
        #expect(backlog.status == .fail && backlog.severity == .warning && backlog.message == "queue celery holds 250 items (backlog)")
    }

    @Test func combinedVerdictTakesTheWorst() {
        let v = Verdict.all([.pass(expected: "a", found: "a"), .fail(.warning, expected: "b", found: "x", "b bad"), .unknown(expected: "c", "c unknown")])
        #expect(v.status == .fail && v.severity == .warning && v.message == "b bad; c unknown")
    }

    @Test func presetsFollowTheInventoryAndEnvFile() {
        let u = UnitFacts(name: "marb@prod.service", activeState: "active", environmentFiles: [EnvironmentFileRef(path: "/etc/marb/prod.env", optional: false)],
                          execStart: ["/opt/marb/venv/bin/uvicorn", "main:app", "--port", "${PORT}"], fragmentPath: "/etc/systemd/system/marb@.service")
        let env = EnvFileFacts(path: "/etc/marb/prod.env", exists: true, keys: ["PORT", "DATABASE_URL", "REDIS_URL"],
                               values: ["PORT": Secret("8000"), "DATABASE_URL": Secret("postgresql://m:pw@127.0.0.1/m"), "REDIS_URL": Secret("redis://:pw@127.0.0.1:6379/0")])
        let facts = Facts(units: [u], envFiles: [env])
        let manifest = Manifest(apps: [AppSpec(name: "marb", kind: .fastapi, instances: [InstanceSpec(name: "prod", bind: "127.0.0.1")])])
        let specs = Presets.checks(inventory: Inventory.build(facts: facts, manifest: manifest), facts: facts, manifest: manifest)
        #expect(specs.map(\.id) == ["service:marb@prod", "port:marb@prod", "http:marb@prod/health", "postgres:marb@prod", "redis:marb@prod"])
        #expect(specs[2].kind == .http(HTTPExpectation(url: "http://127.0.0.1:8000/health", maxLatencyMs: 2000)))
        #expect(specs[3].kind == .postgres(PostgresExpectation(dsn: SecretRef(file: "/etc/marb/prod.env", key: "DATABASE_URL"))))
        #expect(Presets.checks(inventory: Inventory.build(facts: facts, manifest: .empty), facts: facts, manifest: .empty).isEmpty)

        // nginx serving the instance over TLS adds its certificate.
        let site = NginxConfigParser.parse("""
            server { listen 443 ssl; server_name marb.example.org; ssl_certificate /etc/nginx/ssl/marb.crt;
                     location / { proxy_pass http://127.0.0.1:8000; } }
            """, file: "/etc/nginx/sites-enabled/marb")
        var withNginx = facts
        withNginx.nginx = NginxFacts(configValid: true, sites: site)
        let tls = Presets.checks(inventory: Inventory.build(facts: withNginx, manifest: manifest), facts: withNginx, manifest: manifest)
            .filter { $0.kind.name == "tls" }
        #expect(tls.map(\.kind) == [.tls(TLSExpectation(file: "/etc/nginx/ssl/marb.crt", serverName: "marb.example.org", allowSelfSigned: false))])
    }

    @Test func reportExitCodes() {
        func report(_ results: [CheckResult]) -> CheckReport { CheckReport(host: "h", generatedAt: "t", results: results, durationMs: 1) }
        let pass = CheckResult(id: "a", kind: "tcp", status: .pass, expected: "", found: "")
        let warn = CheckResult(id: "b", kind: "tcp", status: .fail, severity: .warning, expected: "", found: "")
        let crit = CheckResult(id: "c", kind: "tcp", status: .fail, severity: .critical, expected: "", found: "")
        let unknown = CheckResult(id: "d", kind: "tcp", status: .unknown, expected: "", found: "")
        #expect(report([pass]).exitCode == 0)
        #expect(report([pass, unknown]).exitCode == 3)
        #expect(report([warn, unknown]).exitCode == 1)
        #expect(report([warn, crit]).exitCode == 2)
    }
}
