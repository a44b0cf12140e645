import Foundation
import Testing
@testable import StewardCore

/// The history's pure parts (issue 12, item 2): bucket boundaries, the rollup math against a brute-force
/// computation, and the retention, rollup-window and size-cap decisions at their boundaries.
@Suite struct HistoryPolicyTests {
    static let hour: Int64 = 3_600_000
    static let day: Int64 = 86_400_000

    @Test func bucketsAreAlignedOnUTCMultiplesAndNestInTheNextTier() {
        let t: Int64 = 1_795_000_123_456
        #expect(HistoryTier.fiveMinutes.bucketStart(t) == t - t % 300_000)
        #expect(HistoryTier.hourly.bucketStart(t) % Self.hour == 0 && HistoryTier.daily.bucketStart(t) % Self.day == 0)
        #expect(HistoryTier.fiveMinutes.bucketStart(300_000) == 300_000 && HistoryTier.fiveMinutes.bucketStart(299_999) == 0)
        #expect(HistoryTier.fiveMinutes.bucketStart(-1) == -300_000, "floor, not truncation, before 1970")
        #expect(HistoryTier.raw.bucketStart(t) == t)
        for tier in HistoryTier.allCases.dropFirst() {
            #expect(tier.widthMs % tier.source!.widthMs == 0 && tier.source!.rolledInto == tier)
        }
        #expect(HistoryTier.raw.source == nil && HistoryTier.daily.rolledInto == nil)
    }

    @Test func rollupMathMatchesABruteForceComputationAtEveryTier() {
        var rng = SplitMix(state: 12)
        let start: Int64 = 1_795_000_000_000
        let statuses: [CheckResult.Status] = [.pass, .pass, .pass, .fail, .unknown]
        let raw = (0..<5000).map { _ in
            HistoryPoint(startMs: start + Int64.random(in: 0..<(3 * Self.day), using: &rng),
                         stats: HistoryStats(status: statuses.randomElement(using: &rng)!, latencyMicros: Int64.random(in: 0...2_000_000, using: &rng)))
        }
        for tier in [HistoryTier.fiveMinutes, .hourly, .daily] {
            let direct = HistoryPoint.regroup(raw, into: tier)
            // Rolling tier by tier gives the same buckets as rolling the raw points at once (merge is associative).
            var stepwise = raw
            for t in HistoryTier.allCases where t > .raw && t <= tier { stepwise = HistoryPoint.regroup(stepwise, into: t) }
            #expect(direct == stepwise, "\(tier)")
            let groups = Dictionary(grouping: raw) { $0.startMs - $0.startMs % tier.widthMs }
            #expect(direct.map(\.startMs) == groups.keys.sorted())
            for point in direct {
                let members = groups[point.startMs]!
                let latencies = members.map(\.stats.sumMicros)
                #expect(point.stats.runs == members.count)
                #expect(point.stats.failures == members.filter { $0.stats.failures == 1 }.count)
                #expect(point.stats.unknowns == members.filter { $0.stats.unknowns == 1 }.count)
                #expect(point.stats.minMicros == latencies.min()! && point.stats.maxMicros == latencies.max()!)
                #expect(abs(point.stats.avgMs - Double(latencies.reduce(0, +)) / Double(members.count) / 1000) < 1e-9)
            }
        }
    }

    @Test func oneRunCountsAsAFailureOrAnUnknownOrNeither() {
        #expect(HistoryStats(status: .fail, latencyMicros: 5) == HistoryStats(runs: 1, failures: 1, unknowns: 0, minMicros: 5, maxMicros: 5, sumMicros: 5))
        #expect(HistoryStats(status: .unknown, latencyMicros: 5).unknowns == 1 && HistoryStats(status: .unknown, latencyMicros: 5).failures == 0)
        #expect(HistoryStats(status: .pass, latencyMicros: 1500).avgMs == 1.5)
        #expect(HistoryTime.micros(ms: 1.2345) == 1235 && HistoryTime.micros(ms: -3) == 0 && HistoryTime.micros(ms: .nan) == 0)
    }

    @Test func retentionDropsOnlyWhatIsOldAndAlreadyRolledUp() {
        let r = HistoryRetention()
        let now: Int64 = 1_795_000_000_000
        // Nothing rolled into the next tier yet: nothing may go, however old.
        #expect(r.cutoff(.raw, nowMs: now, rolledUntil: nil) == nil)
        // Rolled up to now: the keep time decides (48 h for raw).
        #expect(r.cutoff(.raw, nowMs: now, rolledUntil: now) == now - 48 * Self.hour)
        // Rolled up only to 3 days ago: rows after that stay, old as they are.
        #expect(r.cutoff(.raw, nowMs: now, rolledUntil: now - 72 * Self.hour) == now - 72 * Self.hour)
        #expect(r.cutoff(.fiveMinutes, nowMs: now, rolledUntil: now) == now - 30 * Self.day)
        #expect(r.cutoff(.hourly, nowMs: now, rolledUntil: now) == now - 365 * Self.day)
        #expect(r.cutoff(.daily, nowMs: now, rolledUntil: now) == nil, "daily rollups are kept forever")
    }

    @Test func aRollupComputesClosedBucketsOnlyAndStartsWhereTheLastStopped() {
        let t: Int64 = 1_795_000_200_000  // a multiple of 5 minutes
        // First time: from the oldest row's bucket to the last bucket closed.
        #expect(HistoryPlan.rollupWindow(.fiveMinutes, rolledUntil: nil, oldestSource: t + 61_000, closedUntil: t + 900_000 + 1) == t..<(t + 900_000))
        // The bucket that has not ended is left for later.
        #expect(HistoryPlan.rollupWindow(.fiveMinutes, rolledUntil: t, oldestSource: nil, closedUntil: t + 299_999) == nil)
        #expect(HistoryPlan.rollupWindow(.fiveMinutes, rolledUntil: t, oldestSource: nil, closedUntil: t + 300_000) == t..<(t + 300_000))
        // Nothing to roll (no rows, no watermark), or a clock that went back.
        #expect(HistoryPlan.rollupWindow(.hourly, rolledUntil: nil, oldestSource: nil, closedUntil: t) == nil)
        #expect(HistoryPlan.rollupWindow(.fiveMinutes, rolledUntil: t, oldestSource: nil, closedUntil: t - 600_000) == nil)
    }

    @Test func theSizeCapTrimsAShareOfTheSpanAtLeastOneBucket() {
        let oldest: Int64 = 1_795_000_000_000, newest = oldest + 100 * Self.hour
        // 10 % over: 10 % of the span.
        #expect(HistoryPlan.sizeCapCutoff(.raw, oldest: oldest, newest: newest, sizeBytes: 110, capBytes: 99) == oldest + (100 * Self.hour + 1) / 10 + 1)
        // Barely over: at least 5 %.
        #expect(HistoryPlan.sizeCapCutoff(.raw, oldest: oldest, newest: newest, sizeBytes: 1001, capBytes: 1000) == oldest + (5 * Self.hour) + 1)
        // Far over: everything, never past the newest row's bucket.
        #expect(HistoryPlan.sizeCapCutoff(.hourly, oldest: oldest, newest: newest, sizeBytes: 1000, capBytes: 0) == newest + Self.hour)
        // One bucket at least, even for a single row.
        #expect(HistoryPlan.sizeCapCutoff(.daily, oldest: oldest, newest: oldest, sizeBytes: 1001, capBytes: 1000) == oldest + Self.day)
    }

    @Test func farOffTimesClampInsteadOfTrapping() {
        #expect(HistoryTime.ms(Date(timeIntervalSince1970: 1.5)) == 1500)
        #expect(HistoryTime.ms(Date(timeIntervalSince1970: -1e300)) == -(Int64(1) << 62))
        #expect(HistoryTime.ms(Date(timeIntervalSince1970: 1e300)) == Int64(1) << 62)
        #expect(HistoryTime.ms(Date(timeIntervalSince1970: .infinity)) == .max)
    }
}
