/// What the manifest says about an app's backups (`apps.X.backup`): the sources, how old the newest backup and the
/// newest proven restore may be, how many to keep, and when the timer runs.
///
/// Every key is optional. With no `backup:` at all an app is still backed up by discovery: the database its env file
/// names (`DATABASE_URL`) and a snapshot of its env and unit files.
public struct BackupSpec: Sendable, Equatable, Codable {
    /// Databases declared explicitly; when empty, the env file's `DATABASE_URL` is used.
    public var databases: [DatabaseDeclaration]
    /// Directories to archive (uploads, media), each with exclude patterns.
    public var directories: [DirectoryDeclaration]
    /// Whether the instance's env and unit files are archived too (a config snapshot).
    public var config: Bool
    /// The newest backup may be this old before `backup.stale` (minutes; default 24 h).
    public var maxAgeMinutes: Int
    /// The newest successful verification may be this old before `backup.unverified` (minutes; default 7 days).
    public var verifyMaxAgeMinutes: Int
    public var retention: Retention
    /// systemd `OnCalendar=` expression for `steward backup schedule` (default `daily`).
    public var schedule: String
    /// Where backups are stored; `<store>/<app>/<instance>/`.
    public var store: String
    /// Whether verification runs the full `PRAGMA integrity_check` (default) or the faster `quick_check`.
    public var quickVerify: Bool

    public static let defaultStore = "/var/backups/steward"

    public init(databases: [DatabaseDeclaration] = [], directories: [DirectoryDeclaration] = [], config: Bool = true,
                maxAgeMinutes: Int = 24 * 60, verifyMaxAgeMinutes: Int = 7 * 24 * 60, retention: Retention = .defaults,
                schedule: String = "daily", store: String = BackupSpec.defaultStore, quickVerify: Bool = false) {
        self.databases = databases
        self.directories = directories
        self.config = config
        self.maxAgeMinutes = maxAgeMinutes
        self.verifyMaxAgeMinutes = verifyMaxAgeMinutes
        self.retention = retention
        self.schedule = schedule
        self.store = store
        self.quickVerify = quickVerify
    }

    public static let defaults = BackupSpec()
}

/// A database to back up: a SQLite file, or a PostgreSQL database whose URL is read from an env file.
public struct DatabaseDeclaration: Sendable, Equatable, Codable {
    public enum Engine: Sendable, Equatable, Codable {
        /// Path of the database file; may contain `{instance}`.
        case sqlite(path: String)
        /// `postgresql://…` taken from an env file by reference; the file may contain `{instance}`.
        case postgres(url: SecretRef)
    }
    /// Source name in the catalog (`db` unless given).
    public var name: String
    public var engine: Engine

    public init(name: String = "db", engine: Engine) {
        self.name = name
        self.engine = engine
    }
}

/// A directory archived with tar and gzip; `exclude` patterns are tar's (`*.tmp`, `cache`).
public struct DirectoryDeclaration: Sendable, Equatable, Codable {
    /// Source name in the catalog (the directory's last component unless given).
    public var name: String
    /// Absolute path; may contain `{instance}`.
    public var path: String
    public var exclude: [String]

    public init(name: String? = nil, path: String, exclude: [String] = []) {
        self.path = path
        self.exclude = exclude
        self.name = name ?? path.split(separator: "/").last.map(String.init) ?? "files"
    }
}

/// Grandfather-father-son retention: the newest `last`, plus the newest of each of the last `daily` days and of the
/// last `weekly` ISO weeks.
public struct Retention: Sendable, Equatable, Codable {
    public var last: Int
    public var daily: Int
    public var weekly: Int

    public init(last: Int, daily: Int, weekly: Int) {
        self.last = last
        self.daily = daily
        self.weekly = weekly
    }

    public static let defaults = Retention(last: 7, daily: 7, weekly: 4)
}
