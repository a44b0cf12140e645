import Foundation

/// Which backups of one source to keep and which to delete under a ``Retention`` (grandfather-father-son, counted as
/// restic does: the newest backup of each of the last N days, and of weeks, that have one).
///
/// Three backups are never deleted, whatever the policy says: the newest verified one (the last proven restore
/// point), the newest one (so a source never ends with none), and any that a restore or deploy is using.
///
/// "Newest" is the catalog's order (the row id, which only grows), not the wall clock: a backup taken while the
/// clock was set in the future must not outrank, and get kept instead of, the backups taken after it was corrected.
public struct RetentionPlan: Sendable, Equatable {
    public struct Decision: Sendable, Equatable {
        public var record: BackupRecord
        /// Why it is kept (`last 3`, `daily 2026-11-22`, `newest verified`, `in use`); empty when it is deleted.
        public var reasons: [String]
        public var keep: Bool { !reasons.isEmpty }
    }

    /// Newest first.
    public var decisions: [Decision]

    public var kept: [BackupRecord] { decisions.filter(\.keep).map(\.record) }
    public var deleted: [BackupRecord] { decisions.filter { !$0.keep }.map(\.record) }

    /// Applies `retention` to the backups of one source. `inUse` holds ids that a running operation holds.
    public static func make(_ records: [BackupRecord], retention: Retention, inUse: Set<Int64> = [],
                            timeZone: TimeZone = .current) -> RetentionPlan {
        let sorted = Self.newestFirst(records)
        let dates = Self.effectiveDates(sorted)
        var reasons: [Int64: [String]] = [:]
        for record in sorted.prefix(max(retention.last, 0)) { reasons[record.id, default: []].append("last \(retention.last)") }

        var calendar = Calendar(identifier: .iso8601)
        calendar.timeZone = timeZone
        func bucketed(_ count: Int, _ label: String, _ key: (Date) -> String) {
            var seen: [String] = []
            for record in sorted {
                let bucket = key(dates[record.id] ?? record.createdAt)
                guard !seen.contains(bucket) else { continue }
                guard seen.count < count else { break }
                seen.append(bucket)
                reasons[record.id, default: []].append("\(label) \(bucket)")
            }
        }
        bucketed(retention.daily, "daily") { date in
            let c = calendar.dateComponents([.year, .month, .day], from: date)
            return String(format: "%04d-%02d-%02d", c.year ?? 0, c.month ?? 0, c.day ?? 0)
        }
        bucketed(retention.weekly, "weekly") { date in
            let c = calendar.dateComponents([.yearForWeekOfYear, .weekOfYear], from: date)
            return String(format: "%04d-W%02d", c.yearForWeekOfYear ?? 0, c.weekOfYear ?? 0)
        }
        if let newestVerified = sorted.first(where: { $0.lastVerification?.passed == true }) {
            reasons[newestVerified.id, default: []].append("newest verified")
        }
        if let newest = sorted.first { reasons[newest.id, default: []].append("newest") }
        for record in sorted where inUse.contains(record.id) { reasons[record.id, default: []].append("in use") }
        return RetentionPlan(decisions: sorted.map { Decision(record: $0, reasons: reasons[$0.id] ?? []) })
    }

    /// Backups in the catalog's order, newest (highest id) first.
    public static func newestFirst(_ records: [BackupRecord]) -> [BackupRecord] {
        records.sorted { $0.id > $1.id }
    }

    /// The date each backup counts for in daily and weekly buckets: its `createdAt`, but never later than that of a
    /// backup the catalog recorded after it. A backup stamped in the future by a wrong clock counts for the day of
    /// the next backup, so it cannot hold a "future" bucket for months while the real recent days lose theirs.
    /// `newestFirst` is in catalog order.
    public static func effectiveDates(_ newestFirst: [BackupRecord]) -> [Int64: Date] {
        var dates: [Int64: Date] = [:]
        var bound: Date?
        for record in newestFirst {
            let date = bound.map { min($0, record.createdAt) } ?? record.createdAt
            dates[record.id] = date
            bound = date
        }
        return dates
    }
}
