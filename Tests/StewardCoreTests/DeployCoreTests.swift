import Foundation
import Testing
@testable import StewardCore

/// Pure parts of deploys: the manifest section, the ref policy, migration decisions, release retention, and exact
/// argv of every command a deploy runs.
@Suite struct DeployCoreTests {
    // MARK: - Manifest

    static let yaml = """
        version: 1
        apps:
          broker_portal:
            kind: django
            directory: /srv/chip/{instance}
            instances: {prod: {port: 8001}}
            deploy:
              strategy: releases
              repository: /srv/git/chip.git
              venv: /srv/chip/{instance}/venv
              workdir: chip_dashboard/
              pip_args: [--no-index, --find-links, /srv/wheels]
              migrations: {kind: sql, directory: db/migrations, database: "/etc/chip/{instance}.env#DATABASE_URL", downgrade: [./bin/down]}
              build:
                - [python, manage.py, collectstatic, --noinput]
                - npm run build
              health_timeout: 90s
              keep: 3
              shared: [db.sqlite3, media]
              restart: reload
              user: www-data
              min_free: 1GiB
        """

    @Test func theDeploySectionIsRead() throws {
        let spec = try #require(ManifestFixture.manifest(Self.yaml)?.app(named: "broker_portal")?.deploy)
        #expect(spec.strategy == .releases)
        #expect(spec.repository == "/srv/git/chip.git")
        #expect(spec.venv == "/srv/chip/{instance}/venv")
        #expect(spec.workdir == "chip_dashboard")
        #expect(spec.pipArguments == ["--no-index", "--find-links", "/srv/wheels"])
        #expect(spec.migrations.kind == .sql && spec.migrations.directory == "db/migrations")
        #expect(spec.migrations.database == "/etc/chip/{instance}.env#DATABASE_URL")
        #expect(spec.migrations.downgrade == ["./bin/down"])
        #expect(spec.build == [["python", "manage.py", "collectstatic", "--noinput"], ["npm", "run", "build"]])
        #expect(spec.healthTimeoutSeconds == 90 && spec.keep == 3 && spec.shared == ["db.sqlite3", "media"])
        #expect(spec.restart == .reload && spec.user == "www-data" && spec.minFreeBytes == 1 << 30)
    }

    @Test func theDefaultsMatchTheSeedsHosts() throws {
        let spec = DeploySpec.defaults
        #expect(spec.strategy == .inPlace && spec.remote == "origin" && spec.requirements == "requirements.txt")
        #expect(spec.migrations.kind == .auto && spec.healthTimeoutSeconds == 60 && spec.restart == .auto)
    }

    @Test func badDeployValuesGetLocatedErrors() {
        let errors = ManifestFixture.errors("""
            version: 1
            apps:
              web:
                deploy:
                  strategy: green-blue
                  workdir: ../etc
                  build: ["python manage.py migrate && systemctl restart web"]
                  keep: 1
                  migrations: {kind: command}
                  colour: red
            """)
        let text = errors.joined(separator: "\n")
        #expect(text.contains("apps.web.deploy.strategy: expected one of in-place, releases, blue-green, got \"green-blue\""), "\(text)")
        #expect(text.contains("apps.web.deploy.workdir: expected a path inside the checkout"), "\(text)")
        #expect(text.contains("apps.web.deploy.build[0]: \"&&\" is shell syntax"), "\(text)")
        #expect(text.contains("apps.web.deploy.keep"), "\(text)")
        #expect(text.contains("apps.web.deploy.migrations: kind command needs command"), "\(text)")
        #expect(text.contains("apps.web.deploy.colour: unknown key"), "\(text)")
    }

    @Test func aMigrationDatabaseWrittenInlineIsRefusedWithoutEchoingIt() {
        let errors = ManifestFixture.errors("""
            version: 1
            apps:
              web:
                deploy:
                  migrations: {kind: sql, database: "postgresql://app:hunter2secret@db/app"}
            """).joined(separator: "\n")
        #expect(errors.contains("apps.web.deploy.migrations.database"), "\(errors)")
        #expect(!errors.contains("hunter2secret"))
    }

    // MARK: - Ref policy

    @Test func productionTakesOnlyTagsUnlessAllowedWithAReason() {
        #expect(RefPolicy.decide(ref: "v1.2", isTag: true, production: true, allowUntagged: false, reason: nil) == .allowed)
        #expect(RefPolicy.decide(ref: "main", isTag: false, production: false, allowUntagged: false, reason: nil) == .allowed)
        guard case .refused(let why) = RefPolicy.decide(ref: "main", isTag: false, production: true, allowUntagged: false, reason: nil) else {
            Issue.record("an untagged production deploy was allowed")
            return
        }
        #expect(why.contains("production instances deploy only tags"))
        #expect(RefPolicy.decide(ref: "main", isTag: false, production: true, allowUntagged: true, reason: " ") != .allowed)
        #expect(RefPolicy.decide(ref: "main", isTag: false, production: true, allowUntagged: true, reason: "hotfix") == .allowed)
    }

    @Test func refsThatCouldBeOptionsOrRangesAreNotUsable() {
        for good in ["v1.2.3", "release/2026-11", "3f2a9c1", "v1.0.0+build.5"] { #expect(RefPolicy.isSafeRef(good), "\(good)") }
        for bad in ["-c", "--upload-pack=x", "main..evil", "HEAD@{1}", "a b", "x;y", "", "/abs", "refs.lock", "$(id)"] {
            #expect(!RefPolicy.isSafeRef(bad), "\(bad)")
        }
    }

    // MARK: - Migrations

    @Test func sqlMigrationsArePendingInNumericOrder() {
        let files = ["10_ten.sql", "2_two.sql", "000_init.sql", "README.md", "x_nope.sql"].map { SQLMigrationPlan.File(name: $0, checksum: "c-\($0)") }
        #expect(SQLMigrationPlan.ordered(files.map(\.name)) == ["000_init.sql", "2_two.sql", "10_ten.sql"])
        let applied = [SQLMigrationPlan.File(name: "000_init.sql", checksum: "c-000_init.sql")]
        #expect(SQLMigrationPlan.plan(files: files, applied: applied) == .pending(["2_two.sql", "10_ten.sql"]))
    }

    @Test func anEditedOrRemovedAppliedSQLMigrationIsRefused() {
        let files = [SQLMigrationPlan.File(name: "001_a.sql", checksum: "new")]
        guard case .refused(let edited) = SQLMigrationPlan.plan(files: files, applied: [.init(name: "001_a.sql", checksum: "old")]) else {
            Issue.record("an edited migration was accepted")
            return
        }
        #expect(edited.contains("001_a.sql was edited after it was applied"))
        guard case .refused(let removed) = SQLMigrationPlan.plan(files: [], applied: [.init(name: "001_a.sql", checksum: "old")]) else {
            Issue.record("a removed migration was accepted")
            return
        }
        #expect(removed.contains("no longer in the repository"))
    }

    @Test func djangoAndAlembicOutputIsRead() {
        let plan = MigrationParsers.djangoPlan("""
            [X]  contenttypes.0001_initial
            [X]  core.0001_initial
            [ ]  core.0002_chip_price
            [ ]  core.0003_squashed (2 squashed migrations)
            """)
        #expect(plan.applied == ["contenttypes.0001_initial", "core.0001_initial"])
        #expect(plan.pending == ["core.0002_chip_price", "core.0003_squashed"])
        #expect(MigrationParsers.fingerprint(kind: "django", items: plan.applied) == "django:2:core.0001_initial")
        let current = MigrationParsers.alembicRevisions("INFO  [alembic.runtime.migration] Context impl PostgresqlImpl.\n3f2a9c1b7d4e (head)\n")
        #expect(current == ["3f2a9c1b7d4e"])
        #expect(MigrationParsers.alembicRevisions("INFO  [alembic.runtime.migration] Will assume transactional DDL.\n").isEmpty)
    }

    // MARK: - Releases

    @Test func releaseRetentionKeepsTheNewestAndNeverTheRunningOrPreviousGood() {
        let releases = ["v1-20261101T000000", "v2-20261102T000000", "v3-20261103T000000", "v4-20261104T000000", "v5-20261105T000000"]
        #expect(ReleaseRetention.toDelete(releases: releases, keep: 3, current: "v5-20261105T000000", previousGood: "v4-20261104T000000")
                == ["v1-20261101T000000", "v2-20261102T000000"])
        // Running an old release (after a rollback): it and the previous good one survive.
        #expect(ReleaseRetention.toDelete(releases: releases, keep: 2, current: "v1-20261101T000000", previousGood: "v2-20261102T000000")
                == ["v3-20261103T000000", "v4-20261104T000000", "v5-20261105T000000"])
        #expect(ReleaseRetention.name(ref: "release/1.2 rc", stamp: "20261123T010203") == "release_1.2_rc-20261123T010203")
    }

    // MARK: - Command lines

    @Test func deployCommandsAreExactArgv() {
        let git = ["git", "-c", "core.fsmonitor=false", "-c", "core.quotepath=off", "-C", "/srv/app"]
        #expect(Git.fetch(dir: "/srv/app", remote: "origin").argv == git + ["fetch", "--quiet", "--tags", "--force", "--prune", "--", "origin"])
        #expect(Git.resolve(dir: "/srv/app", ref: "v1.2").argv == git + ["rev-parse", "--verify", "--quiet", "--end-of-options", "v1.2^{commit}"])
        #expect(Git.checkout(dir: "/srv/app", commit: "abc").argv == git + ["checkout", "--quiet", "--detach", "abc"])
        #expect(Git.lsRemote(dir: "/srv/app", remote: "origin", ref: "v1").argv == git + ["ls-remote", "--", "origin", "refs/tags/v1", "refs/tags/v1^{}", "refs/heads/v1"])
        #expect(Git.archive(dir: "/srv/app", commit: "abc", output: "/t.tar").argv == git + ["archive", "--format=tar", "--output=/t.tar", "abc"])
        #expect(SQLite.script(file: "/srv/db.sqlite3", input: "/tmp/m.sql").argv == ["sqlite3", "-safe", "-batch", "-bail", "-init", "/dev/null", "/srv/db.sqlite3"])
        #expect(SQLite.script(file: "/srv/db.sqlite3", input: "/tmp/m.sql").inputFile == "/tmp/m.sql")
        #expect(Tar.extractRelease(archive: "/b/.r.tar", into: "/b/releases/v1-x").argv
                == ["tar", "--extract", "--file=/b/.r.tar", "--directory=/b/releases/v1-x", "--no-same-owner"])
        #expect(Pip.install(venv: "/v", requirements: "/r.txt", extra: ["--no-index"]).argv
                == ["/v/bin/python", "-m", "pip", "install", "--quiet", "--disable-pip-version-check", "--no-input", "--no-index", "-r", "/r.txt"])
        #expect(Django.migrate(venv: "/v").argv == ["/v/bin/python", "manage.py", "migrate", "--noinput", "--no-color"])
        #expect(Django.showPlan(venv: "/v").argv == ["/v/bin/python", "manage.py", "showmigrations", "--plan", "--no-color"])
        #expect(Alembic.upgradeHead(venv: "/v").argv == ["/v/bin/alembic", "upgrade", "head"])
        #expect(Systemctl.restart(["a.service"]).argv == ["systemctl", "restart", "--", "a.service"])
        #expect(Systemctl.resetFailed(["a.service"]).argv == ["systemctl", "reset-failed", "--", "a.service"])
        #expect(Journalctl.since(unit: "a.service", epochSeconds: 1_700_000_000, lines: 60).argv
                == ["journalctl", "--no-pager", "-u", "a.service", "--since", "@1700000000", "-n", "60", "-o", "short-iso"])
        let psql = Psql.applyMigrations(script: "/tmp/steward-sql-x/migration.sql", database: "app", connection: PostgresConnectionEnv(host: "127.0.0.1"))
        #expect(psql.argv == ["psql", "-X", "-q", "--no-password", "-v", "ON_ERROR_STOP=1", "--single-transaction", "-d", "app", "-f", "-"])
        #expect(psql.inputFile == "/tmp/steward-sql-x/migration.sql")
    }

    @Test func theMigrationScriptHoldsTheFilesWithTheirTrackingRowsInOneTransaction() {
        let files = [SQLMigrationScript.File(name: "001_a.sql", checksum: "ab12", bytes: Data("CREATE TABLE a (id int);\n-- done".utf8)),
                     SQLMigrationScript.File(name: "002_b.sql", checksum: "cd34", bytes: Data("CREATE TABLE b (id int)".utf8))]
        let insertA = "INSERT INTO steward_schema_migrations (name, checksum, applied_at) VALUES ('001_a.sql', 'ab12', CURRENT_TIMESTAMP);"
        let insertB = "INSERT INTO steward_schema_migrations (name, checksum, applied_at) VALUES ('002_b.sql', 'cd34', CURRENT_TIMESTAMP);"
        let lite = SQLMigrationScript(files: files, dialect: .sqlite)
        #expect(String(decoding: lite.text, as: UTF8.self) == """
            .timeout 30000
            BEGIN IMMEDIATE;
            \(SQLMigrationTracking.createTable);
            CREATE TABLE a (id int);
            -- done
            ;
            \(insertA)
            CREATE TABLE b (id int)
            ;
            \(insertB)
            COMMIT;

            """)
        let pg = SQLMigrationScript(files: files, dialect: .postgres)
        #expect(String(decoding: pg.text, as: UTF8.self).hasPrefix(SQLMigrationTracking.createTable + ";\nCREATE TABLE a (id int);\n"))
        #expect(!String(decoding: pg.text, as: UTF8.self).contains("BEGIN") && !String(decoding: pg.text, as: UTF8.self).contains("COMMIT"))
        // Errors name the file and its own line, not the script's.
        #expect(lite.locate(4)! == ("001_a.sql", 1) && lite.locate(8)! == ("002_b.sql", 1) && lite.locate(3) == nil)
        #expect(pg.located("psql:<stdin>:6: ERROR:  relation \"x\" does not exist", directory: "db/migrations")
                == "db/migrations/002_b.sql:1: ERROR:  relation \"x\" does not exist")
        #expect(lite.located("Parse error near line 5: no such table: x", directory: "db/migrations") == "Parse error near db/migrations/001_a.sql:2: no such table: x")
    }

    @Test func theAppsEnvironmentIsGivenButNeverShown() {
        let c = Django.migrate(venv: "/v").inApp(directory: "/srv/app", environment: ["SECRET_KEY": "s3cr3t-value"]).asUser("chip")
        #expect(c.argv == ["runuser", "-u", "chip", "--", "/v/bin/python", "manage.py", "migrate", "--noinput", "--no-color"])
        #expect(c.workingDirectory == "/srv/app" && c.secretEnvironment["SECRET_KEY"] == "s3cr3t-value")
        #expect(!c.display.contains("s3cr3t-value") && !c.description.contains("s3cr3t-value"))
        #expect(c.display.contains("(+ the app's environment: SECRET_KEY)"))
    }
}
