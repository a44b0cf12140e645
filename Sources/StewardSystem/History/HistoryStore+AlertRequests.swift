import Foundation
import GRDB
import StewardCore

/// An acknowledgement asked for outside the daemon (`steward alerts ack`): the CLI cannot reach the daemon's
/// in-memory alerts, and writing the alert's row itself would race the daemon's own writes of it. It leaves the
/// request here; the daemon applies it within a couple of seconds (and tells the channels), then writes the outcome
/// back for the CLI to print.
public struct AlertRequest: Sendable, Equatable {
    public var id: Int64
    public var alertID: Int64
    /// `ack`.
    public var action: String
    public var by: String
    public var at: Date
    /// When the daemon took it, and what came of it (`acknowledged`, `not found`, `not firing: resolved`, `expired`).
    public var doneAt: Date?
    public var result: String?
}

extension HistoryStore {
    static func registerAlertRequests(_ m: inout DatabaseMigrator) {
        m.registerMigration("v4-alert-requests") { db in
            try db.execute(sql: """
                ALTER TABLE alert ADD COLUMN deploy TEXT;
                CREATE TABLE alert_request (
                    id INTEGER PRIMARY KEY, alert_id INTEGER NOT NULL, action TEXT NOT NULL, by TEXT NOT NULL, at INTEGER NOT NULL,
                    done_at INTEGER, result TEXT);
                CREATE INDEX alert_request_pending ON alert_request(id) WHERE done_at IS NULL;
                """)
        }
    }

    @discardableResult
    public func addAlertRequest(alertID: Int64, action: String, by: String, at: Date) throws -> Int64 {
        try pool.write { db in
            try db.execute(sql: "INSERT INTO alert_request (alert_id, action, by, at) VALUES (?, ?, ?, ?)",
                           arguments: [alertID, action, by, HistoryTime.ms(at)])
            return db.lastInsertedRowID
        }
    }

    /// Requests not yet taken, oldest first.
    public func pendingAlertRequests() throws -> [AlertRequest] {
        try pool.read { db in
            try Row.fetchAll(db, sql: "SELECT * FROM alert_request WHERE done_at IS NULL ORDER BY id LIMIT 100").map(Self.alertRequest)
        }
    }

    public func alertRequest(id: Int64) throws -> AlertRequest? {
        try pool.read { db in try Row.fetchOne(db, sql: "SELECT * FROM alert_request WHERE id = ?", arguments: [id]).map(Self.alertRequest) }
    }

    /// Records the outcome of a request still pending; false when it was already taken (by the daemon, or expired
    /// by the CLI that gave up waiting), so exactly one side decides it.
    @discardableResult
    public func finishAlertRequest(id: Int64, result: String, at: Date) throws -> Bool {
        try pool.write { db in
            try db.execute(sql: "UPDATE alert_request SET done_at = ?, result = ? WHERE id = ? AND done_at IS NULL",
                           arguments: [HistoryTime.ms(at), String(result.prefix(300)), id])
            return db.changesCount > 0
        }
    }

    static func alertRequest(_ row: Row) -> AlertRequest {
        AlertRequest(id: row["id"], alertID: row["alert_id"], action: row["action"], by: row["by"], at: HistoryTime.date(row["at"]),
                     doneAt: (row["done_at"] as Int64?).map(HistoryTime.date), result: row["result"])
    }
}
