import Foundation
import Testing
@testable import StewardCore
@testable import StewardSystem

/// The nginx probe against the real nginx binary, on configurations written under a fixture root.
@Suite(.enabled(if: FileManager.default.isExecutableFile(atPath: "/usr/sbin/nginx"), "needs nginx (installed by .ci/run)"))
struct NginxProbeTests {
    func tree(site: String) throws -> TempTree {
        let t = try TempTree()
        try t.write("/etc/nginx/nginx.conf", """
            pid \(t.root)/nginx.pid;
            error_log stderr;
            events {}
            http {
                access_log off;
                include \(t.root)/etc/nginx/sites-enabled/*;
            }
            """)
        try t.write("/etc/nginx/sites-enabled/app", site)
        return t
    }

    @Test func validConfigWithSitesAndHeaders() async throws {
        let t = try tree(site: """
            server {
                listen 127.0.0.1:18080;
                server_name app.example.org;
                location / {
                    proxy_set_header Host $host;
                    proxy_pass http://127.0.0.1:8000;
                }
            }
            """)
        let facts = try await ProxyProbe.nginx(ProbeContext(files: HostFiles(root: t.root)))
        #expect(facts.configValid, "nginx -t said: \(facts.testOutput)")
        #expect(facts.sites.map(\.serverNames) == [["app.example.org"]])
        #expect(facts.sites[0].locations[0].upstream?.port == 8000)
        #expect(facts.sites[0].locations[0].proxySetHeaders == ["Host"])
    }

    @Test func invalidConfigIsReportedWithNginxsOwnMessage() async throws {
        let t = try tree(site: "server { listen 127.0.0.1:18081; location / { proxy_pass http://127.0.0.1:8000 } }\n")
        let facts = try await ProxyProbe.nginx(ProbeContext(files: HostFiles(root: t.root)))
        #expect(!facts.configValid)
        #expect(facts.testOutput.contains("emerg"))
        let findings = RuleCatalog.rule("nginx.config-invalid")!.evaluate(AuditContext(facts: Facts(nginx: facts)))
        #expect(findings.map(\.severity) == [.critical])
    }

    @Test func absentNginxIsSkippedNotUnknown() async throws {
        let t = try TempTree()
        await #expect(throws: ProbeSkipped.self) { try await ProxyProbe.nginx(ProbeContext(files: HostFiles(root: t.root))) }
    }
}
