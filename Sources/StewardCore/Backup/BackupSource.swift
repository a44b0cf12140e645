/// One thing to back up for one app instance, resolved from the manifest and the host: a SQLite file, a PostgreSQL
/// database, a directory, or the instance's config files. Each source has its own row series in the catalog.
public struct BackupSource: Sendable, Equatable, Codable {
    public enum Kind: String, Sendable, Codable, CaseIterable {
        case sqlite, postgres, files, config
        /// PostgreSQL inside a Compose service's container, dumped and restored with the container's own tools.
        case composePostgres = "compose-postgres"

        /// Whether the source is a database (what `backup.missing` asks for).
        public var isDatabase: Bool { self == .sqlite || self == .postgres || self == .composePostgres }
    }

    public var app: String
    /// Instance name, empty for an app without instances.
    public var instance: String
    /// Source name within the instance: `db`, `media`, `config`.
    public var name: String
    public var kind: Kind
    /// The SQLite file or the directory.
    public var path: String?
    /// The PostgreSQL URL, by reference.
    public var url: SecretRef?
    /// tar exclude patterns for a directory.
    public var exclude: [String]
    /// Files of a config snapshot (env files, unit file and drop-ins).
    public var files: [String]
    /// A Compose service's container holds it (`compose-postgres`): its project and service, resolved to the running
    /// container at each run.
    public var project: String?
    public var service: String?

    public init(app: String, instance: String, name: String, kind: Kind, path: String? = nil, url: SecretRef? = nil,
                exclude: [String] = [], files: [String] = []) {
        self.app = app
        self.instance = instance
        self.name = name
        self.kind = kind
        self.path = path
        self.url = url
        self.exclude = exclude
        self.files = files
    }

    /// `marb@prod`, or the app alone.
    public var instanceLabel: String { instance.isEmpty ? app : "\(app)@\(instance)" }
    /// `marb@prod/db`.
    public var label: String { "\(instanceLabel)/\(name)" }
    /// What it reads, for listings: a path, a reference, never a secret value.
    public var origin: String {
        switch kind {
        case .sqlite, .files: path ?? "?"
        case .postgres: url?.description ?? "?"
        case .config: files.joined(separator: ", ")
        case .composePostgres: "compose service \(project ?? "?")/\(service ?? "?")"
        }
    }
    /// File name suffix of the stored artifact.
    public var fileExtension: String {
        switch kind {
        case .sqlite: "sqlite3"
        case .postgres, .composePostgres: "pgdump"
        case .files, .config: "tar.gz"
        }
    }
}
