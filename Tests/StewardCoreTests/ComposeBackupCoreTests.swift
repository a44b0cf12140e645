import Foundation
import Testing
@testable import StewardCore

/// The pure parts of a Compose project's backups: which sources a project has, the `docker exec` command lines of its
/// PostgreSQL, and the row counts read from a dump's data script.
@Suite struct ComposeBackupCoreTests {
    static let pgdata = ComposeFacts.Volume(name: "pulse_pgdata", destination: "/var/lib/postgresql/data", mountpoint: "/var/lib/docker/volumes/pulse_pgdata/_data")
    static let uploads = ComposeFacts.Volume(name: "pulse_uploads", destination: "/data", mountpoint: "/var/lib/docker/volumes/pulse_uploads/_data")

    static func facts() -> Facts {
        let postgres = ComposeFacts.Service(name: "postgres", container: "pulse_postgres_1", image: "steward/postgres:15", status: "running", volumes: [pgdata])
        let ui = ComposeFacts.Service(name: "ui", container: "pulse_ui_1", image: "pulse_ui", status: "running", volumes: [uploads])
        let ui2 = ComposeFacts.Service(name: "ui", container: "pulse_ui_2", image: "pulse_ui", status: "running", volumes: [uploads])
        let env = EnvFileFacts(path: "/opt/pulse/.env", exists: true)
        return Facts(compose: [ComposeFacts(project: "pulse", workingDir: "/opt/pulse", configFiles: ["/opt/pulse/docker-compose.yml"],
                                            services: [postgres, ui, ui2], env: env)])
    }

    @Test func aProjectIsBackedUpAsItsDatabaseItsOtherVolumesAndItsFiles() throws {
        let facts = Self.facts()
        let instances = Inventory.composeInstances(facts: facts, manifest: .empty)
        #expect(instances.map(\.label) == ["pulse"] && instances.map(\.kind) == [Inventory.composeKind])
        let sources = BackupPlanner.sources(for: try #require(instances.first), facts: facts, manifest: .empty)
        #expect(sources.map(\.name) == ["db", "volume-uploads", "config"])
        #expect(sources.map(\.kind) == [.composePostgres, .files, .config])
        #expect(sources[0].project == "pulse" && sources[0].service == "postgres" && sources[0].origin == "compose service pulse/postgres")
        // The database's own data volume is dumped, never archived under a running server.
        #expect(sources[1].path == "/var/lib/docker/volumes/pulse_uploads/_data")
        #expect(sources[2].files == ["/opt/pulse/docker-compose.yml", "/opt/pulse/.env"])
        #expect(sources[0].fileExtension == "pgdump" && BackupSource.Kind.composePostgres.isDatabase)
    }

    @Test func aDeclaredProjectIsNamedByItsAppAndSeveralDatabasesByTheirServices() throws {
        var facts = Self.facts()
        facts.compose![0].services.append(ComposeFacts.Service(name: "analytics", container: "pulse_analytics_1", image: "postgis/postgis:16-3.4@sha256:ab", status: "running"))
        let manifest = try ManifestParser.parse("""
            version: 1
            apps:
              platform:
                kind: compose
                directory: /opt/pulse
                compose: {project: pulse}
                backup: {config: false}
            """, file: "steward.yml").get()
        let instances = Inventory.composeInstances(facts: facts, manifest: manifest)
        #expect(instances.map(\.label) == ["platform"])
        let sources = BackupPlanner.sources(for: try #require(instances.first), facts: facts, manifest: manifest)
        #expect(sources.map(\.name) == ["db-analytics", "db-postgres", "volume-uploads"])
        #expect(sources.map(\.service) == ["analytics", "postgres", nil])
    }

    @Test func postgresImagesAreKnownByName() {
        func s(_ image: String) -> ComposeFacts.Service { ComposeFacts.Service(name: "x", container: "x", image: image, status: "running") }
        #expect(s("postgres").isPostgres && s("postgres:15-alpine").isPostgres && s("registry.example.org:5000/iot/postgres:15").isPostgres)
        #expect(s("timescale/timescaledb:latest-pg15").isPostgres && s("postgis/postgis@sha256:ab").isPostgres)
        #expect(!s("pgbouncer/pgbouncer").isPostgres && !s("pulse_ui").isPostgres && !s("redis:7").isPostgres && !s("").isPostgres)
    }

    @Test func dockerInspectReadsNamedVolumesNotBindMounts() throws {
        let json = """
            [{"Id": "aaa", "Name": "/pulse_postgres_1", "Config": {"Image": "postgres:15", "Labels": {}},
              "Mounts": [{"Type": "volume", "Name": "pulse_pgdata", "Source": "/var/lib/docker/volumes/pulse_pgdata/_data", "Destination": "/var/lib/postgresql/data"},
                         {"Type": "bind", "Source": "/opt/pulse/init.sql", "Destination": "/docker-entrypoint-initdb.d/init.sql"}]}]
            """
        let c = try #require(try DockerInspect.containers(fromJSON: json).first)
        #expect(c.facts.volumes == [Self.pgdata])
    }

    @Test func containerCommandsAreExactArgv() {
        let db = ContainerPostgres(container: "abc123", environment: "POSTGRES_USER=iot\nPOSTGRES_DB=iotcloud\n")
        #expect(db == ContainerPostgres(container: "abc123", user: "iot", database: "iotcloud"))
        #expect(ContainerPostgres(container: "c", environment: "") == ContainerPostgres(container: "c", user: "postgres", database: "postgres"))
        #expect(ContainerPostgres(container: "c", environment: "POSTGRES_USER=app\n") == ContainerPostgres(container: "c", user: "app", database: "app"))
        #expect(db.dump().argv == ["docker", "exec", "abc123", "pg_dump", "--format=custom", "--username=iot", "--dbname=iotcloud"])
        #expect(db.dump().writing(to: "/var/backups/x.partial").display == "docker exec abc123 pg_dump --format=custom --username=iot --dbname=iotcloud > /var/backups/x.partial")
        #expect(db.dataScript().argv == ["docker", "exec", "-i", "abc123", "pg_restore", "--data-only", "--file=-"])
        #expect(db.restore(into: "iotcloud_steward_new").argv
                == ["docker", "exec", "-i", "abc123", "pg_restore", "--exit-on-error", "--single-transaction", "--no-owner", "--username=iot", "--dbname=iotcloud_steward_new"])
        #expect(db.createDatabase("s").argv == ["docker", "exec", "abc123", "psql", "--no-psqlrc", "--tuples-only", "--no-align", "--quiet",
                                               "--set=ON_ERROR_STOP=1", "--username=iot", "--dbname=postgres", "--command=CREATE DATABASE \"s\" OWNER \"iot\""])
        #expect(ContainerPostgres(container: "c", user: "postgres", database: "postgres").adminDatabase == "template1")
        #expect(db.dropDatabase("s").arguments.last == "--command=DROP DATABASE IF EXISTS \"s\"")
        #expect((db.restoringName, db.previousName) == ("iotcloud_steward_new", "iotcloud_steward_old"))
        #expect(Docker.runningServiceContainer(project: "pulse", service: "postgres").argv
                == ["docker", "ps", "--quiet", "--no-trunc", "--filter", "label=com.docker.compose.project=pulse",
                    "--filter", "label=com.docker.compose.service=postgres", "--filter", "label=com.docker.compose.oneoff=False", "--filter", "status=running"])
        // Only the two names leave docker: the password stays in the container's environment.
        #expect(Docker.environment("abc123", names: ["POSTGRES_USER", "POSTGRES_DB"]).argv
                == ["docker", "container", "inspect", "--format",
                    #"{{range .Config.Env}}{{$k := index (split . "=") 0}}{{if or (eq $k "POSTGRES_USER") (eq $k "POSTGRES_DB")}}{{println .}}{{end}}{{end}}"#,
                    "--", "abc123"])
        #expect(Docker.stop(["pulse_ui_1", "pulse_ingest_1"]).argv == ["docker", "stop", "--", "pulse_ui_1", "pulse_ingest_1"])
        #expect(Docker.start(["pulse_ui_1"]).argv == ["docker", "start", "--", "pulse_ui_1"])
    }

    @Test func theDumpsDataScriptIsCountedPerTable() {
        let script = #"""
            --
            -- PostgreSQL database dump
            --
            SET statement_timeout = 0;
            COPY public.devices (id, name, payload) FROM stdin;
            1	sensor-1	{"a": "line\nbreak"}
            2	sensor-2	\N
            \.
            COPY public."Odd ""Name""" (id) FROM stdin;
            7
            \.
            COPY audit.empty (id) FROM stdin;
            \.
            SELECT pg_catalog.setval('public.devices_id_seq', 2, true);
            """#
        var counter = ContainerPostgresDump()
        for line in script.split(separator: "\n", omittingEmptySubsequences: false) { counter.feed(line) }
        #expect(counter.tables == ["public.devices": 2, "public.Odd \"Name\"": 1, "audit.empty": 0])
    }
}
