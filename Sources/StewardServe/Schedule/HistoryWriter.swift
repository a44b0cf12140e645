import Foundation
import Logging
import ServiceLifecycle
import StewardCore
import StewardSystem
import Synchronization

/// Writes check results to the history in batches (once a second: one transaction and one fsync, not one per
/// check) and keeps the history in shape every few minutes (rollups, then retention, then the size cap, the order
/// the store requires). First in the service group, so it stops last and flushes what the scheduler recorded.
public final class HistoryWriter: Service, Sendable {
    let history: HistoryAccess
    let logger: Logger
    let flushEvery: Duration
    let maintainEvery: Duration
    /// Run after each maintenance (the daemon gives back what the rollups touched: ``MemoryTrim``).
    let afterMaintenance: @Sendable () async -> Void
    private let pending = Mutex<[CheckSample]>([])
    /// Samples kept while the history cannot be written; beyond it the oldest go (the daemon must not grow).
    static let maxPending = 10_000

    public init(history: HistoryAccess, logger: Logger, flushEvery: Duration = .seconds(1), maintainEvery: Duration = .seconds(300),
                afterMaintenance: @escaping @Sendable () async -> Void = {}) {
        self.afterMaintenance = afterMaintenance
        self.history = history
        self.logger = logger
        self.flushEvery = flushEvery
        self.maintainEvery = maintainEvery
    }

    public func append(_ sample: CheckSample) {
        pending.withLock { queue in
            queue.append(sample)
            if queue.count > Self.maxPending { queue.removeFirst(queue.count - Self.maxPending) }
        }
    }

    /// Whether results reach the history: nothing waits longer than a minute (the watchdog's second test of life).
    public func isHealthy(now: Date = Date()) -> Bool {
        pending.withLock { $0.first.map { now.timeIntervalSince($0.at) < 60 } ?? true }
    }

    public func run() async throws {
        await cancelWhenGracefulShutdown {
            var sinceMaintenance = Duration.zero
            while !Task.isCancelled {
                do { try await Task.sleep(for: self.flushEvery) } catch { break }
                await self.flush()
                sinceMaintenance += self.flushEvery
                if sinceMaintenance >= self.maintainEvery {
                    sinceMaintenance = .zero
                    await self.maintain(now: Date())
                    await self.afterMaintenance()
                }
            }
        }
        await flush()
        await history.shutdown()
    }

    /// Commits what is pending; on failure keeps it for the next try.
    public func flush() async {
        let batch = pending.withLock { queue -> [CheckSample] in
            defer { queue.removeAll() }
            return queue
        }
        guard !batch.isEmpty else { return }
        do {
            try await history.run { try $0.record(batch) }
        } catch {
            logger.error("history: cannot record \(batch.count) results: \(error)")
            pending.withLock { $0.insert(contentsOf: batch, at: 0) }
        }
    }

    public func maintain(now: Date) async {
        do {
            let result = try await history.run { store -> HistoryStore.SizeCapResult in
                _ = try store.rollup(now: now)
                _ = try store.enforceRetention(now: now)
                try store.pruneAPIRecords(now: now)
                try store.pruneAlerts(now: now)
                return try store.enforceSizeCap()
            }
            if !result.underCap { logger.warning("history: still over its size cap after trimming (\(result.sizeAfter) bytes)") }
        } catch {
            logger.error("history: maintenance failed: \(error)")
        }
    }
}
