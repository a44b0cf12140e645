import Foundation
import GRDB
import StewardCore

/// One operate request as the daemon's audit log keeps it: who, from where, what route, which operation it started,
/// how it ended. Never the request's body (a deploy's `reason` may say more than it should).
public struct APIAuditEntry: Sendable, Equatable {
    public var at: Date
    public var requestID: String
    public var identity: String
    public var remote: String?
    public var method: String
    public var route: String
    public var operationID: String?
    public var status: Int
    public var durationMs: Int

    public init(at: Date, requestID: String, identity: String, remote: String?, method: String, route: String,
                operationID: String?, status: Int, durationMs: Int) {
        self.at = at
        self.requestID = requestID
        self.identity = identity
        self.remote = remote
        self.method = method
        self.route = route
        self.operationID = operationID
        self.status = status
        self.durationMs = durationMs
    }
}

/// An operation the API started: kept so `GET /api/v1/operations/ID` answers after the daemon restarted, and so a
/// daemon killed mid-operation shows it as interrupted.
public struct APIOperationRecord: Sendable, Equatable {
    public var id: String
    public var name: String
    public var target: String?
    public var identity: String
    public var requestID: String
    public var startedAt: Date
    public var finishedAt: Date?
    public var exitCode: Int?
    /// The operation's result document, or its error document (JSON; secrets masked by the registry).
    public var result: Data?

    public init(id: String, name: String, target: String?, identity: String, requestID: String, startedAt: Date,
                finishedAt: Date? = nil, exitCode: Int? = nil, result: Data? = nil) {
        self.id = id
        self.name = name
        self.target = target
        self.identity = identity
        self.requestID = requestID
        self.startedAt = startedAt
        self.finishedAt = finishedAt
        self.exitCode = exitCode
        self.result = result
    }
}

extension HistoryStore {
    /// What the API's records keep: 90 days. Not touched by the size cap, which trims only check results.
    public static let apiRecordKeep: TimeInterval = 90 * 86_400
    /// A result bigger than this is stored as a note that it was (a deploy's result is a few KiB).
    public static let maxStoredResult = 256 * 1024

    static func registerAPI(_ m: inout DatabaseMigrator) {
        m.registerMigration("v2-api") { db in
            try db.execute(sql: """
                CREATE TABLE api_audit (
                    id INTEGER PRIMARY KEY, at INTEGER NOT NULL, request_id TEXT NOT NULL, identity TEXT NOT NULL, remote TEXT,
                    method TEXT NOT NULL, route TEXT NOT NULL, operation_id TEXT, status INTEGER NOT NULL, duration_ms INTEGER NOT NULL);
                CREATE INDEX api_audit_by_time ON api_audit(at);
                CREATE TABLE api_operation (
                    id TEXT PRIMARY KEY, name TEXT NOT NULL, target TEXT, identity TEXT NOT NULL, request_id TEXT NOT NULL,
                    started_at INTEGER NOT NULL, finished_at INTEGER, exit_code INTEGER, result BLOB);
                CREATE INDEX api_operation_by_time ON api_operation(started_at);
                """)
        }
    }

    public func recordAudit(_ entry: APIAuditEntry) throws {
        try pool.write { db in
            try db.execute(sql: """
                INSERT INTO api_audit (at, request_id, identity, remote, method, route, operation_id, status, duration_ms)
                VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)
                """, arguments: [HistoryTime.ms(entry.at), entry.requestID, entry.identity, entry.remote, entry.method, entry.route,
                                 entry.operationID, entry.status, entry.durationMs])
        }
    }

    /// The newest audit entries first.
    public func auditLog(limit: Int = 100) throws -> [APIAuditEntry] {
        try pool.read { db in
            try Row.fetchAll(db, sql: "SELECT * FROM api_audit ORDER BY at DESC, id DESC LIMIT ?", arguments: [limit]).map {
                APIAuditEntry(at: HistoryTime.date($0["at"]), requestID: $0["request_id"], identity: $0["identity"], remote: $0["remote"],
                              method: $0["method"], route: $0["route"], operationID: $0["operation_id"], status: $0["status"],
                              durationMs: $0["duration_ms"])
            }
        }
    }

    public func recordOperationStart(_ op: APIOperationRecord) throws {
        try pool.write { db in
            try db.execute(sql: """
                INSERT INTO api_operation (id, name, target, identity, request_id, started_at) VALUES (?, ?, ?, ?, ?, ?)
                """, arguments: [op.id, op.name, op.target, op.identity, op.requestID, HistoryTime.ms(op.startedAt)])
        }
    }

    public func recordOperationEnd(id: String, at: Date, exitCode: Int, result: Data) throws {
        let stored = result.count <= Self.maxStoredResult ? result : Data(#"{"truncated":true}"#.utf8)
        try pool.write { db in
            try db.execute(sql: "UPDATE api_operation SET finished_at = ?, exit_code = ?, result = ? WHERE id = ?",
                           arguments: [HistoryTime.ms(at), exitCode, stored, id])
        }
    }

    public func operation(id: String) throws -> APIOperationRecord? {
        try pool.read { db in
            try Row.fetchOne(db, sql: "SELECT * FROM api_operation WHERE id = ?", arguments: [id]).map {
                APIOperationRecord(id: $0["id"], name: $0["name"], target: $0["target"], identity: $0["identity"], requestID: $0["request_id"],
                                   startedAt: HistoryTime.date($0["started_at"]), finishedAt: ($0["finished_at"] as Int64?).map(HistoryTime.date),
                                   exitCode: $0["exit_code"], result: $0["result"])
            }
        }
    }

    /// At most this many audit entries and operations are kept, whatever their age: a client with a token that
    /// sends requests all day cannot grow the file (the size cap trims only check results).
    public static let maxAuditRows = 100_000
    public static let maxOperationRows = 10_000

    /// Drops audit entries and operations older than ``apiRecordKeep`` or beyond their row bounds, the oldest
    /// first; returns how many rows went.
    @discardableResult
    public func pruneAPIRecords(now: Date) throws -> Int {
        let cutoff = HistoryTime.ms(now.addingTimeInterval(-Self.apiRecordKeep))
        return try pool.write { db in
            var count = 0
            try db.execute(sql: "DELETE FROM api_audit WHERE at < ? OR id <= (SELECT max(id) FROM api_audit) - ?",
                           arguments: [cutoff, Self.maxAuditRows])
            count += db.changesCount
            try db.execute(sql: """
                DELETE FROM api_operation WHERE started_at < ? OR rowid <= (SELECT max(rowid) FROM api_operation) - ?
                """, arguments: [cutoff, Self.maxOperationRows])
            count += db.changesCount
            return count
        }
    }
}
