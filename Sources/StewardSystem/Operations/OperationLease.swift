import CStewardSys
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
    /// The wall clock of the row's times (the operation's context's).
    let clock: @Sendable () -> Date

    /// Inserts the lease row (`running`, expiring a TTL from now) and starts renewing it.
    public init(state: StateStore, kind: String, subject: String, holder: OperationHolder, timing: Timing = .standard,
                clock: @escaping @Sendable () -> Date = { Date() }) throws {
        let now = clock()
        try state.insertOperation(OperationLeaseRecord(
            id: holder.operationID, kind: kind, subject: subject, operatorName: holder.operatorName, host: holder.host, pid: getpid(),
            process: ProcessInstance.current, startedAt: now, renewedAt: now, expiresAt: now + timing.ttl, finishedAt: nil, status: "running"))
        let id = holder.operationID
        self.id = id
        self.state = state
        self.clock = clock
        renewal = Renewal(every: timing.renewEvery) { try? state.renewOperation(id, at: clock(), ttl: timing.ttl) }
    }

    /// Runs `body` with the lease renewed; when the task is cancelled, renewal stops at once, so the lease lapses
    /// a TTL later unless `body` still finishes it.
    public func renewed<T>(_ body: () async throws -> T) async rethrows -> T {
        try await withTaskCancellationHandler(operation: body, onCancel: { self.abandon() })
    }

    /// Stops renewing and records how the operation ended.
    public func finish(_ status: String) throws {
        renewal.stop()
        try state.finishOperation(id, status: status, at: clock())
    }

    /// Stops renewing without finishing: the operation stopped where it was (its task was cancelled), and is
    /// reported interrupted once the lease lapses.
    public func abandon() { renewal.stop() }

    deinit { renewal.stop() }
}

/// One lease's renewals: registered with the process's ``LeaseRenewer`` while the lease runs.
final class Renewal: Sendable {
    private let token: LeaseRenewer.Token

    init(every interval: TimeInterval, _ renew: @escaping @Sendable () -> Void) {
        token = LeaseRenewer.shared.add(every: interval, renew)
    }

    /// No renewal starts after this returns (one already running may still land: only unfinished rows are renewed).
    func stop() { LeaseRenewer.shared.remove(token) }
}

/// Renews every lease of the process from one scheduling thread: a GRDB write every few seconds stays off the
/// cooperative pool, a pool kept busy (or a task blocked) does not delay it past the lease's expiry, and a daemon
/// holding many leases holds one thread for them, not one each. The writes themselves run side by side on a
/// dispatch queue, so a state database busy for one of them (up to its 10 s busy timeout) does not hold the others
/// back past their expiry.
final class LeaseRenewer: @unchecked Sendable {
    struct Token: Hashable, Sendable { fileprivate let value: Int }

    private struct Entry {
        let interval: TimeInterval
        var next: Date
        let renew: @Sendable () -> Void
    }

    /// The one renewer: its thread runs for the life of the process.
    static let shared = LeaseRenewer()

    private let condition = NSCondition()
    private var entries: [Int: Entry] = [:]
    private var counter = 0
    private var started = false
    private let writes = DispatchQueue(label: "steward.leases.renew", attributes: .concurrent)

    private init() {}

    /// Registers `renew`, first called `interval` from now, then every `interval` after the previous call ended.
    func add(every interval: TimeInterval, _ renew: @escaping @Sendable () -> Void) -> Token {
        condition.lock()
        defer { condition.unlock() }
        counter += 1
        entries[counter] = Entry(interval: interval, next: Date() + interval, renew: renew)
        if !started {
            started = true
            // Named from inside, for `ps -L` and /proc/*/task/*/comm.
            let thread = Thread {
                _ = steward_name_thread("steward.leases")
                LeaseRenewer.shared.loop()
            }
            thread.start()
        }
        condition.broadcast()
        return Token(value: counter)
    }

    func remove(_ token: Token) {
        condition.lock()
        entries[token.value] = nil
        condition.unlock()
    }

    private func loop() {
        condition.lock()
        defer { condition.unlock() }
        while true {
            let now = Date()
            let due = entries.filter { $0.value.next <= now }
            guard !due.isEmpty else {
                // At most an hour: `.distantFuture` (entries whose write runs) overflows Foundation's wait.
                _ = condition.wait(until: min(entries.values.map(\.next).min() ?? .distantFuture, now + 3600))
                continue
            }
            for (key, entry) in due {
                entries[key]?.next = .distantFuture  // not due again while its write runs
                // Outside the lock, so remove() (called from a cancellation handler) never waits for a database write.
                writes.async {
                    entry.renew()
                    self.condition.lock()
                    self.entries[key]?.next = Date() + entry.interval
                    self.condition.broadcast()
                    self.condition.unlock()
                }
            }
        }
    }
}
