/// How an app is deployed (`apps.X.deploy` in the manifest): where its code comes from, how a release is laid
/// out, and what runs between the checkout and the restart. Every field has a default that matches the seeds'
/// hosts: an in-place git checkout, a venv, `requirements.txt`, migrations detected from the files present.
public struct DeploySpec: Sendable, Equatable, Codable {
    public enum Strategy: String, Sendable, Codable, CaseIterable {
        /// `git checkout` of the ref in the existing working directory (the seeds' hosts).
        case inPlace = "in-place"
        /// `releases/<ref>-<time>/` next to `shared/`, and a `current` symlink switched atomically.
        case releases
        /// `releases`, run in two slots (two units on two loopback ports) behind the operator's nginx: the new release
        /// starts in the idle slot, is checked there, and nginx is switched to it; the old slot drains, then stops.
        case blueGreen = "blue-green"

        /// Whether the code lives in `releases/<ref>-<time>/` with `shared/` and `current` (every strategy but in-place).
        public var usesReleases: Bool { self != .inPlace }
    }

    public enum RestartMode: String, Sendable, Codable, CaseIterable {
        /// `systemctl reload` when the unit declares `ExecReload=` and the strategy is `in-place`, else restart (a
        /// reloaded server keeps its working directory: the old release behind `current`).
        case auto
        case restart
        case reload
    }

    public var strategy: Strategy = .inPlace
    /// The git remote fetched before the checkout.
    public var remote: String = "origin"
    /// For `releases`: the repository the release cache clones (a URL or a path); nil means the app's checkout's
    /// `origin`.
    public var repository: String?
    /// The venv whose `bin/python` runs `manage.py`, `alembic` and pip; nil means found from the unit's `ExecStart`
    /// (`…/bin/gunicorn`) or `venv`/`.venv`/`myenv` in the checkout.
    public var venv: String?
    /// Relative to the checkout; skipped when the file does not exist, or when empty (a venv managed otherwise).
    public var requirements: String = "requirements.txt"
    /// Extra pip arguments, e.g. `[--no-index, --find-links, /srv/wheels]` on a host without PyPI.
    public var pipArguments: [String] = []
    /// The directory, relative to the checkout, holding `manage.py` or `alembic.ini` (seed 004's `chip_dashboard/`).
    public var workdir: String = ""
    public var migrations = MigrationSpec()
    /// Build commands run in the workdir after the migrations (`[python, manage.py, collectstatic, --noinput]`);
    /// `python` means the venv's.
    public var build: [[String]] = []
    /// How long the health gate retries the instance's checks before the deploy is rolled back.
    public var healthTimeoutSeconds: Int = 60
    /// Releases kept by the `releases` strategy (the running one and the previous good one are always kept).
    public var keep: Int = 5
    /// Paths (relative) linked from every release into `shared/`: the SQLite file, uploads, `.env`.
    public var shared: [String] = []
    public var restart: RestartMode = .auto
    /// Runs the app's commands (pip, migrations, build, hooks); nil means the unit's `User=`.
    public var user: String?
    /// Free space the checkout's filesystem must have before a deploy starts.
    public var minFreeBytes: Int64 = 200 * 1024 * 1024
    /// For `blue-green`: the slots' unit template and drain bound.
    public var slots: SlotSpec?

    public init() {}

    public static let defaults = DeploySpec()
}

/// How the schema is migrated.
public struct MigrationSpec: Sendable, Equatable, Codable {
    public enum Kind: String, Sendable, Codable, CaseIterable {
        /// Django when `manage.py` is in the workdir, Alembic when `alembic.ini` is, a SQL directory when
        /// `directory` exists, else none.
        case auto
        case django
        case alembic
        /// Numbered `.sql` files applied in order, recorded with their checksums in `steward_schema_migrations`.
        case sql
        /// `command`, run when `check` says something is pending (or every deploy without `check`).
        case command
        case none
    }

    public var kind: Kind = .auto
    /// For `sql`: relative to the checkout.
    public var directory: String = "db/migrations"
    /// For `sql`: the database, as `/etc/app/{instance}.env#DATABASE_URL`; nil means `DATABASE_URL` of the
    /// instance's env file.
    public var database: String?
    /// For `command`: the migration command.
    public var command: [String]?
    /// For `command`: exits 0 when nothing is pending.
    public var check: [String]?
    /// Marks the migrations reversible: a rollback runs this instead of restoring the pre-deploy backup.
    public var downgrade: [String]?

    public init() {}
}
