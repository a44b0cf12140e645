import Foundation
import StewardCore

/// Restores a backup in place, safely: a safety backup of the current state first, the app's units stopped, the
/// restore, the units started, and the app's checks run; when anything fails, the previous state is put back.
public struct RestoreService: Sendable {
    public let service: BackupService
    public let store: String

    public init(service: BackupService, store: String) {
        self.service = service
        self.store = store
    }

    /// One step of the plan, as printed by `--dry-run` and as run.
    public struct Step: Sendable {
        public var title: String
        public var commands: [Command]
    }

    /// What a restore did.
    public struct Report: Sendable {
        public var steps: [String] = []
        public var restored = false
        /// The previous state was put back after a failure (false when putting it back failed, or there was none).
        public var rolledBack = false
        public var safety: BackupRecord?
        public var error: String?
    }

    /// The steps a restore of `record` into `source` runs, with their argv, for `--dry-run`.
    public func plan(_ record: BackupRecord, source: BackupSource, units: [String], containers: [String] = [], checks: [String]) throws -> [Step] {
        var steps = [Step(title: "check the SHA-256 of backup #\(record.id) (\(record.path))", commands: [])]
        if !units.isEmpty { steps.append(Step(title: "stop the app (the units that are running or starting)", commands: [Systemctl.stop(units)])) }
        if !containers.isEmpty { steps.append(Step(title: "stop the app's containers (its services other than the database)", commands: [Docker.stop(containers)])) }
        steps.append(Step(title: "take a safety backup of the current \(source.label) (\(source.origin)), now that nothing writes to it", commands: []))
        steps += try service.engines.engine(for: source.kind).restoreSteps(record, into: source, in: service.context(for: nil, store: store))
        if !units.isEmpty { steps.append(Step(title: "start the app", commands: [Systemctl.start(units)])) }
        if !containers.isEmpty { steps.append(Step(title: "start the app's containers", commands: [Docker.start(containers)])) }
        steps.append(Step(title: checks.isEmpty ? "check that the units are active (no checks are declared)" : "run the checks: \(checks.joined(separator: ", "))", commands: []))
        steps.append(Step(title: "if anything failed: put the safety backup back, start the app and check again", commands: []))
        return steps
    }

    /// Runs the restore. `check` runs the app's checks and returns nil when they pass, else what failed.
    ///
    /// SIGINT and SIGTERM are ignored from the moment the app is stopped until it runs again: an interrupted
    /// restore would leave the app down. (kill -9 cannot be ignored; the event journal then shows a restore that
    /// started and never finished, and every engine keeps the previous state aside until the checks pass.)
    ///
    /// Progress steps: `checksum`, `stop`, the safety backup's `backup <label>`, `restore #<id>`, `start`, `checks`,
    /// and on failure `roll back`.
    /// `containers`: a Compose project's running containers to stop and start instead of units (their services other
    /// than the database, whose container the restore works in).
    public func restore(_ record: BackupRecord, source: BackupSource, units: [String], containers: [String] = [], progress: BackupProgressSink? = nil,
                        check: @Sendable () async -> String?) async -> Report {
        var report = Report()
        let context = service.context(for: source, store: store)
        let tools = context.tools
        func step(_ text: String) { report.steps.append(text) }
        guard record.kind == source.kind else {
            report.error = "backup #\(record.id) is a \(record.kind.rawValue) backup but \(source.label) is now \(source.kind.rawValue); nothing was changed"
            return report
        }
        let engine: any BackupEngine
        do { engine = try service.engines.engine(for: source.kind) } catch {
            report.error = "\(error); nothing was changed"
            return report
        }
        let leases: [Int64]
        do { leases = try service.state.lease([record.id], purpose: "restore") } catch {
            report.error = "cannot record the restore in the state database: \(error); nothing was changed"
            return report
        }
        defer { service.state.release(leases) }

        // 1. The backup is intact.
        do {
            try await progress.step("checksum") {
                let (sha, _) = try service.storeFiles.sha256(record.path)
                guard sha == record.sha256 else { throw StoreError("checksum mismatch: \(record.path) changed since the backup") }
            }
            step("backup #\(record.id) checksum ok")
        } catch {
            report.error = "\(tools.mask("\(error)")); nothing was changed"
            return report
        }
        let previousSignals = (signal(SIGINT, SIG_IGN), signal(SIGTERM, SIG_IGN), signal(SIGHUP, SIG_IGN))
        defer { signal(SIGINT, previousSignals.0); signal(SIGTERM, previousSignals.1); signal(SIGHUP, previousSignals.2) }
        service.state.event("restore", subject: source.label, result: "started", detail: "#\(record.id) into \(source.origin)")
        let runningUnits = await runningUnits(units)
        let app = AppProcesses(units: runningUnits, containers: containers)
        let running = app.names
        @Sendable func startApp() async throws { for c in app.start { try await tools.run(c, timeout: .seconds(120)) } }
        @Sendable func stopApp() async throws { for c in app.stop { try await tools.run(c, timeout: .seconds(120)) } }
        // 2. Stop the app, then 3. save the current state (nothing writes to it any more).
        do {
            if !running.isEmpty {
                try await progress.step("stop") { try await stopApp() }
                step("stopped \(running.joined(separator: ", "))")
            }
            if let nothing = try engine.nothingToSave(source, in: context) {
                step(nothing)
            } else {
                let safety = try await service.backup(source, store: store, reason: "safety", progress: progress)
                report.safety = safety
                step("safety backup #\(safety.id) of the current state (\(Format.bytes(safety.sizeBytes)))")
            }
        } catch {
            report.error = "before the restore: \(tools.mask("\(error)")); the data was not changed"
            if !running.isEmpty, (try? await progress.step("start", startApp)) != nil {
                step("started \(running.joined(separator: ", ")) again")
            }
            service.state.event("restore", subject: source.label, result: "not started", detail: report.error ?? "")
            return report
        }
        // 4. restore, start, check.
        var undo: RestoreUndo?
        do {
            undo = try await progress.step("restore #\(record.id)") { try await engine.restore(record, into: source, in: context) }
            step("restored #\(record.id) into \(source.origin)")
            report.restored = true
            if !running.isEmpty {
                try await progress.step("start") { try await startApp() }
                step("started \(running.joined(separator: ", "))")
            }
            try await progress.step("checks") {
                if let failure = await check() { throw StoreError("the checks failed after the restore: \(failure)") }
            }
            step("checks pass")
            await undo?.cleanup?()
            service.state.event("restore", subject: source.label, result: "restored", detail: "#\(record.id); safety #\(report.safety?.id ?? 0)")
            return report
        } catch {
            report.error = tools.mask("\(error)")
        }
        // 5. Put the previous state back (`rolledBack` once it is).
        do {
            try await progress.step("roll back") {
                if !running.isEmpty { try? await stopApp() }
                if let undo = undo?.undo {
                    try await undo()
                    report.rolledBack = true
                    step("put the previous state back")
                } else if let safety = report.safety {
                    // Also when the engine's restore itself failed: it can fail halfway (a config restore that wrote some
                    // files, then failed on another or on daemon-reload), so the data may have changed already.
                    _ = try await engine.restore(safety, into: source, in: context)
                    report.rolledBack = true
                    step("put the previous state back (safety backup #\(safety.id))")
                } else {
                    step("no previous state to put back (there was no data before the restore)")
                }
                if !running.isEmpty {
                    try await startApp()
                    step("started \(running.joined(separator: ", "))")
                }
            }
            let again = await check()
            step(again == nil ? "checks pass again on the previous state" : "checks still fail on the previous state: \(again!)")
            service.state.event("restore", subject: source.label, result: "rolled back", detail: "#\(record.id): \(report.error ?? "")")
        } catch {
            report.error = (report.error ?? "") + "; putting the previous state back failed too: \(tools.mask("\(error)"))"
            service.state.event("restore", subject: source.label, result: "failed", detail: report.error ?? "")
        }
        return report
    }

    /// What a restore stops and starts again: the app's running units, a Compose project's containers.
    struct AppProcesses {
        var units: [String]
        var containers: [String]
        var names: [String] { units + containers }
        var stop: [Command] { (units.isEmpty ? [] : [Systemctl.stop(units)]) + (containers.isEmpty ? [] : [Docker.stop(containers)]) }
        var start: [Command] { (units.isEmpty ? [] : [Systemctl.start(units)]) + (containers.isEmpty ? [] : [Docker.start(containers)]) }
    }

    /// The units among `units` that run or are starting (a crash-looping app is `activating`): those are stopped,
    /// and started again afterwards.
    func runningUnits(_ units: [String]) async -> [String] {
        guard !units.isEmpty, case .success(let r) = await service.runner.run(Systemctl.show(units: units, properties: ["Id", "ActiveState"]), timeout: .seconds(10))
        else { return units }
        return SystemctlShowParser.parse(r.stdout).filter { ["active", "activating", "reloading", "deactivating"].contains($0.activeState) }.map(\.name)
    }

    /// Puts `record` in place of the source's current state with its kind's engine. Returns how to undo it (when
    /// the engine keeps the previous state aside) and how to discard the previous state once the checks pass.
    func apply(_ record: BackupRecord, source: BackupSource, tools: ToolRunner) async throws -> ((() async throws -> Void)?, (() async -> Void)?) {
        let context = BackupEngineContext(service: service, tools: tools, store: store)
        let undo = try await service.engines.engine(for: source.kind).restore(record, into: source, in: context)
        return (undo.undo, undo.cleanup)
    }
}
