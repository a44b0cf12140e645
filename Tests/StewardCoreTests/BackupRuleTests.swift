import Foundation
import Testing
@testable import StewardCore

/// The backup plan by discovery and by manifest, and the four backup rules over a catalog.
@Suite struct BackupRuleTests {
    static let env = "/etc/racklab/prod.env"

    static func facts(databaseURL: String = "sqlite:////srv/racklab/prod/racklab.db", records: [BackupRecord]? = []) -> Facts {
        let unit = UnitFacts(name: "racklab@prod.service", activeState: "active", subState: "running", user: "racklab",
                             workingDirectory: "/srv/racklab/prod", environmentFiles: [EnvironmentFileRef(path: env, optional: false)],
                             execStart: ["/usr/bin/python3", "/opt/racklab/prod/app/server.py"],
                             fragmentPath: "/etc/systemd/system/racklab@.service")
        let file = EnvFileFacts(path: env, exists: true, owner: "root", group: "racklab", mode: 0o640,
                                keys: ["PORT", "DATABASE_URL"], values: ["PORT": Secret("8300"), "DATABASE_URL": Secret(databaseURL)])
        return Facts(units: [unit], envFiles: [file],
                     backups: records.map { BackupCatalogFacts(database: "/var/lib/steward/state.db", observedAt: BackupCoreTests.now, records: $0) })
    }

    static func findings(_ facts: Facts, _ manifest: Manifest = .empty) -> [String] {
        RuleCatalog.evaluate(AuditContext(facts: facts, manifest: manifest)).filter { $0.rule.hasPrefix("backup.") }
            .map { "\($0.rule) \($0.subject) \($0.severity)" }
    }

    @Test func discoveryBacksUpTheEnvFilesDatabaseAndConfig() throws {
        let f = Self.facts()
        let instance = try #require(Inventory.build(facts: f, manifest: .empty).apps.first)
        let sources = BackupPlanner.sources(for: instance, facts: f, manifest: .empty)
        #expect(sources.map(\.label) == ["racklab@prod/db", "racklab@prod/config"])
        #expect(sources[0].kind == .sqlite && sources[0].path == "/srv/racklab/prod/racklab.db")
        #expect(sources[1].files == [Self.env, "/etc/systemd/system/racklab@.service"])

        // A missing optional env file (EnvironmentFile=-…) is left out of the config snapshot.
        var optional = Self.facts()
        optional.units[0].environmentFiles.append(EnvironmentFileRef(path: "/etc/racklab/local.env", optional: true))
        optional.envFiles.append(EnvFileFacts(path: "/etc/racklab/local.env", exists: false))
        #expect(BackupPlanner.sources(for: instance, facts: optional, manifest: .empty)[1].files == [Self.env, "/etc/systemd/system/racklab@.service"])

        let pg = BackupPlanner.sources(for: instance, facts: Self.facts(databaseURL: "postgresql://u:pw@127.0.0.1/x"), manifest: .empty)
        #expect(pg[0].kind == .postgres && pg[0].url == SecretRef(file: Self.env, key: "DATABASE_URL"))
        #expect(!pg[0].origin.contains("pw"))
    }

    @Test func manifestSourcesResolveTheInstance() throws {
        let manifest = try #require(ManifestFixture.manifest("""
            apps:
              racklab:
                instances: {prod: {}}
                backup:
                  databases: [{sqlite: "/srv/racklab/{instance}/racklab.db"}]
                  directories:
                    - {path: "/srv/racklab/{instance}/media", exclude: ["*.tmp", cache]}
                  config: false
                  max_age: 6h
                  keep: {last: 3, daily: 2, weekly: 1}
                  schedule: "*-*-* 03:15"
            """))
        let f = Self.facts()
        let instance = try #require(Inventory.build(facts: f, manifest: manifest).apps.first)
        let sources = BackupPlanner.sources(for: instance, facts: f, manifest: manifest)
        #expect(sources.map(\.label) == ["racklab@prod/db", "racklab@prod/media"])
        #expect(sources[1].path == "/srv/racklab/prod/media" && sources[1].exclude == ["*.tmp", "cache"])
        let spec = try #require(manifest.app(named: "racklab")?.backup)
        #expect(spec.maxAgeMinutes == 360 && spec.retention == Retention(last: 3, daily: 2, weekly: 1) && spec.schedule == "*-*-* 03:15")
    }

    @Test func manifestBackupErrorsAreLocated() {
        let errors = ManifestFixture.errors("""
            apps:
              racklab:
                instances: {prod: {}}
                backup:
                  databases:
                    - {postgres: "postgresql://u:hunter2@h/db"}
                    - {sqlite: relative.db}
                  directories: [{exclude: ["*.tmp"]}]
                  keep: {last: 0, daily: 0, weekly: 0}
                  max_age: soon
                  verify: sometimes
                  retain: 3
            """)
        #expect(errors.count == 7, "\(errors)")
        #expect(errors.contains { $0.contains("apps.racklab.backup.databases[0].postgres: expected a reference to an env file variable") })
        #expect(errors.contains { $0.contains("apps.racklab.backup.databases[1].sqlite: expected an absolute path") })
        #expect(errors.contains { $0.contains("apps.racklab.backup.directories[0]: missing path") })
        #expect(errors.contains { $0.contains("apps.racklab.backup.keep: keeps nothing") })
        #expect(errors.contains { $0.contains("apps.racklab.backup.max_age: expected a duration") })
        #expect(errors.contains { $0.contains("apps.racklab.backup.verify: expected full or quick") })
        #expect(errors.contains { $0.contains("apps.racklab.backup.retain: unknown key") })
        #expect(!errors.joined().contains("hunter2"))
    }

    @Test func noBackupOfADatabaseIsMissingAndCriticalInProduction() {
        #expect(Self.findings(Self.facts()) == ["backup.missing racklab@prod/db critical"])
        // An unreadable catalog (nil) keeps the rules silent rather than guessing.
        #expect(Self.findings(Self.facts(records: nil)).isEmpty)
    }

    @Test func aFreshVerifiedBackupRaisesNothing() {
        let records = [BackupCoreTests.record(1, daysAgo: 0.5, verified: true)]
        #expect(Self.findings(Self.facts(records: records)).isEmpty)
    }

    @Test func staleUnverifiedAndFailedVerification() {
        // Newest 2 days old (over 24 h), never verified.
        #expect(Self.findings(Self.facts(records: [BackupCoreTests.record(1, daysAgo: 2)]))
                == ["backup.stale racklab@prod/db warning", "backup.unverified racklab@prod/db warning"])
        // Verified 10 days ago only: unverified within 7 days; newest failed its verification: critical.
        let records = [BackupCoreTests.record(1, daysAgo: 10, verified: true), BackupCoreTests.record(2, daysAgo: 0.2, verified: false)]
        #expect(Self.findings(Self.facts(records: records))
                == ["backup.failed-verification racklab@prod/db critical", "backup.unverified racklab@prod/db warning"])
    }
}
