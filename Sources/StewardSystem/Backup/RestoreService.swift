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
        public var rolledBack = false
        public var safety: BackupRecord?
        public var error: String?
    }

    /// The steps a restore of `record` into `source` runs, with their argv, for `--dry-run`.
    public func plan(_ record: BackupRecord, source: BackupSource, units: [String], checks: [String]) throws -> [Step] {
        var steps = [Step(title: "check the SHA-256 of backup #\(record.id) (\(record.path))", commands: [])]
        if !units.isEmpty { steps.append(Step(title: "stop the app (the units that are running or starting)", commands: [Systemctl.stop(units)])) }
        steps.append(Step(title: "take a safety backup of the current \(source.label) (\(source.origin)), now that nothing writes to it", commands: []))
        switch source.kind {
        case .sqlite:
            steps.append(Step(title: "copy #\(record.id) into \(source.path ?? "?") with SQLite's backup API, in one transaction", commands: []))
        case .postgres:
            let engine = try service.postgres(source)
            let c = engine.restoreCommands(file: record.path, passfile: "<private password file>")
            steps.append(Step(title: "restore #\(record.id) into a new database \(engine.restoringName)", commands: c.prepare))
            steps.append(Step(title: "swap it with \(engine.dsn.database) in one transaction (the current one is kept as \(engine.previousName))", commands: [c.swap]))
        case .files:
            let target = source.path ?? "?"
            steps.append(Step(title: "extract #\(record.id) next to \(target), then swap the directories (the current one is kept until the checks pass)",
                              commands: [Tar.extract(archive: record.path, into: Self.stagingDirectory(target))]))
        case .config:
            steps.append(Step(title: "extract #\(record.id) over \(source.files.joined(separator: ", "))", commands: [Tar.extract(archive: record.path, into: "/"), Systemctl.daemonReload()]))
        }
        if !units.isEmpty { steps.append(Step(title: "start the app", commands: [Systemctl.start(units)])) }
        steps.append(Step(title: checks.isEmpty ? "check that the units are active (no checks are declared)" : "run the checks: \(checks.joined(separator: ", "))", commands: []))
        steps.append(Step(title: "if anything failed: put the safety backup back, start the app and check again", commands: []))
        return steps
    }

    static func stagingDirectory(_ target: String) -> String {
        let url = URL(fileURLWithPath: target)
        return url.deletingLastPathComponent().appendingPathComponent(".\(url.lastPathComponent).steward-restore-\(getpid())").path
    }

    static func previousDirectory(_ target: String) -> String {
        let url = URL(fileURLWithPath: target)
        return url.deletingLastPathComponent().appendingPathComponent(".\(url.lastPathComponent).steward-previous-\(getpid())").path
    }

    /// Runs the restore. `check` runs the app's checks and returns nil when they pass, else what failed.
    ///
    /// SIGINT and SIGTERM are ignored from the moment the app is stopped until it runs again: an interrupted
    /// restore would leave the app down. (kill -9 cannot be ignored; the event journal then shows a restore that
    /// started and never finished, and every engine keeps the previous state aside until the checks pass.)
    public func restore(_ record: BackupRecord, source: BackupSource, units: [String],
                        check: @Sendable () async -> String?) async -> Report {
        var report = Report()
        let tools = ToolRunner(runner: service.runner, secrets: (try? service.secrets(for: source)) ?? [])
        func step(_ text: String) { report.steps.append(text) }
        guard record.kind == source.kind else {
            report.error = "backup #\(record.id) is a \(record.kind.rawValue) backup but \(source.label) is now \(source.kind.rawValue); nothing was changed"
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
            let (sha, _) = try StoreFiles.sha256(record.path)
            guard sha == record.sha256 else { throw StoreError("checksum mismatch: \(record.path) changed since the backup") }
            step("backup #\(record.id) checksum ok")
        } catch {
            report.error = "\(tools.mask("\(error)")); nothing was changed"
            return report
        }
        let previousSignals = (signal(SIGINT, SIG_IGN), signal(SIGTERM, SIG_IGN), signal(SIGHUP, SIG_IGN))
        defer { signal(SIGINT, previousSignals.0); signal(SIGTERM, previousSignals.1); signal(SIGHUP, previousSignals.2) }
        service.state.event("restore", subject: source.label, result: "started", detail: "#\(record.id) into \(source.origin)")
        let running = await runningUnits(units)
        // 2. Stop the app, then 3. save the current state (nothing writes to it any more).
        do {
            if !running.isEmpty {
                try await tools.run(Systemctl.stop(running), timeout: .seconds(120))
                step("stopped \(running.joined(separator: ", "))")
            }
            if source.kind == .sqlite, let path = source.path, !FileManager.default.fileExists(atPath: path) {
                step("no current database at \(path): no safety backup needed")
            } else {
                let safety = try await service.backup(source, store: store, reason: "safety")
                report.safety = safety
                step("safety backup #\(safety.id) of the current state (\(Format.bytes(safety.sizeBytes)))")
            }
        } catch {
            report.error = "before the restore: \(tools.mask("\(error)")); the data was not changed"
            if !running.isEmpty, (try? await tools.run(Systemctl.start(running), timeout: .seconds(120))) != nil {
                step("started \(running.joined(separator: ", ")) again")
            }
            service.state.event("restore", subject: source.label, result: "not started", detail: report.error ?? "")
            return report
        }
        // 4. restore, start, check.
        var undo: (() async throws -> Void)?
        var cleanup: (() async -> Void)?
        do {
            (undo, cleanup) = try await apply(record, source: source, tools: tools)
            step("restored #\(record.id) into \(source.origin)")
            report.restored = true
            if !running.isEmpty {
                try await tools.run(Systemctl.start(running), timeout: .seconds(120))
                step("started \(running.joined(separator: ", "))")
            }
            if let failure = await check() { throw StoreError("the checks failed after the restore: \(failure)") }
            step("checks pass")
            await cleanup?()
            service.state.event("restore", subject: source.label, result: "restored", detail: "#\(record.id); safety #\(report.safety?.id ?? 0)")
            return report
        } catch {
            report.error = tools.mask("\(error)")
        }
        // 5. Put the previous state back.
        report.rolledBack = true
        do {
            if !running.isEmpty { try? await tools.run(Systemctl.stop(running), timeout: .seconds(120)) }
            if let undo {
                try await undo()
            } else if let safety = report.safety, report.restored {
                _ = try await apply(safety, source: source, tools: tools)
            }
            step("put the previous state back\(report.safety.map { " (safety backup #\($0.id))" } ?? "")")
            if !running.isEmpty {
                try await tools.run(Systemctl.start(running), timeout: .seconds(120))
                step("started \(running.joined(separator: ", "))")
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

    /// The units among `units` that run or are starting (a crash-looping app is `activating`): those are stopped,
    /// and started again afterwards.
    func runningUnits(_ units: [String]) async -> [String] {
        guard !units.isEmpty, case .success(let r) = await service.runner.run(Systemctl.show(units: units, properties: ["Id", "ActiveState"]), timeout: .seconds(10))
        else { return units }
        return SystemctlShowParser.parse(r.stdout).filter { ["active", "activating", "reloading", "deactivating"].contains($0.activeState) }.map(\.name)
    }

    /// Puts `record` in place of the source's current state. Returns how to undo it (when the engine keeps the
    /// previous state aside) and how to discard the previous state once the checks pass.
    func apply(_ record: BackupRecord, source: BackupSource, tools: ToolRunner) async throws -> ((() async throws -> Void)?, (() async -> Void)?) {
        switch source.kind {
        case .sqlite:
            guard let target = source.path else { throw StoreError("\(source.label): no database path") }
            let file = record.path
            try await Task.detached { try SQLiteEngine.restore(from: file, into: target) }.value
            return (nil, nil)
        case .postgres:
            let engine = try service.postgres(source)
            return try await engine.withPassfile { passfile in
                let c = engine.restoreCommands(file: record.path, passfile: passfile)
                for command in c.prepare { try await tools.run(command) }
                try await tools.run(c.swap)
                return ({ try await engine.withPassfile { p in _ = try await tools.run(engine.restoreCommands(file: record.path, passfile: p).swapBack) } },
                        { _ = try? await engine.withPassfile { p in try await tools.run(engine.restoreCommands(file: record.path, passfile: p).dropPrevious) } })
            }
        case .files:
            guard let target = source.path else { throw StoreError("\(source.label): no directory") }
            let previous = Self.previousDirectory(target)
            let name = URL(fileURLWithPath: target).lastPathComponent
            // A new directory with an unpredictable name (mkdtemp), never one that already exists: the parent is the
            // app's, and a link planted at a known name would make root extract elsewhere.
            var template = Array((Self.stagingDirectory(target) + "-XXXXXX").utf8CString)
            guard let made = mkdtemp(&template) else { throw StoreError("cannot create a staging directory next to \(target): \(StoreFiles.errnoText())") }
            let staging = String(cString: made)
            do {
                try await tools.run(Tar.extract(archive: record.path, into: staging))
            } catch {
                StoreFiles.removeQuietly(staging)
                throw error
            }
            let hadCurrent = FileManager.default.fileExists(atPath: target)
            if hadCurrent { guard rename(target, previous) == 0 else { throw StoreError("cannot move \(target) aside: \(StoreFiles.errnoText())") } }
            guard rename(staging + "/" + name, target) == 0 else {
                if hadCurrent { _ = rename(previous, target) }
                throw StoreError("cannot move the restored \(name) into place: \(StoreFiles.errnoText())")
            }
            StoreFiles.removeQuietly(staging)
            return ({
                StoreFiles.removeQuietly(target)
                if hadCurrent { guard rename(previous, target) == 0 else { throw StoreError("cannot put \(previous) back: \(StoreFiles.errnoText())") } }
            }, { StoreFiles.removeQuietly(previous) })
        case .config:
            try await tools.run(Tar.extract(archive: record.path, into: "/"))
            try await tools.run(Systemctl.daemonReload())
            return (nil, nil)
        }
    }
}
