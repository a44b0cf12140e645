import Foundation
import Testing
@testable import StewardCore

/// Behaviour fixed after review: each test names the case that used to go wrong.
@Suite struct ReviewRegressionTests {
    @Test func includedProxyParamsCountAsHeaders() throws {
        let site = "server { server_name a; location / { include proxy_params; proxy_pass http://127.0.0.1:8000; } }"
        let params = "proxy_set_header Host $http_host;\nproxy_set_header X-Forwarded-Proto $scheme;\n"
        let parsed = NginxConfigParser.parse(site, file: "/etc/nginx/sites-enabled/a") { $0 == "/etc/nginx/proxy_params" ? params : nil }
        let location = try #require(parsed.first?.locations.first)
        #expect(location.proxySetHeaders == ["Host", "X-Forwarded-Proto"])
        let facts = Facts(nginx: NginxFacts(configValid: true, sites: parsed))
        #expect(RuleCatalog.rule("nginx.missing-forwarded-headers")!.evaluate(AuditContext(facts: facts)).isEmpty)
    }

    @Test func remoteUpstreamsAreNotJudgedByLocalSockets() {
        let site = NginxSite(file: "/etc/nginx/sites-enabled/a", serverNames: ["a"], listen: ["80"], locations: [
            NginxLocation(path: "/", proxyPass: "http://10.0.0.5:8000", proxySetHeaders: ["Host", "X-Forwarded-Proto"], line: 3),
            NginxLocation(path: "/local", proxyPass: "http://localhost:8001", proxySetHeaders: ["Host", "X-Forwarded-Proto"], line: 7),
        ])
        let facts = Facts(sockets: [], nginx: NginxFacts(configValid: true, sites: [site]))
        let found = RuleCatalog.rule("nginx.upstream-mismatch")!.evaluate(AuditContext(facts: facts))
        #expect(found.map(\.subject) == ["/etc/nginx/sites-enabled/a:7"])
    }

    @Test(arguments: [
        ("GET /api?a=1&token=abcdef123&b=2", "GET /api?a=1&token=***MASKED***&b=2"),
        ("password: hunter22", "password: ***MASKED***"),
        ("Authorization: Bearer eyJhbGciOiJIUzI1NiJ9", "Authorization: Bearer ***MASKED***"),
        ("connect postgres://u:p@ss@db/app failed", "connect postgres://u:***MASKED***@db/app failed"),
        ("DB_PASS=x SECRETKEY=y PRIVATEKEY=z", "DB_PASS=***MASKED*** SECRETKEY=***MASKED*** PRIVATEKEY=***MASKED***"),
        ("Values for the widget with key 'a.b' cannot be set", "Values for the widget with key 'a.b' cannot be set"),
    ])
    func freeTextIsScrubbed(input: String, expected: String) {
        #expect(Redactor.scrub(input) == expected)
    }

    @Test func secretNamesFollowTheIssuesWildcards() {
        for name in ["DB_PASS", "SECRETKEY", "PRIVATEKEY", "API_KEY", "SENTRY_DSN", "AUTH_TOKEN", "--db-password"] {
            #expect(Redactor.isSecretName(name), "\(name)")
        }
        for name in ["PORT", "PWD", "HOST", "DEBUG", "NGROK_CONFIG"] {
            #expect(!Redactor.isSecretName(name), "\(name)")
        }
    }

    @Test func knownSecretsAreMaskedAlsoWhenJSONEscapesThem() {
        let secret = #"pa"ss\word1"#
        let facts = Facts(envFiles: [EnvFileFacts(path: "/e", exists: true, keys: ["DB_PASSWORD"], values: ["DB_PASSWORD": Secret(secret)])])
        let json = JSONRenderer.render(["sample": "login failed with \(secret)"])
        let masked = Redactor.maskKnown(Redactor.knownSecrets(in: facts), in: json)
        #expect(!masked.contains("word1"))
        #expect(masked.contains(Secret.mask))
    }

    @Test func unknownProbeWithoutFindingsExitsThree() {
        let facts = Facts()
        let ctx = AuditContext(facts: facts)
        let unknown = AuditReport(facts: facts, context: ctx, findings: [], probes: [ProbeReport(name: "systemd", status: .unknown, reason: "no systemd")],
                                  generatedAt: "t", durationMs: 1)
        #expect(unknown.exitCode == 3)
        let fine = AuditReport(facts: facts, context: ctx, findings: [], probes: [ProbeReport(name: "systemd", status: .ok)], generatedAt: "t", durationMs: 1)
        #expect(fine.exitCode == 0)
    }

    @Test func absurdDurationsAreRejectedNotOverflowed() {
        #expect(TimeWindow.parseHours("9223372036854775807m") == nil)
        #expect(TimeWindow.parseHours("5000w") == nil)
        #expect(TimeWindow.parseHours("52w") == 52 * 7 * 24)
    }

    @Test func nonFiniteProcValuesDoNotTrap() {
        #expect(ProcParsers.uptime("nan 0") == 0)
        #expect(ProcParsers.uptime("inf 0") == 0)
        #expect(ProcParsers.loadavg("nan 0.5 inf 1/2 3") == [0.5])
        #expect(String(format2: .nan) == "?")
        #expect(ProcParsers.meminfo("MemTotal: 99999999999999999 kB\n").totalBytes == 0)
    }

    @Test func envFilesOverrideEnvironmentForThePort() {
        let unit = UnitFacts(name: "app.service", activeState: "active", environmentFiles: [EnvironmentFileRef(path: "/e", optional: false)],
                             environment: ["PORT": Secret("7000")], execStart: ["/opt/app/run"], fragmentPath: "/etc/systemd/system/app.service")
        let facts = Facts(units: [unit], envFiles: [EnvFileFacts(path: "/e", exists: true, keys: ["PORT"], values: ["PORT": Secret("8000")])])
        #expect(Inventory.build(facts: facts, manifest: .empty).instances.first?.port == 8000)
        let onlyEnvironment = Facts(units: [unit])
        #expect(Inventory.build(facts: onlyEnvironment, manifest: .empty).instances.first?.port == 7000)
    }
}
