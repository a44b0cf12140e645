import Foundation
import Testing

/// Issue 16: the audit rules for TLS, secrets, settings, data stores, logs and units on one real-systemd host
/// (`Tests/Scenarios/auditrules`), each problem made with the real tool (openssl, nginx, sqlite3, redis-server,
/// PostgreSQL's own cluster tools, journald, systemd), and two of them fixed the way an operator would, to see their
/// findings go.
extension IntegrationTests {
    @Suite(.sandbox("auditrules")) struct AuditRulesScenario {
        static let newRules: Set<String> = [
            "tls.cert-expiry", "tls.cert-name-mismatch", "tls.self-signed", "tls.no-renewal", "tls.renewal-failed", "tls.no-https-redirect",
            "secrets.weak-key", "settings.cors-wildcard", "settings.auth-disabled", "settings.allowed-hosts-wildcard", "settings.insecure-cookies",
            "db.sqlite-not-wal", "db.sqlite-size", "db.sqlite-wal-growth", "db.sqlite-fallback", "db.redis-public-bind", "db.redis-no-password",
            "db.postgres-public-bind", "db.postgres-trust-auth", "logs.unrotated-app-log", "logs.journal-unbounded",
            "service.no-restart", "service.database-order", "service.hardening",
        ]

        static let site = "/etc/nginx/sites-enabled/auditrules"
        static let shop = "/etc/letsencrypt/live/shop.example.org/fullchain.pem"

        /// The findings of the new rules, as "rule subject severity", sorted.
        static func newFindings(_ report: [String: Any]) -> [String] {
            ((report["findings"] as? [[String: Any]]) ?? []).filter { newRules.contains($0["rule"] as? String ?? "") }
                .map { "\($0["rule"] as? String ?? "?") \($0["subject"] as? String ?? "?") \($0["severity"] as? String ?? "?")" }.sorted()
        }

        static func audit() throws -> (Sandbox.Output, [String: Any]) {
            try IntegrationTests.zeroConfigAudit()
        }

        @Test func everyProblemIsFoundWithItsSeverityAndNoSecretLeaves() throws {
            let (out, report) = try Self.audit()
            #expect(Self.newFindings(report) == [
                "db.postgres-public-bind postgresql:5432 warning",
                "db.postgres-trust-auth /etc/postgresql/15/main/pg_hba.conf critical",
                "db.redis-no-password redis:6390 warning",
                "db.redis-public-bind redis:6390 critical",
                "db.sqlite-fallback notes@prod warning",
                "db.sqlite-not-wal /opt/notes/prod/notes.db warning",
                "db.sqlite-size /opt/notes/archive/archive.db critical",
                "db.sqlite-size /opt/notes/queue/queue.db warning",
                "db.sqlite-wal-growth /opt/notes/queue/queue.db warning",
                "logs.journal-unbounded /var/log/journal warning",
                "logs.unrotated-app-log /opt/notes/prod/logs/app.log warning",
                "secrets.weak-key /etc/notes/prod.env critical",
                "service.database-order notes@.service warning",
                "service.hardening notes@.service info",
                "service.no-restart notes@.service warning",
                "settings.allowed-hosts-wildcard notes@prod warning",
                "settings.auth-disabled notes@prod critical",
                "settings.cors-wildcard notes@prod warning",
                "settings.insecure-cookies notes@prod warning",
                "tls.cert-expiry \(Self.shop) warning",
                "tls.cert-expiry /etc/nginx/ssl/notes.crt critical",
                "tls.cert-name-mismatch \(Self.site): \(Self.shop) critical",
                "tls.no-https-redirect \(Self.site) warning",
                "tls.no-renewal /etc/letsencrypt warning",
                "tls.renewal-failed /etc/letsencrypt warning",
                "tls.self-signed /etc/nginx/ssl/notes.crt warning",
            ], "\(out.stderr.prefix(2000))")
            let probes = (report["probes"] as? [[String: Any]]) ?? []
            for name in ["tls", "datastores", "logstorage"] {
                let probe = probes.first { $0["name"] as? String == name }
                #expect(probe?["status"] as? String == "ok", "\(name): \(probe ?? [:])")
            }
            let findings = (report["findings"] as? [[String: Any]]) ?? []
            let weak = try #require(findings.first { $0["rule"] as? String == "secrets.weak-key" })
            #expect((weak["evidence"] as? [String])?.first == "JWT_SECRET_KEY: 23 characters, fewer than 32 (value not shown)")
            func evidence(_ rule: String, _ subject: String) -> [String] {
                (findings.first { $0["rule"] as? String == rule && $0["subject"] as? String == subject }?["evidence"] as? [String]) ?? []
            }
            // Seed 002's thresholds on the sizes as the files give them: the database alone, and a database with its -wal.
            #expect(evidence("db.sqlite-size", "/opt/notes/archive/archive.db") == ["database 2.5 GiB", "thresholds: warning at 1.0 GiB, critical at 2.0 GiB"])
            #expect(evidence("db.sqlite-size", "/opt/notes/queue/queue.db") == ["database 8.0 KiB, WAL 1.2 GiB", "thresholds: warning at 1.0 GiB, critical at 2.0 GiB"])
            #expect(evidence("db.sqlite-wal-growth", "/opt/notes/queue/queue.db")
                == ["/opt/notes/queue/queue.db: 8.0 KiB; /opt/notes/queue/queue.db-wal: 1.2 GiB", "used by notes@queue"])
            // The postmaster's own sockets (listen_addresses = '*'), found with its process and pid.
            let pg = evidence("db.postgres-public-bind", "postgresql:5432")
            #expect(pg.count == 2 && pg[0].hasPrefix("0.0.0.0:5432 (postgres pid ") && pg[1].hasPrefix("[::]:5432 (postgres pid "), "\(pg)")
            // journald's own files (about 85 MiB) on the journal's 1 GiB filesystem: over 64 MiB and 5 %, no SystemMaxUse=.
            let journal = evidence("logs.journal-unbounded", "/var/log/journal")
            #expect(journal.count == 2 && journal[0].hasPrefix("/var/log/journal: ") && journal[0].hasSuffix(" MiB of 1.0 GiB"), "\(journal)")
            #expect(journal.last == "SystemMaxUse= is not set in /etc/systemd/journald.conf or journald.conf.d/")
            let order = try #require(findings.first { $0["rule"] as? String == "service.database-order" })
            #expect((order["fix"] as? String)?.contains("`After=notes-redis.service`") == true, "\(order)")
            #expect(out.status == 2)
            for format in ["text", "markdown"] {
                let (rendered, _) = try IntegrationTests.zeroConfigAudit(format)
                #expect(!rendered.stdout.contains("notes-jwt-test-only-4d2"))
                if format == "markdown" {
                    #expect(rendered.stdout.contains("## 6. TLS"), "\(rendered.stdout.prefix(1500))")
                    // Every new finding also in the runbook's own section (TLS, data stores, logs, units and env
                    // files), not only in the closing list.
                    let sections = rendered.stdout.components(separatedBy: "## 11. Findings and fixes")[0]
                    for f in findings where Self.newRules.contains(f["rule"] as? String ?? "") {
                        let line = "`\(f["rule"] as? String ?? "?")` — \(f["subject"] as? String ?? "?"): "
                        #expect(sections.contains(line), "\(line) is in no section of the runbook")
                    }
                }
            }
            #expect(!out.stdout.contains("notes-jwt-test-only-4d2") && !out.stderr.contains("notes-jwt-test-only-4d2"))
        }

        @Test func enablingCertbotsTimerAndWALModeClearTheirFindings() throws {
            let sandbox = try SandboxScenario.sandbox()
            let fix = try sandbox.exec(["sh", "-c", """
                set -e
                systemctl enable --now certbot.timer
                systemctl stop notes@prod.service
                sqlite3 /opt/notes/prod/notes.db 'PRAGMA journal_mode=WAL;' >/dev/null
                systemctl start notes@prod.service
                """])
            try #require(fix.status == 0, "\(fix.stderr)")
            defer {
                _ = try? sandbox.exec(["sh", "-c", "systemctl disable --now certbot.timer; sqlite3 /opt/notes/prod/notes.db 'PRAGMA journal_mode=DELETE;'"])
            }
            let (_, report) = try Self.audit()
            let found = Self.newFindings(report)
            #expect(!found.contains { $0.hasPrefix("tls.no-renewal ") }, "\(found)")
            #expect(!found.contains { $0.hasPrefix("db.sqlite-not-wal ") }, "\(found)")
            #expect(found.contains("tls.renewal-failed /etc/letsencrypt warning"))  // the log still says it failed
        }
    }
}
