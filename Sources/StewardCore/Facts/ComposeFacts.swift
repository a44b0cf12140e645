/// One Docker Compose project as the host runs it: its containers (found by the labels Compose puts on them), the
/// `.env` beside its compose file, and the Python packages of its build contexts that no Dockerfile copies. The compose
/// rules judge these.
public struct ComposeFacts: Sendable, Codable, Equatable {
    /// A port the container publishes on the host (`docker inspect`'s `NetworkSettings.Ports`).
    public struct Port: Sendable, Codable, Equatable {
        /// `0.0.0.0`, `::` or an address; empty means every address, as Docker reads it.
        public var hostIP: String
        public var hostPort: Int
        public var containerPort: Int
        public var proto: String

        public init(hostIP: String, hostPort: Int, containerPort: Int, proto: String = "tcp") {
            self.hostIP = hostIP
            self.hostPort = hostPort
            self.containerPort = containerPort
            self.proto = proto
        }

        /// Published beyond loopback: on every address (`0.0.0.0`, `::`, empty) or on one the network reaches.
        public var isPublic: Bool { !(hostIP.hasPrefix("127.") || hostIP == "::1" || hostIP == "localhost") }
    }

    /// A named volume a container mounts (`docker volume`, not a bind mount of a host directory).
    public struct Volume: Sendable, Codable, Equatable {
        /// The engine's name (`pulse_uploads`: Compose prefixes the project).
        public var name: String
        /// Where the container sees it (`/var/lib/postgresql/data`).
        public var destination: String
        /// Where its files are on the host (`/var/lib/docker/volumes/pulse_uploads/_data`).
        public var mountpoint: String

        public init(name: String, destination: String, mountpoint: String) {
            self.name = name
            self.destination = destination
            self.mountpoint = mountpoint
        }
    }

    /// One container of a service (a scaled service has several).
    public struct Service: Sendable, Codable, Equatable {
        public var name: String
        public var container: String
        public var image: String
        public var imageID: String
        /// Docker's `State.Status`: `running`, `restarting`, `exited`, `created`, `paused`, `dead`.
        public var status: String
        public var restartCount: Int
        public var exitCode: Int
        public var oomKilled: Bool
        /// `State.Health.Status` (`healthy`, `unhealthy`, `starting`); nil without a healthcheck.
        public var health: String?
        /// The last healthcheck's output, cut and scrubbed.
        public var healthLog: String?
        public var ports: [Port]
        /// What `docker logs --since` showed over the journal window; nil when not read.
        public var logs: UnitLogFacts?
        /// The image id the container's image reference (`image`, e.g. `postgres:15`) names on this host now: nil when
        /// no local image carries that tag any more, or when it was not looked up (`tagChecked`).
        public var tagImageID: String?
        public var tagChecked: Bool
        /// The named volumes it mounts.
        public var volumes: [Volume]

        public init(name: String, container: String, image: String = "", imageID: String = "", status: String, restartCount: Int = 0,
                    exitCode: Int = 0, oomKilled: Bool = false, health: String? = nil, healthLog: String? = nil, ports: [Port] = [],
                    logs: UnitLogFacts? = nil, tagImageID: String? = nil, tagChecked: Bool = false, volumes: [Volume] = []) {
            self.name = name
            self.container = container
            self.image = image
            self.imageID = imageID
            self.status = status
            self.restartCount = restartCount
            self.exitCode = exitCode
            self.oomKilled = oomKilled
            self.health = health
            self.healthLog = healthLog
            self.ports = ports
            self.logs = logs
            self.tagImageID = tagImageID
            self.tagChecked = tagChecked
            self.volumes = volumes
        }

        /// A PostgreSQL server by its image (`postgres:15`, `postgis/postgis`, `timescale/timescaledb`, a registry's
        /// `…/postgres`): backed up with its own `pg_dump` inside the container, its data volume not archived as files.
        public var isPostgres: Bool {
            let repository = image.split(separator: "@").first.map { $0.split(separator: "/").last ?? "" } ?? ""
            let name = repository.split(separator: ":").first.map(String.init)?.lowercased() ?? ""
            return ["postgres", "postgis", "timescaledb", "timescaledb-ha"].contains(name)
        }

        /// The image reference with its tag made explicit (`postgres` → `postgres:latest`); nil for a digest reference
        /// (`…@sha256:…`), which cannot vanish the way a tag does.
        public var taggedImage: String? {
            guard !image.isEmpty, !image.contains("@") else { return nil }
            let last = image.split(separator: "/").last ?? ""
            return last.contains(":") ? image : image + ":latest"
        }
    }

    /// A top-level Python package of a build context (a directory with `__init__.py`) that no `COPY`/`ADD` of the
    /// service's Dockerfile brings into the image: its imports fail with `ModuleNotFoundError` at start.
    public struct UncopiedPackage: Sendable, Codable, Equatable {
        public var service: String
        public var dockerfile: String
        public var package: String
        /// The directory of the image the package belongs in (beside the code the Dockerfile copies), for the fix.
        public var copiedTo: String?

        public init(service: String, dockerfile: String, package: String, copiedTo: String?) {
            self.service = service
            self.dockerfile = dockerfile
            self.package = package
            self.copiedTo = copiedTo
        }
    }

    public var project: String
    /// `com.docker.compose.project.working_dir`.
    public var workingDir: String
    /// `com.docker.compose.project.config_files`.
    public var configFiles: [String]
    public var services: [Service]
    /// The project's `.env` (Compose reads it for `${…}` in the file, and services name it in `env_file`).
    public var env: EnvFileFacts?
    public var uncopied: [UncopiedPackage]
    /// Why the compose file or a Dockerfile could not be read, when one could not.
    public var unreadable: [String]
    /// How this host runs Compose: `docker compose` (the plugin) or `docker-compose` (v1), for the fixes.
    public var cli: String
    /// The manifest's app (`kind: compose`) this project is; nil for one found only by its containers.
    public var app: String?
    /// The services the manifest says must run (`compose.services`).
    public var declaredServices: [String]
    /// The services the compose files build (`build:`), whose images a deploy makes.
    public var built: [String]?
    /// The systemd unit that runs `docker compose up` for it, when one does (``ComposeUnit``).
    public var unit: String?
    /// The services that unit's `up` starts (those it names, else every service of the file but a profile's): each
    /// must have a container, though a one-shot job's that exited 0 has done its work.
    public var unitServices: [String]?
    /// The project's numbered SQL migrations against its PostgreSQL's record of them; nil without either.
    public var migrations: Migrations?

    /// The numbered SQL files of the project (`db/migrations`) and what its database has applied.
    public struct Migrations: Sendable, Codable, Equatable {
        /// Relative to the project's directory.
        public var directory: String
        public var files: [String]
        public var service: String
        public var database: String
        /// Applied files: the tracking table's rows, or without one what the schema shows (``SQLMigrationAdoption``).
        public var applied: [String]
        /// How `applied` was known: `steward_schema_migrations`, or the tables the files create.
        public var tracked: Bool
        /// Why the database could not say, when it could not.
        public var unknown: String?

        public init(directory: String, files: [String], service: String, database: String, applied: [String], tracked: Bool, unknown: String? = nil) {
            self.directory = directory
            self.files = files
            self.service = service
            self.database = database
            self.applied = applied
            self.tracked = tracked
            self.unknown = unknown
        }

        /// The files not applied, in order.
        public var pending: [String] { unknown != nil ? [] : files.filter { !applied.contains($0) } }
    }

    public init(project: String, workingDir: String, configFiles: [String] = [], services: [Service] = [], env: EnvFileFacts? = nil,
                uncopied: [UncopiedPackage] = [], unreadable: [String] = [], cli: String = "docker compose", app: String? = nil,
                declaredServices: [String] = []) {
        self.project = project
        self.workingDir = workingDir
        self.configFiles = configFiles
        self.services = services
        self.env = env
        self.uncopied = uncopied
        self.unreadable = unreadable
        self.cli = cli
        self.app = app
        self.declaredServices = declaredServices
    }
}
