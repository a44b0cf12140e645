import Foundation
import Testing
@testable import StewardCore

/// Docker Compose's pure parts: `docker inspect`'s answer, what a Dockerfile copies, a compose file's builds and a
/// Python file's imports, and the compose rules on facts made by hand.
@Suite struct ComposeCoreTests {
    /// A trimmed `docker container inspect` of seed 003's shape: postgres published on every address, healthy; ingest
    /// restarting; a one-off `run` container.
    static let inspect = """
        [{"Id": "aaa", "Name": "/pulse_postgres_1", "Image": "sha256:1111", "RestartCount": 0,
          "State": {"Status": "running", "Running": true, "Restarting": false, "OOMKilled": false, "ExitCode": 0,
                    "Health": {"Status": "healthy", "Log": [{"ExitCode": 0, "Output": "/var/run/postgresql:5432 - accepting connections\\n"}]}},
          "Config": {"Image": "steward/postgres:15", "Labels": {"com.docker.compose.project": "pulse", "com.docker.compose.service": "postgres",
                     "com.docker.compose.project.working_dir": "/opt/pulse", "com.docker.compose.project.config_files": "docker-compose.yml"}},
          "NetworkSettings": {"Ports": {"5432/tcp": [{"HostIp": "0.0.0.0", "HostPort": "5432"}, {"HostIp": "::", "HostPort": "5432"}]}},
          "HostConfig": {"PortBindings": {"5432/tcp": [{"HostIp": "", "HostPort": "5432"}]}}},
         {"Id": "bbb", "Name": "/pulse_ingest_1", "Image": "sha256:2222", "RestartCount": 7,
          "State": {"Status": "restarting", "Restarting": true, "OOMKilled": false, "ExitCode": 1},
          "Config": {"Image": "pulse_ingest", "Labels": {"com.docker.compose.project": "pulse", "com.docker.compose.service": "ingest",
                     "com.docker.compose.project.working_dir": "/opt/pulse", "com.docker.compose.project.config_files": "docker-compose.yml"}},
          "NetworkSettings": {"Ports": {}}, "HostConfig": {"PortBindings": {"8081/tcp": [{"HostIp": "127.0.0.1", "HostPort": "8081"}]}}},
         {"Id": "ccc", "Name": "/pulse_ui_run_1", "State": {"Status": "exited", "ExitCode": 0},
          "Config": {"Labels": {"com.docker.compose.project": "pulse", "com.docker.compose.service": "ui", "com.docker.compose.oneoff": "True"}}}]
        """

    @Test func dockerInspectGivesEachContainersStateAndProject() throws {
        let containers = try DockerInspect.containers(fromJSON: Self.inspect)
        #expect(containers.map(\.name) == ["pulse_postgres_1", "pulse_ingest_1", "pulse_ui_run_1"])
        #expect(containers.map(\.oneOff) == [false, false, true])
        let postgres = containers[0]
        #expect(postgres.project == "pulse" && postgres.workingDir == "/opt/pulse" && postgres.configFiles == ["docker-compose.yml"])
        #expect(postgres.facts.health == "healthy" && postgres.facts.status == "running")
        #expect(postgres.facts.ports == [ComposeFacts.Port(hostIP: "0.0.0.0", hostPort: 5432, containerPort: 5432),
                                         ComposeFacts.Port(hostIP: "::", hostPort: 5432, containerPort: 5432)])
        #expect(postgres.facts.healthLog == "exit 0: /var/run/postgresql:5432 - accepting connections")
        // A restarting container has no live ports: its configured bindings stand in.
        let ingest = containers[1]
        #expect(ingest.facts.status == "restarting" && ingest.facts.restartCount == 7 && ingest.facts.exitCode == 1)
        #expect(ingest.facts.ports == [ComposeFacts.Port(hostIP: "127.0.0.1", hostPort: 8081, containerPort: 8081)])
        #expect(throws: (any Error).self) { try DockerInspect.containers(fromJSON: "not json") }
    }

    @Test func aDockerfilesCopiesAreReadWithTheirFlagsAndForms() {
        let dockerfile = """
            # syntax=docker/dockerfile:1
            FROM python:3.11-slim AS base
            WORKDIR /srv
            COPY --chown=app:app requirements.txt ./
            COPY --from=base /usr/local /usr/local
            copy ["app/", "/srv/app/"]
            ADD https://example.org/file.tgz /tmp/
            COPY lib/*.py \\
                 /srv/lib/
            CMD ["python", "-m", "app.main"]
            """
        let copies = DockerfileCopies.parse(dockerfile)
        #expect(copies.sources == ["requirements.txt", "app", "lib/*.py"])
        #expect(copies.firstDestination == "/srv/app/", "the code's copy, not requirements.txt's")
        #expect(copies.packageDirectory == "/srv/", "beside app/ in the WORKDIR")
        #expect(DockerfileCopies.parse("WORKDIR /app\nCOPY app /app/app\n").packageDirectory == "/app/", "beside a directory copied under its own name")
        #expect(DockerfileCopies.parse("WORKDIR /app\nCOPY app /app\n").packageDirectory == "/app/", "app's contents are the code's root")
        #expect(DockerfileCopies.parse("COPY app/ /srv/app/\n").packageDirectory == "/srv/")
        #expect(DockerfileCopies.parse("COPY src/ /srv/\n").packageDirectory == "/srv/")
        #expect(DockerfileCopies.parse("WORKDIR /code\nCOPY . .\n").packageDirectory == "/code/")
        #expect(DockerfileCopies.parse("COPY requirements.txt /tmp/requirements.txt\nCOPY app/ /srv/app/\n").packageDirectory == "/srv/")
        // Multi-stage: the last stage's copies make the image.
        #expect(DockerfileCopies.parse("FROM a AS build\nCOPY . /src\nFROM b\nCOPY app/ /srv/app/\n").sources == ["app"])
        #expect(DockerfileCopies.covers(copies.sources, "app"))
        #expect(!DockerfileCopies.covers(copies.sources, "telemetry"))
        #expect(DockerfileCopies.covers(["."], "telemetry"), "COPY . . copies everything")
        #expect(DockerfileCopies.covers(["tele*"], "telemetry"))
        #expect(DockerfileCopies.covers(["telemetry/parse.py"], "telemetry"), "part of the package is there")
    }

    @Test func aComposeFilesBuildsAndAPythonFilesImports() throws {
        let file = """
            version: "3.8"
            services:
              ui: {build: ./services/ui, ports: ["127.0.0.1:8080:8080"]}
              ingest:
                build: {context: services/ingest, dockerfile: docker/Dockerfile}
              postgres: {image: postgres:15}
            """
        #expect(try ComposeFile.builds(file) == [ComposeFile.Build(service: "ingest", context: "services/ingest", dockerfile: "docker/Dockerfile"),
                                                 ComposeFile.Build(service: "ui", context: "./services/ui", dockerfile: "Dockerfile")])
        #expect(ComposeFile.path("./services/ui", in: "/opt/pulse") == "/opt/pulse/services/ui")
        #expect(ComposeFile.path("../../etc", in: "/opt/pulse") == "/etc")
        #expect(ComposeFile.path("../../../x", in: "/opt/pulse") == nil)
        #expect(ComposeFile.path("https://github.com/a/b.git", in: "/opt/pulse") == nil)
        #expect(ComposeFile.imports("import os, json\nfrom telemetry.parse import frame\nfrom . import local\n    import app.db as db\n")
                == ["os", "json", "telemetry", "app"])
    }

    @Test func aServiceWhoseImageTagVanishedIsFound() {
        #expect(DockerInspect.imageTags(fromList: "pulse_ui:latest sha256:aa\npostgres:15 sha256:bb\n<none>:<none> sha256:cc\n")
                == ["pulse_ui:latest": "sha256:aa", "postgres:15": "sha256:bb"])
        var gone = ComposeFacts.Service(name: "postgres", container: "pulse_postgres_1", image: "registry.example.org:5000/iot/postgres",
                                        imageID: "sha256:0123456789abcdef", status: "running", tagChecked: true)
        #expect(gone.taggedImage == "registry.example.org:5000/iot/postgres:latest", "a registry's port is not a tag")
        let findings = Self.findings(Self.facts([gone]))
        #expect(findings.map(\.summary) == ["Service postgres of compose project pulse runs image 0123456789ab, but its tag registry.example.org:5000/iot/postgres:latest no longer exists on this host"])
        gone.tagImageID = "sha256:0123456789abcdef"
        #expect(Self.findings(Self.facts([gone])).isEmpty)
        gone = ComposeFacts.Service(name: "postgres", container: "pulse_postgres_1", image: "postgres@sha256:feed", status: "running", tagChecked: true)
        #expect(gone.taggedImage == nil && Self.findings(Self.facts([gone])).isEmpty, "a digest reference does not vanish like a tag")
    }

    static func facts(_ services: [ComposeFacts.Service], env: EnvFileFacts? = nil, uncopied: [ComposeFacts.UncopiedPackage] = []) -> Facts {
        Facts(compose: [ComposeFacts(project: "pulse", workingDir: "/opt/pulse", configFiles: ["/opt/pulse/docker-compose.yml"],
                                     services: services, env: env, uncopied: uncopied, cli: "docker-compose")])
    }

    static func findings(_ facts: Facts) -> [Finding] {
        RuleCatalog.evaluate(AuditContext(facts: facts)).filter { $0.rule.hasPrefix("compose.") }
    }

    @Test func theComposeRulesJudgeServicesPortsCredentialsAndImages() throws {
        var ingest = ComposeFacts.Service(name: "ingest", container: "pulse_ingest_1", status: "restarting", restartCount: 7, exitCode: 1)
        ingest.logs = JournalAnalyzer.logFacts(name: "pulse_ingest_1", lines: """
            Traceback (most recent call last):
              File "/srv/app/main.py", line 3, in <module>
                from telemetry import parse
            ModuleNotFoundError: No module named 'telemetry'
            """)
        let postgres = ComposeFacts.Service(name: "postgres", container: "pulse_postgres_1", status: "running", health: "healthy",
                                            ports: [ComposeFacts.Port(hostIP: "0.0.0.0", hostPort: 5432, containerPort: 5432),
                                                    ComposeFacts.Port(hostIP: "::", hostPort: 5432, containerPort: 5432)])
        let ui = ComposeFacts.Service(name: "ui", container: "pulse_ui_1", status: "running", health: "unhealthy", healthLog: "exit 1: 503",
                                      ports: [ComposeFacts.Port(hostIP: "127.0.0.1", hostPort: 8080, containerPort: 8080)])
        let worker = ComposeFacts.Service(name: "worker", container: "pulse_worker_1", status: "exited", exitCode: 137, oomKilled: true)
        let env = EnvFileFacts(path: "/opt/pulse/.env", exists: true, keys: ["POSTGRES_USER", "POSTGRES_PASSWORD", "ADMIN_PASSWORD", "DATABASE_URL", "LOG_LEVEL"],
                               values: ["POSTGRES_USER": Secret("iot"), "POSTGRES_PASSWORD": Secret("iot_dev"), "ADMIN_PASSWORD": Secret("admin_dev"),
                                        "DATABASE_URL": Secret("postgresql://iot:iot_dev@postgres:5432/iotcloud"), "LOG_LEVEL": Secret("info")])
        let uncopied = ComposeFacts.UncopiedPackage(service: "ingest", dockerfile: "/opt/pulse/services/ingest/Dockerfile", package: "telemetry", copiedTo: "/srv/")
        let findings = Self.findings(Self.facts([ingest, postgres, ui, worker], env: env, uncopied: [uncopied]))
        #expect(findings.map { "\($0.rule) \($0.subject)" }.sorted() == [
            "compose.database-port-public pulse/postgres:5432", "compose.default-credentials /opt/pulse/.env",
            "compose.log-tracebacks pulse/ingest", "compose.service-down pulse/worker", "compose.service-restarting pulse/ingest",
            "compose.service-unhealthy pulse/ui", "compose.uncopied-package pulse/ingest telemetry",
        ])
        let text = findings.map { "\($0.summary) \($0.evidence) \($0.fix)" }.joined(separator: "\n")
        #expect(!text.contains("iot_dev") && !text.contains("admin_dev"), "a secret value was printed")
        let credentials = try #require(findings.first { $0.rule == "compose.default-credentials" })
        #expect(credentials.summary == "/opt/pulse/.env (compose project pulse) uses a well-known default value for POSTGRES_PASSWORD, ADMIN_PASSWORD, DATABASE_URL")
        let restarting = try #require(findings.first { $0.rule == "compose.service-restarting" })
        #expect(restarting.evidence.contains("log: ModuleNotFoundError: No module named 'telemetry'"), "\(restarting.evidence)")
        let package = try #require(findings.first { $0.rule == "compose.uncopied-package" })
        #expect(package.fix == "Add `COPY telemetry/ /srv/telemetry/` to /opt/pulse/services/ingest/Dockerfile (beside the COPY of the rest of the code), then `cd /opt/pulse && docker-compose -p pulse up -d --build ingest`.")
        let port = try #require(findings.first { $0.rule == "compose.database-port-public" })
        #expect(port.evidence == ["pulse_postgres_1: 0.0.0.0:5432 → 5432/tcp", "pulse_postgres_1: :::5432 → 5432/tcp"], "one finding for both bindings")
        #expect(port.summary.hasSuffix("published beyond loopback, port 5432 on every address"))
        #expect(ComposeFacts.Port(hostIP: "203.0.113.5", hostPort: 5432, containerPort: 5432).isPublic, "one public address is public too")
        #expect(!ComposeFacts.Port(hostIP: "127.0.0.1", hostPort: 5432, containerPort: 5432).isPublic)
        let down = try #require(findings.first { $0.rule == "compose.service-down" })
        #expect(down.summary.contains("killed for memory (OOMKilled)"))
        // Healthy, running, loopback-only, no defaults: nothing to say.
        let fine = ComposeFacts.Service(name: "ui", container: "pulse_ui_1", status: "running", health: "healthy",
                                        ports: [ComposeFacts.Port(hostIP: "127.0.0.1", hostPort: 5432, containerPort: 5432)])
        #expect(Self.findings(Self.facts([fine], env: EnvFileFacts(path: "/opt/pulse/.env", exists: true, keys: ["POSTGRES_PASSWORD"], values: ["POSTGRES_PASSWORD": Secret("Zq8v1xK2pW9")]))).isEmpty)
    }

    static let manifest = """
        version: 1
        apps:
          pulse:
            kind: compose
            directory: /opt/pulse
            health: /health
            compose: {project: pulse, files: [docker-compose.yml], services: [ui, ingest, postgres]}
        """

    @Test func aComposeAppIsDeclaredWithItsProjectFilesAndServices() throws {
        let manifest = try #require(ManifestFixture.manifest(Self.manifest), "\(ManifestFixture.errors(Self.manifest))")
        let pulse = try #require(manifest.app(named: "pulse"))
        #expect(pulse.kind == .compose)
        #expect(pulse.compose == ComposeSpec(project: "pulse", files: ["docker-compose.yml"], services: ["ui", "ingest", "postgres"]))
        #expect(pulse.unitNames.isEmpty, "a compose project runs as containers, not units")
        #expect(ComposeSpec.defaultProject(directory: "/opt/OpsConductor Pulse") == "opsconductorpulse")
    }

    @Test(arguments: [
        ("    directory: /opt/pulse\n", "", "apps.pulse: kind compose needs directory: the project's directory (where its compose file is)"),
        ("project: pulse", "project: Pulse!", "apps.pulse.compose.project: expected a compose project name (lower-case letters, digits, _ and -), got \"Pulse!\""),
        ("files: [docker-compose.yml]", "files: [../x.yml]", "apps.pulse.compose.files: expected paths inside the directory like docker-compose.yml, got \"../x.yml\""),
        ("kind: compose", "kind: fastapi", "apps.pulse.compose: compose is only for kind: compose"),
        ("    health: /health\n", "    health: /health\n    unit: pulse.service\n", "apps.pulse.unit: a compose project runs as containers, not a systemd unit"),
    ])
    func aComposeMistakeIsALocatedError(_ change: (String, String, String)) {
        let (old, new, expected) = change
        #expect(Self.manifest.contains(old))
        let errors = ManifestFixture.errors(Self.manifest.replacingOccurrences(of: old, with: new))
        #expect(errors.contains { $0.contains(expected) }, "\(errors)")
    }

    @Test func aDeclaredServiceWithoutAContainerIsDown() {
        var facts = Self.facts([ComposeFacts.Service(name: "ui", container: "pulse_ui_1", status: "running", health: "healthy")])
        facts.compose?[0].app = "pulse"
        facts.compose?[0].declaredServices = ["ui", "ingest"]
        let findings = Self.findings(facts)
        #expect(findings.map { "\($0.rule) \($0.subject): \($0.summary)" } == ["compose.service-down pulse/ingest: Service ingest of compose project pulse has no container: it does not run"])
        #expect(findings.first?.fix == "`cd /opt/pulse && docker-compose -p pulse up -d ingest` (`cd /opt/pulse && docker-compose -p pulse ps` shows what runs).")
    }

    @Test func aContainerCheckJudgesStateHealthAndRestarts() {
        let e = ContainerExpectation(project: "pulse", service: "ui", maxRestarts: 3)
        let healthy = ComposeFacts.Service(name: "ui", container: "pulse_ui_1", status: "running", restartCount: 1, health: "healthy")
        #expect(LocalEvaluators.container(e, [healthy]).status == .pass)
        let none = LocalEvaluators.container(e, [])
        #expect(none.status == .fail && none.found == "no container")
        var unhealthy = healthy
        (unhealthy.health, unhealthy.healthLog) = ("unhealthy", "exit 1: HTTP 500")
        #expect(LocalEvaluators.container(e, [unhealthy]).message == "pulse_ui_1's healthcheck says unhealthy (exit 1: HTTP 500)")
        var starting = healthy
        starting.health = "starting"
        #expect(LocalEvaluators.container(e, [starting]).severity == .warning)
        let looping = ComposeFacts.Service(name: "ui", container: "pulse_ui_1", status: "restarting", restartCount: 9, exitCode: 1)
        let verdict = LocalEvaluators.container(e, [looping])
        #expect(verdict.status == .fail && verdict.severity == .critical && verdict.found.hasPrefix("restarting, exit code 1"), "\(verdict)")
        // A scaled service: each container must run.
        #expect(LocalEvaluators.container(e, [healthy, looping]).status == .fail)
    }

    @Test func aComposeProjectsPresetsAreItsContainersPortsAndHealthURL() throws {
        let manifest = try #require(ManifestFixture.manifest(Self.manifest))
        var facts = Self.facts([
            ComposeFacts.Service(name: "postgres", container: "pulse_postgres_1", status: "running",
                                 ports: [ComposeFacts.Port(hostIP: "0.0.0.0", hostPort: 5432, containerPort: 5432), ComposeFacts.Port(hostIP: "::", hostPort: 5432, containerPort: 5432)]),
            ComposeFacts.Service(name: "ui", container: "pulse_ui_1", status: "running", ports: [ComposeFacts.Port(hostIP: "127.0.0.1", hostPort: 8080, containerPort: 8080)]),
        ])
        facts.compose?.append(ComposeFacts(project: "other", workingDir: "/srv/other", services: [ComposeFacts.Service(name: "web", container: "other_web_1", status: "running")]))
        let specs = Presets.checks(inventory: Inventory.build(facts: facts, manifest: manifest), facts: facts, manifest: manifest)
        #expect(specs.map(\.id) == ["container:pulse/ui", "container:pulse/ingest", "container:pulse/postgres",
                                    "port:pulse/postgres:5432", "port:pulse/ui:8080", "http:pulse/health"])
        #expect(specs.first { $0.id == "port:pulse/postgres:5432" }?.kind == .port(PortExpectation(port: 5432, address: nil)))
        #expect(specs.first { $0.id == "port:pulse/ui:8080" }?.kind == .port(PortExpectation(port: 8080, address: "127.0.0.1")))
        #expect(specs.last?.kind == .http(HTTPExpectation(url: "http://127.0.0.1:8080/health", maxLatencyMs: 2000)), "not on the database's port")
        // The daemon's view (declaredOnly: false) also checks projects found only by their labels.
        let all = Presets.checks(inventory: Inventory.build(facts: facts, manifest: manifest), facts: facts, manifest: manifest, declaredOnly: false)
        #expect(all.map(\.id).contains("container:other/web"))
    }

    /// The annotated example of a compose manifest ships and parses.
    @Test func theComposeExampleParses() throws {
        let url = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent().deletingLastPathComponent()
            .appendingPathComponent("examples/steward.pulse.yml")
        let text = try String(contentsOf: url, encoding: .utf8)
        let manifest = try #require(ManifestFixture.manifest(text), "\(ManifestFixture.errors(text))")
        #expect(manifest.app(named: "pulse")?.compose?.services == ["ui", "ingest", "postgres"])
        #expect(manifest.checks.map(\.kind) == [.container(ContainerExpectation(project: "pulse", service: "ingest", maxRestarts: 3))])
    }
}
