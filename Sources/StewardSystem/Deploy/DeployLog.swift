import Foundation
import GRDB
import StewardCore

/// The deploy history in Steward's state database: one row per deploy, one per step. Every write is its own
/// transaction, committed before the step it describes runs or right after it ends, so a deploy killed at any
/// point leaves a record that says how far it got.
extension StateStore {
    static func encode(_ record: DeployRecord) throws -> String {
        var body = record
        body.steps = []
        let encoder = JSONEncoder()
        encoder.dateEncodingStrategy = .secondsSince1970
        return String(decoding: try encoder.encode(body), as: UTF8.self)
    }

    /// Adds a new deploy; returns it with its id.
    public func insertDeploy(_ record: DeployRecord) throws -> DeployRecord {
        var record = record
        let body = try Self.encode(record)
        record.id = try queue.write { db in
            try db.execute(sql: "INSERT INTO deploy (app, instance, status, started_at, body, operation) VALUES (?, ?, ?, ?, ?, ?)",
                           arguments: [record.app, record.instance, record.status.rawValue, record.startedAt.timeIntervalSince1970, body,
                                       record.operationID])
            return db.lastInsertedRowID
        }
        return record
    }

    /// Saves the record's fields (not its steps: those are written by ``beginStep`` and ``endStep``).
    public func updateDeploy(_ record: DeployRecord) throws {
        let body = try Self.encode(record)
        try queue.write { db in
            try db.execute(sql: "UPDATE deploy SET status = ?, body = ?, operation = ? WHERE id = ?",
                           arguments: [record.status.rawValue, body, record.operationID, record.id])
        }
    }

    /// Records that a step starts; returns the step row's id.
    public func beginStep(deploy: Int64, _ step: DeployStep, at: Date) throws -> Int64 {
        try queue.write { db in
            try db.execute(sql: "INSERT INTO deploy_step (deploy_id, step, started_at, result, detail, duration_ms) VALUES (?, ?, ?, 'running', '', 0)",
                           arguments: [deploy, step.rawValue, at.timeIntervalSince1970])
            return db.lastInsertedRowID
        }
    }

    public func endStep(_ id: Int64, result: StepResult, detail: String, at: Date, durationMs: Int) throws {
        try queue.write { db in
            try db.execute(sql: "UPDATE deploy_step SET finished_at = ?, result = ?, detail = ?, duration_ms = ? WHERE id = ?",
                           arguments: [at.timeIntervalSince1970, result.rawValue, detail, durationMs, id])
        }
    }

    /// Deploys of an instance (every instance when nil), newest first, with their steps.
    public func deploys(app: String? = nil, instance: String? = nil, limit: Int = 1000) throws -> [DeployRecord] {
        try queue.read { db in
            var sql = "SELECT * FROM deploy"
            var args: [any DatabaseValueConvertible] = []
            var clauses: [String] = []
            if let app { clauses.append("app = ?"); args.append(app) }
            if let instance { clauses.append("instance = ?"); args.append(instance) }
            if !clauses.isEmpty { sql += " WHERE " + clauses.joined(separator: " AND ") }
            sql += " ORDER BY id DESC LIMIT \(max(1, limit))"
            return try Row.fetchAll(db, sql: sql, arguments: StatementArguments(args)).map { try Self.deploy($0, db) }
        }
    }

    public func deploy(id: Int64) throws -> DeployRecord? {
        try queue.read { db in
            try Row.fetchOne(db, sql: "SELECT * FROM deploy WHERE id = ?", arguments: [id]).map { try Self.deploy($0, db) }
        }
    }

    static func deploy(_ row: Row, _ db: Database) throws -> DeployRecord {
        let decoder = JSONDecoder()
        decoder.dateDecodingStrategy = .secondsSince1970
        let body: String = row["body"]
        var record = try decoder.decode(DeployRecord.self, from: Data(body.utf8))
        record.id = row["id"]
        record.status = DeployStatus(rawValue: row["status"]) ?? .running
        record.steps = try Row.fetchAll(db, sql: "SELECT * FROM deploy_step WHERE deploy_id = ? ORDER BY id", arguments: [record.id]).map {
            StepRecord(name: $0["step"], startedAt: Date(timeIntervalSince1970: $0["started_at"]),
                       finishedAt: ($0["finished_at"] as Double?).map { Date(timeIntervalSince1970: $0) },
                       result: StepResult(rawValue: $0["result"]) ?? .running, detail: $0["detail"], durationMs: $0["duration_ms"])
        }
        return record
    }
}
