import Foundation

/// How long each tier is kept, and the decisions that follow from it. The rule that keeps nothing from being lost:
/// a row goes only when it is both older than its tier's keep time *and* already counted in the next tier
/// (before that tier's watermark, "rolled until").
public struct HistoryRetention: Sendable, Equatable {
    public var raw: TimeInterval
    public var fiveMinutes: TimeInterval
    public var hourly: TimeInterval

    /// 48 hours of raw results, 30 days of 5-minute rollups, a year of hourly ones; daily rollups forever.
    public init(raw: TimeInterval = 48 * 3600, fiveMinutes: TimeInterval = 30 * 86_400, hourly: TimeInterval = 365 * 86_400) {
        self.raw = raw
        self.fiveMinutes = fiveMinutes
        self.hourly = hourly
    }

    /// How long `tier` is kept; nil for forever.
    public func keep(_ tier: HistoryTier) -> TimeInterval? {
        switch tier {
        case .raw: raw
        case .fiveMinutes: fiveMinutes
        case .hourly: hourly
        case .daily: nil
        }
    }

    /// Rows of `tier` that start before the returned time may be deleted at `nowMs`; nil when none may.
    /// `rolledUntil` is the watermark of the tier this one rolls into: everything before it is counted there.
    public func cutoff(_ tier: HistoryTier, nowMs: Int64, rolledUntil: Int64?) -> Int64? {
        guard let keep = keep(tier), let rolledUntil else { return nil }
        return min(nowMs - HistoryTime.ms(seconds: keep), rolledUntil)
    }
}

/// Which buckets a rollup computes next, and how much the size cap trims at a time: pure arithmetic on
/// millisecond times, so the store's loops stay short and the boundaries are tested here.
public enum HistoryPlan {
    /// The span of `tier` buckets to compute: from where the last rollup stopped (or the oldest source row's
    /// bucket, the first time) up to the last bucket that has closed, i.e. whose end is at or before
    /// `closedUntil` (for 5-minute buckets: now less the delay that lets slow checks land; for coarser ones: the
    /// finer tier's watermark). Nil when no new bucket has closed.
    public static func rollupWindow(_ tier: HistoryTier, rolledUntil: Int64?, oldestSource: Int64?, closedUntil: Int64) -> Range<Int64>? {
        guard let start = rolledUntil ?? oldestSource.map(tier.bucketStart) else { return nil }
        let end = tier.bucketStart(closedUntil)
        return end > start ? start..<end : nil
    }

    /// Where the size cap cuts a tier whose rows start between `oldest` and `newest`: rows before the returned
    /// time go. It takes the share of the tier's time span that the excess is of the whole size, at least 5 %
    /// and at least one bucket, so the loop (trim, reclaim, measure) ends in a few rounds whatever the estimate's
    /// error; rows are spread evenly enough over time for that share to be close.
    public static func sizeCapCutoff(_ tier: HistoryTier, oldest: Int64, newest: Int64, sizeBytes: Int64, capBytes: Int64) -> Int64 {
        let span = newest - oldest + tier.widthMs
        let share = min(1, max(0.05, Double(sizeBytes - capBytes) / Double(max(sizeBytes, 1))))
        return oldest + max(tier.widthMs, Int64((Double(span) * share).rounded(.up)))
    }
}
