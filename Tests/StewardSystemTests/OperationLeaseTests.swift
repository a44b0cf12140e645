import Foundation
import StewardCore
import Synchronization
import Testing
@testable import StewardSystem

/// Operation leases (issue 11): renewed while the operation runs, finished with it; one that stops being
/// renewed lapses; a holder killed on this host is seen gone at once, whatever the expiry says.
@Suite struct OperationLeaseTests {
    static let holder = OperationHolder(operatorName: "alice", host: InstanceLock.hostName)

    static func row(_ id: String, host: String = InstanceLock.hostName, pid: Int32 = getpid(), process: String = ProcessInstance.current,
                    expiresIn: TimeInterval = 60) -> OperationLeaseRecord {
        let now = Date()
        return OperationLeaseRecord(id: id, kind: "deploy", subject: "chip@prod", operatorName: "alice", host: host, pid: pid, process: process,
                                    startedAt: now, renewedAt: now, expiresAt: now + expiresIn, finishedAt: nil, status: "running")
    }

    /// The pid of a process that has exited.
    static func deadPid() throws -> Int32 {
        let p = Process()
        p.executableURL = URL(fileURLWithPath: "/bin/true")
        try p.run()
        p.waitUntilExit()
        return p.processIdentifier
    }

    @Test func aLeaseIsRenewedWhileHeldAndEndsWhenFinished() async throws {
        let tree = try TempTree()
        let state = try StateStore(path: tree.root + "/state/state.db")
        let lease = try OperationLease(state: state, kind: "deploy", subject: "chip@prod", holder: Self.holder,
                                       timing: .init(ttl: 1, renewEvery: 0.1))
        try await Task.sleep(for: .seconds(2))
        let held = try #require(try state.operation(id: lease.id))
        #expect(held.isHeld(), "a renewed lease lapsed: \(held)")
        #expect(held.renewedAt.timeIntervalSince(held.startedAt) > 1.2 && held.status == "running")
        #expect(held.operatorName == "alice" && held.pid == getpid() && held.process == ProcessInstance.current && !held.process.isEmpty)
        try lease.finish("succeeded")
        let ended = try #require(try state.operation(id: lease.id))
        #expect(!ended.isHeld() && ended.status == "succeeded" && ended.finishedAt != nil)
        try await Task.sleep(for: .seconds(0.3))
        #expect(try state.operation(id: lease.id)?.renewedAt == ended.renewedAt, "renewed after it finished")
    }

    /// A daemon holds many leases at once: all renewed, by one thread of the process, not one each.
    @Test func manyLeasesAreRenewedByOneThread() async throws {
        let tree = try TempTree()
        let state = try StateStore(path: tree.root + "/state/state.db")
        let leases = try (0..<24).map { i in
            try OperationLease(state: state, kind: "check", subject: "app\(i)@prod",
                               holder: OperationHolder(operatorName: "alice", host: InstanceLock.hostName, operationID: "many-\(i)-\(UUID().uuidString)"),
                               timing: .init(ttl: 1, renewEvery: 0.1))
        }
        try await Task.sleep(for: .seconds(1.5))
        for lease in leases {
            let row = try #require(try state.operation(id: lease.id))
            #expect(row.isHeld() && row.renewedAt.timeIntervalSince(row.startedAt) > 1, "\(lease.id) was not renewed: \(row)")
        }
        let names = try FileManager.default.contentsOfDirectory(atPath: "/proc/self/task").compactMap {
            try? String(contentsOfFile: "/proc/self/task/\($0)/comm", encoding: .utf8).trimmingCharacters(in: .whitespacesAndNewlines)
        }
        #expect(names.filter { $0 == "steward.leases" }.count == 1, "\(names.sorted())")
        for lease in leases { try lease.finish("succeeded") }
    }

    /// A renewal stuck on a busy state database does not hold back another lease's renewals.
    @Test func aSlowRenewalDoesNotDelayTheOthers() async throws {
        let calls = Mutex(0)
        let slow = Renewal(every: 0.05) { Thread.sleep(forTimeInterval: 2) }
        let quick = Renewal(every: 0.05) { calls.withLock { $0 += 1 } }
        try await Task.sleep(for: .seconds(1))
        slow.stop()
        quick.stop()
        // About 19 on an idle host; one after the other, the quick one would wait 2 s behind the slow one (at most 2).
        #expect(calls.withLock { $0 } >= 4, "\(calls.withLock { $0 }) renewals in a second")
    }

    @Test func anAbandonedLeaseLapsesAfterItsTTL() async throws {
        let tree = try TempTree()
        let state = try StateStore(path: tree.root + "/state/state.db")
        let lease = try OperationLease(state: state, kind: "backup", subject: "chip@prod", holder: Self.holder,
                                       timing: .init(ttl: 1, renewEvery: 0.1))
        try await Task.sleep(for: .seconds(0.3))
        lease.abandon()
        #expect(try state.operation(id: lease.id)?.isHeld() == true, "lapsed before its TTL")
        try await Task.sleep(for: .seconds(1.3))
        let lapsed = try #require(try state.operation(id: lease.id))
        #expect(!lapsed.isHeld() && lapsed.finishedAt == nil && lapsed.status == "running")
    }

    @Test func aCancelledTaskStopsRenewing() async throws {
        let tree = try TempTree()
        let state = try StateStore(path: tree.root + "/state/state.db")
        let lease = try OperationLease(state: state, kind: "check", subject: "chip@prod", holder: Self.holder,
                                       timing: .init(ttl: 1, renewEvery: 0.1))
        let task = Task { await lease.renewed { try? await Task.sleep(for: .seconds(30)) } }
        try await Task.sleep(for: .seconds(1.3))
        #expect(try state.operation(id: lease.id)?.isHeld() == true)
        task.cancel()
        await task.value
        try await Task.sleep(for: .seconds(1.3))
        #expect(try state.operation(id: lease.id)?.isHeld() == false, "the lease of a cancelled task was still renewed")
    }

    @Test func aHolderGoneFromThisHostIsSeenAtOnce() throws {
        let tree = try TempTree()
        let state = try StateStore(path: tree.root + "/state/state.db")
        let dead = try Self.deadPid()
        // A killed CLI: its pid is gone; the lease's expiry is far off.
        try state.insertOperation(Self.row("killed", pid: dead, process: "boot/1"))
        #expect(try state.operation(id: "killed")?.isHeld() == false)
        // Its pid now names another process (this one): the start time tells them apart.
        try state.insertOperation(Self.row("reused", pid: getpid(), process: "another-boot/42"))
        #expect(try state.operation(id: "reused")?.isHeld() == false)
        // This process, alive: held until it lapses.
        try state.insertOperation(Self.row("alive"))
        #expect(try state.operation(id: "alive")?.isHeld() == true)
        try state.insertOperation(Self.row("lapsed", expiresIn: -1))
        #expect(try state.operation(id: "lapsed")?.isHeld() == false)
        // Another host's pid says nothing here: only the expiry.
        try state.insertOperation(Self.row("remote", host: "elsewhere", pid: dead, process: "boot/1"))
        #expect(try state.operation(id: "remote")?.isHeld() == true)
        #expect(try state.operations(subject: "chip@prod").count == 5)
    }
}
