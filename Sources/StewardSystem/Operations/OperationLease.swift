import Foundation

/// An operation's lease in the state database: inserted when it starts, renewed while it runs, finished when it
/// ends. "Interrupted" means a lease that lapsed unfinished (or whose holder on this host is gone): a process killed
/// with -9 and a task cancelled inside a daemon that lives on both stop renewing, and a pid says nothing about the
/// second. The instance's flock (``InstanceLock``) still keeps two operations of one instance apart.
///
///     let lease = try OperationLease(state: store, kind: "backup", subject: "chip@prod", holder: holder)
///     let result = try await lease.renewed { try await work() }
///     try lease.finish("succeeded")
public final class OperationLease: Sendable {
    public struct Timing: Sendable, Equatable {
        /// How long a lease holds after its last renewal: how soon an operation that stopped without finishing (a
        /// cancelled task) is reported interrupted.
        public var ttl: TimeInterval
        public var renewEvery: TimeInterval

        public init(ttl: TimeInterval, renewEvery: TimeInterval) {
            self.ttl = ttl
            self.renewEvery = renewEvery
        }

        /// Three renewals per lease: a state database busy for one of them does not let it lapse.
        public static let standard = Timing(ttl: 30, renewEvery: 10)
    }

    /// The operation's id (the holder's).
    public let id: String
    let state: StateStore
    let renewal: Renewal

    /// Inserts the lease row (`running`, expiring a TTL from now) and starts renewing it.
    public init(state: StateStore, kind: String, subject: String, holder: OperationHolder, timing: Timing = .standard) throws {
        let now = Date()
        try state.insertOperation(OperationLeaseRecord(
            id: holder.operationID, kind: kind, subject: subject, operatorName: holder.operatorName, host: holder.host, pid: getpid(),
            process: ProcessInstance.current, startedAt: now, renewedAt: now, expiresAt: now + timing.ttl, finishedAt: nil, status: "running"))
        let id = holder.operationID
        self.id = id
        self.state = state
        renewal = Renewal(every: timing.renewEvery) { try? state.renewOperation(id, at: Date(), ttl: timing.ttl) }
    }

    /// Runs `body` with the lease renewed; when the task is cancelled, renewal stops at once, so the lease lapses
    /// a TTL later unless `body` still finishes it.
    public func renewed<T>(_ body: () async throws -> T) async rethrows -> T {
        try await withTaskCancellationHandler(operation: body, onCancel: { self.abandon() })
    }

    /// Stops renewing and records how the operation ended.
    public func finish(_ status: String) throws {
        renewal.stop()
        try state.finishOperation(id, status: status, at: Date())
    }

    /// Stops renewing without finishing: the operation stopped where it was (its task was cancelled), and is
    /// reported interrupted once the lease lapses.
    public func abandon() { renewal.stop() }

    deinit { renewal.stop() }
}

/// Renews on a thread of its own: a GRDB write every few seconds stays off the cooperative pool, and a pool kept
/// busy (or a task blocked) does not delay it past the lease's expiry.
final class Renewal: @unchecked Sendable {
    private let condition = NSCondition()
    private var stopped = false
    private let interval: TimeInterval
    private let renew: @Sendable () -> Void

    init(every interval: TimeInterval, _ renew: @escaping @Sendable () -> Void) {
        self.interval = interval
        self.renew = renew
        let thread = Thread { self.loop() }
        thread.name = "steward.lease"
        thread.start()
    }

    private func loop() {
        condition.lock()
        defer { condition.unlock() }
        var next = Date() + interval
        while !stopped {
            if Date() >= next {
                // Outside the lock, so stop() (called from a cancellation handler) never waits for a database write;
                // a renewal that lands after finish() changes nothing (only unfinished rows are renewed).
                condition.unlock()
                renew()
                condition.lock()
                next = Date() + interval
            } else {
                _ = condition.wait(until: next)
            }
        }
    }

    func stop() {
        condition.lock()
        stopped = true
        condition.broadcast()
        condition.unlock()
    }
}
