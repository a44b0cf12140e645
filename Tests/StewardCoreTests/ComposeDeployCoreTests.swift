import Foundation
import Testing
@testable import StewardCore

/// The pure parts of a Compose project's deploy: the Compose command lines, the tag that keeps a previous image, and
/// the adoption of a database migrated by hand.
@Suite struct ComposeDeployCoreTests {
    @Test func composeCommandsNameTheProjectAndItsFiles() {
        let v1 = ComposeCLI(cli: "docker-compose", project: "pulse", files: ["/opt/pulse/docker-compose.yml"], directory: "/opt/pulse")
        #expect(v1.build().argv == ["docker-compose", "--project-name", "pulse", "--file", "/opt/pulse/docker-compose.yml", "build"])
        #expect(v1.up().argv == ["docker-compose", "--project-name", "pulse", "--file", "/opt/pulse/docker-compose.yml", "up", "--detach", "--no-build"])
        #expect(v1.up().workingDirectory == "/opt/pulse")
        let plugin = ComposeCLI(cli: "docker compose", project: "shop", files: ["/srv/shop/compose.yaml", "/srv/shop/compose.prod.yaml"], directory: "/srv/shop")
        #expect(plugin.build().argv == ["docker", "compose", "--project-name", "shop", "--file", "/srv/shop/compose.yaml", "--file", "/srv/shop/compose.prod.yaml", "build"])
        #expect(Docker.tag("sha256:abc", as: "pulse_ui").argv == ["docker", "image", "tag", "sha256:abc", "pulse_ui"])
        #expect(ContainerPostgres(container: "c1", user: "iot", database: "iotcloud").applyScript().argv
                == ["docker", "exec", "--env", "PGAPPNAME=steward-migrate", "-i", "c1", "psql", "--no-psqlrc", "--quiet", "--set=ON_ERROR_STOP=1",
                    "--username=iot", "--dbname=iotcloud", "--file=-"])
    }

    @Test func aPreviousImageIsKeptUnderATagDockerAccepts() {
        #expect(ComposeDeployTag.keep(project: "pulse", service: "ui", deploy: 12) == "steward-rollback/pulse_ui:deploy-12")
        #expect(ComposeDeployTag.keep(project: "My App", service: "Web/1", deploy: 3) == "steward-rollback/my_app_web_1:deploy-3")
    }

    static let files: [(name: String, sql: String)] = [
        ("001_init.sql", "-- tenants\nCREATE TABLE IF NOT EXISTS tenants (tenant_id text PRIMARY KEY);\nINSERT INTO tenants VALUES ('a');"),
        ("002_devices.sql", "CREATE TABLE devices (device_id text PRIMARY KEY);\n/* CREATE TABLE not_this (x int); */"),
        ("002b_index.sql", "CREATE INDEX IF NOT EXISTS devices_idx ON devices (device_id);"),
        ("003_alerts.sql", "create table if not exists Public.\"Alerts\" (id bigserial);"),
    ]

    @Test func aHandMigratedDatabaseIsAdoptedUpToItsLastFileWhoseTablesExist() {
        #expect(SQLMigrationAdoption.createdTables(Self.files[3].sql) == ["public.Alerts"])
        #expect(SQLMigrationAdoption.createdTables(Self.files[1].sql) == ["public.devices"])
        #expect(SQLMigrationAdoption.createdTables("CREATE UNLOGGED TABLE audit.log (x int); SELECT 'CREATE TABLE fake (x int)'; DO $$ BEGIN CREATE TABLE nope (x int); END $$; CREATE TABLE b (s text DEFAULT 'it''s')") == ["audit.log", "public.b"])
        // 001 and 002 applied by hand; 002b (an index) judged by its place: before 003, whose table is missing.
        #expect(SQLMigrationAdoption.adopt(Self.files, existingTables: ["public.tenants", "public.devices"])
                == .adopted(["001_init.sql", "002_devices.sql"], evidence: ["001_init.sql: public.tenants", "002_devices.sql: public.devices"]))
        #expect(SQLMigrationAdoption.adopt(Self.files, existingTables: ["public.tenants", "public.devices", "public.Alerts"])
                == .adopted(["001_init.sql", "002_devices.sql", "002b_index.sql", "003_alerts.sql"],
                            evidence: ["001_init.sql: public.tenants", "002_devices.sql: public.devices", "003_alerts.sql: public.Alerts"]))
        // A fresh database: nothing adopted, everything pending.
        #expect(SQLMigrationAdoption.adopt(Self.files, existingTables: []) == .adopted([], evidence: []))
        // Out of order: devices missing while a later file's table exists.
        guard case .refused(let why) = SQLMigrationAdoption.adopt(Self.files, existingTables: ["public.tenants", "public.Alerts"]) else {
            Issue.record("a database that skips a file was adopted")
            return
        }
        #expect(why.contains("003_alerts.sql's tables exist but 002_devices.sql's (public.devices) do not"))
    }

    @Test func anAdoptedDatabasesRowsAreRecordedNotRun() {
        let adopted = SQLMigrationScript.File(name: "001_init.sql", checksum: "aa", bytes: Data("CREATE TABLE tenants ();".utf8))
        let pending = SQLMigrationScript.File(name: "003_alerts.sql", checksum: "bb", bytes: Data("CREATE TABLE alerts ();".utf8))
        let text = String(decoding: SQLMigrationScript(files: [pending], dialect: .postgres, recorded: [adopted]).text, as: UTF8.self)
        #expect(!text.contains("CREATE TABLE tenants"))
        #expect(text.contains("VALUES ('001_init.sql', 'aa', CURRENT_TIMESTAMP)") && text.contains("CREATE TABLE alerts ();"))
        #expect(text.contains("VALUES ('003_alerts.sql', 'bb', CURRENT_TIMESTAMP)"))
        #expect(!text.hasPrefix("BEGIN;"))
        // In a container the script holds its own transaction: cut off before its COMMIT, it commits nothing.
        let own = SQLMigrationScript(files: [pending], dialect: .postgres, recorded: [adopted], explicitTransaction: true)
        let ownText = String(decoding: own.text, as: UTF8.self)
        #expect(ownText.hasPrefix("BEGIN;\n") && ownText.hasSuffix("COMMIT;\n"))
        // Errors still name the file's own line: line 1 of 003_alerts.sql is after BEGIN, the table and one row.
        #expect(own.locate(4).map { "\($0.name):\($0.line)" } == "003_alerts.sql:1")
    }
}

extension ComposeDeployCoreTests {
    @Test func aMigrationTheDatabaseHasNotAppliedIsAFinding() throws {
        var facts = ComposeCoreTests.facts([ComposeFacts.Service(name: "postgres", container: "pulse_postgres_1", image: "postgres:15", status: "running")])
        facts.compose![0].migrations = ComposeFacts.Migrations(directory: "db/migrations", files: ["001_init.sql", "002_devices.sql", "003_alerts.sql"],
                                                               service: "postgres", database: "iotcloud", applied: ["001_init.sql", "002_devices.sql"], tracked: false)
        let findings = ComposeCoreTests.findings(facts).filter { $0.rule == "compose.migration-pending" }
        let finding = try #require(findings.first)
        #expect(findings.count == 1 && finding.subject == "pulse/db/migrations" && finding.severity == .warning)
        #expect(finding.summary == "1 migration in /opt/pulse/db/migrations not applied to iotcloud (service postgres): 003_alerts.sql")
        #expect(finding.evidence.contains("iotcloud: no steward_schema_migrations table; the tables of 001_init.sql, 002_devices.sql exist"))
        #expect(finding.fix.contains("steward deploy pulse --ref TAG"))
        // All applied, or the database could not say: nothing.
        facts.compose![0].migrations!.applied.append("003_alerts.sql")
        #expect(ComposeCoreTests.findings(facts).filter { $0.rule == "compose.migration-pending" }.isEmpty)
        facts.compose![0].migrations!.applied = []
        facts.compose![0].migrations!.unknown = "docker exec exited 1"
        #expect(ComposeCoreTests.findings(facts).filter { $0.rule == "compose.migration-pending" }.isEmpty)
    }
}

extension ComposeDeployCoreTests {
    @Test func aUnitThatRunsComposeUpIsItsProject() {
        func unit(_ argv: [String], dir: String = "/opt/pulse") -> UnitFacts {
            UnitFacts(name: "pulse-stack.service", workingDirectory: dir, execStart: argv, fragmentPath: "/etc/systemd/system/pulse-stack.service")
        }
        #expect(ComposeUnit.parse(unit(["/usr/bin/docker-compose", "-f", "docker-compose.yml", "up", "-d"]))
                == ComposeUnit(unit: "pulse-stack.service", directory: "/opt/pulse", project: "pulse", files: ["/opt/pulse/docker-compose.yml"]))
        #expect(ComposeUnit.parse(unit(["/usr/bin/docker", "compose", "--project-name=iot", "--project-directory", "/srv/iot", "--file", "/srv/iot/compose.yaml", "up", "--wait"], dir: ""))
                == ComposeUnit(unit: "pulse-stack.service", directory: "/srv/iot", project: "iot", files: ["/srv/iot/compose.yaml"]))
        // -pNAME; the first file's directory is the project's; the services up names (not its options' values).
        #expect(ComposeUnit.parse(unit(["/usr/bin/docker", "compose", "-piot", "-f", "deploy/compose.yaml", "up", "-d", "--scale", "web=2", "web", "worker"], dir: "/srv"))
                == ComposeUnit(unit: "pulse-stack.service", directory: "/srv/deploy", project: "iot", files: ["/srv/deploy/compose.yaml"], services: ["web", "worker"]))
        // Not `up`, not compose, no directory.
        #expect(ComposeUnit.parse(unit(["/usr/bin/docker-compose", "down"])) == nil)
        #expect(ComposeUnit.parse(unit(["/usr/bin/docker", "run", "--rm", "nginx"])) == nil)
        #expect(ComposeUnit.parse(unit(["/usr/bin/docker-compose", "up"], dir: "")) == nil)
        // The unit is the project, not an app instance of its own, once the compose probe found the project.
        var facts = Facts(units: [unit(["/usr/bin/docker-compose", "up", "-d"])])
        #expect(Inventory.build(facts: facts, manifest: .empty).instances.map(\.unit) == ["pulse-stack.service"])
        var project = ComposeFacts(project: "pulse", workingDir: "/opt/pulse")
        project.unit = "pulse-stack.service"
        facts.compose = [project]
        #expect(Inventory.build(facts: facts, manifest: .empty).instances.isEmpty)
    }
}

extension ComposeDeployCoreTests {
    @Test func anEnvFileIsAFileOfTheProjectAndComposeIsToldOfIt() throws {
        let ok = try ManifestParser.parse("version: 1\napps:\n  pulse:\n    kind: compose\n    directory: /opt/pulse\n    compose: {env_file: .env.production}\n", file: "s.yml").get()
        #expect(ok.app(named: "pulse")?.compose?.envFile == ".env.production")
        guard case .failure(let errors) = ManifestParser.parse("version: 1\napps:\n  pulse:\n    kind: compose\n    directory: /opt/pulse\n    compose: {env_file: ../secrets.env}\n", file: "s.yml") else {
            Issue.record("an env file outside the project was accepted")
            return
        }
        #expect(errors.description.contains("s.yml:6") && errors.description.contains("apps.pulse.compose.env_file"), "\(errors)")
        let cli = ComposeCLI(cli: "docker-compose", project: "pulse", files: ["/opt/pulse/docker-compose.yml"], directory: "/opt/pulse", envFile: "/opt/pulse/.env.production")
        #expect(cli.up().argv == ["docker-compose", "--project-name", "pulse", "--file", "/opt/pulse/docker-compose.yml", "--env-file", "/opt/pulse/.env.production", "up", "--detach", "--no-build"])
    }
}
