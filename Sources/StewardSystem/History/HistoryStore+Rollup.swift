import Foundation
import GRDB
import StewardCore

/// Rollups, retention and the size cap: the three calls the daemon makes every few minutes, in that order.
extension HistoryStore {
    /// Computes the buckets that have closed, raw → 5-minute → hourly → daily, in one transaction with the
    /// watermarks that say how far each tier got. A process killed in the middle commits neither the buckets nor
    /// the watermarks, and the next call computes the same buckets again from the same rows; a bucket is written
    /// whole (replacing, never adding), so computing it twice gives the same row. Returns the buckets written.
    @discardableResult
    public func rollup(now: Date) throws -> Int {
        try pool.write { db in
            var rolled = try Self.rolledUntil(db)
            var closedUntil = HistoryTime.ms(now) - HistoryTime.ms(seconds: options.rollupDelay)
            var written = 0
            for tier in [HistoryTier.fiveMinutes, .hourly, .daily] {
                let oldest = rolled[tier] == nil ? try Self.oldest(db, tier.source!) : nil
                if let window = HistoryPlan.rollupWindow(tier, rolledUntil: rolled[tier], oldestSource: oldest, closedUntil: closedUntil) {
                    written += try Self.aggregate(db, into: tier, window)
                    try db.execute(sql: "INSERT OR REPLACE INTO rolled (tier, until) VALUES (?, ?)", arguments: [tier.rawValue, window.upperBound])
                    rolled[tier] = window.upperBound
                }
                guard let until = rolled[tier] else { break }
                closedUntil = until
            }
            return written
        }
    }

    /// Writes the `tier` buckets of `window` from the tier below. The join on `check_key` makes each check's rows
    /// one range read of the primary key (there is no index on time alone); CROSS JOIN keeps SQLite from choosing
    /// the other order, a scan of every row.
    static func aggregate(_ db: Database, into tier: HistoryTier, _ window: Range<Int64>) throws -> Int {
        let w = tier.widthMs
        let select = tier.source == .raw
            ? """
              SELECT \(tier.rawValue), s.check_id, s.at - s.at % \(w) AS b, count(*), sum(s.status = 1), sum(s.status = 2),
                     min(s.latency_us), max(s.latency_us), sum(s.latency_us)
              FROM check_key k CROSS JOIN sample s ON s.check_id = k.id AND s.at >= ? AND s.at < ?
              GROUP BY s.check_id, b
              """
            : """
              SELECT \(tier.rawValue), r.check_id, r.bucket - r.bucket % \(w) AS b, sum(r.runs), sum(r.failures), sum(r.unknowns),
                     min(r.min_us), max(r.max_us), sum(r.sum_us)
              FROM check_key k CROSS JOIN rollup r ON r.tier = \(tier.rawValue - 1) AND r.check_id = k.id AND r.bucket >= ? AND r.bucket < ?
              GROUP BY r.check_id, b
              """
        try db.execute(sql: "INSERT OR REPLACE INTO rollup (tier, check_id, bucket, runs, failures, unknowns, min_us, max_us, sum_us) " + select,
                       arguments: [window.lowerBound, window.upperBound])
        return db.changesCount
    }

    /// The start of the oldest row of `tier`, found check by check through the primary keys.
    static func oldest(_ db: Database, _ tier: HistoryTier) throws -> Int64? {
        try Int64.fetchOne(db, sql: tier == .raw
            ? "SELECT min((SELECT min(at) FROM sample WHERE check_id = k.id)) FROM check_key k"
            : "SELECT min((SELECT min(bucket) FROM rollup WHERE tier = \(tier.rawValue) AND check_id = k.id)) FROM check_key k")
    }

    static func newest(_ db: Database, _ tier: HistoryTier) throws -> Int64? {
        try Int64.fetchOne(db, sql: tier == .raw
            ? "SELECT max((SELECT max(at) FROM sample WHERE check_id = k.id)) FROM check_key k"
            : "SELECT max((SELECT max(bucket) FROM rollup WHERE tier = \(tier.rawValue) AND check_id = k.id)) FROM check_key k")
    }

    /// Deletes the rows of `tier` that start before `cutoff`; returns how many.
    static func delete(_ db: Database, _ tier: HistoryTier, before cutoff: Int64) throws -> Int {
        if tier == .raw {
            try db.execute(sql: "DELETE FROM sample WHERE check_id IN (SELECT id FROM check_key) AND at < ?", arguments: [cutoff])
        } else {
            try db.execute(sql: "DELETE FROM rollup WHERE tier = ? AND check_id IN (SELECT id FROM check_key) AND bucket < ?",
                           arguments: [tier.rawValue, cutoff])
        }
        return db.changesCount
    }

    /// Deletes what each tier no longer keeps at `now` (see ``HistoryRetention``): never a row the next tier does
    /// not count yet, so call ``rollup(now:)`` first. Freed pages are reused by the next writes (the size cap gives
    /// them back to the file system when it needs to). Returns the rows deleted per tier.
    @discardableResult
    public func enforceRetention(now: Date) throws -> [HistoryTier: Int] {
        try pool.write { db in
            let rolled = try Self.rolledUntil(db)
            var deleted: [HistoryTier: Int] = [:]
            for tier in [HistoryTier.raw, .fiveMinutes, .hourly] {
                guard let cutoff = options.retention.cutoff(tier, nowMs: HistoryTime.ms(now), rolledUntil: rolled[tier.rolledInto!]) else { continue }
                deleted[tier] = try Self.delete(db, tier, before: cutoff)
            }
            return deleted
        }
    }

    public struct SizeCapResult: Sendable, Equatable {
        public var sizeBefore: Int64
        public var sizeAfter: Int64
        /// Rows deleted per tier.
        public var deleted: [HistoryTier: Int]
        /// False when findings, deploys and backups alone are over the cap (they are never dropped).
        public var underCap: Bool
    }

    /// Keeps the database under ``Options/sizeCapBytes``: gives free pages back first (incremental vacuum), then
    /// drops the oldest raw rows, then the oldest 5-minute, hourly and daily buckets, a slice at a time, until it
    /// fits. One transaction; then a checkpoint that truncates the WAL so the file on disk shrinks too. Dropping
    /// raw rows not rolled up yet loses them from the rollups: the cap is hard, and a cap that bites that deep is
    /// a configuration to raise.
    @discardableResult
    public func enforceSizeCap() throws -> SizeCapResult {
        let cap = options.sizeCapBytes
        let result = try pool.write { db in
            let before = try Self.size(db)
            var size = before
            var deleted: [HistoryTier: Int] = [:]
            if size > cap {
                try db.execute(sql: "PRAGMA incremental_vacuum")
                size = try Self.size(db)
            }
            for tier in HistoryTier.allCases {
                while size > cap, let oldest = try Self.oldest(db, tier), let newest = try Self.newest(db, tier) {
                    let cutoff = HistoryPlan.sizeCapCutoff(tier, oldest: oldest, newest: newest, sizeBytes: size, capBytes: cap)
                    deleted[tier, default: 0] += try Self.delete(db, tier, before: cutoff)
                    try db.execute(sql: "PRAGMA incremental_vacuum")
                    size = try Self.size(db)
                }
            }
            return SizeCapResult(sizeBefore: before, sizeAfter: size, deleted: deleted, underCap: size <= cap)
        }
        if result.sizeAfter < result.sizeBefore {
            // The rows are gone either way; a reader holding the WAL only delays giving the file back to the next
            // checkpoint, which is no reason to report the cap as failed.
            _ = try? pool.writeWithoutTransaction { try $0.checkpoint(.truncate) }
        }
        return result
    }
}
