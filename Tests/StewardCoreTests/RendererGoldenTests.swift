import Foundation
import Testing
import StewardTestSupport
@testable import StewardCore

/// A FastAPI app behind nginx, with the problems seeds 001 and 004 describe: a fixed, fully known report.
enum GoldenFixture {
    /// The report's own time (generatedAt), against which certificate expiry is judged.
    static let observedAt = Date(timeIntervalSince1970: 1_767_323_045)

    static func facts() -> Facts {
        let unit = UnitFacts(
            name: "marb@prod.service", activeState: "active", subState: "running", unitFileState: "enabled", mainPID: 812,
            nRestarts: 2, user: "", group: "", workingDirectory: "/srv/marb", environmentFiles: [.init(path: "/etc/marb/prod.env", optional: false)],
            environment: ["API_TOKEN": Secret("tok-CANARY-1")],
            execStart: ["/srv/marb/.venv/bin/uvicorn", "app.main:app", "--host", "0.0.0.0", "--port", "${PORT}"], restart: "always",
            standardOutput: "journal", standardError: "inherit", fragmentPath: "/etc/systemd/system/marb@.service", executableExists: true,
            after: ["network.target", "basic.target"], noNewPrivileges: "no", protectSystem: "no", privateTmp: "no")
        let env = EnvFileFacts(path: "/etc/marb/prod.env", exists: true, owner: "root", group: "root", mode: 0o644,
                               keys: ["PORT", "DATABASE_URL", "DEBUG"],
                               values: ["PORT": Secret("8000"), "DATABASE_URL": Secret("postgresql://marb:changeme@localhost/marb"), "DEBUG": Secret("true")])
        let host = HostFacts(hostname: "marb-1", kernel: "Linux 6.1.0", architecture: "x86_64", uptimeSeconds: 90_000, load: [0.5, 0.25, 0.1],
                             cpuCount: 2, memory: MemoryFacts(totalBytes: 2 << 30, availableBytes: 1 << 30, swapTotalBytes: 0, swapFreeBytes: 0),
                             filesystems: [FilesystemFacts(mountPoint: "/", device: "/dev/sda1", fsType: "ext4", sizeBytes: 20 << 30, usedBytes: 19 << 30,
                                                           availableBytes: 1 << 30, holds: ["/", "/srv/marb"])],
                             topProcesses: [ProcessFacts(pid: 812, user: "root", command: "/srv/marb/.venv/bin/uvicorn app.main:app", cpuPercent: 3.5, rssBytes: 120 << 20)])
        let dir = AppDirFacts(path: "/srv/marb", exists: true, owner: "deploy", group: "deploy", mode: 0o775,
                              venv: VenvFacts(path: "/srv/marb/.venv", pythonVersion: "3.10.12", home: "/usr/bin", homeInterpreterExists: true, pythonExists: true),
                              git: GitFacts(branch: "main", tag: nil, commit: "0123456789abcdef", modified: ["app/config.py"], untracked: []))
        let nginx = NginxFacts(configValid: true, sites: [NginxSite(file: "/etc/nginx/sites-enabled/marb", serverNames: ["marb.example.org"], listen: ["443 ssl"],
                                                                    locations: [NginxLocation(path: "/", proxyPass: "http://127.0.0.1:8001", proxySetHeaders: ["Host"], line: 12)])])
        return Facts(
            host: host, units: [unit],
            unitLogs: [UnitLogFacts(unit: "marb@prod.service", lines: 40, errorLines: 3, tracebacks: 2, exceptionTypes: ["OperationalError": 2],
                                    starts: 3, stops: 2, samples: ["sqlalchemy.exc.OperationalError: connection refused"])],
            hostLogs: HostLogFacts(oomKills: 1, oomVictims: ["celery (pid 901)"], sshFailedPasswords: 2, sshSources: ["198.51.100.4": 2]),
            sockets: [ListeningSocket(proto: .tcp, address: "0.0.0.0", port: 8000, pid: 812, process: "uvicorn", unit: "marb@prod.service")],
            envFiles: [env], appDirs: [dir], nginx: nginx, ngrok: [], systemPythonVersion: "3.11", windowHours: 24,
            tls: TLSFacts(certificates: [CertificateFacts(
                path: "/etc/letsencrypt/live/marb.example.org/fullchain.pem", site: "/etc/nginx/sites-enabled/marb", serverNames: ["marb.example.org"],
                notAfter: observedAt.addingTimeInterval(10 * 86400), names: ["marb.example.org"], subject: "CN=marb.example.org")],
                          letsEncrypt: LetsEncryptFacts(lineages: ["marb.example.org"], enabledTimers: ["certbot.timer"]), observedAt: observedAt),
            dataStores: DataStoreFacts(redis: [RedisFacts(endpoints: ["127.0.0.1:6379"], port: 6379, answersWithoutPassword: true, usedBy: ["marb@prod"])]),
            logStorage: LogStorageFacts(appLogs: [AppLogFile(path: "/srv/marb/logs/app.log", sizeBytes: 150 << 20)],
                                        journal: JournalUsage(directory: "/var/log/journal", bytes: 700 << 20, filesystemBytes: 20 << 30, systemMaxUse: nil)))
    }

    static func report() -> AuditReport {
        let facts = facts()
        let ctx = AuditContext(facts: facts)
        return AuditReport(facts: facts, context: ctx, findings: RuleCatalog.evaluate(ctx),
                           probes: [ProbeReport(name: "host", status: .ok, durationMs: 3), ProbeReport(name: "nginx", status: .unknown, reason: "nginx timed out after 10.0 s", durationMs: 10000)],
                           generatedAt: "2026-01-02T03:04:05Z", durationMs: 42)
    }
}

@Suite struct RendererGoldenTests {
    @Test func jsonReport() throws {
        try Golden.assertMatches(JSONRenderer.render(GoldenFixture.report()), "marb.json")
    }

    @Test func markdownRunbook() throws {
        try Golden.assertMatches(MarkdownRenderer.render(GoldenFixture.report()), "marb.md")
    }

    @Test func textReport() throws {
        try Golden.assertMatches(TextRenderer(color: false).render(GoldenFixture.report()), "marb.txt")
    }

    @Test func textColourOnlyWhenAsked() {
        #expect(TextRenderer(color: true).render(GoldenFixture.report()).contains("\u{1B}["))
        #expect(!TextRenderer(color: false).render(GoldenFixture.report()).contains("\u{1B}["))
    }

    @Test func jsonHasTheDocumentedTopLevelKeys() throws {
        let text = JSONRenderer.render(GoldenFixture.report())
        let obj = try #require(try JSONSerialization.jsonObject(with: Data(text.utf8)) as? [String: Any])
        for key in ["host", "facts", "findings", "probes", "durationMs", "schemaVersion", "generatedAt", "inventory"] {
            #expect(obj[key] != nil, "missing \(key)")
        }
        let finding = try #require((obj["findings"] as? [[String: Any]])?.first)
        #expect(Set(finding.keys).isSuperset(of: ["rule", "severity", "subject", "summary", "evidence", "fix"]))
    }

    @Test func noSecretValueInAnyFormat() {
        let report = GoldenFixture.report()
        for output in [JSONRenderer.render(report), MarkdownRenderer.render(report), TextRenderer(color: false).render(report)] {
            #expect(!output.contains("changeme"))
            #expect(!output.contains("CANARY"))
        }
    }
}
