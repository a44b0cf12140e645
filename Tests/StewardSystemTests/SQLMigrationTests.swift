import Foundation
import GRDB
import StewardCore
import Testing
@testable import StewardSystem

/// Numbered SQL migrations (seed 003's `db/migrations/000_…sql`) applied by the real migrator to a real SQLite
/// file, as the app's user (`nobody` here), never root: in order, all pending files with their tracking rows in one
/// transaction, an edited applied file refused, a failing file leaving the database as it was before the deploy.
@Suite struct SQLMigrationTests {
    /// The app's tree: readable by the app user, its data directory root's but writable by all (so a database
    /// created by root would be root's, and one created by the app user is the app user's).
    func migrator(_ tree: TempTree, user: String? = "nobody") throws -> Migrator {
        try tree.mkdir("/data", mode: 0o777)
        chmod(tree.root, 0o755)
        var spec = DeploySpec()
        spec.migrations.kind = .auto
        let target = DeployTarget(app: "rtp", instance: "prod", spec: spec, production: true, units: [], directory: tree.root + "/app",
                                  venv: nil, user: user, environment: ["DATABASE_URL": "sqlite:///" + tree.root + "/data/rtp.db"],
                                  databases: [], store: tree.root + "/store", checks: { nil })
        let tools = ToolRunner()
        return Migrator(target: target, commands: AppCommands(target: target), tools: tools)
    }

    func tables(_ path: String) throws -> [String] {
        try DatabaseQueue(path: path).read { try String.fetchAll($0, sql: "SELECT name FROM sqlite_master WHERE type = 'table' ORDER BY name") }
    }

    /// A database that `000_init.sql` made (a table `results` with the row 1), and the migrator that applied it.
    func migratedOnce() async throws -> (TempTree, Migrator, release: String, db: String) {
        let tree = try TempTree()
        try tree.write("/app/db/migrations/000_init.sql", "CREATE TABLE results (id INTEGER PRIMARY KEY); INSERT INTO results VALUES (1);")
        let m = try migrator(tree)
        let release = tree.root + "/app"
        try await m.apply(release: release, status: try await m.status(release: release))
        return (tree, m, release, tree.root + "/data/rtp.db")
    }

    @Test func pendingFilesApplyInOrderWithTheirChecksums() async throws {
        let tree = try TempTree()
        try tree.write("/app/db/migrations/000_init.sql", "CREATE TABLE results (id INTEGER PRIMARY KEY, v REAL);")
        try tree.write("/app/db/migrations/010_index.sql", "CREATE INDEX results_v ON results(v);")
        try tree.write("/app/db/migrations/002_totals.sql", "CREATE TABLE totals (n INTEGER NOT NULL); INSERT INTO totals VALUES (0);")
        let m = try migrator(tree)
        let release = tree.root + "/app"
        #expect(m.kind(release: release) == .sql)
        let status = try await m.status(release: release)
        #expect(status.pending == ["000_init.sql", "002_totals.sql", "010_index.sql"])
        #expect(status.schemaNow == "sql:none" && status.schemaAfter == "sql:010_index.sql")
        try await m.apply(release: release, status: status)
        let db = tree.root + "/data/rtp.db"
        #expect(try tables(db) == ["results", "steward_schema_migrations", "totals"])
        let again = try await m.status(release: release)
        #expect(again.pending.isEmpty && again.schemaNow == "sql:010_index.sql")
        let recorded = try DatabaseQueue(path: db).read { try Row.fetchAll($0, sql: "SELECT name, checksum FROM steward_schema_migrations ORDER BY name") }
        #expect(recorded.map { $0["name"] as String } == ["000_init.sql", "002_totals.sql", "010_index.sql"])
        #expect(recorded[0]["checksum"] as String == (try StoreFiles.sha256(release + "/db/migrations/000_init.sql").hex))
    }

    @Test func anEditedAppliedFileIsRefused() async throws {
        let tree = try TempTree()
        try tree.write("/app/db/migrations/000_init.sql", "CREATE TABLE results (id INTEGER PRIMARY KEY);")
        let m = try migrator(tree)
        let release = tree.root + "/app"
        try await m.apply(release: release, status: try await m.status(release: release))
        try tree.write("/app/db/migrations/000_init.sql", "CREATE TABLE results (id INTEGER PRIMARY KEY, extra TEXT);")
        await #expect(throws: StoreError.self) { _ = try await m.status(release: release) }
        do { _ = try await m.status(release: release) } catch {
            #expect("\(error)".contains("000_init.sql was edited after it was applied"), "\(error)")
        }
    }

    @Test func aFailingFileLeavesTheDatabaseAsItWasBeforeTheDeploy() async throws {
        let (tree, m, release, db) = try await migratedOnce()
        // The next release: 001 works (a table, a row changed), 002 fails halfway, 003 would come after.
        try tree.write("/app/db/migrations/001_ok.sql", "CREATE TABLE remits (id INTEGER); UPDATE results SET id = 2;")
        try tree.write("/app/db/migrations/002_half.sql", "CREATE TABLE half (id INTEGER); INSERT INTO results VALUES (3); INSERT INTO nowhere VALUES (1);")
        try tree.write("/app/db/migrations/003_later.sql", "CREATE TABLE later (id INTEGER);")
        let status = try await m.status(release: release)
        #expect(status.pending == ["001_ok.sql", "002_half.sql", "003_later.sql"])
        await #expect(throws: (any Error).self) { try await m.apply(release: release, status: status) }
        // Schema, data and tracking rows exactly as before the deploy: nothing to restore.
        #expect(try tables(db) == ["results", "steward_schema_migrations"])
        let ids = try await DatabaseQueue(path: db).read { try Int.fetchAll($0, sql: "SELECT id FROM results") }
        #expect(ids == [1])
        #expect(try await m.sqlSchemaNow() == "sql:000_init.sql")
        #expect(try await m.status(release: release).pending == ["001_ok.sql", "002_half.sql", "003_later.sql"])
    }

    @Test func aFileWithItsOwnCommitIsRefusedBeforeAnythingRuns() async throws {
        let (tree, m, release, db) = try await migratedOnce()
        // 002 commits what came before it, then fails: run, it would leave 001 and half of 002 applied and untracked.
        try tree.write("/app/db/migrations/001_ok.sql", "CREATE TABLE remits (id INTEGER);")
        try tree.write("/app/db/migrations/002_commit.sql", "CREATE TABLE half (id INTEGER);\n-- the COMMIT below is the file's own\nCOMMIT;\nINSERT INTO nowhere VALUES (1);\n")
        let expected = "db/migrations/002_commit.sql:3: COMMIT: Steward runs the pending migrations and their tracking rows in one transaction; "
            + "a file must not control transactions itself (remove it)"
        do {
            _ = try await m.status(release: release)
            Issue.record("a file with its own COMMIT was accepted")
        } catch {
            #expect("\(error)" == expected)
        }
        // Applying the files directly (whatever a status said) refuses them too, before sqlite3 starts.
        await #expect(throws: StoreError(expected)) {
            try await m.sqlApply(try m.sqlFiles(release: release).filter { $0.name != "000_init.sql" }, in: release)
        }
        #expect(try tables(db) == ["results", "steward_schema_migrations"])
        #expect(try await m.sqlSchemaNow() == "sql:000_init.sql")
        // A BEGIN as SQLite files often start with, and a dot-command, are refused the same way; a trigger body is not.
        try tree.write("/app/db/migrations/002_commit.sql", "BEGIN;\nCREATE TABLE half (id INTEGER);\nCOMMIT;\n")
        await #expect(throws: StoreError("db/migrations/002_commit.sql:1: BEGIN: Steward runs the pending migrations and their tracking rows in one transaction; "
                                         + "a file must not control transactions itself (remove it)")) { _ = try await m.status(release: release) }
        try tree.write("/app/db/migrations/002_commit.sql", "CREATE TABLE half (id INTEGER);\n.bail off\nINSERT INTO nowhere VALUES (1);\n")
        await #expect(throws: (any Error).self) { _ = try await m.status(release: release) }
        try tree.write("/app/db/migrations/002_commit.sql", "CREATE TABLE half (id INTEGER);\nCREATE TRIGGER half_log AFTER INSERT ON half BEGIN\n  INSERT INTO remits VALUES (NEW.id);\nEND;\n")
        try await m.apply(release: release, status: try await m.status(release: release))
        #expect(try tables(db) == ["half", "remits", "results", "steward_schema_migrations"])
    }

    @Test func aMigrationThatLinksToARootOnlyFileIsRefusedAndNeverShown() async throws {
        let tree = try TempTree()
        let canary = "SECRET-CANARY-7f3a9c"
        let secret = try tree.write("/root-only/id_rsa", "-----BEGIN OPENSSH PRIVATE KEY-----\n\(canary)\n", mode: 0o600)
        chmod(tree.root + "/root-only", 0o700)
        try tree.symlink("/app/db/migrations/000_init.sql", to: secret)
        let m = try migrator(tree)
        let release = tree.root + "/app"
        do {
            try await m.apply(release: release, status: try await m.status(release: release))
            Issue.record("a migration read through a link")
        } catch {
            #expect("\(error)".contains("db/migrations/000_init.sql is a symbolic link"), "\(error)")
            #expect(!"\(error)".contains(canary) && !"\(error)".contains("OPENSSH"), "\(error)")
        }
        #expect(!FileManager.default.fileExists(atPath: tree.root + "/data/rtp.db"), "the database was touched")
        // A regular file the app's user could not read itself is refused too (root would show it to sqlite3).
        try FileManager.default.removeItem(atPath: tree.root + "/app/db/migrations/000_init.sql")
        try tree.write("/app/db/migrations/000_init.sql", "SELECT '\(canary)';", mode: 0o600)
        do {
            _ = try await m.status(release: release)
            Issue.record("a file the app user cannot read was read for it")
        } catch {
            #expect("\(error)".contains("000_init.sql is not the app user's") && !"\(error)".contains(canary), "\(error)")
        }
    }

    @Test func aWriteByTheRunningAppIsWaitedForNotFailed() async throws {
        let tree = try TempTree()
        try tree.write("/app/db/migrations/000_init.sql", "CREATE TABLE results (id INTEGER PRIMARY KEY);")
        let m = try migrator(tree)
        let release = tree.root + "/app"
        try await m.apply(release: release, status: try await m.status(release: release))
        let db = tree.root + "/data/rtp.db"
        try tree.write("/app/db/migrations/001_more.sql", "CREATE TABLE remits (id INTEGER); INSERT INTO results VALUES (2);")
        let status = try await m.status(release: release)
        // The app holds the write lock for a while (a long request): the migration waits for it, then runs.
        var config = Configuration()
        config.allowsUnsafeTransactions = true
        let app = try DatabaseQueue(path: db, configuration: config)
        try await app.writeWithoutTransaction { try $0.execute(sql: "BEGIN IMMEDIATE; INSERT INTO results VALUES (1)") }
        async let migrated: Void = m.apply(release: release, status: status)
        try await Task.sleep(for: .milliseconds(1500))
        try await app.writeWithoutTransaction { try $0.execute(sql: "COMMIT") }
        try await migrated
        #expect(try tables(db) == ["remits", "results", "steward_schema_migrations"])
        #expect(try await DatabaseQueue(path: db).read { try Int.fetchAll($0, sql: "SELECT id FROM results ORDER BY id") } == [1, 2])
    }

    @Test func sqlite3RunsAsTheAppUserInSafeMode() async throws {
        let tree = try TempTree()
        let marker = tree.root + "/data/shell-ran"
        // A dot-command that would run a program: refused before sqlite3 starts (and -safe would refuse it too).
        try tree.write("/app/db/migrations/000_shell.sql", "CREATE TABLE t (id INTEGER);\n.shell id -u > \(marker)\n")
        let m = try migrator(tree)
        let release = tree.root + "/app"
        await #expect(throws: (any Error).self) { try await m.apply(release: release, status: try await m.status(release: release)) }
        #expect(!FileManager.default.fileExists(atPath: marker), "sqlite3 ran .shell")
        // A new database is created by the process that opens it: the app user's, never root's.
        try tree.write("/app/db/migrations/000_shell.sql", "CREATE TABLE t (id INTEGER);")
        try await m.apply(release: release, status: try await m.status(release: release))
        let attributes = try FileManager.default.attributesOfItem(atPath: tree.root + "/data/rtp.db")
        #expect(attributes[.ownerAccountID] as? UInt == 65534, "owner \(attributes[.ownerAccountID] ?? "?")")
    }

    @Test func withoutAnAppUserMigrationsAreRefusedWithTheFix() async throws {
        for user: String? in [nil, "root"] {
            let tree = try TempTree()
            try tree.write("/app/db/migrations/000_init.sql", "CREATE TABLE results (id INTEGER PRIMARY KEY);")
            let m = try migrator(tree, user: user)
            let release = tree.root + "/app"
            do {
                try await m.apply(release: release, status: try await m.status(release: release))
                Issue.record("a migration ran without an app user (\(user ?? "nil"))")
            } catch {
                #expect("\(error)".contains("set apps.rtp.deploy.user"), "\(error)")
            }
            #expect(!FileManager.default.fileExists(atPath: tree.root + "/data/rtp.db"), "the database was touched")
        }
    }
}
