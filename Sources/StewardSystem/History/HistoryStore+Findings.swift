import Foundation
import GRDB
import StewardCore

/// One stretch of time an audit finding was reported: from the run that first reported it to the last one that
/// did, and when a later run no longer did (nil while open). A finding that comes back after it was resolved opens
/// a new stretch, so the history says how often it came back.
public struct HistoryFinding: Sendable, Equatable {
    public var rule: String
    public var subject: String
    public var severity: Severity
    public var summary: String
    public var evidence: [String]
    public var fix: String
    public var firstSeen: Date
    public var lastSeen: Date
    public var resolvedAt: Date?
}

extension HistoryStore {
    public struct FindingChanges: Sendable, Equatable {
        /// Findings this run reported that were not open before.
        public var opened: [HistoryFinding]
        /// Open findings this run no longer reported.
        public var resolved: [HistoryFinding]
    }

    /// Records an audit run at `runAt` in one transaction. A finding is the same one when its rule and subject are:
    /// an open one is seen again (its last-seen time, severity and text follow the run), a new one opens, and open
    /// ones this run does not report are resolved at `runAt`. Pass the findings that count (the report's active
    /// ones) of a complete run: a finding missing from a partial run reads as resolved.
    @discardableResult
    public func recordFindings(runAt: Date, findings: [Finding]) throws -> FindingChanges {
        let at = HistoryTime.ms(runAt)
        return try pool.write { db in
            var changes = FindingChanges(opened: [], resolved: [])
            var seen: Set<String> = []
            for f in findings where seen.insert(f.rule + "\u{0}" + f.subject).inserted {
                let evidence = String(decoding: try JSONEncoder().encode(f.evidence), as: UTF8.self)
                try db.execute(sql: """
                    UPDATE finding SET last_seen = max(last_seen, ?), severity = ?, summary = ?, fix = ?, evidence = ?
                    WHERE rule = ? AND subject = ? AND resolved_at IS NULL
                    """, arguments: [at, f.severity.rawValue, f.summary, f.fix, evidence, f.rule, f.subject])
                guard db.changesCount == 0 else { continue }
                try db.execute(sql: """
                    INSERT INTO finding (rule, subject, severity, summary, fix, evidence, first_seen, last_seen)
                    VALUES (?, ?, ?, ?, ?, ?, ?, ?)
                    """, arguments: [f.rule, f.subject, f.severity.rawValue, f.summary, f.fix, evidence, at, at])
                changes.opened.append(HistoryFinding(rule: f.rule, subject: f.subject, severity: f.severity, summary: f.summary,
                                                     evidence: f.evidence, fix: f.fix, firstSeen: runAt, lastSeen: runAt))
            }
            for row in try Row.fetchAll(db, sql: "SELECT * FROM finding WHERE resolved_at IS NULL") {
                var finding = Self.finding(row)
                guard !seen.contains(finding.rule + "\u{0}" + finding.subject) else { continue }
                try db.execute(sql: "UPDATE finding SET resolved_at = ? WHERE id = ?", arguments: [at, row["id"] as Int64])
                finding.resolvedAt = runAt
                changes.resolved.append(finding)
            }
            return changes
        }
    }

    /// Findings still open, the worst first, then the oldest.
    public func openFindings() throws -> [HistoryFinding] {
        try pool.read { db in
            try Row.fetchAll(db, sql: """
                SELECT * FROM finding WHERE resolved_at IS NULL
                ORDER BY CASE severity WHEN 'critical' THEN 0 WHEN 'warning' THEN 1 ELSE 2 END, first_seen, id
                """).map(Self.finding)
        }
    }

    /// Every stretch of every finding, open or resolved, the most recently seen first; at most `limit`.
    public func allFindings(limit: Int = 1000) throws -> [HistoryFinding] {
        try pool.read { db in
            try Row.fetchAll(db, sql: "SELECT * FROM finding ORDER BY last_seen DESC, id DESC LIMIT ?", arguments: [limit]).map(Self.finding)
        }
    }

    /// Every stretch of one finding, oldest first.
    public func findingHistory(rule: String, subject: String) throws -> [HistoryFinding] {
        try pool.read { db in
            try Row.fetchAll(db, sql: "SELECT * FROM finding WHERE rule = ? AND subject = ? ORDER BY first_seen, id",
                             arguments: [rule, subject]).map(Self.finding)
        }
    }

    static func finding(_ row: Row) -> HistoryFinding {
        let evidence = (try? JSONDecoder().decode([String].self, from: Data((row["evidence"] as String).utf8))) ?? []
        return HistoryFinding(rule: row["rule"], subject: row["subject"], severity: Severity(rawValue: row["severity"]) ?? .warning,
                              summary: row["summary"], evidence: evidence, fix: row["fix"],
                              firstSeen: HistoryTime.date(row["first_seen"]), lastSeen: HistoryTime.date(row["last_seen"]),
                              resolvedAt: (row["resolved_at"] as Int64?).map(HistoryTime.date))
    }
}
