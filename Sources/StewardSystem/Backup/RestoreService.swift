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
            steps.append(Step(title: "extract #\(record.id) into a new directory only root can enter, next to \(target) (next to the link's target when it is a link), then swap the directories without following links (the current one is kept until the checks pass)",
                              commands: [Tar.extract(archive: record.path, into: Self.stagingDirectory(target))]))
        case .config:
            steps.append(Step(title: "extract #\(record.id) into a private directory of the store, then write back \(source.files.joined(separator: ", ")) one by one (a new file renamed over the old, never through another user's link)",
                              commands: [Tar.extract(archive: record.path, into: "\(store)/.scratch/restore-config-…"), Systemctl.daemonReload()]))
        }
        if !units.isEmpty { steps.append(Step(title: "start the app", commands: [Systemctl.start(units)])) }
        steps.append(Step(title: checks.isEmpty ? "check that the units are active (no checks are declared)" : "run the checks: \(checks.joined(separator: ", "))", commands: []))
        steps.append(Step(title: "if anything failed: put the safety backup back, start the app and check again", commands: []))
        return steps
    }

    /// How the staging directory of a directory restore is shown by `--dry-run` (the real one has a random suffix).
    static func stagingDirectory(_ target: String) -> String {
        let url = URL(fileURLWithPath: target)
        return url.deletingLastPathComponent().appendingPathComponent(".\(url.lastPathComponent).steward-restore-…").path
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
            } else if source.kind == .files, let path = source.path, !(try DataDirectory.open(path, mustExist: false).exists) {
                // The disaster-recovery case: the data was deleted. Nothing to save, and nothing to put back on failure.
                step("no data at \(path) (deleted?): no safety backup taken, nothing to put back if the restore fails")
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
        // 5. Put the previous state back (`rolledBack` once it is).
        do {
            if !running.isEmpty { try? await tools.run(Systemctl.stop(running), timeout: .seconds(120)) }
            if let undo {
                try await undo()
                report.rolledBack = true
                step("put the previous state back")
            } else if let safety = report.safety {
                // Also when `apply` itself failed: an engine can fail halfway (a config restore that wrote some files,
                // then failed on another or on daemon-reload), so the data may have changed already.
                _ = try await apply(safety, source: source, tools: tools)
                report.rolledBack = true
                step("put the previous state back (safety backup #\(safety.id))")
            } else {
                step("no previous state to put back (there was no data before the restore)")
            }
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
            try StoreFiles.makeDirectory(store, mode: 0o700)
            try StoreFiles.makeDirectory(store + "/.scratch", mode: 0o700)
            let staging = "\(store)/.scratch/restore-\(record.id)-\(getpid())-\(UInt32.random(in: 0...UInt32.max)).sqlite3"
            try await Task.detached { try SQLiteEngine.restore(from: file, into: target, staging: staging) }.value
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
            return try await restoreDirectory(record, into: target, tools: tools)
        case .config:
            try StoreFiles.makeDirectory(store, mode: 0o700)
            try StoreFiles.makeDirectory(store + "/.scratch", mode: 0o700)
            let scratch = try SafePath.openDirectory(store + "/.scratch")
            let (name, staging) = try SafePath.makePrivateDirectory(in: scratch.fd, prefix: "restore-config-\(getpid())-", display: scratch.path)
            defer {
                close(staging)
                try? SafeRemove.remove(name, in: scratch.fd)
            }
            try await tools.run(Tar.extract(archive: record.path, into: SafePath.procPath(staging)))
            _ = try ConfigSnapshot.install(from: scratch.path + "/" + name)
            try await tools.run(Systemctl.daemonReload())
            return (nil, nil)
        }
    }

    /// Restores a directory backup. tar extracts as root only into a new directory nobody else can enter, made in
    /// the data directory's parent (same file system); the result is then swapped in with `renameat` on the opened
    /// parent, so no path an app user can change is resolved again. When the configured path is a symbolic link,
    /// its target is restored and the link stays (see ``DataDirectory``).
    func restoreDirectory(_ record: BackupRecord, into target: String, tools: ToolRunner) async throws -> ((() async throws -> Void)?, (() async -> Void)?) {
        let data = try DataDirectory.open(target, mustExist: false)
        let parent = data.parent, name = data.name
        let (stagingName, staging) = try SafePath.makePrivateDirectory(in: parent.fd, prefix: ".\(name).steward-restore-\(getpid())-", display: parent.path)
        defer { close(staging) }
        do {
            try await tools.run(Tar.extract(archive: record.path, into: SafePath.procPath(staging)))
            // The archive holds one directory: the data directory, under its configured name (older backups of a link
            // hold it under the name of the link's target).
            let top = try SafePath.entries(staging, display: data.path)
            var st = stat()
            guard top.count == 1, fstatat(staging, top[0], &st, AT_SYMLINK_NOFOLLOW) == 0, (st.st_mode & S_IFMT) == S_IFDIR else {
                throw StoreError("backup #\(record.id) does not hold one directory (it holds \(top.prefix(3).joined(separator: ", ")))")
            }
            let previous = ".\(name).steward-previous-\(getpid())-\(String(UInt32.random(in: 0...UInt32.max), radix: 36))"
            var current = stat()
            let hadCurrent = fstatat(parent.fd, name, &current, AT_SYMLINK_NOFOLLOW) == 0
            if hadCurrent {
                guard renameat(parent.fd, name, parent.fd, previous) == 0 else { throw StoreError("cannot move \(data.path) aside: \(StoreFiles.errnoText())") }
            }
            guard renameat(staging, top[0], parent.fd, name) == 0 else {
                let reason = StoreFiles.errnoText()
                if hadCurrent { _ = renameat(parent.fd, previous, parent.fd, name) }
                throw StoreError("cannot move the restored \(name) into \(parent.path): \(reason)")
            }
            try? SafeRemove.remove(stagingName, in: parent.fd)
            return ({
                try SafeRemove.remove(name, in: parent.fd, display: data.path)
                if hadCurrent {
                    guard renameat(parent.fd, previous, parent.fd, name) == 0 else {
                        throw StoreError("cannot put \(parent.path)/\(previous) back: \(StoreFiles.errnoText())")
                    }
                }
            }, { try? SafeRemove.remove(previous, in: parent.fd) })
        } catch {
            try? SafeRemove.remove(stagingName, in: parent.fd)
            throw error
        }
    }
}
