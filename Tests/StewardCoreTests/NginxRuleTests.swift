import Testing
@testable import StewardCore

@Suite("nginx and ngrok rules")
struct NginxRuleTests {
    static let site = "/etc/nginx/sites-enabled/calb"

    /// nginx with one valid site whose `location /` proxies to `proxyPass` with `headers`.
    static func nginx(proxyPass: String?, headers: [String] = ["Host", "X-Forwarded-Proto", "X-Forwarded-For"],
                      valid: Bool = true, testOutput: String = "") -> NginxFacts {
        NginxFacts(configValid: valid, testOutput: testOutput, sites: [
            NginxSite(file: site, serverNames: ["calb.example.com"], listen: ["443 ssl"], locations: [
                NginxLocation(path: "/", proxyPass: proxyPass, proxySetHeaders: headers, line: 12),
            ]),
        ])
    }

    static func withNginx(_ nginx: NginxFacts) -> Facts { n1Facts().changing { $0.nginx = nginx } }

    // MARK: nginx.config-invalid

    @Test func invalidConfigIsCritical() {
        let output = """
            nginx: [emerg] unknown directive "proxy_pas" in /etc/nginx/sites-enabled/calb:12

            nginx: configuration file /etc/nginx/nginx.conf test failed
            """
        let result = findings("nginx.config-invalid", Self.withNginx(Self.nginx(proxyPass: nil, valid: false, testOutput: output)))
        #expect(result.map { RuleSubject($0) } == [RuleSubject("nginx.config-invalid", "nginx", .critical)])
        #expect(result.first?.evidence == [
            "nginx: [emerg] unknown directive \"proxy_pas\" in /etc/nginx/sites-enabled/calb:12",
            "nginx: configuration file /etc/nginx/nginx.conf test failed",
        ])
    }

    @Test func validConfigOrNoNginxIsSilent() {
        #expect(findings("nginx.config-invalid", Self.withNginx(Self.nginx(proxyPass: "http://127.0.0.1:8511"))).isEmpty)
        #expect(findings("nginx.config-invalid", n1Facts()).isEmpty)
    }

    // MARK: nginx.upstream-mismatch

    @Test func proxyToAPortNothingListensOnIsCritical() {
        let result = findings("nginx.upstream-mismatch", Self.withNginx(Self.nginx(proxyPass: "http://127.0.0.1:8501/")))
        #expect(result.map { RuleSubject($0) } == [RuleSubject("nginx.upstream-mismatch", "\(Self.site):12", .critical)])
        #expect(result.first?.summary == "nginx proxies / to port 8501, where nothing listens")
        // The app that does listen is named, so the fix is obvious.
        #expect(result.first?.evidence.last?.hasPrefix("apps listening: calb-sizingtool@prod on 8511") == true)
    }

    @Test("nginx.upstream-mismatch: silent when the upstream listens or is not a host:port",
          arguments: ["http://127.0.0.1:8511", "http://localhost:8511/app/", "http://calb_backend", "http://unix:/run/app.sock"])
    func upstreamFine(proxyPass: String) {
        #expect(findings("nginx.upstream-mismatch", Self.withNginx(Self.nginx(proxyPass: proxyPass))).isEmpty)
    }

    @Test func upstreamMismatchNeedsTheSocketTable() {
        let facts = Self.withNginx(Self.nginx(proxyPass: "http://127.0.0.1:8501")).changing { $0.sockets = nil }
        #expect(findings("nginx.upstream-mismatch", facts).isEmpty)
    }

    // MARK: nginx.missing-forwarded-headers

    @Test("nginx.missing-forwarded-headers: Host and X-Forwarded-Proto are required", arguments: [
        ([], true), (["Host"], true), (["X-Forwarded-Proto"], true), (["Host", "X-Forwarded-Proto"], false),
        (["host", "x-forwarded-proto"], false), (["Host", "X-Forwarded-Proto", "X-Forwarded-For"], false),
    ] as [([String], Bool)])
    func forwardedHeaders(headers: [String], fires: Bool) {
        let result = findings("nginx.missing-forwarded-headers", Self.withNginx(Self.nginx(proxyPass: "http://127.0.0.1:8511", headers: headers)))
        #expect(result.map { RuleSubject($0) } == (fires ? [RuleSubject("nginx.missing-forwarded-headers", "\(Self.site):12", .warning)] : []))
    }

    @Test func missingHeadersFixNamesEachHeader() {
        let result = findings("nginx.missing-forwarded-headers", Self.withNginx(Self.nginx(proxyPass: "http://127.0.0.1:8511", headers: [])))
        let fix = result.first?.fix ?? ""
        #expect(fix.contains("`proxy_set_header Host $host;`"))
        #expect(fix.contains("`proxy_set_header X-Forwarded-Proto $scheme;`"))
        #expect(fix.contains("`proxy_set_header X-Forwarded-For $proxy_add_x_forwarded_for;`"))
    }

    @Test func locationsWithoutProxyPassNeedNoHeaders() {
        #expect(findings("nginx.missing-forwarded-headers", Self.withNginx(Self.nginx(proxyPass: nil, headers: []))).isEmpty)
    }

    // MARK: ngrok.config-invalid

    @Test func ngrokRegionProblemOnN1IsCritical() {
        let result = findings("ngrok.config-invalid", n1Facts())
        #expect(result.map { RuleSubject($0) } == [RuleSubject("ngrok.config-invalid", N1.ngrokConfig, .critical)])
        #expect(result.first?.evidence.last == "used by \(N1.ngrokUnit), \(N1.ngrokTestUnit)")
        let fix = result.first?.fix ?? ""
        #expect(fix.contains("remove the top-level `region:`"))
        #expect(fix.contains("--none"))
        #expect(fix.contains("systemctl restart \(N1.ngrokUnit)"))
    }

    @Test func validNgrokConfigIsSilent() {
        let facts = n1Facts().changing {
            $0.ngrok = [NgrokFacts(path: N1.ngrokConfig, units: [N1.ngrokUnit], version: "3", tunnelNames: ["app"],
                                   tunnelPorts: [8511], startsAll: true, problems: [])]
        }
        #expect(findings("ngrok.config-invalid", facts).isEmpty)
        #expect(findings("ngrok.config-invalid", Facts()).isEmpty)
    }
}
