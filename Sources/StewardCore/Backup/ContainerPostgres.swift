/// The PostgreSQL server of a Compose service, reached with its own client tools inside its container (`docker exec`):
/// their version is the server's, and over the container's local socket its superuser (`POSTGRES_USER`) needs no
/// password, so none is ever read, written or passed. Pure: the command lines; ``ContainerPostgresDump`` counts a
/// dump's rows.
public struct ContainerPostgres: Sendable, Equatable {
    /// The running container's id.
    public var container: String
    /// `POSTGRES_USER` (the image's default `postgres`).
    public var user: String
    /// `POSTGRES_DB` (the image's default: the user's name).
    public var database: String

    /// The maintenance database the admin statements run in: never the one they rename or drop (and not `template1`,
    /// which a concurrent `CREATE DATABASE` copies and then cannot be connected to).
    public var adminDatabase: String { database == "postgres" ? "template1" : "postgres" }

    public init(container: String, user: String, database: String) {
        self.container = container
        self.user = user
        self.database = database
    }

    /// From the `NAME=value` lines of ``Docker/environment(_:names:)``, with the official image's defaults.
    /// `timeouts`: every `psql` gives up connecting after 5 s and runs no statement longer than 5 s (the audit's
    /// reads; a killed docker client would leave a hung one running in the container).
    public var timeouts = false

    public init(container: String, environment text: String, timeouts: Bool = false) {
        var values: [String: String] = [:]
        for line in text.split(whereSeparator: \.isNewline) {
            guard let eq = line.firstIndex(of: "=") else { continue }
            values[String(line[..<eq])] = String(line[line.index(after: eq)...])
        }
        let user = values["POSTGRES_USER"].flatMap { $0.isEmpty ? nil : $0 } ?? "postgres"
        self.init(container: container, user: user, database: values["POSTGRES_DB"].flatMap { $0.isEmpty ? nil : $0 } ?? user)
        self.timeouts = timeouts
    }

    public static let environmentNames = ["POSTGRES_USER", "POSTGRES_DB"]

    /// `pg_dump -Fc` of the database to standard output (the caller sends it to a file of the store).
    public func dump() -> Command {
        Docker.exec(container, ["pg_dump", "--format=custom", "--username=\(user)", "--dbname=\(database)"])
    }

    /// The data of a dump read on standard input, as the SQL script `pg_restore` would run (`COPY … FROM stdin;` blocks):
    /// what ``ContainerPostgresDump`` counts.
    public func dataScript() -> Command {
        Docker.exec(container, ["pg_restore", "--data-only", "--file=-"], stdin: true)
    }

    /// A dump read on standard input restored into `database` (which exists and is empty), owned by the superuser.
    public func restore(into database: String) -> Command {
        Docker.exec(container, ["pg_restore", "--exit-on-error", "--single-transaction", "--no-owner", "--username=\(user)", "--dbname=\(database)"], stdin: true)
    }

    /// One SQL text run by `psql` in `database`, stopping at the first error, unaligned output.
    public func psql(_ sql: String, database: String) -> Command {
        var c = Docker.exec(container, ["psql", "--no-psqlrc", "--tuples-only", "--no-align", "--quiet", "--set=ON_ERROR_STOP=1",
                                "--username=\(user)", "--dbname=\(database)", "--command=\(sql)"])
        if timeouts { c.arguments.insert(contentsOf: ["--env", "PGCONNECT_TIMEOUT=5", "--env", "PGOPTIONS=-c statement_timeout=5000"], at: 1) }
        return c
    }

    /// A script read on standard input run in ONE transaction, stopping at its first error (the numbered SQL
    /// migrations with their tracking rows, ``SQLMigrationScript``).
    /// The script holds its own `BEGIN` and `COMMIT` (``SQLMigrationScript``), not psql's `--single-transaction`: a
    /// script cut off (the docker client killed, its standard input closed) then ends without a `COMMIT` and rolls
    /// back, where `--single-transaction` would commit what arrived. The session is named ``migrationApplication``
    /// so that an undo can end one a killed client left running.
    public func applyScript() -> Command {
        var c = Docker.exec(container, ["psql", "--no-psqlrc", "--quiet", "--set=ON_ERROR_STOP=1",
                                        "--username=\(user)", "--dbname=\(database)", "--file=-"], stdin: true)
        c.arguments.insert(contentsOf: ["--env", "PGAPPNAME=\(Self.migrationApplication)"], at: 1)
        return c
    }

    public static let migrationApplication = "steward-migrate"

    /// Ends the migration sessions still running (a killed deploy's), so that what the database holds is final;
    /// prints how many still run (`pg_terminate_backend` returns before they have ended: ask again until 0).
    public func endMigrationSessions() -> Command {
        psql("SELECT count(pg_terminate_backend(pid)) FROM pg_stat_activity WHERE application_name = '\(Self.migrationApplication)' AND pid <> pg_backend_pid()",
             database: adminDatabase)
    }

    /// Every ordinary and partitioned table outside the system schemas, as `schema.table` lines.
    public static let tablesSQL = "SELECT n.nspname || '.' || c.relname FROM pg_class c JOIN pg_namespace n ON n.oid = c.relnamespace "
        + "WHERE c.relkind IN ('r', 'p') AND n.nspname NOT IN ('pg_catalog', 'information_schema') AND n.nspname NOT LIKE 'pg\\_%' ORDER BY 1"

    public func dropDatabase(_ name: String) -> Command {
        psql("DROP DATABASE IF EXISTS \(PostgresDSN.quoteIdentifier(name))", database: adminDatabase)
    }

    public func createDatabase(_ name: String) -> Command {
        psql("CREATE DATABASE \(PostgresDSN.quoteIdentifier(name)) OWNER \(PostgresDSN.quoteIdentifier(user))", database: adminDatabase)
    }

    /// Within PostgreSQL's 63 bytes, never truncated onto the live name (``PostgresNames``).
    public var restoringName: String { PostgresNames.derived(database, suffix: "_steward_new") }
    public var previousName: String { PostgresNames.derived(database, suffix: "_steward_old") }
}

/// Counts the rows of each table in the data script of a dump (``ContainerPostgres/dataScript()``): a text `COPY`
/// block holds one line per row (a newline inside a value is written `\n`), ended by `\.`. The names are the
/// catalog's `schema.table`, unquoted, as the verification's count query prints them.
public struct ContainerPostgresDump: Sendable {
    public private(set) var tables: [String: Int64] = [:]
    private var current: String?

    public init() {}

    /// Feeds one line (without its newline).
    public mutating func feed<S: StringProtocol>(_ line: S) {
        if let table = current {
            if line == "\\." { current = nil } else { tables[table, default: 0] += 1 }
            return
        }
        guard line.hasPrefix("COPY "), line.hasSuffix(" FROM stdin;"), let name = Self.tableName(line.dropFirst(5)) else { return }
        current = name
        tables[name] = tables[name] ?? 0
    }

    /// `public."My table" (id, …) FROM stdin;` → `public.My table`.
    static func tableName<S: StringProtocol>(_ text: S) -> String? {
        var parts: [String] = []
        var i = text.startIndex
        while i < text.endIndex {
            var part = ""
            if text[i] == "\"" {
                i = text.index(after: i)
                while i < text.endIndex {
                    if text[i] == "\"" {
                        let next = text.index(after: i)
                        if next < text.endIndex, text[next] == "\"" { part.append("\""); i = text.index(after: next); continue }
                        i = next
                        break
                    }
                    part.append(text[i])
                    i = text.index(after: i)
                }
            } else {
                while i < text.endIndex, text[i] != ".", text[i] != " " { part.append(text[i]); i = text.index(after: i) }
            }
            parts.append(part)
            guard i < text.endIndex, text[i] == "." else { break }
            i = text.index(after: i)
        }
        guard parts.count == 2, !parts[0].isEmpty, !parts[1].isEmpty else { return nil }
        return parts.joined(separator: ".")
    }
}
