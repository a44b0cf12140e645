import Foundation
import StewardTestSupport
import Testing

extension IntegrationTests {
    /// Seed 001's mARB 2.0 in the real-systemd sandbox: FastAPI under uvicorn, PostgreSQL, Redis, nginx with TLS.
    /// The tests break one part at a time and put it back, so they run one after another.
    @Suite(.sandbox("marb"), .serialized) struct MarbChecks {
        static let repo = Sandbox.packageRoot.path
        static let checks = repo + "/Tests/Scenarios/marb/checks.yml"
        /// The scenario's test-only passwords: they must never be printed.
        static let secrets = ["marb-db-test-only-5f3a", "marb-redis-test-only-9c1e"]

        func check(_ args: [String] = []) throws -> (Sandbox.Output, [String: [String: Any]]) {
            let out = try SandboxScenario.sandbox().steward(["check", "-f", Self.checks, "--format", "json"] + args)
            let report = try #require(try JSONSerialization.jsonObject(with: Data(out.stdout.utf8)) as? [String: Any], "\(out.stdout)\(out.stderr)")
            let results = try #require(report["results"] as? [[String: Any]])
            for secret in Self.secrets { #expect(!out.stdout.contains(secret) && !out.stderr.contains(secret)) }
            return (out, Dictionary(uniqueKeysWithValues: results.map { ($0["id"] as? String ?? "?", $0) }))
        }

        func ctl(_ action: String...) throws {
            let r = try SandboxScenario.sandbox().exec(["bash", Self.repo + "/Tests/Scenarios/marb/ctl.sh"] + action)
            try #require(r.status == 0, "ctl \(action): \(r.stderr)")
        }

        func failing(_ results: [String: [String: Any]]) -> [String: String] {
            results.filter { ($0.value["status"] as? String) != "pass" }
                .mapValues { "\($0["status"] as? String ?? "?") \($0["severity"] as? String ?? "?")" }
        }

        @Test func allChecksPassWhenHealthy() throws {
            let (out, results) = try check()
            #expect(out.status == 0, "\(failing(results))")
            #expect(results.count == 21)
            #expect(failing(results).isEmpty)
        }

        @Test func stoppingPostgresFailsTheDatabaseAndHealthChecksClearly() throws {
            try ctl("stop-postgres")
            defer { try? ctl("start-postgres") }
            let (out, results) = try check()
            #expect(out.status == 2)
            #expect(failing(results) == [
                "service:postgresql@15-main.service": "fail critical", "port:127.0.0.1:5432": "fail critical", "tcp:127.0.0.1:5432": "fail critical",
                "database": "fail critical", "claims table": "fail critical", "api health": "fail critical", "api through nginx": "fail critical",
            ])
            #expect((results["database"]?["message"] as? String) == "cannot connect to PostgreSQL at 127.0.0.1:5432: connection refused")
            let health = results["api health"]?["message"] as? String ?? ""
            #expect(health.contains("answered 503") && health.contains("database is \"disconnected: connection refused\", not \"connected\""))
        }

        @Test func stoppingRedisFailsTheQueueAndHealthChecks() throws {
            try ctl("stop-redis")
            defer { try? ctl("start-redis") }
            let (out, results) = try check()
            #expect(out.status == 2)
            #expect(Set(failing(results).keys) == ["service:redis-server.service", "port:127.0.0.1:6379", "queue", "api health", "api through nginx"])
            #expect((results["queue"]?["message"] as? String)?.contains("Connection refused") == true)
            #expect((results["api health"]?["message"] as? String)?.contains("redis is \"disconnected") == true)
        }

        @Test func aQueueBacklogOverTheLimitFailsRedisLength() throws {
            try ctl("backlog", "200")
            defer { try? ctl("clear-backlog") }
            let (out, results) = try check()
            #expect(out.status == 1)
            #expect(failing(results) == ["queue": "fail warning"])
            #expect(results["queue"]?["message"] as? String == "queue celery holds 205 items (backlog)")
        }

        @Test func aWrongUpstreamIsA502ThatTheHTTPCheckReports() throws {
            try ctl("nginx-upstream", "8001")
            defer { try? ctl("nginx-upstream", "8000") }
            let (_, results) = try check()
            #expect(failing(results) == ["api through nginx": "fail critical"])
            #expect((results["api through nginx"]?["found"] as? String)?.contains("HTTP 502") == true)
            #expect((results["api through nginx"]?["message"] as? String)?.contains("could not reach its upstream") == true)
        }

        @Test func aCertificateExpiringInFiveDaysWarnsAndAnExpiredOneIsCritical() throws {
            defer { try? ctl("cert", "valid") }
            try ctl("cert", "expiring")
            let (soonOut, soon) = try check()
            #expect(failing(soon) == ["certificate": "fail warning"])
            #expect(soonOut.status == 1)
            #expect((soon["certificate"]?["found"] as? String)?.hasPrefix("expires in 5 day") == true)
            try ctl("cert", "expired")
            let (expiredOut, expired) = try check()
            #expect(failing(expired) == ["certificate": "fail critical"])
            #expect(expiredOut.status == 2)
            #expect((expired["certificate"]?["found"] as? String)?.hasPrefix("expired") == true)
        }

        @Test func anUnreachableHostIsUnknownNotACrash() throws {
            let sandbox = try SandboxScenario.sandbox()
            let file = sandbox.state + "/share/unreachable.yml"
            // `.invalid` never resolves (RFC 2606), and the sandbox's network namespace has no route anywhere.
            try """
                checks:
                  - tcp: {host: unreachable.invalid, port: 5432}
                  - redis: {host: unreachable.invalid, port: 6379}
                  - tls: {host: unreachable.invalid, port: 443}
                  - http: {url: "http://unreachable.invalid:8000/health"}
                    timeout: 1s
                """.write(toFile: file, atomically: true, encoding: .utf8)
            let out = try sandbox.steward(["check", "-f", file, "--format", "json"])
            #expect(out.status == 3, "\(out.stdout)\(out.stderr)")
            let report = try #require(try JSONSerialization.jsonObject(with: Data(out.stdout.utf8)) as? [String: Any])
            let statuses = (report["results"] as? [[String: Any]] ?? []).map { $0["status"] as? String }
            #expect(statuses == ["unknown", "unknown", "unknown", "unknown"])
        }

        @Test func presetsOfADeclaredAppRunWithFewLinesOfManifest() throws {
            let sandbox = try SandboxScenario.sandbox()
            let manifest = sandbox.state + "/share/steward.yml"
            try """
                apps:
                  marb:
                    kind: fastapi
                    health: /api/v1/health
                    instances:
                      prod: {bind: 127.0.0.1}
                """.write(toFile: manifest, atomically: true, encoding: .utf8)
            let out = try sandbox.steward(["check", "marb@prod", "--manifest", manifest, "--format", "json"])
            let report = try #require(try JSONSerialization.jsonObject(with: Data(out.stdout.utf8)) as? [String: Any], "\(out.stderr)")
            let results = report["results"] as? [[String: Any]] ?? []
            let ids = results.compactMap { $0["id"] as? String }
            let cert = "tls:marb@prod:/etc/nginx/ssl/marb.example.org.crt"
            #expect(ids == ["service:marb@prod", "port:marb@prod", "http:marb@prod/api/v1/health", cert, "postgres:marb@prod", "redis:marb@prod"])
            // prod is production and nginx serves it with a self-signed certificate: flagged, as a warning.
            let failing = results.filter { $0["status"] as? String != "pass" }
            #expect(failing.map { $0["id"] as? String } == [cert])
            #expect(failing.first?["severity"] as? String == "warning" && failing.first?["found"] as? String == "self-signed")
            #expect(out.status == 1)
            for secret in Self.secrets { #expect(!out.stdout.contains(secret)) }
        }

        @Test func suggestPrintsChecksThatParseAndPass() throws {
            let sandbox = try SandboxScenario.sandbox()
            let out = try sandbox.steward(["check", "--suggest"])
            #expect(out.status == 0, "\(out.stderr)")
            #expect(out.stdout.contains("service: {unit: marb@prod.service, active: true, enabled: true, user: marb}"))
            let file = sandbox.state + "/share/suggested.yml"
            try out.stdout.write(toFile: file, atomically: true, encoding: .utf8)
            let run = try sandbox.steward(["check", "-f", file])
            #expect(run.status == 0, "\(run.stdout)\(run.stderr)")
        }

        @Test func goldensForEveryFormat() throws {
            let sandbox = try SandboxScenario.sandbox()
            for (format, name) in [("text", "marb-checks.txt"), ("json", "marb-checks.json"), ("junit", "marb-checks.junit.xml"),
                                   ("nagios", "marb-checks.nagios.txt"), ("prometheus", "marb-checks.prom")] {
                let out = try sandbox.steward(["check", "-f", Self.checks, "--format", format, "--parallel", "1"])
                #expect(out.status == 0, "\(format): \(out.stdout)")
                try Golden.assertMatches(Normalize.checkOutput(out.stdout), name)
            }
        }
    }
}

extension Normalize {
    /// Masks timings, timestamps, load and memory figures in `steward check` output.
    static func checkOutput(_ s: String) -> String {
        var out = s
        let rules: [(String, String)] = [
            (#"\d+(\.\d+)? (ms|s)\b"#, "<t>"),
            (#""durationMs" : [0-9.e+-]+"#, #""durationMs" : 0"#),
            (#"time="[0-9.e+-]+""#, #"time="0""#),
            (#"'=[0-9.]+ms"#, "'=0ms"),
            (#"(duration_seconds\{[^}]*\}|duration_seconds) [0-9.e+-]+"#, "$1 0"),
            (#"\d{4}-\d\d-\d\dT\d\d:\d\d:\d\dZ"#, "<time>"),
            (#"\d+% used, [0-9.]+ (B|KiB|MiB|GiB|TiB) (free|available)"#, "<usage>"),
            (#"[0-9.]+ on \d+ CPU \([0-9.]+ per CPU\)"#, "<load>"),
            (#"expires in \d+ day\(s\)"#, "expires in <n> day(s)"),
            (#" +<t>"#, " <t>"),  // durations are right-aligned: their width varies
        ]
        for (pattern, template) in rules {
            guard let re = try? NSRegularExpression(pattern: pattern) else { continue }
            out = re.stringByReplacingMatches(in: out, range: NSRange(out.startIndex..., in: out), withTemplate: template)
        }
        return out
    }
}
