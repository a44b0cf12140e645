import Foundation
import GRDB
import StewardCore

extension HistoryStore {
    /// Resolved alerts are kept this long (a year of incidents to look back on), deliveries and ended silences 90 days.
    public static let resolvedAlertKeep: TimeInterval = 400 * 86_400

    static func registerAlerts(_ m: inout DatabaseMigrator) {
        m.registerMigration("v3-alerts") { db in
            try db.execute(sql: """
                CREATE TABLE alert (
                    id INTEGER PRIMARY KEY, rule TEXT NOT NULL, subject TEXT NOT NULL, kind TEXT NOT NULL, app TEXT, instance TEXT,
                    phase TEXT NOT NULL, severity TEXT NOT NULL, summary TEXT NOT NULL, fired_at INTEGER, resolved_at INTEGER,
                    deploy_id INTEGER, state TEXT NOT NULL);
                CREATE UNIQUE INDEX alert_open ON alert(rule, subject) WHERE resolved_at IS NULL;
                CREATE INDEX alert_by_time ON alert(fired_at);
                CREATE TABLE silence (
                    id INTEGER PRIMARY KEY, app TEXT, instance TEXT, subject TEXT, starts_at INTEGER NOT NULL, ends_at INTEGER NOT NULL,
                    reason TEXT NOT NULL, created_by TEXT NOT NULL);
                CREATE TABLE delivery (
                    id INTEGER PRIMARY KEY, alert_id INTEGER NOT NULL, channel TEXT NOT NULL, notice TEXT NOT NULL, at INTEGER NOT NULL,
                    ok BOOLEAN NOT NULL, detail TEXT NOT NULL);
                CREATE INDEX delivery_by_alert ON delivery(alert_id, at);
                """)
        }
    }

    /// Inserts the alert (its id then set) or updates it by id; returns the id. A second open alert of one rule
    /// and subject is refused by the database (the dedupe key).
    @discardableResult
    public func saveAlert(_ alert: AlertRecord) throws -> Int64 {
        let state = String(decoding: try JSONEncoder.history.encode(alert.state), as: UTF8.self)
        let s = alert.state
        let deploy = try alert.deploy.map { String(decoding: try JSONEncoder.history.encode($0), as: UTF8.self) }
        return try pool.write { db in
            let values: [any DatabaseValueConvertible & Sendable] = [
                alert.rule, alert.subject, alert.kind, alert.app ?? NSNull(), alert.instance ?? NSNull(), s.phase.rawValue, s.severity.rawValue,
                s.summary, s.firedAt.map(HistoryTime.ms) ?? NSNull(), s.resolvedAt.map(HistoryTime.ms) ?? NSNull(), alert.deploy?.id ?? NSNull(), state,
                deploy ?? NSNull(),
            ]
            if let id = alert.id {
                try db.execute(sql: """
                    UPDATE alert SET rule = ?, subject = ?, kind = ?, app = ?, instance = ?, phase = ?, severity = ?, summary = ?,
                    fired_at = ?, resolved_at = ?, deploy_id = ?, state = ?, deploy = ? WHERE id = ?
                    """, arguments: StatementArguments(values + [id]))
                return id
            }
            // One open alert per rule and subject: a row left open (its resolving write failed) is closed, not collided with.
            let closed = HistoryTime.ms(Date())
            try db.execute(sql: """
                UPDATE alert SET phase = 'resolved', resolved_at = ?1, state = json_set(state, '$.phase', 'resolved', '$.resolvedAt', ?1)
                WHERE rule = ?2 AND subject = ?3 AND resolved_at IS NULL
                """, arguments: [closed, alert.rule, alert.subject])
            try db.execute(sql: """
                INSERT INTO alert (rule, subject, kind, app, instance, phase, severity, summary, fired_at, resolved_at, deploy_id, state, deploy)
                VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)
                """, arguments: StatementArguments(values))
            return db.lastInsertedRowID
        }
    }

    /// Alerts not resolved, the oldest first (what a restarted engine carries on with).
    public func openAlerts() throws -> [AlertRecord] {
        try pool.read { db in try Row.fetchAll(db, sql: "SELECT * FROM alert WHERE resolved_at IS NULL ORDER BY id").map(Self.alert) }
    }

    /// The newest alerts first, open and resolved; at most `limit`.
    public func recentAlerts(limit: Int = 200) throws -> [AlertRecord] {
        try pool.read { db in try Row.fetchAll(db, sql: "SELECT * FROM alert ORDER BY id DESC LIMIT ?", arguments: [limit]).map(Self.alert) }
    }

    public func alert(id: Int64) throws -> AlertRecord? {
        try pool.read { db in try Row.fetchOne(db, sql: "SELECT * FROM alert WHERE id = ?", arguments: [id]).map(Self.alert) }
    }

    static func alert(_ row: Row) -> AlertRecord {
        let state = (try? JSONDecoder.history.decode(AlertState.self, from: Data((row["state"] as String).utf8))) ?? AlertState()
        let deploy = (row["deploy"] as String?).flatMap { try? JSONDecoder.history.decode(AlertMessage.Deploy.self, from: Data($0.utf8)) }
        return AlertRecord(id: row["id"], rule: row["rule"], subject: row["subject"], kind: row["kind"], app: row["app"],
                           instance: row["instance"], state: state, deploy: deploy)
    }

    @discardableResult
    public func addSilence(_ silence: SilenceRecord) throws -> Int64 {
        try pool.write { db in
            try db.execute(sql: """
                INSERT INTO silence (app, instance, subject, starts_at, ends_at, reason, created_by) VALUES (?, ?, ?, ?, ?, ?, ?)
                """, arguments: [silence.app, silence.instance, silence.subject, HistoryTime.ms(silence.startsAt), HistoryTime.ms(silence.endsAt),
                                 silence.reason, silence.createdBy])
            return db.lastInsertedRowID
        }
    }

    /// Ends a silence now (it stays on record); false when there is none with that id still running.
    @discardableResult
    public func endSilence(id: Int64, at now: Date) throws -> Bool {
        try pool.write { db in
            try db.execute(sql: "UPDATE silence SET ends_at = ? WHERE id = ? AND ends_at > ?",
                           arguments: [HistoryTime.ms(now), id, HistoryTime.ms(now)])
            return db.changesCount > 0
        }
    }

    /// Silences in force at `now`, or that start later.
    public func silences(notEndedAt now: Date) throws -> [SilenceRecord] {
        try pool.read { db in
            try Row.fetchAll(db, sql: "SELECT * FROM silence WHERE ends_at > ? ORDER BY starts_at, id", arguments: [HistoryTime.ms(now)]).map {
                SilenceRecord(id: $0["id"], app: $0["app"], instance: $0["instance"], subject: $0["subject"],
                              startsAt: HistoryTime.date($0["starts_at"]), endsAt: HistoryTime.date($0["ends_at"]), reason: $0["reason"],
                              createdBy: $0["created_by"])
            }
        }
    }

    public func recordDelivery(alertID: Int64, channel: String, notice: String, at: Date, ok: Bool, detail: String) throws {
        try pool.write { db in
            try db.execute(sql: "INSERT INTO delivery (alert_id, channel, notice, at, ok, detail) VALUES (?, ?, ?, ?, ?, ?)",
                           arguments: [alertID, channel, notice, HistoryTime.ms(at), ok, String(detail.prefix(1000))])
        }
    }

    /// An alert's deliveries, oldest first: `(channel, notice, at, ok, detail)`.
    public func deliveries(alertID: Int64) throws -> [(channel: String, notice: String, at: Date, ok: Bool, detail: String)] {
        try pool.read { db in
            try Row.fetchAll(db, sql: "SELECT * FROM delivery WHERE alert_id = ? ORDER BY at, id", arguments: [alertID]).map {
                ($0["channel"], $0["notice"], HistoryTime.date($0["at"]), $0["ok"], $0["detail"])
            }
        }
    }

    /// Drops resolved alerts past ``resolvedAlertKeep`` with their deliveries, and deliveries and ended silences past
    /// ``apiRecordKeep``; returns how many rows went.
    @discardableResult
    public func pruneAlerts(now: Date) throws -> Int {
        let alerts = HistoryTime.ms(now.addingTimeInterval(-Self.resolvedAlertKeep))
        let records = HistoryTime.ms(now.addingTimeInterval(-Self.apiRecordKeep))
        return try pool.write { db in
            var count = 0
            try db.execute(sql: "DELETE FROM delivery WHERE at < ? OR alert_id IN (SELECT id FROM alert WHERE resolved_at < ?)",
                           arguments: [records, alerts])
            count += db.changesCount
            try db.execute(sql: "DELETE FROM alert WHERE resolved_at < ?", arguments: [alerts])
            count += db.changesCount
            try db.execute(sql: "DELETE FROM silence WHERE ends_at < ?", arguments: [records])
            count += db.changesCount
            try db.execute(sql: "DELETE FROM alert_request WHERE at < ?", arguments: [records])
            count += db.changesCount
            return count
        }
    }
}

extension JSONEncoder {
    /// Sorted keys and exact dates: the alert state column.
    static var history: JSONEncoder {
        let e = JSONEncoder()
        e.outputFormatting = [.sortedKeys]
        e.dateEncodingStrategy = .millisecondsSince1970
        return e
    }
}

extension JSONDecoder {
    static var history: JSONDecoder {
        let d = JSONDecoder()
        d.dateDecodingStrategy = .millisecondsSince1970
        return d
    }
}
