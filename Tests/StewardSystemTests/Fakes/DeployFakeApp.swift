import Foundation
import StewardCore
@testable import StewardSystem

/// `chip@prod`, deployed in place, for the deploy engine's unit tests: its checkout (a `.git` and a
/// `requirements.txt`) and venv under ``root`` in memory (``DeployMemoryFiles``); git, the units and the checks in a
/// ``DeployFakeRunner``. On disk (in /dev/shm where the host has it), in a temporary tree: the state database, the
/// app's SQLite database and the backup store, since the pre-deploy backup and a rollback's restore are the real
/// SQLite engine's (see the report on issue 11). It runs v1.0.0; v1.1.0 brings a migration (a declared command,
/// pending until it has run) that adds the row `migrated` to the database, and a build command.
final class DeployFakeApp {
    static let v1 = String(repeating: "1", count: 40)
    static let v2 = String(repeating: "2", count: 40)
    /// Where the checkout and the venv are, in ``files``.
    static let root = "/srv/chip"

    let tree: TempTree
    let files: DeployMemoryFiles
    let runner: DeployFakeRunner
    let state: StateStore
    let database: String
    var spec = DeploySpec()
    var host = DeployHost.fake()
    let progress = DeployFakeProgress()

    init() throws {
        // In memory where the host has it: a deploy syncs its state database at every step, which on a busy disk
        // turns milliseconds into seconds.
        tree = try TempTree(base: access("/dev/shm", W_OK) == 0 ? "/dev/shm" : FileManager.default.temporaryDirectory.path)
        files = DeployMemoryFiles(onDisk: [tree.root])
        files.mkdir(Self.root + "/app/.git")
        files.write(Self.root + "/app/requirements.txt", "django==5.0\n")
        files.write(Self.root + "/venv/bin/python", "#!/bin/sh\n", mode: 0o755)
        database = tree.root + "/data/chip.db"
        try tree.mkdir("/data")
        try StateProbe.exec(database, "CREATE TABLE item(name TEXT); INSERT INTO item VALUES ('a');")
        state = try StateStore(path: tree.root + "/state/state.db")
        runner = DeployFakeRunner(head: Self.v1, tags: ["v1.0.0": Self.v1, "v1.1.0": Self.v2])
        spec.migrations.kind = .command
        spec.migrations.check = ["./bin/migrations-pending"]
        spec.migrations.command = ["./bin/migrate"]
        spec.build = [["./bin/build"]]
        // The checks are judged once: a failing release is rolled back at once, without waiting.
        spec.healthTimeoutSeconds = 0
        let database = database
        runner.answer("bin/migrations-pending") { _ in
            CommandResult(exitCode: (try? Self.items(database).contains("migrated")) == true ? 0 : 1, stdout: "", stderr: "")
        }
        runner.answer("bin/migrate") { _ in
            _ = try? StateProbe.exec(database, "INSERT INTO item VALUES ('migrated');")
            return CommandResult(exitCode: 0, stdout: "", stderr: "")
        }
    }

    var directory: String { Self.root + "/app" }

    var target: DeployTarget {
        let runner = runner
        return DeployTarget(app: "chip", instance: "prod", spec: spec, production: true, units: ["chip@prod.service"], directory: directory,
                            venv: Self.root + "/venv", user: "chip", environment: [:],
                            databases: [BackupSource(app: "chip", instance: "prod", name: "db", kind: .sqlite, path: database)],
                            store: tree.root + "/store", checks: { runner.health() })
    }

    func engine(faults: FaultInjection = .none, clock: @escaping @Sendable () -> Date = { Date() }) -> DeployEngine {
        let progress = progress
        return DeployEngine(target: target, state: state, holder: OperationHolder(operatorName: "ops", host: InstanceLock.hostName), runner: runner,
                            files: files, clock: clock, host: host, faults: faults, progress: { progress.append($0) })
    }

    /// An executable `.steward/hooks/NAME` in the checkout.
    func hook(_ name: String) {
        files.write(directory + "/.steward/hooks/" + name, "#!/bin/sh\n", mode: 0o755)
    }

    /// What a deploy of v1.1.0 killed while `running` leaves: its record still running, with the steps before
    /// `running` done and `running` begun; the checkout moved when the fetch was done.
    @discardableResult
    func interrupted(running: DeployStep) throws -> DeployRecord {
        var r = DeployRecord(app: "chip", instance: "prod", ref: "v1.1.0", commit: Self.v2, strategy: .inPlace, release: directory,
                             user: "ops", startedAt: Date(), pid: 999_999, host: InstanceLock.hostName)
        r.previousCommit = Self.v1
        r.previousRef = "v1.0.0"
        r.previousRelease = directory
        r = try state.insertDeploy(r)
        for step in DeployStep.allCases where step < running {
            try state.endStep(try state.beginStep(deploy: r.id, step, at: Date()), result: .ok, detail: "done", at: Date(), durationMs: 1)
        }
        _ = try state.beginStep(deploy: r.id, running, at: Date())
        if running > .fetch { runner.checkOut(Self.v2) }
        return r
    }

    /// The rows of the app's database.
    var items: [String] { (try? Self.items(database)) ?? [] }

    static func items(_ database: String) throws -> [String] {
        try StateProbe.exec(database, "SELECT name FROM item ORDER BY rowid;").split(separator: "\n").map(String.init)
    }
}

extension DeployHost {
    /// Every tool installed, plenty of free space, nothing left running: unless a test says otherwise.
    static func fake(missing: Set<String> = [], free: Int64 = 50 << 30, leftovers: [LeftoverProcesses.Found] = []) -> DeployHost {
        DeployHost(tool: { missing.contains($0) ? nil : "/usr/bin/" + $0 }, freeBytes: { _ in free }, leftovers: { _, _ in leftovers })
    }
}

/// What an engine reported, collected across its callbacks.
final class DeployFakeProgress: @unchecked Sendable {
    private let lock = NSLock()
    private var events: [DeployProgress] = []
    func append(_ event: DeployProgress) { lock.withLock { events.append(event) } }
    var all: [DeployProgress] { lock.withLock { events } }
    var lines: [String] { all.compactMap(\.text) }
    var started: [DeployStep] { all.compactMap { if case .stepStarted(let s) = $0 { s } else { nil } } }
    var finished: [(DeployStep, StepResult)] { all.compactMap { if case .stepFinished(let s, let r, _, _) = $0 { (s, r) } else { nil } } }
}

/// Fault points reached, collected.
final class DeployFakeHits: @unchecked Sendable {
    private let lock = NSLock()
    private var hits: [String] = []
    func append(_ hit: String) { lock.withLock { hits.append(hit) } }
    var all: [String] { lock.withLock { hits } }
}
