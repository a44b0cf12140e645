import Foundation
import StewardCore
import Testing
@testable import StewardSystem

/// Deploys as operations with leases (issue 11), on real git checkouts with systemd answered in the process:
/// two instances deploy at once in one process, each with its own operation and lease; a deploy whose task is
/// cancelled mid-step is reported interrupted once its lease lapses (not before, though its process lives on),
/// then resumed or aborted in the same process.
@Suite(.serialized) struct DeployLeaseTests {
    /// Passes every command to the real runner except `systemctl` and `journalctl`, answered here; a hold at the
    /// restart (the first one only) lets a test catch the deploy mid-step.
    final class Systemd: CommandRunning, @unchecked Sendable {
        let real = CommandRunner()
        private let lock = NSLock()
        private var restarts = 0
        private var holding: Bool
        /// How many deploys a restart waits for before it returns (a barrier): proves they run at once.
        let together: Int

        init(holdFirstRestart: Bool = false, together: Int = 1) {
            holding = holdFirstRestart
            self.together = together
        }

        var restarted: Int { lock.withLock { restarts } }

        func run(_ command: Command, timeout: Duration) async -> Result<CommandResult, RunnerError> {
            guard command.executable == "systemctl" || command.executable == "journalctl" else { return await real.run(command, timeout: timeout) }
            guard command.arguments.first == "restart" else { return .success(CommandResult(exitCode: 0, stdout: "", stderr: "")) }
            let hold = lock.withLock {
                restarts += 1
                defer { holding = false }
                return holding
            }
            if hold {
                // Until the task is cancelled: then as CommandRunner answers, the child killed.
                try? await Task.sleep(for: .seconds(60))
                return .failure(.failedToRun("systemctl", reason: "CancellationError"))
            }
            let deadline = ContinuousClock.now + .seconds(20)
            while restarted < together && ContinuousClock.now < deadline { try? await Task.sleep(for: .milliseconds(20)) }
            return restarted >= together ? .success(CommandResult(exitCode: 0, stdout: "", stderr: ""))
                : .failure(.failedToRun("systemctl", reason: "the other deploy never reached its restart"))
        }
    }

    /// A checkout of a local origin with tags v1.0.0 (checked out) and v2.0.0.
    struct Instance {
        let name: String
        let directory: String
        let v1: String
        let v2: String

        init(_ tree: TempTree, name: String) throws {
            self.name = name
            let git = ["git", "-c", "user.name=t", "-c", "user.email=t@example.com", "-c", "init.defaultBranch=main"]
            try tree.mkdir("/origin-\(name)")
            try tree.sh(git + ["init", "-q"], cwd: "/origin-\(name)")
            for version in ["1.0.0", "2.0.0"] {
                try tree.write("/origin-\(name)/VERSION", version + "\n")
                try tree.sh(git + ["add", "VERSION"], cwd: "/origin-\(name)")
                try tree.sh(git + ["commit", "-qm", "v" + version], cwd: "/origin-\(name)")
                try tree.sh(git + ["tag", "v" + version], cwd: "/origin-\(name)")
            }
            try tree.sh(git + ["clone", "-q", tree.root + "/origin-\(name)", tree.root + "/" + name])
            try tree.sh(git + ["checkout", "-q", "v1.0.0"], cwd: "/" + name)
            directory = tree.root + "/" + name
            v1 = try Self.revParse(directory, "v1.0.0^{commit}")
            v2 = try Self.revParse(directory, "v2.0.0^{commit}")
        }

        static func revParse(_ dir: String, _ ref: String) throws -> String {
            let p = Process()
            p.executableURL = URL(fileURLWithPath: "/usr/bin/git")
            p.arguments = ["-C", dir, "rev-parse", ref]
            let out = Pipe()
            p.standardOutput = out
            try p.run()
            p.waitUntilExit()
            return String(decoding: out.fileHandleForReading.readDataToEndOfFile(), as: UTF8.self).trimmingCharacters(in: .whitespacesAndNewlines)
        }

        var head: String { (try? Self.revParse(directory, "HEAD")) ?? "" }

        func target(_ tree: TempTree) -> DeployTarget {
            var spec = DeploySpec()
            spec.migrations.kind = .none
            spec.healthTimeoutSeconds = 5
            return DeployTarget(app: "chip", instance: name, spec: spec, production: true, units: ["chip-\(name).service"], directory: directory,
                                venv: nil, user: nil, environment: [:], databases: [], store: tree.root + "/store", checks: { nil })
        }
    }

    static let fast = OperationLease.Timing(ttl: 2, renewEvery: 0.2)

    static func engine(_ target: DeployTarget, _ state: StateStore, _ holder: OperationHolder, _ runner: Systemd,
                       lines: LineCollector = LineCollector()) -> DeployEngine {
        DeployEngine(target: target, state: state, holder: holder, runner: runner, leaseTiming: fast,
                     progress: { $0.text.map(lines.append) })
    }

    static func holder(_ who: String) -> OperationHolder { OperationHolder(operatorName: who, host: InstanceLock.hostName) }

    @Test func twoInstancesDeployAtOnceInOneProcessEachWithItsOwnLease() async throws {
        let tree = try TempTree()
        let state = try StateStore(path: tree.root + "/state/state.db")
        let a = try Instance(tree, name: "a"), b = try Instance(tree, name: "b")
        // Each restart waits until both deploys reach theirs: run one after the other, they would fail.
        let systemd = Systemd(together: 2)
        let (alice, bob) = (Self.holder("alice"), Self.holder("bob"))
        let linesA = LineCollector(), linesB = LineCollector()
        let (ta, tb) = (a.target(tree), b.target(tree))
        async let first = Self.engine(ta, state, alice, systemd, lines: linesA).deploy(DeployRequest(ref: "v2.0.0"))
        async let second = Self.engine(tb, state, bob, systemd, lines: linesB).deploy(DeployRequest(ref: "v2.0.0"))
        let (ra, rb) = try await (first, second)
        #expect(ra.status == .succeeded, "\(linesA.all)")
        #expect(rb.status == .succeeded, "\(linesB.all)")
        #expect(a.head == a.v2 && b.head == b.v2)
        #expect(ra.operationID == alice.operationID && rb.operationID == bob.operationID && alice.operationID != bob.operationID)
        #expect(ra.user == "alice" && rb.user == "bob")
        for (record, holder, subject) in [(ra, alice, "chip@a"), (rb, bob, "chip@b")] {
            let stored = try #require(try state.deploy(id: record.id))
            #expect(stored.operationID == holder.operationID)
            let lease = try #require(try state.operation(id: holder.operationID))
            #expect(lease.kind == "deploy" && lease.subject == subject && lease.operatorName == holder.operatorName)
            #expect(lease.status == "succeeded" && lease.finishedAt != nil && !lease.isHeld())
        }
        // Both ran at once: each started before the other ended.
        let (la, lb) = (try #require(try state.operation(id: alice.operationID)), try #require(try state.operation(id: bob.operationID)))
        #expect(la.startedAt < lb.finishedAt! && lb.startedAt < la.finishedAt!)
    }

    /// Starts a deploy of `instance` whose restart holds until its task is cancelled; cancels it there. Returns
    /// the record and when its lease lapses.
    static func cancelledMidStep(_ tree: TempTree, _ instance: Instance, _ state: StateStore) async throws -> DeployRecord {
        let alice = Self.holder("alice")
        let systemd = Systemd(holdFirstRestart: true)
        let lines = LineCollector()
        let target = instance.target(tree)
        let task = Task { try await Self.engine(target, state, alice, systemd, lines: lines).deploy(DeployRequest(ref: "v2.0.0")) }
        let deadline = ContinuousClock.now + .seconds(30)
        while systemd.restarted == 0 && ContinuousClock.now < deadline { try await Task.sleep(for: .milliseconds(20)) }
        try #require(systemd.restarted == 1, "the deploy never reached its restart: \(lines.all)")
        // Held in its restart for longer than a TTL: the renewed lease keeps it from looking interrupted.
        try await Task.sleep(for: .seconds(2.5))
        #expect(try DeployEngine.interrupted(state: state, app: "chip", instance: instance.name) == nil, "a running deploy was reported interrupted")
        task.cancel()
        let record = try await task.value
        #expect(record.status == .running, "a cancelled deploy was ended (\(record.status)): \(lines.all)")
        #expect(record.pid == getpid() && record.operationID == alice.operationID)
        #expect(record.step(.restart)?.result == .failed && !record.started(.rollback), "\(record.steps)")
        #expect(lines.all.last?.contains("its task was cancelled") == true, "\(lines.all)")
        // Not before its lease lapses, though nothing holds the instance's lock any more: a new deploy waits too.
        let lease = try #require(try state.operation(id: alice.operationID))
        #expect(try DeployEngine.interrupted(state: state, app: "chip", instance: instance.name) == nil)
        let early = Self.engine(target, state, Self.holder("carol"), Systemd())
        for attempt in [{ try await early.deploy(DeployRequest(ref: "v2.0.0")) }, { try await early.resume() }] as [() async throws -> DeployRecord] {
            let refusal = await #expect(throws: DeployRefusal.self) { try await attempt() }
            #expect(refusal?.busy == true && refusal?.message.contains("holds its lease until") == true, "\(String(describing: refusal))")
        }
        try #require(Date() < lease.expiresAt, "the checks above came too late to tell")
        // Once it lapses: interrupted, in the same process whose pid the record names.
        while try DeployEngine.interrupted(state: state, app: "chip", instance: instance.name) == nil && ContinuousClock.now < deadline {
            try await Task.sleep(for: .milliseconds(50))
        }
        let interrupted = try #require(try DeployEngine.interrupted(state: state, app: "chip", instance: instance.name))
        #expect(Date() >= lease.expiresAt && interrupted.id == record.id)
        #expect(DeployEngine.interruptedMessage(interrupted).contains("its operation stopped without finishing"))
        return record
    }

    @Test func aCancelledDeployIsInterruptedOnceItsLeaseLapsesThenResumed() async throws {
        let tree = try TempTree()
        let state = try StateStore(path: tree.root + "/state/state.db")
        let c = try Instance(tree, name: "c")
        let stopped = try await Self.cancelledMidStep(tree, c, state)
        let bob = Self.holder("bob")
        let lines = LineCollector()
        let resumed = try await Self.engine(c.target(tree), state, bob, Systemd(), lines: lines).resume()
        #expect(resumed.id == stopped.id && resumed.status == .succeeded, "\(lines.all)")
        #expect(resumed.operationID == bob.operationID && c.head == c.v2)
        #expect(try state.operation(id: bob.operationID)?.status == "succeeded")
        #expect(try DeployEngine.interrupted(state: state, app: "chip", instance: "c") == nil)
    }

    @Test func aCancelledDeployIsInterruptedOnceItsLeaseLapsesThenAborted() async throws {
        let tree = try TempTree()
        let state = try StateStore(path: tree.root + "/state/state.db")
        let d = try Instance(tree, name: "d")
        let stopped = try await Self.cancelledMidStep(tree, d, state)
        #expect(d.head == d.v2, "the cancelled deploy undid its checkout")
        let bob = Self.holder("bob")
        let lines = LineCollector()
        let aborted = try await Self.engine(d.target(tree), state, bob, Systemd(), lines: lines).abort()
        #expect(aborted.id == stopped.id && aborted.status == .aborted, "\(lines.all)")
        #expect(d.head == d.v1, "the abort did not put v1.0.0 back")
        #expect(try state.operation(id: bob.operationID)?.status == "aborted")
    }
}
