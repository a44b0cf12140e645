import Crypto
import Foundation
import GRDB
import StewardCore

/// Finds and applies a release's pending migrations with the tool the app uses (Django, Alembic, a numbered SQL
/// directory, a declared command), and names the schema state so a rollback can tell whether the database
/// changed since a release.
struct Migrator: Sendable {
    /// Migration files are the app's: read bounded (a data migration can be large, a device never is).
    static let sqlFileLimit = 64 << 20
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
        /// Numbered SQL: the pending files as read once by ``status(release:)`` (checked, checksummed): exactly what
        /// ``apply(release:status:)`` runs and records.
        var sqlPending: [SQLMigrationScript.File] = []
        /// Numbered SQL on a database without a tracking table: the files its schema shows it has, recorded (never
        /// run) in the same transaction as the pending ones (``SQLMigrationAdoption``), and how that was judged.
        var sqlAdopted: [SQLMigrationScript.File] = []
        var adoption: String?
    }

    /// The kind for a release: the declared one, or what its files say.
    func kind(release: String) -> MigrationSpec.Kind {
        let declared = target.spec.migrations.kind
        guard declared == .auto else { return declared }
        let work = target.workdir(release)
        let files = commands.files
        if files.exists(work + "/manage.py") { return .django }
        if files.exists(work + "/alembic.ini") { return .alembic }
        if files.exists(release + "/" + target.spec.migrations.directory) { return .sql }
        if target.spec.migrations.command != nil { return .command }
        return .none
    }

    func status(release: String) async throws -> Status {
        let kind = kind(release: release)
        let work = target.workdir(release)
        switch kind {
        case .django:
            let venv = try requireVenv()
            let out = try await tools.run(try commands.app(Django.showPlan(venv: venv), in: work), timeout: .seconds(300)).stdout
            let plan = MigrationParsers.djangoPlan(out)
            return Status(kind: kind, pending: plan.pending,
                          schemaNow: MigrationParsers.fingerprint(kind: "django", items: plan.applied),
                          schemaAfter: MigrationParsers.fingerprint(kind: "django", items: plan.applied + plan.pending))
        case .alembic:
            let venv = try requireVenv()
            let currentCommand = try commands.app(Alembic.current(venv: venv), in: work), headsCommand = try commands.app(Alembic.heads(venv: venv), in: work)
            async let current = tools.run(currentCommand, timeout: .seconds(300))
            async let heads = tools.run(headsCommand, timeout: .seconds(300))
            let now = MigrationParsers.alembicRevisions(try await current.stdout)
            let after = MigrationParsers.alembicRevisions(try await heads.stdout)
            return Status(kind: kind, pending: now == after ? [] : after.sorted(),
                          schemaNow: "alembic:" + (now.isEmpty ? "base" : now.sorted().joined(separator: ",")),
                          schemaAfter: "alembic:" + after.sorted().joined(separator: ","))
        case .sql:
            let files = try sqlFiles(release: release)
            let state = try await sqlState(files: files)
            let applied = state.applied
            switch SQLMigrationPlan.plan(files: files.map { SQLMigrationPlan.File(name: $0.name, checksum: $0.checksum) }, applied: applied) {
            case .refused(let why): throw StoreError(why)
            case .pending(let names):
                let byName = Dictionary(files.map { ($0.name, $0) }, uniquingKeysWith: { a, _ in a })
                let pending = names.compactMap { byName[$0] }
                // Refused here, before the pre-deploy backup and before anything runs.
                try refuseTransactionControl(pending, dialect: try database().dialect)
                return Status(kind: kind, pending: names, schemaNow: Self.sqlSchema(applied.map(\.name)), schemaAfter: Self.sqlSchema(files.map(\.name)),
                              sqlPending: pending, sqlAdopted: state.adopted ? applied.compactMap { byName[$0.name] } : [], adoption: state.note)
            }
        case .command:
            guard let check = target.spec.migrations.check else { return Status(kind: kind, pending: ["(declared command)"], alwaysRun: true) }
            let result = await tools.runner.run(try commands.declared(check, in: work), timeout: .seconds(300))
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
            try await tools.run(try commands.app(Django.migrate(venv: try requireVenv()), in: work), timeout: .seconds(3600))
        case .alembic:
            try await tools.run(try commands.app(Alembic.upgradeHead(venv: try requireVenv()), in: work), timeout: .seconds(3600))
        case .sql:
            var pending = status.sqlPending
            if pending.map(\.name) != status.pending {
                let byName = Dictionary(try sqlFiles(release: release).map { ($0.name, $0) }, uniquingKeysWith: { a, _ in a })
                pending = try status.pending.map { name in
                    guard let file = byName[name] else { throw StoreError("\(target.spec.migrations.directory)/\(name) is no longer in the release") }
                    return file
                }
            }
            try await sqlApply(pending, in: work, recorded: status.sqlAdopted)
        case .command:
            guard let command = target.spec.migrations.command else { return }
            try await tools.run(try commands.declared(command, in: work), timeout: .seconds(3600))
        case .none, .auto:
            return
        }
    }

    /// The declared downgrade, for a rollback of a reversible migration.
    func downgrade(release: String) async throws {
        guard let argv = target.spec.migrations.downgrade else { throw StoreError("no downgrade declared") }
        try await tools.run(try commands.declared(argv, in: target.workdir(release)), timeout: .seconds(3600))
    }

    private func requireVenv() throws -> String {
        guard let venv = target.venv else { throw StoreError("no venv found for \(target.label); declare apps.\(target.app).deploy.venv") }
        return venv
    }

    // MARK: - Numbered SQL files

    /// The numbered files of `release`, each read ONCE, as root but never through a link: the directory is opened
    /// component by component (following only links root or the app's user made, in a tree that user owns anyway),
    /// each file with `openat(O_NOFOLLOW)`, regular and capped. A file the app's user could not read itself (a link
    /// to `/root/.ssh/id_rsa` named `001_x.sql`, a root-only file) is refused: its bytes would reach the SQL tool's
    /// errors. The checksum is of the bytes read, which are the bytes that run.
    func sqlFiles(release: String) throws -> [SQLMigrationScript.File] {
        let directory = target.spec.migrations.directory
        let dir = release + "/" + directory
        guard FileManager.default.fileExists(atPath: dir) else { return [] }
        let appUID = (try? commands.appUser()).flatMap { getpwnam($0) }.map { $0.pointee.pw_uid }
        let opened = try SafePath.openDirectory(dir, trusting: appUID)
        let names = SQLMigrationPlan.ordered(try SafePath.entries(opened.fd, display: directory))
        return try names.map { name in
            let shown = directory + "/" + name
            let fd = openat(opened.fd, name, O_RDONLY | O_NOFOLLOW | O_NONBLOCK | O_CLOEXEC | O_NOCTTY)
            guard fd >= 0 else {
                if errno == ELOOP {
                    throw StoreError("\(shown) is a symbolic link; a migration must be a regular file in the release (root never reads through a link the app's user can point anywhere)")
                }
                throw StoreError("cannot open \(shown): \(StoreFiles.errnoText())")
            }
            defer { close(fd) }
            var st = stat()
            if let appUID, fstat(fd, &st) == 0, st.st_uid != appUID, st.st_mode & 0o004 == 0 {
                throw StoreError("\(shown) is not the app user's and not readable by everyone; Steward reads migrations only as the app's user could")
            }
            let bytes = try BoundedFile.read(descriptor: fd, limit: Migrator.sqlFileLimit, display: shown)
            return SQLMigrationScript.File(name: name, checksum: SHA256.hash(data: bytes).map { String(format: "%02x", $0) }.joined(), bytes: bytes)
        }
    }

    /// Refuses, with its file and line, a pending file that controls transactions or the tool (see ``SQLScriptCheck``).
    func refuseTransactionControl(_ files: [SQLMigrationScript.File], dialect: SQLScriptCheck.Dialect) throws {
        for f in files {
            if let finding = SQLScriptCheck.check(f.bytes, dialect: dialect) {
                throw StoreError(SQLScriptCheck.refusal(file: target.spec.migrations.directory + "/" + f.name, finding))
            }
        }
    }

    enum Database {
        case sqlite(String), postgres(PostgresDSN)
        /// A Compose project's PostgreSQL service, reached with `docker exec` (``ComposePostgresEngine/locate(_:tools:)``).
        case container(BackupSource)
        var dialect: SQLScriptCheck.Dialect {
            if case .sqlite = self { return .sqlite }
            return .postgres
        }
    }

    func database() throws -> Database {
        if let source = target.compose?.database { return .container(source) }
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

    /// What the database has applied; for a Compose project's database without a tracking table, what its schema
    /// shows it has (``SQLMigrationAdoption``), `adopted` then, with the evidence in `note`.
    func sqlState(files: [SQLMigrationScript.File]? = nil) async throws -> (applied: [SQLMigrationPlan.File], adopted: Bool, note: String?) {
        guard case .container(let source) = try database() else { return (try await sqlApplied(), false, nil) }
        let db = try await ComposePostgresEngine.locate(source, tools: tools)
        let exists = try await tools.run(db.psql("SELECT to_regclass('\(SQLMigrationTracking.table)') IS NOT NULL", database: db.database))
            .stdout.trimmingCharacters(in: .whitespacesAndNewlines)
        if exists == "t" {
            let out = try await tools.run(db.psql("SELECT name || ' ' || checksum FROM \(SQLMigrationTracking.table) ORDER BY name", database: db.database)).stdout
            return (Self.trackingRows(out), false, nil)
        }
        let files = try files ?? sqlFiles(release: target.directory)
        let tables = Set(try await tools.run(db.psql(ContainerPostgres.tablesSQL, database: db.database)).stdout.split(whereSeparator: \.isNewline).map(String.init))
        switch SQLMigrationAdoption.adopt(files.map { ($0.name, String(decoding: $0.bytes, as: UTF8.self)) }, existingTables: tables) {
        case .refused(let why):
            throw StoreError("\(db.database) has no \(SQLMigrationTracking.table) table and cannot be adopted: \(why)")
        case .adopted(let names, let evidence):
            let applied = files.filter { names.contains($0.name) }.map { SQLMigrationPlan.File(name: $0.name, checksum: $0.checksum) }
            let note = names.isEmpty
                ? "\(db.database) has no \(SQLMigrationTracking.table) table and none of the files' tables: every file is pending"
                : "adopted \(db.database) (no \(SQLMigrationTracking.table) table): \(names.joined(separator: ", ")) recorded as applied because their tables exist (\(evidence.joined(separator: "; ")))"
            return (applied, true, note)
        }
    }

    /// `name checksum` lines of the tracking table.
    static func trackingRows(_ out: String) -> [SQLMigrationPlan.File] {
        out.split(whereSeparator: \.isNewline).compactMap {
            let parts = $0.split(separator: " ")
            return parts.count == 2 ? SQLMigrationPlan.File(name: String(parts[0]), checksum: String(parts[1])) : nil
        }
    }

    func sqlApplied() async throws -> [SQLMigrationPlan.File] {
        switch try database() {
        case .container:
            return try await sqlState().applied
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
            // As the app's user with the app's credentials, like the migrations themselves.
            let out = try await withAppPassfile(dsn) { connection -> String in
                // Whether the tracking table exists, then its rows: any other error is an error, not "none applied".
                let exists = try await tools.run(try commands.asAppUser(Psql.query("SELECT to_regclass('\(SQLMigrationTracking.table)') IS NOT NULL",
                                                                                    database: dsn.database, connection: connection)))
                    .stdout.trimmingCharacters(in: .whitespacesAndNewlines)
                guard exists == "t" else { return "" }
                return try await tools.run(try commands.asAppUser(Psql.query("SELECT name || ' ' || checksum FROM \(SQLMigrationTracking.table) ORDER BY name",
                                                                             database: dsn.database, connection: connection))).stdout
            }
            return out.split(whereSeparator: \.isNewline).compactMap {
                let parts = $0.split(separator: " ")
                return parts.count == 2 ? SQLMigrationPlan.File(name: String(parts[0]), checksum: String(parts[1])) : nil
            }
        }
    }

    /// The schema a list of applied numbered files names: its highest file (`sql:003_x.sql`), or `sql:none`.
    static func sqlSchema(_ applied: [String]) -> String {
        "sql:" + (SQLMigrationPlan.ordered(applied).last ?? "none")
    }

    /// Ends a Compose database's migration sessions a killed deploy left running in its container (the docker client
    /// is gone, psql is not), so that the schema read next is final.
    func endLeftoverMigrations() async {
        guard case .container(let source)? = try? database(), let db = try? await ComposePostgresEngine.locate(source, tools: tools) else { return }
        // Asked until none is left (a terminated backend takes a moment to end its transaction), for up to 10 s.
        for _ in 0..<20 {
            guard let left = try? await tools.run(db.endMigrationSessions(), timeout: .seconds(30)).stdout.trimmingCharacters(in: .whitespacesAndNewlines),
                  left != "0" else { return }
            try? await Task.sleep(for: .milliseconds(500))
        }
    }

    /// The numbered-SQL schema of the database now (what ``status(release:)`` calls `schemaNow`).
    func sqlSchemaNow() async throws -> String {
        Self.sqlSchema(try await sqlState().applied.map(\.name))
    }

    /// Applies the pending files in ONE transaction with their tracking rows, as the app's user: a file failing
    /// halfway leaves the database exactly as it was before the deploy (no restore needed, the running app untouched).
    /// The files' bytes (read once, checked by ``SQLScriptCheck``) go into one script in a root-only file that the
    /// tool reads on standard input (``SQLMigrationScript``).
    /// SQLite: `sqlite3 -safe -bail` reading `.timeout 30000`, `BEGIN IMMEDIATE; … INSERT …; COMMIT;` (no `.shell`,
    /// `.system`, `ATTACH` of other files).
    /// PostgreSQL: `psql --single-transaction -v ON_ERROR_STOP=1 -f -` with the app's own role, never the superuser.
    /// A Compose project's PostgreSQL: `docker exec -i … psql` in its container as its `POSTGRES_USER` (the superuser
    /// the image makes, the only role it has), the script holding its own `BEGIN`/`COMMIT`.
    func sqlApply(_ files: [SQLMigrationScript.File], in work: String, recorded: [SQLMigrationScript.File] = []) async throws {
        guard !files.isEmpty else { return }
        let database = try database()
        try refuseTransactionControl(files, dialect: database.dialect)
        var explicit = false
        if case .container = database { explicit = true }
        let script = SQLMigrationScript(files: files, dialect: database.dialect, recorded: recorded, explicitTransaction: explicit)
        do {
            try await withPrivateScript(script.text) { input in
                switch database {
                case .container(let source):
                    // In the database's container, read on standard input (the script is opened by Steward, as root).
                    let db = try await ComposePostgresEngine.locate(source, tools: tools)
                    var command = db.applyScript()
                    command.inputFile = input
                    try await tools.run(command, timeout: .seconds(3600))
                case .sqlite(let path):
                    var st = stat()
                    if lstat(path, &st) == 0, (st.st_mode & S_IFMT) == S_IFLNK { throw StoreError("\(path) is a symbolic link; refusing to migrate through it") }
                    let command = try commands.asAppUser(SQLite.script(file: path, input: input).inApp(directory: work, environment: [:]))
                    try await tools.run(command, timeout: .seconds(3600))
                case .postgres(let dsn):
                    try await withAppPassfile(dsn) { connection in
                        let command = Psql.applyMigrations(script: input, database: dsn.database, connection: connection)
                        _ = try await tools.run(try commands.asAppUser(command.inApp(directory: work, environment: [:])), timeout: .seconds(3600))
                    }
                }
            }
        } catch let error as StoreError {
            throw StoreError(script.located(error.description, directory: target.spec.migrations.directory))
        }
    }

    /// Writes `text` to a new file in a new directory only root can enter, runs `body` with its path, removes both.
    /// The tool never opens it: Steward does, as root, and gives it as standard input.
    func withPrivateScript<T>(_ text: Data, _ body: (String) async throws -> T) async throws -> T {
        var template = Array((FileManager.default.temporaryDirectory.path + "/steward-sql-XXXXXX").utf8CString)
        guard let made = mkdtemp(&template) else { throw StoreError("cannot create a temporary directory: \(StoreFiles.errnoText())") }
        let dir = String(cString: made)
        defer { StoreFiles.removeQuietly(dir) }
        let file = dir + "/migration.sql"
        let fd = open(file, O_WRONLY | O_CREAT | O_EXCL | O_NOFOLLOW | O_CLOEXEC, 0o600)
        guard fd >= 0 else { throw StoreError("cannot write the migration script in \(dir): \(StoreFiles.errnoText())") }
        var written = 0
        let ok = text.withUnsafeBytes { raw -> Bool in
            while written < raw.count {
                let n = write(fd, raw.baseAddress! + written, raw.count - written)
                if n < 0 { if errno == EINTR { continue }; return false }
                written += n
            }
            return true
        }
        close(fd)
        guard ok else { throw StoreError("cannot write the migration script in \(dir): \(StoreFiles.errnoText())") }
        return try await body(file)
    }

    /// Runs `body` with the app's connection to `dsn`; its password (if any) in a `PGPASSFILE` that only the app's
    /// user can read (a root-only directory it may traverse), removed afterwards. Never in argv or the environment.
    func withAppPassfile<T>(_ dsn: PostgresDSN, _ body: (PostgresConnectionEnv) async throws -> T) async throws -> T {
        guard let line = dsn.pgpassLine() else { return try await body(dsn.connection(passfile: nil)) }
        let user = try commands.appUser()
        guard let pw = getpwnam(user) else { throw StoreError("the app user \(user) does not exist") }
        let (uid, gid) = (pw.pointee.pw_uid, pw.pointee.pw_gid)
        var template = Array((FileManager.default.temporaryDirectory.path + "/steward-pg-XXXXXX").utf8CString)
        guard let made = mkdtemp(&template) else { throw StoreError("cannot create a temporary directory: \(StoreFiles.errnoText())") }
        let dir = String(cString: made)
        defer { StoreFiles.removeQuietly(dir) }
        chmod(dir, 0o711)
        let file = dir + "/pgpass"
        let fd = open(file, O_WRONLY | O_CREAT | O_EXCL | O_NOFOLLOW | O_CLOEXEC, 0o600)
        guard fd >= 0 else { throw StoreError("cannot write a password file in \(dir): \(StoreFiles.errnoText())") }
        let bytes = Array(line.utf8)
        let written = bytes.withUnsafeBytes { write(fd, $0.baseAddress, $0.count) }
        let owned = fchown(fd, uid, gid)
        close(fd)
        guard written == bytes.count, owned == 0 else { throw StoreError("cannot write a password file for \(user) in \(dir)") }
        return try await body(dsn.connection(passfile: file))
    }
}
