import Foundation
import GRDB
import StewardCore

/// Steward's state database (`/var/lib/steward/state.db`, SQLite through GRDB): the backup catalog, its
/// verifications, the leases that protect backups in use, and a journal of what Steward changed on the host.
///
/// The directory is 0700 and the file 0600: the catalog names every backup file and database on the host.
public final class StateStore: Sendable {
    public static let defaultPath = "/var/lib/steward/state.db"

    public let path: String
    let queue: DatabaseQueue

    /// Opens (creating and migrating when needed) the state database at `path`.
    public init(path: String = StateStore.defaultPath) throws {
        self.path = path
        let directory = (path as NSString).deletingLastPathComponent
        try StoreFiles.makeDirectory(directory, mode: 0o700)
        let existed = FileManager.default.fileExists(atPath: path)
        var config = Configuration()
        config.busyMode = .timeout(10)
        config.label = "steward.state"
        queue = try DatabaseQueue(path: path, configuration: config)
        if !existed { chmod(path, 0o600) }
        try Self.migrator.migrate(queue)
    }

    /// Opens an existing database read-only, for the audit; nil when there is none yet.
    public static func openReadOnly(path: String) throws -> StateStore? {
        guard FileManager.default.fileExists(atPath: path) else { return nil }
        return try StateStore(readOnly: path)
    }

    private init(readOnly path: String) throws {
        self.path = path
        var config = Configuration()
        config.readonly = true
        config.busyMode = .timeout(5)
        queue = try DatabaseQueue(path: path, configuration: config)
    }

    static var migrator: DatabaseMigrator {
        var m = DatabaseMigrator()
        m.registerMigration("v1-backups") { db in
            try db.execute(sql: """
                CREATE TABLE backup (
                    id INTEGER PRIMARY KEY AUTOINCREMENT,
                    app TEXT NOT NULL, instance TEXT NOT NULL, source TEXT NOT NULL, kind TEXT NOT NULL,
                    path TEXT NOT NULL, created_at DOUBLE NOT NULL, size_bytes INTEGER NOT NULL, sha256 TEXT NOT NULL,
                    duration_ms INTEGER NOT NULL, contents TEXT NOT NULL, reason TEXT NOT NULL);
                CREATE INDEX backup_by_source ON backup(app, instance, source, created_at);
                CREATE TABLE verification (
                    id INTEGER PRIMARY KEY AUTOINCREMENT,
                    backup_id INTEGER NOT NULL REFERENCES backup(id) ON DELETE CASCADE,
                    at DOUBLE NOT NULL, passed BOOLEAN NOT NULL, duration_ms INTEGER NOT NULL, message TEXT NOT NULL);
                CREATE INDEX verification_by_backup ON verification(backup_id, at);
                CREATE TABLE lease (
                    id INTEGER PRIMARY KEY AUTOINCREMENT,
                    backup_id INTEGER NOT NULL, pid INTEGER NOT NULL, purpose TEXT NOT NULL, started_at DOUBLE NOT NULL);
                CREATE TABLE event (
                    id INTEGER PRIMARY KEY AUTOINCREMENT,
                    at DOUBLE NOT NULL, kind TEXT NOT NULL, subject TEXT NOT NULL, result TEXT NOT NULL, detail TEXT NOT NULL);
                """)
        }
        m.registerMigration("v2-deploys") { db in
            // The record's fields in `body` (JSON), the ones queried as columns; each step a row of its own,
            // written before and after it runs.
            try db.execute(sql: """
                CREATE TABLE deploy (
                    id INTEGER PRIMARY KEY AUTOINCREMENT,
                    app TEXT NOT NULL, instance TEXT NOT NULL, status TEXT NOT NULL, started_at DOUBLE NOT NULL,
                    body TEXT NOT NULL);
                CREATE INDEX deploy_by_instance ON deploy(app, instance, id);
                CREATE TABLE deploy_step (
                    id INTEGER PRIMARY KEY AUTOINCREMENT,
                    deploy_id INTEGER NOT NULL REFERENCES deploy(id) ON DELETE CASCADE,
                    step TEXT NOT NULL, started_at DOUBLE NOT NULL, finished_at DOUBLE, result TEXT NOT NULL,
                    detail TEXT NOT NULL, duration_ms INTEGER NOT NULL);
                CREATE INDEX deploy_step_by_deploy ON deploy_step(deploy_id, id);
                """)
        }
        m.registerMigration("v3-operations", migrate: createOperations)
        return m
    }

    // MARK: - Catalog

    /// Adds a complete backup; returns it with its id.
    @discardableResult
    public func insert(_ record: BackupRecord) throws -> BackupRecord {
        let contents = String(decoding: try JSONEncoder().encode(record.contents), as: UTF8.self)
        return try queue.write { db in
            try db.execute(sql: """
                INSERT INTO backup (app, instance, source, kind, path, created_at, size_bytes, sha256, duration_ms, contents, reason)
                VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)
                """, arguments: [record.app, record.instance, record.source, record.kind.rawValue, record.path,
                                 record.createdAt.timeIntervalSince1970, record.sizeBytes, record.sha256, record.durationMs,
                                 contents, record.reason])
            var saved = record
            saved.id = db.lastInsertedRowID
            return saved
        }
    }

    static let selectRecords = """
        SELECT b.*,
          (SELECT at FROM verification v WHERE v.backup_id = b.id ORDER BY at DESC, id DESC LIMIT 1) AS v_at,
          (SELECT passed FROM verification v WHERE v.backup_id = b.id ORDER BY at DESC, id DESC LIMIT 1) AS v_passed,
          (SELECT duration_ms FROM verification v WHERE v.backup_id = b.id ORDER BY at DESC, id DESC LIMIT 1) AS v_ms,
          (SELECT message FROM verification v WHERE v.backup_id = b.id ORDER BY at DESC, id DESC LIMIT 1) AS v_message,
          (SELECT max(at) FROM verification v WHERE v.backup_id = b.id AND passed) AS v_passed_at
        FROM backup b
        """

    /// Backups, newest first in the catalog's order (the id only grows; the wall clock can jump back); only those
    /// of `app` (and `instance`) when given.
    public func records(app: String? = nil, instance: String? = nil) throws -> [BackupRecord] {
        try queue.read { db in
            var sql = Self.selectRecords
            var args: StatementArguments = []
            if let app {
                sql += " WHERE b.app = ?"
                _ = args.append(contentsOf: [app])
                if let instance {
                    sql += " AND b.instance = ?"
                    _ = args.append(contentsOf: [instance])
                }
            }
            sql += " ORDER BY b.id DESC"
            return try Row.fetchAll(db, sql: sql, arguments: args).map(Self.record)
        }
    }

    public func record(id: Int64) throws -> BackupRecord? {
        try queue.read { db in
            try Row.fetchOne(db, sql: Self.selectRecords + " WHERE b.id = ?", arguments: [id]).map(Self.record)
        }
    }

    static func record(_ row: Row) -> BackupRecord {
        let contents = (try? JSONDecoder().decode(BackupContents.self, from: Data((row["contents"] as String? ?? "{}").utf8))) ?? BackupContents()
        var r = BackupRecord(
            id: row["id"], app: row["app"], instance: row["instance"], source: row["source"],
            kind: BackupSource.Kind(rawValue: row["kind"]) ?? .files, path: row["path"],
            createdAt: Date(timeIntervalSince1970: row["created_at"]), sizeBytes: row["size_bytes"], sha256: row["sha256"],
            durationMs: row["duration_ms"], contents: contents, reason: row["reason"])
        if let at: Double = row["v_at"] {
            r.lastVerification = Verification(at: Date(timeIntervalSince1970: at), passed: row["v_passed"], durationMs: row["v_ms"], message: row["v_message"])
        }
        if let at: Double = row["v_passed_at"] { r.lastVerifiedAt = Date(timeIntervalSince1970: at) }
        return r
    }

    public func addVerification(_ v: Verification, backup id: Int64) throws {
        try queue.write { db in
            try db.execute(sql: "INSERT INTO verification (backup_id, at, passed, duration_ms, message) VALUES (?, ?, ?, ?, ?)",
                           arguments: [id, v.at.timeIntervalSince1970, v.passed, v.durationMs, v.message])
        }
    }

    /// Removes a backup from the catalog (its file is deleted by the caller first).
    public func delete(id: Int64) throws {
        try queue.write { db in
            try db.execute(sql: "DELETE FROM verification WHERE backup_id = ?", arguments: [id])
            try db.execute(sql: "DELETE FROM backup WHERE id = ?", arguments: [id])
        }
    }

    // MARK: - Leases

    /// Marks backups as used by this process (a restore, a deploy), so pruning leaves them alone.
    public func lease(_ ids: [Int64], purpose: String) throws -> [Int64] {
        try queue.write { db in
            try ids.map { id in
                try db.execute(sql: "INSERT INTO lease (backup_id, pid, purpose, started_at) VALUES (?, ?, ?, ?)",
                               arguments: [id, getpid(), purpose, Date().timeIntervalSince1970])
                return db.lastInsertedRowID
            }
        }
    }

    public func release(_ leases: [Int64]) {
        _ = try? queue.write { db in
            for id in leases { try db.execute(sql: "DELETE FROM lease WHERE id = ?", arguments: [id]) }
        }
    }

    /// Backups held by a lease whose process still runs; leases of dead processes are dropped.
    public func backupsInUse() throws -> Set<Int64> {
        try queue.write { db in
            var inUse: Set<Int64> = []
            for row in try Row.fetchAll(db, sql: "SELECT id, backup_id, pid FROM lease") {
                let pid: Int32 = row["pid"]
                if kill(pid, 0) == 0 || errno == EPERM {
                    inUse.insert(row["backup_id"])
                } else {
                    try db.execute(sql: "DELETE FROM lease WHERE id = ?", arguments: [row["id"] as Int64])
                }
            }
            return inUse
        }
    }

    // MARK: - Events

    /// Records what Steward did (`restore`, `prune`, `schedule`): when, to what, the result and a detail line.
    public func event(_ kind: String, subject: String, result: String, detail: String) {
        _ = try? queue.write { db in
            try db.execute(sql: "INSERT INTO event (at, kind, subject, result, detail) VALUES (?, ?, ?, ?, ?)",
                           arguments: [Date().timeIntervalSince1970, kind, subject, result, detail])
        }
    }

    public func events(kind: String) throws -> [(at: Date, subject: String, result: String, detail: String)] {
        try queue.read { db in
            try Row.fetchAll(db, sql: "SELECT * FROM event WHERE kind = ? ORDER BY id", arguments: [kind]).map {
                (Date(timeIntervalSince1970: $0["at"]), $0["subject"], $0["result"], $0["detail"])
            }
        }
    }
}
