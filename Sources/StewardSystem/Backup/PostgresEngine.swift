import Foundation
import Logging
import NIOCore
import PostgresNIO
import StewardCore

/// PostgreSQL backups: `pg_dump -Fc` from a snapshot that Steward exports and holds, so the per-table row counts it
/// takes at the same time describe exactly what was dumped. Verified and restored with `pg_restore`.
///
/// The password never reaches argv or the environment: it is written to a private `.pgpass` file that
/// `PGPASSFILE` names, and removed afterwards.
///
/// One database (its DSN read from the env file); ``PostgresEngine`` is the kind's entry in ``BackupEngines``.
struct PostgresDatabase {
    let dsn: PostgresDSN
    let tools: ToolRunner

    /// Row counts of every ordinary table, in one statement (`query_to_xml` runs a count per table).
    static let countSQL = """
        SELECT n.nspname || '.' || c.relname, \
        (xpath('/row/c/text()', query_to_xml(format('SELECT count(*) AS c FROM %I.%I', n.nspname, c.relname), false, true, '')))[1]::text::bigint \
        FROM pg_class c JOIN pg_namespace n ON n.oid = c.relnamespace \
        WHERE c.relkind = 'r' AND n.nspname <> 'information_schema' AND n.nspname NOT LIKE 'pg\\_%' ORDER BY 1
        """

    /// Runs `body` with a private password file for this DSN (none when the DSN has no password).
    func withPassfile<T>(_ body: (String?) async throws -> T) async throws -> T {
        guard let line = dsn.pgpassLine() else { return try await body(nil) }
        let dir = FileManager.default.temporaryDirectory.appendingPathComponent("steward-pg-\(getpid())-\(UInt32.random(in: 0...UInt32.max))").path
        try StoreFiles.makeDirectory(dir, mode: 0o700)
        defer { StoreFiles.removeQuietly(dir) }
        let file = dir + "/pgpass"
        guard FileManager.default.createFile(atPath: file, contents: Data(line.utf8), attributes: [.posixPermissions: 0o600]) else {
            throw StoreError("cannot write a password file in \(dir)")
        }
        return try await body(file)
    }

    /// Dumps the database into `destination` and returns the row counts of the dumped snapshot.
    func backup(to destination: String) async throws -> BackupContents {
        try await withPassfile { passfile in
            let connection = try await connect()
            do {
                // Never queue an exclusive lock (a migration) behind this backup for long.
                _ = try await connection.query("SET lock_timeout = '120s'", logger: Self.logger)
                _ = try await connection.query("BEGIN ISOLATION LEVEL REPEATABLE READ READ ONLY", logger: Self.logger)
                var snapshot: String?
                for try await (id) in try await connection.query("SELECT pg_export_snapshot()", logger: Self.logger).decode(String.self) {
                    snapshot = id
                }
                let dump = PgDump.dump(file: destination, snapshot: snapshot, connection: dsn.connection(passfile: passfile))
                // pg_dump and the counts read the same snapshot, at the same time, on two connections.
                async let dumped: CommandResult = tools.run(dump)
                var tables: [String: Int64] = [:]
                for try await (name, count) in try await connection.query(PostgresQuery(unsafeSQL: Self.countSQL), logger: Self.logger).decode((String, Int64).self) {
                    tables[name] = count
                }
                _ = try await dumped
                _ = try? await connection.query("COMMIT", logger: Self.logger)
                try? await connection.close()
                return BackupContents(tables: tables)
            } catch {
                try? await connection.close()
                throw error
            }
        }
    }

    /// How an administrator reaches the server: as the `postgres` OS user over the local socket, on the DSN's port,
    /// when the server is local and that user exists (what `sudo -u postgres` does); else with the app's own
    /// credentials (a server in a container published on 127.0.0.1 has no local `postgres` user).
    func admin(_ command: Command) -> Command {
        dsn.isLocal && getpwnam("postgres") != nil ? Self.localAdmin(command, dsn: dsn) : command
    }

    static func localAdmin(_ command: Command, dsn: PostgresDSN) -> Command {
        var c = command
        for key in ["PGHOST", "PGUSER", "PGPASSFILE", "PGSSLMODE"] { c.environment.removeValue(forKey: key) }
        if let host = dsn.host, host.hasPrefix("/") { c.environment["PGHOST"] = host }
        c.environment["PGPORT"] = String(dsn.port)
        c.environment["PGPASSFILE"] = "/dev/null"
        return c.asUser("postgres")
    }

    func adminConnection(_ passfile: String?, database: String) -> PostgresConnectionEnv {
        var c = dsn.connection(passfile: passfile)
        c.database = database
        return c
    }

    /// Restores `file` into a new scratch database, counts its rows and drops it.
    func verify(file: String, scratch: String) async throws -> BackupContents {
        try await tools.run(PgRestore.list(file: file))
        return try await withPassfile { passfile in
            let conn = adminConnection(passfile, database: "postgres")
            try await tools.run(admin(PgAdmin.dropdb(scratch, connection: conn)))
            try await tools.run(admin(PgAdmin.createdb(scratch, owner: nil, connection: conn)))
            do {
                try await tools.run(admin(PgRestore.restore(file: file, database: scratch, role: nil, connection: conn)))
                let counts = try await tools.run(admin(Psql.query(Self.countSQL, database: scratch, connection: conn)))
                try? await tools.run(admin(PgAdmin.dropdb(scratch, connection: conn)))
                return BackupContents(tables: Self.parseCounts(counts.stdout))
            } catch {
                try? await tools.run(admin(PgAdmin.dropdb(scratch, connection: conn)))
                throw error
            }
        }
    }

    /// `schema.table|123` lines of psql's unaligned output.
    static func parseCounts(_ text: String) -> [String: Int64] {
        var result: [String: Int64] = [:]
        for line in text.split(separator: "\n") {
            guard let bar = line.lastIndex(of: "|"), let n = Int64(line[line.index(after: bar)...]) else { continue }
            result[String(line[..<bar])] = n
        }
        return result
    }

    // MARK: - Restore in place

    /// Within PostgreSQL's 63 bytes, never truncated onto the live name (``PostgresNames``).
    var restoringName: String { PostgresNames.derived(dsn.database, suffix: "_steward_new") }
    var previousName: String { PostgresNames.derived(dsn.database, suffix: "_steward_old") }

    /// The steps of an in-place restore: the archive goes into a new database first (a failure there changes
    /// nothing), then one transaction renames the live database away and the new one into its place.
    func restoreCommands(file: String, passfile: String?) -> (prepare: [Command], swap: Command, swapBack: Command, dropPrevious: Command) {
        let conn = adminConnection(passfile, database: "postgres")
        // Leftovers of an interrupted restore go first (its safety backup is in the catalog): the swap needs both names.
        let prepare = [
            admin(PgAdmin.dropdb(previousName, connection: conn)),
            admin(PgAdmin.dropdb(restoringName, connection: conn)),
            admin(PgAdmin.createdb(restoringName, owner: dsn.user, connection: conn)),
            admin(PgRestore.restore(file: file, database: restoringName, role: dsn.isLocal ? dsn.user : nil, connection: conn)),
        ]
        let swap = admin(Psql.query(Self.renameSQL(live: dsn.database, away: previousName, into: restoringName), database: "postgres", connection: conn))
        let swapBack = admin(Psql.query(Self.renameSQL(live: dsn.database, away: restoringName, into: previousName), database: "postgres", connection: conn))
        return (prepare, swap, swapBack, admin(PgAdmin.dropdb(previousName, connection: conn)))
    }

    /// Ends the sessions on `live`, renames it to `away` and `into` to `live`, in one transaction.
    static func renameSQL(live: String, away: String, into: String) -> String {
        let q = PostgresDSN.quoteIdentifier
        return "BEGIN; SELECT count(pg_terminate_backend(pid)) FROM pg_stat_activity WHERE datname IN (\(PostgresDSN.quoteLiteral(live)), \(PostgresDSN.quoteLiteral(into))) AND pid <> pg_backend_pid(); "
            + "ALTER DATABASE \(q(live)) RENAME TO \(q(away)); ALTER DATABASE \(q(into)) RENAME TO \(q(live)); COMMIT;"
    }

    // MARK: - Connection

    static let logger = PostgresDSN.quietLogger

    func connect() async throws -> PostgresConnection {
        guard let host = dsn.tcpHost else {
            throw StoreError("PostgreSQL over a Unix socket needs a host in the URL for the row counts; use 127.0.0.1")
        }
        do {
            // TLS as libpq reads sslmode (prefer tries TLS first); pg_dump gets the same sslmode through PGSSLMODE.
            return try await dsn.connect(host: host, timeout: .seconds(10), logger: Self.logger).connection
        } catch let error as PostgresModeError {
            throw StoreError(error.description)
        } catch {
            throw StoreError("cannot connect to PostgreSQL at \(host):\(dsn.port) as \(dsn.user): \(PostgresProbe.describe(error))")
        }
    }
}

/// PostgreSQL sources in the engine table: the work is ``PostgresDatabase``'s, for the DSN the source names.
struct PostgresEngine: BackupEngine {
    var kind: BackupSource.Kind { .postgres }

    func backup(_ source: BackupSource, to partial: String, in context: BackupEngineContext) async throws -> BackupEngineCount {
        let contents = try await context.service.postgres(source).backup(to: context.host(partial))
        return { contents }
    }

    func verify(_ record: BackupRecord, source: BackupSource?, scratch: String, quick: Bool,
                checksum: @escaping @Sendable () async throws -> Void, in context: BackupEngineContext) async throws -> (contents: BackupContents, how: String) {
        try await checksum()
        let database = try source.map(context.service.postgres)
            ?? PostgresDatabase(dsn: PostgresDSN("postgresql://localhost/postgres")!, tools: ToolRunner(runner: context.service.runner))
        let restored = try await database.verify(file: context.host(record.path),
                                                 scratch: PostgresNames.derived("steward_verify_\(record.id)", suffix: "_\(getpid())"))
        return (restored, "restored into a scratch database")
    }

    func nothingToSave(_ source: BackupSource, in context: BackupEngineContext) throws -> String? { nil }

    /// The archive goes into a new database, swapped with the live one in one transaction; the live one is kept
    /// under another name until the checks pass (swapped back if they fail).
    func restore(_ record: BackupRecord, into source: BackupSource, in context: BackupEngineContext) async throws -> RestoreUndo {
        let database = try context.service.postgres(source)
        let (tools, file) = (context.tools, context.host(record.path))
        return try await database.withPassfile { passfile in
            let c = database.restoreCommands(file: file, passfile: passfile)
            for command in c.prepare { try await tools.run(command) }
            try await tools.run(c.swap)
            return RestoreUndo(
                undo: { try await database.withPassfile { p in _ = try await tools.run(database.restoreCommands(file: file, passfile: p).swapBack) } },
                cleanup: { _ = try? await database.withPassfile { p in try await tools.run(database.restoreCommands(file: file, passfile: p).dropPrevious) } })
        }
    }

    func restoreSteps(_ record: BackupRecord, into source: BackupSource, in context: BackupEngineContext) throws -> [RestoreService.Step] {
        let database = try context.service.postgres(source)
        let c = database.restoreCommands(file: context.host(record.path), passfile: "<private password file>")
        return [RestoreService.Step(title: "restore #\(record.id) into a new database \(database.restoringName)", commands: c.prepare),
                RestoreService.Step(title: "swap it with \(database.dsn.database) in one transaction (the current one is kept as \(database.previousName))", commands: [c.swap])]
    }
}
