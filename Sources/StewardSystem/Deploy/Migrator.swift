import Foundation
import GRDB
import StewardCore

/// Finds and applies a release's pending migrations with the tool the app uses (Django, Alembic, a numbered SQL
/// directory, a declared command), and names the schema state so a rollback can tell whether the database
/// changed since a release.
struct Migrator: Sendable {
    let target: DeployTarget
    let commands: AppCommands
    let tools: ToolRunner

    struct Status: Sendable {
        var kind: MigrationSpec.Kind
        var pending: [String]
        /// The schema now, and once the pending migrations are applied.
        var schemaNow: String?
        var schemaAfter: String?
        /// For `command` without a check: run every deploy.
        var alwaysRun = false
    }

    /// The kind for a release: the declared one, or what its files say.
    func kind(release: String) -> MigrationSpec.Kind {
        let declared = target.spec.migrations.kind
        guard declared == .auto else { return declared }
        let work = target.workdir(release)
        let fm = FileManager.default
        if fm.fileExists(atPath: work + "/manage.py") { return .django }
        if fm.fileExists(atPath: work + "/alembic.ini") { return .alembic }
        if fm.fileExists(atPath: release + "/" + target.spec.migrations.directory) { return .sql }
        if target.spec.migrations.command != nil { return .command }
        return .none
    }

    func status(release: String) async throws -> Status {
        let kind = kind(release: release)
        let work = target.workdir(release)
        switch kind {
        case .django:
            let venv = try requireVenv()
            let out = try await tools.run(commands.app(Django.showPlan(venv: venv), in: work), timeout: .seconds(300)).stdout
            let plan = MigrationParsers.djangoPlan(out)
            return Status(kind: kind, pending: plan.pending,
                          schemaNow: MigrationParsers.fingerprint(kind: "django", items: plan.applied),
                          schemaAfter: MigrationParsers.fingerprint(kind: "django", items: plan.applied + plan.pending))
        case .alembic:
            let venv = try requireVenv()
            async let current = tools.run(commands.app(Alembic.current(venv: venv), in: work), timeout: .seconds(300))
            async let heads = tools.run(commands.app(Alembic.heads(venv: venv), in: work), timeout: .seconds(300))
            let now = MigrationParsers.alembicRevisions(try await current.stdout)
            let after = MigrationParsers.alembicRevisions(try await heads.stdout)
            return Status(kind: kind, pending: now == after ? [] : after.sorted(),
                          schemaNow: "alembic:" + (now.isEmpty ? "base" : now.sorted().joined(separator: ",")),
                          schemaAfter: "alembic:" + after.sorted().joined(separator: ","))
        case .sql:
            let files = try sqlFiles(release: release)
            let applied = try await sqlApplied()
            switch SQLMigrationPlan.plan(files: files, applied: applied) {
            case .refused(let why): throw StoreError(why)
            case .pending(let names):
                return Status(kind: kind, pending: names, schemaNow: "sql:" + (SQLMigrationPlan.ordered(applied.map(\.name)).last ?? "none"),
                              schemaAfter: "sql:" + (SQLMigrationPlan.ordered(files.map(\.name)).last ?? "none"))
            }
        case .command:
            guard let check = target.spec.migrations.check else { return Status(kind: kind, pending: ["(declared command)"], alwaysRun: true) }
            let result = await tools.runner.run(commands.declared(check, in: work), timeout: .seconds(300))
            if case .success(let r) = result, r.exitCode == 0 { return Status(kind: kind, pending: []) }
            return Status(kind: kind, pending: ["(declared command)"])
        case .none, .auto:
            return Status(kind: .none, pending: [])
        }
    }

    /// Applies the pending migrations of `release`.
    func apply(release: String, status: Status) async throws {
        let work = target.workdir(release)
        switch status.kind {
        case .django:
            try await tools.run(commands.app(Django.migrate(venv: try requireVenv()), in: work), timeout: .seconds(3600))
        case .alembic:
            try await tools.run(commands.app(Alembic.upgradeHead(venv: try requireVenv()), in: work), timeout: .seconds(3600))
        case .sql:
            let files = Dictionary(try sqlFiles(release: release).map { ($0.name, $0.checksum) }, uniquingKeysWith: { a, _ in a })
            let dir = release + "/" + target.spec.migrations.directory
            for name in status.pending {
                try await sqlApply(file: dir + "/" + name, name: name, checksum: files[name] ?? "")
            }
        case .command:
            guard let command = target.spec.migrations.command else { return }
            try await tools.run(commands.declared(command, in: work), timeout: .seconds(3600))
        case .none, .auto:
            return
        }
    }

    /// The declared downgrade, for a rollback of a reversible migration.
    func downgrade(release: String) async throws {
        guard let argv = target.spec.migrations.downgrade else { throw StoreError("no downgrade declared") }
        try await tools.run(commands.declared(argv, in: target.workdir(release)), timeout: .seconds(3600))
    }

    private func requireVenv() throws -> String {
        guard let venv = target.venv else { throw StoreError("no venv found for \(target.label); declare apps.\(target.app).deploy.venv") }
        return venv
    }

    // MARK: - Numbered SQL files

    func sqlFiles(release: String) throws -> [SQLMigrationPlan.File] {
        let dir = release + "/" + target.spec.migrations.directory
        let names = SQLMigrationPlan.ordered((try? FileManager.default.contentsOfDirectory(atPath: dir)) ?? [])
        return try names.map { SQLMigrationPlan.File(name: $0, checksum: try StoreFiles.sha256(dir + "/" + $0).hex) }
    }

    enum Database { case sqlite(String), postgres(PostgresDSN) }

    func database() throws -> Database {
        let url: String?
        if let ref = target.spec.migrations.database, let parsed = SecretRef(parsing: ref) {
            url = try ProbeContext().secret(parsed)
        } else {
            url = target.environment["DATABASE_URL"]
        }
        guard let url else { throw StoreError("no database for the SQL migrations: set DATABASE_URL in the env file or migrations.database") }
        if let dsn = PostgresDSN(url) { return .postgres(dsn) }
        if let path = SQLiteURL.path(url, workingDirectory: target.spec.strategy == .inPlace ? target.directory : target.currentLink) { return .sqlite(path) }
        throw StoreError("the database URL is neither postgresql:// nor sqlite:///")
    }

    func sqlApplied() async throws -> [SQLMigrationPlan.File] {
        switch try database() {
        case .sqlite(let path):
            guard FileManager.default.fileExists(atPath: path) else { return [] }
            return try await Task.detached {
                let queue = try SQLiteEngine.readOnly(path)
                return try queue.read { db -> [SQLMigrationPlan.File] in
                    guard try db.tableExists(SQLMigrationTracking.table) else { return [] }
                    return try Row.fetchAll(db, sql: SQLMigrationTracking.select).map { SQLMigrationPlan.File(name: $0[0], checksum: $0[1]) }
                }
            }.value
        case .postgres(let dsn):
            let engine = PostgresEngine(dsn: dsn, tools: tools)
            let out = try await engine.withPassfile { passfile -> String in
                let connection = dsn.connection(passfile: passfile)
                // Whether the tracking table exists, then its rows: any other error is an error, not "none applied".
                let exists = try await tools.run(Psql.query("SELECT to_regclass('\(SQLMigrationTracking.table)') IS NOT NULL", database: dsn.database,
                                                            connection: connection)).stdout.trimmingCharacters(in: .whitespacesAndNewlines)
                guard exists == "t" else { return "" }
                return try await tools.run(Psql.query("SELECT name || ' ' || checksum FROM \(SQLMigrationTracking.table) ORDER BY name",
                                                      database: dsn.database, connection: connection)).stdout
            }
            return out.split(whereSeparator: \.isNewline).compactMap {
                let parts = $0.split(separator: " ")
                return parts.count == 2 ? SQLMigrationPlan.File(name: String(parts[0]), checksum: String(parts[1])) : nil
            }
        }
    }

    func sqlApply(file: String, name: String, checksum: String) async throws {
        switch try database() {
        case .sqlite(let path):
            // The sqlite3 shell, as the database's owner (never root: a migration could ATTACH any file), reading
            // one script: the file and its tracking row in one transaction, stopped at the first error (-bail),
            // so a failing file leaves nothing of itself.
            var st = stat()
            if lstat(path, &st) == 0, (st.st_mode & S_IFMT) == S_IFLNK { throw StoreError("\(path) is a symbolic link; refusing to migrate through it") }
            let sql = try String(contentsOfFile: file, encoding: .utf8)
            let script = "BEGIN;\n\(SQLMigrationTracking.createTable);\n\(sql)\n;\n\(SQLMigrationTracking.insertStatement(name: name, checksum: checksum));\nCOMMIT;\n"
            let dir = FileManager.default.temporaryDirectory.appendingPathComponent("steward-sql-\(getpid())-\(UInt32.random(in: 0...UInt32.max))").path
            try StoreFiles.makeDirectory(dir, mode: 0o700)
            defer { StoreFiles.removeQuietly(dir) }
            try Data(script.utf8).write(to: URL(fileURLWithPath: dir + "/migration.sql"))
            var command = SQLite.script(file: path, input: dir + "/migration.sql")
            let owner = StoreFiles.ownerName(of: FileManager.default.fileExists(atPath: path) ? path : (path as NSString).deletingLastPathComponent)
            if let owner { command = command.asUser(owner) }
            try await tools.run(command, timeout: .seconds(3600))
        case .postgres(let dsn):
            let engine = PostgresEngine(dsn: dsn, tools: tools)
            try await engine.withPassfile { passfile in
                _ = try await tools.run(Psql.applyMigration(file: file, name: name, checksum: checksum, database: dsn.database,
                                                            connection: dsn.connection(passfile: passfile)), timeout: .seconds(3600))
            }
        }
    }
}
