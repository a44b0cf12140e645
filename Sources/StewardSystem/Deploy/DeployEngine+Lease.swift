import Foundation
import StewardCore

/// A deploy, rollback, resume or abort is an operation with a lease in the state database (``OperationLease``):
/// renewed while it runs, finished with the record. "Interrupted" is judged by that lease, not by a pid: a task
/// cancelled inside a process that lives on (a daemon) stops renewing and is reported interrupted once its lease
/// lapses; a process killed on this host is seen at once (its pid is gone or names another process).
extension DeployEngine {
    /// Starts this engine's operation lease (its holder's id: one operation per engine) and names it in the record.
    func startLease(kind: String) throws {
        lease = try OperationLease(state: state, kind: kind, subject: target.label, holder: holder, timing: leaseTiming, clock: now)
        record.operationID = holder.operationID
    }

    /// Runs `body` with the lease renewed; a cancelled task stops renewing it at once.
    func renewingLease<T>(_ body: () async throws -> T) async rethrows -> T {
        guard let lease else { return try await body() }
        return try await lease.renewed(body)
    }

    /// Ends the lease with `status` (the record's by default). A record still `running` keeps an unfinished lease
    /// instead, left to lapse (see ``guarded(_:_:)``).
    func endLease(_ status: String? = nil) {
        guard let lease else { return }
        self.lease = nil
        if status == nil && record.status == .running { lease.abandon(); return }
        recordState("the end of operation \(lease.id)") { try lease.finish(status ?? record.status.rawValue) }
    }

    // MARK: - Interrupted deploys

    /// The newest deploy of the instance still marked running, when it was interrupted: its operation's lease is
    /// no longer held (lapsed, finished without the record, or its process on this host gone). Steward refuses a
    /// new deploy until it is resumed or aborted. Records from before leases are judged as they were: by the
    /// instance's flock, or (`holdingLock`) by the pid. A lease's expiry is judged at `now`.
    public static func interrupted(state: StateStore, app: String, instance: String, holdingLock: Bool = false, now: Date = Date()) throws -> DeployRecord? {
        guard let (newest, lease) = try unfinished(state: state, app: app, instance: instance) else { return nil }
        let label = instance.isEmpty ? app : "\(app)@\(instance)"
        // Someone holds the instance's lock (the kernel frees it when its holder dies): a deploy whose renewals are
        // late (a busy state database, a clock that jumped) is still running.
        let lockHeld = !holdingLock && InstanceLock.isHeld(stateDirectory: (state.path as NSString).deletingLastPathComponent, instance: label)
        if let lease { return lease.isHeld(now: now) || lockHeld ? nil : newest }
        if holdingLock { return newest.pid == getpid() && newest.host == InstanceLock.hostName ? nil : newest }
        return lockHeld ? nil : newest
    }

    /// The newest deploy of the instance still marked running, with its operation's lease (nil before leases).
    static func unfinished(state: StateStore, app: String, instance: String) throws -> (DeployRecord, OperationLeaseRecord?)? {
        guard let newest = try state.deploys(app: app, instance: instance, limit: 100).first(where: { $0.status == .running }) else { return nil }
        return (newest, try newest.operationID.flatMap { try state.operation(id: $0) })
    }

    /// Under the instance's lock, before a new deploy or rollback: refuses while one is unfinished, interrupted (it
    /// waits for `--resume` or `--abort`) or stopped with its lease still held (interrupted once it lapses).
    func refuseUnfinished() throws {
        guard let (newest, lease) = try Self.unfinished(state: state, app: target.app, instance: target.instance) else { return }
        lock = nil
        if let lease, lease.isHeld(now: now()) { throw DeployRefusal(Self.leaseHeldMessage(newest, lease), busy: true) }
        throw DeployRefusal(Self.interruptedMessage(newest))
    }

    /// An unfinished deploy whose operation no longer holds the instance's lock but whose lease has not lapsed.
    static func leaseHeldMessage(_ r: DeployRecord, _ lease: OperationLeaseRecord) -> String {
        "deploy #\(r.id) of \(r.ref) on \(r.label) has not finished: its operation \(lease.id) (by \(lease.operatorName), pid \(lease.pid) on "
            + "\(lease.host)) holds its lease until \(Timestamp.iso(lease.expiresAt)); once that lapses it is reported interrupted, "
            + "to resume or abort"
    }

    public static func interruptedMessage(_ r: DeployRecord) -> String {
        let step = r.steps.last.map { "\($0.name) (\($0.result.rawValue))" } ?? "its start"
        // A task stopped inside a process that still runs (a daemon's) is not a process that is gone.
        let stillRuns = r.host == InstanceLock.hostName && !ProcessInstance.isGone(pid: r.pid, token: "")
        return "deploy #\(r.id) of \(r.ref) on \(r.label) was interrupted at \(step): "
            + (stillRuns ? "its operation stopped without finishing (pid \(r.pid) on \(r.host) still runs). " : "its process (pid \(r.pid) on \(r.host)) is gone. ")
            + "Run `steward deploy \(r.label) --resume` to finish it, or `steward deploy \(r.label) --abort` to put "
            + "\(r.previousRef ?? r.previousCommit.map { String($0.prefix(12)) } ?? "the previous release") back."
    }
}
