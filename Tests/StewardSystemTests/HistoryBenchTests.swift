import Foundation
import StewardCore
import StewardTestSupport
import Testing
@testable import StewardSystem

/// The simulated year behind `steward serve bench-history` (bench/serve-bench.sh): its results are the same however
/// the year is cut into windows, each check runs once per interval, and the store it fills counts every result once.
@Suite struct HistoryBenchTests {
    @Test func samplesDoNotDependOnHowTheYearIsCut() {
        let plan = HistoryBench.Plan(checks: 3, days: 1, interval: 30)
        let start = HistoryTime.ms(plan.start), end = HistoryTime.ms(plan.end)
        let whole = HistoryBench.samples(plan, from: start, to: end)
        var pieces: [CheckSample] = []
        var t = start
        for step: Int64 in [7_000, 300_000, 1, 59_999, 3_600_000] where t < end {
            pieces += HistoryBench.samples(plan, from: t, to: t + step)
            t += step
        }
        pieces += HistoryBench.samples(plan, from: t, to: end + 86_400_000)  // nothing past the plan's end
        #expect(pieces.sorted { ($0.check, $0.at) < ($1.check, $1.at) } == whole)
        #expect(whole.count == 3 * 2880)
        for check in 0..<3 {
            let times = whole.filter { $0.check == HistoryBench.checkName(check) }.map { HistoryTime.ms($0.at) }
            #expect(times.count == 2880)
            #expect(zip(times, times.dropFirst()).allSatisfy { $1 - $0 == 30_000 })
            #expect(times.first! >= start && times.first! < start + 30_000)
        }
        let failed = whole.filter { $0.status != .pass }.count
        #expect(failed > 0 && failed < whole.count / 20, "about 1 % fail")
        #expect(whole.allSatisfy { $0.latencyMs >= 2 && $0.latencyMs < 50 })
    }

    @Test func aShortRunKeepsRawRowsFor48HoursAndCountsEveryResultInTheDailySeries() async throws {
        try await onOwnThread {
            let tree = try TempTree()
            let path = tree.root + "/history.db"
            let plan = HistoryBench.Plan(checks: 2, days: 4, interval: 300, maintainEvery: 3600)
            let result = try HistoryBench.run(plan, path: path, queryRuns: 2)
            #expect(result.samples == 2 * 4 * 288)
            // Raw rows: the last 48 h (less what was not rolled up yet, plus the open buckets), per check.
            #expect(result.rows["raw"]! >= 2 * 576 && result.rows["raw"]! <= 2 * (576 + 24))
            #expect(result.rows["1d"]! >= 2 * 3)
            #expect(result.sqliteBytes > 0 && result.fileBytes > 0)
            #expect(result.queries.map(\.resolution) == ["1d", "1h"])
            #expect(result.queries.allSatisfy { $0.runsMs.count == 2 })
            #expect(result.queries[0].points == 4 && result.queries[1].points == 96)

            let store = try HistoryStore(path: path)
            let daily = try store.series(check: HistoryBench.checkName(1), from: plan.start, to: plan.end, resolution: .daily)
            #expect(daily.reduce(0) { $0 + $1.stats.runs } == 4 * 288)

            #expect(throws: StoreError.self) { try HistoryBench.run(plan, path: path) }
        }
    }
}
