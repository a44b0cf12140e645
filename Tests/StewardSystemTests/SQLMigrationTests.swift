import Foundation
import GRDB
import StewardCore
import Testing
@testable import StewardSystem

/// Numbered SQL migrations (seed 003's `db/migrations/000_…sql`) applied by the real migrator to a real SQLite
/// file: in order, each with its tracking row in one transaction, an edited applied file refused, a failing file
/// leaving nothing of itself behind.
@Suite struct SQLMigrationTests {
    func migrator(_ tree: TempTree) -> Migrator {
        var spec = DeploySpec()
        spec.migrations.kind = .auto
        let target = DeployTarget(app: "rtp", instance: "prod", spec: spec, production: true, units: [], directory: tree.root + "/app",
                                  venv: nil, user: nil, environment: ["DATABASE_URL": "sqlite:///" + tree.root + "/data/rtp.db"],
                                  databases: [], store: tree.root + "/store", checks: { nil })
        let tools = ToolRunner()
        return Migrator(target: target, commands: AppCommands(target: target), tools: tools)
    }

    func tables(_ path: String) throws -> [String] {
        try DatabaseQueue(path: path).read { try String.fetchAll($0, sql: "SELECT name FROM sqlite_master WHERE type = 'table' ORDER BY name") }
    }

    @Test func pendingFilesApplyInOrderWithTheirChecksums() async throws {
        let tree = try TempTree()
        try tree.mkdir("/data")
        try tree.write("/app/db/migrations/000_init.sql", "CREATE TABLE results (id INTEGER PRIMARY KEY, v REAL);")
        try tree.write("/app/db/migrations/010_index.sql", "CREATE INDEX results_v ON results(v);")
        try tree.write("/app/db/migrations/002_totals.sql", "CREATE TABLE totals (n INTEGER NOT NULL); INSERT INTO totals VALUES (0);")
        let m = migrator(tree)
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
        try tree.mkdir("/data")
        try tree.write("/app/db/migrations/000_init.sql", "CREATE TABLE results (id INTEGER PRIMARY KEY);")
        let m = migrator(tree)
        let release = tree.root + "/app"
        try await m.apply(release: release, status: try await m.status(release: release))
        try tree.write("/app/db/migrations/000_init.sql", "CREATE TABLE results (id INTEGER PRIMARY KEY, extra TEXT);")
        await #expect(throws: StoreError.self) { _ = try await m.status(release: release) }
        do { _ = try await m.status(release: release) } catch {
            #expect("\(error)".contains("000_init.sql was edited after it was applied"), "\(error)")
        }
    }

    @Test func aFailingFileLeavesNothingOfItselfAndStopsTheRest() async throws {
        let tree = try TempTree()
        try tree.mkdir("/data")
        try tree.write("/app/db/migrations/000_init.sql", "CREATE TABLE results (id INTEGER PRIMARY KEY);")
        try tree.write("/app/db/migrations/001_half.sql", "CREATE TABLE remits (id INTEGER); INSERT INTO nowhere VALUES (1);")
        try tree.write("/app/db/migrations/002_later.sql", "CREATE TABLE later (id INTEGER);")
        let m = migrator(tree)
        let release = tree.root + "/app"
        await #expect(throws: (any Error).self) { try await m.apply(release: release, status: try await m.status(release: release)) }
        // 000 applied and recorded; 001's table rolled back with it; 002 never ran.
        #expect(try tables(tree.root + "/data/rtp.db") == ["results", "steward_schema_migrations"])
        #expect(try await m.status(release: release).pending == ["001_half.sql", "002_later.sql"])
    }
}
