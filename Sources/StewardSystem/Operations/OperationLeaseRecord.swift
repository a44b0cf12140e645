import Foundation
import GRDB
import StewardCore

/// An operation's row in the state database (`operation`): who holds it, where, since when, and until when its
/// lease runs. The holder renews `expires_at` while the operation runs and sets `finished_at` when it ends; a row
/// neither renewed nor finished was left by an operation that stopped (a killed process, a cancelled task).
public struct OperationLeaseRecord: Sendable, Equatable {
    public var id: String
    /// `deploy`, `rollback`, `promote`, `backup`, …
    public var kind: String
    /// `app@instance` (or the app).
    public var subject: String
    public var operatorName: String
    public var host: String
    public var pid: Int32
    /// ``ProcessInstance`` token of the holder: its pid cannot be mistaken for a later process's.
    public var process: String
    public var startedAt: Date
    public var renewedAt: Date
    public var expiresAt: Date
    public var finishedAt: Date?
    /// `running` until it ends; then how it ended (the deploy's status, `refused`, `failed`).
    public var status: String

    /// Whether its operation may still be running: not finished, the lease not expired, and on this host its
    /// process still there (a process killed with -9 is seen at once; a task stopped inside a live process, only
    /// once the lease lapses).
    public func isHeld(now: Date = Date(), host thisHost: String = InstanceLock.hostName) -> Bool {
        guard finishedAt == nil, expiresAt > now else { return false }
        return !(host == thisHost && ProcessInstance.isGone(pid: pid, token: process))
    }
}

extension StateStore {
    /// The `operation` table (issue 11), and each deploy's operation id.
    static func createOperations(_ db: Database) throws {
        try db.execute(sql: """
            CREATE TABLE operation (
                id TEXT PRIMARY KEY, kind TEXT NOT NULL, subject TEXT NOT NULL, operator TEXT NOT NULL, host TEXT NOT NULL,
                pid INTEGER NOT NULL, process TEXT NOT NULL, started_at DOUBLE NOT NULL, renewed_at DOUBLE NOT NULL,
                expires_at DOUBLE NOT NULL, finished_at DOUBLE, status TEXT NOT NULL);
            CREATE INDEX operation_by_subject ON operation(subject, started_at);
            ALTER TABLE deploy ADD COLUMN operation TEXT;
            """)
    }

    /// Finished operations older than this are dropped when a new one starts (the deploy history keeps its own).
    static let operationRetention: TimeInterval = 90 * 86400

    func insertOperation(_ r: OperationLeaseRecord) throws {
        try queue.write { db in
            try db.execute(sql: """
                INSERT INTO operation (id, kind, subject, operator, host, pid, process, started_at, renewed_at, expires_at, status)
                VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)
                """, arguments: [r.id, r.kind, r.subject, r.operatorName, r.host, r.pid, r.process, r.startedAt.timeIntervalSince1970,
                                 r.renewedAt.timeIntervalSince1970, r.expiresAt.timeIntervalSince1970, r.status])
            try db.execute(sql: "DELETE FROM operation WHERE finished_at IS NOT NULL AND finished_at < ?",
                           arguments: [r.startedAt.timeIntervalSince1970 - Self.operationRetention])
        }
    }

    /// Moves an unfinished lease's expiry on; a finished one stays as it ended.
    func renewOperation(_ id: String, at now: Date, ttl: TimeInterval) throws {
        try queue.write { db in
            try db.execute(sql: "UPDATE operation SET renewed_at = ?, expires_at = ? WHERE id = ? AND finished_at IS NULL",
                           arguments: [now.timeIntervalSince1970, (now + ttl).timeIntervalSince1970, id])
        }
    }

    func finishOperation(_ id: String, status: String, at now: Date) throws {
        try queue.write { db in
            try db.execute(sql: "UPDATE operation SET finished_at = ?, status = ? WHERE id = ? AND finished_at IS NULL",
                           arguments: [now.timeIntervalSince1970, status, id])
        }
    }

    public func operation(id: String) throws -> OperationLeaseRecord? {
        try queue.read { db in try Row.fetchOne(db, sql: "SELECT * FROM operation WHERE id = ?", arguments: [id]).map(Self.operation) }
    }

    /// Operations of `subject` (every one when nil), newest first.
    public func operations(subject: String? = nil, limit: Int = 100) throws -> [OperationLeaseRecord] {
        try queue.read { db in
            let filter = subject == nil ? "" : " WHERE subject = ?"
            let args: StatementArguments = subject.map { [$0] } ?? []
            return try Row.fetchAll(db, sql: "SELECT * FROM operation\(filter) ORDER BY started_at DESC LIMIT \(max(1, limit))", arguments: args)
                .map(Self.operation)
        }
    }

    /// Operations that may touch what an alert sees at `now`: every unfinished one, and those that ended (or whose
    /// lease lapsed) within `within` seconds. An unfinished row whose holder is gone counts as ended when its lease
    /// lapsed (or, its process gone, at its last renewal), so a killed deploy does not silence its instance for ever.
    public func operationSpans(now: Date, within: TimeInterval) throws -> [OperationSilence.OperationSpan] {
        let since = now.addingTimeInterval(-within).timeIntervalSince1970
        let rows = try queue.read { db in
            try Row.fetchAll(db, sql: """
                SELECT * FROM operation WHERE finished_at IS NULL OR finished_at >= ? ORDER BY started_at DESC LIMIT 500
                """, arguments: [since]).map(Self.operation)
        }
        return rows.compactMap { record in
            var ended = record.finishedAt
            // Not held: lapsed (it ended when its lease did), or its process is gone on this host (it ended by its
            // last renewal).
            if ended == nil && !record.isHeld(now: now) { ended = record.expiresAt > now ? record.renewedAt : record.expiresAt }
            if let ended, ended.timeIntervalSince1970 < since { return nil }
            return OperationSilence.OperationSpan(id: record.id, kind: record.kind, subject: record.subject, startedAt: record.startedAt,
                                                  finishedAt: ended, operatorName: record.operatorName)
        }
    }

    static func operation(_ row: Row) -> OperationLeaseRecord {
        OperationLeaseRecord(
            id: row["id"], kind: row["kind"], subject: row["subject"], operatorName: row["operator"], host: row["host"], pid: row["pid"],
            process: row["process"], startedAt: Date(timeIntervalSince1970: row["started_at"]),
            renewedAt: Date(timeIntervalSince1970: row["renewed_at"]), expiresAt: Date(timeIntervalSince1970: row["expires_at"]),
            finishedAt: (row["finished_at"] as Double?).map { Date(timeIntervalSince1970: $0) }, status: row["status"])
    }
}
