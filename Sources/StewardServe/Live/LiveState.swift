import Foundation
import StewardCore
import Synchronization

/// The latest result of every scheduled check, for `/api/v1/status` and `/metrics`: seeded from the history at
/// start (so a restarted daemon still knows the last state), then updated by each run.
public final class LiveState: Sendable {
    public struct Entry: Sendable, Equatable {
        public var check: ScheduledCheck
        public var status: CheckResult.Status?
        public var latencyMs: Double?
        public var at: Date?
        /// The run's message (scrubbed of secrets by the check runner); nil when seeded from the history.
        public var message: String?
    }

    private let entries: Mutex<[String: Entry]>
    private let changes = Atomic<UInt64>(0)
    /// The keys in the manifest's order.
    public let keys: [String]

    public init(checks: [ScheduledCheck]) {
        keys = checks.map(\.key)
        entries = Mutex(Dictionary(checks.map { ($0.key, Entry(check: $0)) }, uniquingKeysWith: { a, _ in a }))
    }

    /// The last state the history holds for a check (from its raw results).
    public func seed(key: String, _ point: HistoryPoint) {
        let stats = point.stats
        let status: CheckResult.Status = stats.failures > 0 ? .fail : stats.unknowns > 0 ? .unknown : .pass
        defer { changes.add(1, ordering: .releasing) }
        entries.withLock { all in
            guard all[key]?.at == nil else { return }
            all[key]?.status = status
            all[key]?.latencyMs = stats.avgMs
            all[key]?.at = point.start
        }
    }

    /// Grows with every change: what a cached answer was built from (``DocumentCache``).
    public var version: UInt64 { changes.load(ordering: .acquiring) }

    public func update(key: String, _ result: CheckResult, at: Date) {
        defer { changes.add(1, ordering: .releasing) }
        entries.withLock { all in
            all[key]?.status = result.status
            all[key]?.latencyMs = result.durationMs
            all[key]?.at = at
            all[key]?.message = result.message
        }
    }

    /// Every check, in the manifest's order.
    public func snapshot() -> [Entry] {
        entries.withLock { all in keys.compactMap { all[$0] } }
    }

    /// The check named by `name`: its history key, else its id.
    public func find(_ name: String) -> ScheduledCheck? {
        entries.withLock { all in
            if let entry = all[name] { return entry.check }
            for key in keys where all[key]?.check.spec.id == name { return all[key]?.check }
            return nil
        }
    }
}

extension LiveState.Entry {
    init(check: ScheduledCheck) { self.init(check: check, status: nil, latencyMs: nil, at: nil, message: nil) }
}
