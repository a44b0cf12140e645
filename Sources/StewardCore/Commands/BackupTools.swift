/// Command lines of the tools backups use: pg_dump, pg_restore, psql, createdb, dropdb, tar and the systemctl verbs
/// that stop and start an app. Connection details travel in `PG*` variables and the password in a `PGPASSFILE`,
/// so no argv carries a DSN or a password (argv is world-readable in `ps`).
public enum PgDump {
    /// `pg_dump --format=custom --no-password --file=FILE [--snapshot=ID]`: the database `PGDATABASE` names.
    public static func dump(file: String, snapshot: String?, connection: PostgresConnectionEnv) -> Command {
        var args = ["--format=custom", "--no-password", "--lock-wait-timeout=120000", "--file=\(file)"]
        if let snapshot { args.append("--snapshot=\(snapshot)") }
        return Command("pg_dump", args, environment: connection.variables)
    }
}

public enum PgRestore {
    /// `pg_restore --list FILE`: reads the archive's table of contents, proving it is a complete custom-format dump.
    public static func list(file: String) -> Command {
        Command("pg_restore", ["--list", "--", file])
    }

    /// Restores an archive into `database`, stopping at the first error, in one transaction. `role` makes the
    /// restored objects belong to the app's role when an administrator runs it. The archive comes on standard input,
    /// opened by Steward, so pg_restore may run as the `postgres` user without read access to the store.
    public static func restore(file: String, database: String, role: String?, connection: PostgresConnectionEnv) -> Command {
        var args = ["--no-password", "--exit-on-error", "--single-transaction", "--no-owner", "--dbname=\(database)"]
        if let role { args.append("--role=\(role)") }
        return Command("pg_restore", args, environment: connection.variables, inputFile: file)
    }
}

public enum Psql {
    /// One statement, unaligned tuples only, no psqlrc, stop on error: `psql -X -A -t -q -v ON_ERROR_STOP=1 -d DB -c SQL`.
    public static func query(_ sql: String, database: String, connection: PostgresConnectionEnv) -> Command {
        Command("psql", ["-X", "-A", "-t", "-q", "--no-password", "-v", "ON_ERROR_STOP=1", "-d", database, "-c", sql],
                environment: connection.variables)
    }
}

public enum PgAdmin {
    /// `createdb --no-password [--owner=ROLE] -- NAME`
    public static func createdb(_ name: String, owner: String?, connection: PostgresConnectionEnv) -> Command {
        Command("createdb", ["--no-password"] + (owner.map { ["--owner=\($0)"] } ?? []) + ["--", name], environment: connection.variables)
    }

    /// `dropdb --no-password --if-exists -- NAME` (no `--force`: it needs PostgreSQL 13).
    public static func dropdb(_ name: String, connection: PostgresConnectionEnv) -> Command {
        Command("dropdb", ["--no-password", "--if-exists", "--", name], environment: connection.variables)
    }
}

/// How PostgreSQL client tools reach a server: the `PG*` variables for host, port, user, database and sslmode, and
/// the path of a password file. Empty host means the local socket (peer authentication as the OS user).
public struct PostgresConnectionEnv: Sendable, Equatable {
    public var host: String?
    public var port: Int?
    public var user: String?
    public var database: String?
    public var sslmode: String?
    public var passfile: String?

    public init(host: String? = nil, port: Int? = nil, user: String? = nil, database: String? = nil,
                sslmode: String? = nil, passfile: String? = nil) {
        self.host = host
        self.port = port
        self.user = user
        self.database = database
        self.sslmode = sslmode
        self.passfile = passfile
    }

    /// The local server as its superuser, through the socket: what `sudo -u postgres createdb` uses.
    public static let localAdmin = PostgresConnectionEnv()

    public var variables: [String: String] {
        var v: [String: String] = ["PGCONNECT_TIMEOUT": "10", "PGAPPNAME": "steward"]
        if let host { v["PGHOST"] = host }
        if let port { v["PGPORT"] = String(port) }
        if let user { v["PGUSER"] = user }
        if let database { v["PGDATABASE"] = database }
        if let sslmode { v["PGSSLMODE"] = sslmode }
        // Without a password file, libpq would read ~/.pgpass of whoever runs Steward.
        v["PGPASSFILE"] = passfile ?? "/dev/null"
        return v
    }
}

public enum Tar {
    /// `tar --create --gzip --file=ARCHIVE --index-file=INDEX -vv --directory=PARENT [--exclude=P…] -- NAME…`.
    /// The verbose listing goes to the index file, so sizes and counts come from the archive being written.
    /// `dereference` archives what symbolic links point to. `storedAs` records a single directory under the name it
    /// is configured by when it is archived from elsewhere (a link's target: `media -> /data/rl-media` is stored as
    /// `media/…`), for names of letters, digits, `.`, `_` and `-`.
    public static func create(archive: String, index: String, parent: String, entries: [String], exclude: [String],
                              dereference: Bool = false, storedAs: String? = nil) -> Command {
        var args = ["--create", "--gzip", "--file=\(archive)", "--index-file=\(index)", "-vv", "--numeric-owner",
                    "--quoting-style=escape", "--directory=\(parent)"] + (dereference ? ["--dereference"] : [])
        if let storedAs, entries.count == 1, let from = entries.first, from != storedAs, isPlainName(from), isPlainName(storedAs) {
            // Member names and hard-link targets, not what symbolic links inside say (`S`).
            args.append("--transform=s,^\(from.replacingOccurrences(of: ".", with: "\\.")),\(storedAs),S")
        }
        args += exclude.map { "--exclude=\($0)" }
        return Command("tar", args + ["--"] + entries)
    }

    static func isPlainName(_ name: String) -> Bool {
        !name.isEmpty && name != "." && name != ".." && name.allSatisfy { $0.isASCII && ($0.isLetter || $0.isNumber || "._-".contains($0)) }
    }

    /// Extracts everything into `directory`, keeping owners and modes. Only ever into a new directory that only root
    /// can enter (a restore's staging directory, a verification's scratch): as root, tar follows links to
    /// directories that already exist and rewrites the owners and modes of existing directories, so it must never
    /// extract where an app user can plant anything. Steward moves the result into place without following links.
    public static func extract(archive: String, into directory: String) -> Command {
        Command("tar", ["--extract", "--gzip", "--file=\(archive)", "--directory=\(directory)", "--same-owner",
                        "--preserve-permissions", "--numeric-owner", "--no-overwrite-dir"])
    }

    /// Extracts a release's `git archive` (plain tar) into its new directory, as the user running it: the files
    /// become that user's, with the modes the repository records.
    public static func extractRelease(archive: String, into directory: String) -> Command {
        Command("tar", ["--extract", "--file=\(archive)", "--directory=\(directory)", "--no-same-owner"])
    }
}

extension Systemctl {
    public static func stop(_ units: [String]) -> Command { Command("systemctl", ["stop", "--"] + units) }
    public static func start(_ units: [String]) -> Command { Command("systemctl", ["start", "--"] + units) }
    public static func daemonReload() -> Command { Command("systemctl", ["daemon-reload"]) }
    public static func enableNow(_ unit: String) -> Command { Command("systemctl", ["enable", "--now", "--", unit]) }
    public static func isActive(_ unit: String) -> Command { Command("systemctl", ["is-active", "--quiet", "--", unit]) }
}

extension Psql {
    /// The pending migrations and their tracking rows in ONE transaction (`--single-transaction` wraps the script):
    /// all land or none does, so a file failing halfway leaves the database as it was. The script (``SQLMigrationScript``)
    /// comes on standard input, opened by Steward from a root-only file: the files are read once, by Steward, and
    /// what runs is exactly what was checked and checksummed.
    public static func applyMigrations(script: String, database: String, connection: PostgresConnectionEnv) -> Command {
        Command("psql", ["-X", "-q", "--no-password", "-v", "ON_ERROR_STOP=1", "--single-transaction", "-d", database, "-f", "-"],
                environment: connection.variables, inputFile: script)
    }
}

/// The table that records which numbered SQL migrations a database has, with their checksums.
public enum SQLMigrationTracking {
    public static let table = "steward_schema_migrations"
    public static let createTable = "CREATE TABLE IF NOT EXISTS steward_schema_migrations (name TEXT PRIMARY KEY, checksum TEXT NOT NULL, applied_at TEXT NOT NULL)"
    public static let select = "SELECT name, checksum FROM steward_schema_migrations ORDER BY name"
    static func insert(name: String, checksum: String) -> String {
        precondition(SQLMigrationPlan.isMigration(name) && checksum.allSatisfy(\.isHexDigit))
        return "INSERT INTO steward_schema_migrations (name, checksum, applied_at) VALUES ('\(name)', '\(checksum)', CURRENT_TIMESTAMP)"
    }
    public static func insertStatement(name: String, checksum: String) -> String { insert(name: name, checksum: checksum) }
}
