import Foundation
import GRDB
import StewardCore

/// A simulated year of check history, for the benchmark of issue 12 (`bench/serve-bench.sh`, through the hidden
/// `steward serve bench-history`). It exists because two of the figures — the history's size per check
/// after a year and the time of a one-year uptime query — cannot wait for a year of real runs. Nothing in the daemon
/// uses it.
///
/// Results of `checks` checks, one every `interval` each (every check at its own stable phase, seeded), go through
/// the real ``HistoryStore`` API with an injected clock: recorded in one batch per `maintainEvery` of simulated time,
/// then maintained as the daemon's history writer does at that time (rollups, retention, API and alert pruning, the
/// size cap). The same plan gives the same rows on every run.
public enum HistoryBench {
    public struct Plan: Sendable, Equatable {
        public var checks: Int
        public var days: Int
        /// Seconds between two runs of one check.
        public var interval: TimeInterval
        /// Seconds of simulated time between two maintenance passes (the daemon: 300).
        public var maintainEvery: TimeInterval
        /// Share of runs that fail (and, a tenth of it, that are unknown).
        public var failureRate: Double
        public var seed: UInt64
        /// When the simulated year starts (a multiple of a day).
        public var start: Date

        public init(checks: Int, days: Int, interval: TimeInterval = 30, maintainEvery: TimeInterval = 300, failureRate: Double = 0.01,
                    seed: UInt64 = 12, start: Date = Date(timeIntervalSince1970: 1_767_225_600)) {
            self.checks = checks
            self.days = days
            self.interval = interval
            self.maintainEvery = maintainEvery
            self.failureRate = failureRate
            self.seed = seed
            self.start = start
        }

        public var end: Date { start.addingTimeInterval(Double(days) * 86_400) }
    }

    /// The key of check `index`, shaped like the daemon's (`app@instance/check-id`).
    public static func checkName(_ index: Int) -> String {
        "bench@sim/check-" + String(repeating: "0", count: max(0, 4 - String(index).count)) + String(index)
    }

    /// A check's offset within its interval (ms): stable per check and seed.
    static func phaseMs(_ plan: Plan, check: Int) -> Int64 {
        var rng = SplitMix(state: plan.seed ^ (UInt64(check) &* 0x9E37_79B9))
        return Int64(rng.next() % UInt64(max(1, HistoryTime.ms(seconds: plan.interval))))
    }

    /// The results whose run starts in `[from, to)` (ms), by check then time. A run's outcome depends only on the
    /// plan, its check and its number, so cutting the year into windows differently gives the same samples.
    public static func samples(_ plan: Plan, from: Int64, to: Int64) -> [CheckSample] {
        let intervalMs = max(1, HistoryTime.ms(seconds: plan.interval)), origin = HistoryTime.ms(plan.start)
        let last = HistoryTime.ms(plan.end)
        var result: [CheckSample] = []
        for check in 0..<plan.checks {
            let name = checkName(check), first = origin + phaseMs(plan, check: check)
            // The first run number k with first + k * interval >= from.
            var k = from <= first ? 0 : (from - first + intervalMs - 1) / intervalMs
            let stop = min(to, last)
            while first + k * intervalMs < stop {
                let at = first + k * intervalMs
                var rng = SplitMix(state: plan.seed &+ (UInt64(check) << 40) &+ UInt64(k) &* 0xD1B5_4A32_D192_ED03)
                let roll = Double(rng.next() % 1_000_000) / 1_000_000
                let status: CheckResult.Status = roll < plan.failureRate / 10 ? .unknown : roll < plan.failureRate ? .fail : .pass
                let latencyMs = 2 + Double(rng.next() % 4_800) / 100
                result.append(CheckSample(check: name, at: HistoryTime.date(at), status: status, latencyMs: latencyMs))
                k += 1
            }
        }
        return result
    }

    public struct QueryTiming: Sendable, Codable, Equatable {
        public var resolution: String
        public var points: Int
        /// Each run's time, first (coldest) first.
        public var runsMs: [Double]
    }

    public struct Result: Sendable, Codable, Equatable {
        public var checks: Int
        public var days: Int
        public var intervalSeconds: Double
        public var maintainEverySeconds: Double
        public var samples: Int
        public var simulateSeconds: Double
        /// page_count × page_size: what the size cap counts (pages in use and free ones).
        public var sqliteBytes: Int64
        /// Free pages among them (reused by later writes).
        public var freeBytes: Int64
        /// The database file and its WAL on disk, after a truncating checkpoint.
        public var fileBytes: Int64
        /// Rows left per tier (raw, 5m, 1h, 1d).
        public var rows: [String: Int]
        public var queries: [QueryTiming]
    }

    /// Runs `plan` into a new history at `path` (it must not exist: the simulation writes a year of made-up results)
    /// and times `queryRuns` one-year series of the first check, daily and hourly.
    public static func run(_ plan: Plan, path: String, queryRuns: Int = 5, progress: (Int) -> Void = { _ in }) throws -> Result {
        guard plan.checks > 0, plan.days > 0, plan.interval > 0, plan.maintainEvery > 0 else {
            throw StoreError("bench-history: checks, days, interval and maintain-every must be positive")
        }
        guard !FileManager.default.fileExists(atPath: path) else {
            throw StoreError("\(path) exists: the benchmark writes made-up results, so it only makes a new history")
        }
        let store = try HistoryStore(path: path)
        let clock = ContinuousClock(), began = clock.now
        let startMs = HistoryTime.ms(plan.start), endMs = HistoryTime.ms(plan.end)
        let stepMs = HistoryTime.ms(seconds: plan.maintainEvery)
        var count = 0, window = startMs, lastDay = -1
        while window < endMs {
            let next = min(window + stepMs, endMs)
            let batch = samples(plan, from: window, to: next)
            try store.record(batch)
            count += batch.count
            let now = HistoryTime.date(next)
            try store.rollup(now: now)
            try store.enforceRetention(now: now)
            _ = try store.pruneAPIRecords(now: now)
            _ = try store.pruneAlerts(now: now)
            try store.enforceSizeCap()
            let day = Int((next - startMs) / 86_400_000)
            if day != lastDay { lastDay = day; progress(day) }
            window = next
        }
        let simulated = clock.now - began

        try store.pool.writeWithoutTransaction { try $0.checkpoint(.truncate) }
        let (sqliteBytes, freeBytes, rows) = try store.pool.read { db -> (Int64, Int64, [String: Int]) in
            let pageSize = try Int64.fetchOne(db, sql: "PRAGMA page_size") ?? 4096
            let free = (try Int64.fetchOne(db, sql: "PRAGMA freelist_count") ?? 0) * pageSize
            var rows: [String: Int] = [:]
            rows["raw"] = try Int.fetchOne(db, sql: "SELECT count(*) FROM sample") ?? 0
            for tier in [HistoryTier.fiveMinutes, .hourly, .daily] {
                rows[label(tier)] = try Int.fetchOne(db, sql: "SELECT count(*) FROM rollup WHERE tier = ?", arguments: [tier.rawValue]) ?? 0
            }
            let size = try HistoryStore.size(db)
            return (size, free, rows)
        }
        let fileBytes = [path, path + "-wal"].reduce(Int64(0)) { sum, file in
            var info = stat()
            return sum + (stat(file, &info) == 0 ? Int64(info.st_size) : 0)
        }

        var queries: [QueryTiming] = []
        let from = plan.end.addingTimeInterval(-Double(min(plan.days, 365)) * 86_400)
        for resolution in [HistoryTier.daily, .hourly] {
            var timing = QueryTiming(resolution: label(resolution), points: 0, runsMs: [])
            for _ in 0..<max(1, queryRuns) {
                let t0 = clock.now
                let points = try store.series(check: checkName(0), from: from, to: plan.end, resolution: resolution)
                timing.runsMs.append(Double((clock.now - t0) / .microseconds(1)) / 1000)
                timing.points = points.count
            }
            queries.append(timing)
        }
        return Result(checks: plan.checks, days: plan.days, intervalSeconds: plan.interval, maintainEverySeconds: plan.maintainEvery,
                      samples: count, simulateSeconds: Double(simulated / .milliseconds(1)) / 1000, sqliteBytes: sqliteBytes,
                      freeBytes: freeBytes, fileBytes: fileBytes, rows: rows, queries: queries)
    }

    static func label(_ tier: HistoryTier) -> String {
        switch tier {
        case .raw: "raw"
        case .fiveMinutes: "5m"
        case .hourly: "1h"
        case .daily: "1d"
        }
    }
}
