import Foundation
import GRDB
import StewardCore

/// A deploy as the history keeps it: enough to mark it on a chart and name it in an alert ("deploy #12 of
/// v1.4.2"). The id is the state database's, where its steps and evidence stay.
public struct HistoryDeploy: Sendable, Equatable {
    public var id: Int64
    public var app: String
    public var instance: String
    public var kind: String
    public var status: String
    public var ref: String
    public var commit: String
    public var previousCommit: String?
    public var operatorName: String
    public var startedAt: Date
    public var finishedAt: Date?
    public var error: String?
}

/// A backup as the history keeps it, with its latest verification; `removedAt` is when a sync no longer found it
/// in the catalog (pruned). The id is the catalog's.
public struct HistoryBackup: Sendable, Equatable {
    public var id: Int64
    public var app: String
    public var instance: String
    public var source: String
    public var kind: String
    public var createdAt: Date
    public var sizeBytes: Int64
    public var reason: String
    /// When a verification last passed.
    public var verifiedAt: Date?
    /// Whether the latest verification passed; nil when never verified.
    public var lastVerificationPassed: Bool?
    public var removedAt: Date?
}

extension HistoryStore {
    public struct StateImport: Sendable, Equatable {
        /// Rows added or changed.
        public var deploys: Int
        public var backups: Int
        /// Backups newly marked removed.
        public var removedBackups: Int
    }

    /// Copies the state database's deploys and backups in, keyed by their ids there, so importing again changes
    /// only what changed there (a deploy that finished, a backup verified or pruned). Deploys read are the new ones
    /// and those still running (or needing an operator) at the last import; backups, the whole catalog (pruning
    /// keeps it short). Each database is read or written in one transaction; the two are not one, which is
    /// harmless: an import cut short is finished by the next.
    @discardableResult
    public func importState(_ state: StateStore, now: Date) throws -> StateImport {
        let (lastID, open) = try pool.read { db in
            (try Int64.fetchOne(db, sql: "SELECT max(id) FROM deploy") ?? 0,
             try Int64.fetchAll(db, sql: "SELECT id FROM deploy WHERE status IN ('running', 'rollback-failed')"))
        }
        let deploys = try state.queue.read { db in
            try Row.fetchAll(db, sql: "SELECT * FROM deploy WHERE id > ? OR id IN (\(open.map(String.init).joined(separator: ",")))",
                             arguments: [lastID]).map { try StateStore.deploy($0, db) }
        }
        let backups = try state.records()
        let at = HistoryTime.ms(now)
        return try pool.write { db in
            var result = StateImport(deploys: 0, backups: 0, removedBackups: 0)
            for d in deploys {
                try db.execute(sql: """
                    INSERT INTO deploy (id, app, instance, kind, status, ref, commit_sha, previous_commit, operator_name, started_at, finished_at, error)
                    VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)
                    ON CONFLICT (id) DO UPDATE SET app = excluded.app, instance = excluded.instance, kind = excluded.kind,
                      status = excluded.status, ref = excluded.ref, commit_sha = excluded.commit_sha, previous_commit = excluded.previous_commit,
                      operator_name = excluded.operator_name, started_at = excluded.started_at, finished_at = excluded.finished_at, error = excluded.error
                    WHERE (app, instance, kind, status, ref, commit_sha, previous_commit, operator_name, started_at, finished_at, error)
                      IS NOT (excluded.app, excluded.instance, excluded.kind, excluded.status, excluded.ref, excluded.commit_sha,
                              excluded.previous_commit, excluded.operator_name, excluded.started_at, excluded.finished_at, excluded.error)
                    """, arguments: [d.id, d.app, d.instance, d.kind.rawValue, d.status.rawValue, d.ref, d.commit, d.previousCommit, d.user,
                                     HistoryTime.ms(d.startedAt), d.finishedAt.map(HistoryTime.ms), d.error])
                result.deploys += db.changesCount
            }
            for b in backups {
                try db.execute(sql: """
                    INSERT INTO backup (id, app, instance, source, kind, created_at, size_bytes, reason, verified_at, verification_passed)
                    VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?)
                    ON CONFLICT (id) DO UPDATE SET verified_at = excluded.verified_at, verification_passed = excluded.verification_passed,
                      removed_at = NULL
                    WHERE (verified_at, verification_passed, removed_at) IS NOT (excluded.verified_at, excluded.verification_passed, NULL)
                    """, arguments: [b.id, b.app, b.instance, b.source, b.kind.rawValue, HistoryTime.ms(b.createdAt), b.sizeBytes, b.reason,
                                     b.lastVerifiedAt.map(HistoryTime.ms), b.lastVerification?.passed])
                result.backups += db.changesCount
            }
            let catalog = Set(backups.map(\.id))
            for id in try Int64.fetchAll(db, sql: "SELECT id FROM backup WHERE removed_at IS NULL") where !catalog.contains(id) {
                try db.execute(sql: "UPDATE backup SET removed_at = ? WHERE id = ?", arguments: [at, id])
                result.removedBackups += 1
            }
            return result
        }
    }

    /// Deploys of an instance (every one when nil) that started in `from..<to`, oldest first: a chart's markers.
    public func deploys(app: String? = nil, instance: String? = nil, from: Date, to: Date) throws -> [HistoryDeploy] {
        try pool.read { db in
            try Row.fetchAll(db, sql: """
                SELECT * FROM deploy WHERE (?1 IS NULL OR app = ?1) AND (?2 IS NULL OR instance = ?2) AND started_at >= ?3 AND started_at < ?4
                ORDER BY started_at, id
                """, arguments: [app, instance, HistoryTime.ms(from), HistoryTime.ms(to)]).map(Self.deploy)
        }
    }

    static func deploy(_ row: Row) -> HistoryDeploy {
        HistoryDeploy(id: row["id"], app: row["app"], instance: row["instance"], kind: row["kind"], status: row["status"], ref: row["ref"],
                      commit: row["commit_sha"], previousCommit: row["previous_commit"], operatorName: row["operator_name"],
                      startedAt: HistoryTime.date(row["started_at"]), finishedAt: (row["finished_at"] as Int64?).map(HistoryTime.date),
                      error: row["error"])
    }

    /// Per instance (of one instance, of every one when nil), its newest deploy and its newest that succeeded (one
    /// row when they are the same), oldest first: what an overview shows (the version running, the last deploy)
    /// without reading every deploy since the first, as the history keeps them forever.
    public func latestDeploys(app: String? = nil, instance: String? = nil) throws -> [HistoryDeploy] {
        try pool.read { db in
            try Row.fetchAll(db, sql: """
                SELECT * FROM deploy WHERE id IN (
                  SELECT max(id) FROM deploy WHERE (?1 IS NULL OR app = ?1) AND (?2 IS NULL OR instance = ?2) GROUP BY app, instance
                  UNION
                  SELECT max(id) FROM deploy WHERE (?1 IS NULL OR app = ?1) AND (?2 IS NULL OR instance = ?2) AND status = 'succeeded'
                  GROUP BY app, instance)
                ORDER BY started_at, id
                """, arguments: [app, instance]).map(Self.deploy)
        }
    }

    /// Backups of an instance (every one when nil) still in the catalog, newest first: the pruned ones, which the
    /// history keeps forever, left out in SQL.
    public func keptBackups(app: String? = nil, instance: String? = nil) throws -> [HistoryBackup] {
        try backups(app: app, instance: instance, removed: false)
    }

    /// Backups of an instance (every one when nil), newest first, pruned ones included (with `removedAt`).
    public func backups(app: String? = nil, instance: String? = nil) throws -> [HistoryBackup] {
        try backups(app: app, instance: instance, removed: true)
    }

    private func backups(app: String?, instance: String?, removed: Bool) throws -> [HistoryBackup] {
        try pool.read { db in
            try Row.fetchAll(db, sql: """
                SELECT * FROM backup WHERE (?1 IS NULL OR app = ?1) AND (?2 IS NULL OR instance = ?2) AND (?3 OR removed_at IS NULL)
                ORDER BY id DESC
                """, arguments: [app, instance, removed]).map {
                HistoryBackup(id: $0["id"], app: $0["app"], instance: $0["instance"], source: $0["source"], kind: $0["kind"],
                              createdAt: HistoryTime.date($0["created_at"]), sizeBytes: $0["size_bytes"], reason: $0["reason"],
                              verifiedAt: ($0["verified_at"] as Int64?).map(HistoryTime.date), lastVerificationPassed: $0["verification_passed"],
                              removedAt: ($0["removed_at"] as Int64?).map(HistoryTime.date))
            }
        }
    }
}
