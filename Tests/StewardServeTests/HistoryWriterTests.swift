import Foundation
import Logging
import StewardCore
@testable import StewardServe
import StewardSystem
import Synchronization
import Testing

/// The writer batches results into the history and keeps what it could not write for the next flush.
@Suite struct HistoryWriterTests {
    @Test func flushWritesTheBatchAndMaintenanceKeepsItCounted() async throws {
        let directory = FileManager.default.temporaryDirectory.appendingPathComponent("serve-writer-\(UUID().uuidString.prefix(8))")
        defer { try? FileManager.default.removeItem(at: directory) }
        let store = try HistoryStore(path: directory.appendingPathComponent("history.db").path)
        let history = HistoryAccess(store: store)
        let writer = HistoryWriter(history: history, logger: Logger(label: "test"))
        let t0 = Date(timeIntervalSince1970: 1_764_633_600)
        for i in 0..<3 { writer.append(CheckSample(check: "host/db", at: t0.addingTimeInterval(Double(i) * 30), status: .pass, latencyMs: 5)) }
        #expect(writer.isHealthy(now: t0.addingTimeInterval(61)) == false)
        await writer.flush()
        #expect(writer.isHealthy(now: t0.addingTimeInterval(61)))
        #expect(try store.series(check: "host/db", from: t0, to: t0.addingTimeInterval(300), resolution: .raw).count == 3)
        // Rollups a day later: the 5-minute bucket holds the three runs.
        await writer.maintain(now: t0.addingTimeInterval(86_400))
        let buckets = try store.series(check: "host/db", from: t0, to: t0.addingTimeInterval(300), resolution: .fiveMinutes)
        #expect(buckets.map(\.stats.runs) == [3])
        await history.shutdown()
    }

    /// The writer's loop maintains the history on its interval and then runs the daemon's after-maintenance step
    /// (its memory trim); flushes alone do not.
    @Test func afterEachMaintenanceTheWriterRunsItsHook() async throws {
        let directory = FileManager.default.temporaryDirectory.appendingPathComponent("serve-writer-\(UUID().uuidString.prefix(8))")
        defer { try? FileManager.default.removeItem(at: directory) }
        let history = HistoryAccess(store: try HistoryStore(path: directory.appendingPathComponent("history.db").path))
        let calls = Mutex(0)
        let writer = HistoryWriter(history: history, logger: Logger(label: "test"), flushEvery: .milliseconds(10),
                                   maintainEvery: .milliseconds(30), afterMaintenance: { calls.withLock { $0 += 1 } })
        let task = Task { try await writer.run() }
        // Generous: the claim is that the hook runs, not how soon; a loaded CI machine (two cores, the parallel suites)
        // once kept this loop from two 30 ms maintenances for 20 s.
        let deadline = ContinuousClock.now + .seconds(90)
        while calls.withLock({ $0 }) < 2 && ContinuousClock.now < deadline { try await Task.sleep(for: .milliseconds(10)) }
        task.cancel()
        _ = try? await task.value
        #expect(calls.withLock { $0 } >= 2)
    }
}
