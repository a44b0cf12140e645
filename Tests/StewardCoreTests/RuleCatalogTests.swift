import Testing
@testable import StewardCore

@Suite("Rule catalog, N1 audit, thresholds and silences")
struct RuleCatalogTests {
    /// Every rule id, in catalog order. A rule added to the catalog must be added here and get its own tests.
    static let ids = [
        "host.disk-space", "host.memory-pressure", "host.oom-kills", "host.ssh-bruteforce",
        "service.failed", "service.restarts", "service.runs-as-root", "service.syslog-output",
        "service.missing-envfile", "service.missing-executable",
        "service.no-restart", "service.database-order", "service.hardening",
        "logs.tracebacks", "logs.worker-timeouts", "logs.csrf-failures", "logs.module-not-found",
        "logs.unrotated-app-log", "logs.journal-unbounded",
        "ports.conflict", "ports.public-bind", "ports.not-listening", "ports.mismatch",
        "files.envfile-permissions", "files.secrets-in-envfile", "files.default-credentials",
        "files.debug-in-production", "files.app-dir-permissions",
        "secrets.weak-key",
        "settings.cors-wildcard", "settings.auth-disabled", "settings.allowed-hosts-wildcard", "settings.insecure-cookies",
        "git.prod-on-branch", "git.dirty-worktree", "git.untracked-files",
        "runtime.python-mismatch",
        "nginx.config-invalid", "nginx.upstream-mismatch", "nginx.missing-forwarded-headers",
        "tls.cert-expiry", "tls.cert-name-mismatch", "tls.self-signed", "tls.no-renewal", "tls.renewal-failed",
        "tls.no-https-redirect",
        "ngrok.config-invalid",
        "db.sqlite-not-wal", "db.sqlite-size", "db.sqlite-wal-growth", "db.sqlite-fallback", "db.redis-public-bind",
        "db.redis-no-password", "db.postgres-public-bind", "db.postgres-trust-auth",
        "backup.missing", "backup.stale", "backup.unverified", "backup.failed-verification",
        "slots.serving-down", "slots.upstream-stale", "slots.upstream-not-recorded", "slots.idle-running",
        "compose.service-down", "compose.service-restarting", "compose.service-unhealthy", "compose.database-port-public",
        "compose.default-credentials", "compose.uncopied-package", "compose.log-tracebacks", "compose.image-tag-missing", "compose.migration-pending",
    ]

    @Test func catalogHoldsExactlyTheTestedRules() {
        #expect(RuleCatalog.all.map(\.id) == Self.ids)
        #expect(Set(RuleCatalog.all.map(\.id)).count == RuleCatalog.all.count)
        #expect(RuleCatalog.rule("no.such-rule") == nil)
    }

    @Test(arguments: ids)
    func everyRuleHasARationaleAndFindsNothingOnAnEmptyHost(id: String) throws {
        let rule = try #require(RuleCatalog.rule(id))
        #expect(!rule.rationale.isEmpty)
        #expect(rule.evaluate(AuditContext(facts: Facts())).isEmpty)
    }

    /// What an operator reading the N1 runbook expects Steward to report about that host.
    static let n1Expected: [RuleSubject] = [
        RuleSubject("ngrok.config-invalid", N1.ngrokConfig, .critical),
        RuleSubject("git.dirty-worktree", N1.prodDir, .warning),
        RuleSubject("git.prod-on-branch", "calb-sizingtool@prod", .warning),
        RuleSubject("host.disk-space", "/", .warning),
        RuleSubject("host.ssh-bruteforce", "sshd", .warning),
        RuleSubject("logs.tracebacks", "calb-sizingtool@prod", .warning),
        RuleSubject("ports.conflict", "calb-sizingtool@test", .warning),
        RuleSubject("ports.public-bind", "calb-sizingtool@prod", .warning),
        RuleSubject("service.restarts", "calb-ngrok@prod", .warning),
        RuleSubject("git.dirty-worktree", N1.testDir, .info),
        RuleSubject("git.untracked-files", N1.prodDir, .info),
        RuleSubject("git.untracked-files", N1.testDir, .info),
        RuleSubject("service.syslog-output", "calb-ngrok@.service", .info),
    ]

    @Test func n1AuditYieldsExactlyTheExpectedFindings() {
        let found = RuleCatalog.evaluate(AuditContext(facts: n1Facts())).map { RuleSubject($0) }
        #expect(Set(found) == Set(Self.n1Expected))
        #expect(found.count == Self.n1Expected.count)  // no duplicates
    }

    @Test func findingsAreSortedWorstFirstThenByRuleAndSubject() {
        let found = RuleCatalog.evaluate(AuditContext(facts: n1Facts())).map { RuleSubject($0) }
        #expect(found == Self.n1Expected)
    }

    @Test func n1InventoryIsTwoAppInstancesAndTwoTunnels() {
        let inventory = AuditContext(facts: n1Facts()).inventory
        #expect(inventory.apps.map(\.label) == ["calb-sizingtool@prod", "calb-sizingtool@test"])
        #expect(inventory.tunnels.map(\.label) == ["calb-ngrok@prod", "calb-ngrok@test"])
        #expect(inventory.apps.map(\.production) == [true, false])
        #expect(inventory.apps.map(\.port) == [8511, 8511])
        #expect(inventory.tunnels.map(\.port) == [nil, nil])
    }

    // MARK: thresholds

    @Test func manifestThresholdsChangeTheAudit() {
        let manifest = parsedManifest("""
            thresholds:
              disk_warning_percent: 95
              disk_critical_percent: 98
              disk_warning_free: 512MiB
              disk_critical_free: 256MiB
              ssh_failed_logins_warning: 500
              tracebacks_warning: 10
            """)
        let found = Set(RuleCatalog.evaluate(AuditContext(facts: n1Facts(), manifest: manifest)).map { RuleSubject($0) })
        let gone: Set<RuleSubject> = [
            RuleSubject("host.disk-space", "/", .warning),
            RuleSubject("host.ssh-bruteforce", "sshd", .warning),
            RuleSubject("logs.tracebacks", "calb-sizingtool@prod", .warning),
        ]
        #expect(found == Set(Self.n1Expected).subtracting(gone))
    }

    @Test func stricterDiskThresholdMakesN1Critical() {
        let manifest = parsedManifest("""
            thresholds:
              disk_warning_percent: 70
              disk_critical_percent: 80
            """)
        let disk = RuleCatalog.evaluate(AuditContext(facts: n1Facts(), manifest: manifest)).filter { $0.rule == "host.disk-space" }
        #expect(disk.map(\.severity) == [.critical])
    }

    // MARK: silences and exit codes

    static func report(_ facts: Facts, _ manifest: Manifest = .empty) -> AuditReport {
        let context = AuditContext(facts: facts, manifest: manifest)
        return AuditReport(facts: facts, context: context, findings: RuleCatalog.evaluate(context),
                           probes: [ProbeReport(name: "systemd", status: .ok, durationMs: 12)],
                           generatedAt: "2025-12-27T09:39:16Z", durationMs: 345)
    }

    @Test func n1ExitsCritical() {
        #expect(Self.report(n1Facts()).exitCode == 2)
    }

    @Test func silenceMarksTheFindingWithItsReason() throws {
        let manifest = parsedManifest("""
            silence:
              - rule: ports.public-bind
                subject: calb-sizingtool@*
                reason: "firewalled at the provider; tunnel only"
            """)
        let findings = RuleCatalog.evaluate(AuditContext(facts: n1Facts(), manifest: manifest))
        #expect(findings.count == Self.n1Expected.count)  // silenced findings are still reported
        let silenced = findings.filter { $0.silenced != nil }
        #expect(silenced.map { RuleSubject($0) } == [RuleSubject("ports.public-bind", "calb-sizingtool@prod", .warning)])
        #expect(silenced.first?.silenced == "firewalled at the provider; tunnel only")
    }

    @Test func silenceOfAnotherSubjectDoesNotApply() {
        let manifest = parsedManifest("""
            silence:
              - rule: ports.public-bind
                subject: other-app@prod
                reason: not this one
            """)
        let findings = RuleCatalog.evaluate(AuditContext(facts: n1Facts(), manifest: manifest))
        #expect(findings.allSatisfy { $0.silenced == nil })
    }

    @Test func exitCodeIgnoresSilencedFindings() {
        // Silencing the only critical finding leaves warnings: exit 1.
        let critical = parsedManifest("""
            silence:
              - rule: ngrok.config-invalid
                reason: tunnel being replaced by nginx this week
            """)
        let report = Self.report(n1Facts(), critical)
        #expect(report.exitCode == 1)
        #expect(report.activeFindings.count == Self.n1Expected.count - 1)
        #expect(report.findings.count == Self.n1Expected.count)

        // Silencing every warning and critical family leaves only info: exit 0.
        let all = parsedManifest("""
            silence:
              - rule: ngrok.*
                reason: r
              - rule: host.*
                reason: r
              - rule: git.*
                reason: r
              - rule: logs.*
                reason: r
              - rule: ports.*
                reason: r
              - rule: service.restarts
                reason: r
            """)
        let quiet = Self.report(n1Facts(), all)
        #expect(quiet.exitCode == 0)
        #expect(quiet.activeFindings.map { RuleSubject($0) } == [RuleSubject("service.syslog-output", "calb-ngrok@.service", .info)])
    }

    @Test("AuditReport.exitCode follows the worst active severity", arguments: [
        ([], 0), ([.info], 0), ([.info, .warning], 1), ([.warning, .critical, .info], 2),
    ] as [([Severity], Int32)])
    func exitCode(severities: [Severity], expected: Int32) {
        let findings = severities.map { Finding(rule: "x.y", severity: $0, subject: "s", summary: "", evidence: [], fix: "") }
        let report = AuditReport(facts: Facts(), context: AuditContext(facts: Facts()), findings: findings, probes: [],
                                 generatedAt: "2025-12-27T09:39:16Z", durationMs: 0)
        #expect(report.exitCode == expected)
    }

    @Test func silencedCriticalDoesNotCount() {
        let findings = [
            Finding(rule: "x.y", severity: .critical, subject: "s", summary: "", evidence: [], fix: "", silenced: "accepted"),
            Finding(rule: "x.z", severity: .info, subject: "s", summary: "", evidence: [], fix: ""),
        ]
        let report = AuditReport(facts: Facts(), context: AuditContext(facts: Facts()), findings: findings, probes: [],
                                 generatedAt: "2025-12-27T09:39:16Z", durationMs: 0)
        #expect(report.exitCode == 0)
    }
}
