import Foundation

/// What a bucket of check runs holds: how many ran, failed or could not be judged, and their latencies (min, max
/// and the sum, so that merging buckets gives the exact average). Merging is associative and commutative: a bucket
/// computed from raw rows equals the merge of the smaller buckets it is made of, which is what lets a rollup be
/// recomputed at any time and a late sample be added to a bucket already rolled up.
///
/// Latency counts every run, failed ones too: a timeout shows as the slow run it was.
public struct HistoryStats: Sendable, Equatable, Codable {
    public var runs: Int
    public var failures: Int
    public var unknowns: Int
    public var minMicros: Int64
    public var maxMicros: Int64
    public var sumMicros: Int64

    public init(runs: Int, failures: Int, unknowns: Int, minMicros: Int64, maxMicros: Int64, sumMicros: Int64) {
        self.runs = runs
        self.failures = failures
        self.unknowns = unknowns
        self.minMicros = minMicros
        self.maxMicros = maxMicros
        self.sumMicros = sumMicros
    }

    /// One run.
    public init(status: CheckResult.Status, latencyMicros: Int64) {
        self.init(runs: 1, failures: status == .fail ? 1 : 0, unknowns: status == .unknown ? 1 : 0,
                  minMicros: latencyMicros, maxMicros: latencyMicros, sumMicros: latencyMicros)
    }

    public mutating func merge(_ other: HistoryStats) {
        runs += other.runs
        failures += other.failures
        unknowns += other.unknowns
        minMicros = min(minMicros, other.minMicros)
        maxMicros = max(maxMicros, other.maxMicros)
        sumMicros += other.sumMicros
    }

    public var minMs: Double { Double(minMicros) / 1000 }
    public var maxMs: Double { Double(maxMicros) / 1000 }
    public var avgMs: Double { runs == 0 ? 0 : Double(sumMicros) / Double(runs) / 1000 }
}

/// One point of a check's series: a bucket's start and what it holds (a raw point holds one run).
public struct HistoryPoint: Sendable, Equatable {
    public var startMs: Int64
    public var stats: HistoryStats

    public init(startMs: Int64, stats: HistoryStats) {
        self.startMs = startMs
        self.stats = stats
    }

    public var start: Date { HistoryTime.date(startMs) }

    /// Points of finer tiers merged into buckets of `tier`, oldest first. Points in time order (what the history
    /// reads) merge in one pass; any other order is sorted first.
    public static func regroup(_ points: [HistoryPoint], into tier: HistoryTier) -> [HistoryPoint] {
        let ordered = zip(points, points.dropFirst()).allSatisfy { $0.startMs <= $1.startMs }
        var merged: [HistoryPoint] = []
        for p in ordered ? points : points.sorted(by: { $0.startMs < $1.startMs }) {
            let bucket = tier.bucketStart(p.startMs)
            if merged.last?.startMs == bucket {
                merged[merged.count - 1].stats.merge(p.stats)
            } else {
                var stats = HistoryStats(runs: 0, failures: 0, unknowns: 0, minMicros: .max, maxMicros: .min, sumMicros: 0)
                stats.merge(p.stats)
                merged.append(HistoryPoint(startMs: bucket, stats: stats))
            }
        }
        return merged
    }
}
